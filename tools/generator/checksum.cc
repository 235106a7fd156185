#include "tools/generator/checksum.h"

#include <array>

namespace bw::gen {

std::uint32_t checksum_partial(ByteSpan data, std::uint32_t sum) {
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2)
    sum += load_be16(data.data() + i);
  if (i < data.size()) sum += std::uint32_t{data[i]} << 8;
  return sum;
}

std::uint16_t checksum_fold(std::uint32_t sum) {
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::uint16_t internet_checksum(ByteSpan data) {
  return checksum_fold(checksum_partial(data));
}

std::uint16_t transport_checksum(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                                 ByteSpan segment) {
  const std::size_t address_length = src.length();
  std::uint32_t sum = checksum_partial(ByteSpan(src.bytes.data(), address_length));
  sum = checksum_partial(ByteSpan(dst.bytes.data(), address_length), sum);
  sum += protocol;
  sum += static_cast<std::uint32_t>(segment.size() & 0xffff);
  sum += static_cast<std::uint32_t>(segment.size() >> 16);
  const std::uint16_t folded = checksum_fold(checksum_partial(segment, sum));
  // UDP reserves 0 for "no checksum"; a computed 0 is sent as all ones (RFC 768).
  return (protocol == 17 && folded == 0) ? 0xffff : folded;
}

namespace {

std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}

}  // namespace

std::uint32_t crc32(ByteSpan data, std::uint32_t crc) {
  static const std::array<std::uint32_t, 256> kTable = make_crc_table();
  crc = ~crc;
  for (std::uint8_t byte : data)
    crc = kTable[(crc ^ byte) & 0xff] ^ (crc >> 8);
  return ~crc;
}

std::uint32_t adler32(ByteSpan data) {
  std::uint32_t a = 1, b = 0;
  for (std::uint8_t byte : data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

}  // namespace bw::gen
