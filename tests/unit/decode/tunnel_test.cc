// One test per tunnel: the innermost datagram must win, with encapsulation bits recorded.
#include <gtest/gtest.h>

#include "tests/unit/decode/decoder_fixture.h"

namespace bw::decode::testing {
namespace {

class TunnelTest : public DecoderTest {};

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

}  // namespace
}  // namespace bw::decode::testing
