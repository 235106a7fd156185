#include "sensor/correlate/cardinality_sketch.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "sensor/common/bytes.h"
#include "sensor/decode/hashing.h"

namespace bw::correlate {
namespace {

constexpr int kFixedPoint = 52;

std::uint64_t term(std::uint8_t rank) {
  return rank > kFixedPoint ? 0 : std::uint64_t{1} << (kFixedPoint - rank);
}

std::uint64_t never_zero(std::uint64_t hash) {
  return hash == 0 ? 1 : hash;
}

}  // namespace

std::uint64_t hash_address(const IpAddress& address) {
  std::uint64_t state = decode::hash_absorb(address.family, decode::address_word(address.bytes, 0));
  state = decode::hash_absorb(state, decode::address_word(address.bytes, 1));
  return never_zero(decode::hash_finish(state));
}

std::uint64_t hash_text(std::string_view text) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
  std::uint64_t state = decode::hash_absorb(0, text.size());
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    state = decode::hash_absorb(state, load_le64(p + i));  // byte loads: any alignment
  }
  std::uint64_t tail = 0;
  for (std::size_t shift = 0; i < text.size(); ++i, shift += 8) {
    tail |= std::uint64_t{p[i]} << shift;
  }
  state = decode::hash_absorb(state, tail);
  return never_zero(decode::hash_finish(state));
}

// ---------------------------------------------------------------------------------------------

void HyperLogLog::clear() {
  registers_.fill(0);
  sum_fixed_ = kRegisters * term(0);
  zeros_ = kRegisters;
}

std::uint8_t HyperLogLog::rank_of(std::uint64_t hash) {
  // Position of the first 1 bit after the index bits; a sentinel bit caps it at 64 - p + 1.
  const std::uint64_t rest = (hash << kPrecision) | (std::uint64_t{1} << (kPrecision - 1));
  return static_cast<std::uint8_t>(std::countl_zero(rest) + 1);
}

void HyperLogLog::raise(std::size_t index, std::uint8_t rank) {
  const std::uint8_t old = registers_[index];
  if (old == 0) --zeros_;
  sum_fixed_ = sum_fixed_ - term(old) + term(rank);
  registers_[index] = rank;
}

bool HyperLogLog::insert(std::uint64_t hash) {
  const std::size_t index = index_of(hash);
  const std::uint8_t rank = rank_of(hash);
  if (rank <= registers_[index]) return false;
  raise(index, rank);
  return true;
}

void HyperLogLog::merge(const HyperLogLog& other) {
  for (std::size_t i = 0; i < kRegisters; ++i) {
    if (other.registers_[i] > registers_[i]) raise(i, other.registers_[i]);
  }
}

double HyperLogLog::estimate() const {
  constexpr double m = static_cast<double>(kRegisters);
  const double alpha = 0.7213 / (1.0 + 1.079 / m);
  const double harmonic = std::ldexp(static_cast<double>(sum_fixed_), -kFixedPoint);
  const double raw = alpha * m * m / harmonic;
  // Small range: with empty registers left, linear counting is the better estimator.
  if (raw <= 2.5 * m && zeros_ > 0) return m * std::log(m / static_cast<double>(zeros_));
  return raw;  // 64-bit hashes: no large-range correction needed
}

// ---------------------------------------------------------------------------------------------

void WindowedSketch::advance(std::int64_t epoch) {
  if (epoch <= current_) return;
  current_ = epoch;
  bool dropped = false;
  for (Epoch& e : ring_) {
    if (e.number >= 0 && e.number < epoch - kEpochs) {
      dropped = dropped || !e.sketch.empty();
      e.sketch.clear();
      e.number = -1;
    }
  }
  Epoch& slot = ring_[static_cast<std::size_t>(epoch % (kEpochs + 1))];
  if (slot.number != epoch) {
    // The slot's previous epoch is five epochs old, so it has just been cleared above.
    slot.sketch.clear();
    slot.number = epoch;
  }
  if (dropped) {
    union_.clear();
    for (const Epoch& e : ring_) {
      if (e.number >= 0) union_.merge(e.sketch);
    }
  }
}

bool WindowedSketch::insert(std::uint64_t hash, TimestampNs ts) {
  // Packet time can step back a little between inputs: such an element joins the current epoch,
  // which only delays its expiry.
  advance(std::max<std::int64_t>(ts / epoch_length_, current_));
  last_insert_epoch_ = current_;
  ring_[static_cast<std::size_t>(current_ % (kEpochs + 1))].sketch.insert(hash);
  return union_.insert(hash);
}

std::uint32_t WindowedSketch::count() const {
  return static_cast<std::uint32_t>(std::llround(estimate()));
}

bool WindowedSketch::expired_at(TimestampNs ts) const {
  return last_insert_epoch_ < 0 || last_insert_epoch_ < ts / epoch_length_ - kEpochs;
}

}  // namespace bw::correlate
