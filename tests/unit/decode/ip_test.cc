// IPv4/IPv6 header checks, IPv6 extension headers, and the TCP/UDP layer.
#include <gtest/gtest.h>

#include "tests/unit/decode/decoder_fixture.h"

namespace bw::decode::testing {
namespace {

class IpTest : public DecoderTest {
 protected:
  DecodeResult decode_raw(const Bytes& packet) { return decode(linktype::kRaw, packet); }
};

TEST_F(IpTest, Ipv4OptionsAreSkipped) {
  const Bytes options = {0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00};  // router alert, NOPs
  const Bytes packet = ipv4({.protocol = 17, .options = options}, udp(68, 67, text("dhcp")));
  ASSERT_EQ(decode_raw(packet), DecodeResult::kOk);
  EXPECT_EQ(out_.payload_offset, 28u + 8);
  EXPECT_EQ(out_.src_port, 68);
  EXPECT_EQ(payload_text(out_), "dhcp");
}

TEST_F(IpTest, Ipv4HeaderChecks) {
  Bytes short_ihl = http_ipv4();
  short_ihl[0] = 0x44;
  EXPECT_EQ(decode_raw(short_ihl), DecodeResult::kMalformed);
  EXPECT_EQ(counters().ipv4_bad_header_length, 1u);

  Bytes long_ihl = ipv4({.protocol = 17}, {});
  long_ihl[0] = 0x4f;  // 60 bytes of header in a 20-byte packet
  EXPECT_EQ(decode_raw(long_ihl), DecodeResult::kMalformed);
  EXPECT_EQ(counters().ipv4_header_truncated, 1u);

  Bytes small_total = http_ipv4();
  set16(small_total, 2, 19);
  EXPECT_EQ(decode_raw(small_total), DecodeResult::kMalformed);
  EXPECT_EQ(counters().ipv4_total_length_too_small, 1u);

  Bytes cut = http_ipv4();
  cut.pop_back();
  EXPECT_EQ(decode_raw(cut), DecodeResult::kMalformed);
  EXPECT_EQ(counters().ipv4_truncated, 1u);
  EXPECT_EQ(counters().malformed, 4u);
}

TEST_F(IpTest, Ipv4ZeroTotalLengthFromSegmentationOffload) {
  Bytes packet = http_ipv4();
  set16(packet, 2, 0);
  ASSERT_EQ(decode_raw(packet), DecodeResult::kOk);
  EXPECT_EQ(payload_text(out_), kHttpGet);
  EXPECT_EQ(counters().ipv4_total_length_zero, 1u);
}

TEST_F(IpTest, OtherTransportsKeepTheirBytesAsPayload) {
  const Bytes icmp = {8, 0, 0xf7, 0xfe, 0, 1, 0, 1};  // echo request
  ASSERT_EQ(decode_raw(ipv4({.protocol = 1}, icmp)), DecodeResult::kOk);
  EXPECT_EQ(out_.ip_protocol, 1);
  EXPECT_EQ(out_.src_port, 0);
  EXPECT_EQ(out_.dst_port, 0);
  EXPECT_EQ(payload_bytes(out_), icmp);

  const Bytes icmpv6 = {128, 0, 0, 0, 0, 1, 0, 1};
  ASSERT_EQ(decode_raw(ipv6({.protocol = 58}, icmpv6)), DecodeResult::kOk);
  EXPECT_EQ(out_.ip_protocol, 58);
  EXPECT_EQ(payload_bytes(out_), icmpv6);

  const Bytes sctp = counting(28);
  ASSERT_EQ(decode_raw(ipv4({.protocol = 132}, sctp)), DecodeResult::kOk);
  EXPECT_EQ(out_.src_port, 0);  // no port parsing outside TCP and UDP
  EXPECT_EQ(payload_bytes(out_), sctp);
  EXPECT_EQ(counters().other_transport, 3u);
}

TEST_F(IpTest, Ipv6ExtensionChain) {
  const Ipv6Spec spec = {
      .protocol = 17,
      .extensions = {{0, {1, 4, 0, 0, 0, 0}},                            // hop-by-hop, PadN
                     {43, {0, 0, 0, 0, 0, 0}},                           // routing, segments left 0
                     {60, {1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},  // destination options
                     {135, {0, 0, 0, 0, 0, 0}},                          // mobility
                     {139, {0, 0, 0, 0, 0, 0}},                          // HIP
                     {140, {0, 0, 0, 0, 0, 0}},                          // shim6
                     {51, Bytes(22, 0x5a)}}};  // AH: 24 bytes, length byte 4
  const Bytes packet = ipv6(spec, udp(5000, 53, text("query")));
  ASSERT_EQ(decode_raw(packet), DecodeResult::kOk);
  EXPECT_EQ(out_.ip_protocol, 17);
  EXPECT_EQ(out_.payload_offset, 40u + 8 + 8 + 16 + 8 + 8 + 8 + 24 + 8);
  EXPECT_EQ(out_.src_port, 5000);
  EXPECT_EQ(out_.dst_port, 53);
  EXPECT_EQ(payload_text(out_), "query");
}

TEST_F(IpTest, Ipv6StopsAtEspAndNoNextHeader) {
  const Bytes esp = join({Bytes{0, 0, 0x10, 0x01, 0, 0, 0, 1}, counting(24)});
  ASSERT_EQ(decode_raw(ipv6({.protocol = 50, .extensions = {{60, {1, 4, 0, 0, 0, 0}}}}, esp)),
            DecodeResult::kOk);
  EXPECT_EQ(out_.ip_protocol, 50);
  EXPECT_EQ(out_.src_port, 0);
  EXPECT_EQ(payload_bytes(out_), esp);

  ASSERT_EQ(decode_raw(ipv6({.protocol = 59, .extensions = {{0, {1, 4, 0, 0, 0, 0}}}}, {})),
            DecodeResult::kOk);
  EXPECT_EQ(out_.ip_protocol, 59);
  EXPECT_EQ(out_.payload_length, 0u);
}

TEST_F(IpTest, Ipv6AtomicFragmentIsAWholeDatagram) {
  // RFC 6946: offset 0, More Fragments clear.
  const Bytes packet = ipv6({.protocol = 6, .extensions = {{44, {0x00, 0x00, 0, 0, 0, 42}}}},
                            tcp(443, 50000, 7, 8, kAck, text("tls")));
  ASSERT_EQ(decode_raw(packet), DecodeResult::kOk);
  EXPECT_EQ(out_.src_port, 443);
  EXPECT_EQ(payload_text(out_), "tls");
  EXPECT_EQ(counters().fragments, 0u);
}

TEST_F(IpTest, Ipv6Malformed) {
  Bytes cut = http_ipv6();
  cut.pop_back();
  EXPECT_EQ(decode_raw(cut), DecodeResult::kMalformed);
  EXPECT_EQ(counters().ipv6_truncated, 1u);

  EXPECT_EQ(decode(linktype::kIpv6, Bytes(39, 0x60)), DecodeResult::kMalformed);
  EXPECT_EQ(counters().ipv6_header_truncated, 1u);

  // Hop-by-hop header claiming 16 bytes with 8 present.
  Bytes long_extension = ipv6({.protocol = 59, .extensions = {{0, {1, 4, 0, 0, 0, 0}}}}, {});
  long_extension[41] = 1;
  EXPECT_EQ(decode_raw(long_extension), DecodeResult::kMalformed);
  // Routing header announced but nothing follows the base header.
  Bytes missing_extension = ipv6({.protocol = 43}, {});
  EXPECT_EQ(decode_raw(missing_extension), DecodeResult::kMalformed);
  EXPECT_EQ(counters().ipv6_extension_truncated, 2u);
}

TEST_F(IpTest, Ipv6ZeroPayloadLength) {
  Bytes packet = http_ipv6();
  set16(packet, 4, 0);
  ASSERT_EQ(decode_raw(packet), DecodeResult::kOk);
  EXPECT_EQ(payload_text(out_), kHttpGet);
  EXPECT_EQ(counters().ipv6_payload_length_zero, 1u);
}

TEST_F(IpTest, TcpFlagsSequenceAndOptions) {
  const Bytes options = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x04, 0x02};  // MSS, NOPs, SACK-OK
  const Bytes packet = ipv4(
      {.protocol = 6}, tcp(40000, 443, 0xdeadbeef, 0x01020304, kSyn | kAck | 0xc0, {}, options));
  ASSERT_EQ(decode_raw(packet), DecodeResult::kOk);
  EXPECT_EQ(out_.tcp_seq, 0xdeadbeefu);
  EXPECT_EQ(out_.tcp_ack, 0x01020304u);
  EXPECT_EQ(out_.tcp_flags, kSyn | kAck | 0xc0);  // ECE and CWR kept
  EXPECT_EQ(out_.payload_offset, 48u);
  EXPECT_EQ(out_.payload_length, 0u);
}

TEST_F(IpTest, TcpHeaderChecks) {
  Bytes small_offset = http_ipv4();
  small_offset[20 + 12] = 0x40;
  EXPECT_EQ(decode_raw(small_offset), DecodeResult::kMalformed);
  EXPECT_EQ(counters().tcp_bad_data_offset, 1u);

  Bytes large_offset = ipv4({.protocol = 6}, tcp(1, 2, 3, 4, kAck, {}));
  large_offset[20 + 12] = 0xf0;
  EXPECT_EQ(decode_raw(large_offset), DecodeResult::kMalformed);
  EXPECT_EQ(counters().tcp_options_truncated, 1u);

  EXPECT_EQ(decode_raw(ipv4({.protocol = 6}, counting(19))), DecodeResult::kMalformed);
  EXPECT_EQ(counters().tcp_header_truncated, 1u);
}

TEST_F(IpTest, UdpLengthTrimsAndMismatchesAreCounted) {
  // Trailing bytes after the UDP length belong to no one.
  Bytes trailing = ipv4({.protocol = 17}, join({udp(1000, 53, text("abc")), text("zz")}));
  ASSERT_EQ(decode_raw(trailing), DecodeResult::kOk);
  EXPECT_EQ(payload_text(out_), "abc");

  Bytes too_long = ipv4({.protocol = 17}, udp(1000, 53, text("abcdef")));
  set16(too_long, 20 + 4, 100);
  ASSERT_EQ(decode_raw(too_long), DecodeResult::kOk);
  EXPECT_EQ(payload_text(out_), "abcdef");
  EXPECT_EQ(counters().udp_length_mismatch, 1u);

  Bytes too_short = ipv4({.protocol = 17}, udp(1000, 53, text("abcdef")));
  set16(too_short, 20 + 4, 7);
  ASSERT_EQ(decode_raw(too_short), DecodeResult::kOk);
  EXPECT_EQ(payload_text(out_), "abcdef");
  EXPECT_EQ(counters().udp_bad_length, 1u);

  EXPECT_EQ(decode_raw(ipv4({.protocol = 17}, counting(7))), DecodeResult::kMalformed);
  EXPECT_EQ(counters().udp_header_truncated, 1u);
}

TEST_F(IpTest, PortsAreAsOnTheWire) {
  const Bytes reply = ipv4({.src = kServer4, .dst = kClient4, .protocol = 6},
                           tcp(80, 49152, 5, 6, kAck, text("HTTP/1.1 200 OK\r\n")));
  ASSERT_EQ(decode_raw(reply), DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kServer4));
  EXPECT_EQ(out_.src_port, 80);
  EXPECT_EQ(out_.dst_port, 49152);
}

}  // namespace
}  // namespace bw::decode::testing
