// SMTP lexical helpers (RFC 5321, RFC 3030 for BDAT): command verbs and arguments, reply lines,
// and finding line ends in bytes presented again with more appended. Pure functions over views
// of the caller's bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "sensor/common/bytes.h"

namespace bw::extract::smtp {

enum class Verb : std::uint8_t {
  kUnknown,
  kHelo,
  kEhlo,
  kLhlo,  // LMTP (RFC 2033), which speaks the same transaction
  kMail,
  kRcpt,
  kData,
  kBdat,
  kRset,
  kQuit,
  kNoop,
  kStartTls,
  kAuth,
  kVrfy,
  kExpn,
  kHelp,
  kEtrn,
  kXclient,
  kXforward,
};

// The verb at the start of a command line, case-insensitive, followed by SP or the end.
Verb parse_verb(std::string_view line);

// The mailbox of "MAIL FROM:<a@b> SIZE=1" (keyword "FROM:") or "RCPT TO:<a@b>" ("TO:"): without
// angle brackets or an obsolete source route; empty for the null path "<>". nullopt when the
// keyword or a closing ">" is missing.
std::optional<std::string_view> parse_path_argument(std::string_view line,
                                                    std::string_view keyword);

struct BdatArguments {
  std::uint64_t size = 0;
  bool last = false;
};
// "BDAT 1024" or "BDAT 0 LAST".
std::optional<BdatArguments> parse_bdat_arguments(std::string_view line);

struct ReplyLine {
  std::uint16_t code = 0;
  bool final = true;  // false for "250-" lines that another line of the same reply follows
};
// Three digits, the first 2 to 5, then SP, "-" or the end of the line.
std::optional<ReplyLine> parse_reply_line(std::string_view line);

struct LineRead {
  enum class Status : std::uint8_t { kLine, kNeedMore, kTooLong };
  Status status = Status::kNeedMore;
  std::size_t bytes = 0;  // kLine, kTooLong: what to consume (the line and its LF if present)
  std::string_view text;  // kLine: the line without CR LF
};
// Bytes up to and including the first LF, or all of data when it holds none.
std::size_t through_line_end(ByteSpan data);

// One step of a streaming parser: bytes consumed, and whether it can do nothing more until more
// bytes arrive.
struct ParseStep {
  std::size_t consumed = 0;
  bool blocked = false;
};

// Runs steps over data until it is consumed or a step is blocked; returns what was consumed. Every
// step must consume bytes, change the parser's phase, or block, so the loop ends.
template <typename StepFn>
std::size_t run_steps(ByteSpan data, StepFn&& step) {
  std::size_t consumed = 0;
  while (consumed < data.size()) {
    const ParseStep result = step(data.subspan(consumed));
    consumed += result.consumed;
    if (result.blocked) break;
  }
  return consumed;
}

// The line at data[0]; longer than max_bytes (LF included) is kTooLong. `scanned` carries over
// calls the count of leading bytes known to hold no LF; it is reset once a line is found.
LineRead read_line(ByteSpan data, std::size_t max_bytes, std::size_t& scanned);

}  // namespace bw::extract::smtp
