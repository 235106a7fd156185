// URL analysis and directory matching run per request: after setup they must not touch the heap.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "sensor/detect/recipient_directory.h"
#include "sensor/detect/url_tokens.h"
#include "tests/support/allocation_counter.h"

namespace bw::detect {
namespace {

TEST(DetectNoAllocation, AnalysisAndMatchingStayOffTheHeap) {
  RecipientDirectory directory;
  ASSERT_TRUE(directory.add("John.Doe@Parliament.example"));
  ASSERT_TRUE(directory.add("anna.berg+news@ministry.example.org"));
  const std::string long_url = "/x/" + std::string(10'000, 'W') + "?e=3f2a9c0e4b7d11ee";
  const std::string urls[] = {
      "/track/open.php?u=8a3f0c19d2b74e6a5c1f09e3d&id=4b7e2a91fc&e=am9obi5kb2VAcGFybGlhbWVudC5l"
      "eGFtcGxl",
      "http://A3F9E0C2B1D4.t.News-Example.com/o/eyJ1IjoxMjM0fQ/pixel.png#frag",
      "/t?d=eyJlbSI6ImpvaG4uZG9lQHBhcmxpYW1lbnQuZXhhbXBsZSJ9&x=%zz",
      long_url,
  };
  const std::string names[] = {
      "john-doe-parliament-example.t.tracker.example",
      "700c1372a8ff2e66e6f6938545413433.open.vendor.example",
      "am9obi5kb2VAcGFybGlhbWVudC5leGFtcGxl.t.vendor.example",
      "www.example.org",
      std::string(250, 'x') + ".t.tracker.example",
  };
  UrlTokenCounters counters;
  std::size_t tokens = 0;
  std::size_t matches = 0;
  std::size_t host_matches = 0;
  bw::testing::set_allocation_counting(true);
  for (const std::string& name : names) {
    RecipientDirectory::HostNameMatch m;
    if (directory.match_host_name(name, m)) ++host_matches;
  }
  for (const std::string& url : urls) {
    tokens += analyse_url(url, counters).tokens.size();
    tokens += analyse_dns_name("a3f9e0c2b1d4.t.news-example.com", counters).tokens.size();
    RecipientDirectory::Match m;
    if (directory.match(url, m)) ++matches;
  }
  bw::testing::set_allocation_counting(false);
  EXPECT_EQ(bw::testing::allocation_count(), 0u);
  EXPECT_EQ(matches, 2u);
  EXPECT_EQ(host_matches, 3u);
  EXPECT_GT(tokens, 8u);
}

}  // namespace
}  // namespace bw::detect
