#include "sensor/flow/flow_table.h"

#include <bit>
#include <cstring>
#include <new>
#include <type_traits>

namespace bw::flow {
namespace {

std::uint64_t mix64(std::uint64_t x) {
  // splitmix64 finaliser: cheap, and spreads the low bits the index uses.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint32_t tag_of(std::uint64_t hash) {
  return static_cast<std::uint32_t>(hash >> 32) | 1u;
}

}  // namespace

std::uint64_t hash_flow_key(const FlowKey& key) {
  std::uint64_t words[4];
  std::memcpy(&words[0], key.a_ip.bytes.data(), 8);
  std::memcpy(&words[1], key.a_ip.bytes.data() + 8, 8);
  std::memcpy(&words[2], key.b_ip.bytes.data(), 8);
  std::memcpy(&words[3], key.b_ip.bytes.data() + 8, 8);
  std::uint64_t h = mix64(words[0] ^ 0x9e3779b97f4a7c15ULL);
  h = mix64(h ^ words[1]);
  h = mix64(h ^ words[2]);
  h = mix64(h ^ words[3]);
  h = mix64(h ^ (std::uint64_t{key.a_port} << 24) ^ (std::uint64_t{key.b_port} << 8) ^
            key.protocol);
  return h;
}

namespace {
Flow* allocate_flows(std::uint32_t capacity) {
  return static_cast<Flow*>(::operator new[](sizeof(Flow) * capacity));
}
void free_flows(Flow* flows) {
  ::operator delete[](flows);
}
}  // namespace

FlowTable::FlowTable(std::uint32_t capacity)
    : flows_(allocate_flows(capacity == 0 ? 1 : capacity), free_flows),
      capacity_(capacity == 0 ? 1 : capacity) {
  static_assert(std::is_trivially_destructible_v<Flow>, "entries are never destroyed");
  capacity = capacity_;
  hashes_.resize(capacity);
  const std::size_t slots = std::bit_ceil(std::size_t{capacity} * 2);
  slots_.resize(slots);
  slot_mask_ = slots - 1;
  free_.reserve(capacity);
  for (std::uint32_t i = capacity; i > 0; --i)
    free_.push_back(i - 1);
}

std::uint32_t FlowTable::find(const FlowKey& key, std::uint64_t hash) const {
  const std::uint32_t tag = tag_of(hash);
  for (std::size_t s = hash & slot_mask_;; s = (s + 1) & slot_mask_) {
    const Slot& slot = slots_[s];
    if (slot.index == kNoIndex) return kNoIndex;
    if (slot.tag == tag && flows_[slot.index].key == key) return slot.index;
  }
}

std::uint32_t FlowTable::insert(const FlowKey& key, std::uint64_t hash) {
  const std::uint32_t index = free_.back();
  free_.pop_back();
  Flow& flow = *new (&flows_[index]) Flow();
  flow.key = key;
  flow.in_use = true;
  hashes_[index] = hash;
  std::size_t s = hash & slot_mask_;
  while (slots_[s].index != kNoIndex)
    s = (s + 1) & slot_mask_;
  slots_[s] = Slot{tag_of(hash), index};
  ++active_;
  ++counters_.flows_created;
  link_tail(index, TimeoutClass::kOther);
  return index;
}

std::size_t FlowTable::slot_of(std::uint32_t index) const {
  for (std::size_t s = hashes_[index] & slot_mask_;; s = (s + 1) & slot_mask_) {
    if (slots_[s].index == index) return s;
  }
}

void FlowTable::remove(std::uint32_t index) {
  unlink(index);
  // Backward-shift deletion keeps linear probing chains intact without tombstones.
  std::size_t hole = slot_of(index);
  for (std::size_t s = (hole + 1) & slot_mask_; slots_[s].index != kNoIndex;
       s = (s + 1) & slot_mask_) {
    const std::size_t home = hashes_[slots_[s].index] & slot_mask_;
    const bool movable = ((s - home) & slot_mask_) >= ((s - hole) & slot_mask_);
    if (movable) {
      slots_[hole] = slots_[s];
      hole = s;
    }
  }
  slots_[hole] = Slot{};
  flows_[index].in_use = false;
  free_.push_back(index);
  --active_;
}

void FlowTable::touch(std::uint32_t index, TimeoutClass timeout_class) {
  unlink(index);
  link_tail(index, timeout_class);
}

std::uint32_t FlowTable::least_recently_active() const {
  std::uint32_t best = kNoIndex;
  for (const List& list : lists_) {
    if (list.head == kNoIndex) continue;
    if (best == kNoIndex || flows_[list.head].last_ts < flows_[best].last_ts) best = list.head;
  }
  return best;
}

void FlowTable::unlink(std::uint32_t index) {
  Flow& flow = flows_[index];
  List& list = lists_[static_cast<int>(flow.timeout_class)];
  if (flow.prev != kNoIndex) {
    flows_[flow.prev].next = flow.next;
  } else {
    list.head = flow.next;
  }
  if (flow.next != kNoIndex) {
    flows_[flow.next].prev = flow.prev;
  } else {
    list.tail = flow.prev;
  }
  flow.prev = flow.next = kNoIndex;
}

void FlowTable::link_tail(std::uint32_t index, TimeoutClass timeout_class) {
  Flow& flow = flows_[index];
  List& list = lists_[static_cast<int>(timeout_class)];
  flow.timeout_class = timeout_class;
  flow.prev = list.tail;
  flow.next = kNoIndex;
  if (list.tail != kNoIndex) {
    flows_[list.tail].next = index;
  } else {
    list.head = index;
  }
  list.tail = index;
}

}  // namespace bw::flow
