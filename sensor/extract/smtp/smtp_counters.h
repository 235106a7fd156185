// Counters of the mail extractors, shared by the SMTP session and the MIME walker (the walker also
// runs alone over .eml and mbox files).
#pragma once

#include "sensor/common/counters.h"

// Session (client commands, server replies):
//   commands / replies          command lines and final reply lines parsed
//   unknown_commands            verbs the session does not know (SASL exchanges excluded)
//   command_malformed           MAIL, RCPT or BDAT arguments that cannot be used
//   non_smtp_client/_server     a direction whose first line was not SMTP: given up for good
//   line_too_long               a command or reply line over the bound: skipped to its end
//   messages / messages_incomplete   messages seen to their end / cut by a gap, the flow's end
//                               or an abort
//   messages_aborted            RSET (or a new MAIL) in the middle of BDAT chunks
//   messages_accepted/_rejected the server's verdict on a message's end of data
//   data_rejected               DATA answered with something other than 354
//   data_end_bare_lf            end of data made of a bare LF: the SMTP smuggling tell
//   recipients(_rejected/_dropped)   RCPT TO seen / refused by the server / beyond kMaxRecipients
//   pending_overflow            more pipelined commands than tracked: replies no longer paired
//   starttls / starttls_refused STARTTLS answered 220 (parsing stops) / refused
#define BW_SMTP_SESSION_COUNTERS(X) \
  X(commands)                       \
  X(unknown_commands)               \
  X(command_malformed)              \
  X(replies)                        \
  X(reply_malformed)                \
  X(replies_unexpected)             \
  X(non_smtp_client)                \
  X(non_smtp_server)                \
  X(line_too_long)                  \
  X(messages)                       \
  X(messages_incomplete)            \
  X(messages_aborted)               \
  X(messages_accepted)              \
  X(messages_rejected)              \
  X(data_rejected)                  \
  X(data_end_bare_lf)               \
  X(recipients)                     \
  X(recipients_rejected)            \
  X(recipients_dropped)             \
  X(pending_overflow)               \
  X(starttls)                       \
  X(starttls_refused)               \
  X(gaps)                           \
  X(resyncs)

// MIME walker:
//   header_malformed / header_too_long   a header line without a name / a used field cut short
//   boundary_depth_exceeded     multipart nested deeper than MimeWalker::kMaxDepth: skipped
//   boundary_invalid            multipart without a usable boundary parameter: skipped
//   parts / parts_scanned       entities seen / text parts searched for URLs
//   qp_malformed, base64_malformed   parts whose transfer encoding had bad sequences (once a part)
//   encoded_word_malformed/_unsupported   RFC 2047 words that did not decode / unknown charset
//   transfer_encoding_unknown   a Content-Transfer-Encoding other than 7bit/8bit/binary/QP/base64
//   urls                        URLs reported; urls_duplicate: seen before in the same message
//   urls_not_http               mailto:, cid:, relative and other non-HTTP references
//   url_truncated               longer than kMaxUrlLength: reported cut
//   urls_dropped                beyond MimeWalker::kMaxUrlsPerMessage distinct URLs
#define BW_MIME_COUNTERS(X)    \
  X(header_malformed)          \
  X(header_too_long)           \
  X(boundary_depth_exceeded)   \
  X(boundary_invalid)          \
  X(parts)                     \
  X(parts_scanned)             \
  X(qp_malformed)              \
  X(base64_malformed)          \
  X(encoded_word_malformed)    \
  X(encoded_word_unsupported)  \
  X(transfer_encoding_unknown) \
  X(urls)                      \
  X(urls_duplicate)            \
  X(urls_not_http)             \
  X(url_truncated)             \
  X(urls_dropped)

#define BW_SMTP_COUNTERS(X) BW_SMTP_SESSION_COUNTERS(X) BW_MIME_COUNTERS(X)

namespace bw::extract::smtp {

struct SmtpCounters {
  BW_DECLARE_COUNTERS(BW_SMTP_COUNTERS)
};

}  // namespace bw::extract::smtp
