// One test per tunnel: the innermost datagram must win, with encapsulation bits recorded.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "tests/unit/decode/decoder_fixture.h"

namespace bw::decode::testing {
namespace {

// The outer datagram, left as ordinary UDP between the tunnel endpoints.
void expect_outer_udp(const DecodedPacket& out, const Bytes& udp_payload) {
  EXPECT_EQ(out.src_ip, ip(kTunnelA4));
  EXPECT_EQ(out.dst_ip, ip(kTunnelB4));
  EXPECT_EQ(out.ip_protocol, 17);
  EXPECT_EQ(payload_bytes(out), udp_payload);
  EXPECT_EQ(out.encapsulation, 0u);
}

// A tunnel message that must stay an ordinary UDP datagram, and the weird that must count it.
struct RejectedMessage {
  const char* name;
  Bytes message;
  std::uint64_t DecodeCounters::*weird;
};

class TunnelTest : public DecoderTest {
 protected:
  // Sends each message in the frame `wrap` builds around it: the outer datagram must come out as
  // UDP between the tunnel endpoints, with the message as its payload and its weird counted once.
  void expect_each_rejected(const std::vector<RejectedMessage>& cases,
                            const std::function<Bytes(const Bytes&)>& wrap) {
    for (const RejectedMessage& c : cases) {
      const std::uint64_t before = counters().*c.weird;
      SCOPED_TRACE(c.name);
      ASSERT_EQ(decode_ethernet(wrap(c.message)), DecodeResult::kOk);
      expect_outer_udp(out_, c.message);
      EXPECT_EQ(counters().*c.weird, before + 1);
    }
  }
};

Bytes outer_ipv4(std::uint8_t protocol, const Bytes& payload) {
  return ipv4({.src = kTunnelA4, .dst = kTunnelB4, .protocol = protocol}, payload);
}

Bytes outer_udp(std::uint16_t dst_port, const Bytes& payload) {
  return ethernet(0x0800, outer_ipv4(17, udp(51000, dst_port, payload)));
}

TEST_F(TunnelTest, GreIpv4WithAllOptionalFields) {
  const Bytes tunnel =
      gre({.protocol = 0x0800, .checksum = true, .key = 0xfeed, .sequence = 9}, http_ipv4());
  ASSERT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, tunnel))), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.encapsulation, kEncapGre);
  EXPECT_EQ(datagram_bytes(out_), http_ipv4());
  EXPECT_EQ(counters().ipv4, 2u);
  EXPECT_EQ(counters().gre, 1u);
}

TEST_F(TunnelTest, GreIpv6InsideIpv6) {
  const Bytes frame = ethernet(0x86dd, ipv6({.src = kServer6, .dst = kClient6, .protocol = 47},
                                            gre({.protocol = 0x86dd, .key = 1}, http_ipv6())));
  ASSERT_EQ(decode_ethernet(frame), DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kClient6));
  EXPECT_EQ(out_.dst_ip, ip(kServer6));
  EXPECT_EQ(payload_text(out_), kHttpGet);
  EXPECT_EQ(out_.encapsulation, kEncapGre);
}

TEST_F(TunnelTest, GreTransparentEthernetBridging) {
  const Bytes inner = ethernet(0x8100, vlan(321, 0x0800, http_ipv4()));
  const Bytes frame = ethernet(0x0800, outer_ipv4(47, gre({.protocol = 0x6558}, inner)));
  ASSERT_EQ(decode_ethernet(frame), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.encapsulation, kEncapGre | kEncapVlan);
  EXPECT_EQ(out_.outer_vlan_id, 321);
}

TEST_F(TunnelTest, GreMalformedAndUnsupported) {
  EXPECT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, Bytes{0x00, 0x00, 0x08}))),
            DecodeResult::kMalformed);
  EXPECT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, Bytes{0x30, 0x00, 0x08, 0x00, 1, 2}))),
            DecodeResult::kMalformed);  // key and sequence announced, 2 bytes present
  EXPECT_EQ(counters().gre_truncated, 2u);
  EXPECT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, gre({.protocol = 0x0806}, {})))),
            DecodeResult::kNotIp);
  EXPECT_EQ(counters().gre_unsupported_protocol, 1u);
  EXPECT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, Bytes{0x00, 0x02, 0x08, 0x00}))),
            DecodeResult::kMalformed);
  EXPECT_EQ(counters().gre_unsupported_version, 1u);
  EXPECT_EQ(
      decode_ethernet(ethernet(0x0800, outer_ipv4(47, Bytes{0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0}))),
      DecodeResult::kMalformed);
  EXPECT_EQ(counters().gre_source_routing, 1u);
}

TEST_F(TunnelTest, ErspanTypeI) {
  const Bytes inner = ethernet(0x0800, http_ipv4());
  ASSERT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, gre({.protocol = 0x88be}, inner)))),
            DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.encapsulation, kEncapGre | kEncapErspan);
}

TEST_F(TunnelTest, ErspanTypeII) {
  const Bytes inner = ethernet(0x8100, vlan(5, 0x0800, http_ipv4()));
  const Bytes tunnel = gre({.protocol = 0x88be, .sequence = 1}, erspan_type2(17, inner));
  ASSERT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, tunnel))), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.encapsulation, kEncapGre | kEncapErspan | kEncapVlan);
  EXPECT_EQ(out_.outer_vlan_id, 5);
  EXPECT_EQ(counters().erspan, 1u);
}

TEST_F(TunnelTest, ErspanTypeIIIWithAndWithoutPlatformSubheader) {
  for (bool subheader : {false, true}) {
    const Bytes tunnel = gre({.protocol = 0x22eb, .sequence = 2},
                             erspan_type3(3, 0, subheader, ethernet(0x86dd, http_ipv6())));
    ASSERT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, tunnel))), DecodeResult::kOk)
        << subheader;
    EXPECT_EQ(out_.src_ip, ip(kClient6));
    EXPECT_EQ(payload_text(out_), kHttpGet);
    EXPECT_EQ(out_.encapsulation, kEncapGre | kEncapErspan);
  }
  // Frame type 2 carries IP without an Ethernet header.
  const Bytes ip_frame =
      gre({.protocol = 0x22eb, .sequence = 3}, erspan_type3(3, 2, false, http_ipv4()));
  ASSERT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, ip_frame))), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
}

TEST_F(TunnelTest, ErspanMalformed) {
  Bytes wrong_version = erspan_type2(1, ethernet(0x0800, http_ipv4()));
  wrong_version[0] = 0x20;
  EXPECT_EQ(decode_ethernet(ethernet(
                0x0800, outer_ipv4(47, gre({.protocol = 0x88be, .sequence = 1}, wrong_version)))),
            DecodeResult::kMalformed);
  EXPECT_EQ(counters().erspan_bad_version, 1u);
  EXPECT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, gre({.protocol = 0x22eb, .sequence = 1},
                                                                repeat(0x20, 11))))),
            DecodeResult::kMalformed);
  EXPECT_EQ(counters().erspan_truncated, 1u);
  EXPECT_EQ(decode_ethernet(
                ethernet(0x0800, outer_ipv4(47, gre({.protocol = 0x22eb, .sequence = 1},
                                                    erspan_type3(1, 5, false, http_ipv4()))))),
            DecodeResult::kNotIp);
  EXPECT_EQ(counters().erspan_unsupported_frame_type, 1u);
}

TEST_F(TunnelTest, PptpEnhancedGreCarryingPpp) {
  const Bytes tunnel = pptp_gre(0x4242, 10, 9, ppp(0x0021, http_ipv4(), true));
  ASSERT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, tunnel))), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.encapsulation, kEncapGre);

  // Address/control and protocol field compressed, no acknowledgment.
  const Bytes compressed = pptp_gre(1, 11, std::nullopt, join({Bytes{0x57}, http_ipv6()}));
  ASSERT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, compressed))), DecodeResult::kOk);
  EXPECT_EQ(out_.ip_version, 6);
  EXPECT_EQ(payload_text(out_), kHttpGet);
}

TEST_F(TunnelTest, PptpAckOnlyAndMalformed) {
  EXPECT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, pptp_gre(1, std::nullopt, 5, {})))),
            DecodeResult::kNotIp);
  Bytes no_key = pptp_gre(1, 1, std::nullopt, ppp(0x0021, http_ipv4(), true));
  no_key[0] &= 0xdf;
  EXPECT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, no_key))), DecodeResult::kMalformed);
  EXPECT_EQ(counters().pptp_bad_header, 1u);
  Bytes long_payload = pptp_gre(1, 1, std::nullopt, ppp(0x0021, http_ipv4(), true));
  set16(long_payload, 4, 0x7fff);
  EXPECT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(47, long_payload))),
            DecodeResult::kMalformed);
  EXPECT_EQ(counters().gre_truncated, 1u);
}

TEST_F(TunnelTest, Vxlan) {
  const Bytes inner = ethernet(0x8100, vlan(2000, 0x0800, http_ipv4()));
  ASSERT_EQ(decode_ethernet(outer_udp(4789, vxlan(0x123456, inner))), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.encapsulation, kEncapVxlan | kEncapVlan);
  EXPECT_EQ(out_.outer_vlan_id, 2000);
  EXPECT_EQ(out_.tcp_seq, 1000u);
  EXPECT_EQ(counters().vxlan, 1u);
  EXPECT_EQ(counters().udp, 1u);
}

TEST_F(TunnelTest, OuterVlanWinsOverInnerVlan) {
  const Bytes inner = ethernet(0x8100, vlan(2000, 0x0800, http_ipv4()));
  const Bytes frame =
      ethernet(0x8100, vlan(10, 0x0800, outer_ipv4(17, udp(1, 4789, vxlan(7, inner)))));
  ASSERT_EQ(decode_ethernet(frame), DecodeResult::kOk);
  EXPECT_EQ(out_.outer_vlan_id, 10);
}

TEST_F(TunnelTest, VxlanWithoutVniFlagStaysUdp) {
  Bytes not_vxlan = vxlan(1, ethernet(0x0800, http_ipv4()));
  not_vxlan[0] = 0;
  ASSERT_EQ(decode_ethernet(outer_udp(4789, not_vxlan)), DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kTunnelA4));
  EXPECT_EQ(out_.ip_protocol, 17);
  EXPECT_EQ(out_.dst_port, 4789);
  EXPECT_EQ(payload_bytes(out_), not_vxlan);
  EXPECT_EQ(out_.encapsulation, 0u);
  EXPECT_EQ(counters().vxlan_bad_header, 1u);
}

TEST_F(TunnelTest, VxlanCarryingArpIsNotIp) {
  EXPECT_EQ(decode_ethernet(outer_udp(4789, vxlan(1, ethernet(0x0806, repeat(0, 28))))),
            DecodeResult::kNotIp);
}

TEST_F(TunnelTest, VxlanPortIsConfigurable) {
  DecoderConfig config;
  config.vxlan_port = 8472;  // Linux's historical default
  PacketDecoder decoder(config);
  DecodedPacket out;
  const Bytes frame = outer_udp(8472, vxlan(1, ethernet(0x0800, http_ipv4())));
  ASSERT_EQ(decoder.decode(linktype::kEthernet, frame, 0, out), DecodeResult::kOk);
  EXPECT_EQ(out.encapsulation, kEncapVxlan);
  EXPECT_EQ(out.dst_port, 80);
  const Bytes standard = outer_udp(4789, vxlan(1, ethernet(0x0800, http_ipv4())));
  ASSERT_EQ(decoder.decode(linktype::kEthernet, standard, 0, out), DecodeResult::kOk);
  EXPECT_EQ(out.encapsulation, 0u);
  EXPECT_EQ(out.dst_port, 4789);
}

TEST_F(TunnelTest, GeneveWithOptionsCarryingEthernetOrIp) {
  const Bytes options = {0x01, 0x02, 0x80, 0x01, 0xde, 0xad, 0xbe, 0xef};  // one 4-byte option
  ASSERT_EQ(
      decode_ethernet(outer_udp(6081, geneve(0x6558, options, ethernet(0x0800, http_ipv4())))),
      DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.encapsulation, kEncapGeneve);

  ASSERT_EQ(decode_ethernet(outer_udp(6081, geneve(0x86dd, {}, http_ipv6()))), DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kClient6));
  EXPECT_EQ(payload_text(out_), kHttpGet);

  ASSERT_EQ(decode_ethernet(outer_udp(6081, geneve(0x0800, {}, http_ipv4()))), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(counters().geneve, 3u);
}

TEST_F(TunnelTest, GeneveBadHeaderAndUnsupportedProtocol) {
  Bytes version_one = geneve(0x6558, {}, ethernet(0x0800, http_ipv4()));
  version_one[0] = 0x40;
  ASSERT_EQ(decode_ethernet(outer_udp(6081, version_one)), DecodeResult::kOk);
  EXPECT_EQ(out_.dst_port, 6081);
  Bytes options_too_long = geneve(0x6558, {}, Bytes{1, 2, 3});
  options_too_long[0] = 0x3f;
  ASSERT_EQ(decode_ethernet(outer_udp(6081, options_too_long)), DecodeResult::kOk);
  EXPECT_EQ(counters().geneve_bad_header, 2u);
  EXPECT_EQ(decode_ethernet(outer_udp(6081, geneve(0x0806, {}, repeat(0, 28)))),
            DecodeResult::kNotIp);
  EXPECT_EQ(counters().geneve_unsupported_protocol, 1u);
}

TEST_F(TunnelTest, IpInIpAllFourCombinations) {
  ASSERT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(4, http_ipv4()))), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.encapsulation, kEncapIpInIp);

  ASSERT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(41, http_ipv6()))), DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kClient6));
  EXPECT_EQ(out_.encapsulation, kEncapIpInIp);

  const Ipv6Spec outer6 = {.src = kServer6, .dst = kClient6, .protocol = 4};
  ASSERT_EQ(decode_ethernet(ethernet(0x86dd, ipv6(outer6, http_ipv4()))), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);

  Ipv6Spec outer6in6 = outer6;
  outer6in6.protocol = 41;
  ASSERT_EQ(decode_ethernet(ethernet(0x86dd, ipv6(outer6in6, http_ipv6()))), DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kClient6));
  EXPECT_EQ(payload_text(out_), kHttpGet);
  EXPECT_EQ(counters().ip_in_ip, 4u);
}

TEST_F(TunnelTest, IpInIpWithWrongInnerVersionIsMalformed) {
  EXPECT_EQ(decode_ethernet(ethernet(0x0800, outer_ipv4(4, http_ipv6()))),
            DecodeResult::kMalformed);
  EXPECT_EQ(counters().ipv4_bad_version, 1u);
}

Bytes teredo_frame(const Bytes& teredo_payload, std::uint16_t src_port = 3544,
                   std::uint16_t dst_port = 40000) {
  return ethernet(0x0800, outer_ipv4(17, udp(src_port, dst_port, teredo_payload)));
}

TEST_F(TunnelTest, TeredoPlainWithOriginAndWithAuthentication) {
  ASSERT_EQ(decode_ethernet(teredo_frame(http_ipv6())), DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kClient6));
  EXPECT_EQ(out_.dst_port, 80);
  EXPECT_EQ(out_.encapsulation, kEncapTeredo);

  const Bytes origin = teredo_origin_indication(40000, kClient4);
  ASSERT_EQ(decode_ethernet(teredo_frame(join({origin, http_ipv6()}), 40000, 3544)),
            DecodeResult::kOk);
  EXPECT_EQ(payload_text(out_), kHttpGet);

  const Bytes auth = teredo_authentication(text("client"), text("secret"));
  ASSERT_EQ(decode_ethernet(teredo_frame(join({auth, origin, http_ipv6()}))), DecodeResult::kOk);
  EXPECT_EQ(payload_text(out_), kHttpGet);
  EXPECT_EQ(counters().teredo, 3u);
}

TEST_F(TunnelTest, TeredoBubble) {
  // An IPv6 header with No Next Header and no payload, used to open NAT mappings.
  ASSERT_EQ(decode_ethernet(teredo_frame(ipv6({.protocol = 59}, {}))), DecodeResult::kOk);
  EXPECT_EQ(out_.encapsulation, kEncapTeredo);
  EXPECT_EQ(out_.ip_protocol, 59);
  EXPECT_EQ(out_.payload_length, 0u);
}

TEST_F(TunnelTest, NonTeredoTrafficOnTheTeredoPortStaysUdp) {
  ASSERT_EQ(decode_ethernet(teredo_frame(text("not an IPv6 datagram at all, just data"))),
            DecodeResult::kOk);
  EXPECT_EQ(out_.ip_version, 4);
  EXPECT_EQ(out_.src_port, 3544);
  EXPECT_EQ(out_.encapsulation, 0u);
  // An IPv6 header whose length disagrees with the UDP payload is not taken either.
  ASSERT_EQ(decode_ethernet(teredo_frame(join({http_ipv6(), Bytes{0}}))), DecodeResult::kOk);
  EXPECT_EQ(out_.ip_version, 4);
  EXPECT_EQ(counters().teredo, 0u);
}

// IPv4 packets nested `levels` times in IP-in-IP.
Bytes nested_ip_in_ip(int levels) {
  Bytes packet = http_ipv4();
  for (int i = 0; i < levels; ++i)
    packet = outer_ipv4(4, packet);
  return packet;
}

TEST_F(TunnelTest, DepthLimitIsEnforced) {
  ASSERT_EQ(decode(linktype::kRaw, nested_ip_in_ip(8)), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(decode(linktype::kRaw, nested_ip_in_ip(9)), DecodeResult::kMalformed);
  EXPECT_EQ(counters().encapsulation_too_deep, 1u);
}

TEST_F(TunnelTest, StackedTunnels) {
  // Ethernet / VLAN / MPLS / IPv4 / GRE / Ethernet / IPv4 / UDP / VXLAN / Ethernet / IPv6 / TCP
  const Bytes vxlan_part = ipv4({.src = kTunnelB4, .dst = kTunnelA4, .protocol = 17},
                                udp(1234, 4789, vxlan(5, ethernet(0x86dd, http_ipv6()))));
  const Bytes gre_part = outer_ipv4(47, gre({.protocol = 0x6558}, ethernet(0x0800, vxlan_part)));
  const Bytes frame = ethernet(0x8100, vlan(99, 0x8847, mpls({3000}, gre_part)));
  ASSERT_EQ(decode_ethernet(frame), DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kClient6));
  EXPECT_EQ(out_.dst_port, 80);
  EXPECT_EQ(payload_text(out_), kHttpGet);
  EXPECT_EQ(out_.outer_vlan_id, 99);
  EXPECT_EQ(out_.encapsulation, kEncapVlan | kEncapMpls | kEncapGre | kEncapVxlan);
  EXPECT_EQ(datagram_bytes(out_), http_ipv6());
}

Bytes gtpu_frame(const Bytes& gtpu_message, std::uint16_t src_port = 2152,
                 std::uint16_t dst_port = 2152) {
  return ethernet(0x0800, outer_ipv4(17, udp(src_port, dst_port, gtpu_message)));
}

TEST_F(TunnelTest, GtpuGPduWithMandatoryHeaderOnly) {
  const Bytes message = gtpu({}, http_ipv4());
  ASSERT_EQ(message.size(), 8 + http_ipv4().size());
  EXPECT_EQ(Bytes(message.begin(), message.begin() + 8),
            (Bytes{0x30, 0xff, 0x00, static_cast<std::uint8_t>(http_ipv4().size()), 0x12, 0x34,
                   0xab, 0xcd}));
  ASSERT_EQ(decode_ethernet(gtpu_frame(message)), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(datagram_bytes(out_), http_ipv4());
  EXPECT_EQ(out_.tcp_seq, 1000u);
  EXPECT_EQ(out_.encapsulation, kEncapGtpU);
  EXPECT_EQ(counters().gtpu, 1u);
  EXPECT_EQ(counters().ipv4, 2u);
  EXPECT_EQ(counters().udp, 1u);
  EXPECT_EQ(counters().tcp, 1u);
}

TEST_F(TunnelTest, GtpuOptionalFieldsAndExtensionChain) {
  // Sequence number alone: the 4 optional bytes are present, no extension follows.
  ASSERT_EQ(decode_ethernet(gtpu_frame(gtpu({.sequence = 77}, http_ipv4()))), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  // N-PDU number alone, carrying IPv6.
  ASSERT_EQ(decode_ethernet(gtpu_frame(gtpu({.npdu = 3}, http_ipv6()))), DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kClient6));
  EXPECT_EQ(out_.dst_ip, ip(kServer6));
  EXPECT_EQ(payload_text(out_), kHttpGet);
  // A 5G N3 G-PDU: PDU Session Container, then a UDP Port extension (type 0x40) and a longer,
  // 8-byte extension of an unknown type: the chain is walked by its lengths.
  const GtpuSpec chained = {
      .sequence = 1,
      .extensions = {pdu_session_container(), {0x40, {0x08, 0x68}}, {0x81, counting(6)}}};
  const Bytes message = gtpu(chained, http_ipv6());
  EXPECT_EQ(message[0], 0x36);  // version 1, PT, E and S
  EXPECT_EQ(message[11], 0x85);
  ASSERT_EQ(decode_ethernet(gtpu_frame(message)), DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kClient6));
  EXPECT_EQ(out_.dst_port, 80);
  EXPECT_EQ(datagram_bytes(out_), http_ipv6());
  EXPECT_EQ(counters().gtpu, 3u);
}

TEST_F(TunnelTest, GtpuOnEitherPortAndOverIpv6) {
  ASSERT_EQ(decode_ethernet(gtpu_frame(gtpu({}, http_ipv4()), 2152, 40000)), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  ASSERT_EQ(decode_ethernet(gtpu_frame(gtpu({}, http_ipv4()), 40000, 2152)), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  const Bytes outer6 =
      ipv6({.src = kServer6, .dst = kClient6, .protocol = 17},
           udp(2152, 2152, gtpu({.extensions = {pdu_session_container()}}, http_ipv4())));
  ASSERT_EQ(decode_ethernet(ethernet(0x86dd, outer6)), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(counters().gtpu, 3u);
}

TEST_F(TunnelTest, GtpuSignallingMessagesStayUdp) {
  for (std::uint8_t type : {1, 2, 26, 254}) {  // echo request, echo response, error, end marker
    const Bytes message = gtpu({.message_type = type, .sequence = 5}, {});
    ASSERT_EQ(decode_ethernet(gtpu_frame(message)), DecodeResult::kOk) << int{type};
    expect_outer_udp(out_, message);
  }
  EXPECT_EQ(counters().gtpu_signalling_message, 4u);
  EXPECT_EQ(counters().gtpu, 0u);
}

TEST_F(TunnelTest, GtpControlPlaneAndGtpPrimeOnTheUserPlanePortStayUdp) {
  // Built from the flags byte each protocol defines: GTPv2-C (version 2), GTP' (version 1 with
  // protocol type 0) and GTPv0 (version 0), each followed by an IPv4 packet to tempt the decoder.
  for (std::uint8_t flags : {0x48, 0x26, 0x1e}) {
    Bytes message = gtpu({}, http_ipv4());
    message[0] = flags;
    ASSERT_EQ(decode_ethernet(gtpu_frame(message)), DecodeResult::kOk) << int{flags};
    expect_outer_udp(out_, message);
  }
  // GTPv1-C has its own port, 2123, and is never looked at.
  ASSERT_EQ(decode_ethernet(gtpu_frame(gtpu({.message_type = 16}, {}), 2123, 2123)),
            DecodeResult::kOk);
  EXPECT_EQ(counters().gtpu_not_user_plane, 3u);
  EXPECT_EQ(counters().gtpu_signalling_message, 0u);
  EXPECT_EQ(counters().gtpu, 0u);
  EXPECT_EQ(counters().ipv4, 4u);
}

TEST_F(TunnelTest, GtpuMalformedVariantsAreCountedAndStayUdp) {
  Bytes too_long = gtpu({}, http_ipv4());
  set16(too_long, 2, static_cast<std::uint16_t>(http_ipv4().size() + 1));
  Bytes no_room_for_optional = gtpu({.sequence = 1}, {});
  no_room_for_optional.resize(9);
  set16(no_room_for_optional, 2, 1);
  Bytes zero_length_extension = gtpu({.extensions = {pdu_session_container()}}, http_ipv4());
  zero_length_extension[12] = 0;
  Bytes extension_past_message = gtpu({.extensions = {pdu_session_container()}}, {});
  extension_past_message[12] = 2;  // 8 bytes announced, 4 present
  Bytes chain_without_end = gtpu({.extensions = {pdu_session_container()}}, {});
  chain_without_end.back() = 0x40;  // announces another extension, then the message ends
  std::vector<GtpuExtension> endless(17, GtpuExtension{0x40, {0, 0}});
  const std::vector<RejectedMessage> cases = {
      {"short header", Bytes{0x30, 0xff, 0x00}, &DecodeCounters::gtpu_truncated},
      {"length past the datagram", too_long, &DecodeCounters::gtpu_length_mismatch},
      {"optional fields cut", no_room_for_optional, &DecodeCounters::gtpu_truncated},
      {"zero-length extension", zero_length_extension, &DecodeCounters::gtpu_bad_extension},
      {"extension past the message", extension_past_message, &DecodeCounters::gtpu_truncated},
      {"chain without end", chain_without_end, &DecodeCounters::gtpu_truncated},
      {"17 extensions", gtpu({.extensions = endless}, http_ipv4()),
       &DecodeCounters::gtpu_bad_extension},
      {"Ethernet PDU session", gtpu({}, ethernet(0x0800, http_ipv4())),
       &DecodeCounters::gtpu_inner_not_ip},
      {"empty G-PDU", gtpu({}, {}), &DecodeCounters::gtpu_inner_not_ip},
  };
  expect_each_rejected(cases, [](const Bytes& m) { return gtpu_frame(m); });
  EXPECT_EQ(counters().gtpu, 0u);
  // 16 extension headers are still accepted.
  endless.pop_back();
  ASSERT_EQ(decode_ethernet(gtpu_frame(gtpu({.extensions = endless}, http_ipv4()))),
            DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
}

TEST_F(TunnelTest, GtpuWithBrokenInnerPacketIsMalformed) {
  Bytes inner = http_ipv4();
  inner[0] = 0x44;  // header length 16 bytes
  EXPECT_EQ(decode_ethernet(gtpu_frame(gtpu({}, inner))), DecodeResult::kMalformed);
  EXPECT_EQ(counters().ipv4_bad_header_length, 1u);
  EXPECT_EQ(counters().gtpu, 1u);
}

TEST_F(TunnelTest, GtpuNestingCountsAgainstTheDepthLimit) {
  auto nested = [](int levels) {
    Bytes packet = http_ipv4();
    for (int i = 0; i < levels; ++i)
      packet = outer_ipv4(17, udp(2152, 2152, gtpu({}, packet)));
    return packet;
  };
  ASSERT_EQ(decode(linktype::kRaw, nested(8)), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(decode(linktype::kRaw, nested(9)), DecodeResult::kMalformed);
  EXPECT_EQ(counters().encapsulation_too_deep, 1u);
}

Bytes ayiya_frame(const Bytes& ayiya_message, std::uint16_t src_port = 40000,
                  std::uint16_t dst_port = 5072) {
  return ethernet(0x0800, outer_ipv4(17, udp(src_port, dst_port, ayiya_message)));
}

TEST_F(TunnelTest, AyiyaForwardingIpv6AndIpv4) {
  const Bytes message = ayiya({}, http_ipv6());
  EXPECT_EQ(Bytes(message.begin(), message.begin() + 4), (Bytes{0x41, 0x52, 0x11, 41}));
  ASSERT_EQ(message.size(), 8 + 16 + 20 + http_ipv6().size());
  ASSERT_EQ(decode_ethernet(ayiya_frame(message)), DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kClient6));
  EXPECT_EQ(out_.dst_ip, ip(kServer6));
  EXPECT_EQ(out_.dst_port, 80);
  EXPECT_EQ(datagram_bytes(out_), http_ipv6());
  EXPECT_EQ(out_.encapsulation, kEncapAyiya);
  // From the broker's side, with no identity type, hash or signature, carrying IPv4.
  const AyiyaSpec bare = {.identity_length_log2 = 0,
                          .identity_type = 0,
                          .signature_words = 0,
                          .hash_method = 0,
                          .auth_method = 0,
                          .next_header = 4};
  ASSERT_EQ(decode_ethernet(ayiya_frame(ayiya(bare, http_ipv4()), 5072, 40000)), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(counters().ayiya, 2u);
  EXPECT_EQ(counters().ipv4, 3u);
  EXPECT_EQ(counters().ipv6, 1u);
}

TEST_F(TunnelTest, AyiyaRejectsWhatIsNotAForwardedPacket) {
  const std::vector<RejectedMessage> cases = {
      {"short header", Bytes{0x41, 0x52, 0x11, 41, 0, 0, 0}, &DecodeCounters::ayiya_truncated},
      {"heartbeat", ayiya({.opcode = 0}, {}), &DecodeCounters::ayiya_not_forward},
      {"echo request", ayiya({.opcode = 2}, {}), &DecodeCounters::ayiya_not_forward},
      {"identity type 3", ayiya({.identity_type = 3}, http_ipv6()),
       &DecodeCounters::ayiya_bad_header},
      {"hash method 3", ayiya({.hash_method = 3}, http_ipv6()), &DecodeCounters::ayiya_bad_header},
      {"auth method 3", ayiya({.auth_method = 3}, http_ipv6()), &DecodeCounters::ayiya_bad_header},
      {"UDP next header", ayiya({.next_header = 17}, udp(1, 2, {})),
       &DecodeCounters::ayiya_unsupported_next_header},
      {"identity past the end", Bytes{0xf0, 0x00, 0x01, 41, 0, 0, 0, 0, 1, 2, 3},
       &DecodeCounters::ayiya_truncated},  // 32768 identity bytes announced
      {"signature past the end", Bytes{0x00, 0xf0, 0x01, 41, 0, 0, 0, 0, 0, 1, 2, 3},
       &DecodeCounters::ayiya_truncated},
      {"IPv4 announced as IPv6", ayiya({}, http_ipv4()), &DecodeCounters::ayiya_inner_mismatch},
      {"nothing forwarded", ayiya({}, {}), &DecodeCounters::ayiya_inner_mismatch},
  };
  expect_each_rejected(cases, [](const Bytes& m) { return ayiya_frame(m); });
  EXPECT_EQ(counters().ayiya, 0u);
}

TEST_F(TunnelTest, GtpuAndAyiyaPortsAreConfigurable) {
  DecoderConfig config;
  config.gtpu_port = 0;
  config.ayiya_port = 15072;
  PacketDecoder decoder(config);
  DecodedPacket out;
  const Bytes gtp = gtpu_frame(gtpu({}, http_ipv4()));
  ASSERT_EQ(decoder.decode(linktype::kEthernet, gtp, 0, out), DecodeResult::kOk);
  EXPECT_EQ(out.dst_port, 2152);
  const Bytes standard = ayiya_frame(ayiya({}, http_ipv6()));
  ASSERT_EQ(decoder.decode(linktype::kEthernet, standard, 0, out), DecodeResult::kOk);
  EXPECT_EQ(out.dst_port, 5072);
  const Bytes moved = ayiya_frame(ayiya({}, http_ipv6()), 40000, 15072);
  ASSERT_EQ(decoder.decode(linktype::kEthernet, moved, 0, out), DecodeResult::kOk);
  EXPECT_EQ(out.dst_port, 80);
  EXPECT_EQ(decoder.counters().gtpu, 0u);
  EXPECT_EQ(decoder.counters().ayiya, 1u);
}

TEST_F(TunnelTest, AyiyaInsideGtpu) {
  // A subscriber running a tunnel broker client over the mobile network.
  const Bytes inner = ipv4({.src = kClient4, .dst = kTunnelB4, .protocol = 17},
                           udp(40000, 5072, ayiya({}, http_ipv6())));
  ASSERT_EQ(decode_ethernet(gtpu_frame(gtpu({.extensions = {pdu_session_container()}}, inner))),
            DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kClient6));
  EXPECT_EQ(payload_text(out_), kHttpGet);
  EXPECT_EQ(out_.encapsulation, kEncapGtpU | kEncapAyiya);
  EXPECT_EQ(counters().gtpu, 1u);
  EXPECT_EQ(counters().ayiya, 1u);
}

}  // namespace
}  // namespace bw::decode::testing
