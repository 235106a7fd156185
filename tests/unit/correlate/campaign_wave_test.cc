// Mass waves: the campaign tracker's bounded membership (exact, then sketched), its windows, the
// rate limit on campaign updates, and the bounded state behind retroactive alerts. Everything is
// checked by counts and sizes, never by timing.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "sensor/correlate/beacon_detector.h"
#include "sensor/correlate/campaign_tracker.h"
#include "sensor/correlate/cardinality_sketch.h"
#include "sensor/correlate/pending_alerts.h"
#include "tests/unit/correlate/detector_events.h"

namespace bw::correlate {
namespace {

constexpr TimestampNs kHour = 3600 * kNsPerSecond;
constexpr TimestampNs kMs = kNsPerSecond / 1000;

IpAddress host_address(std::uint32_t n) {
  const std::uint8_t bytes[4] = {10, static_cast<std::uint8_t>(64 + (n >> 16)),
                                 static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  return IpAddress::v4(bytes);
}

std::string token_of(std::uint32_t n) {
  char text[40];
  std::snprintf(text, sizeof text, "%08x%08x%08x%08x", n, n * 2654435761u, ~n, n ^ 0x5bd1e995u);
  return text;
}

// Relative error allowed for a sketched count: 4 standard errors of a 2^11-register HLL (the
// hashes are fixed, so a passing count passes every time).
constexpr double kSketchTolerance = 4 * 1.04 / 45.25;

void expect_near_count(std::uint32_t estimate, double truth) {
  EXPECT_LE(std::fabs(estimate - truth) / truth, kSketchTolerance)
      << "estimate " << estimate << " for " << truth;
}

struct Wave {
  CampaignTracker& tracker;
  CampaignVerdict join(std::uint32_t host, TimestampNs ts, std::string_view token) const {
    return tracker.observe(CampaignObservation{"template",
                                               "news.example/open/{hex32}.gif",
                                               Scheme::kHttp,
                                               host_address(host),
                                               token,
                                               {},
                                               ts,
                                               true});
  }
  CampaignVerdict join(std::uint32_t host, TimestampNs ts) const {
    const std::string token = token_of(host);
    return join(host, ts, token);
  }
  CampaignUpdate describe() const {
    CampaignUpdate update;
    tracker.describe(CampaignObservation{"template",
                                         "news.example/open/{hex32}.gif",
                                         Scheme::kHttp,
                                         host_address(0),
                                         {},
                                         {},
                                         0,
                                         true},
                     update);
    return update;
  }
};

TEST(HyperLogLog, EstimatesWithinItsErrorFromTenToAMillion) {
  HyperLogLog sketch;
  std::uint32_t inserted = 0;
  for (const std::uint32_t target : {10u, 100u, 1000u, 10000u, 100000u, 1000000u}) {
    for (; inserted < target; ++inserted)
      sketch.insert(hash_address(host_address(inserted)));
    const double estimate = sketch.estimate();
    EXPECT_LE(std::fabs(estimate - target) / target, kSketchTolerance)
        << target << " -> " << estimate;
  }
  // Inserting the same elements again changes nothing.
  const double before = sketch.estimate();
  for (std::uint32_t i = 0; i < 1000; ++i)
    EXPECT_FALSE(sketch.insert(hash_address(host_address(i))));
  EXPECT_EQ(sketch.estimate(), before);
}

TEST(HyperLogLog, TextHashesAreStableAndNeverZero) {
  // Byte loads, not casts: the same value on every platform and alignment.
  EXPECT_EQ(hash_text("3f2a9c0e4b7d11ee9a1c0242ac120002"),
            hash_text(std::string("x3f2a9c0e4b7d11ee9a1c0242ac120002").substr(1)));
  EXPECT_NE(hash_text(""), 0u);
  EXPECT_NE(hash_text("a"), hash_text("b"));
}

TEST(WindowedSketch, ForgetsBetweenOneAndOneAndAQuarterWindowsLater) {
  const TimestampNs window = 400 * kNsPerSecond;  // epochs of 100 s
  WindowedSketch sketch(window);
  for (std::uint32_t i = 0; i < 5000; ++i)
    sketch.insert(hash_address(host_address(i)), 10 * kNsPerSecond);
  expect_near_count(sketch.count(), 5000);
  // Still counted a whole window later: expiry is never early.
  sketch.insert(hash_address(host_address(900000)), 10 * kNsPerSecond + window);
  expect_near_count(sketch.count(), 5001);
  EXPECT_FALSE(sketch.expired_at(10 * kNsPerSecond + window));
  // Gone once its epoch leaves the ring (at most a quarter window late).
  sketch.insert(hash_address(host_address(900001)), 10 * kNsPerSecond + window * 5 / 4);
  EXPECT_LE(sketch.count(), 3u);
  EXPECT_TRUE(sketch.expired_at(10 * kNsPerSecond + window * 3));
}

TEST(CampaignWave, CountsExactlyUpToTheCapThenSketchesWithinTheErrorBound) {
  CampaignTracker tracker(3, kHour, 16, CampaignLimits{1000, 262144, 60 * kNsPerSecond});
  const Wave wave{tracker};
  for (std::uint32_t h = 0; h < 1000; ++h) {
    const CampaignVerdict v = wave.join(h, h * kMs);
    EXPECT_TRUE(v.new_host);
    EXPECT_FALSE(v.sketched);
  }
  EXPECT_EQ(wave.describe().distinct_hosts, 1000u);  // exact up to the cap
  EXPECT_EQ(wave.describe().distinct_tokens, 1000u);
  EXPECT_EQ(tracker.exact_members(), 1000u);
  // A host already counted is no news, and no switch.
  EXPECT_FALSE(wave.join(5, 1000 * kMs).new_host);
  EXPECT_EQ(tracker.sketched_keys(), 0u);

  const CampaignVerdict first_sketched = wave.join(1000, 1001 * kMs);
  EXPECT_TRUE(first_sketched.became_sketched);
  EXPECT_TRUE(first_sketched.sketched);
  EXPECT_TRUE(first_sketched.is_campaign);
  EXPECT_EQ(tracker.sketched_keys(), 1u);
  EXPECT_EQ(tracker.exact_members(), 0u);  // the exact set gave its memory back
  for (std::uint32_t h = 1001; h < 20000; ++h)
    wave.join(h, h * kMs);
  const CampaignUpdate update = wave.describe();
  expect_near_count(update.distinct_hosts, 20000);
  expect_near_count(update.distinct_tokens, 20000);
  // The member list still names the latest hosts, oldest first.
  ASSERT_EQ(update.members.size(), 32u);
  EXPECT_EQ(update.members[31].client_ip, host_address(19999));
  EXPECT_EQ(update.members[0].client_ip, host_address(19968));
}

TEST(CampaignWave, TwoHundredThousandJoinsStayWithinTheCaps) {
  CampaignTracker tracker(3, kHour, 4096);
  const Wave wave{tracker};
  std::size_t most_exact = 0;
  std::size_t sketched = 0;
  for (std::uint32_t h = 0; h < 200000; ++h) {
    const CampaignVerdict v = wave.join(h, h * kMs);
    sketched += v.sketched ? 1 : 0;
    most_exact = std::max(most_exact, tracker.exact_members());
  }
  EXPECT_EQ(most_exact, 4096u);
  EXPECT_EQ(sketched, 200000u - 4096u);
  EXPECT_EQ(tracker.keys(), 1u);
  EXPECT_EQ(tracker.held_updates(), 0u);
  expect_near_count(wave.describe().distinct_hosts, 200000);
}

TEST(CampaignWave, ExactMembersAreBoundedOverAllCampaigns) {
  CampaignTracker tracker(3, kHour, 64, CampaignLimits{4096, 2048, 60 * kNsPerSecond});
  for (std::uint32_t key = 0; key < 32; ++key) {
    const std::string name = "t" + std::to_string(key) + ".example/{hex32}";
    for (std::uint32_t h = 0; h < 200; ++h) {
      tracker.observe(CampaignObservation{
          "template", name, Scheme::kHttp, host_address(h), token_of(h), {}, h * kMs, true});
      ASSERT_LE(tracker.exact_members(), 2048u);
    }
  }
  // The first ten campaigns fit the budget; the rest count by sketch.
  EXPECT_EQ(tracker.sketched_keys(), 32u - 2048u / 200u);
}

TEST(CampaignWave, AWindowThatEmptiesResetsTheCampaignSoALaterWaveFormsAgain) {
  CampaignTracker tracker(3, kHour, 16);
  const Wave wave{tracker};
  wave.join(1, 0);
  wave.join(2, kNsPerSecond);
  EXPECT_TRUE(wave.join(3, 2 * kNsPerSecond).just_formed);
  EXPECT_FALSE(wave.join(4, 3 * kNsPerSecond).just_formed);
  // Hours later: the first wave has left the window; a second one forms (and is news) again.
  const TimestampNs later = 5 * kHour;
  EXPECT_FALSE(wave.join(1, later).is_campaign);
  EXPECT_FALSE(wave.join(2, later + 1).is_campaign);
  EXPECT_TRUE(wave.join(3, later + 2).just_formed);
  EXPECT_EQ(wave.describe().distinct_hosts, 3u);
  EXPECT_EQ(wave.describe().first_seen, later);
}

TEST(CampaignWave, ASketchedCampaignResetsToExactWhenItsWindowEmpties) {
  CampaignTracker tracker(3, kHour, 16, CampaignLimits{100, 262144, 60 * kNsPerSecond});
  const Wave wave{tracker};
  for (std::uint32_t h = 0; h < 500; ++h)
    wave.join(h, h * kMs);
  EXPECT_EQ(tracker.sketched_keys(), 1u);
  const TimestampNs later = 3 * kHour;
  EXPECT_FALSE(wave.join(7, later).is_campaign);
  EXPECT_EQ(tracker.sketched_keys(), 0u);
  EXPECT_EQ(wave.describe().distinct_hosts, 1u);
  wave.join(8, later + 1);
  EXPECT_TRUE(wave.join(9, later + 2).just_formed);
}

// Drives request_update() as the detector does: every new host concerns beacons.
struct RateLimited {
  CampaignTracker tracker{3, kHour, 16, CampaignLimits{4096, 262144, 10 * kNsPerSecond}};
  std::vector<std::uint32_t> updates;  // distinct_hosts of each update that went out
  std::uint32_t suppressed = 0;

  void due(TimestampNs now) {
    exporter::EventRecord out;
    while (tracker.next_due_update(now, out))
      updates.push_back(std::get<CampaignUpdate>(out.body).distinct_hosts);
  }
  void join(std::uint32_t host, TimestampNs ts) {
    due(ts);
    const std::string token = token_of(host);
    const CampaignObservation o{"template",
                                "news.example/open/{hex32}.gif",
                                Scheme::kHttp,
                                host_address(host),
                                token,
                                {},
                                ts,
                                true};
    const CampaignVerdict v = tracker.observe(o);
    if (!v.is_campaign || !v.new_host) return;
    exporter::EventRecord event;
    event.ts = ts;
    exporter::EventRecord out;
    if (tracker.request_update(o, event, out)) {
      updates.push_back(std::get<CampaignUpdate>(out.body).distinct_hosts);
    } else {
      ++suppressed;
    }
  }
};

TEST(CampaignWave, UpdatesGoOutOnFormationOnDoublingAndAtMostOncePerInterval) {
  RateLimited r;
  // One new host per second.
  for (std::uint32_t h = 1; h <= 5; ++h)
    r.join(h, h * kNsPerSecond);
  EXPECT_EQ(r.updates, (std::vector<std::uint32_t>{3}));  // formed at 3; 4 and 5 are no news
  EXPECT_EQ(r.suppressed, 2u);
  r.join(6, 6 * kNsPerSecond);  // doubled, but only 3 s after the last update: held
  EXPECT_EQ(r.updates.size(), 1u);
  EXPECT_EQ(r.tracker.held_updates(), 1u);
  for (std::uint32_t h = 7; h <= 12; ++h)
    r.join(h, h * kNsPerSecond);
  // The held doubling went out when the interval ended (at 13 s, the 13th host's event), with
  // the counts of that time.
  r.join(13, 13 * kNsPerSecond);
  EXPECT_EQ(r.updates, (std::vector<std::uint32_t>{3, 12}));
  // 24 hosts is the next doubling, and the interval has passed by then: out at once.
  for (std::uint32_t h = 14; h <= 24; ++h)
    r.join(h, h * kNsPerSecond);
  EXPECT_EQ(r.updates, (std::vector<std::uint32_t>{3, 12, 24}));
  // Growth short of a doubling goes out once the campaign is quiet for an interval...
  for (std::uint32_t h = 25; h <= 30; ++h)
    r.join(h, h * kNsPerSecond);
  EXPECT_EQ(r.updates.size(), 3u);
  r.due(40 * kNsPerSecond);
  EXPECT_EQ(r.updates, (std::vector<std::uint32_t>{3, 12, 24, 30}));
  // ... or at the end of the stream, whatever the time.
  r.join(31, 41 * kNsPerSecond);
  r.join(32, 42 * kNsPerSecond);
  r.due(CampaignTracker::kFlushAll);
  EXPECT_EQ(r.updates, (std::vector<std::uint32_t>{3, 12, 24, 30, 32}));
  EXPECT_EQ(r.tracker.held_updates(), 0u);
}

TEST(CampaignWave, AHundredThousandHostWaveIsAHandfulOfUpdatesEndingWithTheFinalCount) {
  RateLimited r;
  // 100k hosts in 100 s of packet time.
  for (std::uint32_t h = 0; h < 100000; ++h)
    r.join(h, h * kMs);
  r.due(CampaignTracker::kFlushAll);
  EXPECT_LE(r.updates.size(), 16u);
  // Past the exact cap only hosts that raise the sketch ask (the count may have grown).
  EXPECT_GE(r.suppressed, 4000u);
  ASSERT_FALSE(r.updates.empty());
  expect_near_count(r.updates.back(), 100000);
  for (std::size_t i = 1; i < r.updates.size(); ++i)
    EXPECT_GT(r.updates[i], r.updates[i - 1]);
}

// ---------------------------------------------------------------------------------------------

exporter::EventRecord alert_record(std::uint64_t n) {
  exporter::EventRecord record;
  record.ts = static_cast<TimestampNs>(n);
  record.body = BeaconAlert{};
  std::get<BeaconAlert>(record.body).trigger_sequence = n;
  return record;
}

TEST(PendingAlerts, PerKeyKeysAndTotalCapsEvictCountedAndLeaveNoStaleIds) {
  PendingAlerts pending(4, 3, 8);
  std::uint64_t n = 0;
  // Per key: the oldest alert of the id makes room.
  for (int i = 0; i < 5; ++i)
    pending.keep("a", alert_record(++n));
  EXPECT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending.evicted(), 2u);
  // Total: the least recently fed id gives way first.
  for (const char* id : {"b", "b", "b", "c", "c", "c"})
    pending.keep(id, alert_record(++n));
  EXPECT_EQ(pending.size(), 8u);
  EXPECT_EQ(pending.evicted(), 3u);
  EXPECT_TRUE(pending.consistent());
  // Keys: a fifth id pushes the least recent one out whole.
  pending.keep("d", alert_record(++n));
  pending.keep("e", alert_record(++n));
  EXPECT_LE(pending.keys(), 4u);
  EXPECT_TRUE(pending.consistent());

  // Taking an id forgets it everywhere: the old detector left it in its order deque, where it
  // later evicted a live id of the same name and miscounted the bound.
  const auto taken = pending.take("c");
  EXPECT_EQ(taken.size(), 3u);
  EXPECT_TRUE(pending.take("c").empty());
  EXPECT_TRUE(pending.consistent());
  for (int i = 0; i < 100; ++i) {
    pending.keep("k" + std::to_string(i % 7), alert_record(++n));
    pending.take("k" + std::to_string((i + 3) % 7));
    ASSERT_TRUE(pending.consistent());
    ASSERT_LE(pending.keys(), 4u);
    ASSERT_LE(pending.size(), 8u);
  }
}

TEST(PendingAlerts, TakenAlertsComeOldestFirst) {
  PendingAlerts pending(16, 16, 64);
  for (std::uint64_t n = 1; n <= 4; ++n)
    pending.keep("x", alert_record(n));
  const auto taken = pending.take("x");
  ASSERT_EQ(taken.size(), 4u);
  for (std::uint64_t n = 0; n < 4; ++n)
    EXPECT_EQ(std::get<BeaconAlert>(taken[n].body).trigger_sequence, n + 1);
}

TEST(RecentNames, KeepsTheNewestNamesAndCountsWhatItForgets) {
  RecentNames names(3);
  EXPECT_TRUE(names.insert("a.com"));
  EXPECT_FALSE(names.insert("a.com"));
  names.insert("b.com");
  names.insert("c.com");
  names.insert("d.com");
  EXPECT_FALSE(names.contains("a.com"));
  EXPECT_TRUE(names.contains("d.com"));
  EXPECT_EQ(names.size(), 3u);
  EXPECT_EQ(names.evicted(), 1u);
}

// ---------------------------------------------------------------------------------------------

class WaveDetectorTest : public ::testing::Test, public AlertSink {
 protected:
  void on_alert(const exporter::EventRecord& alert) override {
    if (const auto* update = std::get_if<CampaignUpdate>(&alert.body)) {
      updates.push_back(update->distinct_hosts);
    } else {
      ++beacons;
    }
  }
  static exporter::EventRecord pixel(std::uint32_t client, TimestampNs ts) {
    exporter::EventRecord e = test_events::http_get(
        host_address(client), IpAddress::v4(std::array<std::uint8_t, 4>{203, 0, 113, 5}.data()),
        "mail.briefing-eu-news.com", "/open/" + token_of(client) + ".gif",
        "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17726; Pro)", ts);
    test_events::pixel_response(std::get<extract::HttpTransaction>(e.body).response);
    return e;
  }
  static exporter::EventRecord tls(std::uint32_t client, std::string_view sni, TimestampNs ts) {
    return test_events::tls_hello(host_address(client),
                                  IpAddress::v4(std::array<std::uint8_t, 4>{203, 0, 113, 9}.data()),
                                  sni, ts);
  }

  std::vector<std::uint32_t> updates;
  std::size_t beacons = 0;
};

TEST_F(WaveDetectorTest, AWaveOfBeaconsIsAFewCampaignUpdatesAndTheLastHasTheFinalCount) {
  DetectConfig config;
  config.learning_period = 0;
  BeaconDetector detector(config, nullptr, nullptr, nullptr);
  constexpr std::uint32_t kHosts = 3000;
  for (std::uint32_t h = 0; h < kHosts; ++h)
    detector.observe(pixel(h, TimestampNs{h} * 100 * kMs), h + 1, *this);  // 300 s of packet time
  detector.finish(*this);
  EXPECT_EQ(beacons, kHosts - 0u) << "every open alerts";
  ASSERT_FALSE(updates.empty());
  EXPECT_LE(updates.size(), 12u);
  EXPECT_EQ(updates.back(), kHosts);  // exact below the cap
  EXPECT_EQ(detector.counters().campaign_updates, updates.size());
  // Every host from the third on asked for an update; held ones went out later.
  const std::uint64_t answered =
      detector.counters().campaign_updates + detector.counters().campaign_updates_suppressed;
  EXPECT_GE(answered, kHosts - 2u);
  EXPECT_LE(answered, kHosts - 2u + updates.size());
}

TEST_F(WaveDetectorTest, WaitingFetchesAreBoundedAndTheirEvictionsCounted) {
  DetectConfig config;
  config.learning_period = 0;
  config.pending_max_total = 16;
  config.campaign_max_keys = 16;
  BeaconDetector detector(config, nullptr, nullptr, nullptr);
  // Rare names fetched once each over TLS: below the threshold, they wait under their "sni" id.
  for (std::uint32_t i = 0; i < 100; ++i) {
    detector.observe(tls(i, "cdn.rare-example" + std::to_string(i) + ".net", i * kMs), i + 1,
                     *this);
  }
  EXPECT_EQ(beacons, 0u);
  EXPECT_GE(detector.counters().pending_evicted, 100u - 16u);
  EXPECT_GE(detector.counters().campaign_keys_evicted, 100u - 16u);
}

}  // namespace
}  // namespace bw::correlate
