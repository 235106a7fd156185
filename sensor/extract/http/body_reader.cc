#include "sensor/extract/http/body_reader.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "sensor/extract/http/http_syntax.h"

namespace bw::extract::http {
namespace {

using Step = BodyReader::Step;
using Status = BodyReader::Status;

constexpr Step kNeedMore{0, Status::kNeedMore};
constexpr Step kMalformed{0, Status::kMalformed};

// A chunk-size or trailer line that has not ended within the caller's bound never will.
Step missing_line_end(ByteSpan data) {
  return data.size() >= kMaxHeaderBytes ? kMalformed : kNeedMore;
}

}  // namespace

void BodyReader::start(Framing framing, std::uint64_t length) {
  framing_ = framing;
  chunk_phase_ = ChunkPhase::kSize;
  remaining_ = framing == Framing::kLength ? length : 0;
}

bool BodyReader::done() const {
  switch (framing_) {
    case Framing::kNone:
      return true;
    case Framing::kLength:
      return remaining_ == 0;
    case Framing::kChunked:
      return chunk_phase_ == ChunkPhase::kDone;
    case Framing::kUntilClose:
      return false;
  }
  return true;
}

std::uint64_t BodyReader::content_ahead() const {
  switch (framing_) {
    case Framing::kLength:
      return remaining_;
    case Framing::kChunked:
      return chunk_phase_ == ChunkPhase::kData ? remaining_ : 0;
    case Framing::kUntilClose:
      return std::numeric_limits<std::uint64_t>::max();
    case Framing::kNone:
      break;
  }
  return 0;
}

BodyReader::Step BodyReader::advance(ByteSpan data, std::size_t& scanned) {
  switch (framing_) {
    case Framing::kNone:
      return {};
    case Framing::kLength:
      return skip_content(data);
    case Framing::kChunked:
      return advance_chunked(data, scanned);
    case Framing::kUntilClose:
      return {data.size(), Status::kProgress};
  }
  return {};
}

BodyReader::Step BodyReader::skip_content(ByteSpan data) {
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size()));
  remaining_ -= n;
  return {n, Status::kProgress};
}

BodyReader::Step BodyReader::advance_chunked(ByteSpan data, std::size_t& scanned) {
  switch (chunk_phase_) {
    case ChunkPhase::kSize:
      return read_chunk_size(data, scanned);
    case ChunkPhase::kData: {
      const Step step = skip_content(data);
      if (remaining_ == 0) chunk_phase_ = ChunkPhase::kDataEnd;
      return step;
    }
    case ChunkPhase::kDataEnd:
      return read_chunk_end(data);
    case ChunkPhase::kTrailers:
      return read_trailer(data, scanned);
    case ChunkPhase::kDone:
      break;
  }
  return {};
}

BodyReader::Step BodyReader::read_chunk_size(ByteSpan data, std::size_t& scanned) {
  const std::optional<std::size_t> line_end = find_line_end(data, scanned);
  if (!line_end) return missing_line_end(data);
  const std::optional<std::uint64_t> size = parse_chunk_size(line_text(data.first(*line_end)));
  if (!size) return kMalformed;
  remaining_ = *size;
  chunk_phase_ = *size == 0 ? ChunkPhase::kTrailers : ChunkPhase::kData;
  return {*line_end, Status::kProgress};
}

BodyReader::Step BodyReader::read_chunk_end(ByteSpan data) {
  const std::size_t n = empty_line_length(data);
  if (n > 0) {
    chunk_phase_ = ChunkPhase::kSize;
    return {n, Status::kProgress};
  }
  // Only a lone CR still waiting for its LF can become a valid chunk end.
  return (data.empty() || (data.size() == 1 && data[0] == '\r')) ? kNeedMore : kMalformed;
}

BodyReader::Step BodyReader::read_trailer(ByteSpan data, std::size_t& scanned) {
  const std::optional<std::size_t> line_end = find_line_end(data, scanned);
  if (!line_end) return missing_line_end(data);
  if (line_text(data.first(*line_end)).empty()) chunk_phase_ = ChunkPhase::kDone;
  return {*line_end, Status::kProgress};
}

}  // namespace bw::extract::http
