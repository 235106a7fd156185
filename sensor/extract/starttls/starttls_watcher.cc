#include "sensor/extract/starttls/starttls_watcher.h"

#include <string_view>

#include "sensor/common/ascii.h"

namespace bw::extract::starttls {
namespace {

constexpr std::uint8_t kTlsHandshakeRecord = 0x16;

std::string_view text_of(ByteSpan line) {
  std::size_t size = line.size();
  while (size > 0 && (line[size - 1] == '\n' || line[size - 1] == '\r'))
    --size;
  return {reinterpret_cast<const char*>(line.data()), size};
}

// Calls `line` for each whole line of `data` (LF-terminated); returns the bytes of whole lines,
// or stops early when `stop()` becomes true. Lines over kMaxLineBytes are skipped up to their end.
template <typename Line, typename Stop>
std::size_t for_each_line(ByteSpan data, bool& skipping, StartTlsCounters& counters, Line&& line,
                          Stop&& stop) {
  std::size_t consumed = 0;
  while (consumed < data.size() && !stop()) {
    const ByteSpan rest = data.subspan(consumed);
    std::size_t end = 0;
    while (end < rest.size() && rest[end] != '\n')
      ++end;
    if (end == rest.size()) {
      if (rest.size() < StartTlsWatcher::kMaxLineBytes && !skipping) break;  // wait for the rest
      if (!skipping) ++counters.lines_too_long;
      skipping = true;
      consumed = data.size();
      break;
    }
    const ByteSpan whole = rest.first(end + 1);
    consumed += whole.size();
    if (skipping) {
      skipping = false;  // the end of an over-long line
      continue;
    }
    line(whole);
  }
  return consumed;
}

}  // namespace

void StartTlsWatcher::reset(MailProtocol protocol, StartTlsCounters& counters) {
  protocol_ = protocol;
  state_ = State::kPlain;
  client_lines_ = 0;
  skipping_[0] = skipping_[1] = false;
  tag_.clear();
  ++counters.sessions;
}

std::size_t StartTlsWatcher::on_client_bytes(ByteSpan data, StartTlsCounters& counters) {
  if (state_ == State::kTls || data.empty()) return 0;
  if (state_ == State::kDone) return data.size();
  if (state_ == State::kCommandSent && data[0] == kTlsHandshakeRecord && !skipping_[0]) {
    // The client would not send a handshake record unless the server had said yes.
    ++counters.upgrades;
    state_ = State::kTls;
    return 0;
  }
  if (client_lines_ == 0 && !skipping_[0] && (data[0] < 0x20 || data[0] > 0x7e)) {
    ++counters.not_text;
    state_ = State::kDone;
    return data.size();
  }
  return for_each_line(
      data, skipping_[0], counters, [&](ByteSpan line) { client_line(line, counters); },
      [&] { return state_ != State::kPlain; });
}

std::size_t StartTlsWatcher::on_server_bytes(ByteSpan data, StartTlsCounters& counters) {
  if (state_ == State::kTls || data.empty()) return 0;
  if (state_ == State::kDone) return data.size();
  return for_each_line(
      data, skipping_[1], counters, [&](ByteSpan line) { server_line(line, counters); },
      [&] { return state_ == State::kTls || state_ == State::kDone; });
}

void StartTlsWatcher::on_gap(bool client_side) {
  skipping_[client_side ? 0 : 1] = false;
}

void StartTlsWatcher::client_line(ByteSpan line, StartTlsCounters& counters) {
  if (++client_lines_ > kMaxClientLines) {
    ++counters.given_up;
    state_ = State::kDone;
    return;
  }
  const std::string_view text = text_of(line);
  if (protocol_ == MailProtocol::kPop3) {
    if (!iequals(text, "STLS")) return;
  } else {
    // "<tag> STARTTLS": the tag is any run of non-space characters.
    const std::size_t space = text.find(' ');
    if (space == 0 || space == std::string_view::npos || space > tag_.capacity()) return;
    if (!iequals(text.substr(space + 1), "STARTTLS")) return;
    tag_.assign(text.substr(0, space));
  }
  ++counters.commands;
  state_ = State::kCommandSent;
}

void StartTlsWatcher::server_line(ByteSpan line, StartTlsCounters& counters) {
  if (state_ != State::kCommandSent) return;
  const std::string_view text = text_of(line);
  bool accepted = false;
  bool refused = false;
  if (protocol_ == MailProtocol::kPop3) {
    accepted = istarts_with(text, "+OK");
    refused = istarts_with(text, "-ERR");
  } else {
    // Untagged lines ("* ...") may come first; the tagged one answers the command.
    if (text.size() <= tag_.size() || text.substr(0, tag_.size()) != tag_.view() ||
        text[tag_.size()] != ' ') {
      return;
    }
    const std::string_view status = text.substr(tag_.size() + 1);
    accepted = istarts_with(status, "OK");
    refused = istarts_with(status, "NO") || istarts_with(status, "BAD");
  }
  if (accepted) {
    ++counters.upgrades;
    state_ = State::kTls;
  } else if (refused) {
    ++counters.refused;
    state_ = State::kPlain;
  }
}

}  // namespace bw::extract::starttls
