#include <gtest/gtest.h>

#include <array>
#include <set>

#include "sensor/decode/packet_decoder.h"
#include "tests/unit/decode/frame_builder.h"

namespace bw::decode::testing {
namespace {

DecodedPacket flow(const IpAddress& src, std::uint16_t src_port, const IpAddress& dst,
                   std::uint16_t dst_port, std::uint8_t protocol = 6) {
  DecodedPacket p;
  p.src_ip = src;
  p.dst_ip = dst;
  p.src_port = src_port;
  p.dst_port = dst_port;
  p.ip_protocol = protocol;
  p.ip_version = src.family;
  return p;
}

DecodedPacket reversed(const DecodedPacket& p) {
  return flow(p.dst_ip, p.dst_port, p.src_ip, p.src_port, p.ip_protocol);
}

const IpAddress kA4 = IpAddress::v4(kClient4.data());
const IpAddress kB4 = IpAddress::v4(kServer4.data());
const IpAddress kA6 = IpAddress::v6(kClient6.data());
const IpAddress kB6 = IpAddress::v6(kServer6.data());

TEST(FlowHashTest, SameForBothDirections) {
  for (const DecodedPacket& p :
       {flow(kA4, 49152, kB4, 80), flow(kA6, 443, kB6, 50000, 17), flow(kA4, 0, kB4, 0, 1),
        flow(kA4, 1000, kA4, 2000), flow(kA4, 7, kB4, 7)}) {
    EXPECT_EQ(symmetric_flow_hash(p), symmetric_flow_hash(reversed(p)));
  }
}

TEST(FlowHashTest, EveryTupleFieldMatters) {
  const std::uint64_t base = symmetric_flow_hash(flow(kA4, 49152, kB4, 80));
  EXPECT_NE(base, symmetric_flow_hash(flow(kA4, 49153, kB4, 80)));
  EXPECT_NE(base, symmetric_flow_hash(flow(kA4, 49152, kB4, 81)));
  EXPECT_NE(base, symmetric_flow_hash(flow(kA4, 49152, kB4, 80, 17)));
  EXPECT_NE(base, symmetric_flow_hash(flow(kA4, 49152, kA4, 80)));
  EXPECT_NE(base, symmetric_flow_hash(flow(kA6, 49152, kB6, 80)));
  // Swapping only the ports is another flow.
  EXPECT_NE(base, symmetric_flow_hash(flow(kA4, 80, kB4, 49152)));
}

TEST(FlowHashTest, ClientPortsSpreadEvenlyOverShards) {
  constexpr std::size_t kShards = 8;
  constexpr std::size_t kFlows = 8000;
  std::array<std::size_t, kShards> per_shard{};
  std::set<std::uint64_t> distinct;
  for (std::size_t i = 0; i < kFlows; ++i) {
    const std::uint64_t h =
        symmetric_flow_hash(flow(kA4, static_cast<std::uint16_t>(32768 + i), kB4, 443));
    distinct.insert(h);
    ++per_shard[h % kShards];
  }
  EXPECT_EQ(distinct.size(), kFlows);
  for (std::size_t count : per_shard) {
    EXPECT_GT(count, kFlows / kShards * 9 / 10);
    EXPECT_LT(count, kFlows / kShards * 11 / 10);
  }
}

}  // namespace
}  // namespace bw::decode::testing
