// A loaded set of tracker and IOC indicators, matched against what the extractors saw.
//
// Immutable once built and shared read-only by every worker thread through a shared_ptr (see
// intel_holder.h for reloading). The match functions run per request or per handshake: they do not
// allocate (RE2's DFA cache aside, which fills during the first matches and is then reused), take
// no locks, and return the heaviest hit, so one call answers "is this a tracker, and how sure".
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/common/counters.h"
#include "sensor/common/ip_address.h"
#include "sensor/intel/feed_format.h"
#include "sensor/intel/intel_types.h"
#include "sensor/intel/key_table.h"
#include "sensor/intel/prefix_table.h"
#include "sensor/intel/url_matcher.h"

namespace bw::intel {

// Inputs a match call could not use as given. Owned by the calling thread (one per worker).
#define BW_INTEL_MATCH_COUNTERS(X)                                                        \
  X(host_unusable)         /* empty host, or longer than a DNS name can be */             \
  X(url_truncated)         /* host/path longer than the match buffer; its head matched */ \
  X(fingerprint_malformed) /* JA3/JA4 text of the wrong length */                         \
  X(regex_set_fallback)    /* RE2::Set out of DFA memory; patterns tried one by one */

struct IntelMatchCounters {
  BW_DECLARE_COUNTERS(BW_INTEL_MATCH_COUNTERS)
};

// "host" + "/path?query" is built in a stack buffer of this size; a longer URL is matched on its
// first bytes, where tracking path shapes sit.
inline constexpr std::size_t kMaxUrlMatchText = 4096;

// A feed given as text rather than as a file, e.g. by tests or by a converter in-process.
struct FeedText {
  std::string name;  // used in problem messages in place of a file name
  std::string text;
};

class IntelSet {
 public:
  // Reads feed files; a directory stands for the "*.feed" files in it, in name order. Bad lines
  // are reported in `problems` ("file:line: reason") and skipped. Returns nullptr, with the reason
  // in `problems`, when a file cannot be read or its header is unusable: a set silently missing a
  // whole feed would be worse than keeping the previous one.
  static std::shared_ptr<const IntelSet> load(const std::vector<std::string>& feed_paths,
                                              std::vector<std::string>& problems);
  // Same, from texts already in memory.
  static std::shared_ptr<const IntelSet> build(const std::vector<FeedText>& feeds,
                                               std::vector<std::string>& problems);
  // A set that matches nothing: the state before any feed is configured.
  static std::shared_ptr<const IntelSet> empty();

  // Exact and suffix domain indicators; case-insensitive, trailing dot ignored, port, brackets and
  // userinfo stripped. A host written as an address is also checked against ip indicators.
  // For names seen without their path (TLS SNI, QUIC, DNS): path-rule hosts (feeds with
  // scope=path-rule-host) match too, and the hit says so (IntelHit::from_path_rule_host()); at
  // equal weight a whole-host indicator wins.
  bool match_host(std::string_view host, IntelHit& out,
                  IntelMatchCounters* counters = nullptr) const;
  // `url` as "host/path?query" (a leading "http://" or "https://" is accepted): url-regex
  // indicators over "host/path?query" with the host normalized as above, then the whole-host
  // indicators of its host. Among equal weights a URL pattern wins over a host indicator.
  // Path-rule hosts are not offered: with the path in view, the URL rules they came from decide.
  bool match_url(std::string_view url, IntelHit& out, IntelMatchCounters* counters = nullptr) const;
  // The same for an HTTP request's Host header and request target (origin-form "/path?q", or
  // absolute-form "http://host/path", whose host then takes precedence as RFC 9112 says). A
  // CONNECT target (authority-form) hides the path of the tunnel, so it is matched as match_host.
  bool match_url(std::string_view host, std::string_view target, IntelHit& out,
                 IntelMatchCounters* counters = nullptr) const;
  bool match_ip(const IpAddress& ip, IntelHit& out) const;
  bool match_ja3(std::string_view ja3_md5, IntelHit& out,
                 IntelMatchCounters* counters = nullptr) const;
  bool match_ja4(std::string_view ja4, IntelHit& out, IntelMatchCounters* counters = nullptr) const;

  // Distinct indicators held (duplicates across feeds count once). Counts by kind include the
  // path-rule hosts of that kind.
  std::size_t indicator_count() const;
  std::size_t indicator_count(IndicatorKind kind) const;
  std::size_t path_rule_host_count() const;
  const IntelLoadCounters& load_counters() const { return load_counters_; }

 private:
  class Builder;
  IntelSet() = default;

  enum class PathRuleHosts : std::uint8_t { kOffer, kSkip };

  bool match_url_parts(std::string_view authority, std::string_view path, PathRuleHosts path_hosts,
                       IntelHit& out, IntelMatchCounters* counters) const;
  void offer_host(std::string_view normalized_host, PathRuleHosts path_hosts, BestMeta& best) const;
  static void offer_suffixes(const KeyTable& table, std::string_view host, HostScope scope,
                             BestMeta& best);
  bool match_fingerprint(const KeyTable& table, std::size_t expected_length, std::string_view text,
                         IndicatorKind kind, IntelHit& out, IntelMatchCounters* counters) const;
  bool emit(const BestMeta& best, IntelHit& out) const;

  std::vector<std::string> labels_;
  KeyTable domains_;
  KeyTable domain_suffixes_;
  // Hosts of host+path rules, kept apart so that a name listed both ways keeps both entries.
  KeyTable path_rule_domains_;
  KeyTable path_rule_domain_suffixes_;
  KeyTable ja3_;
  KeyTable ja4_;
  PrefixTable ip_prefixes_;
  UrlMatcher urls_;
  IntelLoadCounters load_counters_;
};

}  // namespace bw::intel
