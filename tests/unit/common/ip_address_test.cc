#include "sensor/common/ip_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>

namespace bw {
namespace {

IpAddress v6_from_words(const std::array<std::uint16_t, 8>& words) {
  std::uint8_t bytes[16];
  for (std::size_t i = 0; i < 8; ++i) {
    bytes[2 * i] = static_cast<std::uint8_t>(words[i] >> 8);
    bytes[2 * i + 1] = static_cast<std::uint8_t>(words[i]);
  }
  return IpAddress::v6(bytes);
}

std::string reference_text(const IpAddress& address) {
  char buf[INET6_ADDRSTRLEN] = {};
  const int family = address.family == 4 ? AF_INET : AF_INET6;
  if (inet_ntop(family, address.bytes.data(), buf, sizeof buf) == nullptr) return "<error>";
  return buf;
}

TEST(IpAddressFormat, Ipv4OctetWidths) {
  const std::uint8_t a[] = {0, 9, 10, 99};
  const std::uint8_t b[] = {100, 199, 200, 255};
  EXPECT_EQ(IpAddress::v4(a).to_string(), "0.9.10.99");
  EXPECT_EQ(IpAddress::v4(b).to_string(), "100.199.200.255");
}

TEST(IpAddressFormat, Rfc5952Examples) {
  EXPECT_EQ(v6_from_words({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}).to_string(), "2001:db8::1");
  // A single zero group is not compressed.
  EXPECT_EQ(v6_from_words({0x2001, 0xdb8, 0, 1, 1, 1, 1, 1}).to_string(), "2001:db8:0:1:1:1:1:1");
  // The longest run is compressed; of equal runs, the first.
  EXPECT_EQ(v6_from_words({0x2001, 0, 0, 1, 0, 0, 0, 1}).to_string(), "2001:0:0:1::1");
  EXPECT_EQ(v6_from_words({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}).to_string(), "2001:db8::1:0:0:1");
  EXPECT_EQ(v6_from_words({0, 0, 0, 0, 0, 0, 0, 0}).to_string(), "::");
  EXPECT_EQ(v6_from_words({0, 0, 0, 0, 0, 0, 0, 1}).to_string(), "::1");
  EXPECT_EQ(v6_from_words({1, 0, 0, 0, 0, 0, 0, 0}).to_string(), "1::");
  EXPECT_EQ(v6_from_words({0xfe80, 0, 0, 0, 0xabcd, 0xef, 0x1234, 0xffff}).to_string(),
            "fe80::abcd:ef:1234:ffff");
}

TEST(IpAddressFormat, EmbeddedIpv4) {
  EXPECT_EQ(v6_from_words({0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201}).to_string(), "::ffff:192.0.2.1");
  EXPECT_EQ(v6_from_words({0, 0, 0, 0, 0, 0, 0xc000, 0x0201}).to_string(), "::192.0.2.1");
  // Only a leading run of exactly five zeros before ffff, or six zeros, means embedded IPv4.
  EXPECT_EQ(v6_from_words({0, 0, 0, 0, 0, 0xfffe, 0xc000, 0x0201}).to_string(), "::fffe:c000:201");
  EXPECT_EQ(v6_from_words({1, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201}).to_string(), "1::ffff:c000:201");
}

// Every pattern of zero and non-zero groups, with random non-zero values (some 0xffff so the
// mapped form comes up), agrees with the C library.
TEST(IpAddressFormat, MatchesInetNtopOnEveryZeroPattern) {
  std::mt19937 random(42);
  const std::uint16_t samples[] = {0x1, 0xf, 0x10, 0xff, 0x100, 0xfff, 0x1000, 0xffff};
  int checked = 0;
  for (unsigned pattern = 0; pattern < 256; ++pattern) {
    for (int round = 0; round < 8; ++round) {
      std::array<std::uint16_t, 8> words{};
      for (int i = 0; i < 8; ++i) {
        if ((pattern >> i & 1) == 0) continue;
        words[i] = round < 4 ? samples[random() % 8] : static_cast<std::uint16_t>(random() | 1);
      }
      const IpAddress address = v6_from_words(words);
      ASSERT_EQ(address.to_string(), reference_text(address)) << "pattern " << pattern;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2048);
}

TEST(IpAddressFormat, MatchesInetNtopOnRandomIpv4) {
  std::mt19937 random(7);
  for (int i = 0; i < 10000; ++i) {
    const std::uint32_t value = random();
    const std::uint8_t bytes[] = {
        static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
        static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
    const IpAddress address = IpAddress::v4(bytes);
    ASSERT_EQ(address.to_string(), reference_text(address));
  }
}

TEST(IpAddressFormat, UnsetFamilyAndShortBufferGiveNothing) {
  EXPECT_EQ(IpAddress{}.to_string(), "");
  const std::uint8_t v4[] = {192, 0, 2, 1};
  char buf[9] = {'x'};
  EXPECT_EQ(IpAddress::v4(v4).format(buf, sizeof buf), 0u);
  EXPECT_EQ(buf[0], '\0');
  char fits[10];
  EXPECT_EQ(IpAddress::v4(v4).format(fits, sizeof fits), 9u);
  EXPECT_STREQ(fits, "192.0.2.1");
}

}  // namespace
}  // namespace bw
