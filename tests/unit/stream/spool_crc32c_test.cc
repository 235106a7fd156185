#include "sensor/stream/spool_crc32c.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace bw::stream {
namespace {

// Bit-at-a-time CRC-32C straight from the definition (RFC 3720 section 12.1: reflected
// polynomial 0x82F63B78, initial value and final XOR all ones), independent of the tables.
std::uint32_t reference_crc32c(ByteSpan data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::uint8_t byte : data) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc >> 1) ^ ((crc & 1u) ? 0x82F63B78u : 0u);
  }
  return ~crc;
}

ByteSpan span_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// RFC 3720 appendix B.4; the RFC prints each CRC as its bytes on the wire, least significant
// first (32 zero bytes: "aa 36 91 8a").
TEST(SpoolCrc32c, Rfc3720Vectors) {
  std::array<std::uint8_t, 32> bytes{};
  EXPECT_EQ(crc32c(bytes), 0x8A9136AAu);
  bytes.fill(0xFF);
  EXPECT_EQ(crc32c(bytes), 0x62A8AB43u);
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(crc32c(bytes), 0x46DD794Eu);
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(31 - i);
  EXPECT_EQ(crc32c(bytes), 0x113FDB5Cu);
  const std::array<std::uint8_t, 48> iscsi_read_pdu = {
      0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
      0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(crc32c(iscsi_read_pdu), 0xD9963A56u);
}

TEST(SpoolCrc32c, CheckValueOfTheCatalogue) {
  EXPECT_EQ(crc32c(span_of("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c({}), 0u);
}

TEST(SpoolCrc32c, MatchesBitwiseDefinitionAtEveryLengthAndSplit) {
  std::vector<std::uint8_t> data(67);
  std::uint32_t state = 12345;
  for (std::uint8_t& byte : data) {
    state = state * 1103515245u + 12345u;
    byte = static_cast<std::uint8_t>(state >> 16);
  }
  for (std::size_t length = 0; length <= data.size(); ++length) {
    const ByteSpan whole(data.data(), length);
    const std::uint32_t expected = reference_crc32c(whole);
    ASSERT_EQ(crc32c(whole), expected) << "length " << length;
    for (std::size_t split = 0; split <= length; ++split) {
      ASSERT_EQ(crc32c_extend(crc32c(whole.first(split)), whole.subspan(split)), expected)
          << "length " << length << " split " << split;
    }
  }
}

// The checksum in the record fixture of spool_files_test.cc (sequence 7, payload "beacon"):
// CRC-32C over the little-endian sequence followed by the payload.
TEST(SpoolCrc32c, RecordFixtureChecksum) {
  const std::array<std::uint8_t, 14> covered = {0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                                0x00, 'b',  'e',  'a',  'c',  'o',  'n'};
  EXPECT_EQ(reference_crc32c(covered), 0xBCD05146u);
  EXPECT_EQ(crc32c(covered), 0xBCD05146u);
}

}  // namespace
}  // namespace bw::stream
