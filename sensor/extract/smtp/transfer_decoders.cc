#include "sensor/extract/smtp/transfer_decoders.h"

#include "sensor/extract/smtp/mail_text.h"

namespace bw::extract::smtp {

TransferEncoding parse_transfer_encoding(std::string_view value) {
  const std::string_view token = trim(value.substr(0, value.find(';')));
  if (token.empty() || iequals(token, "7bit") || iequals(token, "8bit") ||
      iequals(token, "binary")) {
    return TransferEncoding::kIdentity;
  }
  if (iequals(token, "quoted-printable")) return TransferEncoding::kQuotedPrintable;
  if (iequals(token, "base64")) return TransferEncoding::kBase64;
  return TransferEncoding::kUnknown;
}

// ---- Quoted-printable ---------------------------------------------------------------------

void QuotedPrintableDecoder::decode(std::string_view in, OutBuffer& out) {
  for (const char c : in)
    step(c, out);
}

// An "=" not followed by two hex digits is kept literally, as RFC 2045 6.7 suggests decoders do.
void QuotedPrintableDecoder::flush_held(OutBuffer& out) {
  if (state_ == State::kText) return;
  malformed_ = true;
  out.put('=');
  if (state_ == State::kHexDigit) out.put(first_digit_);
  state_ = State::kText;
}

void QuotedPrintableDecoder::step(char c, OutBuffer& out) {
  switch (state_) {
    case State::kText:
      if (c == '=') {
        state_ = State::kEquals;
      } else {
        out.put(c);
      }
      return;
    case State::kEquals:
      if (hex_value(c) >= 0) {
        first_digit_ = c;
        state_ = State::kHexDigit;
        return;
      }
      // Encoders may leave blanks after a soft break's "="; they are transport padding.
      if (is_blank(c)) {
        state_ = State::kEqualsBlank;
        return;
      }
      break;
    case State::kEqualsBlank:
      if (is_blank(c)) return;
      break;
    case State::kHexDigit:
      if (hex_value(c) >= 0) {
        out.put(static_cast<char>(hex_value(first_digit_) * 16 + hex_value(c)));
        state_ = State::kText;
        return;
      }
      break;
  }
  flush_held(out);
  step(c, out);
}

void QuotedPrintableDecoder::line_break(OutBuffer& out) {
  if (state_ == State::kEquals || state_ == State::kEqualsBlank) {
    state_ = State::kText;
    return;
  }
  flush_held(out);
  out.put('\n');
}

void QuotedPrintableDecoder::finish(OutBuffer& out) {
  if (state_ == State::kEquals || state_ == State::kEqualsBlank) {
    state_ = State::kText;
    return;
  }
  flush_held(out);
}

// ---- Base64 ---------------------------------------------------------------------------------

namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

void Base64Decoder::decode(std::string_view in, OutBuffer& out) {
  for (const char c : in) {
    const int value = base64_value(c);
    if (value >= 0) {
      bits_ = (bits_ << 6) | static_cast<std::uint32_t>(value);
      if (++sextets_ == 4) {
        out.put(static_cast<char>((bits_ >> 16) & 0xff));
        out.put(static_cast<char>((bits_ >> 8) & 0xff));
        out.put(static_cast<char>(bits_ & 0xff));
        bits_ = 0;
        sextets_ = 0;
      }
    } else if (c == '=') {
      emit_partial_quantum(out);
    } else if (!is_space(c)) {
      malformed_ = true;
    }
  }
}

// Two sextets carry one byte, three carry two; a lone sextet carries nothing and is an error.
void Base64Decoder::emit_partial_quantum(OutBuffer& out) {
  if (sextets_ == 1) malformed_ = true;
  if (sextets_ == 2) out.put(static_cast<char>((bits_ >> 4) & 0xff));
  if (sextets_ == 3) {
    out.put(static_cast<char>((bits_ >> 10) & 0xff));
    out.put(static_cast<char>((bits_ >> 2) & 0xff));
  }
  bits_ = 0;
  sextets_ = 0;
}

void Base64Decoder::finish(OutBuffer& out) {
  emit_partial_quantum(out);
}

// ---- Dispatch -------------------------------------------------------------------------------

void ContentDecoder::start(TransferEncoding encoding) {
  encoding_ = encoding;
  quoted_printable_.reset();
  base64_.reset();
}

void ContentDecoder::decode(std::string_view in, OutBuffer& out) {
  switch (encoding_) {
    case TransferEncoding::kQuotedPrintable:
      quoted_printable_.decode(in, out);
      return;
    case TransferEncoding::kBase64:
      base64_.decode(in, out);
      return;
    case TransferEncoding::kIdentity:
    case TransferEncoding::kUnknown:
      for (const char c : in)
        out.put(c);
      return;
  }
}

void ContentDecoder::line_break(OutBuffer& out) {
  switch (encoding_) {
    case TransferEncoding::kQuotedPrintable:
      quoted_printable_.line_break(out);
      return;
    case TransferEncoding::kBase64:
      return;  // line breaks are not content in base64
    case TransferEncoding::kIdentity:
    case TransferEncoding::kUnknown:
      out.put('\n');
      return;
  }
}

void ContentDecoder::finish(OutBuffer& out) {
  if (encoding_ == TransferEncoding::kQuotedPrintable) quoted_printable_.finish(out);
  if (encoding_ == TransferEncoding::kBase64) base64_.finish(out);
}

bool ContentDecoder::malformed() const {
  if (encoding_ == TransferEncoding::kQuotedPrintable) return quoted_printable_.malformed();
  if (encoding_ == TransferEncoding::kBase64) return base64_.malformed();
  return false;
}

}  // namespace bw::extract::smtp
