// Bounded IPv4/IPv6 fragment reassembly on preallocated storage.
//
// Every slot owns a buffer large enough for the biggest datagram allowed, reserved once at
// construction; fragments are copied into it at their offset, so a fragment never allocates.
// Received data is tracked per 8-byte block (the unit of fragment offsets) in a bitmap, which
// makes holes, overlaps and duplicates cheap to detect in any arrival order. The first copy of
// any byte wins, as in most end-host stacks, so a later overlapping fragment cannot rewrite what
// an inspected prefix already said.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "sensor/common/bytes.h"
#include "sensor/common/time.h"
#include "sensor/decode/decode_counters.h"

namespace bw::decode {

// IPv6 fragments carry protocol 0 here: RFC 8200 keys reassembly on addresses and identification
// only, and lets non-first fragments name a different next header.
struct FragmentKey {
  std::array<std::uint8_t, 16> src{};
  std::array<std::uint8_t, 16> dst{};
  std::uint32_t id = 0;
  std::uint8_t protocol = 0;
  std::uint8_t family = 0;  // 4 or 6

  friend bool operator==(const FragmentKey&, const FragmentKey&) = default;
};

struct Fragment {
  FragmentKey key;
  // Everything in front of the fragmentable part: the IPv4 header, or the IPv6 header with its
  // unfragmentable extension headers. Only the offset-0 fragment's copy is kept.
  ByteSpan header;
  ByteSpan data;
  std::uint32_t offset = 0;  // of `data` within the reassembled payload, in bytes
  bool more = false;         // more fragments follow
  // IPv6: the byte of `header` that names the Fragment header, rewritten to the protocol the
  // Fragment header names so the reassembled datagram reads as if it was never fragmented.
  std::uint32_t next_header_index = 0;
  std::uint8_t next_header = 0;
};

class IpReassembler {
 public:
  enum class Outcome : std::uint8_t {
    kHeld,      // stored; the datagram still has holes
    kComplete,  // the datagram is whole: see Result::datagram
    kRejected,  // the fragment broke the rules (counted); its datagram may have been dropped
    kNoRoom,    // every slot is busy with live datagrams (counted)
  };
  struct Result {
    Outcome outcome = Outcome::kHeld;
    ByteSpan datagram;  // valid until release_completed()
  };

  // `completions_per_packet` bounds how many datagrams one frame can complete (nested tunnels
  // each may), as their buffers stay readable until the next frame.
  IpReassembler(std::size_t max_datagrams, std::size_t max_datagram_bytes, TimestampNs timeout,
                std::size_t completions_per_packet);
  // Copies would duplicate tens of megabytes; moves keep handed-out spans valid.
  IpReassembler(const IpReassembler&) = delete;
  IpReassembler& operator=(const IpReassembler&) = delete;
  IpReassembler(IpReassembler&&) = default;
  IpReassembler& operator=(IpReassembler&&) = default;

  Result add(const Fragment& fragment, TimestampNs now, DecodeCounters& counters);
  // Drops datagrams whose first fragment is older than the timeout relative to `now`.
  void expire(TimestampNs now, DecodeCounters& counters);
  // Returns the slots of datagrams completed while decoding the previous frame.
  void release_completed() {
    if (!completed_.empty()) release_completed_slots();
  }
  std::size_t datagrams_in_progress() const { return in_progress_; }

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  struct Slot {
    FragmentKey key;
    TimestampNs first_seen = 0;
    std::uint32_t header_length = 0;  // 0 until the offset-0 fragment arrives
    std::uint32_t payload_end = 0;    // meaningful once end_known
    std::uint32_t highest_end = 0;    // furthest payload byte received so far
    std::uint32_t blocks_received = 0;
    bool end_known = false;
    std::uint32_t bucket = 0;
    std::uint32_t bucket_next = kNone;
    std::uint32_t older = kNone;  // arrival-order list, oldest first, for expiry
    std::uint32_t newer = kNone;
  };

  bool well_formed(const Fragment& fragment, DecodeCounters& counters) const;
  bool fits(const Slot* slot, const Fragment& fragment) const;
  bool consistent_ends(const Slot& slot, const Fragment& fragment) const;
  std::size_t datagram_limit(std::uint8_t family) const;
  std::uint32_t find(const FragmentKey& key, std::uint32_t bucket) const;
  std::uint32_t open_slot(const FragmentKey& key, std::uint32_t bucket, TimestampNs now,
                          DecodeCounters& counters);
  // Returns true once the datagram is whole.
  bool store(std::uint32_t index, const Fragment& fragment, DecodeCounters& counters);
  void store_header(std::uint32_t index, const Fragment& fragment);
  void store_data(std::uint32_t index, const Fragment& fragment, DecodeCounters& counters);
  void store_overlapping(std::uint32_t index, const Fragment& fragment, DecodeCounters& counters);
  ByteSpan finish(std::uint32_t index);
  void unlink(std::uint32_t index);
  void discard(std::uint32_t index);
  void release_completed_slots();

  std::uint8_t* payload_area(std::uint32_t index) const;
  std::uint64_t* bitmap(std::uint32_t index);
  const std::uint64_t* bitmap(std::uint32_t index) const;

  std::size_t max_datagram_bytes_;
  TimestampNs timeout_;
  std::size_t bitmap_words_;
  std::size_t slot_stride_;
  std::uint32_t bucket_mask_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> buckets_;
  std::vector<std::uint64_t> bitmaps_;
  // Left uninitialised so the kernel only backs the slots that are ever used with memory.
  std::unique_ptr<std::uint8_t[]> storage_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint32_t> completed_;
  std::uint32_t oldest_ = kNone;
  std::uint32_t newest_ = kNone;
  std::size_t in_progress_ = 0;
};

}  // namespace bw::decode
