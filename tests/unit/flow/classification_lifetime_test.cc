// How long a flow keeps its nDPI state: until nDPI has named it, or until the flow can produce no
// more events. A state held longer than that costs memory and packets for an answer nothing reads.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sensor/flow/flow_processor.h"
#include "tests/support/ipv4_datagram.h"
#include "tools/generator/rng.h"
#include "tools/generator/tls_content.h"

namespace bw::flow {
namespace {

class CountingSink final : public EventSink {
 public:
  void on_event(const exporter::EventRecord& event) override {
    ++events;
    last_app_protocol = std::string(event.app_protocol.view());
  }
  int events = 0;
  std::string last_app_protocol;
};

// Bytes no nDPI dissector and no extractor of ours recognises.
std::vector<std::uint8_t> opaque_payload(std::size_t size, std::uint8_t seed) {
  std::vector<std::uint8_t> payload(size);
  std::uint32_t x = 0x9e3779b9u ^ seed;
  for (auto& byte : payload) {
    x = x * 1664525u + 1013904223u;
    byte = static_cast<std::uint8_t>(x >> 24);
  }
  payload[0] = 0x07;  // not a QUIC long header, not a TLS record, not an HTTP method
  return payload;
}

FlowConfig config() {
  FlowConfig config;
  config.max_flows = 64;
  config.classifier.max_concurrent_flows = 8;
  return config;
}

TEST(ClassificationLifetime, UnclaimedUdpFlowHandsItsStateBackAtTheDecision) {
  CountingSink sink;
  FlowProcessor processor(config(), sink);
  std::uint64_t seq = 0;
  for (int i = 0; i < 12; ++i) {
    const testing::Ipv4Datagram d(17, 51000, 443, 0, 0,
                                  opaque_payload(300, static_cast<std::uint8_t>(i)));
    processor.on_packet({++seq, static_cast<TimestampNs>(seq) * 1'000'000, 0}, d.packet);
  }
  const auto& counters = processor.classify_counters();
  // UDP/443 that is not QUIC is declined after four client datagrams; nDPI saw those four only.
  EXPECT_EQ(counters.flows_classified, 1u);
  EXPECT_EQ(counters.flows_released_unneeded, 1u);
  EXPECT_EQ(counters.packets_inspected, 4u);
  EXPECT_EQ(counters.flows_given_up, 0u);
  processor.finish_all({++seq, static_cast<TimestampNs>(seq) * 1'000'000, 0});
  EXPECT_EQ(processor.classify_counters().flows_given_up, 0u);
  EXPECT_EQ(sink.events, 0);
}

TEST(ClassificationLifetime, UnclaimedTcpFlowStopsAtItsFirstPayload) {
  CountingSink sink;
  FlowProcessor processor(config(), sink);
  std::uint64_t seq = 0;
  auto send = [&](const testing::Ipv4Datagram& d) {
    processor.on_packet({++seq, static_cast<TimestampNs>(seq) * 1'000'000, 0}, d.packet);
  };
  send(testing::Ipv4Datagram(6, 40000, 5555, 1000, 0x02, {}));  // SYN
  send(testing::Ipv4Datagram(6, 40000, 5555, 1001, 0x18, opaque_payload(200, 1)));
  for (int i = 0; i < 10; ++i)
    send(testing::Ipv4Datagram(6, 40000, 5555, 1201 + 200 * i, 0x18, opaque_payload(200, 2)));
  const auto& counters = processor.classify_counters();
  EXPECT_EQ(counters.packets_inspected, 2u);
  EXPECT_EQ(counters.flows_released_unneeded, 1u);
}

TEST(ClassificationLifetime, ReleasedStatesServeLaterFlows) {
  // Eight states for twenty concurrent unclaimed flows: each hands its state back at its decision,
  // so none is refused one, though all stay in the flow table.
  CountingSink sink;
  FlowProcessor processor(config(), sink);
  std::uint64_t seq = 0;
  for (std::uint16_t flow = 0; flow < 20; ++flow) {
    for (int i = 0; i < 4; ++i) {
      const testing::Ipv4Datagram d(17, static_cast<std::uint16_t>(52000 + flow), 443, 0, 0,
                                    opaque_payload(300, static_cast<std::uint8_t>(i)));
      processor.on_packet({++seq, static_cast<TimestampNs>(seq) * 1'000'000, 0}, d.packet);
    }
  }
  EXPECT_EQ(processor.active_flows(), 20u);
  EXPECT_EQ(processor.classify_counters().state_pool_exhausted, 0u);
  EXPECT_EQ(processor.classify_counters().flows_released_unneeded, 20u);
}

TEST(ClassificationLifetime, TlsFlowIsNamedFromOurParseWithoutFeedingNdpiTheHello) {
  CountingSink sink;
  FlowProcessor processor(config(), sink);
  gen::Rng rng(7);
  gen::ClientHelloSpec spec;
  spec.sni = "www.youtube.com";
  spec.alpn = {"h2"};
  const gen::ClientHello hello = gen::build_client_hello(spec, rng);
  gen::Bytes records;
  gen::append_records(records, gen::kTlsHandshake, hello.record_version, hello.message);

  std::uint64_t seq = 0;
  auto send = [&](const testing::Ipv4Datagram& d) {
    processor.on_packet({++seq, static_cast<TimestampNs>(seq) * 1'000'000, 0}, d.packet);
  };
  send(testing::Ipv4Datagram(6, 40000, 443, 1000, 0x02, {}));
  send(testing::Ipv4Datagram(6, 443, 40000, 5000, 0x12, {}, true));
  send(testing::Ipv4Datagram(6, 40000, 443, 1001, 0x10, {}));
  send(testing::Ipv4Datagram(6, 40000, 443, 1001, 0x18, records));
  const auto& counters = processor.classify_counters();
  EXPECT_EQ(counters.packets_inspected, 3u);  // the TCP handshake only
  EXPECT_EQ(counters.flows_named_from_handshake, 1u);
  EXPECT_EQ(processor.tls_counters().client_hellos, 1u);
  // The name reaches the event: the flow ends without a ServerHello and emits its hello.
  processor.finish_all({++seq, static_cast<TimestampNs>(seq) * 1'000'000, 0});
  ASSERT_EQ(sink.events, 1);
  EXPECT_EQ(sink.last_app_protocol, "TLS.YouTube");
}

}  // namespace
}  // namespace bw::flow
