#include "sensor/intel/list_convert.h"

#include <algorithm>
#include <array>
#include <unordered_set>

#include "sensor/intel/indicator_syntax.h"
#include "sensor/intel/prefix_table.h"
#include "sensor/intel/text.h"

namespace bw::intel {
namespace {

// Names every hosts file carries for the machine itself; not trackers.
constexpr std::array<std::string_view, 12> kReservedHostNames = {
    "localhost",     "localhost.localdomain", "local",        "broadcasthost",
    "ip6-localhost", "ip6-loopback",          "ip6-localnet", "ip6-mcastprefix",
    "ip6-allnodes",  "ip6-allrouters",        "ip6-allhosts", "0.0.0.0",
};

// Element hiding, its exceptions, extended CSS, snippets and HTML filters.
constexpr std::array<std::string_view, 5> kCosmeticSeparators = {"##", "#@#", "#?#", "#$#", "#%#"};

bool is_cosmetic_rule(std::string_view rule) {
  for (const std::string_view separator : kCosmeticSeparators) {
    if (rule.find(separator) != std::string_view::npos) return true;
  }
  return false;
}

// Validates, deduplicates and writes indicators.
class FeedWriter {
 public:
  FeedWriter(const ConvertOptions& options, std::string& feed, ConvertCounters& counters,
             ProblemLog& problems)
      : options_(options), feed_(feed), counters_(counters), problems_(problems) {}

  void offer(std::string_view candidate, std::size_t line) {
    std::string canonical;
    std::string reason;
    if (!canonical_indicator(options_.to, candidate, canonical, reason)) {
      ++counters_.invalid;
      problems_.at_line(line, reason);
      return;
    }
    if (!written_.insert(canonical).second) {
      ++counters_.duplicates;
      return;
    }
    ++counters_.converted;
    feed_ += format_feed_line(canonical, options_.label, options_.weight);
    feed_ += '\n';
  }

 private:
  const ConvertOptions& options_;
  std::string& feed_;
  ConvertCounters& counters_;
  ProblemLog& problems_;
  std::unordered_set<std::string> written_;
};

// Cuts a trailing "# comment" that follows whitespace; a '#' inside a token is kept.
std::string_view strip_trailing_comment(std::string_view line) {
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '#' && is_blank(line[i - 1])) return trim(line.substr(0, i));
  }
  return line;
}

void convert_plain_line(std::string_view line, std::size_t number, const ConvertOptions& options,
                        FeedWriter& writer, ConvertCounters& counters) {
  std::string_view content = trim(line);
  if (content.empty() || content.front() == '#') {
    ++counters.comments;
    return;
  }
  // A pattern may hold " #" legitimately; every other kind is a single token.
  if (options.to != IndicatorKind::kUrlRegex) content = strip_trailing_comment(content);
  writer.offer(content, number);
}

void convert_hosts_line(std::string_view line, std::size_t number, FeedWriter& writer,
                        ConvertCounters& counters, ProblemLog& problems) {
  const std::vector<std::string_view> fields = split_words(line.substr(0, line.find('#')));
  if (fields.empty()) {
    ++counters.comments;
    return;
  }
  IpAddress address;
  if (!parse_ip_address(fields[0], address) || fields.size() < 2) {
    ++counters.invalid;
    problems.at_line(number, "not a hosts line (address, then host names)");
    return;
  }
  for (std::size_t i = 1; i < fields.size(); ++i) {
    const std::string_view name = fields[i];
    if (std::find(kReservedHostNames.begin(), kReservedHostNames.end(), name) !=
        kReservedHostNames.end()) {
      ++counters.reserved_skipped;
      continue;
    }
    writer.offer(name, number);
  }
}

// "||host^" and "||host^|", with any "$options" ignored; returns an empty view for other rules.
std::string_view adblock_rule_host(std::string_view rule) {
  if (!rule.starts_with("||")) return {};
  std::string_view body = rule.substr(2);
  body = body.substr(0, body.find('$'));
  if (body.ends_with("^|")) {
    body.remove_suffix(2);
  } else if (body.ends_with('^')) {
    body.remove_suffix(1);
  } else {
    return {};
  }
  // Paths, wildcards, ports and inner separators make it a URL rule, not a host rule.
  if (body.find_first_of("/*^|:") != std::string_view::npos) return {};
  return body;
}

void convert_adblock_line(std::string_view line, std::size_t number, FeedWriter& writer,
                          ConvertCounters& counters) {
  const std::string_view rule = trim(line);
  if (rule.empty() || rule.front() == '!' || rule.front() == '[') {
    ++counters.comments;
  } else if (is_cosmetic_rule(rule)) {
    ++counters.cosmetic_skipped;
  } else if (rule.starts_with("@@")) {
    ++counters.exception_skipped;
  } else if (const std::string_view host = adblock_rule_host(rule); !host.empty()) {
    writer.offer(host, number);
  } else {
    ++counters.unsupported;
  }
}

bool is_domain_kind(IndicatorKind kind) {
  return kind == IndicatorKind::kDomain || kind == IndicatorKind::kDomainSuffix;
}

struct RequiredOptions {
  bool from = false;
  bool to = false;
  bool category = false;
  bool label = false;
  bool all() const { return from && to && category && label; }
};

bool apply_option(std::string_view name, std::string_view value, ConvertOptions& options,
                  RequiredOptions& seen, std::string& error) {
  std::string unused_reason;  // the message below names the option and value
  bool ok = true;
  if (name == "--from") {
    ok = seen.from = parse_list_format(value, options.from);
  } else if (name == "--to") {
    ok = seen.to = parse_kind(value, options.to);
  } else if (name == "--category") {
    ok = seen.category = parse_category(value, options.category);
  } else if (name == "--label") {
    options.label = value;
    seen.label = true;
  } else if (name == "--weight") {
    ok = parse_weight(value, options.weight, unused_reason);
  } else {
    error = "unknown option " + std::string(name);
    return false;
  }
  if (!ok) error = "bad value '" + std::string(value) + "' for " + std::string(name);
  return ok;
}

}  // namespace

std::string_view list_format_name(ListFormat format) {
  switch (format) {
    case ListFormat::kPlain:
      return "plain";
    case ListFormat::kAdblock:
      return "adblock";
    case ListFormat::kHosts:
      return "hosts";
  }
  return "unknown";
}

bool parse_list_format(std::string_view name, ListFormat& out) {
  for (const ListFormat format : {ListFormat::kPlain, ListFormat::kAdblock, ListFormat::kHosts}) {
    if (list_format_name(format) == name) {
      out = format;
      return true;
    }
  }
  return false;
}

bool check_convert_options(const ConvertOptions& options, std::string& error) {
  std::string reason;
  if (!check_label(options.label, reason)) {
    error = "--label: " + reason;
    return false;
  }
  if (!(options.weight >= 0 && options.weight <= 1)) {
    error = "--weight must be between 0 and 1";
    return false;
  }
  if (options.from != ListFormat::kPlain && !is_domain_kind(options.to)) {
    error = std::string(list_format_name(options.from)) +
            " lists hold host names: --to must be domain or domain-suffix";
    return false;
  }
  return true;
}

bool convert_list(std::string_view input, const ConvertOptions& options, std::string& feed,
                  ConvertCounters& counters, std::vector<std::string>& problems) {
  std::string error;
  if (!check_convert_options(options, error)) {
    problems.push_back(error);
    return false;
  }
  feed = format_feed_header(options.to, options.category) + "\n";
  feed += "# Converted by bw-intel-convert from the " +
          std::string(list_format_name(options.from)) + " list " + options.source_name + "\n";
  ProblemLog log(options.source_name, problems);
  FeedWriter writer(options, feed, counters, log);
  for_each_line(input, [&](std::string_view line, std::size_t number) {
    ++counters.lines;
    switch (options.from) {
      case ListFormat::kPlain:
        return convert_plain_line(line, number, options, writer, counters);
      case ListFormat::kHosts:
        return convert_hosts_line(line, number, writer, counters, log);
      case ListFormat::kAdblock:
        return convert_adblock_line(line, number, writer, counters);
    }
  });
  return true;
}

std::string convert_usage() {
  return "usage: bw-intel-convert --from plain|adblock|hosts --to KIND --category CATEGORY\n"
         "                        --label LABEL [--weight W] IN OUT\n"
         "Converts a third-party list into a Beaconwatch feed (sensor/intel/data/README.md).\n"
         "  --from      plain: one indicator per line, '#' comments\n"
         "              hosts: \"0.0.0.0 host [host...]\" lines\n"
         "              adblock: \"||host^\" rules, options ignored; other rules skipped\n"
         "  --to        " +
         all_kind_names() +
         "\n"
         "              (hosts and adblock lists: domain or domain-suffix)\n"
         "  --category  " +
         all_category_names() +
         "\n"
         "  --label     vendor or list name written on every line\n"
         "  --weight    0..1, how strongly a match means the category (default 1)\n"
         "  IN OUT      files, '-' for standard input or output\n"
         "Counts of converted and skipped entries go to standard error.\n";
}

bool parse_convert_command(std::span<const std::string_view> args, ConvertCommand& out,
                           std::string& error) {
  out = ConvertCommand{};
  std::vector<std::string_view> positional;
  RequiredOptions seen;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      out.help = true;
      return true;
    }
    if (!arg.starts_with("--")) {
      positional.push_back(arg);
    } else if (i + 1 >= args.size()) {
      error = std::string(arg) + " needs a value";
      return false;
    } else if (!apply_option(arg, args[++i], out.options, seen, error)) {
      return false;
    }
  }
  if (!seen.all()) {
    error = "--from, --to, --category and --label are required";
    return false;
  }
  if (positional.size() != 2) {
    error = "expected two file arguments, IN and OUT";
    return false;
  }
  out.input_path = positional[0];
  out.output_path = positional[1];
  out.options.source_name = out.input_path;
  return check_convert_options(out.options, error);
}

}  // namespace bw::intel
