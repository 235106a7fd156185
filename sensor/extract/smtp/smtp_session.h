// One SMTP (or LMTP) connection seen from the tap: the client's commands and message data, the
// server's replies, and the messages they carry, handed to a MimeWalker as they stream past.
//
// Same contract as the HTTP parser: each direction's bytes are presented in stream order; what
// the session cannot use yet (a command or reply line still incomplete, or the first bytes of a
// data line that may be the end-of-data "." line) is left unconsumed, and the caller presents it
// again with newer bytes. Fixed size and heap-free (about 33 KB, the walker included), so sessions
// can live in a preallocated per-flow pool.
//
// The client side does not wait for the server: DATA switches to message data at once, so a tap
// that sees only the client direction still gets the messages. Replies, when seen, refine that:
// refused recipients are dropped from the message, a refused DATA with no data sent is undone,
// and a 220 to STARTTLS stops the session (what follows is TLS).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "sensor/common/bytes.h"
#include "sensor/common/fixed_string.h"
#include "sensor/common/time.h"
#include "sensor/extract/smtp/mail_records.h"
#include "sensor/extract/smtp/mime_walker.h"
#include "sensor/extract/smtp/smtp_counters.h"
#include "sensor/extract/smtp/smtp_syntax.h"

namespace bw::extract::smtp {

class SmtpSession {
 public:
  // RFC 5321 4.5.3.1 allows 512-byte command lines and replies; extensions (SIZE, DSN, XCLIENT)
  // and long AUTH initial responses go beyond it.
  static constexpr std::size_t kMaxLineBytes = 4096;
  // Commands sent without waiting for their replies (PIPELINING) that are paired with replies.
  static constexpr std::size_t kMaxPendingReplies = 64;

  void reset();
  // Each direction's bytes in stream order; returns how many were consumed.
  std::size_t on_client_bytes(ByteSpan data, TimestampNs ts, MailSink& sink,
                              SmtpCounters& counters);
  std::size_t on_server_bytes(ByteSpan data, TimestampNs ts, MailSink& sink,
                              SmtpCounters& counters);
  // Bytes were lost in one direction. A message being received is reported cut short; the client
  // side then looks for the next command, the server side stops pairing replies until it can.
  void on_gap(bool client_side, MailSink& sink, SmtpCounters& counters);
  // The flow ended: a message still being received is reported cut short. Leaves the session
  // reset.
  void finish(MailSink& sink, SmtpCounters& counters);
  // Neither direction will be parsed again (STARTTLS succeeded, or the flow is not SMTP).
  bool stopped() const;
  // STARTTLS succeeded: from the byte where the last call stopped consuming, both directions
  // carry TLS (the caller hands them to the TLS parser). Nothing more is consumed here.
  bool tls_started() const { return tls_; }

 private:
  enum class ClientPhase : std::uint8_t {
    kCommand,
    kData,
    kBdat,
    kStartTls,  // STARTTLS sent, reply not seen yet
    kSkipLine,  // the rest of an over-long line
    kResync,    // after a gap: lines skipped up to a command that starts a transaction
    kStopped,
  };
  enum class ServerPhase : std::uint8_t { kReply, kSkipLine, kStopped };
  // What a reply answers.
  enum class Awaiting : std::uint8_t { kOther, kRcpt, kData, kBdatChunk, kDataEnd, kStartTls };
  struct Pending {
    Awaiting what = Awaiting::kOther;
    std::uint8_t recipient = 0;    // index into recipients_, for kRcpt
    std::uint8_t transaction = 0;  // the envelope the recipient belongs to
  };
  using Step = ParseStep;
  static constexpr std::uint8_t kNoRecipient = 0xff;

  // Client direction.
  Step client_step(ByteSpan data, TimestampNs ts, MailSink& sink, SmtpCounters& counters);
  Step command_step(ByteSpan data, TimestampNs ts, MailSink& sink, SmtpCounters& counters);
  void command(std::string_view line, TimestampNs ts, MailSink& sink, SmtpCounters& counters);
  void transaction_command(Verb verb, std::string_view line, TimestampNs ts, MailSink& sink,
                           SmtpCounters& counters);
  void mail_from(std::string_view line, SmtpCounters& counters);
  void rcpt_to(std::string_view line, SmtpCounters& counters);
  void bdat(std::string_view line, TimestampNs ts, MailSink& sink, SmtpCounters& counters);
  Step data_step(ByteSpan data, MailSink& sink, SmtpCounters& counters);
  Step data_line_start(ByteSpan data, MailSink& sink, SmtpCounters& counters);
  void end_of_data(bool bare_lf, MailSink& sink, SmtpCounters& counters);
  Step bdat_step(ByteSpan data, MailSink& sink, SmtpCounters& counters);
  void end_of_chunk(MailSink& sink, SmtpCounters& counters);
  Step starttls_step(ByteSpan data, SmtpCounters& counters);
  Step resync_step(ByteSpan data, SmtpCounters& counters);

  // Server direction.
  Step server_step(ByteSpan data, SmtpCounters& counters);
  void reply(std::string_view line, SmtpCounters& counters);
  void answer(const Pending& pending, std::uint16_t code, SmtpCounters& counters);
  void refuse_recipient(const Pending& pending, SmtpCounters& counters);

  // Shared.
  void start_message(TimestampNs ts);
  void fill_recipients();
  void reset_transaction(MailSink& sink, SmtpCounters& counters);
  void expect(Awaiting what, SmtpCounters& counters, std::uint8_t recipient = kNoRecipient);
  void stop_for_tls(SmtpCounters& counters);

  ClientPhase client_ = ClientPhase::kCommand;
  ServerPhase server_ = ServerPhase::kReply;
  bool client_spoke_ = false;  // a known command was seen: unknown lines are slips, not foreign
  bool server_spoke_ = false;
  bool greeted_ = false;  // the first reply is the greeting, not an answer
  bool in_auth_ = false;  // SASL exchange lines follow AUTH
  bool tls_ = false;
  std::size_t client_scanned_ = 0;
  std::size_t server_scanned_ = 0;

  // Message data.
  bool at_line_start_ = true;
  bool previous_line_crlf_ = true;  // the line before a "." ended with CR LF
  bool last_byte_cr_ = false;
  std::uint64_t bdat_remaining_ = 0;
  bool bdat_last_ = false;

  // Envelope of the current transaction.
  Address sender_;
  FixedVector<Address, kMaxRecipients> recipients_;
  std::uint32_t refused_ = 0;  // bit per recipients_ entry
  std::uint8_t transaction_ = 0;

  std::array<Pending, kMaxPendingReplies> pending_;
  std::size_t pending_head_ = 0;
  std::size_t pending_count_ = 0;

  MimeWalker walker_;
};

}  // namespace bw::extract::smtp
