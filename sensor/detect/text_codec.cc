#include "sensor/detect/text_codec.h"

namespace bw::detect {
namespace {

constexpr char kStandardAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlSafeAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Sextet value of a base64 character and which alphabet it belongs to (0 both, 1 standard only,
// 2 URL-safe only), or -1.
int base64_value(char c, int& alphabet) {
  alphabet = 0;
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '/') {
    alphabet = 1;
    return c == '+' ? 62 : 63;
  }
  if (c == '-' || c == '_') {
    alphabet = 2;
    return c == '-' ? 62 : 63;
  }
  return -1;
}

}  // namespace

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void percent_decode(std::string_view raw, DecodedText& out) {
  out.size = 0;
  out.malformed_escapes = 0;
  out.raw_truncated = raw.size() > kMaxDecodedText;
  if (out.raw_truncated) raw = raw.substr(0, kMaxDecodedText);
  std::size_t i = 0;
  while (i < raw.size()) {
    out.raw_offsets[out.size] = static_cast<std::uint16_t>(i);
    const char c = raw[i];
    if (c == '%') {
      const int high = i + 2 < raw.size() ? hex_digit_value(raw[i + 1]) : -1;
      const int low = high >= 0 ? hex_digit_value(raw[i + 2]) : -1;
      if (low >= 0) {
        out.chars[out.size++] = static_cast<char>(high * 16 + low);
        i += 3;
        continue;
      }
      ++out.malformed_escapes;
    }
    out.chars[out.size++] = c;
    ++i;
  }
  out.raw_offsets[out.size] = static_cast<std::uint16_t>(raw.size());
}

void base64_encode(const std::uint8_t* data, std::size_t size, Base64Alphabet alphabet, char* out) {
  const char* table = alphabet == Base64Alphabet::kStandard ? kStandardAlphabet : kUrlSafeAlphabet;
  std::uint32_t bits = 0;
  int pending = 0;
  for (std::size_t i = 0; i < size; ++i) {
    bits = (bits << 8) | data[i];
    pending += 8;
    while (pending >= 6) {
      pending -= 6;
      *out++ = table[(bits >> pending) & 0x3f];
    }
  }
  if (pending > 0) *out = table[(bits << (6 - pending)) & 0x3f];
}

bool base64_decode(std::string_view text, std::uint8_t* out, std::size_t capacity,
                   std::size_t& written) {
  written = 0;
  std::size_t padding = 0;
  while (padding < 2 && !text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++padding;
  }
  if (text.size() % 4 == 1) return false;
  if (padding > 0 && (text.size() + padding) % 4 != 0) return false;
  if (text.size() * 6 / 8 > capacity) return false;
  int alphabet_seen = 0;
  std::uint32_t bits = 0;
  int pending = 0;
  for (const char c : text) {
    int alphabet = 0;
    const int value = base64_value(c, alphabet);
    if (value < 0) return false;
    if (alphabet != 0) {
      if (alphabet_seen != 0 && alphabet_seen != alphabet) return false;
      alphabet_seen = alphabet;
    }
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    pending += 6;
    if (pending >= 8) {
      pending -= 8;
      out[written++] = static_cast<std::uint8_t>(bits >> pending);
    }
  }
  return true;
}

}  // namespace bw::detect
