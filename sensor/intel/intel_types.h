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

// One match. `label` points into the IntelSet that produced it: valid while the caller holds that
// set's shared_ptr.
struct IntelHit {
  std::string_view label;
  Category category = Category::kEmailTracker;
  float weight = 0;
  IndicatorKind kind = IndicatorKind::kDomain;
};

// Per-indicator data as stored in the tables: the label is an index into the set's label pool.
struct IndicatorMeta {
  std::uint32_t label_index = 0;
  Category category = Category::kEmailTracker;
  float weight = 0;
};

// Keeps the heaviest of the candidates offered; on equal weight the first one offered stays, so
// callers offer the more specific candidates first.
class BestMeta {
 public:
  void offer(const IndicatorMeta* meta, IndicatorKind kind) {
    if (meta == nullptr) return;
    if (best_ != nullptr && !(meta->weight > best_->weight)) return;
    best_ = meta;
    kind_ = kind;
  }
  const IndicatorMeta* meta() const { return best_; }
  IndicatorKind kind() const { return kind_; }

 private:
  const IndicatorMeta* best_ = nullptr;
  IndicatorKind kind_ = IndicatorKind::kDomain;
};

}  // namespace bw::intel
