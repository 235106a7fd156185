#include "sensor/intel/adblock_rule.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "sensor/intel/text.h"

namespace bw::intel::adblock {
namespace {

// Element hiding and its exception, extended CSS, snippets/scriptlets, HTML filters (ABP and
// AdGuard spellings); checked before anything else so a selector's '$' is never read as options.
constexpr std::array<std::string_view, 9> kCosmeticSeparators = {
    "##", "#@#", "#?#", "#@?#", "#$#", "#@$#", "#%#", "#@%#", "$$"};

// Endings of generic rules that look like names ("pixel.gif", "analytics.min.js"): a bare or
// slash-led rule ending in one of these is about a file, not a host.
constexpr std::array<std::string_view, 24> kFileExtensions = {
    "gif", "png",  "jpg", "jpeg", "webp", "svg", "ico", "bmp", "js",  "css", "json", "php",
    "asp", "aspx", "jsp", "cgi",  "html", "htm", "xml", "txt", "swf", "cfm", "dll",  "pl"};

// Resource types (and uBlock Origin aliases) a mail client fetches when it renders a message:
// images and what HTML mail may reference, and the page a clicked tracking link opens.
constexpr std::array<std::string_view, 9> kMailFetchTypes = {
    "image", "stylesheet", "css", "font", "media", "other", "document", "doc", "all"};
// Types only a web page's scripts, frames or plug-ins request.
constexpr std::array<std::string_view, 13> kPageOnlyTypes = {
    "script", "xmlhttprequest",    "xhr",       "subdocument", "frame",
    "object", "object-subrequest", "websocket", "webrtc",      "ping",
    "beacon", "webbundle",         "fetch"};
// Options that change what happens to a page, not whether a fetch is blocked.
constexpr std::array<std::string_view, 16> kNonNetworkOptions = {
    "popup",       "popunder",     "csp",          "removeparam", "redirect-rule", "permissions",
    "replace",     "urltransform", "uritransform", "cookie",      "stealth",       "inline-script",
    "inline-font", "removeheader", "hls",          "jsonprune"};
// Exception options that switch filtering off on a page.
constexpr std::array<std::string_view, 13> kPageLevelOptions = {
    "elemhide", "ehide",    "generichide", "ghide",     "specifichide", "shide", "genericblock",
    "content",  "jsinject", "urlblock",    "extension", "document",     "doc"};
// Options that leave the block itself as it is.
constexpr std::array<std::string_view, 11> kNeutralOptions = {"third-party",
                                                              "3p",
                                                              "strict3p",
                                                              "important",
                                                              "collapse",
                                                              "redirect",
                                                              "rewrite",
                                                              "empty",
                                                              "mp4",
                                                              "xmlhttprequest-blocking",
                                                              "_"};
// Options whose effect depends on something a sensor does not see or cannot express.
constexpr std::array<std::string_view, 10> kUnsupportedOptions = {
    "badfilter", "denyallow", "to",        "method",        "header",
    "app",       "network",   "ipaddress", "requestheader", "responseheader"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

constexpr bool is_host_char(char c) {
  const char lower = ascii_lower(c);
  return (lower >= 'a' && lower <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

bool is_cosmetic(std::string_view rule) {
  return std::any_of(
      kCosmeticSeparators.begin(), kCosmeticSeparators.end(),
      [&](std::string_view separator) { return rule.find(separator) != std::string_view::npos; });
}

// What the options allow; filled by read_options.
struct Options {
  SkipReason skip = SkipReason::kNone;
  bool match_case = false;
  bool any_positive_type = false;
  bool positive_mail_type = false;
  std::array<bool, kMailFetchTypes.size()> negated_mail_type{};
};

void set_skip(Options& options, SkipReason reason) {
  // The first reason found is the one counted.
  if (options.skip == SkipReason::kNone) options.skip = reason;
}

// "a.com|~b.com": restricted when any entry is positive (only then is the rule limited to the
// listed sites; negations alone leave it everywhere but there).
bool restricts_to_sites(std::string_view list) {
  while (!list.empty()) {
    const std::size_t bar = list.find('|');
    const std::string_view entry = trim(list.substr(0, bar));
    if (!entry.empty() && entry.front() != '~') return true;
    if (bar == std::string_view::npos) break;
    list.remove_prefix(bar + 1);
  }
  return false;
}

void read_option(std::string_view option, bool exception, Options& out) {
  option = trim(option);
  if (option.empty()) return;
  const bool negated = option.front() == '~';
  if (negated) option.remove_prefix(1);
  const std::size_t equals = option.find('=');
  std::string name(option.substr(0, equals));
  for (char& c : name)
    c = ascii_lower(c);
  const std::string_view value =
      equals == std::string_view::npos ? std::string_view() : option.substr(equals + 1);

  if (name == "domain" || name == "from") {
    if (restricts_to_sites(value)) set_skip(out, SkipReason::kDomainRestricted);
  } else if (name == "sitekey") {
    set_skip(out, SkipReason::kDomainRestricted);
  } else if (name == "match-case") {
    out.match_case = !negated;
  } else if (name == "third-party" || name == "3p") {
    if (negated) set_skip(out, SkipReason::kFirstPartyOnly);
  } else if (name == "first-party" || name == "1p" || name == "strict1p") {
    if (!negated) set_skip(out, SkipReason::kFirstPartyOnly);
  } else if (exception && contains(kPageLevelOptions, name)) {
    set_skip(out, SkipReason::kPageLevel);
  } else if (const auto mail = std::find(kMailFetchTypes.begin(), kMailFetchTypes.end(), name);
             mail != kMailFetchTypes.end()) {
    if (negated) {
      out.negated_mail_type[static_cast<std::size_t>(mail - kMailFetchTypes.begin())] = true;
    } else {
      out.any_positive_type = true;
      out.positive_mail_type = true;
    }
  } else if (contains(kPageOnlyTypes, name)) {
    if (!negated) out.any_positive_type = true;
  } else if (contains(kNonNetworkOptions, name) || contains(kPageLevelOptions, name)) {
    set_skip(out, SkipReason::kNonNetwork);
  } else if (name == "method") {
    // Mail clients fetch with GET; a rule limited to GET still applies, any other limit does not.
    std::string lowered(value);
    for (char& c : lowered)
      c = ascii_lower(c);
    if (lowered != "get") set_skip(out, SkipReason::kUnsupportedOption);
  } else if (contains(kUnsupportedOptions, name)) {
    set_skip(out, SkipReason::kUnsupportedOption);
  } else if (!contains(kNeutralOptions, name)) {
    set_skip(out, SkipReason::kUnknownOption);
  }
}

// Whether any type a mail client fetches remains once positive and negated types are applied.
bool applies_to_mail_fetches(const Options& options) {
  if (options.any_positive_type) return options.positive_mail_type;
  return !std::all_of(options.negated_mail_type.begin(), options.negated_mail_type.end(),
                      [](bool negated) { return negated; });
}

Options read_options(std::string_view text, bool exception) {
  Options options;
  while (true) {
    const std::size_t comma = text.find(',');
    read_option(text.substr(0, comma), exception, options);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (options.skip == SkipReason::kNone && !applies_to_mail_fetches(options)) {
    options.skip = SkipReason::kNotMailFetch;
  }
  return options;
}

bool is_regex_pattern(std::string_view pattern) {
  return pattern.size() > 2 && pattern.front() == '/' && pattern.back() == '/';
}

// Reads the host at the start of `text` (after an anchor). `strict` (the heuristic anchors):
// only a plausible, complete name counts, else the rule is generic. Returns false for a port.
enum class HostRead : std::uint8_t { kHost, kUnknownHost, kNotAHost, kPort };

HostRead read_host(std::string_view text, bool heuristic, std::string_view& host) {
  std::size_t end = 0;
  while (end < text.size() && is_host_char(text[end]))
    ++end;
  const std::string_view name = text.substr(0, end);
  const char next = end < text.size() ? text[end] : '\0';
  const bool name_ends = next == '\0' || next == '^' || next == '/' || next == '|';
  if (next == ':' && !name.empty()) return HostRead::kPort;
  if (name_ends && !name.empty() && name.back() != '.' && name.front() != '.' &&
      (!heuristic || plausible_host(name))) {
    host = name;
    return HostRead::kHost;
  }
  // "email.*": a name part, then a wildcard for the rest of the host.
  const bool wildcard_host =
      next == '*' && name.size() >= 2 && name.back() == '.' && name.front() != '.';
  if (!heuristic || wildcard_host) return HostRead::kUnknownHost;
  return HostRead::kNotAHost;
}

std::string_view trim_trailing_stars(std::string_view text) {
  while (!text.empty() && text.back() == '*')
    text.remove_suffix(1);
  return text;
}

// Splits the pattern into anchor, host and path.
void read_pattern(std::string_view pattern, Rule& rule) {
  if (pattern.size() > 1 && pattern.back() == '|' && !pattern.ends_with("||")) {
    rule.end_anchor = true;
    pattern.remove_suffix(1);
  }
  pattern = trim_trailing_stars(pattern);
  std::string_view rest;
  bool heuristic = false;
  if (pattern.starts_with("||")) {
    rule.anchor = Anchor::kDomain;
    rest = pattern.substr(2);
  } else if (pattern.starts_with("|")) {
    std::string_view url = pattern.substr(1);
    bool http = false;
    for (const std::string_view scheme : {"https://", "http://", "http*://", "*://"}) {
      if (starts_with_ignoring_case(url, scheme)) {
        url.remove_prefix(scheme.size());
        http = true;
        break;
      }
    }
    if (!http) {
      rule.rule_class = RuleClass::kSkipped;
      rule.skip = SkipReason::kScheme;
      return;
    }
    rule.anchor = Anchor::kExactHost;
    rest = url;
  } else if (pattern.starts_with("://")) {
    rule.anchor = Anchor::kExactHost;
    rest = pattern.substr(3);
  } else if (pattern.starts_with(".")) {
    rule.anchor = Anchor::kSubdomain;
    rest = pattern.substr(1);
    heuristic = true;
  } else if (pattern.starts_with("/")) {
    rule.anchor = Anchor::kExactHost;
    rest = pattern.substr(1);
    heuristic = true;
  } else {
    rule.anchor = Anchor::kDomain;
    rest = pattern;
    heuristic = true;
  }

  std::string_view host;
  switch (read_host(rest, heuristic, host)) {
    case HostRead::kHost:
      rule.host = host;
      rule.path = rest.substr(host.size());
      rule.pattern = rule.anchor == Anchor::kSubdomain ? pattern : rest;
      return;
    case HostRead::kUnknownHost:
      rule.host_unknown = true;
      rule.pattern = rule.anchor == Anchor::kSubdomain ? pattern : rest;
      return;
    case HostRead::kPort:
      rule.rule_class = RuleClass::kSkipped;
      rule.skip = SkipReason::kPort;
      return;
    case HostRead::kNotAHost:
      break;
  }
  rule.anchor = Anchor::kNone;
  while (pattern.starts_with('*'))
    pattern.remove_prefix(1);
  rule.pattern = pattern;
}

// RE2's metacharacters are escaped, control and non-ASCII bytes written as \xHH; the rest stays
// as written, so a converted pattern still reads like the rule it came from.
void append_escaped(char c, std::string& out) {
  constexpr std::string_view kMetacharacters = "\\.+*?()|[]{}^$";
  const auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte >= 0x7f) {
    std::array<char, 8> text{};
    std::snprintf(text.data(), text.size(), "\\x%02x", byte);
    out += text.data();
    return;
  }
  if (kMetacharacters.find(c) != std::string_view::npos) out.push_back('\\');
  out.push_back(c);
}

}  // namespace

bool plausible_host(std::string_view text) {
  const std::size_t last_dot = text.rfind('.');
  if (last_dot == std::string_view::npos || last_dot == 0) return false;
  const std::string_view last_label = text.substr(last_dot + 1);
  if (last_label.size() < 2) return false;
  std::string lowered(last_label);
  for (char& c : lowered) {
    c = ascii_lower(c);
    if (c < 'a' || c > 'z') return false;
  }
  return !contains(kFileExtensions, lowered);
}

Rule parse_rule(std::string_view line) {
  Rule rule;
  std::string_view text = trim(line);
  if (text.empty() || text.front() == '!' || text.front() == '[') return rule;
  if (is_cosmetic(text)) {
    rule.rule_class = RuleClass::kCosmetic;
    return rule;
  }
  const bool exception = text.starts_with("@@");
  if (exception) text.remove_prefix(2);
  rule.rule_class = exception ? RuleClass::kException : RuleClass::kBlocking;

  // A regex may hold '$' (its end anchor); a rule that is one regex has no options.
  std::string_view pattern = text;
  std::string_view options;
  if (!is_regex_pattern(text)) {
    const std::size_t dollar = text.rfind('$');
    if (dollar != std::string_view::npos) {
      pattern = text.substr(0, dollar);
      options = text.substr(dollar + 1);
    }
  }
  if (is_regex_pattern(pattern)) {
    rule.rule_class = RuleClass::kSkipped;
    rule.skip = SkipReason::kRegex;
    return rule;
  }
  const Options read = read_options(options, exception);
  if (read.skip != SkipReason::kNone) {
    rule.rule_class = RuleClass::kSkipped;
    rule.skip = read.skip;
    return rule;
  }
  rule.match_case = read.match_case;
  read_pattern(pattern, rule);
  if (rule.rule_class != RuleClass::kSkipped && rule.pattern.empty() && rule.host.empty()) {
    rule.rule_class = RuleClass::kSkipped;
    rule.skip = SkipReason::kMatchesEverything;
  }
  return rule;
}

std::string url_regex(const Rule& rule) {
  std::string out = rule.match_case ? "" : "(?i)";
  std::string_view pattern = rule.pattern;
  switch (rule.anchor) {
    case Anchor::kDomain:
      out += "^(?:[^/]*\\.)?";
      break;
    case Anchor::kSubdomain:
      out += "^[^/]*";  // the pattern's own leading '.' follows
      break;
    case Anchor::kExactHost:
      out += "^";
      break;
    case Anchor::kNone:
      // The matched text has no "scheme://", whose "//" precedes the host in a full URL: a
      // generic "/x" may also match at the start.
      if (pattern.starts_with('/')) {
        out += "(?:^|/)";
        pattern.remove_prefix(1);
      }
      break;
  }
  bool after_star = false;
  for (const char c : pattern) {
    if (c == '*') {
      if (!after_star) out += ".*";
      after_star = true;
      continue;
    }
    after_star = false;
    if (c == '^') {
      out += "(?:[^A-Za-z0-9_.%-]|$)";
    } else {
      append_escaped(c, out);
    }
  }
  if (rule.end_anchor) out += "$";
  return out;
}

}  // namespace bw::intel::adblock
