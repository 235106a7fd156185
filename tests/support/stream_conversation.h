// The test side of the streaming-parser contract (HTTP, SMTP): a caller that keeps what the parser
// leaves unconsumed and presents it again with the next bytes, as the flow stage does, and checks
// that the parser never claims more than it was shown nor leaves more pending than its bound.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "sensor/common/bytes.h"
#include "sensor/common/time.h"

namespace bw::testing {

template <typename Parser, typename Sink, typename Counters, std::size_t kMaxPending>
class StreamConversation {
 public:
  // Returns what the parser consumed of the bytes it was shown.
  std::size_t client(std::string_view bytes, TimestampNs ts = 1000) {
    return feed(client_pending_, bytes, ts, true);
  }
  std::size_t server(std::string_view bytes, TimestampNs ts = 2000) {
    return feed(server_pending_, bytes, ts, false);
  }
  const std::string& client_pending() const { return client_pending_; }
  const std::string& server_pending() const { return server_pending_; }
  const Counters& counters() const { return counters_; }

 protected:
  void drop_pending(bool client_side) { (client_side ? client_pending_ : server_pending_).clear(); }

  std::unique_ptr<Parser> parser_ = std::make_unique<Parser>();
  Sink sink_;
  Counters counters_;

 private:
  std::size_t feed(std::string& pending, std::string_view bytes, TimestampNs ts, bool client) {
    pending.append(bytes);
    const ByteSpan data(reinterpret_cast<const std::uint8_t*>(pending.data()), pending.size());
    const std::size_t consumed = client ? parser_->on_client_bytes(data, ts, sink_, counters_)
                                        : parser_->on_server_bytes(data, ts, sink_, counters_);
    EXPECT_LE(consumed, pending.size());
    pending.erase(0, consumed);
    EXPECT_LE(pending.size(), kMaxPending);
    return consumed;
  }

  std::string client_pending_;
  std::string server_pending_;
};

}  // namespace bw::testing
