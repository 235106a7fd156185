// Walks one Internet message (RFC 5322 + MIME, RFC 2045-2049) as its bytes stream past and reports
// the URLs its text parts carry: header fields are collected for the message record, multipart
// bodies are followed through their boundaries (nested up to kMaxDepth), text/html and text/plain
// parts are decoded from quoted-printable or base64 on the fly and searched, and every other part
// (images, attachments) is skipped line by line without being kept. Fixed size and heap-free: one
// walker serves one message at a time, for the SMTP session and for files alike.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sensor/common/bytes.h"
#include "sensor/common/fixed_string.h"
#include "sensor/common/time.h"
#include "sensor/extract/smtp/line_assembler.h"
#include "sensor/extract/smtp/mail_records.h"
#include "sensor/extract/smtp/mail_url.h"
#include "sensor/extract/smtp/mime_fields.h"
#include "sensor/extract/smtp/smtp_counters.h"
#include "sensor/extract/smtp/transfer_decoders.h"
#include "sensor/extract/smtp/url_scanners.h"

namespace bw::extract::smtp {

class MimeWalker {
 public:
  static constexpr std::size_t kMaxDepth = 8;  // nested multiparts followed
  static constexpr std::size_t kMaxUrlsPerMessage = UrlSet::kCapacity;
  static constexpr std::size_t kMaxFieldBytes = 4096;  // one unfolded header field

  // Starts a message; what the caller knows from outside the message (SMTP envelope, mbox From
  // line) is set through message() before the first feed().
  void begin(TimestampNs ts);
  MailMessage& message() { return message_; }
  const MailMessage& message() const { return message_; }
  bool active() const { return active_; }
  // The message's bytes, in order, in pieces of any size (SMTP dot-stuffing already undone).
  void feed(ByteSpan bytes, MailSink& sink, SmtpCounters& counters);
  // Reports the end of the message (complete: its end was seen) and becomes inactive.
  void end(bool complete, MailSink& sink, SmtpCounters& counters);
  // Forgets the message without reporting it (SMTP DATA refused before any content).
  void abandon() { active_ = false; }

 private:
  class Reporter;
  enum class Phase : std::uint8_t { kHeaders, kBody, kSkip };
  enum class Scanner : std::uint8_t { kNone, kText, kHtml };
  using Boundary = FixedString<kMaxBoundary + 1>;

  void on_piece(const LinePiece& piece, Reporter& reporter);
  void header_piece(const LinePiece& piece, Reporter& reporter);
  void body_piece(const LinePiece& piece, Reporter& reporter);
  void complete_field(SmtpCounters& counters);
  bool apply_field(std::string_view name, std::string_view value, SmtpCounters& counters);
  bool apply_message_field(std::string_view name, std::string_view value, SmtpCounters& counters);
  void add_header_recipients(std::string_view value, std::uint8_t rank);
  void end_headers(SmtpCounters& counters);
  void start_entity();
  void start_scanning(SmtpCounters& counters);
  bool try_boundary(std::string_view line, Reporter& reporter);
  void finish_part(Reporter& reporter);
  void scan(std::string_view text, Reporter& reporter);
  void report_url(std::string_view raw, UrlKind kind, MailSink& sink, SmtpCounters& counters);

  MailMessage message_;
  bool active_ = false;
  LineAssembler lines_;
  Phase phase_ = Phase::kHeaders;

  // The entity (message or body part) whose header block or body is being read.
  bool top_level_ = true;
  ContentType content_type_;
  TransferEncoding encoding_ = TransferEncoding::kIdentity;
  FixedString<kMaxFieldBytes> field_;  // the header field being unfolded
  // Recipients from headers: 1 To/Cc, 2 Delivered-To/X-Original-To; a higher rank replaces.
  std::uint8_t recipient_rank_ = 0;

  std::array<Boundary, kMaxDepth> boundaries_;  // of the enclosing multiparts, outermost first
  std::size_t depth_ = 0;

  Scanner scanner_ = Scanner::kNone;
  bool line_break_pending_ = false;  // a line break belongs to the content only if more follows
  ContentDecoder decoder_;
  TextUrlScanner text_;
  HtmlUrlScanner html_;
  UrlSet urls_;
  MailUrl url_;  // scratch for the URL being reported
};

// A whole message read from a file (.eml): no SMTP framing, no dot-stuffing.
void parse_rfc822(ByteSpan whole_message, MailSink& sink, SmtpCounters& counters);

}  // namespace bw::extract::smtp
