// Exact-key lookup for host names and TLS fingerprints: a sorted array searched by binary search.
// Chosen over a hash set because it is compact (one allocation for the entries, none per lookup)
// and its order is deterministic, which keeps tie-breaking between feeds reproducible.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/intel/intel_types.h"

namespace bw::intel {

class KeyTable {
 public:
  // Build phase: add every key, then finish() once before the first find().
  void add(std::string key, const IndicatorMeta& meta);
  // Sorts and merges duplicate keys (the heaviest wins). Returns how many were merged away.
  std::size_t finish();

  // The entry for exactly `key`, or nullptr. Does not allocate.
  const IndicatorMeta* find(std::string_view key) const;
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    std::string key;
    IndicatorMeta meta;
  };
  std::vector<Entry> entries_;
};

}  // namespace bw::intel
