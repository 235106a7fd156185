// IPv4 and IPv6 fragment reassembly: arrival orders, overlaps, duplicates, limits and timeouts.
// A reassembled datagram must equal, byte for byte, the datagram that was fragmented.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/decode/decoder_fixture.h"

namespace bw::decode::testing {
namespace {

constexpr TimestampNs kSecond = kNsPerSecond;

DecoderConfig small_pool(std::size_t datagrams) {
  DecoderConfig config;
  config.max_fragment_datagrams = datagrams;
  return config;
}

class FragmentTest : public DecoderTest {
 protected:
  explicit FragmentTest(const DecoderConfig& config = small_pool(4)) : DecoderTest(config) {}

  // Feeds all but the last fragment (each must be held) and returns the last one's result.
  DecodeResult feed(const std::vector<Bytes>& fragments, TimestampNs ts = 0) {
    for (std::size_t i = 0; i + 1 < fragments.size(); ++i) {
      EXPECT_EQ(decode(linktype::kRaw, fragments[i], ts), DecodeResult::kFragmentHeld) << i;
    }
    return decode(linktype::kRaw, fragments.back(), ts);
  }
};

// A 1208-byte UDP datagram: 20-byte header, 8-byte UDP header, 1180 payload bytes.
Bytes udp_datagram(std::uint16_t id = 0x4242, const Ipv4Address& src = kClient4) {
  return ipv4({.src = src, .protocol = 17, .id = id}, udp(5353, 53, counting(1180)));
}

Bytes tcp6_datagram() {
  return ipv6({.protocol = 6}, tcp(443, 50123, 11, 22, kPsh | kAck, counting(1000, 7)));
}

TEST_F(FragmentTest, Ipv4InOrder) {
  const Bytes datagram = udp_datagram();
  const std::vector<Bytes> fragments = fragment_ipv4(datagram, {400, 400});
  ASSERT_EQ(fragments.size(), 3u);
  ASSERT_EQ(feed(fragments), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), datagram);
  EXPECT_EQ(out_.src_port, 5353);
  EXPECT_EQ(out_.dst_port, 53);
  EXPECT_EQ(payload_bytes(out_), counting(1180));
  EXPECT_EQ(out_.encapsulation, kEncapFragmented);
  EXPECT_EQ(counters().fragments, 3u);
  EXPECT_EQ(counters().datagrams_reassembled, 1u);
  EXPECT_EQ(decoder_.fragment_datagrams_in_progress(), 0u);
}

TEST_F(FragmentTest, Ipv4OutOfOrderAndNonFirstFragmentsFirst) {
  const Bytes datagram = udp_datagram();
  std::vector<Bytes> fragments = fragment_ipv4(datagram, {200, 400, 304});
  std::reverse(fragments.begin(), fragments.end());
  std::swap(fragments[1], fragments[2]);  // last, first-middle... any order works
  ASSERT_EQ(feed(fragments), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), datagram);
}

TEST_F(FragmentTest, ReassembledBytesStayValidUntilTheNextDecode) {
  const Bytes datagram = udp_datagram();
  ASSERT_EQ(feed(fragment_ipv4(datagram, {600})), DecodeResult::kOk);
  const Bytes seen = datagram_bytes(out_);
  EXPECT_EQ(seen, datagram);
  // The slot is reusable afterwards: a second datagram with the same key reassembles too.
  ASSERT_EQ(feed(fragment_ipv4(datagram, {16, 600})), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), datagram);
  EXPECT_EQ(counters().datagrams_reassembled, 2u);
}

TEST_F(FragmentTest, DuplicateFragmentIsCountedAndHarmless) {
  const Bytes datagram = udp_datagram();
  const std::vector<Bytes> fragments = fragment_ipv4(datagram, {400, 400});
  ASSERT_EQ(feed({fragments[0], fragments[1], fragments[1], fragments[2]}), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), datagram);
  EXPECT_EQ(counters().fragment_duplicate, 1u);
  EXPECT_EQ(counters().fragment_overlap, 0u);
}

TEST_F(FragmentTest, OverlapKeepsTheFirstData) {
  const Bytes datagram = udp_datagram();
  const std::vector<Bytes> fragments = fragment_ipv4(datagram, {400, 400});
  // A forged fragment covering bytes 392..791 of the payload with different content.
  Bytes forged = fragments[1];
  set16(forged, 6, 0x2000 | (392 / 8));
  std::fill(forged.begin() + 20, forged.end(), 0xee);
  set16(forged, 10, 0);
  set16(forged, 10, internet_checksum(Bytes(forged.begin(), forged.begin() + 20)));
  ASSERT_EQ(feed({fragments[0], forged, fragments[1], fragments[2]}), DecodeResult::kOk);
  EXPECT_EQ(counters().fragment_overlap, 2u);  // forged overlaps [0], then [1] overlaps forged
  Bytes expected = datagram;
  std::fill(expected.begin() + 20 + 400, expected.begin() + 20 + 792, 0xee);
  EXPECT_EQ(datagram_bytes(out_), expected);
}

TEST_F(FragmentTest, NonLastFragmentMustBeBlockAligned) {
  std::vector<Bytes> fragments = fragment_ipv4(udp_datagram(), {400});
  Bytes misaligned = fragments[0];
  misaligned.pop_back();
  set16(misaligned, 2, static_cast<std::uint16_t>(misaligned.size()));
  EXPECT_EQ(decode(linktype::kRaw, misaligned), DecodeResult::kMalformed);
  EXPECT_EQ(counters().fragment_bad_length, 1u);
  EXPECT_EQ(decoder_.fragment_datagrams_in_progress(), 0u);
}

TEST_F(FragmentTest, ConflictingEndsDropTheDatagram) {
  const std::vector<Bytes> fragments = fragment_ipv4(udp_datagram(), {400, 400});
  EXPECT_EQ(decode(linktype::kRaw, fragments[2]), DecodeResult::kFragmentHeld);
  // The same last fragment claiming to end 8 bytes earlier.
  Bytes shorter(fragments[2].begin(), fragments[2].end() - 8);
  set16(shorter, 2, static_cast<std::uint16_t>(shorter.size()));
  EXPECT_EQ(decode(linktype::kRaw, shorter), DecodeResult::kMalformed);
  EXPECT_EQ(counters().fragment_inconsistent_length, 1u);
  EXPECT_EQ(decoder_.fragment_datagrams_in_progress(), 0u);
}

TEST_F(FragmentTest, TimeoutDropsIncompleteDatagrams) {
  const std::vector<Bytes> fragments = fragment_ipv4(udp_datagram(), {400, 400});
  EXPECT_EQ(decode(linktype::kRaw, fragments[0], 0), DecodeResult::kFragmentHeld);
  decoder_.expire(30 * kSecond);  // not older than the timeout yet
  EXPECT_EQ(decoder_.fragment_datagrams_in_progress(), 1u);
  decoder_.expire(30 * kSecond + 1);
  EXPECT_EQ(decoder_.fragment_datagrams_in_progress(), 0u);
  EXPECT_EQ(counters().fragment_timeout, 1u);
  // The rest now starts a new, incomplete datagram.
  EXPECT_EQ(decode(linktype::kRaw, fragments[1], 31 * kSecond), DecodeResult::kFragmentHeld);
  EXPECT_EQ(decode(linktype::kRaw, fragments[2], 31 * kSecond), DecodeResult::kFragmentHeld);
  EXPECT_EQ(counters().datagrams_reassembled, 0u);
}

class TinyPoolTest : public FragmentTest {
 protected:
  TinyPoolTest() : FragmentTest(small_pool(2)) {}
};

TEST_F(TinyPoolTest, PoolExhaustionDropsNewDatagrams) {
  const auto a = fragment_ipv4(udp_datagram(1), {400});
  const auto b = fragment_ipv4(udp_datagram(2), {400});
  const auto c = fragment_ipv4(udp_datagram(3), {400});
  EXPECT_EQ(decode(linktype::kRaw, a[0], 0), DecodeResult::kFragmentHeld);
  EXPECT_EQ(decode(linktype::kRaw, b[0], 0), DecodeResult::kFragmentHeld);
  EXPECT_EQ(decode(linktype::kRaw, c[0], 0), DecodeResult::kFragmentHeld);
  EXPECT_EQ(counters().fragment_pool_exhausted, 1u);
  // Datagrams already under way still complete, and free their slot.
  ASSERT_EQ(decode(linktype::kRaw, a[1], 0), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), udp_datagram(1));
  EXPECT_EQ(decode(linktype::kRaw, c[0], 0), DecodeResult::kFragmentHeld);
  ASSERT_EQ(decode(linktype::kRaw, c[1], 0), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), udp_datagram(3));
  EXPECT_EQ(counters().fragment_pool_exhausted, 1u);
}

TEST_F(TinyPoolTest, FullPoolReclaimsExpiredDatagramsWithoutExpireCall) {
  const auto a = fragment_ipv4(udp_datagram(1), {400});
  const auto b = fragment_ipv4(udp_datagram(2), {400});
  const auto c = fragment_ipv4(udp_datagram(3), {400});
  EXPECT_EQ(decode(linktype::kRaw, a[0], 0), DecodeResult::kFragmentHeld);
  EXPECT_EQ(decode(linktype::kRaw, b[0], 10 * kSecond), DecodeResult::kFragmentHeld);
  EXPECT_EQ(decode(linktype::kRaw, c[0], 31 * kSecond), DecodeResult::kFragmentHeld);
  EXPECT_EQ(counters().fragment_timeout, 1u);
  EXPECT_EQ(counters().fragment_pool_exhausted, 0u);
  EXPECT_EQ(decode(linktype::kRaw, a[1], 31 * kSecond), DecodeResult::kFragmentHeld);  // a is gone
  ASSERT_EQ(decode(linktype::kRaw, b[1], 31 * kSecond), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), udp_datagram(2));
}

TEST_F(FragmentTest, DistinctKeysDoNotMix) {
  const auto from_client = fragment_ipv4(udp_datagram(9, kClient4), {400});
  const auto from_other = fragment_ipv4(udp_datagram(9, kTunnelA4), {400});
  EXPECT_EQ(decode(linktype::kRaw, from_client[0]), DecodeResult::kFragmentHeld);
  EXPECT_EQ(decode(linktype::kRaw, from_other[1]), DecodeResult::kFragmentHeld);
  ASSERT_EQ(decode(linktype::kRaw, from_other[0]), DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kTunnelA4));
  ASSERT_EQ(decode(linktype::kRaw, from_client[1]), DecodeResult::kOk);
  EXPECT_EQ(out_.src_ip, ip(kClient4));
}

TEST_F(FragmentTest, OversizedDatagramsAreRefused) {
  // Offset 8184 * 8 plus 1000 bytes runs past 65535.
  Bytes ping_of_death = ipv4({.protocol = 1, .flags_fragment = 8184}, counting(1000));
  EXPECT_EQ(decode(linktype::kRaw, ping_of_death), DecodeResult::kMalformed);
  EXPECT_EQ(counters().fragment_datagram_too_large, 1u);

  DecoderConfig config = small_pool(2);
  config.max_datagram_bytes = 1000;
  PacketDecoder limited(config);
  DecodedPacket out;
  const auto fragments = fragment_ipv4(udp_datagram(), {496});
  EXPECT_EQ(limited.decode(linktype::kRaw, fragments[0], 0, out), DecodeResult::kFragmentHeld);
  EXPECT_EQ(limited.decode(linktype::kRaw, fragments[1], 0, out), DecodeResult::kMalformed);
  EXPECT_EQ(limited.counters().fragment_datagram_too_large, 1u);
  EXPECT_EQ(limited.fragment_datagrams_in_progress(), 0u);
}

TEST_F(FragmentTest, EmptyPoolHoldsNothing) {
  PacketDecoder no_reassembly(small_pool(0));
  DecodedPacket out;
  const auto fragments = fragment_ipv4(udp_datagram(), {400});
  EXPECT_EQ(no_reassembly.decode(linktype::kRaw, fragments[0], 0, out),
            DecodeResult::kFragmentHeld);
  EXPECT_EQ(no_reassembly.counters().fragment_pool_exhausted, 1u);
}

TEST_F(FragmentTest, Ipv6InOrderAndOutOfOrder) {
  const Bytes datagram = tcp6_datagram();
  const std::vector<Bytes> fragments = fragment_ipv6(datagram, 40, 0xabcdef01, {512, 256});
  ASSERT_EQ(fragments.size(), 3u);
  ASSERT_EQ(feed(fragments), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), datagram);
  EXPECT_EQ(out_.src_port, 443);
  EXPECT_EQ(out_.tcp_seq, 11u);
  EXPECT_EQ(payload_bytes(out_), counting(1000, 7));
  EXPECT_EQ(out_.encapsulation, kEncapFragmented);

  ASSERT_EQ(feed({fragments[2], fragments[0], fragments[1]}), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), datagram);
}

TEST_F(FragmentTest, Ipv6UnfragmentablePartIsRestored) {
  const Bytes datagram =
      ipv6({.protocol = 17, .extensions = {{0, {1, 4, 0, 0, 0, 0}}, {43, {0, 0, 0, 0, 0, 0}}}},
           udp(1111, 2222, counting(700)));
  const std::vector<Bytes> fragments = fragment_ipv6(datagram, 56, 77, {304});
  ASSERT_EQ(feed({fragments[1], fragments[0]}), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), datagram);
  EXPECT_EQ(out_.dst_port, 2222);
  EXPECT_EQ(payload_bytes(out_), counting(700));
}

TEST_F(FragmentTest, Ipv6UnfragmentablePartTooLongIsRefused) {
  // A 520-byte destination options header in front of the Fragment header.
  const Bytes datagram =
      ipv6({.protocol = 17,
            .extensions = {{60, join({Bytes{1, 255}, repeat(0, 255), Bytes{1, 255}, repeat(0, 255),
                                      Bytes{1, 2, 0, 0}})}}},
           udp(1, 2, counting(64)));
  const std::vector<Bytes> fragments = fragment_ipv6(datagram, 40 + 520, 5, {32});
  EXPECT_EQ(decode(linktype::kRaw, fragments[0]), DecodeResult::kMalformed);
  EXPECT_EQ(counters().fragment_header_too_long, 1u);
}

TEST_F(FragmentTest, Ipv6FragmentsWithDifferentIdsStaySeparate) {
  const Bytes datagram = tcp6_datagram();
  const auto first = fragment_ipv6(datagram, 40, 1, {512});
  const auto second = fragment_ipv6(datagram, 40, 2, {512});
  EXPECT_EQ(decode(linktype::kRaw, first[0]), DecodeResult::kFragmentHeld);
  EXPECT_EQ(decode(linktype::kRaw, second[1]), DecodeResult::kFragmentHeld);
  EXPECT_EQ(decoder_.fragment_datagrams_in_progress(), 2u);
  ASSERT_EQ(decode(linktype::kRaw, first[1]), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), datagram);
}

TEST_F(FragmentTest, FragmentedInnerPacketOfATunnel) {
  const Bytes inner = udp_datagram();
  const auto inner_fragments = fragment_ipv4(inner, {600});
  std::vector<Bytes> frames;
  for (const Bytes& f : inner_fragments) {
    frames.push_back(
        ethernet(0x0800, ipv4({.src = kTunnelA4, .dst = kTunnelB4, .protocol = 47}, gre({}, f))));
  }
  EXPECT_EQ(decode_ethernet(frames[0]), DecodeResult::kFragmentHeld);
  ASSERT_EQ(decode_ethernet(frames[1]), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), inner);
  EXPECT_EQ(out_.encapsulation, kEncapGre | kEncapFragmented);
  EXPECT_EQ(out_.src_ip, ip(kClient4));
}

TEST_F(FragmentTest, FragmentedOuterPacketCarryingATunnel) {
  const Bytes inner = ipv4({.protocol = 6}, tcp(49152, 80, 1, 2, kAck, counting(900)));
  const Bytes outer = ipv4({.src = kTunnelA4, .dst = kTunnelB4, .protocol = 17, .id = 5},
                           udp(40000, 4789, vxlan(3, ethernet(0x0800, inner))));
  const auto fragments = fragment_ipv4(outer, {512});
  EXPECT_EQ(decode_ethernet(ethernet(0x0800, fragments[1])), DecodeResult::kFragmentHeld);
  ASSERT_EQ(decode_ethernet(ethernet(0x0800, fragments[0])), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), inner);
  EXPECT_EQ(out_.encapsulation, kEncapFragmented | kEncapVxlan);
  EXPECT_EQ(payload_bytes(out_), counting(900));
}

TEST_F(FragmentTest, OneFrameCompletesDatagramsAtBothLevels) {
  // The outer datagram is fragmented, and so is the inner one it carries; the last outer
  // fragment completes the outer datagram, whose payload completes the inner one.
  const Bytes inner = udp_datagram();
  const auto inner_fragments = fragment_ipv4(inner, {800});
  const Bytes outer_last =
      ipv4({.src = kTunnelA4, .dst = kTunnelB4, .protocol = 4, .id = 100}, inner_fragments[1]);
  const Bytes outer =
      ipv4({.src = kTunnelA4, .dst = kTunnelB4, .protocol = 4, .id = 99}, inner_fragments[0]);
  const auto outer_fragments = fragment_ipv4(outer, {400});
  EXPECT_EQ(decode(linktype::kRaw, outer_last), DecodeResult::kFragmentHeld);  // inner held
  EXPECT_EQ(decode(linktype::kRaw, outer_fragments[0]), DecodeResult::kFragmentHeld);
  ASSERT_EQ(decode(linktype::kRaw, outer_fragments[1]), DecodeResult::kOk);
  EXPECT_EQ(datagram_bytes(out_), inner);
  EXPECT_EQ(out_.encapsulation, kEncapIpInIp | kEncapFragmented);
  EXPECT_EQ(counters().datagrams_reassembled, 2u);
  EXPECT_EQ(decoder_.fragment_datagrams_in_progress(), 0u);
}

}  // namespace
}  // namespace bw::decode::testing
