#include "sensor/intel/indicator_syntax.h"

#include <gtest/gtest.h>

#include <string>

#include "sensor/intel/prefix_table.h"

namespace bw::intel {
namespace {

std::string canonical(IndicatorKind kind, std::string_view text) {
  std::string out;
  std::string reason;
  return canonical_indicator(kind, text, out, reason) ? out : "error: " + reason;
}

TEST(IndicatorSyntax, Ja3IsThirtyTwoHexDigitsLowercased) {
  EXPECT_EQ(canonical(IndicatorKind::kJa3, "799135475DA362592A4BE9199D258726"),
            "799135475da362592a4be9199d258726");
  EXPECT_EQ(canonical(IndicatorKind::kJa3, "799135475da362592a4be9199d25872"),
            "error: not a JA3 hash (32 hex digits)");
  EXPECT_EQ(canonical(IndicatorKind::kJa3, "799135475da362592a4be9199d25872g"),
            "error: not a JA3 hash (32 hex digits)");
}

TEST(IndicatorSyntax, Ja4FollowsTheFingerprintLayout) {
  // Shapes from the JA4 specification: TCP, QUIC and DTLS, with and without SNI and ALPN.
  EXPECT_TRUE(is_ja4("t13d1516h2_8daaf6152771_e5627efa2ab1"));
  EXPECT_TRUE(is_ja4("q13d0310h3_55b375c5d22e_cd85d2d88918"));
  EXPECT_TRUE(is_ja4("t12i370500_07a749158664_d075105c1994"));
  EXPECT_TRUE(is_ja4("d00i000000_000000000000_000000000000"));
  EXPECT_EQ(canonical(IndicatorKind::kJa4, "T13D1516H2_8DAAF6152771_E5627EFA2AB1"),
            "t13d1516h2_8daaf6152771_e5627efa2ab1");
  EXPECT_FALSE(is_ja4("x13d1516h2_8daaf6152771_e5627efa2ab1"));   // protocol
  EXPECT_FALSE(is_ja4("t13x1516h2_8daaf6152771_e5627efa2ab1"));   // SNI flag
  EXPECT_FALSE(is_ja4("t13d15a6h2_8daaf6152771_e5627efa2ab1"));   // counts are digits
  EXPECT_FALSE(is_ja4("t13d1516h2-8daaf6152771_e5627efa2ab1"));   // separator
  EXPECT_FALSE(is_ja4("t13d1516h2_8daaf615277z_e5627efa2ab1"));   // hash is hex
  EXPECT_FALSE(is_ja4("t13d1516h2_8daaf6152771_e5627efa2ab"));    // short
  EXPECT_FALSE(is_ja4("t13d1516h2_8daaf6152771_e5627efa2ab1_"));  // long
}

TEST(IndicatorSyntax, DomainSuffixAcceptsWildcardPrefixes) {
  EXPECT_EQ(canonical(IndicatorKind::kDomainSuffix, "*.Example.com"), "example.com");
  EXPECT_EQ(canonical(IndicatorKind::kDomainSuffix, ".example.com"), "example.com");
  EXPECT_EQ(canonical(IndicatorKind::kDomain, "*.example.com"),
            "error: character '*' not allowed in a host name");
}

TEST(IndicatorSyntax, UrlPatternsMustCompileAndNotMatchEverything) {
  EXPECT_EQ(canonical(IndicatorKind::kUrlRegex, R"(^[^/]+/wf/open\?upn=)"),
            R"(^[^/]+/wf/open\?upn=)");
  EXPECT_EQ(canonical(IndicatorKind::kUrlRegex, "^pixel/(open"),
            "error: invalid RE2 pattern: missing ): ^pixel/(open");
  EXPECT_EQ(canonical(IndicatorKind::kUrlRegex, ".*"),
            "error: pattern matches the empty string, so it would match every URL");
  EXPECT_EQ(canonical(IndicatorKind::kUrlRegex, "(track)?"),
            "error: pattern matches the empty string, so it would match every URL");
  EXPECT_EQ(canonical(IndicatorKind::kUrlRegex, ""), "error: empty pattern");
  // Perl lookahead is not RE2: the portable engine refuses it rather than misreading it.
  EXPECT_EQ(canonical(IndicatorKind::kUrlRegex, "open(?=\\.gif)").rfind("error: invalid RE2", 0),
            0u);
}

TEST(IpPrefix, ParsesAddressesAndPrefixesOfBothFamilies) {
  EXPECT_EQ(canonical(IndicatorKind::kIp, "192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "192.0.2.1/32"), "192.0.2.1");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "198.51.100.0/24"), "198.51.100.0/24");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "0.0.0.0/0"), "0.0.0.0/0");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "2001:DB8:0:0::/32"), "2001:db8::/32");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "2001:db8::1/128"), "2001:db8::1");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "::/0"), "::/0");
}

TEST(IpPrefix, RefusesMalformedPrefixes) {
  EXPECT_EQ(canonical(IndicatorKind::kIp, "192.0.2.1/24"),
            "error: address has bits set past /24 (write the network address)");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "192.0.2.0/33"), "error: prefix length must be 0..32");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "2001:db8::/129"), "error: prefix length must be 0..128");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "192.0.2.0/"), "error: prefix length must be 0..32");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "192.0.2.0/2x"), "error: prefix length must be 0..32");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "192.0.2.0/-1"), "error: prefix length must be 0..32");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "192.0.2"), "error: not an IPv4 or IPv6 address");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "256.0.0.1"), "error: not an IPv4 or IPv6 address");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "fe80::1%eth0"), "error: not an IPv4 or IPv6 address");
  EXPECT_EQ(canonical(IndicatorKind::kIp, "example.com"), "error: not an IPv4 or IPv6 address");
  EXPECT_EQ(canonical(IndicatorKind::kIp, std::string(60, '1')),
            "error: not an IPv4 or IPv6 address");
}

TEST(IpPrefix, HostBitsAreCheckedPastOddLengths) {
  IpPrefix prefix;
  std::string reason;
  ASSERT_TRUE(parse_ip_prefix("10.0.0.0/7", prefix, reason)) << reason;
  EXPECT_EQ(prefix.length, 7);
  EXPECT_FALSE(parse_ip_prefix("11.0.0.0/7", prefix, reason));  // bit 7 set
  EXPECT_TRUE(parse_ip_prefix("2001:db8:8000::/33", prefix, reason)) << reason;
  EXPECT_FALSE(parse_ip_prefix("2001:db8:4000::/33", prefix, reason));
}

}  // namespace
}  // namespace bw::intel
