// IMAP (RFC 3501 6.2.1 STARTTLS) and POP3 (RFC 2595 4 STLS): follows a plaintext mail session
// only as far as its upgrade to TLS, so the ClientHello that follows is parsed like any other
// (SNI, JA3, JA4). SMTP's STARTTLS is followed by the SMTP session itself (sensor/extract/smtp).
//
// The watcher reads whole lines (a partial line is left unconsumed for the caller's stream
// buffer) and stops consuming exactly where TLS begins: after the server's positive answer, or at
// a TLS record the client sends after its command (the server's answer may not be captured).
#pragma once

#include <cstddef>
#include <cstdint>

#include "sensor/common/bytes.h"
#include "sensor/common/counters.h"
#include "sensor/common/fixed_string.h"

namespace bw::extract::starttls {

#define BW_STARTTLS_COUNTERS(X)                                                           \
  X(sessions)       /* IMAP or POP3 sessions watched */                                   \
  X(commands)       /* STARTTLS (IMAP) or STLS (POP3) commands seen */                    \
  X(upgrades)       /* answered positively, or TLS followed the command: TLS parsed */    \
  X(refused)        /* answered NO, BAD or -ERR */                                        \
  X(lines_too_long) /* a line longer than kMaxLineBytes: skipped */                       \
  X(given_up)       /* no STARTTLS within kMaxClientLines client lines: not watched on */ \
  X(not_text)       /* a direction that does not start with text: not IMAP/POP3 */

struct StartTlsCounters {
  BW_DECLARE_COUNTERS(BW_STARTTLS_COUNTERS)
};

enum class MailProtocol : std::uint8_t { kImap, kPop3 };

class StartTlsWatcher {
 public:
  // Lines are short in both protocols before login (RFC 3501 recommends clients accept 8000-byte
  // lines, but capability and greeting lines are far shorter).
  static constexpr std::size_t kMaxLineBytes = 1024;
  // STARTTLS comes before authentication, within the first few commands.
  static constexpr std::uint32_t kMaxClientLines = 32;

  void reset(MailProtocol protocol, StartTlsCounters& counters);
  // Each direction's bytes in stream order; returns how many were consumed. Once tls_started(),
  // nothing more is consumed: the rest of both directions is TLS.
  std::size_t on_client_bytes(ByteSpan data, StartTlsCounters& counters);
  std::size_t on_server_bytes(ByteSpan data, StartTlsCounters& counters);
  // Lost bytes: a partial line is dropped, the session state kept.
  void on_gap(bool client_side);

  bool tls_started() const { return state_ == State::kTls; }
  // Neither direction needs watching any more (not the protocol, or no upgrade in time).
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State : std::uint8_t { kPlain, kCommandSent, kTls, kDone };
  void client_line(ByteSpan line, StartTlsCounters& counters);
  void server_line(ByteSpan line, StartTlsCounters& counters);

  MailProtocol protocol_ = MailProtocol::kImap;
  State state_ = State::kPlain;
  std::uint32_t client_lines_ = 0;
  bool skipping_[2] = {false, false};  // inside an over-long line, per direction
  FixedString<32> tag_;                // IMAP: the tag of the STARTTLS command
};

}  // namespace bw::extract::starttls
