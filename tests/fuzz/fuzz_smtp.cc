// Two inputs share the mail extractors, so the first byte picks which one the rest feeds:
//   even: an SMTP conversation, as a list of commands: op (1 byte), length (2 bytes, big-endian),
//         then `length` bytes for the data ops; op % 4: 0 client bytes, 1 server bytes, 2 gap on
//         the client side, 3 gap on the server side. Each direction keeps what the session left
//         unconsumed and presents it again, as the flow stage does; the bound on that is checked.
//   odd:  a whole message for parse_rfc822 (byte 1 odd too: an mbox file for split_mbox).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "sensor/extract/smtp/mbox_splitter.h"
#include "sensor/extract/smtp/mime_walker.h"
#include "sensor/extract/smtp/smtp_session.h"
#include "tests/fuzz/stream_feed.h"

namespace {

using bw::extract::smtp::MailMessage;
using bw::extract::smtp::MailUrl;
using bw::extract::smtp::SmtpCounters;
using bw::extract::smtp::SmtpSession;

class TouchingSink : public bw::extract::smtp::MailSink {
 public:
  // Reading every text field lets the sanitizers see any record built from stale bytes.
  void on_mail_url(const MailMessage& m, const MailUrl& u) override {
    if (u.url.empty() || u.host.empty()) __builtin_trap();  // only vetted URLs are reported
    checksum_ += u.url.view().back() + u.host.view().front() + touch(m);
  }
  void on_mail_message_end(const MailMessage& m) override { checksum_ += touch(m); }

 private:
  static std::size_t touch(const MailMessage& m) {
    std::size_t sum = m.message_id.size() + m.from.size() + m.to.size() + m.subject.size() +
                      m.date.size() + m.envelope_from.size();
    for (const auto& r : m.recipients)
      sum += r.size() + (r.empty() ? 0 : r.view().front());
    for (const char c : m.subject.view())
      sum += static_cast<unsigned char>(c);
    return sum;
  }
  std::size_t checksum_ = 0;
};

void conversation(const std::uint8_t* data, std::size_t size, TouchingSink& sink,
                  SmtpCounters& counters) {
  static const auto session = std::make_unique<SmtpSession>();
  session->reset();
  std::vector<std::uint8_t> pending[2];
  std::size_t pos = 0;
  while (size - pos >= 3) {
    const int op = data[pos] % 4;
    std::size_t length = (std::size_t{data[pos + 1]} << 8) | data[pos + 2];
    pos += 3;
    if (op >= 2) {
      pending[op - 2].clear();
      session->on_gap(op == 2, sink, counters);
      continue;
    }
    if (length > size - pos) length = size - pos;
    bw::fuzz::feed_stream(*session, pending[op], data + pos, length, op == 0, sink, counters,
                          SmtpSession::kMaxLineBytes);
    pos += length;
  }
  session->finish(sink, counters);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  TouchingSink sink;
  SmtpCounters counters;
  const bw::ByteSpan rest(data + 2, size - 2);
  if (data[0] % 2 == 0) {
    conversation(data + 1, size - 1, sink, counters);
  } else if (data[1] % 2 == 0) {
    bw::extract::smtp::parse_rfc822(rest, sink, counters);
  } else {
    bw::extract::smtp::split_mbox(rest, sink, counters);
  }
  return 0;
}
