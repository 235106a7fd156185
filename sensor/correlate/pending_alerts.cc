#include "sensor/correlate/pending_alerts.h"

namespace bw::correlate {

PendingAlerts::PendingAlerts(std::size_t max_keys, std::size_t per_key, std::size_t total)
    : max_keys_(max_keys < 1 ? 1 : max_keys),
      per_key_(per_key < 1 ? 1 : per_key),
      max_total_(total < 1 ? 1 : total) {}

std::size_t PendingAlerts::drop_oldest_of_least_recent() {
  const auto it = by_id_.find(order_.front());
  std::size_t dropped = 0;
  if (!it->second.alerts.empty()) {
    it->second.alerts.pop_front();
    --total_;
    dropped = 1;
  }
  if (it->second.alerts.empty()) {
    order_.erase(it->second.order);
    by_id_.erase(it);
  }
  return dropped;
}

std::size_t PendingAlerts::keep(const std::string& id, const exporter::EventRecord& record) {
  std::size_t dropped = 0;
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    while (by_id_.size() >= max_keys_) {
      // The least recently fed id goes whole.
      const auto victim = by_id_.find(order_.front());
      dropped += victim->second.alerts.size();
      total_ -= victim->second.alerts.size();
      order_.pop_front();
      by_id_.erase(victim);
    }
    order_.push_back(id);
    it = by_id_.emplace(id, Entry{{}, std::prev(order_.end())}).first;
  } else {
    order_.splice(order_.end(), order_, it->second.order);
  }
  std::deque<exporter::EventRecord>& alerts = it->second.alerts;
  if (alerts.size() >= per_key_) {
    alerts.pop_front();
    --total_;
    ++dropped;
  }
  // `id` is the most recent, so it is the last to give way: its entry stays valid.
  while (total_ >= max_total_ && order_.front() != id)
    dropped += drop_oldest_of_least_recent();
  if (total_ >= max_total_ && !alerts.empty()) {
    alerts.pop_front();
    --total_;
    ++dropped;
  }
  alerts.push_back(record);
  ++total_;
  evicted_ += dropped;
  return dropped;
}

std::deque<exporter::EventRecord> PendingAlerts::take(const std::string& id) {
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return {};
  std::deque<exporter::EventRecord> out = std::move(it->second.alerts);
  total_ -= out.size();
  order_.erase(it->second.order);
  by_id_.erase(it);
  return out;
}

bool PendingAlerts::consistent() const {
  if (order_.size() != by_id_.size()) return false;
  std::size_t total = 0;
  for (const std::string& id : order_) {
    const auto it = by_id_.find(id);
    if (it == by_id_.end() || it->second.alerts.empty() || *it->second.order != id) return false;
    total += it->second.alerts.size();
  }
  return total == total_;
}

bool RecentNames::insert(std::string_view name) {
  scratch_.assign(name);
  if (!names_.insert(scratch_).second) return false;
  order_.push_back(scratch_);
  if (order_.size() > capacity_) {
    names_.erase(order_.front());
    order_.pop_front();
    ++evicted_;
  }
  return true;
}

bool RecentNames::contains(std::string_view name) const {
  scratch_.assign(name);
  return names_.count(scratch_) != 0;
}

}  // namespace bw::correlate
