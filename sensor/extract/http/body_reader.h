// Walks one HTTP/1.x message body (RFC 9112 section 6-7) without keeping it: by Content-Length,
// chunked transfer coding (sizes, extensions, trailers) across calls, or up to connection close.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sensor/common/bytes.h"

namespace bw::extract::http {

class BodyReader {
 public:
  enum class Framing : std::uint8_t { kNone, kLength, kChunked, kUntilClose };
  enum class Status : std::uint8_t { kProgress, kNeedMore, kMalformed };
  struct Step {
    std::size_t consumed = 0;
    Status status = Status::kProgress;
  };

  void start(Framing framing, std::uint64_t length = 0);
  bool done() const;
  // Content bytes that come next with no framing in between: the rest of a Content-Length body
  // or of the current chunk; 0 while a chunk-size line or trailer comes first.
  std::uint64_t content_ahead() const;
  // Consumes content and framing from the start of data. `scanned` is the line-search hint of
  // find_line_end, owned by the caller's direction state.
  Step advance(ByteSpan data, std::size_t& scanned);

 private:
  enum class ChunkPhase : std::uint8_t { kSize, kData, kDataEnd, kTrailers, kDone };
  Step advance_chunked(ByteSpan data, std::size_t& scanned);
  Step read_chunk_size(ByteSpan data, std::size_t& scanned);
  Step read_chunk_end(ByteSpan data);
  Step read_trailer(ByteSpan data, std::size_t& scanned);
  Step skip_content(ByteSpan data);

  Framing framing_ = Framing::kNone;
  ChunkPhase chunk_phase_ = ChunkPhase::kSize;
  std::uint64_t remaining_ = 0;  // of the body (kLength) or of the current chunk (kChunked)
};

}  // namespace bw::extract::http
