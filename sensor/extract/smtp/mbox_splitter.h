// mbox files (RFC 4155): messages one after another, each introduced by a "From " line at the
// start of a line ("From sender@example.org Thu Jan  4 10:00:00 2024"). Writers quote body lines
// that would look like one as ">From "; mboxrd writers also add a ">" to lines already starting
// with ">From ". One ">" is removed from such lines, which undoes both. Streams like the SMTP
// session: bytes that may begin a "From " line are left unconsumed until they can be told apart.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sensor/common/bytes.h"
#include "sensor/extract/smtp/mail_records.h"
#include "sensor/extract/smtp/mime_walker.h"
#include "sensor/extract/smtp/smtp_counters.h"
#include "sensor/extract/smtp/smtp_syntax.h"

namespace bw::extract::smtp {

class MboxSplitter {
 public:
  // Longest ">>>...From " prefix unquoted; deeper quoting is kept as written.
  static constexpr std::size_t kMaxQuoteDepth = 32;
  static constexpr std::size_t kMaxFromLineBytes = 4096;

  void reset();
  // Returns how many bytes were consumed; the caller presents the rest again with more appended.
  std::size_t on_bytes(ByteSpan data, MailSink& sink, SmtpCounters& counters);
  // End of file: `unconsumed` is what the last on_bytes left; it is the end of the last message.
  void finish(ByteSpan unconsumed, MailSink& sink, SmtpCounters& counters);

 private:
  enum class LineStart : std::uint8_t { kSeparator, kQuoted, kContent, kNeedMore };
  using Step = ParseStep;

  static LineStart classify_line_start(ByteSpan data);
  Step step(ByteSpan data, MailSink& sink, SmtpCounters& counters);
  Step separator(ByteSpan data, SmtpCounters& counters);
  Step content(ByteSpan data, MailSink& sink, SmtpCounters& counters);

  bool at_line_start_ = true;
  bool in_from_line_ = false;  // the rest of an over-long "From " line is skipped
  std::size_t scanned_ = 0;
  MimeWalker walker_;
};

// A whole mbox file in memory.
void split_mbox(ByteSpan whole_file, MailSink& sink, SmtpCounters& counters);

}  // namespace bw::extract::smtp
