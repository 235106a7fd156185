// TCP behaviour of generated flows: handshakes, sequence continuity, causal ACKs, teardown.
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "tests/unit/generator/generated_capture.h"

namespace bw::gen::testing {
namespace {

constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;

using Direction = std::tuple<IpAddress, std::uint16_t, IpAddress, std::uint16_t>;

struct DirectionState {
  std::vector<const Segment*> segments;
};

std::map<Direction, DirectionState> tcp_directions(const Generated& g) {
  std::map<Direction, DirectionState> directions;
  for (const Segment& s : g.walker.segments()) {
    if (s.protocol != 6) continue;
    directions[{s.src, s.src_port, s.dst, s.dst_port}].segments.push_back(&s);
  }
  return directions;
}

bool has_option(const std::vector<std::uint8_t>& options, std::uint8_t kind) {
  for (std::size_t i = 0; i < options.size();) {
    if (options[i] == 0) return false;
    if (options[i] == 1) {
      ++i;
      continue;
    }
    if (options[i] == kind) return true;
    if (i + 1 >= options.size() || options[i + 1] < 2) return false;
    i += options[i + 1];
  }
  return false;
}

std::uint16_t mss_option(const std::vector<std::uint8_t>& options) {
  for (std::size_t i = 0; i + 3 < options.size();) {
    if (options[i] == 1) {
      ++i;
      continue;
    }
    if (options[i] == 2) return load_be16(options.data() + i + 2);
    if (options[i] == 0 || options[i + 1] < 2) break;
    i += options[i + 1];
  }
  return 0;
}

class TcpStreamTest : public ::testing::TestWithParam<std::string> {};

// Every byte and every SYN/FIN follows the previous one in sequence space, in capture order,
// and no ACK acknowledges data the peer has not yet sent.
TEST_P(TcpStreamTest, SequenceNumbersAreContinuousAndAcksCausal) {
  const Generated& g = generated(GetParam());
  const auto directions = tcp_directions(g);
  ASSERT_FALSE(directions.empty());
  std::map<Direction, std::uint32_t> next_seq;  // per direction, as of the current frame
  std::size_t checked = 0;
  std::vector<const Segment*> ordered;
  for (const Segment& s : g.walker.segments()) {
    if (s.protocol == 6) ordered.push_back(&s);
  }
  for (const Segment* s : ordered) {
    const Direction self{s->src, s->src_port, s->dst, s->dst_port};
    const Direction peer{s->dst, s->dst_port, s->src, s->src_port};
    auto it = next_seq.find(self);
    if (s->tcp_flags & kSyn) {
      // A new connection, possibly reusing the 4-tuple of an earlier one.
      it = next_seq.insert_or_assign(self, s->seq).first;
    }
    ASSERT_NE(it, next_seq.end()) << "flow starts without SYN at frame " << s->frame_index;
    ASSERT_EQ(s->seq, it->second) << "sequence gap at frame " << s->frame_index;
    it->second += static_cast<std::uint32_t>(s->payload.size()) + ((s->tcp_flags & kSyn) ? 1 : 0) +
                  ((s->tcp_flags & kFin) ? 1 : 0);
    if (s->tcp_flags & kAck) {
      const auto p = next_seq.find(peer);
      ASSERT_NE(p, next_seq.end()) << "ACK before the peer spoke, frame " << s->frame_index;
      ASSERT_GE(static_cast<std::int32_t>(p->second - s->ack), 0)
          << "ACK for data the peer has not sent, frame " << s->frame_index;
    }
    ++checked;
  }
  EXPECT_GT(checked, 50u);
}

INSTANTIATE_TEST_SUITE_P(Profiles, TcpStreamTest,
                         ::testing::Values("demo", "encap", "protocols", "dense", "mixed"));

TEST(TcpHandshakeTest, SynOptionsTtlsAndRoundTrips) {
  const Generated& g = generated("demo");
  std::map<Direction, const Segment*> syns;
  std::size_t handshakes = 0;
  for (const Segment& s : g.walker.segments()) {
    if (s.protocol != 6 || !(s.tcp_flags & kSyn)) continue;
    if (!(s.tcp_flags & kAck)) {
      syns[{s.src, s.src_port, s.dst, s.dst_port}] = &s;
      EXPECT_TRUE(s.ttl == 64 || s.ttl == 128) << int{s.ttl};
      EXPECT_GE(s.src_port, 32768);
      continue;
    }
    const auto it = syns.find({s.dst, s.dst_port, s.src, s.src_port});
    ASSERT_NE(it, syns.end());
    const Segment& syn = *it->second;
    EXPECT_EQ(s.ack, syn.seq + 1);
    for (const auto* options : {&syn.tcp_options, &s.tcp_options}) {
      EXPECT_TRUE(has_option(*options, 2));  // MSS
      EXPECT_TRUE(has_option(*options, 3));  // window scale
      EXPECT_TRUE(has_option(*options, 4));  // SACK permitted
    }
    EXPECT_EQ(has_option(syn.tcp_options, 8), has_option(s.tcp_options, 8));  // timestamps
    EXPECT_LT(s.ttl, 64);  // servers are some hops away
    const std::int64_t rtt = s.ts_ns - syn.ts_ns;
    EXPECT_GE(rtt, 100'000);
    EXPECT_LE(rtt, 100'000'000);
    ++handshakes;
  }
  EXPECT_GT(handshakes, 50u);
}

TEST(TcpHandshakeTest, SegmentsRespectTheNegotiatedMss) {
  for (const std::string& profile : {std::string("mixed"), std::string("encap")}) {
    const Generated& g = generated(profile);
    std::map<Direction, std::uint16_t> mss;
    for (const Segment& s : g.walker.segments()) {
      if (s.protocol != 6) continue;
      const Direction self{s.src, s.src_port, s.dst, s.dst_port};
      const Direction peer{s.dst, s.dst_port, s.src, s.src_port};
      if (s.tcp_flags & kSyn) {
        mss[self] = mss_option(s.tcp_options);
        continue;
      }
      const std::uint16_t limit = std::min(mss[self], mss[peer]);
      ASSERT_LE(s.payload.size() + s.tcp_options.size(), limit) << profile;
    }
  }
}

TEST(TcpTeardownTest, FlowsEndWithFinExchangeOrReset) {
  const Generated& g = generated("protocols");
  std::map<Direction, std::uint8_t> seen;  // OR of flags per direction
  for (const Segment& s : g.walker.segments()) {
    if (s.protocol == 6) seen[{s.src, s.src_port, s.dst, s.dst_port}] |= s.tcp_flags;
  }
  std::size_t fins = 0, resets = 0;
  for (const auto& [direction, flags] : seen) {
    const auto& [src, sport, dst, dport] = direction;
    const std::uint8_t reverse = seen[{dst, dport, src, sport}];
    const bool reset = (flags | reverse) & kRst;
    EXPECT_TRUE(reset || (flags & kFin)) << "direction without FIN or RST";
    resets += (flags & kRst) ? 1 : 0;
    fins += (flags & kFin) ? 1 : 0;
  }
  EXPECT_GT(fins, 10u);
  EXPECT_GE(resets, 1u);
}

}  // namespace
}  // namespace bw::gen::testing
