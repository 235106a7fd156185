#include "sensor/extract/smtp/url_scanners.h"

#include "sensor/extract/smtp/mail_text.h"

namespace bw::extract::smtp {
namespace {

constexpr std::string_view kHttp = "http://";
constexpr std::string_view kHttps = "https://";

bool is_prefix_of(std::string_view text, std::string_view pattern) {
  return text.size() <= pattern.size() && istarts_with(pattern, text);
}

bool ends_text_url(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte <= 0x20 || byte >= 0x7f || c == '<' || c == '>' || c == '"' || c == '`';
}

bool is_trailing_punctuation(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'' ||
         c == '*';
}

// A closing bracket ends a URL only when the URL has no opening one to match it.
bool is_unmatched_closer(std::string_view url) {
  const char closer = url.back();
  const char opener = closer == ')' ? '(' : closer == ']' ? '[' : closer == '}' ? '{' : 0;
  if (opener == 0) return false;
  std::size_t balance = 0;
  for (const char c : url) {
    if (c == opener) ++balance;
    if (c == closer) {
      if (balance == 0) return true;
      --balance;
    }
  }
  return false;
}

}  // namespace

// ---- Plain text -----------------------------------------------------------------------------

void TextUrlScanner::feed(std::string_view text, UrlCandidateSink& sink) {
  for (const char c : text) {
    if (!in_url_) {
      seek(c);
    } else if (ends_text_url(c)) {
      emit(sink);
    } else {
      url_.push_back(c);
    }
  }
}

void TextUrlScanner::seek(char c) {
  url_.push_back(c);
  const std::string_view so_far = url_.view();
  const bool http = is_prefix_of(so_far, kHttp);
  const bool https = is_prefix_of(so_far, kHttps);
  if (!http && !https) {
    url_.clear();
    if (ascii_lower(c) == 'h') url_.push_back(c);
    return;
  }
  in_url_ = (http && so_far.size() == kHttp.size()) || (https && so_far.size() == kHttps.size());
}

void TextUrlScanner::emit(UrlCandidateSink& sink) {
  std::string_view url = url_.view();
  while (url.size() > kHttp.size() &&
         (is_trailing_punctuation(url.back()) || is_unmatched_closer(url))) {
    url.remove_suffix(1);
  }
  sink.on_url_candidate(url, UrlKind::kLink);
  url_.clear();
  in_url_ = false;
}

void TextUrlScanner::finish(UrlCandidateSink& sink) {
  if (in_url_) emit(sink);
  reset();
}

// ---- CSS ------------------------------------------------------------------------------------

void CssUrlScanner::feed(std::string_view text, UrlCandidateSink& sink) {
  for (const char c : text)
    step(c, sink);
}

void CssUrlScanner::step(char c, UrlCandidateSink& sink) {
  static constexpr std::string_view kOpen = "url(";
  switch (state_) {
    case State::kSeek:
      if (ascii_lower(c) == kOpen[matched_]) {
        if (++matched_ == kOpen.size()) {
          matched_ = 0;
          state_ = State::kBeforeValue;
        }
      } else {
        matched_ = ascii_lower(c) == 'u' ? 1 : 0;
      }
      return;
    case State::kBeforeValue:
      if (is_space(c)) return;
      url_.clear();
      if (c == '"' || c == '\'') {
        quote_ = c;
        state_ = State::kQuoted;
      } else if (c == ')') {
        state_ = State::kSeek;
      } else {
        url_.push_back(c);
        state_ = State::kUnquoted;
      }
      return;
    case State::kQuoted:
      if (c == quote_) {
        sink.on_url_candidate(url_.view(), UrlKind::kCss);
        state_ = State::kSeek;
      } else if (c == '\n') {
        state_ = State::kSeek;  // an unterminated string is invalid CSS
      } else {
        url_.push_back(c);
      }
      return;
    case State::kUnquoted:
      if (c == ')' || is_space(c)) {
        sink.on_url_candidate(url_.view(), UrlKind::kCss);
        state_ = State::kSeek;
      } else if (c == '"' || c == '\'' || c == '(') {
        state_ = State::kSeek;  // invalid in an unquoted url(): the declaration is dropped
      } else {
        url_.push_back(c);
      }
      return;
  }
}

// ---- Character references -------------------------------------------------------------------

long EntityDecoder::decode(std::string_view reference) {
  const std::string_view name = reference.substr(1, reference.size() - 2);
  if (name.size() >= 2 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 7) return -1;
    long code = 0;
    for (const char c : digits) {
      const int value = hex ? hex_value(c) : (is_digit(c) ? c - '0' : -1);
      if (value < 0) return -1;
      code = code * (hex ? 16 : 10) + value;
    }
    const bool surrogate = code >= 0xd800 && code <= 0xdfff;
    return (code == 0 || code > 0x10ffff || surrogate) ? -1 : code;
  }
  if (name == "amp") return '&';
  if (name == "lt") return '<';
  if (name == "gt") return '>';
  if (name == "quot") return '"';
  if (name == "apos") return '\'';
  if (name == "nbsp") return 0xa0;
  return -1;
}

// ---- HTML -----------------------------------------------------------------------------------

void HtmlUrlScanner::reset() {
  state_ = State::kText;
  tag_.clear();
  attribute_.clear();
  closing_tag_ = false;
  capture_ = Capture::kNone;
  matched_ = 0;
  entities_.reset();
  value_.clear();
  css_.reset();
}

void HtmlUrlScanner::feed(std::string_view text, UrlCandidateSink& sink) {
  for (const char c : text)
    step(c, sink);
}

// A tag cut by the end of its part is dropped, with any value it was reading.
void HtmlUrlScanner::finish() {
  reset();
}

void HtmlUrlScanner::step(char c, UrlCandidateSink& sink) {
  switch (state_) {
    case State::kText:
      if (c == '<') state_ = State::kTagOpen;
      return;
    case State::kTagOpen:
      closing_tag_ = c == '/';
      tag_.clear();
      if (is_alpha(c)) {
        tag_.push_back(ascii_lower(c));
        state_ = State::kTagName;
      } else if (c == '/') {
        state_ = State::kTagName;
      } else if (c == '!') {
        matched_ = 0;
        state_ = State::kMarkupDeclaration;
      } else if (c == '?') {
        state_ = State::kBogusComment;
      } else if (c != '<') {
        state_ = State::kText;
      }
      return;
    case State::kTagName:
    case State::kBeforeAttributeName:
    case State::kAttributeName:
    case State::kAfterAttributeName:
      step_tag(c);
      return;
    case State::kBeforeValue:
    case State::kValueQuoted:
    case State::kValueUnquoted:
      step_attribute(c, sink);
      return;
    case State::kMarkupDeclaration:
    case State::kComment:
    case State::kBogusComment:
      step_markup(c);
      return;
    case State::kRawText:
      step_raw_text(c, sink);
      return;
  }
}

void HtmlUrlScanner::step_tag(char c) {
  if (c == '>') {
    end_tag();
    return;
  }
  switch (state_) {
    case State::kTagName:
      if (is_space(c) || c == '/') {
        state_ = State::kBeforeAttributeName;
      } else {
        tag_.push_back(ascii_lower(c));
      }
      return;
    case State::kAttributeName:
      if (c == '=') {
        begin_attribute_value();
      } else if (is_space(c)) {
        state_ = State::kAfterAttributeName;
      } else if (c == '/') {
        state_ = State::kBeforeAttributeName;
      } else {
        attribute_.push_back(ascii_lower(c));
      }
      return;
    case State::kAfterAttributeName:
      if (c == '=') {
        begin_attribute_value();
        return;
      }
      [[fallthrough]];
    default:  // kBeforeAttributeName
      if (is_space(c) || c == '/') {
        state_ = State::kBeforeAttributeName;
        return;
      }
      attribute_.clear();
      attribute_.push_back(ascii_lower(c));
      state_ = State::kAttributeName;
      return;
  }
}

void HtmlUrlScanner::begin_attribute_value() {
  capture_ = Capture::kNone;
  if (!closing_tag_) {
    if ((tag_ == "img" && attribute_ == "src") || attribute_ == "background") {
      capture_ = Capture::kUrl;
      capture_kind_ = UrlKind::kImage;
    } else if ((tag_ == "a" || tag_ == "area") && attribute_ == "href") {
      capture_ = Capture::kUrl;
      capture_kind_ = UrlKind::kLink;
    } else if (attribute_ == "style") {
      capture_ = Capture::kStyle;
    }
  }
  value_.clear();
  entities_.reset();
  css_.reset();
  state_ = State::kBeforeValue;
}

void HtmlUrlScanner::step_attribute(char c, UrlCandidateSink& sink) {
  switch (state_) {
    case State::kBeforeValue:
      if (is_space(c)) return;
      if (c == '"' || c == '\'') {
        quote_ = c;
        state_ = State::kValueQuoted;
      } else if (c == '>') {
        end_attribute_value(sink);
        end_tag();
      } else {
        state_ = State::kValueUnquoted;
        value_byte(c, sink);
      }
      return;
    case State::kValueQuoted:
      if (c == quote_) {
        end_attribute_value(sink);
        state_ = State::kBeforeAttributeName;
      } else {
        value_byte(c, sink);
      }
      return;
    default:  // kValueUnquoted
      if (is_space(c)) {
        end_attribute_value(sink);
        state_ = State::kBeforeAttributeName;
      } else if (c == '>') {
        end_attribute_value(sink);
        end_tag();
      } else {
        value_byte(c, sink);
      }
      return;
  }
}

void HtmlUrlScanner::value_byte(char c, UrlCandidateSink& sink) {
  if (capture_ == Capture::kNone) return;
  entities_.feed(c, [&](char decoded) {
    if (capture_ == Capture::kUrl) {
      value_.push_back(decoded);
    } else {
      css_.feed({&decoded, 1}, sink);
    }
  });
}

void HtmlUrlScanner::end_attribute_value(UrlCandidateSink& sink) {
  if (capture_ == Capture::kUrl) {
    entities_.finish([&](char decoded) { value_.push_back(decoded); });
    sink.on_url_candidate(value_.view(), capture_kind_);
  } else if (capture_ == Capture::kStyle) {
    entities_.finish([&](char decoded) { css_.feed({&decoded, 1}, sink); });
    css_.finish();
  }
  capture_ = Capture::kNone;
}

void HtmlUrlScanner::end_tag() {
  const bool raw_text = !closing_tag_ && (tag_ == "style" || tag_ == "script");
  state_ = raw_text ? State::kRawText : State::kText;
  raw_text_is_style_ = tag_ == "style";
  matched_ = 0;
  css_.reset();
}

// "<!--" opens a comment that runs to "-->"; "<!-->" is an empty one. Any other "<!" (DOCTYPE,
// "<![endif]>") and the conditional "<!--[if ...]>" end at the next ">", so what a conditional
// comment wraps is scanned like the rest of the document.
void HtmlUrlScanner::step_markup(char c) {
  if (state_ == State::kBogusComment) {
    if (c == '>') state_ = State::kText;
    return;
  }
  if (state_ == State::kComment) {
    if (c == '-') {
      if (matched_ < 2) ++matched_;
    } else {
      if (c == '>' && matched_ == 2) state_ = State::kText;
      matched_ = 0;
    }
    return;
  }
  if (matched_ < 2 && c == '-') {
    ++matched_;
    return;
  }
  if (matched_ == 2) {
    matched_ = 0;
    state_ = (c == '>') ? State::kText : (c == '[') ? State::kBogusComment : State::kComment;
    if (state_ == State::kComment) step_markup(c);
    return;
  }
  state_ = (c == '>') ? State::kText : State::kBogusComment;
}

void HtmlUrlScanner::step_raw_text(char c, UrlCandidateSink& sink) {
  const std::string_view end = raw_text_is_style_ ? "</style" : "</script";
  if (raw_text_is_style_) css_.feed({&c, 1}, sink);
  if (ascii_lower(c) == end[matched_]) {
    if (++matched_ == end.size()) {
      css_.finish();
      closing_tag_ = true;
      tag_.clear();
      state_ = State::kTagName;
    }
    return;
  }
  matched_ = (c == '<') ? 1 : 0;
}

}  // namespace bw::extract::smtp
