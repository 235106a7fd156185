// Test side of the mail extractors' contract: a sink that keeps copies of what it is told, and a
// driver that feeds an SmtpSession the way the flow stage does (unconsumed bytes presented again).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/extract/smtp/mail_records.h"
#include "sensor/extract/smtp/smtp_session.h"
#include "tests/support/stream_conversation.h"

namespace bw::extract::smtp::testing {

inline ByteSpan span_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

struct FoundUrl {
  std::string url;
  std::string host;
  UrlKind kind = UrlKind::kLink;
  std::string message_id;
  std::vector<std::string> recipients;
  friend bool operator==(const FoundUrl&, const FoundUrl&) = default;
};

struct EndedMessage {
  std::string message_id;
  std::string from;
  std::string to;
  std::string subject;
  std::string date;
  std::string envelope_from;
  std::vector<std::string> recipients;
  bool complete = false;
  std::uint64_t size = 0;
  std::uint32_t url_count = 0;
  TimestampNs ts = 0;
  friend bool operator==(const EndedMessage&, const EndedMessage&) = default;
};

inline std::vector<std::string> recipients_of(const MailMessage& message) {
  std::vector<std::string> out;
  for (const Address& a : message.recipients)
    out.emplace_back(a.view());
  return out;
}

class RecordingSink : public MailSink {
 public:
  void on_mail_url(const MailMessage& m, const MailUrl& u) override {
    urls.push_back({std::string(u.url.view()), std::string(u.host.view()), u.kind,
                    std::string(m.message_id.view()), recipients_of(m)});
  }
  void on_mail_message_end(const MailMessage& m) override {
    messages.push_back({std::string(m.message_id.view()), std::string(m.from.view()),
                        std::string(m.to.view()), std::string(m.subject.view()),
                        std::string(m.date.view()), std::string(m.envelope_from.view()),
                        recipients_of(m), m.complete, m.size, m.url_count, m.ts});
  }
  std::vector<std::string> url_texts() const {
    std::vector<std::string> out;
    for (const FoundUrl& u : urls)
      out.push_back(u.url);
    return out;
  }
  std::vector<FoundUrl> urls;
  std::vector<EndedMessage> messages;
};

class SmtpConversation
    : public bw::testing::StreamConversation<SmtpSession, RecordingSink, SmtpCounters,
                                             SmtpSession::kMaxLineBytes> {
 public:
  void gap(bool client_side) {
    drop_pending(client_side);
    parser_->on_gap(client_side, sink_, counters_);
  }
  void finish() { parser_->finish(sink_, counters_); }
  const RecordingSink& sink() const { return sink_; }
  const SmtpSession& session() const { return *parser_; }
};

// Every counter, for comparing two runs.
inline std::vector<std::uint64_t> counter_values(const SmtpCounters& counters) {
  std::vector<std::uint64_t> values;
  counters.for_each([&](std::string_view, std::uint64_t value) { values.push_back(value); });
  return values;
}

}  // namespace bw::extract::smtp::testing
