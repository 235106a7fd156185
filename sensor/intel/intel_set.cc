#include "sensor/intel/intel_set.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unordered_map>

#include "sensor/intel/host_name.h"
#include "sensor/intel/indicator_syntax.h"
#include "sensor/intel/text.h"

namespace bw::intel {
namespace {

// Far above any real feed (a million domains is ~30 MB); refuses /dev/zero and mistakes.
constexpr std::uintmax_t kMaxFeedFileBytes = std::uintmax_t{256} << 20;
constexpr std::string_view kFeedExtension = ".feed";

bool read_feed_file(const std::string& path, std::vector<FeedText>& feeds,
                    std::vector<std::string>& problems) {
  std::error_code size_error;
  const std::uintmax_t size = std::filesystem::file_size(path, size_error);
  if (!size_error && size > kMaxFeedFileBytes) {
    problems.push_back(path + ": larger than 256 MiB, not a feed");
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems.push_back(path + ": cannot open: " + std::strerror(errno));
    return false;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    problems.push_back(path + ": cannot read: " + std::strerror(errno));
    return false;
  }
  feeds.push_back({path, std::move(text)});
  return true;
}

bool read_feed_directory(const std::string& path, std::vector<FeedText>& feeds,
                         std::vector<std::string>& problems) {
  std::vector<std::string> files;
  std::error_code error;
  for (std::filesystem::directory_iterator it(path, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file() && it->path().extension() == kFeedExtension) {
      files.push_back(it->path().string());
    }
  }
  if (error) {
    problems.push_back(path + ": cannot list directory: " + error.message());
    return false;
  }
  if (files.empty()) problems.push_back(path + ": directory holds no *.feed files");
  std::sort(files.begin(), files.end());
  return std::all_of(files.begin(), files.end(), [&](const std::string& file) {
    return read_feed_file(file, feeds, problems);
  });
}

std::string_view strip_scheme(std::string_view url) {
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (starts_with_ignoring_case(url, scheme)) return url.substr(scheme.size());
  }
  if (url.starts_with("//")) return url.substr(2);
  return url;
}

bool has_scheme(std::string_view target) {
  return strip_scheme(target).size() != target.size();
}

void note_unusable_host(std::string_view raw, IntelMatchCounters* counters) {
  // An absent host (no SNI, no Host header) is not malformed input; only a present, unusable one.
  if (counters != nullptr && !trim(raw).empty()) ++counters->host_unusable;
}

}  // namespace

// Collects indicators from feeds into a new set; setup time only.
class IntelSet::Builder {
 public:
  explicit Builder(std::vector<std::string>& problems)
      : problems_(problems), set_(new IntelSet()) {}

  bool add_feed(const FeedText& feed) {
    ProblemLog log(feed.name, problems_);
    FeedHeader header;
    return parse_feed(feed.text, log, set_->load_counters_, header,
                      [&](const FeedEntry& entry) { add(header, entry); });
  }

  std::shared_ptr<const IntelSet> finish() {
    IntelLoadCounters& counters = set_->load_counters_;
    for (KeyTable* table : {&set_->domains_, &set_->domain_suffixes_, &set_->path_rule_domains_,
                            &set_->path_rule_domain_suffixes_, &set_->ja3_, &set_->ja4_}) {
      counters.duplicates_merged += table->finish();
    }
    counters.duplicates_merged += set_->ip_prefixes_.finish();
    std::size_t merged_patterns = 0;
    std::string error;
    if (!set_->urls_.finish(merged_patterns, error)) {
      problems_.push_back("url-regex indicators: " + error);
      return nullptr;
    }
    counters.duplicates_merged += merged_patterns;
    return std::shared_ptr<const IntelSet>(set_.release());
  }

 private:
  void add(const FeedHeader& header, const FeedEntry& entry) {
    const IndicatorMeta meta{intern(entry.label), header.category, entry.weight};
    const bool path_rule_host = header.scope == HostScope::kPathRuleHost;
    switch (header.kind) {
      case IndicatorKind::kDomain:
        return (path_rule_host ? set_->path_rule_domains_ : set_->domains_)
            .add(entry.indicator, meta);
      case IndicatorKind::kDomainSuffix:
        return (path_rule_host ? set_->path_rule_domain_suffixes_ : set_->domain_suffixes_)
            .add(entry.indicator, meta);
      case IndicatorKind::kUrlRegex:
        return set_->urls_.add(entry.indicator, meta);
      case IndicatorKind::kJa3:
        return set_->ja3_.add(entry.indicator, meta);
      case IndicatorKind::kJa4:
        return set_->ja4_.add(entry.indicator, meta);
      case IndicatorKind::kIp: {
        IpPrefix prefix;
        std::string unused_reason;  // the canonical form was produced by parse_ip_prefix
        if (parse_ip_prefix(entry.indicator, prefix, unused_reason)) {
          set_->ip_prefixes_.add(prefix, meta);
        }
        return;
      }
    }
  }

  std::uint32_t intern(std::string_view label) {
    const auto [it, inserted] = label_index_.try_emplace(
        std::string(label), static_cast<std::uint32_t>(label_index_.size()));
    if (inserted) set_->labels_.push_back(it->first);
    return it->second;
  }

  std::vector<std::string>& problems_;
  std::unique_ptr<IntelSet> set_;
  std::unordered_map<std::string, std::uint32_t> label_index_;
};

std::shared_ptr<const IntelSet> IntelSet::load(const std::vector<std::string>& feed_paths,
                                               std::vector<std::string>& problems) {
  std::vector<FeedText> feeds;
  for (const std::string& path : feed_paths) {
    std::error_code error;
    const bool ok = std::filesystem::is_directory(path, error)
                        ? read_feed_directory(path, feeds, problems)
                        : read_feed_file(path, feeds, problems);
    if (!ok) return nullptr;
  }
  return build(feeds, problems);
}

std::shared_ptr<const IntelSet> IntelSet::build(const std::vector<FeedText>& feeds,
                                                std::vector<std::string>& problems) {
  Builder builder(problems);
  for (const FeedText& feed : feeds) {
    if (!builder.add_feed(feed)) return nullptr;
  }
  return builder.finish();
}

std::shared_ptr<const IntelSet> IntelSet::empty() {
  std::vector<std::string> no_problems;
  return Builder(no_problems).finish();
}

bool IntelSet::emit(const BestMeta& best, IntelHit& out) const {
  const IndicatorMeta* meta = best.meta();
  if (meta == nullptr) return false;
  out =
      IntelHit{labels_[meta->label_index], meta->category, meta->weight, best.kind(), best.scope()};
  return true;
}

void IntelSet::offer_suffixes(const KeyTable& table, std::string_view host, HostScope scope,
                              BestMeta& best) {
  if (table.empty()) return;
  // Only whole labels: "evil-example.com" never reaches "example.com".
  for (std::string_view suffix = host;;) {
    best.offer(table.find(suffix), IndicatorKind::kDomainSuffix, scope);
    const std::size_t dot = suffix.find('.');
    if (dot == std::string_view::npos) break;
    suffix.remove_prefix(dot + 1);
  }
}

void IntelSet::offer_host(std::string_view host, PathRuleHosts path_hosts, BestMeta& best) const {
  best.offer(domains_.find(host), IndicatorKind::kDomain);
  offer_suffixes(domain_suffixes_, host, HostScope::kWholeHost, best);
  if (path_hosts == PathRuleHosts::kOffer) {
    best.offer(path_rule_domains_.find(host), IndicatorKind::kDomain, HostScope::kPathRuleHost);
    offer_suffixes(path_rule_domain_suffixes_, host, HostScope::kPathRuleHost, best);
  }
  IpAddress address;
  if (!ip_prefixes_.empty() && looks_like_ip_literal(host) && parse_ip_address(host, address)) {
    best.offer(ip_prefixes_.find(address), IndicatorKind::kIp);
  }
}

bool IntelSet::match_host(std::string_view host, IntelHit& out,
                          IntelMatchCounters* counters) const {
  HostText normalized;
  if (!normalize_host(host, normalized)) {
    note_unusable_host(host, counters);
    return false;
  }
  BestMeta best;
  offer_host(normalized.view(), PathRuleHosts::kOffer, best);
  return emit(best, out);
}

bool IntelSet::match_url_parts(std::string_view authority, std::string_view path,
                               PathRuleHosts path_hosts, IntelHit& out,
                               IntelMatchCounters* counters) const {
  // "host/path", built in place: its first host_length bytes are the normalized host.
  FixedString<kMaxUrlMatchText> text;
  if (!normalize_host(authority, text)) {
    note_unusable_host(authority, counters);
    return false;
  }
  const std::size_t host_length = text.size();
  BestMeta best;
  if (!urls_.empty()) {
    // Requests without a path ("?q", "*", nothing) still get the '/' patterns anchor on.
    if (!path.starts_with('/')) text.push_back('/');
    text.append(path);
    if (text.truncated() && counters != nullptr) ++counters->url_truncated;
    bool set_failed = false;
    best.offer(urls_.find(text.view(), set_failed), IndicatorKind::kUrlRegex);
    if (set_failed && counters != nullptr) ++counters->regex_set_fallback;
  }
  offer_host(text.view().substr(0, host_length), path_hosts, best);
  return emit(best, out);
}

bool IntelSet::match_url(std::string_view url, IntelHit& out, IntelMatchCounters* counters) const {
  const std::string_view rest = strip_scheme(url);
  const std::size_t authority_end = rest.find_first_of("/?#");
  const std::string_view path =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  return match_url_parts(rest.substr(0, authority_end), path, PathRuleHosts::kSkip, out, counters);
}

bool IntelSet::match_url(std::string_view host, std::string_view target, IntelHit& out,
                         IntelMatchCounters* counters) const {
  if (has_scheme(target)) return match_url(target, out, counters);
  const bool origin_form =
      target.empty() || target.starts_with('/') || target.starts_with('?') || target == "*";
  // Otherwise authority-form (CONNECT host:port): the target is the host, and the tunnel hides the
  // path as TLS does.
  if (!origin_form) return match_url_parts(target, {}, PathRuleHosts::kOffer, out, counters);
  return match_url_parts(host, target, PathRuleHosts::kSkip, out, counters);
}

bool IntelSet::match_ip(const IpAddress& ip, IntelHit& out) const {
  BestMeta best;
  best.offer(ip_prefixes_.find(ip), IndicatorKind::kIp);
  return emit(best, out);
}

bool IntelSet::match_fingerprint(const KeyTable& table, std::size_t expected_length,
                                 std::string_view text, IndicatorKind kind, IntelHit& out,
                                 IntelMatchCounters* counters) const {
  if (text.empty()) return false;
  if (text.size() != expected_length) {
    if (counters != nullptr) ++counters->fingerprint_malformed;
    return false;
  }
  std::array<char, std::max(kJa3Length, kJa4Length)> lowered{};
  std::transform(text.begin(), text.end(), lowered.begin(), ascii_lower);
  BestMeta best;
  best.offer(table.find(std::string_view(lowered.data(), text.size())), kind);
  return emit(best, out);
}

bool IntelSet::match_ja3(std::string_view ja3_md5, IntelHit& out,
                         IntelMatchCounters* counters) const {
  return match_fingerprint(ja3_, kJa3Length, ja3_md5, IndicatorKind::kJa3, out, counters);
}

bool IntelSet::match_ja4(std::string_view ja4, IntelHit& out, IntelMatchCounters* counters) const {
  return match_fingerprint(ja4_, kJa4Length, ja4, IndicatorKind::kJa4, out, counters);
}

std::size_t IntelSet::indicator_count(IndicatorKind kind) const {
  switch (kind) {
    case IndicatorKind::kDomain:
      return domains_.size() + path_rule_domains_.size();
    case IndicatorKind::kDomainSuffix:
      return domain_suffixes_.size() + path_rule_domain_suffixes_.size();
    case IndicatorKind::kUrlRegex:
      return urls_.size();
    case IndicatorKind::kIp:
      return ip_prefixes_.size();
    case IndicatorKind::kJa3:
      return ja3_.size();
    case IndicatorKind::kJa4:
      return ja4_.size();
  }
  return 0;
}

std::size_t IntelSet::path_rule_host_count() const {
  return path_rule_domains_.size() + path_rule_domain_suffixes_.size();
}

std::size_t IntelSet::indicator_count() const {
  std::size_t total = 0;
  for (const IndicatorKind kind : kAllKinds)
    total += indicator_count(kind);
  return total;
}

}  // namespace bw::intel
