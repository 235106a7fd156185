// Test side of the HttpParser contract: a sink that records, and a caller that keeps what the
// parser leaves unconsumed and presents it again with the next bytes, as the flow stage does.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/extract/http/http_parser.h"
#include "tests/support/stream_conversation.h"

namespace bw::extract::http::testing {

inline ByteSpan span_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

template <std::size_t N>
std::string text_of(const std::array<std::uint8_t, N>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

class RecordingSink : public HttpTransactionSink {
 public:
  void on_http_transaction(const HttpTransaction& t) override { transactions.push_back(t); }
  std::vector<HttpTransaction> transactions;
};

class Conversation : public bw::testing::StreamConversation<HttpParser, RecordingSink, HttpCounters,
                                                            HttpParser::kMaxHeaderBytes> {
 public:
  void gap(bool client_side) {
    drop_pending(client_side);
    parser_->on_gap(client_side, counters_);
  }
  void finish() { parser_->finish(sink_, counters_); }
  const std::vector<HttpTransaction>& transactions() const { return sink_.transactions; }
};

inline void expect_same_request(const HttpRequest& a, const HttpRequest& b) {
  EXPECT_EQ(a.method.view(), b.method.view());
  EXPECT_EQ(a.version.view(), b.version.view());
  EXPECT_EQ(a.host.view(), b.host.view());
  EXPECT_EQ(a.uri.view(), b.uri.view());
  EXPECT_EQ(a.user_agent.view(), b.user_agent.view());
  EXPECT_EQ(a.referer.view(), b.referer.view());
  EXPECT_EQ(a.accept.view(), b.accept.view());
  EXPECT_EQ(a.sec_fetch_dest.view(), b.sec_fetch_dest.view());
  EXPECT_EQ(a.sec_fetch_mode.view(), b.sec_fetch_mode.view());
  EXPECT_EQ(a.sec_fetch_site.view(), b.sec_fetch_site.view());
  EXPECT_EQ(a.sec_fetch_user.view(), b.sec_fetch_user.view());
  EXPECT_EQ(a.cookie_sent, b.cookie_sent);
  EXPECT_EQ(a.ts, b.ts);
}

inline void expect_same_response(const HttpResponse& a, const HttpResponse& b) {
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.version.view(), b.version.view());
  EXPECT_EQ(a.content_type.view(), b.content_type.view());
  EXPECT_EQ(a.content_length, b.content_length);
  EXPECT_EQ(a.cache_control.view(), b.cache_control.view());
  EXPECT_EQ(a.pragma.view(), b.pragma.view());
  EXPECT_EQ(a.expires.view(), b.expires.view());
  EXPECT_EQ(a.location.view(), b.location.view());
  EXPECT_EQ(a.set_cookie, b.set_cookie);
  EXPECT_EQ(a.image.format, b.image.format);
  EXPECT_EQ(a.image.dimensions_known, b.image.dimensions_known);
  EXPECT_EQ(a.image.width, b.image.width);
  EXPECT_EQ(a.image.height, b.image.height);
  EXPECT_EQ(a.ts, b.ts);
}

inline void expect_same(const std::vector<HttpTransaction>& a,
                        const std::vector<HttpTransaction>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].has_request, b[i].has_request);
    EXPECT_EQ(a[i].has_response, b[i].has_response);
    expect_same_request(a[i].request, b[i].request);
    expect_same_response(a[i].response, b[i].response);
  }
}

}  // namespace bw::extract::http::testing
