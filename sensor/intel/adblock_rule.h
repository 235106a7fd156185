// One Adblock Plus / uBlock Origin static filter, read as far as a network sensor can use it: the
// parser behind `bw-intel-convert --from adblock` (list_convert.h). Setup-time code.
//
// Syntax read (Adblock Plus "How to write filters", uBlock Origin "Static filter syntax"):
//   !comment, [Adblock Plus 2.0]     comments and list headers
//   ##, #@#, #?#, #$#, #%#, $$, ...   cosmetic and HTML filters: nothing to do with a fetch
//   @@rule                            exception: lifts the block of the rules it covers
//   ||host.tld^, ||host.tld/path      host-anchored: the host or any name below it
//   |https://host/path, ://host/path  the URL starts there: exactly that host
//   .host.tld/path                    substring starting with a dot: names below host.tld
//   /host.tld/path                    substring after a '/': read as exactly that host, as the
//                                     "//" before the host is the only place a URL has one
//   host.tld/path, host.tld           bare rule starting with a host name: read like "||"
//   /path/pixel.gif?, _track.         generic: a substring anywhere in the URL
//   *  any characters, ^  a separator (not a letter, digit, '_', '-', '.', '%') or the end,
//   |  at the end: the URL ends there; /regex/ rules are skipped (ABP regexes, not RE2's).
//   $options                          after the last '$': resource types, third-party,
//                                     domain=, match-case, ... (see parse_rule)
//
// A "host" is only taken as such when the text after it ends the name ('/', '^', the end):
// "||track*.example/x" and ".email.*/o/" are anchored to the host but name none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bw::intel::adblock {

enum class RuleClass : std::uint8_t {
  kComment,    // blank, "!" comments, "[Adblock Plus 2.0]" headers
  kCosmetic,   // element hiding, extended CSS, scriptlets, HTML filters
  kBlocking,   // a network rule that blocks
  kException,  // "@@" network rule
  kSkipped,    // a network rule this converter cannot or should not use; see SkipReason
};

// Why a network rule (blocking or exception) is not used. Each has its own counter.
enum class SkipReason : std::uint8_t {
  kNone,
  kRegex,              // "/.../": a JavaScript regex over the whole URL
  kDomainRestricted,   // $domain=, $from=, $sitekey=: only on pages of named sites, and a mail
                       // client's fetch comes from no site
  kFirstPartyOnly,     // $~third-party, $first-party, $1p, $strict1p: a mail fetch is third-party
  kNotMailFetch,       // only types a mail client never fetches ($script, $xhr, $subdocument, ...)
  kNonNetwork,         // $popup, $csp, $removeparam, $redirect-rule, ...: no block of the fetch
  kPageLevel,          // exceptions with $document, $elemhide, $generichide, ...: they switch
                       // filtering off on a page, they say nothing about a fetch
  kUnsupportedOption,  // $badfilter, $denyallow, $to=, $method= (other than get), $header=, ...
  kUnknownOption,      // an option neither Adblock Plus nor uBlock Origin documents
  kPort,               // host:port: the URL text matched carries no port
  kScheme,             // |ws://, |data:, ...: not an http(s) fetch
  kMatchesEverything,  // no pattern left: the rule would match every URL
};

enum class Anchor : std::uint8_t {
  kNone,       // a substring anywhere in the URL
  kDomain,     // "||host" or a bare "host.tld/...": the host or any name below it
  kSubdomain,  // ".host.tld": names below host.tld
  kExactHost,  // "|https://host", "://host", "/host.tld/": that host exactly
};

struct Rule {
  RuleClass rule_class = RuleClass::kComment;
  SkipReason skip = SkipReason::kNone;
  Anchor anchor = Anchor::kNone;
  // Host literal as written (not lower-cased), empty when the rule names no host: generic rules,
  // and anchored ones whose host holds '*' or ends the pattern mid-name.
  std::string_view host;
  // Anchored to the start of the host part of the URL, but without a literal host (see above).
  bool host_unknown = false;
  // The pattern after the anchor (for kSubdomain with its leading '.'), trailing '*' removed, no
  // end anchor; generic patterns lose leading '*' too.
  std::string_view pattern;
  // The part of `pattern` after the host ("" for "||host", "^" for "||host^", "/p" ...).
  std::string_view path;
  bool end_anchor = false;  // "|" at the end
  bool match_case = false;  // $match-case

  // A rule about every URL on its host: literal host, nothing or just "^" or "/" after it.
  bool whole_host() const {
    return !host.empty() && !end_anchor && (path.empty() || path == "^" || path == "/");
  }
};

// Classifies and splits one line. Never fails: unusable rules come back as kSkipped with a reason.
Rule parse_rule(std::string_view line);

// RE2 pattern (Latin-1) that matches what `rule` matches, over the "host/path?query" text the
// IntelSet matches URLs against (host lower-case, no scheme, no port). Case-insensitive unless
// $match-case, as Adblock rules are.
std::string url_regex(const Rule& rule);

// Whether `text` reads as a host name in a rule without "||": at least two labels, the last one
// letters only and not a file extension ("pixel.gif", "analytics.min.js" are paths).
bool plausible_host(std::string_view text);

}  // namespace bw::intel::adblock
