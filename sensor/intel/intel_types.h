// Vocabulary shared by feed files, the matcher and the converter: what an indicator is about
// (category), how it is matched (kind), and what a match reports.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bw::intel {

// What a match means. The names are the ones written in feed headers.
enum class Category : std::uint8_t {
  kEmailTracker,      // "email-tracker": open pixels and click redirectors of mail senders
  kMailPrivacyProxy,  // "mail-privacy-proxy": a mail provider fetching images on the reader's
                      // behalf
  kIoc,               // "ioc": indicator of compromise from threat intelligence
  kAdTracker,         // "ad-tracker": web advertising and analytics (converted block lists)
};

// How an indicator is matched. The names are the ones written in feed headers.
enum class IndicatorKind : std::uint8_t {
  kDomain,        // "domain": the host name exactly
  kDomainSuffix,  // "domain-suffix": the name and every name below it
  kUrlRegex,      // "url-regex": RE2 pattern over "host/path?query"
  kIp,            // "ip": an address or a CIDR prefix, IPv4 or IPv6
  kJa3,           // "ja3": TLS client fingerprint, MD5 hex
  kJa4,           // "ja4": TLS/QUIC client fingerprint, e.g. t13d1516h2_8daaf6152771_e5627efa2ab1
};

// What a host indicator claims about its host. Block lists name tracking URLs, often by host and
// path ("||tracker.example/open/"); over TLS and QUIC only the server name shows, so the converter
// also files the host of such a rule, as a weaker indicator of its own scope. The names are the
// ones written in feed headers ("scope=path-rule-host").
enum class HostScope : std::uint8_t {
  kWholeHost,     // "host": every fetch from the host is the category (the default)
  kPathRuleHost,  // "path-rule-host": some paths on the host are; which ones needs the URL
};

// Weight of a path-rule host relative to its list's weight, as bw-intel-convert writes it unless
// told otherwise: the name alone says "a tracker path lives here", not "this fetch tracks".
inline constexpr float kDefaultPathRuleHostWeightFactor = 0.5f;

inline constexpr Category kAllCategories[] = {Category::kEmailTracker, Category::kMailPrivacyProxy,
                                              Category::kIoc, Category::kAdTracker};
inline constexpr IndicatorKind kAllKinds[] = {
    IndicatorKind::kDomain, IndicatorKind::kDomainSuffix, IndicatorKind::kUrlRegex,
    IndicatorKind::kIp,     IndicatorKind::kJa3,          IndicatorKind::kJa4};

std::string_view category_name(Category category);
bool parse_category(std::string_view name, Category& out);
std::string_view kind_name(IndicatorKind kind);
bool parse_kind(std::string_view name, IndicatorKind& out);
// "email-tracker, mail-privacy-proxy, ..." and "domain, domain-suffix, ...", for messages.
std::string all_category_names();
std::string all_kind_names();
std::string_view host_scope_name(HostScope scope);
bool parse_host_scope(std::string_view name, HostScope& out);

// One match. `label` points into the IntelSet that produced it: valid while the caller holds that
// set's shared_ptr.
//
// For the detector: `weight` is the feed's confidence in [0, 1]. A hit with
// `scope == HostScope::kPathRuleHost` (from_path_rule_host()) came from the host of a host+path
// rule, matched by name only (TLS SNI, QUIC, DNS, or an HTTP CONNECT tunnel): the list says some
// URLs on that host track, not that this connection fetched one. Converted feeds give such hosts
// half their list's weight (kDefaultPathRuleHostWeightFactor) already; treat them as weak,
// medium-confidence evidence (not enough alone for beacon_domain promotion or retroactive alerts).
// match_url never returns them: when the path is visible, the list's URL rules decide.
struct IntelHit {
  std::string_view label;
  Category category = Category::kEmailTracker;
  float weight = 0;
  IndicatorKind kind = IndicatorKind::kDomain;
  HostScope scope = HostScope::kWholeHost;

  bool from_path_rule_host() const { return scope == HostScope::kPathRuleHost; }
};

// Per-indicator data as stored in the tables: the label is an index into the set's label pool.
struct IndicatorMeta {
  std::uint32_t label_index = 0;
  Category category = Category::kEmailTracker;
  float weight = 0;
};

// Keeps the heaviest of the candidates offered; on equal weight a whole-host indicator beats a
// path-rule host, and otherwise the first one offered stays, so callers offer the more specific
// candidates first.
class BestMeta {
 public:
  void offer(const IndicatorMeta* meta, IndicatorKind kind,
             HostScope scope = HostScope::kWholeHost) {
    if (meta == nullptr) return;
    if (best_ != nullptr) {
      const bool heavier = meta->weight > best_->weight;
      const bool equal_but_wider = meta->weight == best_->weight &&
                                   scope == HostScope::kWholeHost &&
                                   scope_ == HostScope::kPathRuleHost;
      if (!heavier && !equal_but_wider) return;
    }
    best_ = meta;
    kind_ = kind;
    scope_ = scope;
  }
  const IndicatorMeta* meta() const { return best_; }
  IndicatorKind kind() const { return kind_; }
  HostScope scope() const { return scope_; }

 private:
  const IndicatorMeta* best_ = nullptr;
  IndicatorKind kind_ = IndicatorKind::kDomain;
  HostScope scope_ = HostScope::kWholeHost;
};

}  // namespace bw::intel
