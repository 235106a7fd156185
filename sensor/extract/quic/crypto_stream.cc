#include "sensor/extract/quic/crypto_stream.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace bw::extract::quic {

void CryptoStream::reset() {
  present_.fill(0);
  contiguous_ = 0;
}

void CryptoStream::mark_present(std::size_t begin, std::size_t end) {
  while (begin < end) {
    const std::size_t bit = begin % 64;
    const std::size_t count = std::min<std::size_t>(64 - bit, end - begin);
    const std::uint64_t bits = count == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << count) - 1);
    present_[begin / 64] |= bits << bit;
    begin += count;
  }
}

bool CryptoStream::insert(std::uint64_t offset, ByteSpan data) {
  if (offset > kCapacity || data.size() > kCapacity - offset) return false;
  const auto start = static_cast<std::size_t>(offset);
  if (data.empty()) return true;
  std::memcpy(bytes_.data() + start, data.data(), data.size());
  mark_present(start, start + data.size());
  // Whole words of present bytes are skipped at once; the first gap ends the prefix.
  while (contiguous_ < kCapacity) {
    const std::size_t bit = contiguous_ % 64;
    const std::size_t room = 64 - bit;  // offsets left in this word
    const std::size_t run = std::min<std::size_t>(
        static_cast<std::size_t>(std::countr_one(present_[contiguous_ / 64] >> bit)), room);
    contiguous_ += run;
    if (run < room) break;
  }
  return true;
}

}  // namespace bw::extract::quic
