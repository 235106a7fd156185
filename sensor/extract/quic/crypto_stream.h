// Reassembly of the Initial CRYPTO stream by offset. Clients split the ClientHello across frames
// and packets, reorder and repeat them (Chrome does all three on purpose), so every byte is
// tracked individually: a bitmap says which offsets have arrived.
#pragma once

#include <array>
#include <cstdint>

#include "sensor/common/bytes.h"

namespace bw::extract::quic {

class CryptoStream {
 public:
  static constexpr std::size_t kCapacity = std::size_t{16} * 1024;

  void reset();
  // Stores `data` at `offset`; data already present is overwritten with the same stream bytes.
  // Returns false, storing nothing, when the range reaches past the buffer.
  bool insert(std::uint64_t offset, ByteSpan data);
  // Bytes present without a gap from offset 0.
  std::size_t contiguous() const { return contiguous_; }
  ByteSpan prefix() const { return ByteSpan(bytes_.data(), contiguous_); }

 private:
  // Marks offsets [begin, end) as present, a word at a time.
  void mark_present(std::size_t begin, std::size_t end);

  // Left uninitialised: only offsets marked in present_ are ever read.
  std::array<std::uint8_t, kCapacity> bytes_;
  std::array<std::uint64_t, kCapacity / 64> present_{};
  std::size_t contiguous_ = 0;
};

}  // namespace bw::extract::quic
