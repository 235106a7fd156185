// Hostile traffic must not grow the sensor: a SYN flood, a random-port scan and a million flows of
// churn go through the flow stage, and a fragment flood through the decoder, with state held to
// its configured bounds, the overflow counted, and no heap allocation at all along the way.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "sensor/decode/packet_decoder.h"
#include "sensor/flow/flow_processor.h"
#include "tests/support/allocation_counter.h"

namespace bw {
namespace {

class CountingSink final : public flow::EventSink {
 public:
  void on_event(const exporter::EventRecord&) override { ++events; }
  std::uint64_t events = 0;
};

// One IPv4/TCP or UDP datagram, rewritten in place for each packet so the flood itself allocates
// nothing.
struct Datagram {
  std::array<std::uint8_t, 40> bytes{0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6};
  decode::DecodedPacket packet;

  void set(std::uint32_t src, std::uint16_t sport, std::uint16_t dport, std::uint8_t protocol,
           std::uint8_t flags) {
    bytes[9] = protocol;
    const std::uint8_t s[4] = {10, static_cast<std::uint8_t>(src >> 16),
                               static_cast<std::uint8_t>(src >> 8), static_cast<std::uint8_t>(src)};
    const std::uint8_t d[4] = {192, 0, 2, 80};
    packet.src_ip = IpAddress::v4(s);
    packet.dst_ip = IpAddress::v4(d);
    packet.src_port = sport;
    packet.dst_port = dport;
    packet.ip_protocol = protocol;
    packet.ip_version = 4;
    packet.tcp_flags = flags;
    packet.tcp_seq = src * 7919u;
    packet.datagram = ByteSpan(bytes.data(), bytes.size());
    packet.payload_offset = 40;
    packet.payload_length = 0;
  }
};

flow::FlowConfig small_config() {
  flow::FlowConfig config;
  config.max_flows = 4096;
  config.classifier.max_concurrent_flows = 1024;
  return config;
}

TEST(Floods, SynFloodScanAndChurnStayWithinTheFlowTable) {
  CountingSink sink;
  flow::FlowProcessor processor(small_config(), sink);
  Datagram d;
  std::uint64_t seq = 0;
  constexpr std::uint32_t kSynFlood = 400'000;
  constexpr std::uint32_t kScanPorts = 65'535;
  constexpr std::uint32_t kChurn = 1'000'000;

  testing::reset_allocation_count();
  testing::set_allocation_counting(true);
  for (std::uint32_t i = 0; i < kSynFlood; ++i) {  // spoofed sources, one SYN each
    d.set(i, static_cast<std::uint16_t>(1024 + i % 60000), 443, 6, 0x02);
    processor.on_packet({++seq, static_cast<TimestampNs>(seq) * 1000, 0}, d.packet);
  }
  for (std::uint32_t port = 1; port <= kScanPorts; ++port) {  // one scanner, every port
    d.set(7, 40000, static_cast<std::uint16_t>(port), 6, 0x02);
    processor.on_packet({++seq, static_cast<TimestampNs>(seq) * 1000, 0}, d.packet);
  }
  for (std::uint32_t i = 0; i < kChurn; ++i) {  // a million short UDP flows, ticks in between
    d.set(i * 31u, static_cast<std::uint16_t>(20000 + i % 40000), 53, 17, 0);
    processor.on_packet({++seq, static_cast<TimestampNs>(seq) * 1000, 0}, d.packet);
    if (i % 10000 == 0) processor.on_tick({++seq, static_cast<TimestampNs>(seq) * 1000, 0});
  }
  testing::set_allocation_counting(false);

  EXPECT_EQ(testing::allocation_count(), 0u);
  EXPECT_LE(processor.active_flows(), 4096u);
  const auto& table = processor.table_counters();
  EXPECT_EQ(table.flows_created, std::uint64_t{kSynFlood} + kScanPorts + kChurn);
  // Every flow beyond the table's capacity pushed an older one out, and that was counted.
  EXPECT_EQ(table.flows_evicted_capacity + table.flows_expired_idle + table.flows_expired_closed +
                processor.active_flows(),
            table.flows_created);
  EXPECT_GT(table.flows_evicted_capacity, 0u);
  EXPECT_GT(processor.classify_counters().state_pool_exhausted +
                processor.classify_counters().flows_given_up,
            0u);
}

// Segments that arrive ahead of a hole which never fills, from 100k connections: the reorder
// windows stay at their configured number, the rest is counted and parsed after a gap, and
// nothing is allocated. Swapped pairs on other connections are still put back in order.
TEST(Floods, OutOfOrderFloodStaysWithinTheReorderWindows) {
  CountingSink sink;
  flow::FlowConfig config = small_config();
  config.reassembly.windows = 64;
  flow::FlowProcessor processor(config, sink);
  std::array<std::uint8_t, 40 + 64> bytes{0x45, 0, 0, 40 + 64, 0, 0, 0x40, 0, 64, 6};
  decode::DecodedPacket packet;
  const std::uint8_t server[4] = {192, 0, 2, 80};
  const auto send = [&](std::uint32_t client, std::uint16_t port, std::uint8_t flags,
                        std::uint32_t seq, std::size_t payload, std::uint64_t& order) {
    const std::uint8_t c[4] = {10, static_cast<std::uint8_t>(client >> 16),
                               static_cast<std::uint8_t>(client >> 8),
                               static_cast<std::uint8_t>(client)};
    packet.src_ip = IpAddress::v4(c);
    packet.dst_ip = IpAddress::v4(server);
    packet.src_port = port;
    packet.dst_port = 80;
    packet.ip_protocol = 6;
    packet.ip_version = 4;
    packet.tcp_flags = flags;
    packet.tcp_seq = seq;
    packet.datagram = ByteSpan(bytes.data(), 40 + payload);
    packet.payload_offset = 40;
    packet.payload_length = static_cast<std::uint32_t>(payload);
    processor.on_packet({++order, static_cast<TimestampNs>(order) * 1000, 0}, packet);
  };
  std::copy_n("GET /pixel.gif?u=0123456789 HTTP/1.1\r\nHost: t.example\r\n\r\n", 56,
              bytes.begin() + 40);
  std::uint64_t order = 0;
  testing::reset_allocation_count();
  testing::set_allocation_counting(true);
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    const auto port = static_cast<std::uint16_t>(1024 + i % 60000);
    send(i, port, 0x02, 1000, 0, order);                   // SYN
    send(i, port, 0x18, 1001 + 28, 28, order);             // the second half, ahead of a hole
    if (i % 2 == 0) send(i, port, 0x18, 1001, 28, order);  // half the connections fill it
    if (i % 1000 == 0) processor.on_tick({++order, static_cast<TimestampNs>(order) * 1000, 0});
  }
  testing::set_allocation_counting(false);
  EXPECT_EQ(testing::allocation_count(), 0u);
  const flow::TcpReassemblyCounters& tcp = processor.reassembly_counters();
  EXPECT_GT(tcp.tcp_reorder_pool_exhausted, 0u);
  EXPECT_GT(tcp.tcp_holes_filled, 0u);
  // Every held segment either waited for its hole or was given up: none is lost unaccounted.
  EXPECT_EQ(tcp.tcp_segments_held + tcp.tcp_reorder_pool_exhausted, 100'000u);
}

TEST(Floods, FragmentFloodStaysWithinTheReassemblyPool) {
  decode::DecoderConfig config;
  config.max_fragment_datagrams = 64;
  decode::PacketDecoder decoder(config);
  // First fragments of datagrams that never complete (MF set, offset 0), each with its own id.
  std::array<std::uint8_t, 14 + 20 + 16> frame{};
  frame[12] = 0x08;  // IPv4
  std::uint8_t* ip = frame.data() + 14;
  const std::uint8_t header[20] = {0x45, 0, 0,  36, 0, 0, 0x20, 0, 64, 17,
                                   0,    0, 10, 0,  0, 1, 192,  0, 2,  1};
  std::copy(std::begin(header), std::end(header), ip);
  decode::DecodedPacket packet;
  testing::reset_allocation_count();
  testing::set_allocation_counting(true);
  for (std::uint32_t id = 0; id < 200'000; ++id) {
    ip[4] = static_cast<std::uint8_t>(id >> 8);
    ip[5] = static_cast<std::uint8_t>(id);
    ip[12] = static_cast<std::uint8_t>(id >> 16);  // vary the source too: distinct datagrams
    decoder.decode(decode::linktype::kEthernet, frame, static_cast<TimestampNs>(id) * 1000, packet);
  }
  testing::set_allocation_counting(false);
  EXPECT_EQ(testing::allocation_count(), 0u);
  EXPECT_LE(decoder.fragment_datagrams_in_progress(), 64u);
  EXPECT_GT(decoder.counters().fragment_pool_exhausted, 0u);
  EXPECT_EQ(decoder.counters().fragments, 200'000u);
}

}  // namespace
}  // namespace bw
