// The match functions run per request and per handshake on worker threads: after RE2's DFA cache
// has warmed up they must make no heap allocation at all. Counted by replacing operator new for
// this test binary (only while the counting flag of the calling thread is set).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "sensor/intel/intel_set.h"
#include "tests/support/allocation_counter.h"

namespace bw::intel {
namespace {

TEST(MatchAllocation, WarmMatchesDoNotAllocate) {
  std::vector<std::string> problems;
  auto set = IntelSet::load({std::string(BW_SOURCE_DIR) + "/sensor/intel/data"}, problems);
  ASSERT_TRUE(set);
  std::vector<std::string> extra;
  auto iocs = IntelSet::build(
      {{"ip", "# beaconwatch-feed v1 kind=ip category=ioc label=X\n192.0.2.0/24\n2001:db8::/32\n"},
       {"ja3",
        "# beaconwatch-feed v1 kind=ja3 category=ioc label=X\n" + std::string(32, 'a') + "\n"},
       {"ja4",
        "# beaconwatch-feed v1 kind=ja4 category=ioc label=X\n"
        "t13d1516h2_8daaf6152771_e5627efa2ab1\n"}},
      extra);
  ASSERT_TRUE(iocs);

  const std::vector<std::string> hosts = {"us1.list-manage.com", "www.example.com:443",
                                          "ci3.googleusercontent.com.", "[2001:db8::1]:80",
                                          std::string(300, 'h')};
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"us1.list-manage.com", "/track/open.php?u=1&id=2&e=3"},
      {"links.shop.example", "/wf/open?upn=abcdef"},
      {"www.example.com", "/index.html"},
      {"www.example.com", "/" + std::string(5000, 'x')},
      {"proxy.example", "http://ci3.googleusercontent.com/meips/abc"},
  };
  IpAddress v4;
  ASSERT_TRUE(parse_ip_address("192.0.2.77", v4));
  const std::string upper_ja3(32, 'A');  // a fingerprint as some exporters write it
  IntelMatchCounters counters;
  std::size_t hits = 0;
  const auto match_everything = [&] {
    IntelHit hit;
    for (const std::string& h : hosts)
      hits += set->match_host(h, hit, &counters);
    for (const auto& [h, target] : requests)
      hits += set->match_url(h, target, hit, &counters);
    hits += iocs->match_ip(v4, hit);
    hits += iocs->match_ja3(upper_ja3, hit, &counters);
    hits += iocs->match_ja4("t13d1516h2_8daaf6152771_e5627efa2ab1", hit, &counters);
  };
  match_everything();  // warms RE2's DFA caches
  hits = 0;
  bw::testing::set_allocation_counting(true);
  bw::testing::reset_allocation_count();
  for (int i = 0; i < 20; ++i)
    match_everything();
  bw::testing::set_allocation_counting(false);
  EXPECT_EQ(bw::testing::allocation_count(), 0u);
  // Per round: 2 hosts (list-manage, googleusercontent), 3 requests, the ip, ja3 and ja4.
  EXPECT_EQ(hits, 20u * 8u);
  EXPECT_EQ(counters.host_unusable, 21u);  // the 300-byte host, every round
  EXPECT_EQ(counters.url_truncated, 21u);  // the 5000-byte path, every round
}

}  // namespace
}  // namespace bw::intel
