// The presence bitmap is updated and scanned a 64-bit word at a time; these ranges start, end and
// leave gaps on both sides of word boundaries.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "sensor/extract/quic/crypto_stream.h"

namespace bw::extract::quic {
namespace {

std::vector<std::uint8_t> pattern(std::size_t size) {
  std::vector<std::uint8_t> bytes(size);
  for (std::size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return bytes;
}

bool insert_range(CryptoStream& stream, const std::vector<std::uint8_t>& bytes, std::size_t begin,
                  std::size_t end) {
  return stream.insert(begin, ByteSpan(bytes.data() + begin, end - begin));
}

TEST(QuicCryptoStreamWords, GapsAcrossWordBoundaries) {
  const auto bytes = pattern(400);
  CryptoStream stream;
  stream.reset();
  ASSERT_TRUE(insert_range(stream, bytes, 0, 60));
  EXPECT_EQ(stream.contiguous(), 60u);
  ASSERT_TRUE(insert_range(stream, bytes, 130, 200));  // a gap from 60 to 130 spans a boundary
  EXPECT_EQ(stream.contiguous(), 60u);
  ASSERT_TRUE(insert_range(stream, bytes, 64, 130));  // still missing 60..63
  EXPECT_EQ(stream.contiguous(), 60u);
  ASSERT_TRUE(insert_range(stream, bytes, 60, 64));  // exactly the rest of the first word
  EXPECT_EQ(stream.contiguous(), 200u);
  ASSERT_TRUE(insert_range(stream, bytes, 201, 400));
  EXPECT_EQ(stream.contiguous(), 200u);  // one byte missing at 200
  ASSERT_TRUE(insert_range(stream, bytes, 200, 201));
  EXPECT_EQ(stream.contiguous(), 400u);
  EXPECT_EQ(std::vector<std::uint8_t>(stream.prefix().begin(), stream.prefix().end()), bytes);
}

TEST(QuicCryptoStreamWords, FillsToCapacityAndResets) {
  const auto bytes = pattern(CryptoStream::kCapacity);
  CryptoStream stream;
  stream.reset();
  ASSERT_TRUE(insert_range(stream, bytes, 1, CryptoStream::kCapacity));
  EXPECT_EQ(stream.contiguous(), 0u);
  ASSERT_TRUE(insert_range(stream, bytes, 0, 1));
  EXPECT_EQ(stream.contiguous(), CryptoStream::kCapacity);
  stream.reset();
  EXPECT_EQ(stream.contiguous(), 0u);
  ASSERT_TRUE(insert_range(stream, bytes, 64, 128));
  EXPECT_EQ(stream.contiguous(), 0u);  // nothing left over from before the reset
}

}  // namespace
}  // namespace bw::extract::quic
