#include "sensor/extract/smtp/mime_walker.h"

#include <memory>

#include "sensor/extract/smtp/header_text.h"
#include "sensor/extract/smtp/mail_text.h"

namespace bw::extract::smtp {

// Binds the sink and counters of the current call for the scanners' URL candidates.
class MimeWalker::Reporter final : public UrlCandidateSink {
 public:
  Reporter(MimeWalker& walker, MailSink& sink, SmtpCounters& counters)
      : walker_(walker), sink_(sink), counters_(counters) {}
  void on_url_candidate(std::string_view raw, UrlKind kind) override {
    walker_.report_url(raw, kind, sink_, counters_);
  }
  SmtpCounters& counters() { return counters_; }

 private:
  MimeWalker& walker_;
  MailSink& sink_;
  SmtpCounters& counters_;
};

void MimeWalker::begin(TimestampNs ts) {
  message_ = MailMessage{};
  message_.ts = ts;
  active_ = true;
  lines_.reset();
  phase_ = Phase::kHeaders;
  top_level_ = true;
  start_entity();
  recipient_rank_ = 0;
  depth_ = 0;
  scanner_ = Scanner::kNone;
  urls_.clear();
}

void MimeWalker::feed(ByteSpan bytes, MailSink& sink, SmtpCounters& counters) {
  if (!active_) return;
  message_.size += bytes.size();
  Reporter reporter(*this, sink, counters);
  lines_.feed(as_chars(bytes), [&](const LinePiece& piece) { on_piece(piece, reporter); });
}

void MimeWalker::end(bool complete, MailSink& sink, SmtpCounters& counters) {
  if (!active_) return;
  Reporter reporter(*this, sink, counters);
  lines_.finish([&](const LinePiece& piece) { on_piece(piece, reporter); });
  if (phase_ == Phase::kHeaders) complete_field(counters);
  finish_part(reporter);
  message_.complete = complete;
  ++(complete ? counters.messages : counters.messages_incomplete);
  active_ = false;
  sink.on_mail_message_end(message_);
}

void MimeWalker::on_piece(const LinePiece& piece, Reporter& reporter) {
  switch (phase_) {
    case Phase::kHeaders:
      header_piece(piece, reporter);
      return;
    case Phase::kBody:
      body_piece(piece, reporter);
      return;
    case Phase::kSkip:
      if (piece.whole()) try_boundary(piece.text, reporter);
      return;
  }
}

// ---- Header blocks --------------------------------------------------------------------------

void MimeWalker::header_piece(const LinePiece& piece, Reporter& reporter) {
  if (!piece.first) {
    field_.append(piece.text);
    return;
  }
  if (piece.whole() && piece.text.empty()) {
    complete_field(reporter.counters());
    end_headers(reporter.counters());
    return;
  }
  // A part may end before its header block does.
  if (piece.whole() && try_boundary(piece.text, reporter)) return;
  if (!piece.text.empty() && is_blank(piece.text.front())) {
    field_.append(piece.text);  // unfolding keeps the blank that starts the continuation
    return;
  }
  complete_field(reporter.counters());
  field_.assign(piece.text);
}

void MimeWalker::complete_field(SmtpCounters& counters) {
  if (field_.empty()) return;
  const std::string_view text = field_.view();
  const std::size_t colon = text.find(':');
  std::string_view name = text.substr(0, colon == std::string_view::npos ? 0 : colon);
  while (!name.empty() && is_blank(name.back()))
    name.remove_suffix(1);
  bool valid = !name.empty();
  for (const char c : name)
    valid = valid && static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
  if (!valid) {
    ++counters.header_malformed;
  } else if (apply_field(name, trim(text.substr(colon + 1)), counters) && field_.truncated()) {
    ++counters.header_too_long;
  }
  field_.clear();
}

// Returns whether the field was one the walker uses.
bool MimeWalker::apply_field(std::string_view name, std::string_view value,
                             SmtpCounters& counters) {
  if (iequals(name, "Content-Type")) {
    content_type_ = parse_content_type(value);
    return true;
  }
  if (iequals(name, "Content-Transfer-Encoding")) {
    encoding_ = parse_transfer_encoding(value);
    if (encoding_ == TransferEncoding::kUnknown) ++counters.transfer_encoding_unknown;
    return true;
  }
  return top_level_ && apply_message_field(name, value, counters);
}

bool MimeWalker::apply_message_field(std::string_view name, std::string_view value,
                                     SmtpCounters& counters) {
  if (iequals(name, "Message-ID")) {
    message_.message_id.assign(value);
  } else if (iequals(name, "Subject")) {
    decode_header_text(value, message_.subject, counters);
  } else if (iequals(name, "From")) {
    decode_header_text(value, message_.from, counters);
  } else if (iequals(name, "To")) {
    decode_header_text(value, message_.to, counters);
    add_header_recipients(value, 1);
  } else if (iequals(name, "Cc")) {
    add_header_recipients(value, 1);
  } else if (iequals(name, "Delivered-To") || iequals(name, "X-Original-To")) {
    add_header_recipients(value, 2);
  } else if (iequals(name, "Date")) {
    message_.date.assign(value);
  } else {
    return false;
  }
  return true;
}

// Delivered-To names the mailbox the copy was delivered to, which To and Cc (mailing lists, Bcc)
// need not; an envelope, when known, beats both.
void MimeWalker::add_header_recipients(std::string_view value, std::uint8_t rank) {
  if (message_.recipients_from_envelope || rank < recipient_rank_) return;
  if (rank > recipient_rank_) {
    message_.recipients.clear();
    recipient_rank_ = rank;
  }
  for_each_address(value,
                   [&](std::string_view address) { add_address(message_.recipients, address); });
}

void MimeWalker::start_entity() {
  content_type_ = ContentType{};
  encoding_ = TransferEncoding::kIdentity;
  field_.clear();
}

void MimeWalker::end_headers(SmtpCounters& counters) {
  ++counters.parts;
  phase_ = Phase::kSkip;
  switch (content_type_.kind) {
    case MediaKind::kMultipart:
      if (content_type_.boundary.empty() || content_type_.boundary.size() > kMaxBoundary) {
        ++counters.boundary_invalid;
      } else if (depth_ == kMaxDepth) {
        ++counters.boundary_depth_exceeded;
      } else {
        boundaries_[depth_++] = content_type_.boundary;
      }
      return;  // the preamble is skipped
    case MediaKind::kMessage:
      // An attached message's own header block follows; its fields do not describe this message.
      if (encoding_ == TransferEncoding::kIdentity) {
        top_level_ = false;
        start_entity();
        phase_ = Phase::kHeaders;
      }
      return;
    case MediaKind::kTextPlain:
    case MediaKind::kTextHtml:
      start_scanning(counters);
      return;
    case MediaKind::kOther:
      return;
  }
}

// ---- Bodies ---------------------------------------------------------------------------------

void MimeWalker::start_scanning(SmtpCounters& counters) {
  ++counters.parts_scanned;
  phase_ = Phase::kBody;
  decoder_.start(encoding_);
  line_break_pending_ = false;
  if (content_type_.kind == MediaKind::kTextHtml) {
    scanner_ = Scanner::kHtml;
    html_.reset();
  } else {
    scanner_ = Scanner::kText;
    text_.reset();
  }
}

void MimeWalker::body_piece(const LinePiece& piece, Reporter& reporter) {
  if (piece.whole() && try_boundary(piece.text, reporter)) return;
  std::array<char, LineAssembler::kCapacity + kDecodeSlack> decoded;
  OutBuffer out(decoded);
  if (piece.first && line_break_pending_) decoder_.line_break(out);
  decoder_.decode(piece.text, out);
  line_break_pending_ = piece.last;
  scan(out.view(), reporter);
}

void MimeWalker::scan(std::string_view text, Reporter& reporter) {
  if (scanner_ == Scanner::kHtml) html_.feed(text, reporter);
  if (scanner_ == Scanner::kText) text_.feed(text, reporter);
}

// The line break before a boundary belongs to the boundary (RFC 2046 5.1.1), so the last pending
// one is dropped.
void MimeWalker::finish_part(Reporter& reporter) {
  if (phase_ != Phase::kBody) return;
  std::array<char, kDecodeSlack> tail;
  OutBuffer out(tail);
  decoder_.finish(out);
  scan(out.view(), reporter);
  if (decoder_.malformed()) {
    ++(decoder_.encoding() == TransferEncoding::kBase64 ? reporter.counters().base64_malformed
                                                        : reporter.counters().qp_malformed);
  }
  if (scanner_ == Scanner::kHtml) html_.finish();
  if (scanner_ == Scanner::kText) text_.finish(reporter);
  scanner_ = Scanner::kNone;
  phase_ = Phase::kSkip;
}

// "--" boundary ["--"] then only blanks. An enclosing multipart's boundary also ends every part
// nested inside it (their close delimiters were missing).
bool MimeWalker::try_boundary(std::string_view line, Reporter& reporter) {
  if (depth_ == 0 || line.size() < 3 || line[0] != '-' || line[1] != '-') return false;
  const std::string_view rest = line.substr(2);
  for (std::size_t level = depth_; level-- > 0;) {
    const std::string_view boundary = boundaries_[level].view();
    if (!rest.starts_with(boundary)) continue;
    std::string_view tail = rest.substr(boundary.size());
    const bool close = tail.starts_with("--");
    if (close) tail.remove_prefix(2);
    if (!trim(tail).empty()) continue;
    complete_field(reporter.counters());
    finish_part(reporter);
    depth_ = close ? level : level + 1;
    phase_ = Phase::kSkip;  // a close delimiter: the enclosing multipart's epilogue
    if (!close) {
      top_level_ = false;
      start_entity();
      phase_ = Phase::kHeaders;
    }
    return true;
  }
  return false;
}

void MimeWalker::report_url(std::string_view raw, UrlKind kind, MailSink& sink,
                            SmtpCounters& counters) {
  if (make_mail_url(raw, kind, url_) != UrlVerdict::kOk) {
    ++counters.urls_not_http;
    return;
  }
  switch (urls_.insert(url_.url.view())) {
    case UrlSet::Insert::kPresent:
      ++counters.urls_duplicate;
      return;
    case UrlSet::Insert::kFull:
      ++counters.urls_dropped;
      return;
    case UrlSet::Insert::kAdded:
      break;
  }
  if (url_.url.truncated()) ++counters.url_truncated;
  ++counters.urls;
  ++message_.url_count;
  sink.on_mail_url(message_, url_);
}

void parse_rfc822(ByteSpan whole_message, MailSink& sink, SmtpCounters& counters) {
  const auto walker = std::make_unique<MimeWalker>();  // files, not the packet path
  walker->begin(0);
  walker->feed(whole_message, sink, counters);
  walker->end(/*complete=*/true, sink, counters);
}

}  // namespace bw::extract::smtp
