// A client that reuses its port for a new connection before the closed one has expired: the new
// SYN starts a new flow, so the second connection's request is parsed like the first.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sensor/flow/flow_processor.h"
#include "tests/support/ipv4_datagram.h"
#include "tools/generator/quic_content.h"
#include "tools/generator/rng.h"
#include "tools/generator/tls_content.h"

namespace bw::flow {
namespace {

using testing::Ipv4Datagram;

class CountingSink final : public EventSink {
 public:
  void on_event(const exporter::EventRecord&) override { ++events; }
  int events = 0;
};

std::vector<std::uint8_t> bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

constexpr std::uint8_t kSyn = 0x02, kFin = 0x01, kAck = 0x10, kPsh = 0x08;

// One whole HTTP exchange on 10.1.0.2:40000 <-> 192.0.2.9:80, closed by both FINs.
void connection(FlowProcessor& processor, std::uint64_t& seq, std::uint32_t isn,
                const std::string& path) {
  const auto request = bytes_of("GET " + path + " HTTP/1.1\r\nHost: px.example\r\n\r\n");
  const auto response = bytes_of("HTTP/1.1 204 No Content\r\n\r\n");
  const std::uint32_t server_isn = isn + 7777;
  const auto size = [](const std::vector<std::uint8_t>& v) {
    return static_cast<std::uint32_t>(v.size());
  };
  const std::vector<Ipv4Datagram> packets = {
      Ipv4Datagram(6, 40000, 80, isn, kSyn, {}),
      Ipv4Datagram(6, 80, 40000, server_isn, kSyn | kAck, {}, true),
      Ipv4Datagram(6, 40000, 80, isn + 1, kAck, {}),
      Ipv4Datagram(6, 40000, 80, isn + 1, kPsh | kAck, request),
      Ipv4Datagram(6, 80, 40000, server_isn + 1, kPsh | kAck, response, true),
      Ipv4Datagram(6, 80, 40000, server_isn + 1 + size(response), kFin | kAck, {}, true),
      Ipv4Datagram(6, 40000, 80, isn + 1 + size(request), kFin | kAck, {}),
  };
  for (const Ipv4Datagram& d : packets)
    processor.on_packet({++seq, static_cast<TimestampNs>(seq) * 1'000'000, 0}, d.packet);
}

TEST(PortReuse, SynOnAClosedConnectionsTupleStartsANewFlow) {
  CountingSink sink;
  FlowConfig config;
  config.max_flows = 64;
  FlowProcessor processor(config, sink);
  std::uint64_t seq = 0;
  connection(processor, seq, 1000, "/open/first.gif");
  EXPECT_EQ(sink.events, 1);
  // 10 ms later, well inside the 5 s closed-flow timeout.
  connection(processor, seq, 900000, "/open/second.gif");
  EXPECT_EQ(sink.events, 2);
  EXPECT_EQ(processor.counters().tcp_port_reuses, 1u);
  EXPECT_EQ(processor.table_counters().flows_created, 2u);
  EXPECT_EQ(processor.active_flows(), 1u);
}

TEST(PortReuse, SynRetransmittedOnAnOpenConnectionKeepsTheFlow) {
  CountingSink sink;
  FlowConfig config;
  config.max_flows = 64;
  FlowProcessor processor(config, sink);
  std::uint64_t seq = 0;
  for (int i = 0; i < 2; ++i) {
    const Ipv4Datagram syn(6, 40000, 80, 1000, kSyn, {});
    processor.on_packet({++seq, static_cast<TimestampNs>(seq) * 1'000'000, 0}, syn.packet);
  }
  EXPECT_EQ(processor.counters().tcp_port_reuses, 0u);
  EXPECT_EQ(processor.table_counters().flows_created, 1u);
}

// One QUIC v1 client Initial (a whole ClientHello for `sni`, padded to 1200 bytes) from
// 10.1.0.2:50000 to 192.0.2.9:443 with the given connection IDs.
Ipv4Datagram quic_initial(std::uint8_t dcid_seed, std::uint8_t scid_seed, const std::string& sni,
                          bool from_server = false) {
  gen::Rng rng(dcid_seed);
  gen::ClientHelloSpec spec;
  spec.sni = sni;
  spec.alpn = {"h3"};
  spec.quic = true;
  spec.post_quantum = false;  // keeps the hello inside one Initial
  const gen::ClientHello hello = gen::build_client_hello(spec, rng);
  const std::vector<std::uint8_t> dcid(8, dcid_seed);
  const std::vector<std::uint8_t> scid(8, scid_seed);
  gen::Bytes frames;
  gen::append_crypto_frame(frames, 0, hello.message);
  frames.resize(1100, 0);  // PADDING
  gen::QuicKeys keys;
  EXPECT_TRUE(gen::derive_initial_keys(gen::kQuicVersion1, dcid, false, keys));
  gen::LongHeader header;
  header.dcid = dcid;
  header.scid = scid;
  gen::Bytes datagram;
  EXPECT_TRUE(gen::append_protected_long_packet(datagram, header, frames, keys));
  return from_server ? Ipv4Datagram(17, 443, 50000, 0, 0, datagram, true)
                     : Ipv4Datagram(17, 50000, 443, 0, 0, datagram);
}

TEST(PortReuse, QuicInitialOfAnotherConnectionOnTheTupleStartsANewFlow) {
  CountingSink sink;
  FlowConfig config;
  config.max_flows = 64;
  FlowProcessor processor(config, sink);
  std::uint64_t seq = 0;
  auto send = [&](const Ipv4Datagram& d) {
    processor.on_packet({++seq, static_cast<TimestampNs>(seq) * 1'000'000, 0}, d.packet);
  };
  send(quic_initial(1, 11, "px.mail-metrics.example"));
  EXPECT_EQ(sink.events, 1);
  send(quic_initial(1, 11, "px.mail-metrics.example"));  // the same connection again
  // The server answers from connection ID 33...; the client's next Initials go to it.
  send(quic_initial(11, 33, "px.mail-metrics.example", true));
  send(quic_initial(33, 11, "px.mail-metrics.example"));
  EXPECT_EQ(processor.counters().udp_port_reuses, 0u);
  EXPECT_EQ(sink.events, 1);
  send(quic_initial(2, 22, "px.mail-metrics.example"));  // a new connection, same port
  EXPECT_EQ(processor.counters().udp_port_reuses, 1u);
  EXPECT_EQ(sink.events, 2);
  EXPECT_EQ(processor.table_counters().flows_created, 2u);
}

}  // namespace
}  // namespace bw::flow
