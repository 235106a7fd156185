// End-to-end replays of generated captures through the full pipeline: every item the generator
// wrote (its ground truth) must come out as an event with the same values, for any worker count,
// and the pipeline's back-pressure paths (tiny queues and buffers) must not lose or reorder events.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "sensor/pipeline/pipeline.h"
#include "tests/support/collecting_writer.h"
#include "tests/support/generated_capture.h"
#include "tools/generator/generator.h"

namespace bw {
namespace {

namespace pb = beaconwatch::v1;

struct Generated {
  std::string path;
  std::vector<gen::GroundTruth> truth;
};

Generated generate(const std::string& profile, std::uint64_t seed) {
  gen::GeneratorOptions options;
  options.profile = profile;
  options.seed = seed;
  Generated out;
  out.path = testing::write_generated_capture(
      options, "bw_replay_" + profile + "_" + std::to_string(seed) + ".pcap", &out.truth);
  return out;
}

std::vector<pb::Event> replay(const std::string& path, const config::SensorConfig& config,
                              pipeline::ReplayResult* result_out = nullptr) {
  std::vector<pb::Event> events;
  std::vector<std::unique_ptr<exporter::EventWriter>> writers;
  writers.push_back(std::make_unique<testing::CollectingWriter>(events));
  pipeline::ReplayResult result = pipeline::run_replay(config, {path}, writers);
  EXPECT_TRUE(result.ok) << result.error;
  if (result_out != nullptr) *result_out = result;
  return events;
}

bool same_endpoints(const gen::GroundTruth& t, const pb::Event& e) {
  return e.flow().client_ip() == t.client_ip && e.flow().client_port() == t.client_port &&
         e.flow().server_ip() == t.server_ip && e.flow().server_port() == t.server_port;
}

// Describes the first difference between a truth row and an event, or "" when they agree.
std::string difference(const gen::GroundTruth& t, const pb::Event& e) {
  auto differs = [](const char* field, const auto& want, const auto& got) {
    std::ostringstream s;
    if (!(want == got)) s << field << ": want '" << want << "' got '" << got << "'";
    return s.str();
  };
  std::string d;
  auto check = [&](std::string r) {
    if (d.empty()) d = std::move(r);
  };
  // The event lists encapsulations in a fixed order, the truth in nesting order: compare as sets.
  std::set<std::string> want_encapsulation;
  std::stringstream names(t.encapsulation);
  for (std::string name; std::getline(names, name, ',');)
    want_encapsulation.insert(name);
  const std::set<std::string> got_encapsulation(e.flow().encapsulation().begin(),
                                                e.flow().encapsulation().end());
  check(differs("encapsulation", want_encapsulation.size(), got_encapsulation.size()));
  check(differs("encapsulation set", want_encapsulation == got_encapsulation, true));
  check(differs("vlan_id", t.vlan_id, e.flow().vlan_id()));
  if (t.kind == "http") {
    const auto& q = e.http().request();
    check(differs("method", t.method, q.method()));
    check(differs("host", t.host, q.host()));
    check(differs("uri", t.uri, q.uri()));
    check(differs("user_agent", t.user_agent, q.user_agent()));
    check(differs("referer", t.referer, q.referer()));
    check(differs("cookie_sent", t.cookie_sent, q.cookie_sent()));
    if (t.status != 0) {
      const auto& r = e.http().response();
      check(differs("status", t.status, r.status()));
      check(differs("content_type", t.content_type, r.content_type()));
      if (!t.image_format.empty()) {
        check(differs("image_width", t.image_width, r.image().width()));
        check(differs("image_height", t.image_height, r.image().height()));
      }
    }
  } else if (t.kind == "dns") {
    check(differs("dns_name", t.dns_name, e.dns().query_name()));
    check(differs("dns_type", t.dns_type, e.dns().query_type()));
    check(differs("dns_response", t.dns_response, e.dns().is_response()));
    if (t.dns_response)
      check(differs("dns_rcode", int{t.dns_rcode}, static_cast<int>(e.dns().rcode())));
  } else if (t.kind == "tls") {
    const auto& ch = e.tls().client_hello();
    check(differs("sni", t.sni, ch.sni()));
    check(differs("ja3", t.ja3, ch.ja3()));
    check(differs("ech", t.ech, ch.ech()));
    if (t.tls_version != 0) {
      check(differs("tls_version", t.tls_version, e.tls().server_hello().selected_version()));
    }
  } else if (t.kind == "quic") {
    check(differs("sni", t.sni, e.quic().client_hello().sni()));
    check(differs("quic_version", t.quic_version, e.quic().version()));
  }
  return d;
}

bool kind_matches(const gen::GroundTruth& t, const pb::Event& e) {
  return (t.kind == "http" && e.has_http()) || (t.kind == "dns" && e.has_dns()) ||
         (t.kind == "tls" && e.has_tls()) || (t.kind == "quic" && e.has_quic());
}

// Every truth row must be matched by a distinct event of its kind and flow with equal values.
void expect_truth_recovered(const std::vector<gen::GroundTruth>& truth,
                            const std::vector<pb::Event>& events) {
  std::vector<bool> used(events.size(), false);
  std::size_t missed = 0;
  for (const gen::GroundTruth& t : truth) {
    std::string best_difference = "no event of this kind and flow";
    bool found = false;
    for (std::size_t i = 0; i < events.size() && !found; ++i) {
      if (used[i] || !kind_matches(t, events[i]) || !same_endpoints(t, events[i])) continue;
      const std::string d = difference(t, events[i]);
      if (d.empty()) {
        used[i] = true;
        found = true;
      } else {
        best_difference = d;
      }
    }
    if (!found && ++missed <= 10) {
      ADD_FAILURE() << t.kind << " " << t.client_ip << ":" << t.client_port << " -> " << t.server_ip
                    << ":" << t.server_port << " (" << t.host << t.uri << t.sni << t.dns_name
                    << "): " << best_difference;
    }
  }
  EXPECT_EQ(missed, 0u) << "of " << truth.size() << " ground-truth items";
}

TEST(Replay, ProtocolsProfileIsRecoveredCompletely) {
  const Generated g = generate("protocols", 11);
  ASSERT_FALSE(g.truth.empty());
  expect_truth_recovered(g.truth, replay(g.path, config::SensorConfig{}));
}

TEST(Replay, EncapsulatedFlowsAreRecoveredCompletely) {
  const Generated g = generate("encap", 7);
  ASSERT_FALSE(g.truth.empty());
  const auto events = replay(g.path, config::SensorConfig{});
  expect_truth_recovered(g.truth, events);
  // Each truth row names the encapsulations its packets crossed; the match above compared them.
  std::size_t encapsulated = 0;
  for (const auto& t : g.truth)
    encapsulated += t.encapsulation.empty() ? 0 : 1;
  EXPECT_GT(encapsulated, 0u);
}

TEST(Replay, DemoProfileIsRecoveredCompletely) {
  const Generated g = generate("demo", 2021);
  expect_truth_recovered(g.truth, replay(g.path, config::SensorConfig{}));
}

TEST(Replay, TinyQueuesAndManyWorkersChangeNothing) {
  const Generated g = generate("demo", 5);
  config::SensorConfig baseline;
  const auto expected = replay(g.path, baseline);
  config::SensorConfig squeezed;
  squeezed.pipeline.workers = 3;
  squeezed.pipeline.queue_depth = 64;
  squeezed.pipeline.event_queue_depth = 16;
  squeezed.pipeline.packet_buffer_bytes = 256 * 1024;
  pipeline::ReplayResult result;
  const auto got = replay(g.path, squeezed, &result);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].SerializeAsString(), expected[i].SerializeAsString()) << "event " << i;
  }
  EXPECT_EQ(result.summary.workers.size(), 3u);
  EXPECT_GT(
      result.summary.capture.queue_full_waits + result.summary.exporter.event_queue_full_waits, 0u)
      << "the squeezed run should have exercised back-pressure";
}

TEST(Replay, SequenceNumbersAreGaplessFromOne) {
  const Generated g = generate("protocols", 3);
  config::SensorConfig config;
  config.sensor_id = "tap-9";
  const auto events = replay(g.path, config);
  ASSERT_FALSE(events.empty());
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].sequence(), i + 1);
    EXPECT_EQ(events[i].sensor_id(), "tap-9");
    EXPECT_EQ(events[i].community_id().substr(0, 2), "1:");
  }
}

}  // namespace
}  // namespace bw
