// Multiply-rotate mixing shared by the flow hash and the fragment table. Both hash a handful of
// 64-bit words on the capture thread, so this trades generality for a few cycles per word.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

#include "sensor/common/bytes.h"

namespace bw::decode {

inline constexpr std::uint64_t kHashMultiplierA = 0x9e3779b97f4a7c15ull;  // 2^64 / golden ratio
inline constexpr std::uint64_t kHashMultiplierB = 0xc2b2ae3d27d4eb4full;

inline std::uint64_t hash_absorb(std::uint64_t state, std::uint64_t word) {
  state += word * kHashMultiplierB;
  state = std::rotl(state, 31);
  return state * kHashMultiplierA;
}

// Final avalanche so that every input bit reaches the low bits used to pick buckets and shards.
inline std::uint64_t hash_finish(std::uint64_t state) {
  state ^= state >> 33;
  state *= 0xff51afd7ed558ccdull;
  state ^= state >> 33;
  state *= 0xc4ceb9fe1a85ec53ull;
  state ^= state >> 33;
  return state;
}

// An address as two words; IPv4 leaves the second word zero (see IpAddress).
inline std::uint64_t address_word(const std::array<std::uint8_t, 16>& bytes, std::size_t half) {
  return load_le64(bytes.data() + 8 * half);
}

}  // namespace bw::decode
