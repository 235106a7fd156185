#include "sensor/intel/feed_format.h"

#include <array>
#include <charconv>
#include <cmath>

#include "sensor/intel/indicator_syntax.h"
#include "sensor/intel/text.h"

namespace bw::intel {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string header_usage() {
  return "the first line must be '# " + std::string(kFeedMagic) + " " + std::string(kFeedVersion) +
         " kind=<kind> category=<category>'";
}

struct HeaderFields {
  bool has_kind = false;
  bool has_category = false;
};

bool apply_header_field(std::string_view key, std::string_view value, FeedHeader& out,
                        HeaderFields& seen, ProblemLog& problems) {
  std::string reason;
  if (key == "kind") {
    seen.has_kind = parse_kind(value, out.kind);
    if (!seen.has_kind) {
      problems.at_line(
          1, "unknown kind '" + std::string(value) + "' (one of " + all_kind_names() + ")");
    }
    return seen.has_kind;
  }
  if (key == "category") {
    seen.has_category = parse_category(value, out.category);
    if (!seen.has_category) {
      problems.at_line(
          1, "unknown category '" + std::string(value) + "' (one of " + all_category_names() + ")");
    }
    return seen.has_category;
  }
  if (key == "scope") {
    if (parse_host_scope(value, out.scope)) return true;
    problems.at_line(1, "unknown scope '" + std::string(value) + "' (host or path-rule-host)");
    return false;
  }
  if (key == "label") {
    out.default_label = value;
    if (check_label(value, reason)) return true;
  } else if (key == "weight") {
    if (parse_weight(value, out.default_weight, reason)) return true;
  } else {
    problems.at_line(1, "unknown header field '" + std::string(key) + "' ignored");
    return true;
  }
  problems.at_line(1, "header " + std::string(key) + "=: " + reason);
  return false;
}

// A bad line yields a reason; a good one an entry. Comments are told apart by the caller.
bool parse_indicator_line(std::string_view line, const FeedHeader& header, FeedEntry& entry,
                          std::string& reason) {
  if (line.size() > kMaxFeedLineLength) {
    reason = "line longer than " + std::to_string(kMaxFeedLineLength) + " bytes";
    return false;
  }
  std::array<std::string_view, 3> fields{};
  std::size_t field_count = 0;
  for (std::string_view rest = line;; ++field_count) {
    const std::size_t tab = rest.find('\t');
    if (field_count == fields.size()) {
      if (trim(rest).empty()) break;  // trailing tabs
      reason = "more than 3 tab-separated fields (indicator, label, weight)";
      return false;
    }
    fields[field_count] = trim(rest.substr(0, tab));
    if (tab == std::string_view::npos) break;
    rest.remove_prefix(tab + 1);
  }
  entry.label = fields[1].empty() ? std::string_view(header.default_label) : fields[1];
  if (entry.label.empty()) {
    reason = "no label (add a tab and a label, or label= in the header)";
    return false;
  }
  if (!check_label(entry.label, reason)) return false;
  entry.weight = header.default_weight;
  if (!fields[2].empty() && !parse_weight(fields[2], entry.weight, reason)) return false;
  return canonical_indicator(header.kind, fields[0], entry.indicator, reason);
}

}  // namespace

ProblemLog::ProblemLog(std::string_view source, std::vector<std::string>& sink)
    : source_(source), sink_(sink) {}

ProblemLog::~ProblemLog() {
  if (count_ > kMaxProblemsPerSource) {
    sink_.push_back(source_ + ": " + std::to_string(count_ - kMaxProblemsPerSource) +
                    " more problems not listed");
  }
}

void ProblemLog::add(std::string message) {
  if (++count_ <= kMaxProblemsPerSource) sink_.push_back(std::move(message));
}

void ProblemLog::at_line(std::size_t line, std::string_view reason) {
  add(source_ + ":" + std::to_string(line) + ": " + std::string(reason));
}

void ProblemLog::at_file(std::string_view reason) {
  add(source_ + ": " + std::string(reason));
}

bool parse_feed_header(std::string_view line, FeedHeader& out, ProblemLog& problems) {
  if (line.starts_with(kUtf8Bom)) line.remove_prefix(kUtf8Bom.size());
  line = trim(line);
  const std::vector<std::string_view> tokens =
      line.starts_with("#") ? split_words(line.substr(1)) : std::vector<std::string_view>{};
  if (tokens.size() < 2 || tokens[0] != kFeedMagic) {
    problems.at_line(1, "not a feed: " + header_usage());
    return false;
  }
  if (tokens[1] != kFeedVersion) {
    problems.at_line(1, "feed format '" + std::string(tokens[1]) + "' not supported (this reads " +
                            std::string(kFeedVersion) + ")");
    return false;
  }
  out = FeedHeader{};
  HeaderFields seen;
  bool usable = true;
  for (std::size_t i = 2; i < tokens.size(); ++i) {
    const std::size_t equals = tokens[i].find('=');
    if (equals == std::string_view::npos) {
      problems.at_line(1,
                       "header field '" + std::string(tokens[i]) + "' is not key=value; ignored");
      continue;
    }
    usable = apply_header_field(tokens[i].substr(0, equals), tokens[i].substr(equals + 1), out,
                                seen, problems) &&
             usable;
  }
  if (!seen.has_kind || !seen.has_category) {
    if (usable) problems.at_line(1, "header lacks kind= or category=: " + header_usage());
    return false;
  }
  if (out.scope != HostScope::kWholeHost && out.kind != IndicatorKind::kDomain &&
      out.kind != IndicatorKind::kDomainSuffix) {
    problems.at_line(1, "scope=" + std::string(host_scope_name(out.scope)) +
                            " applies to domain and domain-suffix feeds only");
    return false;
  }
  return usable;
}

bool parse_feed(std::string_view text, ProblemLog& problems, IntelLoadCounters& counters,
                FeedHeader& header, const std::function<void(const FeedEntry&)>& on_entry) {
  ++counters.feeds;
  const std::size_t first_newline = text.find('\n');
  if (!parse_feed_header(text.substr(0, first_newline), header, problems)) return false;
  if (first_newline == std::string_view::npos) return true;

  FeedEntry entry;
  std::string reason;
  for_each_line(text.substr(first_newline + 1), [&](std::string_view line, std::size_t number) {
    ++counters.lines;
    const std::string_view content = trim(line);
    if (content.empty() || content.front() == '#') {
      ++counters.comment_lines;
      return;
    }
    entry.line = number + 1;  // the header was line 1
    if (!parse_indicator_line(line, header, entry, reason)) {
      ++counters.lines_rejected;
      problems.at_line(entry.line, reason);
      return;
    }
    ++counters.indicators_accepted;
    on_entry(entry);
  });
  return true;
}

bool check_label(std::string_view label, std::string& reason) {
  if (label.empty()) {
    reason = "empty label";
    return false;
  }
  if (label.size() > kMaxLabelLength) {
    reason = "label longer than " + std::to_string(kMaxLabelLength) + " bytes";
    return false;
  }
  for (const char c : label) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      reason = "control character in label";
      return false;
    }
  }
  return true;
}

bool parse_weight(std::string_view text, float& out, std::string& reason) {
  float value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value) || value < 0 ||
      value > 1) {
    reason = "weight '" + std::string(text) + "' is not a number between 0 and 1";
    return false;
  }
  out = value;
  return true;
}

std::string format_feed_header(IndicatorKind kind, Category category, HostScope scope) {
  std::string header = "# " + std::string(kFeedMagic) + " " + std::string(kFeedVersion) +
                       " kind=" + std::string(kind_name(kind)) +
                       " category=" + std::string(category_name(category));
  if (scope != HostScope::kWholeHost) header += " scope=" + std::string(host_scope_name(scope));
  return header;
}

std::string format_weight(float weight) {
  std::array<char, 32> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), weight);
  return std::string(text.data(), result.ptr);
}

std::string format_feed_line(std::string_view indicator, std::string_view label, float weight) {
  return std::string(indicator) + "\t" + std::string(label) + "\t" + format_weight(weight);
}

}  // namespace bw::intel
