// HTTP/1.x transaction extraction for one TCP connection: requests and responses are parsed as
// their bytes arrive, paired in order (pipelining included), and handed to a sink once the
// response's first body bytes have been sniffed for an image.
//
// The parser keeps no copy of the stream. What it cannot use yet (a start line or header line
// still incomplete, or a body prefix too short to sniff) is left unconsumed, and the caller
// presents it again, followed by newer bytes, on the next call. Fixed size and heap-free, so
// parsers can live in a preallocated per-flow pool.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "sensor/common/bytes.h"
#include "sensor/common/counters.h"
#include "sensor/common/time.h"
#include "sensor/extract/http/body_reader.h"
#include "sensor/extract/http/header_fields.h"
#include "sensor/extract/http/http_syntax.h"
#include "sensor/extract/records.h"

namespace bw::extract::http {

// requests / responses: header blocks completed (interim 1xx responses not included);
// transactions: records handed to the sink. The rest are anomalies worth a look:
//   simple_requests            HTTP/0.9 "GET target" lines, queued without a header block
//   header_block_too_large     over kMaxHeaderBytes: what was parsed is kept, then resync
//   duplicate_header           a repeated single-valued field (Host, Location...): first kept
//   content_length_invalid     unparsable, or conflicting repeated values
//   content_length_with_transfer_encoding   both framings at once: a request smuggling tell
//   transfer_encoding_unsupported   a request coding list not ending in chunked: no knowable end
//   non_http_client/_server    a connection that never spoke HTTP: the direction is given up
//   pending_overflow           more than kMaxPendingRequests unanswered: oldest emitted early
//   interim_responses          1xx other than 101: not paired, the final response follows
//   protocol_switches          101 or a 2xx to CONNECT: both directions stop being parsed
//   resyncs                    a message start found again after a gap or a framing error
//   requests/responses_incomplete   a header block cut by a gap or the end of the flow
//   coded_bodies_not_sniffed   Content-Encoding set: the first body bytes are not the image
#define BW_HTTP_COUNTERS(X)                \
  X(requests)                              \
  X(responses)                             \
  X(transactions)                          \
  X(request_line_malformed)                \
  X(simple_requests)                       \
  X(status_line_malformed)                 \
  X(header_malformed)                      \
  X(header_block_too_large)                \
  X(obs_fold_lines)                        \
  X(duplicate_header)                      \
  X(content_length_invalid)                \
  X(content_length_with_transfer_encoding) \
  X(transfer_encoding_unsupported)         \
  X(chunk_malformed)                       \
  X(non_http_client)                       \
  X(non_http_server)                       \
  X(pending_overflow)                      \
  X(responses_without_request)             \
  X(requests_without_response)             \
  X(interim_responses)                     \
  X(protocol_switches)                     \
  X(gaps)                                  \
  X(resyncs)                               \
  X(requests_incomplete)                   \
  X(responses_incomplete)                  \
  X(images_recognised)                     \
  X(coded_bodies_not_sniffed)

struct HttpCounters {
  BW_DECLARE_COUNTERS(BW_HTTP_COUNTERS)
};

class HttpTransactionSink {
 public:
  virtual void on_http_transaction(const HttpTransaction& t) = 0;

 protected:
  ~HttpTransactionSink() = default;
};

// A registered method token followed by a space: enough to take a new stream for HTTP.
bool looks_like_http_request(ByteSpan first_bytes);

class HttpParser {
 public:
  static constexpr std::size_t kMaxPendingRequests = 4;
  static constexpr std::size_t kMaxHeaderBytes = http::kMaxHeaderBytes;
  // Body bytes wanted before sniffing (fewer when the body or first chunk is shorter), and the
  // most looked at when more are contiguous (a JPEG frame header often lies past the first 64).
  static constexpr std::size_t kSniffWantBytes = 64;
  static constexpr std::size_t kSniffMaxBytes = 4096;

  void reset();
  // Each direction's bytes in stream order; returns how many were consumed. See the file comment
  // for what is left unconsumed. Once a direction is found not to be HTTP, everything is consumed.
  std::size_t on_client_bytes(ByteSpan data, TimestampNs ts, HttpTransactionSink& sink,
                              HttpCounters& counters);
  std::size_t on_server_bytes(ByteSpan data, TimestampNs ts, HttpTransactionSink& sink,
                              HttpCounters& counters);
  // Bytes were lost in one direction: resynchronise at the next plausible message start.
  void on_gap(bool client_side, HttpCounters& counters);
  // The flow ended: emits a response whose body was delimited by the close (sniffed from the
  // bytes last left unconsumed), then every unanswered request. Leaves the parser reset.
  void finish(HttpTransactionSink& sink, HttpCounters& counters);

 private:
  enum class Phase : std::uint8_t { kStartLine, kHeaders, kBody, kResync, kDead };

  // Parsing state of one direction.
  struct Stream {
    Phase phase = Phase::kStartLine;
    bool message_seen =
        false;  // a start line parsed: garbage is then a slip, not a foreign protocol
    bool at_line_start = true;  // while resynchronising a request stream
    std::size_t scanned = 0;    // find_line_end hint
    std::size_t header_bytes = 0;
    FieldId last_field = FieldId::kNone;  // what an obs-fold line continues
    BodyFields body_fields;
    BodyReader body;
  };

  struct Step {
    std::size_t consumed = 0;
    bool blocked = false;  // nothing more can be done until more bytes arrive
  };

  enum class LineStatus : std::uint8_t { kComplete, kNeedMore, kTooLarge };
  struct Line {
    LineStatus status = LineStatus::kNeedMore;
    std::size_t bytes = 0;  // the line with its LF; for kTooLarge, what to drop
    std::string_view text;
  };
  enum class HeaderEvent : std::uint8_t { kField, kEnd };

  template <typename StepFn>
  static std::size_t run(ByteSpan data, StepFn&& step);

  // Shared by both directions.
  static std::optional<Step> skip_blank_line(ByteSpan data);
  Step reject_start(Stream& stream, ByteSpan data, std::uint64_t& non_http,
                    std::uint64_t& malformed);
  // Requests are looked for at line starts, responses anywhere.
  static Step resync_at_line_start(Stream& stream, ByteSpan data, HttpCounters& counters);
  static Step resync_anywhere(Stream& stream, ByteSpan data, HttpCounters& counters);
  static void enter_resync(Stream& stream, bool at_line_start);
  static Line next_line(Stream& stream, ByteSpan data);
  static Step drop_oversized(Stream& stream, ByteSpan data, std::size_t bytes,
                             HttpCounters& counters);
  static void begin_headers(Stream& stream);
  template <typename Record>
  static HeaderEvent apply_header_line(Stream& stream, std::string_view text, Record& record,
                                       HttpCounters& counters);
  static Step body_step(Stream& stream, ByteSpan data, HttpCounters& counters);

  // Client direction.
  Step client_step(ByteSpan data, TimestampNs ts, HttpTransactionSink& sink,
                   HttpCounters& counters);
  Step client_start_line(ByteSpan data, TimestampNs ts, HttpTransactionSink& sink,
                         HttpCounters& counters);
  Step client_header_line(ByteSpan data, HttpTransactionSink& sink, HttpCounters& counters);
  void queue_request(HttpTransactionSink& sink, HttpCounters& counters);
  void start_request_body(HttpCounters& counters);
  HttpTransaction& request_in_progress();

  // Server direction.
  Step server_step(ByteSpan data, TimestampNs ts, HttpTransactionSink& sink,
                   HttpCounters& counters);
  Step server_start_line(ByteSpan data, TimestampNs ts, HttpTransactionSink& sink,
                         HttpCounters& counters);
  Step server_header_line(ByteSpan data, HttpTransactionSink& sink, HttpCounters& counters);
  Step server_body(ByteSpan data, HttpTransactionSink& sink, HttpCounters& counters);
  void complete_response(HttpTransactionSink& sink, HttpCounters& counters);
  BodyReader::Framing response_framing(HttpCounters& counters) const;
  bool sniff_when_ready(ByteSpan data, HttpTransactionSink& sink, HttpCounters& counters);
  void start_response_body(HttpTransactionSink& sink, HttpCounters& counters);
  void flush_abandoned_response(HttpTransactionSink& sink, HttpCounters& counters);

  // Pairing.
  void emit_response(HttpTransactionSink& sink, HttpCounters& counters);
  void emit_oldest_unanswered(HttpTransactionSink& sink, HttpCounters& counters);
  const HttpRequest* oldest_pending() const;

  static constexpr std::size_t kSlots = kMaxPendingRequests + 1;

  Stream client_;
  Stream server_;
  // Ring of requests: pending_ complete ones from head_ in arrival order, then the one being
  // parsed. With none pending, the slot after head_ carries a response without a request.
  std::array<HttpTransaction, kSlots> slots_;
  std::size_t head_ = 0;
  std::size_t pending_ = 0;
  HttpResponse response_;        // being parsed; copied into its transaction when emitted
  bool awaiting_sniff_ = false;  // response_ waits for its first body bytes
  std::array<std::uint8_t, kSniffWantBytes> peek_{};  // body bytes left unconsumed, for finish()
  std::size_t peek_size_ = 0;
};

}  // namespace bw::extract::http
