// Multiply-rotate mixing shared by the flow hash and the fragment table. Both hash a handful of
// 64-bit words on the capture thread, so this trades generality for a few cycles per word.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <string_view>

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

// Absorbs a string: its 8-byte words, then the tail with the length in the top byte, so "ab" and
// "ab\0" differ. Byte loads: any alignment, and the same words on every architecture.
inline std::uint64_t hash_absorb_text(std::uint64_t state, std::string_view text) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8)
    state = hash_absorb(state, load_le64(bytes + i));
  std::uint64_t tail = 0;
  for (std::size_t shift = 0; i < text.size(); ++i, shift += 8)
    tail |= std::uint64_t{bytes[i]} << shift;
  return hash_absorb(state, tail ^ (static_cast<std::uint64_t>(text.size()) << 56));
}

// An address as two words; IPv4 leaves the second word zero (see IpAddress).
inline std::uint64_t address_word(const std::array<std::uint8_t, 16>& bytes, std::size_t half) {
  return load_le64(bytes.data() + 8 * half);
}

}  // namespace bw::decode
