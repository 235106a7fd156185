#include "sensor/intel/intel_holder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/intel/intel_test_support.h"

namespace bw::intel {
namespace {

using test::feed_text;
using test::ScratchDir;

constexpr std::string_view kJa3 = "e7d705a3286e19ea42f587b344ee6865";

// One generation of feeds: every indicator carries the generation's label, and generation B has
// three more host indicators than A, so a reader can tell a whole set from a mixed one.
struct Generation {
  std::string label;
  std::size_t extra_hosts = 0;
  std::size_t indicator_count() const { return 5 + extra_hosts; }
};

std::string write_generation(const ScratchDir& dir, const Generation& g) {
  std::vector<std::string> hosts = {"marker.test\t" + g.label};
  for (std::size_t i = 0; i < g.extra_hosts; ++i) {
    hosts.push_back("extra" + std::to_string(i) + ".test\t" + g.label);
  }
  const std::string folder = g.label + "/";
  dir.write(folder + "hosts.feed", feed_text("domain", "email-tracker", hosts));
  dir.write(folder + "suffixes.feed",
            feed_text("domain-suffix", "email-tracker", {"suffix.test\t" + g.label}));
  dir.write(folder + "ips.feed", feed_text("ip", "ioc", {"198.51.100.0/24\t" + g.label}));
  dir.write(folder + "urls.feed",
            feed_text("url-regex", "email-tracker", {R"(^marker\.test/pixel	)" + g.label}));
  dir.write(folder + "ja3.feed", feed_text("ja3", "ioc", {std::string(kJa3) + "\t" + g.label}));
  return dir.path(g.label);
}

// Every kind of match must come from the same generation, and the set's size must be that
// generation's: anything else means a reader saw a mix of two sets.
bool consistent(const IntelSet& set, const std::vector<Generation>& generations) {
  IpAddress address;
  parse_ip_address("198.51.100.9", address);
  IntelHit host, suffix, ip, url, ja3;
  if (!set.match_host("marker.test", host) || !set.match_host("a.suffix.test", suffix) ||
      !set.match_ip(address, ip) || !set.match_url("marker.test/pixel.gif", url) ||
      !set.match_ja3(kJa3, ja3)) {
    return false;
  }
  for (const IntelHit* hit : {&suffix, &ip, &url, &ja3}) {
    if (hit->label != host.label) return false;
  }
  for (const Generation& g : generations) {
    if (host.label == g.label) return set.indicator_count() == g.indicator_count();
  }
  return false;
}

TEST(IntelHolder, StartsEmptyAndPublishesReloads) {
  ScratchDir dir("holder_basic");
  const std::string a = write_generation(dir, {"gen-A", 0});
  IntelHolder holder;
  EXPECT_EQ(holder.current()->indicator_count(), 0u);
  EXPECT_EQ(holder.generation(), 0u);
  std::vector<std::string> problems;
  ASSERT_TRUE(holder.reload({a}, problems));
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(holder.generation(), 1u);
  EXPECT_TRUE(consistent(*holder.current(), {{"gen-A", 0}}));
  EXPECT_FALSE(holder.replace(nullptr));
  EXPECT_EQ(holder.generation(), 1u);
}

TEST(IntelHolder, FailedReloadKeepsTheCurrentSetAndSaysWhy) {
  ScratchDir dir("holder_fail");
  const std::string a = write_generation(dir, {"gen-A", 0});
  std::vector<std::string> problems;
  IntelHolder holder(IntelSet::load({a}, problems));
  ASSERT_TRUE(problems.empty());
  const std::shared_ptr<const IntelSet> before = holder.current();

  ASSERT_FALSE(holder.reload({a, dir.path("gone.feed")}, problems));
  const std::vector<std::string> unreadable = {
      dir.path("gone.feed") + ": cannot open: No such file or directory",
      "reload failed; keeping the current set (generation 0)"};
  EXPECT_EQ(problems, unreadable);
  EXPECT_EQ(holder.current(), before);
  EXPECT_EQ(holder.generation(), 0u);

  problems.clear();
  const std::string broken =
      dir.write("broken.feed", "# beaconwatch-feed v1 kind=domain\nx.test\tX\n");
  ASSERT_FALSE(holder.reload({broken}, problems));
  EXPECT_EQ(problems.size(), 2u);
  EXPECT_EQ(holder.current(), before);

  // Bad lines alone do not fail a reload: the rest is published, the lines are reported.
  problems.clear();
  const std::string partly_bad =
      dir.write("partly.feed", feed_text("domain", "ioc", {"ok.test\tOK", "not ok\tBad"}));
  ASSERT_TRUE(holder.reload({partly_bad}, problems));
  EXPECT_EQ(problems.size(), 1u);
  EXPECT_NE(holder.current(), before);
  EXPECT_EQ(holder.current()->indicator_count(), 1u);
  EXPECT_EQ(holder.generation(), 1u);
}

TEST(IntelHolder, ReplacedSetIsReleasedByTheNextReloadNotByReaders) {
  std::vector<std::string> problems;
  auto first = IntelSet::build({{"a", feed_text("domain", "ioc", {"a.test\tA"})}}, problems);
  const std::weak_ptr<const IntelSet> watch = first;
  IntelHolder holder(std::move(first));
  ASSERT_TRUE(holder.replace(IntelSet::empty()));
  EXPECT_FALSE(watch.expired());  // retired, kept for readers that still hold it
  ASSERT_TRUE(holder.replace(IntelSet::empty()));
  EXPECT_TRUE(watch.expired());
}

TEST(IntelReader, RefreshesItsSnapshotOnlyWhenTheGenerationMoves) {
  std::vector<std::string> problems;
  IntelHolder holder(IntelSet::build({{"a", feed_text("domain", "ioc", {"a.test\tA"})}}, problems));
  IntelReader reader(holder);
  const IntelSet* first = &reader.set();
  EXPECT_EQ(&reader.set(), first);
  EXPECT_EQ(reader.generation(), 0u);

  holder.replace(IntelSet::build({{"b", feed_text("domain", "ioc", {"b.test\tB"})}}, problems));
  const IntelSet& second = reader.set();
  EXPECT_NE(&second, first);
  EXPECT_EQ(reader.generation(), 1u);
  IntelHit hit;
  EXPECT_TRUE(second.match_host("b.test", hit));
  EXPECT_FALSE(second.match_host("a.test", hit));
}

TEST(IntelHolder, ReadersStayConsistentWhileReloadsSwapFiftyTimes) {
  ScratchDir dir("holder_threads");
  const std::vector<Generation> generations = {{"gen-A", 0}, {"gen-B", 3}};
  const std::vector<std::string> paths = {write_generation(dir, generations[0]),
                                          write_generation(dir, generations[1])};
  std::vector<std::string> problems;
  IntelHolder holder(IntelSet::load({paths[0]}, problems));
  ASSERT_TRUE(problems.empty());

  constexpr int kReaders = 4;
  constexpr int kReloads = 50;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> inconsistent{0};
  std::vector<std::uint64_t> reads(kReaders, 0);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      // Half the readers go through a per-worker IntelReader, half fetch current() each time.
      IntelReader reader(holder);
      const bool cached = r % 2 == 0;
      while (!stop.load(std::memory_order_relaxed) || reads[r] == 0) {
        const std::shared_ptr<const IntelSet> snapshot = cached ? nullptr : holder.current();
        const IntelSet& set = cached ? reader.set() : *snapshot;
        if (!consistent(set, generations)) inconsistent.fetch_add(1);
        ++reads[r];
      }
    });
  }
  int reloaded = 0;
  for (int i = 1; i <= kReloads; ++i) {
    std::vector<std::string> reload_problems;
    reloaded += holder.reload({paths[i % 2]}, reload_problems) ? 1 : 0;
    EXPECT_TRUE(reload_problems.empty());
  }
  stop = true;
  for (std::thread& t : readers)
    t.join();

  EXPECT_EQ(reloaded, kReloads);
  EXPECT_EQ(holder.generation(), static_cast<std::uint64_t>(kReloads));
  EXPECT_EQ(inconsistent.load(), 0u);
  for (int r = 0; r < kReaders; ++r)
    EXPECT_GT(reads[r], 0u) << "reader " << r;
  // 50 is even: the last reload published generation A again.
  EXPECT_TRUE(consistent(*holder.current(), {generations[0]}));
}

}  // namespace
}  // namespace bw::intel
