#include "sensor/detect/anchor_index.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <utility>

namespace bw::detect {
namespace {

constexpr std::size_t kInitialSlots = 1024;
// Grow past 70% occupancy: linear probing stays around two probes per lookup below that.
constexpr std::size_t kMaxLoadPercent = 70;
// Filter bits per slot: with at most 0.7 anchors per slot this keeps ~8% of probes passing.
constexpr std::size_t kFilterBitsPerSlot = 8;

}  // namespace

std::size_t AnchorIndex::find_slot(std::uint64_t key) const {
  const std::size_t mask = slot_keys_.size() - 1;
  std::size_t slot = static_cast<std::size_t>(slot_hash(key) >> slot_shift_);
  while (slot_keys_[slot] != 0 && slot_keys_[slot] != key)
    slot = (slot + 1) & mask;
  return slot;
}

std::uint32_t AnchorIndex::head(std::uint64_t key) const {
  if (slot_keys_.empty()) return kNoEntry;
  const std::size_t slot = find_slot(key);
  return slot_keys_[slot] == key ? slot_heads_[slot] : kNoEntry;
}

bool AnchorIndex::filter_test(std::uint64_t key) const {
  const std::uint64_t bit = filter_hash(key) >> filter_shift_;
  return (filter_[bit >> 6] >> (bit & 63)) & 1;
}

void AnchorIndex::filter_set(std::uint64_t key) {
  const std::uint64_t bit = filter_hash(key) >> filter_shift_;
  filter_[bit >> 6] |= std::uint64_t{1} << (bit & 63);
}

std::size_t AnchorIndex::chain_length(std::uint64_t key, std::size_t stop_at) const {
  std::size_t length = 0;
  for (std::uint32_t e = head(key); e != kNoEntry && length < stop_at; e = entries_[e].next) {
    ++length;
  }
  return length;
}

void AnchorIndex::grow() {
  const std::size_t slots = slot_keys_.empty() ? kInitialSlots : slot_keys_.size() * 2;
  const std::vector<std::uint64_t> old_keys = std::move(slot_keys_);
  const std::vector<std::uint32_t> old_heads = std::move(slot_heads_);
  slot_keys_.assign(slots, 0);
  slot_heads_.assign(slots, kNoEntry);
  slot_shift_ = 64 - static_cast<unsigned>(std::countr_zero(slots));
  const std::size_t filter_bits = slots * kFilterBitsPerSlot;
  filter_shift_ = 64 - static_cast<unsigned>(std::countr_zero(filter_bits));
  filter_.assign(filter_bits / 64, 0);
  for (std::size_t i = 0; i < old_keys.size(); ++i) {
    if (old_keys[i] == 0) continue;
    const std::size_t slot = find_slot(old_keys[i]);
    slot_keys_[slot] = old_keys[i];
    slot_heads_[slot] = old_heads[i];
    filter_set(old_keys[i]);
  }
}

bool AnchorIndex::insert(std::string_view needle, std::uint32_t payload,
                         std::size_t anchor_start_limit) {
  if (needle.size() < kAnchorLength || entries_.size() >= kNoEntry) return false;
  const std::size_t candidates = std::max<std::size_t>(
      1, std::min({needle.size() - kAnchorLength + 1, kMaxAnchorCandidates, anchor_start_limit}));
  std::uint64_t best_key = 0;
  std::size_t best_offset = 0;
  std::size_t best_load = SIZE_MAX;
  for (std::size_t offset = 0; offset < candidates && best_load > 0; ++offset) {
    std::uint64_t key = 0;
    for (std::size_t i = 0; i < kAnchorLength; ++i)
      key = append_to_key(key, needle[offset + i]);
    key |= kOccupied;
    const std::size_t load = chain_length(key, best_load);
    if (load < best_load) {
      best_load = load;
      best_key = key;
      best_offset = offset;
    }
  }
  if ((used_slots_ + 1) * 100 > slot_keys_.size() * kMaxLoadPercent) grow();
  const std::size_t slot = find_slot(best_key);
  if (slot_keys_[slot] == 0) {
    slot_keys_[slot] = best_key;
    ++used_slots_;
    filter_set(best_key);
  }
  entries_.push_back(Entry{payload, slot_heads_[slot], static_cast<std::uint16_t>(best_offset),
                           follower_of(needle, best_offset + kAnchorLength)});
  slot_heads_[slot] = static_cast<std::uint32_t>(entries_.size() - 1);
  return true;
}

std::size_t AnchorIndex::memory_bytes() const {
  return entries_.capacity() * sizeof(Entry) + slot_keys_.capacity() * sizeof(std::uint64_t) +
         slot_heads_.capacity() * sizeof(std::uint32_t) +
         filter_.capacity() * sizeof(std::uint64_t);
}

}  // namespace bw::detect
