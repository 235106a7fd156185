// Header field values as people read them: RFC 2047 encoded-words ("=?UTF-8?Q?Caf=C3=A9?=")
// decoded, the result always valid UTF-8 whatever the input.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "sensor/common/fixed_string.h"
#include "sensor/extract/smtp/smtp_counters.h"

namespace bw::extract::smtp {

// Decodes B and Q encoded-words in UTF-8, US-ASCII, ISO-8859-1 and windows-1252 (other charsets
// are left encoded and counted), drops the blanks between adjacent encoded-words (RFC 2047 6.2),
// and turns bytes that are not UTF-8 (raw 8-bit headers) into the Latin-1 characters they most
// likely were. Writes at most out.size() bytes, never cutting a character; returns the count.
std::size_t decode_header_text(std::string_view raw, std::span<char> out, SmtpCounters& counters);

template <std::size_t N>
void decode_header_text(std::string_view raw, FixedString<N>& out, SmtpCounters& counters) {
  std::array<char, N> text;
  out.assign({text.data(), decode_header_text(raw, text, counters)});
}

// Appends text to out as valid UTF-8 (invalid bytes read as Latin-1); returns false when out had
// no room for all of it. Never writes a partial character.
bool append_utf8_sanitized(std::string_view text, std::span<char> out, std::size_t& size);

}  // namespace bw::extract::smtp
