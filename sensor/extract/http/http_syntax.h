// HTTP/1.x lexical helpers (RFC 9110 / RFC 9112): lines, tokens, start lines and the few field
// values that decide message framing. Pure functions over views of the caller's bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "sensor/common/ascii.h"
#include "sensor/common/bytes.h"

namespace bw::extract::http {

// Bound on one header block (start line included); also the most a caller keeps unconsumed.
inline constexpr std::size_t kMaxHeaderBytes = 16384;

using bw::ascii_lower;
using bw::iequals;
std::string_view trim_whitespace(std::string_view text);  // SP and HTAB, both ends

// Whether a message could start at data[0]. kNeedMore: every byte so far fits, too few to tell.
enum class StartMatch : std::uint8_t { kNo, kNeedMore, kYes };
// A method token then SP. known_methods_only restricts to registered methods (what a stream
// must begin with to be taken for HTTP); otherwise any token method fits.
StartMatch match_request_start(ByteSpan data, bool known_methods_only);
StartMatch match_response_start(ByteSpan data);

// Length of the line at data[0] including its LF, or nullopt when no LF is there yet. `scanned`
// carries over calls the count of leading bytes already known to hold no LF, so bytes
// presented again are not searched again; it is reset once a line is found.
std::optional<std::size_t> find_line_end(ByteSpan data, std::size_t& scanned);
// The line's text without its LF and an optional CR before it.
std::string_view line_text(ByteSpan line_with_lf);
// Length of an empty line (CRLF or LF) at data[0]; 0 when data does not start with one.
std::size_t empty_line_length(ByteSpan data);

struct RequestLine {
  std::string_view method;
  std::string_view target;
  std::string_view version;
  bool simple = false;  // an HTTP/0.9 "GET target" line: no version, no header block follows
};
bool parse_request_line(std::string_view line, RequestLine& out);

struct StatusLine {
  std::string_view version;
  std::uint16_t status = 0;
};
bool parse_status_line(std::string_view line, StatusLine& out);

struct HeaderField {
  std::string_view name;
  std::string_view value;  // trimmed
};
bool split_header_field(std::string_view line, HeaderField& out);
// obs-fold: a line starting with SP or HTAB continues the previous field value.
bool is_continuation_line(std::string_view line);

// Content-Length: digits, or a list of identical digit strings ("42, 42", RFC 9110 8.6).
std::optional<std::uint64_t> parse_content_length(std::string_view value);
// chunk-size [; extensions]; hex without overflow.
std::optional<std::uint64_t> parse_chunk_size(std::string_view line);
// Transfer-Encoding: whether the last coding listed is "chunked".
bool final_coding_is_chunked(std::string_view value);
// Content-Encoding: any coding other than identity.
bool has_content_coding(std::string_view value);

}  // namespace bw::extract::http
