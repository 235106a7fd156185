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

class SmtpConversation {
 public:
  std::size_t client(std::string_view bytes, TimestampNs ts = 1000) {
    return feed(client_pending_, bytes, ts, true);
  }
  std::size_t server(std::string_view bytes, TimestampNs ts = 2000) {
    return feed(server_pending_, bytes, ts, false);
  }
  void gap(bool client_side) {
    (client_side ? client_pending_ : server_pending_).clear();
    session_->on_gap(client_side, sink_, counters_);
  }
  void finish() { session_->finish(sink_, counters_); }

  const RecordingSink& sink() const { return sink_; }
  const SmtpCounters& counters() const { return counters_; }
  const SmtpSession& session() const { return *session_; }
  const std::string& client_pending() const { return client_pending_; }

 private:
  std::size_t feed(std::string& pending, std::string_view bytes, TimestampNs ts, bool client) {
    pending.append(bytes);
    const ByteSpan data = span_of(pending);
    const std::size_t consumed = client ? session_->on_client_bytes(data, ts, sink_, counters_)
                                        : session_->on_server_bytes(data, ts, sink_, counters_);
    EXPECT_LE(consumed, pending.size());
    pending.erase(0, consumed);
    EXPECT_LE(pending.size(), SmtpSession::kMaxLineBytes);
    return consumed;
  }

  std::unique_ptr<SmtpSession> session_ = std::make_unique<SmtpSession>();
  RecordingSink sink_;
  SmtpCounters counters_;
  std::string client_pending_;
  std::string server_pending_;
};

// Every counter, for comparing two runs.
inline std::vector<std::uint64_t> counter_values(const SmtpCounters& counters) {
  std::vector<std::uint64_t> values;
  counters.for_each([&](std::string_view, std::uint64_t value) { values.push_back(value); });
  return values;
}

}  // namespace bw::extract::smtp::testing
