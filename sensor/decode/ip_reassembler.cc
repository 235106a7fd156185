#include "sensor/decode/ip_reassembler.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "sensor/decode/hashing.h"
#include "sensor/decode/wire.h"

namespace bw::decode {
namespace {

constexpr std::size_t kBlockBytes = 8;  // fragment offsets count 8-byte blocks
constexpr std::size_t kBitsPerWord = 64;
// Room in front of each payload for the header of the offset-0 fragment, which may arrive last.
// IPv4 needs at most 60 bytes; IPv6 unfragmentable parts beyond this are refused.
constexpr std::size_t kHeaderRoom = 512;
constexpr std::size_t kMinDatagramBytes = 576;  // RFC 791: every host must accept this much
constexpr std::size_t kMaxLengthField = 65535;

std::size_t blocks_for(std::size_t bytes) {
  return (bytes + kBlockBytes - 1) / kBlockBytes;
}

// Calls visit(word_index, mask) over the words covering bits [first, last); stops when it
// returns false. Returns false when stopped early.
template <typename Visit>
bool for_each_bitmap_word(std::size_t first, std::size_t last, Visit visit) {
  while (first < last) {
    const std::size_t bit = first % kBitsPerWord;
    const std::size_t count = std::min(kBitsPerWord - bit, last - first);
    const std::uint64_t ones = count == kBitsPerWord ? ~0ull : (1ull << count) - 1;
    if (!visit(first / kBitsPerWord, ones << bit)) return false;
    first += count;
  }
  return true;
}

bool any_set(const std::uint64_t* words, std::size_t first, std::size_t last) {
  return !for_each_bitmap_word(
      first, last, [&](std::size_t w, std::uint64_t mask) { return (words[w] & mask) == 0; });
}

void set_range(std::uint64_t* words, std::size_t first, std::size_t last) {
  for_each_bitmap_word(first, last, [&](std::size_t w, std::uint64_t mask) {
    words[w] |= mask;
    return true;
  });
}

bool is_set(const std::uint64_t* words, std::size_t bit) {
  return (words[bit / kBitsPerWord] >> (bit % kBitsPerWord)) & 1u;
}

std::uint16_t ipv4_header_checksum(const std::uint8_t* header, std::size_t length) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < length; i += 2)
    sum += load_be16(header + i);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::uint32_t hash_key(const FragmentKey& key) {
  std::uint64_t state =
      (std::uint64_t{key.id} << 16) | (std::uint64_t{key.protocol} << 8) | key.family;
  state = hash_absorb(state, address_word(key.src, 0));
  state = hash_absorb(state, address_word(key.src, 1));
  state = hash_absorb(state, address_word(key.dst, 0));
  state = hash_absorb(state, address_word(key.dst, 1));
  return static_cast<std::uint32_t>(hash_finish(state));
}

}  // namespace

IpReassembler::IpReassembler(std::size_t max_datagrams, std::size_t max_datagram_bytes,
                             TimestampNs timeout, std::size_t completions_per_packet)
    : max_datagram_bytes_(
          std::clamp(max_datagram_bytes, kMinDatagramBytes, kMaxLengthField + wire::kIpv6Header)),
      timeout_(timeout),
      bitmap_words_((blocks_for(max_datagram_bytes_) + kBitsPerWord - 1) / kBitsPerWord),
      slot_stride_(kHeaderRoom + max_datagram_bytes_),
      bucket_mask_(static_cast<std::uint32_t>(std::bit_ceil(2 * max_datagrams + 1) - 1)),
      slots_(max_datagrams),
      buckets_(std::size_t{bucket_mask_} + 1, kNone),
      bitmaps_(max_datagrams * bitmap_words_),
      storage_(std::make_unique_for_overwrite<std::uint8_t[]>(max_datagrams * slot_stride_)) {
  free_.reserve(max_datagrams);
  // Popped from the back: slot 0 first, and recently freed (memory-resident) slots are reused.
  for (std::size_t i = max_datagrams; i > 0; --i) {
    free_.push_back(static_cast<std::uint32_t>(i - 1));
  }
  completed_.reserve(completions_per_packet);
}

std::uint8_t* IpReassembler::payload_area(std::uint32_t index) const {
  return storage_.get() + std::size_t{index} * slot_stride_ + kHeaderRoom;
}

std::uint64_t* IpReassembler::bitmap(std::uint32_t index) {
  return bitmaps_.data() + std::size_t{index} * bitmap_words_;
}

const std::uint64_t* IpReassembler::bitmap(std::uint32_t index) const {
  return bitmaps_.data() + std::size_t{index} * bitmap_words_;
}

IpReassembler::Result IpReassembler::add(const Fragment& fragment, TimestampNs now,
                                         DecodeCounters& counters) {
  if (!well_formed(fragment, counters)) return {Outcome::kRejected, {}};
  // finish() appends to completed_, which must never reallocate on the packet path.
  if (completed_.size() == completed_.capacity()) {
    ++counters.fragment_pool_exhausted;
    return {Outcome::kNoRoom, {}};
  }
  const std::uint32_t bucket = hash_key(fragment.key) & bucket_mask_;
  std::uint32_t index = find(fragment.key, bucket);
  if (!fits(index == kNone ? nullptr : &slots_[index], fragment)) {
    // The datagram can never be completed within the limits: stop spending a slot on it.
    ++counters.fragment_datagram_too_large;
    if (index != kNone) discard(index);
    return {Outcome::kRejected, {}};
  }
  if (index == kNone) {
    index = open_slot(fragment.key, bucket, now, counters);
    if (index == kNone) return {Outcome::kNoRoom, {}};
  }
  Slot& slot = slots_[index];
  if (!consistent_ends(slot, fragment)) {
    ++counters.fragment_inconsistent_length;
    discard(index);
    return {Outcome::kRejected, {}};
  }
  if (!store(index, fragment, counters)) return {Outcome::kHeld, {}};
  return {Outcome::kComplete, finish(index)};
}

bool IpReassembler::store(std::uint32_t index, const Fragment& fragment, DecodeCounters& counters) {
  Slot& slot = slots_[index];
  const auto end = static_cast<std::uint32_t>(fragment.offset + fragment.data.size());
  if (!fragment.more) {
    slot.end_known = true;
    slot.payload_end = end;
  }
  slot.highest_end = std::max(slot.highest_end, end);
  if (fragment.offset == 0 && slot.header_length == 0) store_header(index, fragment);
  store_data(index, fragment, counters);
  return slot.header_length != 0 && slot.end_known &&
         slot.blocks_received == blocks_for(slot.payload_end);
}

bool IpReassembler::well_formed(const Fragment& fragment, DecodeCounters& counters) const {
  // Only the last fragment may end off a block boundary; an empty one adds nothing but state.
  if (fragment.data.empty() || (fragment.more && fragment.data.size() % kBlockBytes != 0)) {
    ++counters.fragment_bad_length;
    return false;
  }
  if (fragment.offset == 0 && fragment.header.size() > kHeaderRoom) {
    ++counters.fragment_header_too_long;
    return false;
  }
  return true;
}

std::size_t IpReassembler::datagram_limit(std::uint8_t family) const {
  // The reassembled datagram must still fit its own 16-bit length field.
  const std::size_t length_field_limit =
      family == 4 ? kMaxLengthField : kMaxLengthField + wire::kIpv6Header;
  return std::min(max_datagram_bytes_, length_field_limit);
}

bool IpReassembler::fits(const Slot* slot, const Fragment& fragment) const {
  const std::size_t end = fragment.offset + fragment.data.size();
  const std::size_t highest_end =
      slot != nullptr ? std::max<std::size_t>(end, slot->highest_end) : end;
  // Until the offset-0 fragment arrives, assume the smallest header the family allows.
  std::size_t header = fragment.key.family == 4 ? wire::kIpv4MinHeader : wire::kIpv6Header;
  if (slot != nullptr && slot->header_length != 0) {
    header = slot->header_length;
  } else if (fragment.offset == 0) {
    header = fragment.header.size();
  }
  return header + highest_end <= datagram_limit(fragment.key.family);
}

bool IpReassembler::consistent_ends(const Slot& slot, const Fragment& fragment) const {
  // Two different ends, or data past the end, leave no way to know which to believe.
  const std::size_t end = fragment.offset + fragment.data.size();
  if (fragment.more) return !slot.end_known || end <= slot.payload_end;
  return (!slot.end_known || end == slot.payload_end) && slot.highest_end <= end;
}

std::uint32_t IpReassembler::find(const FragmentKey& key, std::uint32_t bucket) const {
  for (std::uint32_t i = buckets_[bucket]; i != kNone; i = slots_[i].bucket_next) {
    if (slots_[i].key == key) return i;
  }
  return kNone;
}

std::uint32_t IpReassembler::open_slot(const FragmentKey& key, std::uint32_t bucket,
                                       TimestampNs now, DecodeCounters& counters) {
  // A full pool may still hold datagrams that expire() has not been called for yet.
  if (free_.empty() && oldest_ != kNone && now - slots_[oldest_].first_seen > timeout_) {
    discard(oldest_);
    ++counters.fragment_timeout;
  }
  if (free_.empty()) {
    ++counters.fragment_pool_exhausted;
    return kNone;
  }
  const std::uint32_t index = free_.back();
  free_.pop_back();
  Slot& slot = slots_[index];
  slot = Slot{};
  slot.key = key;
  slot.first_seen = now;
  slot.bucket = bucket;
  slot.bucket_next = buckets_[bucket];
  buckets_[bucket] = index;
  slot.older = newest_;
  if (newest_ != kNone) slots_[newest_].newer = index;
  newest_ = index;
  if (oldest_ == kNone) oldest_ = index;
  std::fill_n(bitmap(index), bitmap_words_, 0);
  ++in_progress_;
  return index;
}

void IpReassembler::store_header(std::uint32_t index, const Fragment& fragment) {
  Slot& slot = slots_[index];
  std::uint8_t* header = payload_area(index) - fragment.header.size();
  std::memcpy(header, fragment.header.data(), fragment.header.size());
  if (fragment.key.family == 6 && fragment.next_header_index < fragment.header.size()) {
    header[fragment.next_header_index] = fragment.next_header;
  }
  slot.header_length = static_cast<std::uint32_t>(fragment.header.size());
}

void IpReassembler::store_data(std::uint32_t index, const Fragment& fragment,
                               DecodeCounters& counters) {
  const std::size_t first = fragment.offset / kBlockBytes;
  const std::size_t last = blocks_for(fragment.offset + fragment.data.size());
  if (any_set(bitmap(index), first, last)) {
    store_overlapping(index, fragment, counters);
    return;
  }
  std::memcpy(payload_area(index) + fragment.offset, fragment.data.data(), fragment.data.size());
  set_range(bitmap(index), first, last);
  slots_[index].blocks_received += static_cast<std::uint32_t>(last - first);
}

void IpReassembler::store_overlapping(std::uint32_t index, const Fragment& fragment,
                                      DecodeCounters& counters) {
  std::uint8_t* payload = payload_area(index);
  std::uint64_t* words = bitmap(index);
  const std::size_t end = fragment.offset + fragment.data.size();
  const std::size_t last = blocks_for(end);
  bool added = false;
  std::size_t block = fragment.offset / kBlockBytes;
  while (block < last) {
    if (is_set(words, block)) {
      ++block;
      continue;
    }
    std::size_t run_end = block + 1;
    while (run_end < last && !is_set(words, run_end))
      ++run_end;
    const std::size_t from = block * kBlockBytes;
    const std::size_t to = std::min(run_end * kBlockBytes, end);
    std::memcpy(payload + from, fragment.data.data() + (from - fragment.offset), to - from);
    set_range(words, block, run_end);
    slots_[index].blocks_received += static_cast<std::uint32_t>(run_end - block);
    added = true;
    block = run_end;
  }
  // A retransmitted copy of data already held is harmless; anything else may be an evasion.
  const bool same_bytes = !added && std::memcmp(payload + fragment.offset, fragment.data.data(),
                                                fragment.data.size()) == 0;
  if (same_bytes) {
    ++counters.fragment_duplicate;
  } else {
    ++counters.fragment_overlap;
  }
}

ByteSpan IpReassembler::finish(std::uint32_t index) {
  const Slot& slot = slots_[index];
  std::uint8_t* header = payload_area(index) - slot.header_length;
  const std::size_t length = slot.header_length + std::size_t{slot.payload_end};
  if (slot.key.family == 4) {
    store_be16(header + 2, static_cast<std::uint16_t>(length));
    header[6] &= 0x40;  // keep Don't Fragment, clear More Fragments and the offset
    header[7] = 0;
    store_be16(header + 10, 0);
    store_be16(header + 10, ipv4_header_checksum(header, slot.header_length));
  } else {
    store_be16(header + 4, static_cast<std::uint16_t>(length - wire::kIpv6Header));
  }
  unlink(index);
  completed_.push_back(index);
  return {header, length};
}

void IpReassembler::unlink(std::uint32_t index) {
  Slot& slot = slots_[index];
  std::uint32_t* link = &buckets_[slot.bucket];
  while (*link != index)
    link = &slots_[*link].bucket_next;
  *link = slot.bucket_next;
  (slot.older != kNone ? slots_[slot.older].newer : oldest_) = slot.newer;
  (slot.newer != kNone ? slots_[slot.newer].older : newest_) = slot.older;
  --in_progress_;
}

void IpReassembler::discard(std::uint32_t index) {
  unlink(index);
  free_.push_back(index);
}

void IpReassembler::expire(TimestampNs now, DecodeCounters& counters) {
  // Arrival order approximates age; a capture whose clock steps back only delays expiry.
  while (oldest_ != kNone && now - slots_[oldest_].first_seen > timeout_) {
    discard(oldest_);
    ++counters.fragment_timeout;
  }
}

void IpReassembler::release_completed_slots() {
  for (const std::uint32_t index : completed_)
    free_.push_back(index);
  completed_.clear();
}

}  // namespace bw::decode
