#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bw {

// Length of the well-formed UTF-8 sequence starting at text[i] (1 for ASCII), with its code point
// in `code_point`; 0 when the bytes there are not one (stray continuation byte, overlong form,
// surrogate, beyond U+10FFFF, cut off).
inline std::size_t utf8_decode(std::string_view text, std::size_t i, std::uint32_t& code_point) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  std::size_t length = 0;
  std::uint32_t min = 0;
  if ((lead & 0xe0) == 0xc0) {
    length = 2, min = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3, min = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  std::uint32_t code = lead & (0x7fu >> length);
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3fu);
  }
  const bool surrogate = code >= 0xd800 && code <= 0xdfff;
  if (code < min || code > 0x10ffff || surrogate) return 0;
  code_point = code;
  return length;
}

// utf8_decode without the code point.
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  std::uint32_t code_point = 0;
  return utf8_decode(text, i, code_point);
}

}  // namespace bw
