// Every prefix of representative frames must be refused cleanly: never kOk, never a read past the
// end (each prefix is decoded from an exactly-sized heap copy; run under ASan), always counted.
// Single-byte corruptions at every offset must keep every reported span inside the frame.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "tests/unit/decode/decoder_fixture.h"

namespace bw::decode::testing {
namespace {

struct Sample {
  std::string name;
  std::uint32_t linktype;
  Bytes frame;
};

std::vector<Sample> representative_frames() {
  const Bytes inner_tcp = ipv4({.protocol = 6}, tcp(1, 2, 3, 4, kAck, text("payload")));
  const Bytes outer_udp_vxlan =
      ipv4({.src = kTunnelA4, .dst = kTunnelB4, .protocol = 17},
           udp(9, 4789, vxlan(1, ethernet(0x8100, vlan(3, 0x0800, inner_tcp)))));
  const Bytes erspan =
      ipv4({.src = kTunnelA4, .dst = kTunnelB4, .protocol = 47},
           gre({.protocol = 0x22eb, .key = 5, .sequence = 6},
               erspan_type3(1, 0, true,
                            ethernet(0x86dd, ipv6({.protocol = 17}, udp(7, 8, text("x")))))));
  const Bytes teredo = ipv4({.src = kTunnelA4, .dst = kTunnelB4, .protocol = 17},
                            udp(3544, 3544,
                                join({teredo_authentication(text("id"), text("au")),
                                      teredo_origin_indication(1, kClient4), http_ipv6()})));
  const Bytes gtpu_n3 =
      ipv4({.src = kTunnelA4, .dst = kTunnelB4, .protocol = 17},
           udp(2152, 2152,
               gtpu({.sequence = 4, .extensions = {pdu_session_container(), {0x40, {0, 9}}}},
                    http_ipv6())));
  const Bytes ayiya_forward = ipv4({.src = kTunnelA4, .dst = kTunnelB4, .protocol = 17},
                                   udp(40000, 5072, ayiya({.next_header = 4}, inner_tcp)));
  const Bytes extensions = ipv6(
      {.protocol = 6,
       .extensions = {{0, {1, 4, 0, 0, 0, 0}}, {51, Bytes(14, 0x77)}, {60, {1, 4, 0, 0, 0, 0}}}},
      tcp(5, 6, 7, 8, kSyn, {}, {2, 4, 5, 0xb4}));
  return {
      {"vlan_ipv4_tcp", linktype::kEthernet, ethernet(0x8100, vlan(5, 0x0800, http_ipv4()))},
      {"vxlan", linktype::kEthernet, ethernet(0x0800, outer_udp_vxlan)},
      {"erspan3", linktype::kEthernet, ethernet(0x0800, erspan)},
      {"teredo", linktype::kEthernet, ethernet(0x0800, teredo)},
      {"gtpu", linktype::kEthernet, ethernet(0x0800, gtpu_n3)},
      {"ayiya", linktype::kRaw, ayiya_forward},
      {"ipv6_extensions", linktype::kEthernet, ethernet(0x86dd, extensions)},
      {"pppoe", linktype::kEthernet, ethernet(0x8864, pppoe_session(1, 0x0021, inner_tcp))},
      {"mpls_pseudowire", linktype::kEthernet,
       ethernet(0x8847, mpls({1, 2}, join({Bytes{0, 0, 0, 0}, ethernet(0x0800, inner_tcp)})))},
      {"pptp", linktype::kRaw,
       ipv4({.protocol = 47}, pptp_gre(1, 2, 3, ppp(0x0057, http_ipv6(), true)))},
      {"sll2_qinq", linktype::kLinuxSll2,
       linux_sll2(0x88a8, vlan(1, 0x8100, vlan(2, 0x0800, inner_tcp)))},
      // A payload TLV that needs no padding: cutting padding alone would still decode.
      {"nflog", linktype::kNflog,
       nflog(2, {{10, text("prefix")},
                 {9, ipv4({.protocol = 6}, tcp(1, 2, 3, 4, kAck, text("payload!")))}})},
      {"null", linktype::kNull, null_loopback(30, true, http_ipv6())},
      {"hdlc_geneve", linktype::kCiscoHdlc,
       cisco_hdlc(0x0800,
                  ipv4({.protocol = 17},
                       udp(1, 6081, geneve(0x0800, {0, 1, 0x80, 1, 0, 0, 0, 0}, inner_tcp))))},
  };
}

Bytes prefix(const Bytes& frame, std::size_t length) {
  return Bytes(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(length));
}

class TruncationTest : public DecoderTest {};

TEST_F(TruncationTest, EveryPrefixIsRefusedAndCounted) {
  for (const Sample& sample : representative_frames()) {
    SCOPED_TRACE(sample.name);
    ASSERT_EQ(decode(sample.linktype, sample.frame), DecodeResult::kOk);
    for (std::size_t length = 0; length < sample.frame.size(); ++length) {
      const std::uint64_t refused_before = counters().malformed + counters().not_ip;
      const DecodeResult result = decode(sample.linktype, prefix(sample.frame, length));
      EXPECT_TRUE(result == DecodeResult::kMalformed || result == DecodeResult::kNotIp)
          << "prefix of " << length << " bytes gave " << static_cast<int>(result);
      EXPECT_EQ(counters().malformed + counters().not_ip, refused_before + 1) << length;
    }
  }
}

// Any span the decoder reports must lie inside the frame it was given.
void expect_spans_inside(const DecodedPacket& out, ByteSpan frame) {
  const std::uint8_t* begin = frame.data();
  const std::uint8_t* end = frame.data() + frame.size();
  EXPECT_GE(out.datagram.data(), begin);
  EXPECT_LE(out.datagram.data() + out.datagram.size(), end);
  EXPECT_LE(std::size_t{out.payload_offset} + out.payload_length, out.datagram.size());
}

TEST_F(TruncationTest, CorruptedBytesNeverEscapeTheFrame) {
  for (const Sample& sample : representative_frames()) {
    SCOPED_TRACE(sample.name);
    for (std::size_t at = 0; at < sample.frame.size(); ++at) {
      for (std::uint8_t flip : {0x01, 0x10, 0x80, 0xff}) {
        Bytes corrupted = sample.frame;
        corrupted[at] ^= flip;
        if (decode(sample.linktype, corrupted) == DecodeResult::kOk) {
          expect_spans_inside(out_, ByteSpan(frame_.get(), corrupted.size()));
        }
      }
    }
  }
}

}  // namespace
}  // namespace bw::decode::testing
