// Lexical helpers shared by the SMTP and MIME code: ASCII case folding, trimming, hex digits.
// Mail syntax is ASCII and case-insensitive wherever these are used (verbs, field names,
// parameter names, URL schemes), so no locale is involved.
#pragma once

#include <cstddef>
#include <string_view>

#include "sensor/common/ascii.h"

namespace bw::extract::smtp {

using bw::ascii_lower;
using bw::iequals;
using bw::istarts_with;
inline bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Without leading and trailing SP, HTAB, CR and LF.
inline std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

}  // namespace bw::extract::smtp
