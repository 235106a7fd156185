#include "sensor/extract/smtp/mbox_splitter.h"

#include <memory>
#include <string_view>

namespace bw::extract::smtp {
namespace {

constexpr std::string_view kFrom = "From ";

// Whether `text` (what has arrived so far) can still grow into `pattern`.
bool could_become(std::string_view text, std::string_view pattern) {
  return text.size() < pattern.size() && pattern.starts_with(text);
}

}  // namespace

void MboxSplitter::reset() {
  walker_.abandon();
  at_line_start_ = true;
  in_from_line_ = false;
  scanned_ = 0;
}

std::size_t MboxSplitter::on_bytes(ByteSpan data, MailSink& sink, SmtpCounters& counters) {
  return run_steps(data, [&](ByteSpan rest) { return step(rest, sink, counters); });
}

void MboxSplitter::finish(ByteSpan unconsumed, MailSink& sink, SmtpCounters& counters) {
  if (!unconsumed.empty() && !in_from_line_) {
    if (!walker_.active()) walker_.begin(0);
    walker_.feed(unconsumed, sink, counters);
  }
  if (walker_.active()) walker_.end(/*complete=*/true, sink, counters);
  reset();
}

MboxSplitter::LineStart MboxSplitter::classify_line_start(ByteSpan data) {
  const std::string_view text = as_chars(data);
  if (text.starts_with(kFrom)) return LineStart::kSeparator;
  if (could_become(text, kFrom)) return LineStart::kNeedMore;
  std::size_t quotes = 0;
  while (quotes < text.size() && quotes <= kMaxQuoteDepth && text[quotes] == '>')
    ++quotes;
  if (quotes == 0 || quotes > kMaxQuoteDepth) return LineStart::kContent;
  const std::string_view after = text.substr(quotes);
  if (after.starts_with(kFrom)) return LineStart::kQuoted;
  return (after.empty() || could_become(after, kFrom)) ? LineStart::kNeedMore : LineStart::kContent;
}

MboxSplitter::Step MboxSplitter::step(ByteSpan data, MailSink& sink, SmtpCounters& counters) {
  if (in_from_line_) return separator(data, counters);
  if (!at_line_start_) return content(data, sink, counters);
  switch (classify_line_start(data)) {
    case LineStart::kNeedMore:
      return {0, true};
    case LineStart::kSeparator:
      if (walker_.active()) walker_.end(/*complete=*/true, sink, counters);
      in_from_line_ = true;
      return separator(data, counters);
    case LineStart::kQuoted:
      if (!walker_.active()) walker_.begin(0);
      at_line_start_ = false;
      return {1, false};  // the quoting ">" is dropped
    case LineStart::kContent:
      break;
  }
  return content(data, sink, counters);
}

// The "From " line's first word is the envelope sender.
MboxSplitter::Step MboxSplitter::separator(ByteSpan data, SmtpCounters& counters) {
  const LineRead line = read_line(data, kMaxFromLineBytes, scanned_);
  if (line.status == LineRead::Status::kNeedMore) return {0, true};
  const bool whole_line_seen = data[line.bytes - 1] == '\n';
  if (!walker_.active()) {
    walker_.begin(0);
    if (line.status == LineRead::Status::kLine) {
      const std::string_view rest = line.text.substr(kFrom.size());
      walker_.message().envelope_from.assign(rest.substr(0, rest.find(' ')));
    } else {
      ++counters.line_too_long;
    }
  }
  in_from_line_ = !whole_line_seen;
  at_line_start_ = whole_line_seen;
  return {line.bytes, false};
}

MboxSplitter::Step MboxSplitter::content(ByteSpan data, MailSink& sink, SmtpCounters& counters) {
  if (!walker_.active()) walker_.begin(0);  // text before any "From " line
  const std::size_t bytes = through_line_end(data);
  at_line_start_ = data[bytes - 1] == '\n';
  walker_.feed(data.first(bytes), sink, counters);
  return {bytes, false};
}

void split_mbox(ByteSpan whole_file, MailSink& sink, SmtpCounters& counters) {
  const auto splitter = std::make_unique<MboxSplitter>();  // files, not the packet path
  const std::size_t consumed = splitter->on_bytes(whole_file, sink, counters);
  splitter->finish(whole_file.subspan(consumed), sink, counters);
}

}  // namespace bw::extract::smtp
