// One test per link type and per link-level shim (VLAN, MPLS, PPPoE), each asserting the exact
// inner addresses, ports and payload.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/decode/decoder_fixture.h"

namespace bw::decode::testing {
namespace {

class LinkLayerTest : public DecoderTest {};

TEST_F(LinkLayerTest, EthernetIpv4Tcp) {
  ASSERT_EQ(decode_ethernet(ethernet(0x0800, http_ipv4())), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.tcp_seq, 1000u);
  EXPECT_EQ(out_.tcp_ack, 2000u);
  EXPECT_EQ(out_.tcp_flags, kPsh | kAck);
  EXPECT_EQ(out_.encapsulation, 0u);
  EXPECT_EQ(out_.outer_vlan_id, 0);
  EXPECT_EQ(datagram_bytes(out_), http_ipv4());
  EXPECT_EQ(out_.payload_offset, 40u);
  EXPECT_EQ(counters().frames, 1u);
  EXPECT_EQ(counters().ipv4, 1u);
  EXPECT_EQ(counters().tcp, 1u);
}

// A hand-written frame, independent of the builder: 192.0.2.1:1024 -> 192.0.2.2:80 SYN.
TEST_F(LinkLayerTest, HandWrittenEthernetIpv4TcpSyn) {
  const Bytes frame = {
      0x02, 0,    0,    0,    0,    0x02, 0x02, 0,    0,    0,    0,
      0x01, 0x08, 0x00,                                                  // Ethernet
      0x45, 0x00, 0x00, 0x28, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x06,        // IPv4 ...
      0x0a, 0xff, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02,        // ... addresses
      0x04, 0x00, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,  // TCP ports, seq
      0x00, 0x50, 0x02, 0x20, 0x00, 0x07, 0x8e, 0x00, 0x00,              // ack, SYN
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00};                               // Ethernet padding
  ASSERT_EQ(decode_ethernet(frame), DecodeResult::kOk);
  const std::uint8_t src[4] = {192, 0, 2, 1};
  const std::uint8_t dst[4] = {192, 0, 2, 2};
  EXPECT_EQ(out_.src_ip, IpAddress::v4(src));
  EXPECT_EQ(out_.dst_ip, IpAddress::v4(dst));
  EXPECT_EQ(out_.src_port, 1024);
  EXPECT_EQ(out_.dst_port, 80);
  EXPECT_EQ(out_.tcp_seq, 1u);
  EXPECT_EQ(out_.tcp_ack, 0u);
  EXPECT_EQ(out_.tcp_flags, kSyn);
  EXPECT_EQ(out_.datagram.size(), 40u);  // padding trimmed by the total length
  EXPECT_EQ(out_.payload_length, 0u);
}

TEST_F(LinkLayerTest, EthernetIpv6Tcp) {
  ASSERT_EQ(decode_ethernet(ethernet(0x86dd, http_ipv6())), DecodeResult::kOk);
  EXPECT_EQ(out_.ip_version, 6);
  EXPECT_EQ(out_.src_ip, ip(kClient6));
  EXPECT_EQ(out_.dst_ip, ip(kServer6));
  EXPECT_EQ(out_.src_port, 49152);
  EXPECT_EQ(out_.dst_port, 80);
  EXPECT_EQ(payload_text(out_), kHttpGet);
  EXPECT_EQ(out_.payload_offset, 60u);
}

TEST_F(LinkLayerTest, EthernetPaddingIsTrimmed) {
  const Bytes small = ipv4({.protocol = 17}, udp(5353, 53, text("q")));
  Bytes frame = ethernet(0x0800, small);
  frame.resize(60, 0xaa);  // minimum Ethernet frame
  ASSERT_EQ(decode_ethernet(frame), DecodeResult::kOk);
  EXPECT_EQ(out_.datagram.size(), small.size());
  EXPECT_EQ(payload_text(out_), "q");
}

TEST_F(LinkLayerTest, ArpAndLlcAreNotIp) {
  EXPECT_EQ(decode_ethernet(ethernet(0x0806, repeat(0, 28))), DecodeResult::kNotIp);
  // 802.3 length field followed by LLC/SNAP.
  EXPECT_EQ(decode_ethernet(ethernet(0x0026, Bytes{0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00})),
            DecodeResult::kNotIp);
  EXPECT_EQ(decode_ethernet(ethernet(0x0800 - 0x0700, http_ipv4())), DecodeResult::kNotIp);
  EXPECT_EQ(counters().not_ip, 3u);
  EXPECT_EQ(counters().malformed, 0u);
}

TEST_F(LinkLayerTest, EthernetTooShort) {
  EXPECT_EQ(decode_ethernet(Bytes(13, 0)), DecodeResult::kMalformed);
  EXPECT_EQ(counters().ethernet_truncated, 1u);
  EXPECT_EQ(counters().malformed, 1u);
}

TEST_F(LinkLayerTest, SingleVlanTag) {
  const Bytes frame = ethernet(0x8100, vlan(0x2000 | 100, 0x0800, http_ipv4()));
  ASSERT_EQ(decode_ethernet(frame), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.outer_vlan_id, 100);
  EXPECT_EQ(out_.encapsulation, kEncapVlan);
}

TEST_F(LinkLayerTest, QinQRecordsOuterTag) {
  const Bytes frame = ethernet(0x88a8, vlan(300, 0x8100, vlan(42, 0x0800, http_ipv4())));
  ASSERT_EQ(decode_ethernet(frame), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.outer_vlan_id, 300);
  EXPECT_EQ(out_.encapsulation, kEncapVlan | kEncapQinQ);
}

TEST_F(LinkLayerTest, LegacyQinQAndDeepStacks) {
  const Bytes frame = ethernet(
      0x9100, vlan(7, 0x9100, vlan(8, 0x8100, vlan(9, 0x8100, vlan(10, 0x86dd, http_ipv6())))));
  ASSERT_EQ(decode_ethernet(frame), DecodeResult::kOk);
  EXPECT_EQ(out_.outer_vlan_id, 7);
  EXPECT_EQ(out_.encapsulation, kEncapVlan | kEncapQinQ);
  EXPECT_EQ(payload_text(out_), kHttpGet);
}

TEST_F(LinkLayerTest, PriorityTagDoesNotHideTheVlan) {
  const Bytes frame = ethernet(0x8100, vlan(0xe000, 0x8100, vlan(55, 0x0800, http_ipv4())));
  ASSERT_EQ(decode_ethernet(frame), DecodeResult::kOk);
  EXPECT_EQ(out_.outer_vlan_id, 55);
}

TEST_F(LinkLayerTest, VlanTruncated) {
  EXPECT_EQ(decode_ethernet(ethernet(0x8100, Bytes{0x00, 0x64, 0x08})), DecodeResult::kMalformed);
  EXPECT_EQ(counters().vlan_truncated, 1u);
}

TEST_F(LinkLayerTest, MplsLabelStackWithIpv4) {
  ASSERT_EQ(decode_ethernet(ethernet(0x8847, mpls({16, 17, 18}, http_ipv4()))), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.encapsulation, kEncapMpls);
}

TEST_F(LinkLayerTest, MplsWithIpv6AfterVlan) {
  const Bytes frame = ethernet(0x8100, vlan(12, 0x8847, mpls({100}, http_ipv6())));
  ASSERT_EQ(decode_ethernet(frame), DecodeResult::kOk);
  EXPECT_EQ(out_.ip_version, 6);
  EXPECT_EQ(out_.encapsulation, kEncapVlan | kEncapMpls);
  EXPECT_EQ(out_.outer_vlan_id, 12);
}

TEST_F(LinkLayerTest, MplsPseudowireWithControlWord) {
  const Bytes inner = ethernet(0x8100, vlan(77, 0x0800, http_ipv4()));
  const Bytes frame = ethernet(0x8847, mpls({1000, 2000}, join({Bytes{0, 0, 0, 5}, inner})));
  ASSERT_EQ(decode_ethernet(frame), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.encapsulation, kEncapMpls | kEncapVlan);
  EXPECT_EQ(out_.outer_vlan_id, 77);
}

TEST_F(LinkLayerTest, MplsMalformed) {
  // Bottom of stack never set.
  EXPECT_EQ(decode_ethernet(ethernet(0x8847, Bytes{0, 1, 0, 64, 0, 2, 0, 64})),
            DecodeResult::kMalformed);
  EXPECT_EQ(counters().mpls_truncated, 1u);
  // Payload that is neither IPv4, IPv6 nor a control word.
  EXPECT_EQ(decode_ethernet(ethernet(0x8847, mpls({5}, Bytes{0x95, 1, 2, 3}))),
            DecodeResult::kNotIp);
  EXPECT_EQ(counters().mpls_unknown_payload, 1u);
}

TEST_F(LinkLayerTest, PppoeSessionIpv4AndIpv6) {
  ASSERT_EQ(decode_ethernet(ethernet(0x8864, pppoe_session(0x1234, 0x0021, http_ipv4()))),
            DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(out_.encapsulation, kEncapPppoe);

  ASSERT_EQ(decode_ethernet(ethernet(0x8864, pppoe_session(0x1234, 0x0057, http_ipv6()))),
            DecodeResult::kOk);
  EXPECT_EQ(out_.ip_version, 6);
  EXPECT_EQ(payload_text(out_), kHttpGet);
}

TEST_F(LinkLayerTest, PppoeOverVlanWithPadding) {
  const Bytes small = ipv4({.protocol = 17}, udp(40000, 53, text("dns")));
  Bytes frame = ethernet(0x8100, vlan(10, 0x8864, pppoe_session(1, 0x0021, small)));
  frame.resize(frame.size() + 9, 0);  // padding after the PPPoE payload
  ASSERT_EQ(decode_ethernet(frame), DecodeResult::kOk);
  EXPECT_EQ(payload_text(out_), "dns");
  EXPECT_EQ(out_.encapsulation, kEncapVlan | kEncapPppoe);
}

TEST_F(LinkLayerTest, PppoeControlAndMalformed) {
  EXPECT_EQ(decode_ethernet(ethernet(0x8864, pppoe_session(1, 0xc021, repeat(1, 10)))),
            DecodeResult::kNotIp);  // LCP
  Bytes bad_version = pppoe_session(1, 0x0021, http_ipv4());
  bad_version[0] = 0x21;
  EXPECT_EQ(decode_ethernet(ethernet(0x8864, bad_version)), DecodeResult::kMalformed);
  EXPECT_EQ(counters().pppoe_bad_header, 1u);
  Bytes long_length = pppoe_session(1, 0x0021, http_ipv4());
  set16(long_length, 4, 0x0fff);
  EXPECT_EQ(decode_ethernet(ethernet(0x8864, long_length)), DecodeResult::kMalformed);
  EXPECT_EQ(counters().pppoe_truncated, 1u);
}

TEST_F(LinkLayerTest, LinuxCookedV1) {
  ASSERT_EQ(decode(linktype::kLinuxSll, linux_sll(0x0800, http_ipv4())), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  ASSERT_EQ(decode(linktype::kLinuxSll, linux_sll(0x86dd, http_ipv6())), DecodeResult::kOk);
  EXPECT_EQ(out_.ip_version, 6);
  EXPECT_EQ(decode(linktype::kLinuxSll, linux_sll(0x0800, http_ipv4(), 824)),
            DecodeResult::kNotIp);  // netlink
  EXPECT_EQ(decode(linktype::kLinuxSll, Bytes(15, 0)), DecodeResult::kMalformed);
  EXPECT_EQ(counters().linux_sll_truncated, 1u);
}

TEST_F(LinkLayerTest, LinuxCookedV2) {
  ASSERT_EQ(decode(linktype::kLinuxSll2, linux_sll2(0x0800, http_ipv4())), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  ASSERT_EQ(decode(linktype::kLinuxSll2, linux_sll2(0x8100, vlan(9, 0x86dd, http_ipv6()))),
            DecodeResult::kOk);
  EXPECT_EQ(out_.outer_vlan_id, 9);
  EXPECT_EQ(decode(linktype::kLinuxSll2, Bytes(19, 0)), DecodeResult::kMalformed);
  EXPECT_EQ(counters().linux_sll2_truncated, 1u);
}

TEST_F(LinkLayerTest, RawIpLinkTypes) {
  for (std::uint32_t linktype : {linktype::kRaw, linktype::kDltRaw12, linktype::kDltRaw14}) {
    ASSERT_EQ(decode(linktype, http_ipv4()), DecodeResult::kOk) << linktype;
    expect_tcp4(49152, 80, kHttpGet);
    ASSERT_EQ(decode(linktype, http_ipv6()), DecodeResult::kOk) << linktype;
    EXPECT_EQ(out_.src_ip, ip(kClient6));
  }
  EXPECT_EQ(decode(linktype::kRaw, Bytes{0x50, 0, 0, 0}), DecodeResult::kMalformed);
  EXPECT_EQ(decode(linktype::kRaw, Bytes{}), DecodeResult::kMalformed);
  EXPECT_EQ(counters().ip_version_unknown, 2u);
}

TEST_F(LinkLayerTest, Ipv4AndIpv6LinkTypesInsistOnTheirVersion) {
  ASSERT_EQ(decode(linktype::kIpv4, http_ipv4()), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  ASSERT_EQ(decode(linktype::kIpv6, http_ipv6()), DecodeResult::kOk);
  EXPECT_EQ(out_.dst_ip, ip(kServer6));
  EXPECT_EQ(decode(linktype::kIpv4, http_ipv6()), DecodeResult::kMalformed);
  EXPECT_EQ(decode(linktype::kIpv6, http_ipv4()), DecodeResult::kMalformed);
  EXPECT_EQ(counters().ipv4_bad_version, 1u);
  EXPECT_EQ(counters().ipv6_bad_version, 1u);
}

TEST_F(LinkLayerTest, BsdLoopbackAcceptsBothByteOrders) {
  for (bool little_endian : {true, false}) {
    ASSERT_EQ(decode(linktype::kNull, null_loopback(2, little_endian, http_ipv4())),
              DecodeResult::kOk);
    expect_tcp4(49152, 80, kHttpGet);
    for (std::uint32_t family : {24u, 28u, 30u}) {
      ASSERT_EQ(decode(linktype::kNull, null_loopback(family, little_endian, http_ipv6())),
                DecodeResult::kOk)
          << family;
      EXPECT_EQ(out_.ip_version, 6);
      EXPECT_EQ(payload_text(out_), kHttpGet);
    }
  }
  EXPECT_EQ(decode(linktype::kNull, null_loopback(7, true, http_ipv4())), DecodeResult::kNotIp);
  EXPECT_EQ(decode(linktype::kNull, Bytes{2, 0, 0}), DecodeResult::kMalformed);
  EXPECT_EQ(counters().loopback_truncated, 1u);
}

TEST_F(LinkLayerTest, OpenBsdLoopIsNetworkOrder) {
  ASSERT_EQ(decode(linktype::kLoop, null_loopback(2, false, http_ipv4())), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  ASSERT_EQ(decode(linktype::kLoop, null_loopback(24, false, http_ipv6())), DecodeResult::kOk);
  EXPECT_EQ(out_.ip_version, 6);
  // Host order is not guessed here: 0x02000000 is no family.
  EXPECT_EQ(decode(linktype::kLoop, null_loopback(2, true, http_ipv4())), DecodeResult::kNotIp);
}

TEST_F(LinkLayerTest, PppWithAndWithoutAddressControl) {
  for (bool address_control : {true, false}) {
    ASSERT_EQ(decode(linktype::kPpp, ppp(0x0021, http_ipv4(), address_control)), DecodeResult::kOk);
    expect_tcp4(49152, 80, kHttpGet);
    ASSERT_EQ(decode(linktype::kPpp, ppp(0x0057, http_ipv6(), address_control)), DecodeResult::kOk);
    EXPECT_EQ(out_.ip_version, 6);
  }
  // Protocol field compression: a single odd byte.
  ASSERT_EQ(decode(linktype::kPpp, join({Bytes{0x21}, http_ipv4()})), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  EXPECT_EQ(decode(linktype::kPpp, ppp(0xc021, repeat(0, 8), true)), DecodeResult::kNotIp);
  EXPECT_EQ(decode(linktype::kPpp, Bytes{0xff, 0x03}), DecodeResult::kMalformed);
  EXPECT_EQ(decode(linktype::kPpp, Bytes{0xff, 0x03, 0x00}), DecodeResult::kMalformed);
  EXPECT_EQ(counters().ppp_truncated, 2u);
}

TEST_F(LinkLayerTest, CiscoHdlc) {
  ASSERT_EQ(decode(linktype::kCiscoHdlc, cisco_hdlc(0x0800, http_ipv4())), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  ASSERT_EQ(decode(linktype::kCiscoHdlc, cisco_hdlc(0x86dd, http_ipv6())), DecodeResult::kOk);
  EXPECT_EQ(out_.ip_version, 6);
  EXPECT_EQ(decode(linktype::kCiscoHdlc, cisco_hdlc(0x8035, repeat(0, 20))),
            DecodeResult::kNotIp);  // SLARP
  EXPECT_EQ(decode(linktype::kCiscoHdlc, Bytes{0x0f, 0, 8}), DecodeResult::kMalformed);
  EXPECT_EQ(counters().cisco_hdlc_truncated, 1u);
}

TEST_F(LinkLayerTest, NflogWalksTlvsToThePayload) {
  // Prefix (type 10, 5 bytes, padded to 8), hardware header (type 1), then the payload.
  const Bytes frame = nflog(2, {{10, text("drop")}, {1, Bytes{0x08, 0x00, 3}}, {9, http_ipv4()}});
  ASSERT_EQ(decode(linktype::kNflog, frame), DecodeResult::kOk);
  expect_tcp4(49152, 80, kHttpGet);
  ASSERT_EQ(decode(linktype::kNflog, nflog(10, {{9, http_ipv6()}})), DecodeResult::kOk);
  EXPECT_EQ(out_.ip_version, 6);
  EXPECT_EQ(payload_text(out_), kHttpGet);
}

TEST_F(LinkLayerTest, NflogOddCases) {
  EXPECT_EQ(decode(linktype::kNflog, nflog(2, {{10, text("no payload")}})), DecodeResult::kNotIp);
  EXPECT_EQ(counters().nflog_without_payload, 1u);
  EXPECT_EQ(decode(linktype::kNflog, nflog(7, {{9, http_ipv4()}})), DecodeResult::kNotIp);
  EXPECT_EQ(decode(linktype::kNflog, Bytes{2, 0, 0, 0, 2, 0, 9, 0}), DecodeResult::kMalformed);
  EXPECT_EQ(counters().nflog_bad_tlv, 1u);
  EXPECT_EQ(decode(linktype::kNflog, Bytes{2, 0, 0, 0, 0x40, 0, 9, 0, 0x45}),
            DecodeResult::kMalformed);
  EXPECT_EQ(decode(linktype::kNflog, Bytes{2, 0}), DecodeResult::kMalformed);
  EXPECT_EQ(counters().nflog_truncated, 2u);
}

TEST_F(LinkLayerTest, UnsupportedLinkType) {
  EXPECT_FALSE(PacketDecoder::supports_linktype(127));  // radiotap
  EXPECT_EQ(decode(127, http_ipv4()), DecodeResult::kUnsupportedLinkType);
  EXPECT_EQ(counters().unsupported_linktype, 1u);
}

TEST_F(LinkLayerTest, EverySupportedLinkTypeIsDecoded) {
  const auto supported = PacketDecoder::supported_linktypes();
  EXPECT_EQ(supported.size(), 13u);
  for (std::uint32_t linktype : supported) {
    EXPECT_TRUE(PacketDecoder::supports_linktype(linktype));
    EXPECT_NE(decode(linktype, Bytes(64, 0)), DecodeResult::kUnsupportedLinkType) << linktype;
  }
  EXPECT_EQ(counters().unsupported_linktype, 0u);
}

}  // namespace
}  // namespace bw::decode::testing
