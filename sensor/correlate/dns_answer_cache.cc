#include "sensor/correlate/dns_answer_cache.h"

#include <algorithm>

namespace bw::correlate {
namespace {
constexpr TimestampNs kGrace = 300 * kNsPerSecond;
constexpr std::uint32_t kMinTtl = 60;  // many trackers answer with TTLs of seconds
}  // namespace

void DnsAnswerCache::record(std::string_view address, std::string_view name, TimestampNs ts,
                            std::uint32_t ttl) {
  const TimestampNs expires =
      ts + static_cast<TimestampNs>(std::max(ttl, kMinTtl)) * kNsPerSecond + kGrace;
  const auto it = index_.find(std::string(address));
  if (it != index_.end()) {
    it->second->name.assign(name);
    it->second->expires = expires;
    order_.splice(order_.end(), order_, it->second);
    return;
  }
  if (index_.size() >= capacity_) {
    index_.erase(order_.front().address);
    order_.pop_front();
    ++evictions_;
  }
  order_.push_back(Entry{std::string(address), std::string(name), expires});
  index_.emplace(std::string(address), std::prev(order_.end()));
}

std::string_view DnsAnswerCache::lookup(std::string_view address, TimestampNs now) const {
  const auto it = index_.find(std::string(address));
  if (it == index_.end() || it->second->expires < now) return {};
  return it->second->name;
}

}  // namespace bw::correlate
