// Build-time helper shared by the lookup tables: feeds overlap (the same tracker host appears in a
// vendor list and in a curated one), and a lookup should land on one entry per key.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace bw::intel {

// Sorts entries by key_of(entry) and keeps, for each key, the entry with the highest meta.weight;
// the sort is stable, so among equal weights the one loaded first stays. Returns how many entries
// were merged away.
template <typename Entry, typename KeyOf>
std::size_t keep_heaviest_per_key(std::vector<Entry>& entries, KeyOf key_of) {
  std::stable_sort(entries.begin(), entries.end(),
                   [&](const Entry& a, const Entry& b) { return key_of(a) < key_of(b); });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (kept > 0 && key_of(entries[kept - 1]) == key_of(entries[i])) {
      if (entries[i].meta.weight > entries[kept - 1].meta.weight) {
        entries[kept - 1] = std::move(entries[i]);
      }
      continue;
    }
    if (kept != i) entries[kept] = std::move(entries[i]);
    ++kept;
  }
  const std::size_t merged = entries.size() - kept;
  entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(kept), entries.end());
  return merged;
}

}  // namespace bw::intel
