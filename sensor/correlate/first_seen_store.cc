#include "sensor/correlate/first_seen_store.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace bw::correlate {
namespace {
constexpr std::string_view kHeader = "# beaconwatch first-seen v1";
}

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
  const auto it = index_.find(std::string(key));
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
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) {
      if (line != kHeader) {
        error = path + ":1: not a first-seen store (expected \"" + std::string(kHeader) + "\")";
        return false;
      }
      continue;
    }
    if (line.empty()) continue;
    std::istringstream fields(line);
    TimestampNs first = 0;
    TimestampNs last = 0;
    std::string key;
    if (!(fields >> first >> last >> key) || key.empty()) {
      error = path + ":" + std::to_string(number) + ": malformed line";
      return false;
    }
    if (index_.count(key) == 0) insert(std::move(key), first, last);
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
