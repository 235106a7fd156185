#include "sensor/stream/spool_record.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sensor/common/bytes.h"
#include "sensor/stream/spool_crc32c.h"

namespace bw::stream {
namespace {

constexpr std::size_t kReadChunkBytes = std::size_t{256} * 1024;

std::uint32_t record_checksum(const std::uint8_t* sequence_bytes, std::string_view payload) {
  const std::uint32_t crc = crc32c(ByteSpan(sequence_bytes, 8));
  return crc32c_extend(
      crc, ByteSpan(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
}

}  // namespace

void encode_spool_record(std::uint64_t sequence, std::string_view payload, std::string& out) {
  out.resize(kSpoolRecordHeaderBytes + payload.size());
  auto* header = reinterpret_cast<std::uint8_t*>(out.data());
  std::copy(kSpoolRecordMagic.begin(), kSpoolRecordMagic.end(), header);
  store_le32(header + 4, static_cast<std::uint32_t>(payload.size()));
  store_le64(header + 8, sequence);
  store_le32(header + 16, record_checksum(header + 8, payload));
  if (!payload.empty()) {
    std::memcpy(out.data() + kSpoolRecordHeaderBytes, payload.data(), payload.size());
  }
}

SegmentReader::Fill SegmentReader::fill(std::uint64_t offset, std::size_t n) {
  if (offset >= buffer_offset_ && offset + n <= buffer_offset_ + buffer_size_) return Fill::kOk;
  const std::size_t wanted = static_cast<std::size_t>(
      std::min<std::uint64_t>(std::max(n, kReadChunkBytes), end_ - offset));
  if (buffer_.size() < wanted) buffer_.resize(wanted);
  std::size_t got = 0;
  while (got < wanted) {
    const ssize_t r =
        ::pread(fd_, buffer_.data() + got, wanted - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      read_errno_ = errno;
      buffer_size_ = 0;
      return Fill::kError;
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  buffer_offset_ = offset;
  buffer_size_ = got;
  return got >= n ? Fill::kOk : Fill::kShort;
}

SpoolRecordStatus SegmentReader::read_at(std::uint64_t offset, SpoolRecordView& out) {
  if (offset >= end_) return SpoolRecordStatus::kEnd;
  const std::uint64_t available = end_ - offset;
  const std::size_t head =
      static_cast<std::size_t>(std::min<std::uint64_t>(available, kSpoolRecordHeaderBytes));
  Fill filled = fill(offset, head);
  if (filled == Fill::kError) return SpoolRecordStatus::kReadError;
  if (filled == Fill::kShort) return SpoolRecordStatus::kTorn;
  const std::size_t magic_bytes = std::min(head, kSpoolRecordMagic.size());
  if (!std::equal(kSpoolRecordMagic.begin(), kSpoolRecordMagic.begin() + magic_bytes,
                  window(offset))) {
    return SpoolRecordStatus::kCorrupt;
  }
  if (head < kSpoolRecordHeaderBytes) return SpoolRecordStatus::kTorn;
  const std::uint32_t length = load_le32(window(offset) + 4);
  if (length > kSpoolMaxPayloadBytes) return SpoolRecordStatus::kCorrupt;
  if (available < kSpoolRecordHeaderBytes + length) return SpoolRecordStatus::kTorn;
  filled = fill(offset, kSpoolRecordHeaderBytes + length);
  if (filled == Fill::kError) return SpoolRecordStatus::kReadError;
  if (filled == Fill::kShort) return SpoolRecordStatus::kTorn;
  const std::uint8_t* header = window(offset);
  const std::string_view payload(reinterpret_cast<const char*>(header + kSpoolRecordHeaderBytes),
                                 length);
  if (record_checksum(header + 8, payload) != load_le32(header + 16)) {
    return SpoolRecordStatus::kCorrupt;
  }
  out.offset = offset;
  out.sequence = load_le64(header + 8);
  out.payload = payload;
  return SpoolRecordStatus::kRecord;
}

SpoolRecordStatus SegmentReader::find_record_from(std::uint64_t from, std::uint64_t after_sequence,
                                                  SpoolRecordView& out) {
  std::uint64_t candidate = from;
  while (candidate < end_ && end_ - candidate >= kSpoolRecordHeaderBytes) {
    const Fill filled = fill(candidate, kSpoolRecordHeaderBytes);
    if (filled == Fill::kError) return SpoolRecordStatus::kReadError;
    if (filled == Fill::kShort) break;
    const std::uint8_t* window_end = buffer_.data() + buffer_size_;
    const std::uint8_t* found = std::search(window(candidate), window_end,
                                            kSpoolRecordMagic.begin(), kSpoolRecordMagic.end());
    // Where the search stopped: at the magic, or where a magic cut by the window's end begins
    // (the window holds at least a header, so this still moves forward).
    const std::uint64_t searched_to =
        found != window_end ? buffer_offset_ + static_cast<std::uint64_t>(found - buffer_.data())
                            : buffer_offset_ + buffer_size_ - (kSpoolRecordMagic.size() - 1);
    resync_allowance_ += kSpoolResyncChecksumBytesPerScannedByte * (searched_to - candidate);
    candidate = searched_to;
    if (found == window_end) continue;
    if (end_ - candidate < kSpoolRecordHeaderBytes) break;
    const Fill header_filled = fill(candidate, kSpoolRecordHeaderBytes);
    if (header_filled != Fill::kOk) {
      return header_filled == Fill::kError ? SpoolRecordStatus::kReadError
                                           : SpoolRecordStatus::kEnd;
    }
    const std::uint32_t length = load_le32(window(candidate) + 4);
    const std::uint64_t record_bytes = kSpoolRecordHeaderBytes + std::uint64_t{length};
    // Lengths that cannot be a record are rejected here without reading their bytes.
    if (length <= kSpoolMaxPayloadBytes && record_bytes <= end_ - candidate &&
        record_bytes <= resync_allowance_) {
      resync_allowance_ -= record_bytes;
      const SpoolRecordStatus status = read_at(candidate, out);
      if (status == SpoolRecordStatus::kReadError) return status;
      if (status == SpoolRecordStatus::kRecord && out.sequence > after_sequence) return status;
    }
    ++candidate;
  }
  return SpoolRecordStatus::kEnd;
}

}  // namespace bw::stream
