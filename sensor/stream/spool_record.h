// The spool's record format (see spool.h) and a reader that walks records in a segment file.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bw::stream {

inline constexpr std::size_t kSpoolRecordHeaderBytes = 20;
inline constexpr std::array<std::uint8_t, 4> kSpoolRecordMagic = {'B', 'W', 'S', '1'};
// A length beyond any real event means the header itself is damaged; it also bounds what one
// record can make the reader allocate.
inline constexpr std::uint32_t kSpoolMaxPayloadBytes = 64u << 20;
// Resynchronising after damage checksums candidate records found in the damaged bytes. Each byte
// the search passes earns this many bytes of checksumming, on top of the start allowance, so a
// garbage run full of record-like headers costs time linear in its length, never quadratic.
inline constexpr std::uint64_t kSpoolResyncChecksumBytesPerScannedByte = 2;
inline constexpr std::uint64_t kSpoolResyncStartAllowanceBytes = 1u << 20;

// Replaces `out` with the complete record (header and payload), ready for one write(2).
void encode_spool_record(std::uint64_t sequence, std::string_view payload, std::string& out);

enum class SpoolRecordStatus : std::uint8_t {
  kRecord,     // a whole record whose checksum matches
  kEnd,        // exactly at the end of the range
  kTorn,       // the range ends inside the record: a crash mid-write
  kCorrupt,    // wrong magic, impossible length or checksum mismatch
  kReadError,  // pread failed; errno is in SegmentReader::read_errno()
};

struct SpoolRecordView {
  std::uint64_t offset = 0;
  std::uint64_t sequence = 0;
  std::string_view payload;  // valid until the next read_at
  std::uint64_t size() const { return kSpoolRecordHeaderBytes + payload.size(); }
};

// Reads records from bytes [0, end) of an open segment file through a window buffer, so a scan
// costs one pread per chunk rather than two per record.
class SegmentReader {
 public:
  SegmentReader(int fd, std::uint64_t end) : fd_(fd), end_(end) {}

  SpoolRecordStatus read_at(std::uint64_t offset, SpoolRecordView& out);
  // After damage at `from - 1`: the first offset >= `from` where a whole record with a matching
  // checksum and a sequence above `after_sequence` starts (kRecord), or kEnd when none does.
  // Every byte is searched once for the magic; candidates are checksummed only while the
  // allowance earned by the search (shared by all calls on this reader) covers their size, so a
  // candidate too big for it is passed over rather than making the scan quadratic.
  SpoolRecordStatus find_record_from(std::uint64_t from, std::uint64_t after_sequence,
                                     SpoolRecordView& out);
  int read_errno() const { return read_errno_; }

 private:
  enum class Fill : std::uint8_t { kOk, kShort, kError };
  // Makes [offset, offset + n) available at window(offset); kShort when the file ends first.
  Fill fill(std::uint64_t offset, std::size_t n);
  const std::uint8_t* window(std::uint64_t offset) const {
    return buffer_.data() + (offset - buffer_offset_);
  }

  int fd_;
  std::uint64_t end_;
  std::vector<std::uint8_t> buffer_;
  std::uint64_t buffer_offset_ = 0;
  std::size_t buffer_size_ = 0;
  int read_errno_ = 0;
  std::uint64_t resync_allowance_ = kSpoolResyncStartAllowanceBytes;
};

}  // namespace bw::stream
