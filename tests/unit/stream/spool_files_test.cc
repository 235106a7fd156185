#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "sensor/stream/spool.h"
#include "sensor/stream/spool_test_hooks.h"

namespace bw::stream {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kRecordBytes = 20 + 7;  // header + "event-N" for N < 10

std::string payload_for(std::uint64_t sequence) {
  return "event-" + std::to_string(sequence);
}

std::string segment_name(std::uint64_t first_sequence) {
  std::string digits = std::to_string(first_sequence);
  return std::string(20 - digits.size(), '0') + digits + ".seg";
}

std::vector<std::uint8_t> file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

void flip_byte(const fs::path& path, std::size_t offset) {
  std::vector<std::uint8_t> bytes = file_bytes(path);
  ASSERT_LT(offset, bytes.size());
  bytes[offset] ^= 0x40;
  write_file_bytes(path, bytes);
}

std::vector<std::string> segment_files(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".seg")) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::uint64_t> sequences_of(const std::vector<SpooledEvent>& events) {
  std::vector<std::uint64_t> sequences;
  for (const SpooledEvent& event : events)
    sequences.push_back(event.sequence);
  return sequences;
}

class SpoolFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "bw_spool_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    options_.directory = (root_ / "spool").string();
    options_.fsync_interval_ms = 3600 * 1000;  // fsyncs only where the spool owes them
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::unique_ptr<Spool> open_spool() {
    std::string error;
    auto spool = Spool::open(options_, error);
    EXPECT_NE(spool, nullptr) << error;
    EXPECT_EQ(error, "");
    return spool;
  }

  static void append_range(Spool& spool, std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t sequence = first; sequence <= last; ++sequence) {
      ASSERT_TRUE(spool.append(sequence, payload_for(sequence))) << spool.last_error();
    }
  }

  static std::vector<SpooledEvent> read_all(Spool& spool, std::uint64_t after = 0) {
    std::vector<SpooledEvent> events;
    while (spool.read_after(after, 3, 1 << 20, events) > 0)
      after = events.back().sequence;
    for (const SpooledEvent& event : events)
      EXPECT_EQ(event.payload, payload_for(event.sequence));
    return events;
  }

  fs::path directory() const { return options_.directory; }
  fs::path segment_path(std::uint64_t first_sequence) const {
    return directory() / segment_name(first_sequence);
  }

  fs::path root_;
  SpoolOptions options_;
};

using Sequences = std::vector<std::uint64_t>;

TEST_F(SpoolFilesTest, RecordFormatIsByteExact) {
  {
    auto spool = open_spool();
    ASSERT_TRUE(spool->append(7, "beacon"));
  }
  const std::vector<std::uint8_t> expected = {
      0x42, 0x57, 0x53, 0x31,                          // "BWS1"
      0x06, 0x00, 0x00, 0x00,                          // payload length
      0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // sequence
      // CRC-32C 0xBCD05146 of (sequence, payload); spool_crc32c_test.cc derives it bit by bit.
      0x46, 0x51, 0xd0, 0xbc,  //
      'b', 'e', 'a', 'c', 'o', 'n'};
  EXPECT_EQ(segment_files(directory()), std::vector<std::string>{"00000000000000000007.seg"});
  EXPECT_EQ(file_bytes(segment_path(7)), expected);
  EXPECT_FALSE(fs::exists(directory() / "ack"));
}

TEST_F(SpoolFilesTest, AppendReadAcknowledgeAndRestart) {
  {
    auto spool = open_spool();
    append_range(*spool, 1, 5);
    EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 2, 3, 4, 5}));
    EXPECT_EQ(sequences_of(read_all(*spool, 3)), (Sequences{4, 5}));
    EXPECT_EQ(spool->pending_events(), 5u);
    EXPECT_EQ(spool->pending_bytes(), 5 * kRecordBytes);
    EXPECT_EQ(spool->oldest_pending_sequence(), 1u);

    spool->acknowledge(3);
    spool->acknowledge(2);  // an older acknowledgement changes nothing
    EXPECT_EQ(spool->acknowledged_sequence(), 3u);
    EXPECT_EQ(spool->pending_events(), 2u);
    EXPECT_EQ(spool->pending_bytes(), 2 * kRecordBytes);
    EXPECT_EQ(spool->oldest_pending_sequence(), 4u);
    EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{4, 5}));
    const SpoolCounters counters = spool->counters();
    EXPECT_EQ(counters.events_appended, 5u);
    EXPECT_EQ(counters.bytes_appended, 5 * kRecordBytes);
    EXPECT_EQ(counters.events_acknowledged, 3u);
    EXPECT_EQ(counters.segments_created, 1u);
  }
  // Closing persisted the acknowledgement the fsync interval had held back.
  EXPECT_EQ(file_bytes(directory() / "ack"), (std::vector<std::uint8_t>{'3', '\n'}));
  auto spool = open_spool();
  EXPECT_EQ(spool->acknowledged_sequence(), 3u);
  EXPECT_EQ(spool->last_sequence(), 5u);
  EXPECT_EQ(spool->pending_events(), 2u);
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{4, 5}));
  append_range(*spool, 6, 6);
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{4, 5, 6}));
  EXPECT_EQ(spool->last_error(), "");
}

TEST_F(SpoolFilesTest, ReadStopsAtEventAndByteBudgets) {
  auto spool = open_spool();
  append_range(*spool, 1, 5);
  std::vector<SpooledEvent> events;
  EXPECT_EQ(spool->read_after(0, 2, 1 << 20, events), 2u);
  EXPECT_EQ(sequences_of(events), (Sequences{1, 2}));
  events.clear();
  EXPECT_EQ(spool->read_after(1, 10, 14, events), 2u);  // two 7-byte payloads fit 14 bytes
  EXPECT_EQ(sequences_of(events), (Sequences{2, 3}));
  events.clear();
  EXPECT_EQ(spool->read_after(0, 10, 0, events), 1u);  // always at least one
  events.clear();
  EXPECT_EQ(spool->read_after(5, 10, 1 << 20, events), 0u);
  EXPECT_EQ(spool->read_after(0, 0, 1 << 20, events), 0u);
}

TEST_F(SpoolFilesTest, SequenceContinuesAfterEverythingWasAcknowledged) {
  {
    auto spool = open_spool();
    append_range(*spool, 1, 3);
    spool->acknowledge(3);
  }
  auto spool = open_spool();
  EXPECT_EQ(segment_files(directory()), std::vector<std::string>{});
  EXPECT_EQ(spool->last_sequence(), 3u);
  EXPECT_EQ(spool->pending_events(), 0u);
  EXPECT_EQ(spool->oldest_pending_sequence(), 0u);
  EXPECT_EQ(spool->counters().segments_removed, 1u);
  EXPECT_FALSE(spool->append(3, payload_for(3)));
  EXPECT_FALSE(spool->append(2, payload_for(2)));
  EXPECT_TRUE(spool->append(4, payload_for(4)));
  EXPECT_EQ(spool->counters().write_failures, 2u);
  EXPECT_EQ(spool->counters().events_lost_write, 2u);
  EXPECT_NE(spool->last_error().find("sequence 3 is not after 3"), std::string::npos);
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{4}));
}

TEST_F(SpoolFilesTest, SegmentsRollAndAcknowledgedOnesGo) {
  options_.segment_bytes = 100;  // four 27-byte records, then a new segment
  auto spool = open_spool();
  append_range(*spool, 1, 10);
  EXPECT_EQ(segment_files(directory()),
            (std::vector<std::string>{segment_name(1), segment_name(5), segment_name(9)}));
  EXPECT_EQ(fs::file_size(segment_path(1)), 4 * kRecordBytes);
  EXPECT_EQ(fs::file_size(segment_path(5)), 4 * kRecordBytes);
  EXPECT_EQ(fs::file_size(segment_path(9)), 2 * kRecordBytes + 1);  // "event-10"
  EXPECT_EQ(spool->counters().segments_created, 3u);
  EXPECT_GE(spool->counters().fsyncs, 2u);  // each rolled segment was synced

  spool->acknowledge(3);
  EXPECT_EQ(segment_files(directory()).size(), 3u);
  spool->acknowledge(4);
  EXPECT_EQ(segment_files(directory()),
            (std::vector<std::string>{segment_name(5), segment_name(9)}));
  EXPECT_EQ(file_bytes(directory() / "ack"), (std::vector<std::uint8_t>{'4', '\n'}));
  spool->acknowledge(8);
  EXPECT_EQ(segment_files(directory()), std::vector<std::string>{segment_name(9)});
  EXPECT_EQ(spool->counters().segments_removed, 2u);
  EXPECT_EQ(spool->counters().events_acknowledged, 8u);
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{9, 10}));
}

TEST_F(SpoolFilesTest, CapDropsOldestSegmentsAndCountsUnacknowledgedEvents) {
  options_.segment_bytes = 100;
  options_.max_bytes = 250;
  auto spool = open_spool();
  append_range(*spool, 1, 9);  // 108 + 108 + 27 = 243 bytes
  spool->acknowledge(2);
  EXPECT_EQ(segment_files(directory()).size(), 3u);
  append_range(*spool, 10, 10);  // 270 > 250: segment 1 goes, with 3 and 4 unacknowledged
  EXPECT_EQ(segment_files(directory()),
            (std::vector<std::string>{segment_name(5), segment_name(9)}));
  SpoolCounters counters = spool->counters();
  EXPECT_EQ(counters.events_dropped_at_cap, 2u);
  EXPECT_EQ(counters.segments_dropped_at_cap, 1u);
  EXPECT_EQ(counters.events_lost_write, 0u);
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(spool->pending_events(), 6u);

  // A record larger than the whole cap is refused instead of emptying the spool.
  EXPECT_FALSE(spool->append(11, std::string(300, 'x')));
  counters = spool->counters();
  EXPECT_EQ(counters.events_lost_write, 1u);
  EXPECT_EQ(counters.segments_dropped_at_cap, 1u);
}

TEST_F(SpoolFilesTest, CapDropsTheOnlySegmentAndStartsAFreshOne) {
  options_.max_bytes = 60;  // two records
  auto spool = open_spool();
  append_range(*spool, 1, 3);
  EXPECT_EQ(segment_files(directory()), std::vector<std::string>{segment_name(3)});
  EXPECT_EQ(spool->counters().events_dropped_at_cap, 2u);
  EXPECT_EQ(spool->counters().segments_dropped_at_cap, 1u);
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{3}));
  EXPECT_EQ(spool->last_sequence(), 3u);
}

TEST_F(SpoolFilesTest, TornTailIsCountedTruncatedAndAppendsContinue) {
  {
    auto spool = open_spool();
    append_range(*spool, 1, 3);
  }
  const std::vector<std::uint8_t> intact = file_bytes(segment_path(1));
  ASSERT_EQ(intact.size(), 3 * kRecordBytes);
  // Every cut inside the third record, from one byte of its header to all but its last byte.
  for (std::uint64_t kept = 1; kept < kRecordBytes; ++kept) {
    SCOPED_TRACE("kept " + std::to_string(kept) + " bytes of the last record");
    write_file_bytes(segment_path(1),
                     {intact.begin(), intact.begin() + static_cast<long>(2 * kRecordBytes + kept)});
    auto spool = open_spool();
    EXPECT_EQ(spool->counters().torn_tails, 1u);
    EXPECT_EQ(spool->counters().corrupt_records, 0u);
    EXPECT_EQ(fs::file_size(segment_path(1)), 2 * kRecordBytes);
    EXPECT_EQ(spool->last_sequence(), 2u);
    EXPECT_NE(spool->last_error().find("torn record at offset 54"), std::string::npos);
    EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 2}));
    ASSERT_TRUE(spool->append(3, payload_for(3)));
    EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 2, 3}));
  }
  auto spool = open_spool();
  EXPECT_EQ(spool->counters().torn_tails, 0u);
  EXPECT_EQ(file_bytes(segment_path(1)), intact);
}

TEST_F(SpoolFilesTest, CorruptRecordCostsOnlyItselfInAnEarlierSegment) {
  options_.segment_bytes = 100;
  {
    auto spool = open_spool();
    append_range(*spool, 1, 10);
  }
  flip_byte(segment_path(1), kRecordBytes + 22);  // a payload byte of record 2
  auto spool = open_spool();
  EXPECT_EQ(spool->counters().corrupt_records, 1u);
  EXPECT_EQ(spool->counters().skipped_bytes, kRecordBytes);
  EXPECT_EQ(spool->counters().torn_tails, 0u);
  EXPECT_NE(spool->last_error().find(segment_name(1) + ": corrupt record at offset 27, 27 bytes " +
                                     "skipped to the next whole record"),
            std::string::npos)
      << spool->last_error();
  EXPECT_EQ(fs::file_size(segment_path(1)), 4 * kRecordBytes);  // not the last: left alone
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(spool->pending_events(), 9u);
  // On disk, the skipped record included; "event-10" is one byte longer than the others.
  EXPECT_EQ(spool->pending_bytes(), 10 * kRecordBytes + 1);
  EXPECT_EQ(spool->last_sequence(), 10u);
}

TEST_F(SpoolFilesTest, DamagedHeadersAreCorruptNotTorn) {
  options_.segment_bytes = 100;
  {
    auto spool = open_spool();
    append_range(*spool, 1, 10);
  }
  flip_byte(segment_path(5), 2 * kRecordBytes);  // magic of record 7
  flip_byte(segment_path(9), kRecordBytes + 7);  // length of record 10 becomes 1 GiB + 7
  auto spool = open_spool();
  EXPECT_EQ(spool->counters().corrupt_records, 2u);
  EXPECT_EQ(spool->counters().torn_tails, 0u);
  EXPECT_EQ(fs::file_size(segment_path(9)), kRecordBytes);  // the last segment is cut back
  // Record 8 follows the damaged 7 in its segment; record 10 has nothing after it.
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 2, 3, 4, 5, 6, 8, 9}));
  EXPECT_EQ(spool->counters().skipped_bytes, kRecordBytes + (kRecordBytes + 1));
  ASSERT_TRUE(spool->append(11, payload_for(11)));
  EXPECT_EQ(sequences_of(read_all(*spool, 8)), (Sequences{9, 11}));
}

// The resynchronisation after damage: a damaged record costs that record, not the rest of its
// segment. Offsets below follow the record layout in spool.h: 20 header bytes, then the payload.

TEST_F(SpoolFilesTest, FlippedPayloadByteInTheMiddleLosesOnlyThatRecord) {
  {
    auto spool = open_spool();
    append_range(*spool, 1, 9);
  }
  flip_byte(segment_path(1), 4 * kRecordBytes + 20 + 3);  // a payload byte of record 5
  {
    auto spool = open_spool();
    EXPECT_EQ(spool->counters().corrupt_records, 1u);
    EXPECT_EQ(spool->counters().skipped_bytes, kRecordBytes);
    EXPECT_EQ(spool->counters().torn_tails, 0u);
    EXPECT_NE(spool->last_error().find("corrupt record at offset 108, 27 bytes skipped"),
              std::string::npos)
        << spool->last_error();
    EXPECT_EQ(fs::file_size(segment_path(1)), 9 * kRecordBytes);
    EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 2, 3, 4, 6, 7, 8, 9}));
    EXPECT_EQ(spool->pending_events(), 8u);
    EXPECT_EQ(spool->oldest_pending_sequence(), 1u);
    EXPECT_EQ(spool->last_sequence(), 9u);
    // The damage is in the middle, so the segment keeps taking appends after record 9.
    ASSERT_TRUE(spool->append(10, payload_for(10)));
    EXPECT_EQ(sequences_of(read_all(*spool, 8)), (Sequences{9, 10}));
  }
  // The damaged record stays on disk and is skipped again; nothing else is lost.
  auto spool = open_spool();
  EXPECT_EQ(spool->counters().corrupt_records, 1u);
  EXPECT_EQ(fs::file_size(segment_path(1)), 10 * kRecordBytes + 1);  // "event-10"
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 2, 3, 4, 6, 7, 8, 9, 10}));
}

TEST_F(SpoolFilesTest, GarbageRunBetweenTwoRecordsIsSkippedWholeRecordsAndAll) {
  {
    auto spool = open_spool();
    append_range(*spool, 1, 2);
  }
  const std::vector<std::uint8_t> intact = file_bytes(segment_path(1));
  const std::vector<std::uint8_t> record_one(intact.begin(), intact.begin() + kRecordBytes);
  std::vector<std::uint8_t> garbage(300);
  for (std::size_t i = 0; i < garbage.size(); ++i)
    garbage[i] = static_cast<std::uint8_t>(i * 37 + 11);
  // A header that looks right but whose checksum cannot match...
  const std::vector<std::uint8_t> fake_header = {'B', 'W', 'S', '1', 8, 0, 0, 0, 9, 0,
                                                 0,   0,   0,   0,   0, 0, 0, 0, 0, 0};
  garbage.insert(garbage.end(), fake_header.begin(), fake_header.end());
  garbage.insert(garbage.end(), 40, 0x00);
  // ...and a whole valid record whose sequence (1) does not increase: a stale copy.
  garbage.insert(garbage.end(), record_one.begin(), record_one.end());
  garbage.insert(garbage.end(), 13, 0xff);
  std::vector<std::uint8_t> damaged = record_one;
  damaged.insert(damaged.end(), garbage.begin(), garbage.end());
  damaged.insert(damaged.end(), intact.begin() + kRecordBytes, intact.end());
  write_file_bytes(segment_path(1), damaged);

  auto spool = open_spool();
  EXPECT_EQ(spool->counters().corrupt_records, 1u);
  EXPECT_EQ(spool->counters().skipped_bytes, garbage.size());
  EXPECT_EQ(spool->counters().torn_tails, 0u);
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 2}));
  ASSERT_TRUE(spool->append(3, payload_for(3)));
  EXPECT_EQ(sequences_of(read_all(*spool, 1)), (Sequences{2, 3}));
  EXPECT_EQ(fs::file_size(segment_path(1)), damaged.size() + kRecordBytes);
}

TEST_F(SpoolFilesTest, CorruptedLengthFieldLosesOnlyThatRecord) {
  {
    auto spool = open_spool();
    append_range(*spool, 1, 5);
  }
  const std::vector<std::uint8_t> intact = file_bytes(segment_path(1));
  const std::size_t length_field = 2 * kRecordBytes + 4;  // record 3
  // Longer than the rest of the file (read as a torn tail before the search finds record 4),
  // shorter than the payload, and longer than it but still inside the file.
  for (const std::uint8_t length : {0xf0, 0x03, 0x1e}) {
    SCOPED_TRACE("length " + std::to_string(length));
    std::vector<std::uint8_t> damaged = intact;
    damaged[length_field] = length;
    write_file_bytes(segment_path(1), damaged);
    auto spool = open_spool();
    EXPECT_EQ(spool->counters().corrupt_records, 1u);
    EXPECT_EQ(spool->counters().skipped_bytes, kRecordBytes);
    EXPECT_EQ(spool->counters().torn_tails, 0u);
    EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 2, 4, 5}));
    EXPECT_EQ(fs::file_size(segment_path(1)), 5 * kRecordBytes);
  }
}

TEST_F(SpoolFilesTest, TornTailAfterSkippedDamageIsStillCutBack) {
  {
    auto spool = open_spool();
    append_range(*spool, 1, 5);
  }
  std::vector<std::uint8_t> damaged = file_bytes(segment_path(1));
  damaged[kRecordBytes + 20] ^= 0x01;                   // payload of record 2
  damaged.resize(4 * kRecordBytes + kRecordBytes / 2);  // record 5 half written
  write_file_bytes(segment_path(1), damaged);
  {
    auto spool = open_spool();
    EXPECT_EQ(spool->counters().corrupt_records, 1u);
    EXPECT_EQ(spool->counters().torn_tails, 1u);
    EXPECT_EQ(spool->counters().skipped_bytes, kRecordBytes + kRecordBytes / 2);
    EXPECT_NE(spool->last_error().find("corrupt record at offset 27"), std::string::npos);
    EXPECT_EQ(fs::file_size(segment_path(1)), 4 * kRecordBytes);
    EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 3, 4}));
    ASSERT_TRUE(spool->append(5, payload_for(5)));
  }
  auto spool = open_spool();
  EXPECT_EQ(spool->counters().torn_tails, 0u);
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 3, 4, 5}));
}

TEST_F(SpoolFilesTest, RecordLikeGarbageIsSearchedInLinearTime) {
  {
    auto spool = open_spool();
    append_range(*spool, 1, 3);
  }
  const std::vector<std::uint8_t> intact = file_bytes(segment_path(1));
  // 4 MiB of headers back to back, each claiming a payload that reaches exactly to the end of
  // the run. Checksumming every candidate would cover 4 MiB x 2^20/5 / 2 = about 400 GiB; the
  // allowance earned by the search caps it near 2 x 4 MiB + 1 MiB.
  constexpr std::size_t kGarbageBytes = 4 << 20;
  std::vector<std::uint8_t> damaged(intact.begin(), intact.begin() + kRecordBytes);
  for (std::size_t at = 0; at + 20 <= kGarbageBytes; at += 20) {
    const auto length = static_cast<std::uint32_t>(kGarbageBytes - at - 20);
    const std::uint8_t header[20] = {'B',
                                     'W',
                                     'S',
                                     '1',
                                     static_cast<std::uint8_t>(length),
                                     static_cast<std::uint8_t>(length >> 8),
                                     static_cast<std::uint8_t>(length >> 16),
                                     static_cast<std::uint8_t>(length >> 24),
                                     7};
    damaged.insert(damaged.end(), std::begin(header), std::end(header));
  }
  damaged.resize(kRecordBytes + kGarbageBytes, 0);
  damaged.insert(damaged.end(), intact.begin() + kRecordBytes, intact.end());
  write_file_bytes(segment_path(1), damaged);

  const auto started = std::chrono::steady_clock::now();
  auto spool = open_spool();
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_LT(elapsed, std::chrono::seconds(20));
  EXPECT_EQ(spool->counters().corrupt_records, 1u);
  EXPECT_EQ(spool->counters().skipped_bytes, kGarbageBytes);
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 2, 3}));
}

TEST_F(SpoolFilesTest, SequencesGoingBackwardsAcrossSegmentsAreCorrupt) {
  {
    auto spool = open_spool();
    append_range(*spool, 5, 6);
  }
  // A segment holding sequence 7 under a name that sorts before the one holding 5 and 6.
  SpoolOptions elsewhere = options_;
  elsewhere.directory = (root_ / "elsewhere").string();
  {
    std::string error;
    auto other = Spool::open(elsewhere, error);
    ASSERT_NE(other, nullptr) << error;
    ASSERT_TRUE(other->append(7, payload_for(7)));
  }
  fs::copy_file(fs::path(elsewhere.directory) / segment_name(7), segment_path(1));
  auto spool = open_spool();
  EXPECT_EQ(spool->counters().corrupt_records, 1u);
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{7}));
  EXPECT_EQ(segment_files(directory()), std::vector<std::string>{segment_name(1)});
}

TEST_F(SpoolFilesTest, RecordDamagedAfterOpenIsSkippedOnRead) {
  auto spool = open_spool();
  append_range(*spool, 1, 3);
  flip_byte(segment_path(1), kRecordBytes + 25);
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 3}));
  EXPECT_EQ(spool->counters().corrupt_records, 1u);
  EXPECT_EQ(spool->pending_events(), 2u);
  EXPECT_NE(spool->last_error().find("record 2 no longer reads back"), std::string::npos);
}

TEST_F(SpoolFilesTest, SecondWriterIsRefusedAndReadOnlyInspectionWorks) {
  auto spool = open_spool();
  append_range(*spool, 1, 2);
  std::string error;
  EXPECT_EQ(Spool::open(options_, error), nullptr);
  EXPECT_NE(error.find("is in use by another process"), std::string::npos) << error;
  EXPECT_NE(error.find(options_.directory), std::string::npos) << error;

  SpoolOptions inspect = options_;
  inspect.read_only = true;
  error.clear();
  auto viewer = Spool::open(inspect, error);
  ASSERT_NE(viewer, nullptr) << error;
  EXPECT_EQ(viewer->pending_events(), 2u);
  EXPECT_EQ(sequences_of(read_all(*viewer)), (Sequences{1, 2}));
  EXPECT_FALSE(viewer->append(3, payload_for(3)));
  viewer->acknowledge(2);
  EXPECT_EQ(viewer->acknowledged_sequence(), 0u);

  spool.reset();
  error.clear();
  EXPECT_NE(Spool::open(options_, error), nullptr) << error;
}

TEST_F(SpoolFilesTest, UnusableDirectoryIsNamedInTheError) {
  write_file_bytes(root_ / "plain", {'x'});
  options_.directory = (root_ / "plain" / "spool").string();
  std::string error;
  EXPECT_EQ(Spool::open(options_, error), nullptr);
  EXPECT_NE(error.find(options_.directory), std::string::npos) << error;
  SpoolOptions inspect;
  inspect.directory = (root_ / "missing").string();
  inspect.read_only = true;
  error.clear();
  EXPECT_EQ(Spool::open(inspect, error), nullptr);
  EXPECT_NE(error.find("missing"), std::string::npos) << error;
}

TEST_F(SpoolFilesTest, FsyncFollowsTheInterval) {
  auto spool = open_spool();
  append_range(*spool, 1, 3);
  EXPECT_EQ(spool->counters().fsyncs, 0u);
  spool->sync();
  EXPECT_EQ(spool->counters().fsyncs, 2u);  // the segment and the directory that gained it
  spool.reset();
  options_.fsync_interval_ms = 0;
  spool = open_spool();
  append_range(*spool, 4, 6);
  EXPECT_EQ(spool->counters().fsyncs, 3u);
}

TEST_F(SpoolFilesTest, UnreadableAckFileReplaysFromTheStart) {
  {
    auto spool = open_spool();
    append_range(*spool, 1, 3);
    spool->acknowledge(2);
  }
  write_file_bytes(directory() / "ack", {'2', 'x', '\n'});
  auto spool = open_spool();
  EXPECT_EQ(spool->acknowledged_sequence(), 0u);
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 2, 3}));
  EXPECT_NE(spool->last_error().find("ack: unreadable"), std::string::npos);
}

// ---- stream epoch ----------------------------------------------------------------------------

std::string text_of(const fs::path& path) {
  const std::vector<std::uint8_t> bytes = file_bytes(path);
  return {bytes.begin(), bytes.end()};
}

TEST_F(SpoolFilesTest, NewSpoolDrawsARandomEpochThatReopeningKeeps) {
  std::uint64_t epoch = 0;
  {
    auto spool = open_spool();
    epoch = spool->stream_epoch();
    append_range(*spool, 1, 3);
  }
  ASSERT_NE(epoch, 0u);
  char expected[32];
  std::snprintf(expected, sizeof expected, "%016llx\n", static_cast<unsigned long long>(epoch));
  EXPECT_EQ(text_of(directory() / "epoch"), expected);
  auto spool = open_spool();
  EXPECT_EQ(spool->stream_epoch(), epoch);
  EXPECT_EQ(spool->last_sequence(), 3u);
  EXPECT_EQ(spool->counters().legacy_epoch_adopted, 0u);
  // Another new spool (a re-imaged sensor) gets another epoch.
  SpoolOptions other = options_;
  other.directory = (root_ / "other").string();
  std::string error;
  auto fresh = Spool::open(other, error);
  ASSERT_NE(fresh, nullptr) << error;
  EXPECT_NE(fresh->stream_epoch(), 0u);
  EXPECT_NE(fresh->stream_epoch(), epoch);
  EXPECT_EQ(fresh->last_sequence(), 0u);
}

TEST_F(SpoolFilesTest, SpoolFromBeforeEpochsKeepsEpochZeroAndRecordsIt) {
  {
    auto spool = open_spool();
    append_range(*spool, 1, 4);
    spool->acknowledge(2);
    spool->sync();
  }
  fs::remove(directory() / "epoch");  // what a spool written before epochs looks like
  {
    auto spool = open_spool();
    EXPECT_EQ(spool->stream_epoch(), 0u);
    EXPECT_EQ(spool->counters().legacy_epoch_adopted, 1u);
    EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{3, 4}));
  }
  EXPECT_EQ(text_of(directory() / "epoch"), "0000000000000000\n");
  auto spool = open_spool();
  EXPECT_EQ(spool->stream_epoch(), 0u);
  EXPECT_EQ(spool->counters().legacy_epoch_adopted, 0u);
}

TEST_F(SpoolFilesTest, DamagedEpochFileRefusesTheSpoolNamingTheFile) {
  {
    auto spool = open_spool();
    append_range(*spool, 1, 2);
  }
  for (const char* damaged :
       {"12345\n", "0123456789abcdeg\n", "0123456789ABCDEF\n", "0123456789abcdef", ""}) {
    std::ofstream(directory() / "epoch", std::ios::binary | std::ios::trunc) << damaged;
    std::string error;
    EXPECT_EQ(Spool::open(options_, error), nullptr) << damaged;
    EXPECT_EQ(error, "spool " + options_.directory +
                         "/epoch: damaged stream epoch (expected 16 hex digits and a newline); "
                         "its events cannot be told apart from another spool's: restore the "
                         "file, or move the spool aside to start a new one");
  }
}

TEST_F(SpoolFilesTest, FsyncFailureIsCountedAndNamedWhileTheEventIsKept) {
  options_.fsync_interval_ms = 0;
  auto spool = open_spool();
  append_range(*spool, 1, 1);
  EXPECT_EQ(spool->counters().fsync_failures, 0u);
  // fsync(2) on /dev/null fails with EINVAL: every later data fsync of the tail fails.
  const int null_device = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(null_device, 0);
  ASSERT_TRUE(replace_append_fd_for_testing(*spool, null_device));
  EXPECT_TRUE(spool->append(2, payload_for(2)));
  EXPECT_TRUE(spool->append(3, payload_for(3)));
  const SpoolCounters counters = spool->counters();
  EXPECT_EQ(counters.fsync_failures, 2u);
  EXPECT_EQ(counters.events_appended, 3u);
  EXPECT_EQ(counters.events_lost_write, 0u);
  EXPECT_EQ(spool->last_error(),
            "spool " + options_.directory + ": fsync failed: Invalid argument");
}

TEST_F(SpoolFilesTest, ConcurrentProducerAndConsumerLoseNothingAndKeepOrder) {
  options_.segment_bytes = 64 * 1024;
  options_.fsync_interval_ms = 50;
  auto spool = open_spool();
  constexpr std::uint64_t kEvents = 200000;
  std::atomic<bool> producer_ok = true;
  std::thread producer([&] {
    for (std::uint64_t sequence = 1; sequence <= kEvents; ++sequence) {
      if (!spool->append(sequence, payload_for(sequence))) producer_ok = false;
    }
  });
  std::uint64_t next = 1;
  std::vector<SpooledEvent> batch;
  bool in_order = true;
  while (next <= kEvents && in_order) {
    batch.clear();
    if (spool->read_after(next - 1, 500, 64 * 1024, batch) == 0) {
      std::this_thread::yield();
      continue;
    }
    for (const SpooledEvent& event : batch) {
      in_order = in_order && event.sequence == next && event.payload == payload_for(next);
      ++next;
    }
    spool->acknowledge(batch.back().sequence);
    EXPECT_LE(spool->pending_events(), kEvents - batch.back().sequence);
  }
  producer.join();
  EXPECT_TRUE(producer_ok);
  EXPECT_TRUE(in_order) << "at sequence " << next;
  EXPECT_EQ(next, kEvents + 1);
  EXPECT_EQ(spool->pending_events(), 0u);
  EXPECT_EQ(spool->pending_bytes(), 0u);
  const SpoolCounters counters = spool->counters();
  EXPECT_EQ(counters.events_appended, kEvents);
  EXPECT_EQ(counters.events_acknowledged, kEvents);
  EXPECT_EQ(counters.write_failures, 0u);
  EXPECT_EQ(counters.segments_removed + 1, counters.segments_created);
  EXPECT_LE(segment_files(directory()).size(), 1u);
}

// ---- write failures ------------------------------------------------------------------------

TEST_F(SpoolFilesTest, WriteFailureOnDevFullIsCountedAndTheNextAppendWorks) {
  auto spool = open_spool();
  append_range(*spool, 1, 1);
  const int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (full < 0) GTEST_SKIP() << "/dev/full unavailable";
  ASSERT_TRUE(replace_append_fd_for_testing(*spool, full));
  EXPECT_FALSE(spool->append(2, payload_for(2)));
  EXPECT_NE(spool->last_error().find("No space left on device"), std::string::npos)
      << spool->last_error();
  EXPECT_TRUE(spool->append(3, payload_for(3)));
  const SpoolCounters counters = spool->counters();
  EXPECT_EQ(counters.write_failures, 1u);
  EXPECT_EQ(counters.events_lost_write, 1u);
  EXPECT_EQ(counters.events_appended, 2u);
  EXPECT_EQ(segment_files(directory()),
            (std::vector<std::string>{segment_name(1), segment_name(3)}));
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 3}));
  spool.reset();
  spool = open_spool();
  EXPECT_EQ(spool->counters().torn_tails + spool->counters().corrupt_records, 0u);
  EXPECT_EQ(sequences_of(read_all(*spool)), (Sequences{1, 3}));
}

class SpoolDiskFullTest : public SpoolFilesTest {
 protected:
  void SetUp() override {
    SpoolFilesTest::SetUp();
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
    mount_ = root_ / "tmpfs";
    fs::create_directories(mount_);
    if (::mount("tmpfs", mount_.c_str(), "tmpfs", 0, "size=256k") != 0) {
      mount_.clear();
      GTEST_SKIP() << "cannot mount tmpfs";
    }
    options_.directory = (mount_ / "spool").string();
  }
  void TearDown() override {
    if (!mount_.empty()) ::umount2(mount_.c_str(), MNT_DETACH);
    SpoolFilesTest::TearDown();
  }

  // Takes every free block of the mount.
  void fill_disk() {
    const int fd = ::open((mount_ / "filler").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ASSERT_GE(fd, 0);
    const std::string block(4096, 'f');
    while (::write(fd, block.data(), block.size()) > 0) {
    }
    ::close(fd);
  }
  void free_disk() { fs::remove(mount_ / "filler"); }

  fs::path mount_;
};

TEST_F(SpoolDiskFullTest, AppendFailsWhileFullAndWorksOnceThereIsRoom) {
  const std::string big(8000, 'b');
  auto spool = open_spool();
  fill_disk();
  EXPECT_FALSE(spool->append(1, big));
  EXPECT_EQ(segment_files(directory()), std::vector<std::string>{});  // no empty segment left
  free_disk();
  ASSERT_TRUE(spool->append(2, big)) << spool->last_error();
  fill_disk();
  EXPECT_FALSE(spool->append(3, big));
  EXPECT_FALSE(spool->append(4, big));
  EXPECT_EQ(fs::file_size(segment_path(2)), 20 + big.size());  // partial writes cut back
  free_disk();
  ASSERT_TRUE(spool->append(5, big)) << spool->last_error();

  const SpoolCounters counters = spool->counters();
  EXPECT_EQ(counters.write_failures, 3u);
  EXPECT_EQ(counters.events_lost_write, 3u);
  EXPECT_EQ(counters.events_appended, 2u);
  EXPECT_NE(spool->last_error().find("No space left on device"), std::string::npos)
      << spool->last_error();
  std::vector<SpooledEvent> events;
  while (spool->read_after(events.empty() ? 0 : events.back().sequence, 1, 1 << 20, events) > 0) {
  }
  EXPECT_EQ(sequences_of(events), (Sequences{2, 5}));
  spool.reset();
  spool = open_spool();
  EXPECT_EQ(spool->counters().torn_tails + spool->counters().corrupt_records, 0u);
  EXPECT_EQ(spool->pending_events(), 2u);
  EXPECT_EQ(spool->last_sequence(), 5u);
}

}  // namespace
}  // namespace bw::stream
