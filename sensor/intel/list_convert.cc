#include "sensor/intel/list_convert.h"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <unordered_set>

#include "sensor/intel/adblock_rule.h"
#include "sensor/intel/host_name.h"
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

// Validates, deduplicates and writes the indicators of one output feed.
class FeedWriter {
 public:
  FeedWriter(IndicatorKind kind, std::string_view label, float weight, ConvertedFeed& feed,
             ConvertCounters& counters, ProblemLog& problems)
      : kind_(kind),
        label_(label),
        weight_(weight),
        feed_(feed),
        counters_(counters),
        problems_(problems) {}

  void offer(std::string_view candidate, std::size_t line) {
    std::string canonical;
    std::string reason;
    if (!canonical_indicator(kind_, candidate, canonical, reason)) {
      ++counters_.invalid;
      problems_.at_line(line, reason);
      return;
    }
    if (!written_.insert(canonical).second) {
      ++counters_.duplicates;
      return;
    }
    ++counters_.converted;
    ++feed_.indicators;
    feed_.text += format_feed_line(canonical, label_, weight_);
    feed_.text += '\n';
  }

 private:
  IndicatorKind kind_;
  std::string_view label_;
  float weight_;
  ConvertedFeed& feed_;
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
  // Hosts files published next to Adblock lists carry "!" comments (AdGuard's, for one).
  if (fields.empty() || fields.front().starts_with('!')) {
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

// ---- Adblock lists ------------------------------------------------------------------------------

// A network rule as read, with its host in canonical form.
struct ReadRule {
  adblock::Rule rule;
  std::size_t line = 0;
  std::string host;  // lower-case; empty when the rule names no usable host
  bool removed = false;
  std::size_t partial_exception_line = 0;  // an exception allowing part of this rule
};

void count_skip(adblock::SkipReason reason, ConvertCounters& counters) {
  using adblock::SkipReason;
  switch (reason) {
    case SkipReason::kNone:
      return;
    case SkipReason::kRegex:
      ++counters.regex_skipped;
      return;
    case SkipReason::kDomainRestricted:
      ++counters.domain_restricted;
      return;
    case SkipReason::kFirstPartyOnly:
      ++counters.first_party_only;
      return;
    case SkipReason::kNotMailFetch:
      ++counters.not_mail_fetch;
      return;
    case SkipReason::kNonNetwork:
      ++counters.non_network;
      return;
    case SkipReason::kPageLevel:
      ++counters.exceptions_page_level;
      return;
    case SkipReason::kUnsupportedOption:
      ++counters.unsupported_option;
      return;
    case SkipReason::kUnknownOption:
      ++counters.unknown_option;
      return;
    case SkipReason::kPort:
      ++counters.port_skipped;
      return;
    case SkipReason::kScheme:
      ++counters.scheme_skipped;
      return;
    case SkipReason::kMatchesEverything:
      ++counters.matches_everything;
      return;
  }
}

// `name` is `base` or a name below it, by whole labels.
bool at_or_below(std::string_view name, std::string_view base) {
  if (name == base) return true;
  return name.size() > base.size() && name.ends_with(base) &&
         name[name.size() - base.size() - 1] == '.';
}

// Every host `inner` can match is one `outer` matches.
bool names_within(const ReadRule& inner, const ReadRule& outer) {
  using adblock::Anchor;
  switch (outer.rule.anchor) {
    case Anchor::kDomain:
      return at_or_below(inner.host, outer.host);
    case Anchor::kSubdomain:
      // Names below outer.host only: inner may not take outer.host itself.
      return at_or_below(inner.host, outer.host) &&
             (inner.host != outer.host || inner.rule.anchor == Anchor::kSubdomain);
    case Anchor::kExactHost:
      return inner.rule.anchor == Anchor::kExactHost && inner.host == outer.host;
    case Anchor::kNone:
      return false;
  }
  return false;
}

std::string_view literal_prefix(std::string_view path) {
  return path.substr(0, path.find_first_of("*^"));
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && starts_with_ignoring_case(a, b);
}

enum class Cover : std::uint8_t { kNone, kPartial, kFull };

// How much of the paths blocking rule `b` matches on a host the exception `e`'s paths take in.
Cover path_cover(const adblock::Rule& e, const adblock::Rule& b) {
  if (e.whole_host()) return Cover::kFull;
  if (b.whole_host()) return Cover::kPartial;
  const std::string_view pe = e.path;
  const std::string_view pb = b.path;
  // A literal exception path is a prefix match: it takes every path that starts with it.
  const bool literal = !e.end_anchor && literal_prefix(pe).size() == pe.size();
  if (literal && starts_with_ignoring_case(pb, pe)) return Cover::kFull;
  if (e.end_anchor == b.end_anchor && equal_ignoring_case(pe, pb)) return Cover::kFull;
  const std::string_view lb = literal_prefix(pb);
  const std::string_view le = literal_prefix(pe);
  const bool overlap = starts_with_ignoring_case(lb, le) || starts_with_ignoring_case(le, lb);
  return overlap ? Cover::kPartial : Cover::kNone;
}

// How much of what blocking rule `b` matches the exception `e` allows.
Cover exception_cover(const ReadRule& e, const ReadRule& b) {
  if (e.host.empty() || b.host.empty()) {
    // Without hosts only the same rule text can be told to be covered.
    const bool same = e.rule.anchor == b.rule.anchor && e.rule.end_anchor == b.rule.end_anchor &&
                      equal_ignoring_case(e.rule.pattern, b.rule.pattern);
    return same ? Cover::kFull : Cover::kNone;
  }
  const bool within = names_within(b, e);
  if (!within && !at_or_below(e.host, b.host) && !at_or_below(b.host, e.host)) return Cover::kNone;
  const Cover path = path_cover(e.rule, b.rule);
  if (path == Cover::kNone) return Cover::kNone;
  return within && path == Cover::kFull ? Cover::kFull : Cover::kPartial;
}

std::string reversed(std::string_view text) {
  return {text.rbegin(), text.rend()};
}

// Applies each exception to the blocking rules it may concern: those at, below or above its host,
// found through host names sorted back to front ("moc.elpmaxe.a"), or with the same text when
// there is no host.
void apply_exceptions(std::vector<ReadRule>& blocking, const std::vector<ReadRule>& exceptions,
                      ConvertCounters& counters) {
  std::vector<std::pair<std::string, std::size_t>> by_host;
  std::unordered_multimap<std::string_view, std::size_t> by_pattern;
  for (std::size_t i = 0; i < blocking.size(); ++i) {
    if (blocking[i].host.empty()) {
      by_pattern.emplace(blocking[i].rule.pattern, i);
    } else {
      by_host.emplace_back(reversed(blocking[i].host), i);
    }
  }
  std::sort(by_host.begin(), by_host.end());
  const auto visit_host = [&](const std::string& key, bool with_names_below, auto&& visit) {
    auto it = std::lower_bound(by_host.begin(), by_host.end(), std::make_pair(key, std::size_t{0}));
    for (; it != by_host.end(); ++it) {
      const bool exact = it->first == key;
      const bool below = with_names_below && it->first.size() > key.size() &&
                         it->first.starts_with(key) && it->first[key.size()] == '.';
      if (!exact && !below) {
        if (!it->first.starts_with(key)) break;
        continue;  // "moc.elpmaxeb" after "moc.elpmaxe": a longer label, not below
      }
      visit(it->second);
    }
  };
  for (const ReadRule& exception : exceptions) {
    bool applied = false;
    const auto consider = [&](std::size_t index) {
      ReadRule& rule = blocking[index];
      if (rule.removed) return;
      switch (exception_cover(exception, rule)) {
        case Cover::kFull:
          rule.removed = true;
          applied = true;
          break;
        case Cover::kPartial:
          if (rule.partial_exception_line == 0) rule.partial_exception_line = exception.line;
          break;
        case Cover::kNone:
          break;
      }
    };
    if (exception.host.empty()) {
      const auto [first, last] = by_pattern.equal_range(exception.rule.pattern);
      for (auto it = first; it != last; ++it)
        consider(it->second);
    } else {
      visit_host(reversed(exception.host), true, consider);
      for (std::string_view parent = exception.host;;) {
        const std::size_t dot = parent.find('.');
        if (dot == std::string_view::npos) break;
        parent.remove_prefix(dot + 1);
        visit_host(reversed(parent), false, consider);
      }
    }
    ++(applied ? counters.exceptions_applied : counters.exceptions_unmatched);
  }
}

// Reads one line into `blocking` or `exceptions`, or counts why not.
void read_adblock_line(std::string_view line, std::size_t number, std::vector<ReadRule>& blocking,
                       std::vector<ReadRule>& exceptions, ConvertCounters& counters,
                       ProblemLog& problems) {
  using adblock::RuleClass;
  ReadRule read;
  read.rule = adblock::parse_rule(line);
  read.line = number;
  switch (read.rule.rule_class) {
    case RuleClass::kComment:
      ++counters.comments;
      return;
    case RuleClass::kCosmetic:
      ++counters.cosmetic_skipped;
      return;
    case RuleClass::kSkipped:
      count_skip(read.rule.skip, counters);
      return;
    case RuleClass::kBlocking:
    case RuleClass::kException:
      break;
  }
  if (!read.rule.host.empty()) {
    std::string reason;
    if (!canonical_domain(read.rule.host, read.host, reason)) {
      read.host.clear();
      if (read.rule.whole_host()) {
        // Nothing but a host, and not a usable one ("||192.0.2.1^" belongs in an ip feed).
        ++counters.invalid;
        problems.at_line(number, reason);
        return;
      }
      read.rule.host = {};  // still a URL pattern, anchored to a host it cannot name
      read.rule.host_unknown = true;
    }
  }
  (read.rule.rule_class == RuleClass::kException ? exceptions : blocking)
      .push_back(std::move(read));
}

// Whether a kept whole-host indicator already matches every name `rule` can.
bool covered_by_host_rule(const ReadRule& rule, const std::unordered_set<std::string>& hosts,
                          IndicatorKind to) {
  if (to == IndicatorKind::kDomain) return hosts.count(rule.host) != 0;
  for (std::string_view suffix = rule.host;;) {
    if (hosts.count(std::string(suffix)) != 0) return true;
    const std::size_t dot = suffix.find('.');
    if (dot == std::string_view::npos) return false;
    suffix.remove_prefix(dot + 1);
  }
}

void convert_adblock(std::string_view input, const ConvertOptions& options,
                     std::vector<ConvertedFeed>& feeds, ConvertCounters& counters,
                     ProblemLog& problems) {
  std::vector<ReadRule> blocking;
  std::vector<ReadRule> exceptions;
  for_each_line(input, [&](std::string_view line, std::size_t number) {
    ++counters.lines;
    read_adblock_line(line, number, blocking, exceptions, counters, problems);
  });
  apply_exceptions(blocking, exceptions, counters);

  feeds.resize(3);
  ConvertedFeed& host_feed = feeds[0];
  ConvertedFeed& url_feed = feeds[1];
  ConvertedFeed& path_host_feed = feeds[2];
  url_feed.name_suffix = ".urls";
  path_host_feed.name_suffix = ".path-hosts";
  const std::string note =
      "# Converted by bw-intel-convert from the adblock list " + options.source_name + "\n";
  host_feed.text = format_feed_header(options.to, options.category) + "\n" + note;
  url_feed.text = format_feed_header(IndicatorKind::kUrlRegex, options.category) + "\n" + note;
  path_host_feed.text =
      format_feed_header(options.to, options.category, HostScope::kPathRuleHost) + "\n" + note;
  FeedWriter hosts(options.to, options.label, options.weight, host_feed, counters, problems);
  FeedWriter urls(IndicatorKind::kUrlRegex, options.label, options.weight, url_feed, counters,
                  problems);
  FeedWriter path_hosts(options.to, options.label, options.effective_path_host_weight(),
                        path_host_feed, counters, problems);

  std::unordered_set<std::string> whole_hosts;
  for (const ReadRule& rule : blocking) {
    if (rule.removed || !rule.rule.whole_host()) continue;
    whole_hosts.insert(rule.host);
  }
  for (const ReadRule& rule : blocking) {
    if (rule.removed) {
      ++counters.removed_by_exception;
      continue;
    }
    if (rule.partial_exception_line != 0) {
      ++counters.exceptions_partial;
      problems.at_line(rule.line, "kept, though the exception on line " +
                                      std::to_string(rule.partial_exception_line) +
                                      " allows part of what it blocks (a feed cannot say so)");
    }
    if (rule.rule.whole_host()) {
      ++counters.host_rules;
      hosts.offer(rule.host, rule.line);
    } else if (rule.rule.anchor == adblock::Anchor::kNone) {
      if (options.generic_rules == GenericRules::kSkip) {
        ++counters.generic_skipped;
        continue;
      }
      ++counters.generic_rules;
      urls.offer(adblock::url_regex(rule.rule), rule.line);
    } else if (!rule.host.empty() && covered_by_host_rule(rule, whole_hosts, options.to)) {
      ++counters.subsumed_by_host_rule;
    } else {
      ++counters.path_rules;
      urls.offer(adblock::url_regex(rule.rule), rule.line);
      if (rule.host.empty()) {
        ++counters.path_rules_without_host;
      } else {
        path_hosts.offer(rule.host, rule.line);
      }
    }
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
  } else if (name == "--path-host-weight") {
    ok = parse_weight(value, options.path_host_weight, unused_reason);
  } else if (name == "--generic-rules") {
    ok = value == "keep" || value == "skip";
    options.generic_rules = value == "keep" ? GenericRules::kKeep : GenericRules::kSkip;
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
  if (options.path_host_weight > 1) {
    error = "--path-host-weight must be between 0 and 1";
    return false;
  }
  if (options.from != ListFormat::kPlain && !is_domain_kind(options.to)) {
    error = std::string(list_format_name(options.from)) +
            " lists hold host names: --to must be domain or domain-suffix";
    return false;
  }
  return true;
}

bool convert_list(std::string_view input, const ConvertOptions& options,
                  std::vector<ConvertedFeed>& feeds, ConvertCounters& counters,
                  std::vector<std::string>& problems) {
  feeds.clear();
  std::string error;
  if (!check_convert_options(options, error)) {
    problems.push_back(error);
    return false;
  }
  ProblemLog log(options.source_name, problems);
  if (options.from == ListFormat::kAdblock) {
    convert_adblock(input, options, feeds, counters, log);
    return true;
  }
  ConvertedFeed& feed = feeds.emplace_back();
  feed.text = format_feed_header(options.to, options.category) + "\n";
  feed.text += "# Converted by bw-intel-convert from the " +
               std::string(list_format_name(options.from)) + " list " + options.source_name + "\n";
  FeedWriter writer(options.to, options.label, options.weight, feed, counters, log);
  for_each_line(input, [&](std::string_view line, std::size_t number) {
    ++counters.lines;
    if (options.from == ListFormat::kPlain) {
      convert_plain_line(line, number, options, writer, counters);
    } else {
      convert_hosts_line(line, number, writer, counters, log);
    }
  });
  return true;
}

std::string converted_feed_path(std::string_view output_path, std::string_view name_suffix) {
  if (name_suffix.empty()) return std::string(output_path);
  constexpr std::string_view kExtension = ".feed";
  std::string_view base = output_path;
  if (base.ends_with(kExtension)) base.remove_suffix(kExtension.size());
  return std::string(base) + std::string(name_suffix) + std::string(kExtension);
}

std::string convert_usage() {
  return "usage: bw-intel-convert --from plain|adblock|hosts --to KIND --category CATEGORY\n"
         "                        --label LABEL [--weight W] [--path-host-weight W]\n"
         "                        [--generic-rules skip|keep] IN OUT\n"
         "Converts a third-party list into Beaconwatch feeds (sensor/intel/data/README.md).\n"
         "  --from      plain: one indicator per line, '#' comments\n"
         "              hosts: \"0.0.0.0 host [host...]\" lines, '#' and '!' comments\n"
         "              adblock: Adblock Plus / uBlock Origin network rules; writes OUT (whole\n"
         "              hosts), OUT.urls.feed (URL patterns) and OUT.path-hosts.feed (hosts of\n"
         "              host+path rules, scope=path-rule-host)\n"
         "  --to        " +
         all_kind_names() +
         "\n"
         "              (hosts and adblock lists: domain or domain-suffix)\n"
         "  --category  " +
         all_category_names() +
         "\n"
         "  --label     vendor or list name written on every line\n"
         "  --weight    0..1, how strongly a match means the category (default 1)\n"
         "  --path-host-weight  0..1, weight of path-rule hosts (default half of --weight)\n"
         "  --generic-rules     keep Adblock rules tied to no host as URL patterns (default skip)\n"
         "  IN OUT      files, '-' for standard input or output (Adblock: the three feeds one\n"
         "              after another, to look at; give a file name to load them)\n"
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
