#include "sensor/extract/smtp/smtp_session.h"

#include <algorithm>

#include "sensor/extract/smtp/mime_fields.h"

namespace bw::extract::smtp {
namespace {

constexpr std::uint8_t kTlsHandshakeRecord = 0x16;

bool restarts_session(Verb verb) {
  return verb == Verb::kMail || verb == Verb::kRset || verb == Verb::kQuit || verb == Verb::kHelo ||
         verb == Verb::kEhlo || verb == Verb::kLhlo || verb == Verb::kNoop;
}

}  // namespace

void SmtpSession::reset() {
  walker_.abandon();
  client_ = ClientPhase::kCommand;
  server_ = ServerPhase::kReply;
  client_spoke_ = server_spoke_ = greeted_ = in_auth_ = tls_ = false;
  client_scanned_ = server_scanned_ = 0;
  at_line_start_ = previous_line_crlf_ = true;
  last_byte_cr_ = false;
  bdat_remaining_ = 0;
  bdat_last_ = false;
  sender_.clear();
  recipients_.clear();
  refused_ = 0;
  transaction_ = 0;
  pending_head_ = pending_count_ = 0;
}

bool SmtpSession::stopped() const {
  return client_ == ClientPhase::kStopped && server_ == ServerPhase::kStopped;
}

std::size_t SmtpSession::on_client_bytes(ByteSpan data, TimestampNs ts, MailSink& sink,
                                         SmtpCounters& counters) {
  return run_steps(data, [&](ByteSpan rest) { return client_step(rest, ts, sink, counters); });
}

std::size_t SmtpSession::on_server_bytes(ByteSpan data, TimestampNs /*ts*/, MailSink& /*sink*/,
                                         SmtpCounters& counters) {
  return run_steps(data, [&](ByteSpan rest) { return server_step(rest, counters); });
}

void SmtpSession::on_gap(bool client_side, MailSink& sink, SmtpCounters& counters) {
  ++counters.gaps;
  // Either direction's loss breaks the pairing of replies with commands.
  pending_count_ = 0;
  if (!client_side) {
    if (server_ != ServerPhase::kStopped) server_ = ServerPhase::kReply;
    server_scanned_ = 0;
    return;
  }
  if (client_ == ClientPhase::kStopped) return;
  if (walker_.active()) walker_.end(/*complete=*/false, sink, counters);
  client_ = ClientPhase::kResync;
  client_scanned_ = 0;
  at_line_start_ = true;  // bytes after a drop may well start a line
}

void SmtpSession::finish(MailSink& sink, SmtpCounters& counters) {
  if (walker_.active()) walker_.end(/*complete=*/false, sink, counters);
  reset();
}

// ---- Client: commands -----------------------------------------------------------------------

SmtpSession::Step SmtpSession::client_step(ByteSpan data, TimestampNs ts, MailSink& sink,
                                           SmtpCounters& counters) {
  switch (client_) {
    case ClientPhase::kCommand:
      return command_step(data, ts, sink, counters);
    case ClientPhase::kData:
      return data_step(data, sink, counters);
    case ClientPhase::kBdat:
      return bdat_step(data, sink, counters);
    case ClientPhase::kStartTls:
      return starttls_step(data, counters);
    case ClientPhase::kSkipLine: {
      const std::size_t bytes = through_line_end(data);
      if (data[bytes - 1] == '\n') client_ = ClientPhase::kCommand;
      return {bytes, false};
    }
    case ClientPhase::kResync:
      return resync_step(data, counters);
    case ClientPhase::kStopped:
      if (tls_) return {0, true};  // TLS from here on: not ours to consume
      break;
  }
  return {data.size(), false};
}

SmtpSession::Step SmtpSession::command_step(ByteSpan data, TimestampNs ts, MailSink& sink,
                                            SmtpCounters& counters) {
  const LineRead line = read_line(data, kMaxLineBytes, client_scanned_);
  switch (line.status) {
    case LineRead::Status::kNeedMore:
      return {0, true};
    case LineRead::Status::kTooLong:
      ++counters.line_too_long;
      if (data[line.bytes - 1] != '\n') client_ = ClientPhase::kSkipLine;
      return {line.bytes, false};
    case LineRead::Status::kLine:
      break;
  }
  command(line.text, ts, sink, counters);
  return {line.bytes, false};
}

void SmtpSession::command(std::string_view line, TimestampNs ts, MailSink& sink,
                          SmtpCounters& counters) {
  const Verb verb = parse_verb(line);
  if (verb == Verb::kUnknown) {
    if (!client_spoke_) {
      ++counters.non_smtp_client;
      client_ = ClientPhase::kStopped;
      return;
    }
    if (!in_auth_) ++counters.unknown_commands;  // SASL response lines are expected there
    expect(Awaiting::kOther, counters);          // answered, if only by a 500
    return;
  }
  client_spoke_ = true;
  in_auth_ = verb == Verb::kAuth;
  ++counters.commands;
  transaction_command(verb, line, ts, sink, counters);
}

void SmtpSession::transaction_command(Verb verb, std::string_view line, TimestampNs ts,
                                      MailSink& sink, SmtpCounters& counters) {
  switch (verb) {
    case Verb::kHelo:
    case Verb::kEhlo:
    case Verb::kLhlo:
    case Verb::kRset:
      reset_transaction(sink, counters);
      break;
    case Verb::kMail:
      reset_transaction(sink, counters);
      mail_from(line, counters);
      break;
    case Verb::kRcpt:
      rcpt_to(line, counters);
      return;
    case Verb::kData:
      if (!walker_.active()) start_message(ts);
      client_ = ClientPhase::kData;
      at_line_start_ = previous_line_crlf_ = true;
      expect(Awaiting::kData, counters);
      return;
    case Verb::kBdat:
      bdat(line, ts, sink, counters);
      return;
    case Verb::kStartTls:
      client_ = ClientPhase::kStartTls;
      expect(Awaiting::kStartTls, counters);
      return;
    default:
      break;
  }
  expect(Awaiting::kOther, counters);
}

void SmtpSession::mail_from(std::string_view line, SmtpCounters& counters) {
  if (const std::optional<std::string_view> path = parse_path_argument(line, "FROM:")) {
    sender_.assign(*path);
  } else {
    ++counters.command_malformed;
  }
}

void SmtpSession::rcpt_to(std::string_view line, SmtpCounters& counters) {
  const std::optional<std::string_view> path = parse_path_argument(line, "TO:");
  if (!path || path->empty()) {
    ++counters.command_malformed;
    expect(Awaiting::kOther, counters);
    return;
  }
  ++counters.recipients;
  std::uint8_t index = kNoRecipient;
  switch (add_address(recipients_, *path)) {
    case AddResult::kAdded:
      index = static_cast<std::uint8_t>(recipients_.size() - 1);
      break;
    case AddResult::kFull:
      ++counters.recipients_dropped;
      break;
    case AddResult::kDuplicate:
      break;
  }
  expect(Awaiting::kRcpt, counters, index);
}

void SmtpSession::bdat(std::string_view line, TimestampNs ts, MailSink& sink,
                       SmtpCounters& counters) {
  const std::optional<BdatArguments> arguments = parse_bdat_arguments(line);
  if (!arguments) {
    // The chunk's length is unknown, so where commands resume is too.
    ++counters.command_malformed;
    if (walker_.active()) walker_.end(/*complete=*/false, sink, counters);
    client_ = ClientPhase::kResync;
    at_line_start_ = true;
    return;
  }
  if (!walker_.active()) start_message(ts);
  bdat_remaining_ = arguments->size;
  bdat_last_ = arguments->last;
  client_ = ClientPhase::kBdat;
  if (bdat_remaining_ == 0) end_of_chunk(sink, counters);
}

void SmtpSession::start_message(TimestampNs ts) {
  walker_.begin(ts);
  MailMessage& message = walker_.message();
  message.envelope_from = sender_;
  fill_recipients();
}

// Without any RCPT seen (a capture that began mid-session), the header recipients stand in.
void SmtpSession::fill_recipients() {
  MailMessage& message = walker_.message();
  message.recipients.clear();
  message.recipients_from_envelope = !recipients_.empty();
  for (std::size_t i = 0; i < recipients_.size(); ++i) {
    if ((refused_ & (1u << i)) == 0) message.recipients.push_back(recipients_[i]);
  }
}

void SmtpSession::reset_transaction(MailSink& sink, SmtpCounters& counters) {
  if (walker_.active()) {
    ++counters.messages_aborted;
    walker_.end(/*complete=*/false, sink, counters);
  }
  sender_.clear();
  recipients_.clear();
  refused_ = 0;
  ++transaction_;
}

void SmtpSession::expect(Awaiting what, SmtpCounters& counters, std::uint8_t recipient) {
  if (pending_count_ == kMaxPendingReplies) {
    ++counters.pending_overflow;
    return;
  }
  pending_[(pending_head_ + pending_count_) % kMaxPendingReplies] =
      Pending{what, recipient, transaction_};
  ++pending_count_;
}

// ---- Client: message data -------------------------------------------------------------------

SmtpSession::Step SmtpSession::data_step(ByteSpan data, MailSink& sink, SmtpCounters& counters) {
  if (at_line_start_ && data[0] == '.') return data_line_start(data, sink, counters);
  const std::size_t bytes = through_line_end(data);
  at_line_start_ = data[bytes - 1] == '\n';
  if (at_line_start_) previous_line_crlf_ = bytes >= 2 ? data[bytes - 2] == '\r' : last_byte_cr_;
  last_byte_cr_ = data[bytes - 1] == '\r';
  walker_.feed(data.first(bytes), sink, counters);
  return {bytes, false};
}

// A line starting with "." is either the end of the data (a lone ".") or dot-stuffed: its first
// dot was added by the client (RFC 5321 4.5.2) and is removed.
SmtpSession::Step SmtpSession::data_line_start(ByteSpan data, MailSink& sink,
                                               SmtpCounters& counters) {
  if (data.size() < 2 || (data[1] == '\r' && data.size() < 3)) return {0, true};
  if (data[1] == '\n') {
    end_of_data(/*bare_lf=*/true, sink, counters);
    return {2, false};
  }
  if (data[1] == '\r' && data[2] == '\n') {
    end_of_data(/*bare_lf=*/!previous_line_crlf_, sink, counters);
    return {3, false};
  }
  at_line_start_ = false;
  last_byte_cr_ = false;
  return {1, false};
}

// Servers that take a bare LF as a line end see a different message boundary than those that do
// not: the SMTP smuggling tell. The end is accepted (as lenient servers do) and counted.
void SmtpSession::end_of_data(bool bare_lf, MailSink& sink, SmtpCounters& counters) {
  if (bare_lf) ++counters.data_end_bare_lf;
  walker_.end(/*complete=*/true, sink, counters);
  client_ = ClientPhase::kCommand;
  expect(Awaiting::kDataEnd, counters);
}

SmtpSession::Step SmtpSession::bdat_step(ByteSpan data, MailSink& sink, SmtpCounters& counters) {
  const std::size_t bytes =
      static_cast<std::size_t>(std::min<std::uint64_t>(bdat_remaining_, data.size()));
  walker_.feed(data.first(bytes), sink, counters);
  bdat_remaining_ -= bytes;
  if (bdat_remaining_ == 0) end_of_chunk(sink, counters);
  return {bytes, false};
}

void SmtpSession::end_of_chunk(MailSink& sink, SmtpCounters& counters) {
  client_ = ClientPhase::kCommand;
  if (!bdat_last_) {
    expect(Awaiting::kBdatChunk, counters);
    return;
  }
  walker_.end(/*complete=*/true, sink, counters);
  expect(Awaiting::kDataEnd, counters);
}

// The client waits for the reply to STARTTLS. A TLS record next means it was 220 (even when the
// server direction is not seen); a command means it was refused.
SmtpSession::Step SmtpSession::starttls_step(ByteSpan data, SmtpCounters& counters) {
  if (data[0] == kTlsHandshakeRecord) {
    stop_for_tls(counters);
    return {0, true};  // the record is the caller's to parse as TLS
  }
  client_ = ClientPhase::kCommand;
  return {0, false};
}

SmtpSession::Step SmtpSession::resync_step(ByteSpan data, SmtpCounters& counters) {
  const LineRead line = read_line(data, kMaxLineBytes, client_scanned_);
  if (line.status == LineRead::Status::kNeedMore) return {0, true};
  const bool was_line_start = at_line_start_;
  at_line_start_ = data[line.bytes - 1] == '\n';
  if (line.status == LineRead::Status::kLine && was_line_start &&
      (line.text == "." || restarts_session(parse_verb(line.text)))) {
    ++counters.resyncs;
    client_ = ClientPhase::kCommand;
    pending_count_ = 0;
    // A lone "." ended the data the gap cut into; a command is parsed as one.
    return {line.text == "." ? line.bytes : 0, false};
  }
  return {line.bytes, false};
}

// ---- Server: replies ------------------------------------------------------------------------

SmtpSession::Step SmtpSession::server_step(ByteSpan data, SmtpCounters& counters) {
  if (server_ == ServerPhase::kStopped) return {tls_ ? 0 : data.size(), tls_};
  if (server_ == ServerPhase::kSkipLine) {
    const std::size_t bytes = through_line_end(data);
    if (data[bytes - 1] == '\n') server_ = ServerPhase::kReply;
    return {bytes, false};
  }
  const LineRead line = read_line(data, kMaxLineBytes, server_scanned_);
  switch (line.status) {
    case LineRead::Status::kNeedMore:
      return {0, true};
    case LineRead::Status::kTooLong:
      ++counters.line_too_long;
      if (data[line.bytes - 1] != '\n') server_ = ServerPhase::kSkipLine;
      return {line.bytes, false};
    case LineRead::Status::kLine:
      break;
  }
  reply(line.text, counters);
  return {line.bytes, false};
}

void SmtpSession::reply(std::string_view line, SmtpCounters& counters) {
  const std::optional<ReplyLine> parsed = parse_reply_line(line);
  if (!parsed) {
    if (server_spoke_) {
      ++counters.reply_malformed;
    } else {
      ++counters.non_smtp_server;
      server_ = ServerPhase::kStopped;
    }
    return;
  }
  server_spoke_ = true;
  if (!parsed->final) return;
  ++counters.replies;
  if (!greeted_) {
    greeted_ = true;
    return;
  }
  if (pending_count_ == 0) {
    ++counters.replies_unexpected;
    return;
  }
  const Pending pending = pending_[pending_head_];
  pending_head_ = (pending_head_ + 1) % kMaxPendingReplies;
  --pending_count_;
  answer(pending, parsed->code, counters);
}

void SmtpSession::answer(const Pending& pending, std::uint16_t code, SmtpCounters& counters) {
  const bool positive = code < 400;
  switch (pending.what) {
    case Awaiting::kRcpt:
      if (!positive) refuse_recipient(pending, counters);
      return;
    case Awaiting::kData:
      if (code == 354) return;
      ++counters.data_rejected;
      // Data already streamed means the client went ahead regardless; keep what it sent.
      if (client_ == ClientPhase::kData && walker_.active() && walker_.message().size == 0) {
        walker_.abandon();
        client_ = ClientPhase::kCommand;
      }
      return;
    case Awaiting::kDataEnd:
      ++(positive ? counters.messages_accepted : counters.messages_rejected);
      return;
    case Awaiting::kStartTls:
      if (code == 220) {
        stop_for_tls(counters);
        return;
      }
      ++counters.starttls_refused;
      if (client_ == ClientPhase::kStartTls) client_ = ClientPhase::kCommand;
      return;
    case Awaiting::kBdatChunk:
    case Awaiting::kOther:
      return;
  }
}

void SmtpSession::refuse_recipient(const Pending& pending, SmtpCounters& counters) {
  ++counters.recipients_rejected;
  if (pending.recipient == kNoRecipient || pending.transaction != transaction_) return;
  refused_ |= 1u << pending.recipient;
  if (walker_.active()) fill_recipients();
}

void SmtpSession::stop_for_tls(SmtpCounters& counters) {
  if (tls_) return;
  tls_ = true;
  ++counters.starttls;
  client_ = ClientPhase::kStopped;
  server_ = ServerPhase::kStopped;
}

}  // namespace bw::extract::smtp
