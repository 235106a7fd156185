#include "sensor/intel/host_name.h"

#include <gtest/gtest.h>

#include <string>

namespace bw::intel {
namespace {

std::string normalized(std::string_view raw) {
  HostText out;
  if (!normalize_host(raw, out)) return "<unusable>";
  return std::string(out.view());
}

TEST(NormalizeHost, LowercasesAndDropsPortAndTrailingDot) {
  EXPECT_EQ(normalized("Pixel.Example.COM"), "pixel.example.com");
  EXPECT_EQ(normalized("pixel.example.com:8080"), "pixel.example.com");
  EXPECT_EQ(normalized("pixel.example.com."), "pixel.example.com");
  EXPECT_EQ(normalized("pixel.example.com.:443"), "pixel.example.com");
  EXPECT_EQ(normalized("  pixel.example.com \t"), "pixel.example.com");
  EXPECT_EQ(normalized("user:secret@Pixel.Example.com:80"), "pixel.example.com");
}

TEST(NormalizeHost, HandlesIpv6LiteralsWithAndWithoutBrackets) {
  EXPECT_EQ(normalized("[2001:DB8::1]:443"), "2001:db8::1");
  EXPECT_EQ(normalized("[2001:db8::1]"), "2001:db8::1");
  EXPECT_EQ(normalized("2001:db8::1"), "2001:db8::1");   // bare: colons are not a port
  EXPECT_EQ(normalized("[2001:db8::1"), "2001:db8::1");  // unterminated bracket
  EXPECT_EQ(normalized("192.0.2.7:80"), "192.0.2.7");
}

TEST(NormalizeHost, RefusesEmptyAndOverlongNames) {
  EXPECT_EQ(normalized(""), "<unusable>");
  EXPECT_EQ(normalized("."), "<unusable>");
  EXPECT_EQ(normalized(":80"), "<unusable>");
  EXPECT_EQ(normalized("[]:80"), "<unusable>");
  const std::string longest(kMaxHostLength, 'a');
  EXPECT_EQ(normalized(longest), longest);
  EXPECT_EQ(normalized(longest + "."), longest);
  EXPECT_EQ(normalized(longest + "a"), "<unusable>");
}

TEST(LooksLikeIpLiteral, TellsAddressesFromNames) {
  EXPECT_TRUE(looks_like_ip_literal("192.0.2.1"));
  EXPECT_TRUE(looks_like_ip_literal("2001:db8::1"));
  EXPECT_FALSE(looks_like_ip_literal("1234"));
  EXPECT_FALSE(looks_like_ip_literal("192.0.2.example"));
  EXPECT_FALSE(looks_like_ip_literal("example.com"));
}

std::string canonical_or_reason(std::string_view text) {
  std::string out;
  std::string reason;
  return canonical_domain(text, out, reason) ? out : "error: " + reason;
}

TEST(CanonicalDomain, AcceptsHostNamesInCanonicalForm) {
  EXPECT_EQ(canonical_or_reason("List-Manage.COM."), "list-manage.com");
  EXPECT_EQ(canonical_or_reason("_dmarc.example.org"), "_dmarc.example.org");
  EXPECT_EQ(canonical_or_reason("xn--bcher-kva.example"), "xn--bcher-kva.example");
  EXPECT_EQ(canonical_or_reason("com"), "com");
}

TEST(CanonicalDomain, ExplainsWhatIsWrong) {
  EXPECT_EQ(canonical_or_reason(""), "error: empty host name");
  EXPECT_EQ(canonical_or_reason("a..b"), "error: empty label in host name");
  EXPECT_EQ(canonical_or_reason(".a.b"), "error: empty label in host name");
  EXPECT_EQ(canonical_or_reason("a.b.."), "error: empty label in host name");
  EXPECT_EQ(canonical_or_reason("example.com Mailchimp"),
            "error: space (fields are separated by tabs) not allowed in a host name");
  EXPECT_EQ(canonical_or_reason("exa*mple.com"), "error: character '*' not allowed in a host name");
  EXPECT_EQ(canonical_or_reason("b\xc3\xbc"
                                "cher.example"),
            "error: non-ASCII byte (write internationalised names in punycode, xn--) not "
            "allowed in a host name");
  EXPECT_EQ(canonical_or_reason("a\x01.example"),
            "error: control byte 0x01 not allowed in a host name");
  EXPECT_EQ(canonical_or_reason(std::string(64, 'a') + ".example"),
            "error: label longer than 63 characters");
  EXPECT_EQ(canonical_or_reason(std::string(63, 'a') + ".example"),
            std::string(63, 'a') + ".example");
  std::string too_long;
  for (int i = 0; i < 64; ++i)
    too_long += "abc.";
  EXPECT_EQ(canonical_or_reason(too_long + "com"), "error: host name longer than 253 characters");
  EXPECT_EQ(canonical_or_reason("192.0.2.1"),
            "error: an address, not a host name (put it in an ip feed)");
}

}  // namespace
}  // namespace bw::intel
