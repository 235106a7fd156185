#include <gtest/gtest.h>

#include <string>

#include "sensor/correlate/public_suffix.h"

namespace bw::correlate {
namespace {

std::string domain_of(const PublicSuffixList& list, std::string_view host) {
  FixedString<256> out;
  list.registrable_domain(host, out);
  return std::string(out.view());
}

TEST(PublicSuffixCache, RepeatedHostsAreAnsweredFromTheCache) {
  const PublicSuffixList list;
  EXPECT_EQ(domain_of(list, "img.tracker.example.co.uk"), "example.co.uk");
  EXPECT_EQ(list.cache_misses(), 1u);
  // Case, port and trailing dot are normalised before the cache is consulted.
  EXPECT_EQ(domain_of(list, "IMG.Tracker.Example.CO.UK.:8080"), "example.co.uk");
  EXPECT_EQ(list.cache_hits(), 1u);
  EXPECT_EQ(list.cache_misses(), 1u);
}

// Far more hosts than cache entries, asked twice: answers never come from a colliding entry.
TEST(PublicSuffixCache, CollidingHostsKeepTheirOwnAnswers) {
  const PublicSuffixList list;
  const std::size_t hosts = 4 * PublicSuffixList::kCacheEntries;
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 0; i < hosts; ++i) {
      const std::string name = "a.site" + std::to_string(i) + (i % 2 == 0 ? ".com" : ".co.uk");
      const std::string expected = "site" + std::to_string(i) + (i % 2 == 0 ? ".com" : ".co.uk");
      ASSERT_EQ(domain_of(list, name), expected) << name;
    }
  }
  EXPECT_EQ(list.cache_hits() + list.cache_misses(), 2 * hosts);
  EXPECT_GT(list.cache_misses(), hosts);  // evictions: the second round could not hit everywhere
}

TEST(PublicSuffixCache, IpLiteralsAndEmptyHostsBypassTheCache) {
  const PublicSuffixList list;
  EXPECT_EQ(domain_of(list, "192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(domain_of(list, "[2001:db8::1]:443"), "2001:db8::1");
  EXPECT_EQ(domain_of(list, ""), "");
  EXPECT_EQ(list.cache_hits() + list.cache_misses(), 0u);
}

}  // namespace
}  // namespace bw::correlate
