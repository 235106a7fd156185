#include "sensor/intel/key_table.h"

#include <algorithm>

#include "sensor/intel/sorted_entries.h"

namespace bw::intel {

void KeyTable::add(std::string key, const IndicatorMeta& meta) {
  entries_.push_back({std::move(key), meta});
}

std::size_t KeyTable::finish() {
  const std::size_t merged =
      keep_heaviest_per_key(entries_, [](const Entry& e) -> std::string_view { return e.key; });
  entries_.shrink_to_fit();
  return merged;
}

const IndicatorMeta* KeyTable::find(std::string_view key) const {
  const auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                                   [](const Entry& e, std::string_view k) { return e.key < k; });
  if (it == entries_.end() || it->key != key) return nullptr;
  return &it->meta;
}

}  // namespace bw::intel
