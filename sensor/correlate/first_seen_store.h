// Which registrable domains this sensor has seen before, bounded and kept across restarts.
//
// A tracking domain registered for one campaign is new to every network it targets; a domain the
// sensor has seen for weeks is not. The store remembers at most `capacity` domains; when full it
// forgets the one seen least recently (counted), and it is saved to a file on request and loaded
// at start, so a restart does not make every domain look new again.
//
// A store also knows since when it has been learning: a sensor that started an hour ago has seen
// almost nothing, so every domain is "new" to it and rarity says nothing. The detector asks
// `learned_for()` and only calls a domain rare once the store has learned for long enough. The
// start of learning is kept in the file, so a restart does not start it again.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sensor/common/time.h"

namespace bw::correlate {

class FirstSeenStore {
 public:
  explicit FirstSeenStore(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Records a sighting; returns when the key was first seen (`ts` itself for a new key, or one
  // forgotten since).
  TimestampNs observe(std::string_view key, TimestampNs ts);
  bool contains(std::string_view key) const { return index_.find(key) != index_.end(); }
  // How long this store has been learning at `ts`: since its first sighting ever (kept across
  // restarts by save/load), 0 before any.
  TimestampNs learned_for(TimestampNs ts) const {
    return !learning_ || ts < learning_since_ ? 0 : ts - learning_since_;
  }
  TimestampNs learning_since() const { return learning_since_; }
  std::size_t size() const { return index_.size(); }
  std::uint64_t evictions() const { return evictions_; }

  // File format: "# beaconwatch first-seen v2", then "# learning_since_ns<TAB>N", then one
  // "first_seen_ns<TAB>last_seen_ns<TAB>key" line per domain, least recently seen first. A v1 file
  // (no learning line) learned since its oldest first sighting. Missing file: empty store, not an
  // error.
  bool load(const std::string& path, std::string& error);
  // Writes to a temporary file and renames it over `path`, so a crash never leaves half a file.
  bool save(const std::string& path, std::string& error) const;

 private:
  struct Entry {
    std::string key;
    TimestampNs first_seen;
    TimestampNs last_seen;
  };
  void insert(std::string key, TimestampNs first_seen, TimestampNs last_seen);

  std::size_t capacity_;
  std::list<Entry> order_;  // least recently seen at the front
  // Looked up by string_view: a domain already known (almost every lookup) costs no allocation.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
  };
  std::unordered_map<std::string, std::list<Entry>::iterator, KeyHash, std::equal_to<>> index_;
  std::uint64_t evictions_ = 0;
  bool learning_ = false;           // a first sighting has been made (or loaded)
  TimestampNs learning_since_ = 0;  // the first sighting this store (or its file) ever made
};

}  // namespace bw::correlate
