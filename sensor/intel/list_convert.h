// Conversion of third-party lists into Beaconwatch feeds: the library behind bw-intel-convert.
//
// Inputs: plain lists (one indicator per line, '#' comments), hosts files ("0.0.0.0 host ...",
// '#' or '!' comments), and Adblock Plus / uBlock Origin filter lists (adblock_rule.h for the
// syntax read). Every indicator passes the loader's own validation, so the output always loads.
//
// An Adblock list yields three feeds, because a feed holds one kind of indicator:
//   OUT                 whole-host rules ("||host^", "||host^$image,third-party", ".host.tld/")
//                       as --to indicators (domain-suffix: the host and names below it)
//   OUT.urls.feed       rules with a path (or a generic one, with --generic-rules keep) as
//                       url-regex indicators over "host/path?query"
//   OUT.path-hosts.feed the host of each host+path rule, as --to indicators with
//                       scope=path-rule-host and --path-host-weight (default half of --weight):
//                       over TLS only the name shows, and the name alone is weaker evidence
// Rules are kept when they concern a fetch a mail client makes (no type option, or image,
// stylesheet, font, media, other, document); rules only for named first-party sites ($domain=),
// first-party fetches, page types ($script, $xhr, ...), page actions ($popup, $csp, ...), regex
// and cosmetic rules are skipped, each counted by reason.
//
// Exceptions ("@@") are applied to the list they are in, after every rule is read: an exception
// whose host (and path prefix, if any) covers all of a blocking rule removes that rule (its URL
// pattern, its host and the host's path-rule entry); one that covers only part of a rule (an
// exception for a sub-host, or a path, of a host blocked whole) cannot be expressed in a feed, so
// the rule is kept, counted as exceptions_partial and reported. Exceptions limited to named sites
// or to page types are skipped like blocking rules, and "$document"-style page exceptions are
// counted as exceptions_page_level. A path rule on a host whose whole-host rule is kept is
// dropped as redundant (subsumed_by_host_rule).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/common/counters.h"
#include "sensor/intel/feed_format.h"
#include "sensor/intel/intel_types.h"

namespace bw::intel {

enum class ListFormat : std::uint8_t { kPlain, kAdblock, kHosts };

std::string_view list_format_name(ListFormat format);
bool parse_list_format(std::string_view name, ListFormat& out);

// What to do with Adblock rules tied to no host ("/open.php?", "_pixel.gif"): they can only match
// a request whose path is seen, and generic rules of general privacy lists match much ordinary web
// traffic, so they are opt-in (the e-mail sections of lists are where they pay).
enum class GenericRules : std::uint8_t { kSkip, kKeep };

struct ConvertOptions {
  ListFormat from = ListFormat::kPlain;
  IndicatorKind to = IndicatorKind::kDomainSuffix;
  Category category = Category::kEmailTracker;
  std::string label;
  float weight = kDefaultWeight;
  // Adblock only: weight of the hosts of host+path rules; negative means
  // weight * kDefaultPathRuleHostWeightFactor.
  float path_host_weight = -1;
  GenericRules generic_rules = GenericRules::kSkip;
  std::string source_name = "-";  // names the input in problem messages

  float effective_path_host_weight() const {
    return path_host_weight >= 0 ? path_host_weight : weight * kDefaultPathRuleHostWeightFactor;
  }
};

// Entries, not lines: a hosts line naming three hosts counts three. Every Adblock rule lands in
// exactly one of the rule counters (whole-host, path, generic, or a skip reason).
#define BW_INTEL_CONVERT_COUNTERS(X)                                                             \
  X(lines)                   /* input lines */                                                   \
  X(converted)               /* indicators written, all output feeds together */                 \
  X(duplicates)              /* indicators already written earlier */                            \
  X(comments)                /* blank and comment lines, Adblock list headers */                 \
  X(cosmetic_skipped)        /* Adblock element hiding, scriptlet and HTML rules */              \
  X(host_rules)              /* Adblock rules about every URL of a host */                       \
  X(path_rules)              /* Adblock host+path rules, written as URL patterns */              \
  X(path_rules_without_host) /* ... anchored to a host with '*' in it: no host indicator */      \
  X(generic_rules)           /* Adblock rules tied to no host, written (--generic-rules keep) */ \
  X(generic_skipped)         /* ... skipped (--generic-rules skip, the default) */               \
  X(subsumed_by_host_rule)   /* path rules on a host whose whole-host rule is kept */            \
  X(removed_by_exception)    /* blocking rules an exception covers entirely */                   \
  X(exceptions_applied)      /* "@@" rules that removed at least one rule */                     \
  X(exceptions_partial)      /* rules kept though an exception allows part of them */            \
  X(exceptions_unmatched)    /* "@@" rules covering no rule of this list */                      \
  X(exceptions_page_level)   /* "@@...$document", "$elemhide"...: about pages, not fetches */    \
  X(regex_skipped)           /* "/regex/" rules */                                               \
  X(domain_restricted)       /* $domain=, $from=, $sitekey=: only on named sites */              \
  X(first_party_only)        /* $~third-party, $1p: a mail client's fetch is third-party */      \
  X(not_mail_fetch)          /* only types a mail client never fetches ($script, $xhr...) */     \
  X(non_network)             /* $popup, $csp, $removeparam...: no block of the fetch */          \
  X(unsupported_option)      /* $badfilter, $denyallow, $to=, $header=, ... */                   \
  X(unknown_option)          /* options no list syntax documents */                              \
  X(port_skipped)            /* host:port rules (matched URLs carry no port) */                  \
  X(scheme_skipped)          /* |ws://, |data:, ...: not an http(s) fetch */                     \
  X(matches_everything)      /* rules with no pattern left */                                    \
  X(reserved_skipped)        /* hosts-file names such as localhost */                            \
  X(invalid)                 /* entries the feed loader would refuse */

struct ConvertCounters {
  BW_DECLARE_COUNTERS(BW_INTEL_CONVERT_COUNTERS)
};

// Checks that the options make sense together (hosts and Adblock lists yield host names, and the
// URL feed of an Adblock list, whatever --to says).
bool check_convert_options(const ConvertOptions& options, std::string& error);

// One output feed. `name_suffix` is "" for the main feed, ".urls" and ".path-hosts" for an
// Adblock list's others (see converted_feed_path).
struct ConvertedFeed {
  std::string name_suffix;
  std::string text;  // header first
  std::size_t indicators = 0;
};

// Converts `input` into feeds: one for plain and hosts lists, three for Adblock lists (always
// all three, header-only when empty, so a refresh overwrites stale files). Invalid entries are
// reported as "source:line: reason". Returns false only when the options are unusable.
bool convert_list(std::string_view input, const ConvertOptions& options,
                  std::vector<ConvertedFeed>& feeds, ConvertCounters& counters,
                  std::vector<std::string>& problems);

// Where a feed with `name_suffix` goes when the main feed goes to `output_path`:
// "x/easyprivacy.feed" + ".urls" is "x/easyprivacy.urls.feed"; a path without ".feed" gets the
// suffix and ".feed" appended.
std::string converted_feed_path(std::string_view output_path, std::string_view name_suffix);

// The command line of bw-intel-convert, minus the program name.
struct ConvertCommand {
  ConvertOptions options;
  std::string input_path;   // "-" for standard input
  std::string output_path;  // "-" for standard output
  bool help = false;
};

bool parse_convert_command(std::span<const std::string_view> args, ConvertCommand& out,
                           std::string& error);
std::string convert_usage();

}  // namespace bw::intel
