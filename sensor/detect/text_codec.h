// Encodings trackers wrap identifiers in: percent-encoding and base64 (RFC 4648, both alphabets).
// Shared by the URL token analysis (which judges decoded values) and the recipient directory
// (which precomputes encoded addresses and matches on decoded text). Nothing here allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bw::detect {

// Bound on the text decoded per call. HttpRequest::uri holds 2048 bytes and a DNS name 255, so
// this leaves room while keeping raw offsets in 16 bits and the work per call bounded.
inline constexpr std::size_t kMaxDecodedText = 4096;

inline bool is_ascii_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline char ascii_fold(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
// Value of a hex digit, or -1.
int hex_digit_value(char c);

// A percent-decoded copy of some text, with the raw offset each decoded char came from, so
// findings in the decoded text can be reported against the bytes actually seen.
struct DecodedText {
  std::array<char, kMaxDecodedText> chars{};
  // raw_offsets[i] is where chars[i] starts in the raw text; raw_offsets[size] is the raw end.
  std::array<std::uint16_t, kMaxDecodedText + 1> raw_offsets{};
  std::size_t size = 0;
  std::size_t malformed_escapes = 0;  // '%' not followed by two hex digits, kept literally
  bool raw_truncated = false;         // raw text beyond kMaxDecodedText was not decoded

  std::string_view view() const { return {chars.data(), size}; }
  std::size_t raw_begin(std::size_t i) const { return raw_offsets[i]; }
  // Raw length of the decoded range [begin, end).
  std::size_t raw_length(std::size_t begin, std::size_t end) const {
    return raw_offsets[end] - raw_offsets[begin];
  }
};

// Decodes %XX escapes (either case). A malformed escape is kept as a literal '%' and counted,
// as browsers and servers do. '+' is left alone: base64 values keep their '+' when a tracker
// forgets to escape it, and a space never belongs to a token anyway.
void percent_decode(std::string_view raw, DecodedText& out);

enum class Base64Alphabet : std::uint8_t { kStandard, kUrlSafe };

// Characters the unpadded encoding of n bytes takes.
constexpr std::size_t base64_unpadded_length(std::size_t n) {
  return (n * 8 + 5) / 6;
}
// Writes the unpadded encoding of data (base64_unpadded_length(size) chars) to out.
void base64_encode(const std::uint8_t* data, std::size_t size, Base64Alphabet alphabet, char* out);

// Decodes base64 in either alphabet (the two may not be mixed), without padding or with up to two
// trailing '='. Fails on any other character, on a length no encoding produces, or when the
// output would exceed `capacity`.
bool base64_decode(std::string_view text, std::uint8_t* out, std::size_t capacity,
                   std::size_t& written);

}  // namespace bw::detect
