// Streaming searches for URLs in decoded part text: http(s) URLs in plain text, url(...) in CSS,
// and the attributes of HTML that make a mail client fetch or link something. Text arrives in
// pieces of any size; each scanner keeps what a piece left half-read (a tag, an attribute value,
// a URL) in fixed buffers, so work and memory stay bounded whatever the part holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sensor/common/fixed_string.h"
#include "sensor/extract/smtp/mail_records.h"

namespace bw::extract::smtp {

class UrlCandidateSink {
 public:
  // raw: as found, still to be cleaned and vetted (make_mail_url).
  virtual void on_url_candidate(std::string_view raw, UrlKind kind) = 0;

 protected:
  ~UrlCandidateSink() = default;
};

// Candidate text is kept up to this; longer values are passed on cut (and reported truncated).
// One byte more than a URL may hold, so that cutting stays visible.
inline constexpr std::size_t kCandidateCapacity = kMaxUrlLength + 1;
using CandidateBuffer = FixedString<kCandidateCapacity>;

// "http://" or "https://" (any case) up to whitespace, a control or non-ASCII byte, or one of
// < > " `; trailing sentence punctuation, and closing brackets without an opening one, are left
// out ("see http://a.example/x)." yields "http://a.example/x").
class TextUrlScanner {
 public:
  void reset() {
    in_url_ = false;
    url_.clear();
  }
  void feed(std::string_view text, UrlCandidateSink& sink);
  void finish(UrlCandidateSink& sink);

 private:
  void seek(char c);
  void emit(UrlCandidateSink& sink);

  bool in_url_ = false;
  CandidateBuffer url_;
};

// url(...) in CSS, quoted or not. Used for <style> elements and style="" attributes.
class CssUrlScanner {
 public:
  void reset() {
    state_ = State::kSeek;
    matched_ = 0;
    url_.clear();
  }
  void feed(std::string_view text, UrlCandidateSink& sink);
  // A value cut by the end of its text is not reported: the declaration was malformed.
  void finish() { reset(); }

 private:
  enum class State : std::uint8_t { kSeek, kBeforeValue, kQuoted, kUnquoted };
  void step(char c, UrlCandidateSink& sink);

  State state_ = State::kSeek;
  std::uint8_t matched_ = 0;  // bytes of "url(" matched so far
  char quote_ = 0;
  CandidateBuffer url_;
};

// Character references in attribute values, decoded as the HTML tokenizer does for the ones that
// matter in URLs: &amp; &lt; &gt; &quot; &apos; &nbsp; and numeric &#38; &#x26;. Anything else is
// kept as written.
class EntityDecoder {
 public:
  template <typename Out>
  void feed(char c, Out&& out);
  template <typename Out>
  void finish(Out&& out);
  void reset() { held_.clear(); }

 private:
  static constexpr std::size_t kMaxEntity = 10;  // "&#x0000fe;"
  // The code point of a complete reference ("&amp;"), or -1 when it is not one kept.
  static long decode(std::string_view reference);
  template <typename Out>
  static void put_code_point(long code, Out&& out);

  FixedString<kMaxEntity> held_;  // "&..." while the reference is being read
};

// Tags and attributes that fetch or link: <img src> and background= (kImage), <a href> and
// <area href> (kLink), style="" attributes and <style> elements through CssUrlScanner (kCss).
// Comments are skipped, except Outlook conditional comments (<!--[if mso]>), whose content the
// client renders; <script> content is skipped.
class HtmlUrlScanner {
 public:
  void reset();
  void feed(std::string_view text, UrlCandidateSink& sink);
  void finish();

 private:
  enum class State : std::uint8_t {
    kText,
    kTagOpen,
    kTagName,
    kBeforeAttributeName,
    kAttributeName,
    kAfterAttributeName,
    kBeforeValue,
    kValueQuoted,
    kValueUnquoted,
    kMarkupDeclaration,  // "<!" seen: comment or declaration
    kComment,
    kBogusComment,  // skipped to the next ">"
    kRawText,       // <style> or <script> content, up to its end tag
  };
  enum class Capture : std::uint8_t { kNone, kUrl, kStyle };

  void step(char c, UrlCandidateSink& sink);
  void step_tag(char c);
  void step_attribute(char c, UrlCandidateSink& sink);
  void step_markup(char c);
  void step_raw_text(char c, UrlCandidateSink& sink);
  void begin_attribute_value();
  void value_byte(char c, UrlCandidateSink& sink);
  void end_attribute_value(UrlCandidateSink& sink);
  void end_tag();

  State state_ = State::kText;
  FixedString<16> tag_;        // lower case; a longer name is cut and matches nothing
  FixedString<16> attribute_;  // lower case
  bool closing_tag_ = false;
  char quote_ = 0;
  Capture capture_ = Capture::kNone;
  UrlKind capture_kind_ = UrlKind::kLink;
  std::uint8_t matched_ = 0;  // progress through "--" after "<!", "-->", or a raw text end tag
  bool raw_text_is_style_ = false;
  EntityDecoder entities_;
  CandidateBuffer value_;
  CssUrlScanner css_;
};

// ---- EntityDecoder templates ------------------------------------------------------------------

template <typename Out>
void EntityDecoder::feed(char c, Out&& out) {
  if (held_.empty()) {
    if (c == '&') {
      held_.push_back(c);
    } else {
      out(c);
    }
    return;
  }
  if (c == ';') {
    held_.push_back(c);
    const long code = decode(held_.view());
    if (code >= 0) {
      put_code_point(code, out);
    } else {
      for (const char h : held_.view())
        out(h);
    }
    held_.clear();
    return;
  }
  const bool name_char = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                         (c >= 'A' && c <= 'Z') || (c == '#' && held_.size() == 1);
  if (name_char && held_.size() < kMaxEntity - 1) {
    held_.push_back(c);
    return;
  }
  finish(out);
  feed(c, out);
}

template <typename Out>
void EntityDecoder::finish(Out&& out) {
  for (const char h : held_.view())
    out(h);
  held_.clear();
}

template <typename Out>
void EntityDecoder::put_code_point(long code, Out&& out) {
  if (code < 0x80) {
    out(static_cast<char>(code));
  } else if (code < 0x800) {
    out(static_cast<char>(0xc0 | (code >> 6)));
    out(static_cast<char>(0x80 | (code & 0x3f)));
  } else if (code < 0x10000) {
    out(static_cast<char>(0xe0 | (code >> 12)));
    out(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
    out(static_cast<char>(0x80 | (code & 0x3f)));
  } else {
    out(static_cast<char>(0xf0 | (code >> 18)));
    out(static_cast<char>(0x80 | ((code >> 12) & 0x3f)));
    out(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
    out(static_cast<char>(0x80 | (code & 0x3f)));
  }
}

}  // namespace bw::extract::smtp
