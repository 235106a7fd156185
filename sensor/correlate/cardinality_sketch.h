// Distinct counts in bounded memory for the campaign tracker: a HyperLogLog, and a windowed
// variant that forgets what it saw more than a window ago.
//
// A campaign of a mass wave can reach 100k hosts; past the tracker's exact cap its distinct hosts
// and tokens are estimated here instead of being kept one by one.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "sensor/common/ip_address.h"
#include "sensor/common/time.h"

namespace bw::correlate {

// 64-bit hashes of the things campaigns count, built on the flow hash's mixing
// (sensor/decode/hashing.h): deterministic across runs, hosts and byte orders. Never 0, so 0 can
// mean "none" to callers.
std::uint64_t hash_address(const IpAddress& address);
std::uint64_t hash_text(std::string_view text);

struct AddressHash {
  std::size_t operator()(const IpAddress& address) const {
    return static_cast<std::size_t>(hash_address(address));
  }
};

// HyperLogLog (Flajolet et al. 2007) with 2^11 one-byte registers: 2 KiB, a standard error of
// 1.04 / sqrt(2048) = 2.3%, and the small-range (linear counting) correction. The harmonic sum
// is kept incrementally in fixed point, so estimate() is O(1) and bit-exact on every platform.
class HyperLogLog {
 public:
  static constexpr unsigned kPrecision = 11;
  static constexpr std::size_t kRegisters = std::size_t{1} << kPrecision;

  HyperLogLog() { clear(); }
  void clear();
  // True when a register rose: `hash` was certainly not counted before.
  bool insert(std::uint64_t hash);
  double estimate() const;
  bool empty() const { return zeros_ == kRegisters; }
  // Register-wise maximum: the sketch of the union of both sets.
  void merge(const HyperLogLog& other);

  static std::size_t index_of(std::uint64_t hash) {
    return static_cast<std::size_t>(hash >> (64 - kPrecision));
  }
  static std::uint8_t rank_of(std::uint64_t hash);

 private:
  void raise(std::size_t index, std::uint8_t rank);

  std::array<std::uint8_t, kRegisters> registers_{};
  // Sum over registers of 2^(52 - r) (r <= 54; the two smallest terms round to 0): at most
  // 2^11 * 2^52 = 2^63, so it fits, and integer adds keep it exact.
  std::uint64_t sum_fixed_ = 0;
  std::uint32_t zeros_ = kRegisters;
};

// Distinct elements seen within a sliding window, in bounded memory.
//
// A HyperLogLog cannot forget one element, so time is cut into epochs of window/4: each epoch
// has a sketch of its own, and the count is that of the union of the current epoch and the four
// before it. An element therefore stops counting between one window and 1.25 windows after it
// was last seen: expiry is up to a quarter of a window late, never early. The ring of epoch
// sketches is reused; the union is rebuilt once per epoch (O(5 x 2048)), inserts are O(1).
class WindowedSketch {
 public:
  static constexpr std::int64_t kEpochs = 4;  // epochs per window

  explicit WindowedSketch(TimestampNs window)
      : epoch_length_(window / kEpochs > 0 ? window / kEpochs : 1) {}

  // Records `hash` seen at `ts`; true when the union rose (the count may have grown).
  bool insert(std::uint64_t hash, TimestampNs ts);
  double estimate() const { return union_.estimate(); }
  std::uint32_t count() const;
  // Nothing it holds was seen within the window (as this sketch measures it) before `ts`.
  bool expired_at(TimestampNs ts) const;
  bool empty() const { return union_.empty(); }

 private:
  struct Epoch {
    std::int64_t number = -1;
    HyperLogLog sketch;
  };
  void advance(std::int64_t epoch);

  TimestampNs epoch_length_;
  std::int64_t current_ = -1;
  std::int64_t last_insert_epoch_ = -1;
  std::array<Epoch, kEpochs + 1> ring_;
  HyperLogLog union_;
};

}  // namespace bw::correlate
