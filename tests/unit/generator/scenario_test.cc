// The evaluation scenario: history and apt share an office, history precedes the wave, and the
// labels bw-eval scores against are consistent.
#include "tools/generator/scenario.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "tests/unit/generator/generated_capture.h"

namespace bw::gen::testing {
namespace {

std::set<std::string> client_addresses(const std::vector<GroundTruth>& truth) {
  std::set<std::string> out;
  for (const GroundTruth& row : truth) {
    if (row.client_ip.starts_with("10.60.") && !row.client_ip.starts_with("10.60.250.")) {
      out.insert(row.client_ip);
    }
  }
  return out;
}

class ScenarioIntegrityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioIntegrityTest, EveryChecksumVerifiesAndFramesAreInTimeOrder) {
  const Generated& g = generated(GetParam());
  const WalkStats& s = g.walker.stats();
  EXPECT_GT(s.tcp, 1000u);
  EXPECT_GT(s.udp, 1000u);
  EXPECT_EQ(s.ipv4_bad_checksums, 0u);
  EXPECT_EQ(s.tcp_bad_checksums, 0u);
  EXPECT_EQ(s.udp_bad_checksums, 0u);
  EXPECT_EQ(s.undecodable, 0u);
  for (std::size_t i = 1; i < g.file.frames.size(); ++i) {
    ASSERT_LE(g.file.frames[i - 1].ts_ns, g.file.frames[i].ts_ns) << "frame " << i;
  }
}

TEST_P(ScenarioIntegrityTest, SameSeedGivesIdenticalBytesAndTruth) {
  GeneratorOptions options;
  options.profile = GetParam();
  options.seed = 5;
  std::vector<std::uint8_t> a, b;
  std::vector<GroundTruth> truth_a, truth_b;
  std::string error;
  ASSERT_TRUE(generate(options, a, truth_a, error)) << error;
  ASSERT_TRUE(generate(options, b, truth_b, error)) << error;
  EXPECT_EQ(a, b);
  std::ostringstream tsv_a, tsv_b;
  write_ground_truth_tsv(truth_a, tsv_a);
  write_ground_truth_tsv(truth_b, tsv_b);
  EXPECT_EQ(tsv_a.str(), tsv_b.str());
  options.seed = 6;
  std::vector<std::uint8_t> c;
  ASSERT_TRUE(generate(options, c, truth_b, error)) << error;
  EXPECT_NE(a, c);
}

TEST_P(ScenarioIntegrityTest, EveryBeaconHasACampaignAndAProtectedRecipient) {
  const Generated& g = generated(GetParam());
  std::vector<std::string> directory;
  std::string error;
  ASSERT_TRUE(recipient_directory(g.options, directory, error)) << error;
  const std::set<std::string> protected_addresses(directory.begin(), directory.end());
  EXPECT_EQ(protected_addresses.size(), directory.size()) << "addresses are unique";
  std::size_t beacons = 0;
  for (const GroundTruth& row : g.truth) {
    if (!row.is_beacon) continue;
    ++beacons;
    EXPECT_FALSE(row.campaign.empty()) << row.kind << " " << row.uri;
    EXPECT_TRUE(protected_addresses.contains(row.recipient)) << row.recipient;
  }
  EXPECT_GT(beacons, 20u);
}

INSTANTIATE_TEST_SUITE_P(Profiles, ScenarioIntegrityTest, ::testing::Values("history", "apt"));

TEST(ScenarioTest, HistoryPrecedesTheWaveByTwoToThreeDaysOnTheSameHosts) {
  const Generated& history = generated("history", 1, CaptureFormat::kPcapMicro, 11);
  const Generated& apt = generated("apt", 1, CaptureFormat::kPcapMicro, 12);
  const auto [first_h, last_h] =
      std::minmax_element(history.truth.begin(), history.truth.end(),
                          [](const GroundTruth& a, const GroundTruth& b) { return a.ts < b.ts; });
  const TimestampNs wave_start = apt.truth.front().ts;
  constexpr TimestampNs kDay = 24 * 3600 * kNsPerSecond;
  EXPECT_GE(wave_start - first_h->ts, 2 * kDay);
  EXPECT_LE(wave_start - first_h->ts, 3 * kDay);
  EXPECT_GE(wave_start - last_h->ts, kDay) << "older than the sensor's rarity window";
  // Every member host of the wave already appears in the history.
  const auto apt_hosts = client_addresses(apt.truth);
  const auto history_hosts = client_addresses(history.truth);
  EXPECT_EQ(apt_hosts.size(), kScenarioMembersPerScale);
  for (const std::string& host : apt_hosts) {
    EXPECT_TRUE(history_hosts.contains(host)) << host;
  }
}

TEST(ScenarioTest, TheLookalikeDomainAppearsOnlyInTheWave) {
  const Generated& history = generated("history", 1, CaptureFormat::kPcapMicro, 11);
  const Generated& apt = generated("apt", 1, CaptureFormat::kPcapMicro, 12);
  auto mentions = [](const GroundTruth& row) {
    return (row.host + row.dns_name + row.sni).find("euobserver-news.com") != std::string::npos;
  };
  EXPECT_EQ(std::count_if(history.truth.begin(), history.truth.end(), mentions), 0);
  std::set<std::string> kinds;
  for (const GroundTruth& row : apt.truth) {
    if (row.is_beacon && row.campaign.starts_with("apt31-")) {
      EXPECT_TRUE(mentions(row)) << row.kind;
      kinds.insert(row.kind);
    }
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"dns", "http", "quic", "tls"}));
}

TEST(ScenarioTest, WaveUsesSeveralTokenStylesAndMailClients) {
  const Generated& apt = generated("apt", 1, CaptureFormat::kPcapMicro, 12);
  std::set<std::string> campaigns;
  std::set<std::string> agents;
  bool webmail_referer = false;
  for (const GroundTruth& row : apt.truth) {
    if (!row.is_beacon || row.kind != "http" || !row.campaign.starts_with("apt31-")) continue;
    campaigns.insert(row.campaign);
    agents.insert(row.user_agent.substr(0, 30));
    webmail_referer |= row.referer.starts_with("https://mail.nat-assembly.eu/");
    EXPECT_FALSE(row.cookie_sent);
  }
  EXPECT_EQ(campaigns.size(), 4u);
  EXPECT_GE(agents.size(), 4u);
  EXPECT_TRUE(webmail_referer);
}

TEST(ScenarioTest, RecipientDirectoryScalesAndIsRefusedForOtherProfiles) {
  GeneratorOptions options;
  options.profile = "apt";
  options.scale = 2;
  std::vector<std::string> directory;
  std::string error;
  ASSERT_TRUE(recipient_directory(options, directory, error)) << error;
  EXPECT_EQ(directory.size(), 2 * kScenarioMembersPerScale);
  EXPECT_EQ(directory, scenario_recipients(2));
  for (const std::string& address : directory) {
    EXPECT_TRUE(address.ends_with("@nat-assembly.eu")) << address;
    EXPECT_EQ(address.find(' '), std::string::npos) << address;
  }
  options.profile = "demo";
  EXPECT_FALSE(recipient_directory(options, directory, error));
  EXPECT_NE(error.find("recipient directory"), std::string::npos);
}

}  // namespace
}  // namespace bw::gen::testing
