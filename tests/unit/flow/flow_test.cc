#include <gtest/gtest.h>

#include <set>

#include "sensor/flow/community_id.h"
#include "sensor/flow/flow_table.h"

namespace bw::flow {
namespace {

IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t bytes[4] = {a, b, c, d};
  return IpAddress::v4(bytes);
}

TEST(CommunityId, MatchesTheSpecificationExample) {
  // The TCP example of the Community ID specification, seed 0 and seed 1.
  const IpAddress client = v4(128, 232, 110, 120);
  const IpAddress server = v4(66, 35, 250, 204);
  EXPECT_EQ(community_id_v1(client, 34855, server, 80, 6).view(), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  EXPECT_EQ(community_id_v1(client, 34855, server, 80, 6, 1).view(),
            "1:3V71V58M3Ksw/yuFALMcW0LAHvc=");
}

TEST(CommunityId, IsTheSameInBothDirections) {
  const IpAddress a = v4(10, 0, 0, 1);
  const IpAddress b = v4(10, 0, 0, 2);
  EXPECT_EQ(community_id_v1(a, 5000, b, 53, 17).view(), community_id_v1(b, 53, a, 5000, 17).view());
  EXPECT_NE(community_id_v1(a, 5000, b, 53, 17).view(), community_id_v1(a, 5000, b, 53, 6).view());
}

FlowKey key_for(std::uint32_t i) {
  bool src_is_a = false;
  return FlowKey::canonical(
      v4(10, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)),
      static_cast<std::uint16_t>(1024 + i), v4(192, 0, 2, 1), 443, 6, src_is_a);
}

TEST(FlowKey, CanonicalFormIgnoresDirection) {
  bool forward = false;
  bool backward = false;
  const FlowKey k1 = FlowKey::canonical(v4(10, 0, 0, 9), 40000, v4(10, 0, 0, 1), 80, 6, forward);
  const FlowKey k2 = FlowKey::canonical(v4(10, 0, 0, 1), 80, v4(10, 0, 0, 9), 40000, 6, backward);
  EXPECT_EQ(k1, k2);
  EXPECT_NE(forward, backward);
  EXPECT_EQ(hash_flow_key(k1), hash_flow_key(k2));
}

TEST(FlowTable, InsertFindRemoveKeepsProbeChainsIntact) {
  FlowTable table(64);
  std::vector<std::uint32_t> indices;
  for (std::uint32_t i = 0; i < 64; ++i) {
    const FlowKey key = key_for(i);
    ASSERT_EQ(table.find(key, hash_flow_key(key)), kNoIndex);
    indices.push_back(table.insert(key, hash_flow_key(key)));
  }
  EXPECT_TRUE(table.full());
  // Remove every other flow; the rest must still be found (backward-shift deletion).
  for (std::uint32_t i = 0; i < 64; i += 2)
    table.remove(indices[i]);
  for (std::uint32_t i = 0; i < 64; ++i) {
    const FlowKey key = key_for(i);
    const std::uint32_t found = table.find(key, hash_flow_key(key));
    if (i % 2 == 0) {
      EXPECT_EQ(found, kNoIndex) << i;
    } else {
      EXPECT_EQ(found, indices[i]) << i;
    }
  }
  EXPECT_EQ(table.active(), 32u);
  EXPECT_EQ(table.counters().flows_created, 64u);
}

TEST(FlowTable, TimeoutListsOrderByActivity) {
  FlowTable table(8);
  const FlowKey k0 = key_for(0);
  const FlowKey k1 = key_for(1);
  const std::uint32_t a = table.insert(k0, hash_flow_key(k0));
  const std::uint32_t b = table.insert(k1, hash_flow_key(k1));
  table.at(a).last_ts = 10;
  table.at(b).last_ts = 20;
  EXPECT_EQ(table.oldest(TimeoutClass::kOther), a);
  table.at(a).last_ts = 30;
  table.touch(a, TimeoutClass::kOther);
  EXPECT_EQ(table.oldest(TimeoutClass::kOther), b);
  table.touch(b, TimeoutClass::kTcpClosed);
  EXPECT_EQ(table.oldest(TimeoutClass::kOther), a);
  EXPECT_EQ(table.oldest(TimeoutClass::kTcpClosed), b);
  EXPECT_EQ(table.least_recently_active(), b);
}

}  // namespace
}  // namespace bw::flow
