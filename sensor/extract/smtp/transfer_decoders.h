// Content-Transfer-Encoding decoders (RFC 2045 section 6) that run as a part streams past: the
// state left by one piece of input (half a base64 quantum, an "=" waiting for its hex digits) is
// carried into the next call, so a part is never held whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace bw::extract::smtp {

// Output window of a decoding step. Writes past its end are dropped; callers size it with
// kDecodeSlack so that never happens.
class OutBuffer {
 public:
  explicit OutBuffer(std::span<char> storage) : storage_(storage) {}
  void put(char c) {
    if (size_ < storage_.size()) storage_[size_++] = c;
  }
  std::string_view view() const { return {storage_.data(), size_}; }

 private:
  std::span<char> storage_;
  std::size_t size_ = 0;
};

// A step never writes more than its input size plus this (bytes held back by an earlier step).
inline constexpr std::size_t kDecodeSlack = 3;

enum class TransferEncoding : std::uint8_t { kIdentity, kQuotedPrintable, kBase64, kUnknown };
TransferEncoding parse_transfer_encoding(std::string_view value);

class QuotedPrintableDecoder {
 public:
  void reset() { *this = QuotedPrintableDecoder{}; }
  // A piece of one encoded line, without its line break.
  void decode(std::string_view in, OutBuffer& out);
  // The encoded line ended: a hard break unless the line ended with "=" (a soft break).
  void line_break(OutBuffer& out);
  void finish(OutBuffer& out);
  bool malformed() const { return malformed_; }

 private:
  enum class State : std::uint8_t { kText, kEquals, kEqualsBlank, kHexDigit };
  void step(char c, OutBuffer& out);
  void flush_held(OutBuffer& out);

  State state_ = State::kText;
  char first_digit_ = 0;
  bool malformed_ = false;
};

// Lenient like mail clients: whitespace and line breaks anywhere, missing padding, and several
// padded runs in a row are accepted; other characters are skipped and make the part malformed.
class Base64Decoder {
 public:
  void reset() { *this = Base64Decoder{}; }
  void decode(std::string_view in, OutBuffer& out);
  void finish(OutBuffer& out);
  bool malformed() const { return malformed_; }

 private:
  void emit_partial_quantum(OutBuffer& out);

  std::uint32_t bits_ = 0;
  std::uint8_t sextets_ = 0;
  bool malformed_ = false;
};

// The decoder a part's Content-Transfer-Encoding selects; 7bit, 8bit, binary and unknown codings
// pass through, with line breaks as "\n".
class ContentDecoder {
 public:
  void start(TransferEncoding encoding);
  void decode(std::string_view in, OutBuffer& out);
  void line_break(OutBuffer& out);
  void finish(OutBuffer& out);
  TransferEncoding encoding() const { return encoding_; }
  bool malformed() const;

 private:
  TransferEncoding encoding_ = TransferEncoding::kIdentity;
  QuotedPrintableDecoder quoted_printable_;
  Base64Decoder base64_;
};

}  // namespace bw::extract::smtp
