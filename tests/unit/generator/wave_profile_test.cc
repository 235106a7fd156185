// The `wave` profile: one mass mail-merge wave, every open from a client of its own, for the
// mass-wave benchmark (tools/bench/wave.sh).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "sensor/correlate/mail_client.h"
#include "tools/generator/generator.h"
#include "tools/generator/profiles.h"

namespace bw::gen {
namespace {

struct WaveCapture {
  std::vector<std::uint8_t> bytes;
  std::vector<GroundTruth> truth;
};

WaveCapture make_wave(std::size_t scale, std::uint64_t seed = 1) {
  GeneratorOptions options;
  options.profile = "wave";
  options.seed = seed;
  options.scale = scale;
  WaveCapture out;
  std::string error;
  EXPECT_TRUE(generate(options, out.bytes, out.truth, error)) << error;
  return out;
}

bool is_hex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

TEST(WaveProfile, EveryOpenComesFromItsOwnClientWithItsOwnTokenOfOneTemplate) {
  const WaveCapture wave = make_wave(1);
  std::set<std::string> clients;
  std::set<std::string> tokens;
  std::set<std::string> hosts;
  std::size_t http = 0;
  std::size_t tls = 0;
  for (const GroundTruth& row : wave.truth) {
    EXPECT_TRUE(row.is_beacon);
    EXPECT_EQ(row.campaign, "wave");
    if (row.kind == "http") {
      ++http;
      clients.insert(row.client_ip);
      hosts.insert(row.host);
      // One template: /open/{hex32}.gif
      ASSERT_EQ(row.uri.size(), 6u + 32u + 4u) << row.uri;
      EXPECT_EQ(row.uri.substr(0, 6), "/open/");
      EXPECT_EQ(row.uri.substr(38), ".gif");
      EXPECT_TRUE(is_hex(row.uri.substr(6, 32))) << row.uri;
      tokens.insert(row.uri.substr(6, 32));
      EXPECT_FALSE(correlate::mail_client_from_user_agent(row.user_agent).empty())
          << row.user_agent;
      EXPECT_EQ(row.status, 200);
      EXPECT_EQ(row.image_format, "gif");
      EXPECT_EQ(row.image_width, 1u);
    } else if (row.kind == "tls") {
      ++tls;
      EXPECT_EQ(row.sni, "mail.briefing-eu-news.com");
    } else {
      ADD_FAILURE() << "unexpected " << row.kind;
    }
  }
  EXPECT_EQ(http, kWaveOpensPerScale);
  EXPECT_EQ(clients.size(), kWaveOpensPerScale);  // a client of its own each
  EXPECT_EQ(tokens.size(), kWaveOpensPerScale);   // a token of its own each
  EXPECT_EQ(hosts, (std::set<std::string>{"mail.briefing-eu-news.com"}));
  // About one open in ten also loads HTTPS content from the sender.
  EXPECT_GT(tls, kWaveOpensPerScale / 20);
  EXPECT_LT(tls, kWaveOpensPerScale / 5);
}

TEST(WaveProfile, ScalesByTwoThousandOpensAndIsDeterministic) {
  const WaveCapture a = make_wave(2, 9);
  const WaveCapture b = make_wave(2, 9);
  EXPECT_EQ(a.bytes, b.bytes);
  std::size_t http = 0;
  for (const GroundTruth& row : a.truth)
    http += row.kind == "http" ? 1 : 0;
  EXPECT_EQ(http, 2 * kWaveOpensPerScale);
  EXPECT_NE(a.bytes, make_wave(2, 10).bytes);
}

TEST(WaveProfile, ClientAddressesAreDistinctPrivateAndSkipNetworkAndBroadcast) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < 300000; i += 997) {
    const IpAddress a = wave_client_address(i);
    EXPECT_EQ(a.bytes[0], 10);
    EXPECT_GE(a.bytes[1], 64);
    EXPECT_NE(a.bytes[3], 0);
    EXPECT_NE(a.bytes[3], 255);
    EXPECT_TRUE(seen.insert(a.to_string()).second);
  }
}

}  // namespace
}  // namespace bw::gen
