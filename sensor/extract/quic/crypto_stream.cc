#include "sensor/extract/quic/crypto_stream.h"

#include <cstring>

namespace bw::extract::quic {

void CryptoStream::reset() {
  present_.fill(0);
  contiguous_ = 0;
}

bool CryptoStream::insert(std::uint64_t offset, ByteSpan data) {
  if (offset > kCapacity || data.size() > kCapacity - offset) return false;
  const auto start = static_cast<std::size_t>(offset);
  if (!data.empty()) std::memcpy(bytes_.data() + start, data.data(), data.size());
  for (std::size_t i = start; i < start + data.size(); ++i) {
    present_[i / 64] |= std::uint64_t{1} << (i % 64);
  }
  while (contiguous_ < kCapacity && present(contiguous_))
    ++contiguous_;
  return true;
}

}  // namespace bw::extract::quic
