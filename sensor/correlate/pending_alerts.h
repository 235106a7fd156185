// Bounded state behind retroactive alerts: fetches that scored below the threshold and wait under
// a campaign (or "sni") id in case it forms or their name serves beacons, and the names that have
// served beacons.
//
// Both grow with the traffic (one entry per below-threshold fetch, one per beacon domain), so
// both have hard caps; what a cap pushes out is counted, never silently lost. An EventRecord is
// about 7 KiB, so the total cap is what bounds this memory: 4096 waiting alerts = 28 MiB.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "sensor/export/event_record.h"

namespace bw::correlate {

class PendingAlerts {
 public:
  // At most `max_keys` ids, `per_key` alerts under one id and `total` alerts overall.
  PendingAlerts(std::size_t max_keys, std::size_t per_key, std::size_t total);

  // Keeps `record` under `id`. Room is made by dropping, in this order: the oldest alert of
  // `id` past `per_key`; the least recently fed id past `max_keys`; the oldest alert of the least
  // recently fed id past `total`. Returns how many alerts were dropped.
  std::size_t keep(const std::string& id, const exporter::EventRecord& record);
  // Takes every alert waiting under `id`, oldest first, and forgets the id.
  std::deque<exporter::EventRecord> take(const std::string& id);

  std::size_t keys() const { return by_id_.size(); }
  std::size_t size() const { return total_; }
  std::uint64_t evicted() const { return evicted_; }
  // The recency list and the map hold the same ids, and the total matches (tests).
  bool consistent() const;

 private:
  struct Entry {
    std::deque<exporter::EventRecord> alerts;
    std::list<std::string>::iterator order;
  };
  std::size_t drop_oldest_of_least_recent();

  std::size_t max_keys_;
  std::size_t per_key_;
  std::size_t max_total_;
  std::unordered_map<std::string, Entry> by_id_;
  // Ids, least recently fed first. Erased together with their map entry (take and eviction), so
  // it never holds an id the map has forgotten.
  std::list<std::string> order_;
  std::size_t total_ = 0;
  std::uint64_t evicted_ = 0;
};

// A set of names bounded to `capacity`, the oldest insertion dropped first (beacon domains).
class RecentNames {
 public:
  explicit RecentNames(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}
  // False when the name was already there. Past the capacity the oldest name is forgotten.
  bool insert(std::string_view name);
  bool contains(std::string_view name) const;
  std::size_t count(std::string_view name) const { return contains(name) ? 1 : 0; }  // set-like
  std::size_t size() const { return names_.size(); }
  std::uint64_t evicted() const { return evicted_; }

 private:
  std::size_t capacity_;
  std::unordered_set<std::string> names_;
  std::deque<std::string> order_;  // insertion order; names are never removed but from its front
  std::uint64_t evicted_ = 0;
  mutable std::string scratch_;
};

}  // namespace bw::correlate
