// Drives one HttpParser through a scripted conversation. The input is a list of commands:
//   op (1 byte), length (2 bytes, big-endian), then `length` bytes for the data ops.
//   op % 4: 0 client bytes, 1 server bytes, 2 gap on the client side, 3 gap on the server side.
// Each direction keeps what the parser left unconsumed and presents it again, as the flow stage
// does; the fuzzer checks that bound as well as memory safety.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "sensor/extract/http/http_parser.h"
#include "tests/fuzz/stream_feed.h"

namespace {

using bw::extract::HttpTransaction;
using bw::extract::http::HttpCounters;
using bw::extract::http::HttpParser;

class TouchingSink : public bw::extract::http::HttpTransactionSink {
 public:
  void on_http_transaction(const HttpTransaction& t) override {
    // Reading every text field lets the sanitizers see any record built from stale bytes.
    checksum_ += t.request.uri.size() + t.request.host.size() + t.response.content_type.size() +
                 t.response.location.size() + t.response.image.width;
  }
  std::size_t checksum_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto parser = std::make_unique<HttpParser>();
  parser->reset();
  TouchingSink sink;
  HttpCounters counters;
  std::vector<std::uint8_t> pending[2];
  std::size_t pos = 0;
  while (size - pos >= 3) {
    const int op = data[pos] % 4;
    std::size_t length = (std::size_t{data[pos + 1]} << 8) | data[pos + 2];
    pos += 3;
    if (op >= 2) {
      pending[op - 2].clear();
      parser->on_gap(op == 2, counters);
      continue;
    }
    if (length > size - pos) length = size - pos;
    bw::fuzz::feed_stream(*parser, pending[op], data + pos, length, op == 0, sink, counters,
                          HttpParser::kMaxHeaderBytes);
    pos += length;
  }
  parser->finish(sink, counters);
  return 0;
}
