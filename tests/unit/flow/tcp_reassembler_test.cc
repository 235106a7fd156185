// TcpReassembler on its own: segments in every order, duplicates, overlaps with different bytes,
// and each bound (window, ranges, pool, timeout) given up as a counted gap.
#include "sensor/flow/tcp_reassembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace bw::flow {
namespace {

// What a parser would see: the bytes, with '|' where a gap was reported.
class Recorder final : public StreamReceiver {
 public:
  void on_stream_bytes(ByteSpan data) override { text.append(data.begin(), data.end()); }
  void on_stream_gap() override { text.push_back('|'); }
  std::string text;
};

ByteSpan bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class Reassembly : public testing::Test {
 protected:
  explicit Reassembly(TcpReassemblyConfig config = {}) : reassembler_(config) {
    stream_.next_seq = kIsn;
    stream_.seq_known = true;
  }
  // Feeds `text` as if it started at stream offset `at`.
  void segment(std::uint32_t at, const std::string& text, TimestampNs ts = 0) {
    reassembler_.on_segment(stream_, 7, 0, kIsn + at, bytes(text), ts, out_);
  }
  static constexpr std::uint32_t kIsn = 1000;
  TcpReassembler reassembler_;
  TcpStreamState stream_;
  Recorder out_;
};

TEST_F(Reassembly, InOrderBytesPassStraightThrough) {
  segment(0, "GET / HTTP/1.1\r\n");
  segment(16, "Host: a\r\n\r\n");
  EXPECT_EQ(out_.text, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_FALSE(reassembler_.holding(stream_));
  EXPECT_EQ(reassembler_.counters().tcp_segments_held, 0u);
}

TEST_F(Reassembly, SwappedSegmentsAreDeliveredInOrder) {
  segment(5, "world");
  EXPECT_EQ(out_.text, "");
  EXPECT_TRUE(reassembler_.holding(stream_));
  segment(0, "hello");
  EXPECT_EQ(out_.text, "helloworld");
  EXPECT_FALSE(reassembler_.holding(stream_));
  EXPECT_EQ(reassembler_.windows_in_use(), 0u);
  EXPECT_EQ(reassembler_.counters().tcp_segments_held, 1u);
  EXPECT_EQ(reassembler_.counters().tcp_holes_filled, 1u);
  EXPECT_EQ(reassembler_.counters().tcp_sequence_gaps, 0u);
  EXPECT_EQ(stream_.next_seq, kIsn + 10);
}

TEST_F(Reassembly, ReverseOrderOfFourSegments) {
  segment(9, "D");
  segment(6, "CCC");
  segment(3, "BBB");
  segment(0, "AAA");
  EXPECT_EQ(out_.text, "AAABBBCCCD");
  EXPECT_EQ(reassembler_.counters().tcp_segments_held, 3u);
  EXPECT_FALSE(reassembler_.holding(stream_));
}

TEST_F(Reassembly, DuplicatesAreDroppedAndCounted) {
  segment(0, "abc");
  segment(0, "abc");  // retransmission of delivered bytes
  segment(6, "ghi");
  segment(6, "ghi");  // the same held segment twice: no conflict
  segment(3, "def");
  EXPECT_EQ(out_.text, "abcdefghi");
  EXPECT_EQ(reassembler_.counters().tcp_retransmitted_segments, 1u);
  EXPECT_EQ(reassembler_.counters().tcp_overlap_conflicts, 0u);
}

TEST_F(Reassembly, PartlyDeliveredSegmentKeepsOnlyItsNewBytes) {
  segment(0, "abcdef");
  segment(3, "XYZghi");  // overlaps delivered "def" with other bytes: delivered bytes are final
  EXPECT_EQ(out_.text, "abcdefghi");
}

TEST_F(Reassembly, OverlapWithDifferentBytesKeepsTheFirstCopy) {
  segment(4, "EFGH");    // held first
  segment(2, "cdefgh");  // overlaps the held bytes with other content: first wins
  segment(0, "ab");
  EXPECT_EQ(out_.text, "abcdEFGH");
  EXPECT_EQ(reassembler_.counters().tcp_overlap_conflicts, 1u);
}

TEST_F(Reassembly, InOrderSegmentOverlappingHeldBytesKeepsTheHeldCopy) {
  segment(4, "EF");
  segment(0, "abcdefgh");  // fills the hole and overlaps the held "EF" with "ef"
  EXPECT_EQ(out_.text, "abcdEFgh");
  EXPECT_EQ(reassembler_.counters().tcp_overlap_conflicts, 1u);
  EXPECT_FALSE(reassembler_.holding(stream_));
}

TEST_F(Reassembly, SegmentsAcrossTheSequenceWrapReorder) {
  stream_.next_seq = 0xfffffffau;  // six bytes before the wrap
  reassembler_.on_segment(stream_, 7, 0, 0xfffffffau + 4, bytes("efgh"), 0, out_);
  reassembler_.on_segment(stream_, 7, 0, 0xfffffffau, bytes("abcd"), 0, out_);
  EXPECT_EQ(out_.text, "abcdefgh");
  EXPECT_EQ(stream_.next_seq, 2u);
}

TEST_F(Reassembly, ConnectionEndDeliversHeldBytesAfterAGap) {
  segment(4, "tail");
  reassembler_.flush(stream_, out_, TcpReassembler::FlushReason::kConnectionEnd);
  EXPECT_EQ(out_.text, "|tail");
  EXPECT_EQ(reassembler_.counters().tcp_sequence_gaps, 1u);
  EXPECT_EQ(reassembler_.counters().tcp_reorder_flushed, 1u);
  EXPECT_EQ(reassembler_.windows_in_use(), 0u);
}

TEST_F(Reassembly, TooManySeparateRangesGiveTheHolesUp) {
  // Nine one-byte islands with holes between them: one more than a window keeps.
  for (std::uint32_t i = 0; i < TcpReassembler::kMaxHeldRanges; ++i) {
    segment(2 * i + 1, std::string(1, static_cast<char>('a' + i)));
  }
  EXPECT_EQ(out_.text, "");
  segment(2 * TcpReassembler::kMaxHeldRanges + 1, "z");
  EXPECT_EQ(reassembler_.counters().tcp_reorder_ranges_exceeded, 1u);
  // Each island is delivered after its gap; the segment that did not fit waits for the new hole
  // before it.
  EXPECT_EQ(out_.text, "|a|b|c|d|e|f|g|h");
  EXPECT_TRUE(reassembler_.holding(stream_));
  segment(2 * TcpReassembler::kMaxHeldRanges, "y");
  EXPECT_EQ(out_.text, "|a|b|c|d|e|f|g|hyz");
  EXPECT_FALSE(reassembler_.holding(stream_));
}

class SmallWindow : public Reassembly {
 protected:
  static TcpReassemblyConfig config() {
    TcpReassemblyConfig c;
    c.windows = 1;
    c.window_bytes = 16;
    c.hole_timeout = 1000;
    return c;
  }
  SmallWindow() : Reassembly(config()) {}
};

TEST_F(SmallWindow, SegmentPastTheWindowIsTakenAfterAGap) {
  segment(10, "0123456789");  // ends 20 bytes past the hole: more than 16
  EXPECT_EQ(out_.text, "|0123456789");
  EXPECT_EQ(reassembler_.counters().tcp_reorder_window_exceeded, 1u);
  EXPECT_EQ(stream_.next_seq, kIsn + 20);
}

TEST_F(SmallWindow, HeldBytesThenASegmentPastTheWindow) {
  segment(4, "held");
  segment(20, "far");  // past the window: the hole is given up first
  EXPECT_EQ(out_.text, "|held");
  EXPECT_EQ(reassembler_.counters().tcp_reorder_window_exceeded, 1u);
  // Against the stream as it now stands (next byte 8), "far" fits and waits for bytes 8..19.
  EXPECT_TRUE(reassembler_.holding(stream_));
  reassembler_.flush(stream_, out_, TcpReassembler::FlushReason::kConnectionEnd);
  EXPECT_EQ(out_.text, "|held|far");
}

TEST_F(SmallWindow, AnEmptyPoolMeansAGapNotAnAllocation) {
  segment(4, "held");  // takes the only window
  TcpStreamState other;
  other.next_seq = 50;
  other.seq_known = true;
  Recorder other_out;
  reassembler_.on_segment(other, 8, 1, 54, bytes("x"), 0, other_out);
  EXPECT_EQ(other_out.text, "|x");
  EXPECT_EQ(reassembler_.counters().tcp_reorder_pool_exhausted, 1u);
  segment(0, "abcd");
  EXPECT_EQ(out_.text, "abcdheld");
}

TEST_F(SmallWindow, HoleOlderThanTheTimeoutIsReported) {
  segment(4, "held", 5000);
  std::vector<std::pair<std::uint32_t, int>> expired;
  const auto collect = [&](std::uint32_t owner, int direction) {
    expired.emplace_back(owner, direction);
  };
  reassembler_.for_each_expired(5999, collect);
  EXPECT_TRUE(expired.empty());
  reassembler_.for_each_expired(6000, collect);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], (std::pair<std::uint32_t, int>{7, 0}));
  reassembler_.flush(stream_, out_, TcpReassembler::FlushReason::kTimeout);
  EXPECT_EQ(out_.text, "|held");
  EXPECT_EQ(reassembler_.counters().tcp_reorder_timeouts, 1u);
}

// Any order, duplicates and overlapping re-segmentation of a stream within the window: the
// parser sees exactly the original bytes, without a gap.
TEST_F(Reassembly, RandomOrderDuplicatesAndOverlapsRebuildTheStream) {
  std::mt19937 random(2021);
  for (int round = 0; round < 300; ++round) {
    TcpReassembler reassembler{TcpReassemblyConfig{}};
    TcpStreamState stream;
    stream.next_seq = static_cast<std::uint32_t>(random());
    stream.seq_known = true;
    const std::uint32_t isn = stream.next_seq;
    std::string original(1 + random() % 6000, '\0');
    for (char& c : original)
      c = static_cast<char>('A' + random() % 26);
    struct Piece {
      std::uint32_t at;
      std::uint32_t size;
    };
    std::vector<Piece> pieces;
    for (std::uint32_t at = 0; at < original.size();) {
      const auto size = std::min<std::uint32_t>(1 + random() % 1460,
                                                static_cast<std::uint32_t>(original.size()) - at);
      pieces.push_back({at, size});
      if (random() % 4 == 0) pieces.push_back({at, size});  // duplicate
      if (random() % 5 == 0 && at + size < original.size()) {
        // a re-segmented retransmission straddling this piece and the next
        const std::uint32_t start = at + size / 2;
        pieces.push_back({start, std::min<std::uint32_t>(
                                     size, static_cast<std::uint32_t>(original.size()) - start)});
      }
      at += size;
    }
    // Local reordering, as a tap produces it: each piece moves at most three places.
    for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
      const std::size_t j = std::min(pieces.size() - 1, i + random() % 4);
      std::swap(pieces[i], pieces[j]);
    }
    Recorder out;
    for (const Piece& p : pieces) {
      reassembler.on_segment(
          stream, 1, 0, isn + p.at,
          ByteSpan(reinterpret_cast<const std::uint8_t*>(original.data()) + p.at, p.size), 0, out);
    }
    reassembler.flush(stream, out, TcpReassembler::FlushReason::kConnectionEnd);
    // Three places of displacement never need more than the window's ranges or bytes.
    ASSERT_EQ(reassembler.counters().tcp_reorder_ranges_exceeded, 0u) << "round " << round;
    ASSERT_EQ(reassembler.counters().tcp_reorder_window_exceeded, 0u) << "round " << round;
    ASSERT_EQ(out.text, original) << "round " << round;
    EXPECT_EQ(reassembler.windows_in_use(), 0u);
  }
}

}  // namespace
}  // namespace bw::flow
