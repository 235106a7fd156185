// How long a flow keeps its nDPI state: until nDPI has named it, or until the flow can produce no
// more events. A state held longer than that costs memory and packets for an answer nothing reads.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "sensor/flow/flow_processor.h"

namespace bw::flow {
namespace {

class CountingSink final : public EventSink {
 public:
  void on_event(const exporter::EventRecord&) override { ++events; }
  int events = 0;
};

// An IPv4 datagram 10.1.0.2:sport -> 192.0.2.9:dport of `protocol` (6 or 17) carrying `payload`.
struct Datagram {
  std::vector<std::uint8_t> bytes;
  decode::DecodedPacket packet;

  Datagram(std::uint8_t protocol, std::uint16_t sport, std::uint16_t dport, std::uint32_t tcp_seq,
           std::uint8_t tcp_flags, const std::vector<std::uint8_t>& payload) {
    const std::size_t l4 = protocol == 6 ? 20 : 8;
    const std::size_t total = 20 + l4 + payload.size();
    bytes = {0x45,
             0,
             static_cast<std::uint8_t>(total >> 8),
             static_cast<std::uint8_t>(total),
             0,
             1,
             0x40,
             0,
             64,
             protocol,
             0,
             0,
             10,
             1,
             0,
             2,
             192,
             0,
             2,
             9};
    bytes.push_back(static_cast<std::uint8_t>(sport >> 8));
    bytes.push_back(static_cast<std::uint8_t>(sport));
    bytes.push_back(static_cast<std::uint8_t>(dport >> 8));
    bytes.push_back(static_cast<std::uint8_t>(dport));
    if (protocol == 6) {
      for (int shift = 24; shift >= 0; shift -= 8)
        bytes.push_back(static_cast<std::uint8_t>(tcp_seq >> shift));
      bytes.insert(bytes.end(), {0, 0, 0, 0, 0x50, tcp_flags, 0xff, 0xff, 0, 0, 0, 0});
    } else {
      const std::size_t udp_len = 8 + payload.size();
      bytes.insert(bytes.end(), {static_cast<std::uint8_t>(udp_len >> 8),
                                 static_cast<std::uint8_t>(udp_len), 0, 0});
    }
    bytes.insert(bytes.end(), payload.begin(), payload.end());
    const std::uint8_t src[4] = {10, 1, 0, 2};
    const std::uint8_t dst[4] = {192, 0, 2, 9};
    packet.src_ip = IpAddress::v4(src);
    packet.dst_ip = IpAddress::v4(dst);
    packet.src_port = sport;
    packet.dst_port = dport;
    packet.ip_protocol = protocol;
    packet.ip_version = 4;
    packet.tcp_seq = tcp_seq;
    packet.tcp_flags = tcp_flags;
    packet.datagram = ByteSpan(bytes.data(), bytes.size());
    packet.payload_offset = static_cast<std::uint16_t>(20 + l4);
    packet.payload_length = static_cast<std::uint16_t>(payload.size());
  }
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
    const Datagram d(17, 51000, 443, 0, 0, opaque_payload(300, static_cast<std::uint8_t>(i)));
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
  auto send = [&](const Datagram& d) {
    processor.on_packet({++seq, static_cast<TimestampNs>(seq) * 1'000'000, 0}, d.packet);
  };
  send(Datagram(6, 40000, 5555, 1000, 0x02, {}));  // SYN
  send(Datagram(6, 40000, 5555, 1001, 0x18, opaque_payload(200, 1)));
  for (int i = 0; i < 10; ++i)
    send(Datagram(6, 40000, 5555, 1201 + 200 * i, 0x18, opaque_payload(200, 2)));
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
      const Datagram d(17, static_cast<std::uint16_t>(52000 + flow), 443, 0, 0,
                       opaque_payload(300, static_cast<std::uint8_t>(i)));
      processor.on_packet({++seq, static_cast<TimestampNs>(seq) * 1'000'000, 0}, d.packet);
    }
  }
  EXPECT_EQ(processor.active_flows(), 20u);
  EXPECT_EQ(processor.classify_counters().state_pool_exhausted, 0u);
  EXPECT_EQ(processor.classify_counters().flows_released_unneeded, 20u);
}

}  // namespace
}  // namespace bw::flow
