#include "sensor/extract/smtp/header_text.h"

#include <cstdint>
#include <optional>

#include "sensor/common/utf8.h"
#include "sensor/extract/smtp/mail_text.h"
#include "sensor/extract/smtp/transfer_decoders.h"

namespace bw::extract::smtp {
namespace {

// Decoded text is assembled here before sanitising: bounded like the header field it comes from
// (Latin-1 bytes may double in size as UTF-8).
constexpr std::size_t kScratchBytes = 8192;

class Scratch {
 public:
  void put(char c) {
    if (size_ < bytes_.size()) bytes_[size_++] = c;
  }
  void put(std::string_view text) {
    for (const char c : text)
      put(c);
  }
  void put_code_point(std::uint32_t code) {
    if (code < 0x80) {
      put(static_cast<char>(code));
    } else if (code < 0x800) {
      put(static_cast<char>(0xc0 | (code >> 6)));
      put(static_cast<char>(0x80 | (code & 0x3f)));
    } else {
      put(static_cast<char>(0xe0 | (code >> 12)));
      put(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
      put(static_cast<char>(0x80 | (code & 0x3f)));
    }
  }
  std::string_view view() const { return {bytes_.data(), size_}; }
  void clear() { size_ = 0; }

 private:
  std::array<char, kScratchBytes> bytes_;
  std::size_t size_ = 0;
};

enum class Charset : std::uint8_t { kUtf8, kLatin1, kWindows1252, kUnsupported };

Charset charset_of(std::string_view name) {
  name = name.substr(0, name.find('*'));  // RFC 2231 language suffix: "utf-8*en"
  if (iequals(name, "utf-8") || iequals(name, "utf8")) return Charset::kUtf8;
  if (iequals(name, "us-ascii") || iequals(name, "iso-8859-1") || iequals(name, "latin1") ||
      iequals(name, "iso_8859-1") || iequals(name, "l1")) {
    return Charset::kLatin1;
  }
  if (iequals(name, "windows-1252") || iequals(name, "cp1252")) return Charset::kWindows1252;
  return Charset::kUnsupported;
}

// windows-1252 differs from Latin-1 only in 0x80-0x9f; unassigned positions map to U+FFFD.
constexpr std::array<std::uint16_t, 32> kWindows1252High = {
    0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd, 0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178};

void put_in_charset(std::string_view bytes, Charset charset, Scratch& out) {
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (charset == Charset::kUtf8 || byte < 0x80) {
      out.put(c);  // UTF-8 is validated once the whole value is assembled
    } else if (charset == Charset::kWindows1252 && byte < 0xa0) {
      out.put_code_point(kWindows1252High[byte - 0x80]);
    } else {
      out.put_code_point(byte);
    }
  }
}

struct EncodedWord {
  std::string_view charset;
  char encoding = 0;  // 'B' or 'Q', upper case
  std::string_view text;
  std::size_t length = 0;  // of the whole "=?...?=" form
};

// "=?" charset "?" encoding "?" encoded-text "?=" at the start of raw; encoded-text has no blanks.
std::optional<EncodedWord> match_encoded_word(std::string_view raw) {
  if (raw.size() < 8 || raw[0] != '=' || raw[1] != '?') return std::nullopt;
  const std::size_t charset_end = raw.find('?', 2);
  if (charset_end == std::string_view::npos || charset_end == 2 || charset_end + 3 > raw.size() ||
      raw[charset_end + 2] != '?') {
    return std::nullopt;
  }
  const char encoding = static_cast<char>(raw[charset_end + 1] & ~0x20);  // upper case
  if (encoding != 'B' && encoding != 'Q') return std::nullopt;
  const std::size_t text_begin = charset_end + 3;
  const std::size_t text_end = raw.find("?=", text_begin);
  if (text_end == std::string_view::npos) return std::nullopt;
  const std::string_view text = raw.substr(text_begin, text_end - text_begin);
  for (const char c : text) {
    if (is_space(c)) return std::nullopt;
  }
  return EncodedWord{raw.substr(2, charset_end - 2), encoding, text, text_end + 2};
}

// Q is quoted-printable with "_" for space (RFC 2047 4.2). Returns false on a bad escape.
bool decode_q(std::string_view text, Scratch& bytes) {
  bool ok = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      bytes.put(' ');
    } else if (text[i] == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      bytes.put(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      ok = ok && text[i] != '=';
      bytes.put(text[i]);
    }
  }
  return ok;
}

bool decode_b(std::string_view text, Scratch& bytes) {
  std::array<char, kScratchBytes> decoded;
  OutBuffer out(decoded);
  Base64Decoder base64;
  base64.decode(text, out);
  base64.finish(out);
  bytes.put(out.view());
  return !base64.malformed();
}

// Appends the decoded word; false when the word cannot be decoded and must stay as written.
bool put_encoded_word(const EncodedWord& word, Scratch& out, SmtpCounters& counters) {
  const Charset charset = charset_of(word.charset);
  if (charset == Charset::kUnsupported) {
    ++counters.encoded_word_unsupported;
    return false;
  }
  Scratch bytes;
  const bool ok = word.encoding == 'B' ? decode_b(word.text, bytes) : decode_q(word.text, bytes);
  if (!ok) ++counters.encoded_word_malformed;
  put_in_charset(bytes.view(), charset, out);
  return true;
}

}  // namespace

bool append_utf8_sanitized(std::string_view text, std::span<char> out, std::size_t& size) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::array<char, 4> latin1{};
    std::string_view sequence;
    if (const std::size_t length = utf8_sequence_length(text, i)) {
      sequence = text.substr(i, length);
      i += length;
    } else {
      const auto byte = static_cast<unsigned char>(text[i++]);
      latin1[0] = static_cast<char>(0xc0 | (byte >> 6));
      latin1[1] = static_cast<char>(0x80 | (byte & 0x3f));
      sequence = {latin1.data(), 2};
    }
    if (out.size() - size < sequence.size()) return false;
    for (const char c : sequence)
      out[size++] = c;
  }
  return true;
}

std::size_t decode_header_text(std::string_view raw, std::span<char> out, SmtpCounters& counters) {
  // Scratch is large; the data path calls this at most a few times per message.
  thread_local Scratch decoded;
  decoded.clear();
  std::string_view pending_blanks;  // held until it is known not to separate two encoded-words
  bool after_encoded_word = false;
  std::size_t i = 0;
  while (i < raw.size()) {
    if (const std::optional<EncodedWord> word = match_encoded_word(raw.substr(i))) {
      if (!after_encoded_word) decoded.put(pending_blanks);
      pending_blanks = {};
      const std::size_t begin = i;
      i += word->length;
      after_encoded_word = put_encoded_word(*word, decoded, counters);
      if (!after_encoded_word) decoded.put(raw.substr(begin, word->length));
      continue;
    }
    if (is_blank(raw[i])) {
      std::size_t end = i;
      while (end < raw.size() && is_blank(raw[end]))
        ++end;
      pending_blanks = raw.substr(i, end - i);
      i = end;
      continue;
    }
    decoded.put(pending_blanks);
    pending_blanks = {};
    decoded.put(raw[i++]);
    after_encoded_word = false;
  }
  decoded.put(pending_blanks);
  std::size_t size = 0;
  append_utf8_sanitized(decoded.view(), out, size);
  return size;
}

}  // namespace bw::extract::smtp
