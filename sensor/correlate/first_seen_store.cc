#include "sensor/correlate/first_seen_store.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace bw::correlate {
namespace {
constexpr std::string_view kHeaderV1 = "# beaconwatch first-seen v1";
constexpr std::string_view kHeader = "# beaconwatch first-seen v2";
constexpr std::string_view kLearningPrefix = "# learning_since_ns\t";
}  // namespace

void FirstSeenStore::insert(std::string key, TimestampNs first_seen, TimestampNs last_seen) {
  if (index_.size() >= capacity_) {
    index_.erase(order_.front().key);
    order_.pop_front();
    ++evictions_;
  }
  order_.push_back(Entry{key, first_seen, last_seen});
  index_.emplace(std::move(key), std::prev(order_.end()));
}

TimestampNs FirstSeenStore::observe(std::string_view key, TimestampNs ts) {
  if (!learning_) {
    learning_ = true;
    learning_since_ = ts;
  }
  const auto it = index_.find(key);
  if (it != index_.end()) {
    it->second->last_seen = ts;
    order_.splice(order_.end(), order_, it->second);
    return it->second->first_seen;
  }
  insert(std::string(key), ts, ts);
  return ts;
}

bool FirstSeenStore::load(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) return true;  // first start: nothing seen yet
  std::string line;
  std::size_t number = 0;
  TimestampNs oldest = 0;
  TimestampNs learning_since = 0;
  bool learning_line = false;
  bool any_entry = false;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) {
      if (line != kHeader && line != kHeaderV1) {
        error = path + ":1: not a first-seen store (expected \"" + std::string(kHeader) + "\")";
        return false;
      }
      continue;
    }
    if (line.empty()) continue;
    if (line.compare(0, kLearningPrefix.size(), kLearningPrefix) == 0) {
      std::istringstream value(line.substr(kLearningPrefix.size()));
      if (!(value >> learning_since) || learning_since < 0) {
        error = path + ":" + std::to_string(number) + ": malformed learning_since_ns";
        return false;
      }
      learning_line = true;
      continue;
    }
    std::istringstream fields(line);
    TimestampNs first = 0;
    TimestampNs last = 0;
    std::string key;
    if (!(fields >> first >> last >> key) || key.empty()) {
      error = path + ":" + std::to_string(number) + ": malformed line";
      return false;
    }
    if (!any_entry || first < oldest) oldest = first;
    any_entry = true;
    if (index_.count(key) == 0) insert(std::move(key), first, last);
  }
  // A v1 file has no learning line: it has learned since its oldest entry at least.
  if (!learning_line && !any_entry) return true;
  const TimestampNs since = learning_line ? learning_since : oldest;
  if (!learning_ || since < learning_since_) {
    learning_ = true;
    learning_since_ = since;
  }
  return true;
}

bool FirstSeenStore::save(const std::string& path, std::string& error) const {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    if (!out) {
      error = temporary + ": cannot write: " + std::strerror(errno);
      return false;
    }
    out << kHeader << '\n';
    if (learning_) out << kLearningPrefix << learning_since_ << '\n';
    for (const Entry& e : order_)
      out << e.first_seen << '\t' << e.last_seen << '\t' << e.key << '\n';
    out.flush();
    if (!out) {
      error = temporary + ": write failed: " + std::strerror(errno);
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    error = path + ": cannot replace: " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace bw::correlate
