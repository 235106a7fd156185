// The builder's checksums against published values, so the fixtures other tests build are real.
#include "tests/unit/decode/frame_builder.h"

#include <gtest/gtest.h>

namespace bw::decode::testing {
namespace {

// The worked example of the IPv4 header checksum article on Wikipedia: 192.168.0.1 ->
// 192.168.0.199, UDP, total length 0x73, DF, TTL 64, checksum 0xb861.
TEST(FrameBuilderTest, Ipv4HeaderMatchesPublishedExample) {
  const Bytes datagram = ipv4({.src = {192, 168, 0, 1},
                               .dst = {192, 168, 0, 199},
                               .protocol = 17,
                               .id = 0,
                               .flags_fragment = 0x4000,
                               .ttl = 64},
                              udp(1, 2, repeat(0, 0x73 - 28)));
  const Bytes expected = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                          0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(Bytes(datagram.begin(), datagram.begin() + 20), expected);
}

// RFC 1071 section 3 example: the sum of 0001 f203 f4f5 f6f7 is 0xddf2 (before complement).
TEST(FrameBuilderTest, ChecksumMatchesRfc1071Example) {
  const Bytes words = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(internet_checksum(words), static_cast<std::uint16_t>(~0xddf2));
}

TEST(FrameBuilderTest, TransportChecksumsVerify) {
  const Bytes v4 = ipv4({.protocol = 6}, tcp(1, 2, 3, 4, kAck, text("odd length")));
  std::uint32_t sum = checksum_add(0, v4.data() + 12, 8);
  sum += 6 + static_cast<std::uint32_t>(v4.size() - 20);
  EXPECT_EQ(checksum_fold(checksum_add(sum, v4.data() + 20, v4.size() - 20)), 0);

  const Bytes v6 = ipv6({.protocol = 17}, udp(1, 2, text("abc")));
  sum = checksum_add(0, v6.data() + 8, 32);
  sum += 17 + static_cast<std::uint32_t>(v6.size() - 40);
  EXPECT_EQ(checksum_fold(checksum_add(sum, v6.data() + 40, v6.size() - 40)), 0);
}

TEST(FrameBuilderTest, FragmentsCarryConsistentHeaders) {
  const Bytes datagram = ipv4({.protocol = 17, .id = 7}, udp(1, 2, counting(100)));
  const std::vector<Bytes> fragments = fragment_ipv4(datagram, {48, 32});
  ASSERT_EQ(fragments.size(), 3u);
  EXPECT_EQ(fragments[0].size(), 20u + 48);
  EXPECT_EQ(fragments[1][6], 0x20);  // MF
  EXPECT_EQ(fragments[1][7], 48 / 8);
  EXPECT_EQ(fragments[2][6], 0x00);
  EXPECT_EQ(fragments[2][7], 80 / 8);
  for (const Bytes& f : fragments) {
    EXPECT_EQ(internet_checksum(Bytes(f.begin(), f.begin() + 20)), 0);
  }
}

}  // namespace
}  // namespace bw::decode::testing
