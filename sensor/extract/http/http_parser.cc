#include "sensor/extract/http/http_parser.h"

#include <algorithm>
#include <cstring>

#include "sensor/extract/image/image_sniffer.h"

namespace bw::extract::http {

bool looks_like_http_request(ByteSpan first_bytes) {
  return match_request_start(first_bytes, /*known_methods_only=*/true) == StartMatch::kYes;
}

void HttpParser::reset() {
  client_ = Stream{};
  server_ = Stream{};
  head_ = 0;
  pending_ = 0;
  awaiting_sniff_ = false;
  peek_size_ = 0;
  // Slots and response_ are reinitialised when next put to use.
}

std::size_t HttpParser::on_client_bytes(ByteSpan data, TimestampNs ts, HttpTransactionSink& sink,
                                        HttpCounters& counters) {
  flush_abandoned_response(sink, counters);
  return run(data, [&](ByteSpan rest) { return client_step(rest, ts, sink, counters); });
}

std::size_t HttpParser::on_server_bytes(ByteSpan data, TimestampNs ts, HttpTransactionSink& sink,
                                        HttpCounters& counters) {
  flush_abandoned_response(sink, counters);
  return run(data, [&](ByteSpan rest) { return server_step(rest, ts, sink, counters); });
}

void HttpParser::on_gap(bool client_side, HttpCounters& counters) {
  ++counters.gaps;
  Stream& stream = client_side ? client_ : server_;
  if (stream.phase == Phase::kDead) return;
  if (stream.phase == Phase::kHeaders) {
    ++(client_side ? counters.requests_incomplete : counters.responses_incomplete);
  }
  // A response still waiting to be sniffed lost its body bytes: it goes out unsniffed with the
  // next call that has a sink (flush_abandoned_response).
  if (!client_side) peek_size_ = 0;
  // Bytes after a drop may well start a message, so the first position is a candidate.
  enter_resync(stream, /*at_line_start=*/true);
}

void HttpParser::finish(HttpTransactionSink& sink, HttpCounters& counters) {
  if (awaiting_sniff_) {
    response_.image = image::sniff_image(ByteSpan(peek_.data(), peek_size_));
    emit_response(sink, counters);
  }
  if (server_.phase == Phase::kHeaders) ++counters.responses_incomplete;
  if (client_.phase == Phase::kHeaders) ++counters.requests_incomplete;
  while (pending_ > 0)
    emit_oldest_unanswered(sink, counters);
  reset();
}

// Every step either consumes bytes, changes phase, or reports being blocked, so the loop ends.
template <typename StepFn>
std::size_t HttpParser::run(ByteSpan data, StepFn&& step) {
  std::size_t consumed = 0;
  while (consumed < data.size()) {
    const Step result = step(data.subspan(consumed));
    consumed += result.consumed;
    if (result.blocked) break;
  }
  return consumed;
}

// ---- Shared by both directions ----------------------------------------------------------------

std::optional<HttpParser::Step> HttpParser::skip_blank_line(ByteSpan data) {
  // Stray CRLFs between messages are tolerated (RFC 9112 2.2); a lone CR may be half of one.
  if (const std::size_t n = empty_line_length(data)) return Step{n, false};
  if (data.size() == 1 && data[0] == '\r') return Step{0, true};
  return std::nullopt;
}

HttpParser::Step HttpParser::reject_start(Stream& stream, ByteSpan data, std::uint64_t& non_http,
                                          std::uint64_t& malformed) {
  if (!client_.message_seen && !server_.message_seen) {
    // Not HTTP at all (TLS on port 80, a custom protocol): give the direction up for good.
    ++non_http;
    stream.phase = Phase::kDead;
    return {data.size(), false};
  }
  // The connection is HTTP, so this is a framing slip or a capture that began (or lost bytes)
  // mid-message: look for the next message.
  ++malformed;
  enter_resync(stream, /*at_line_start=*/false);
  return {0, false};
}

HttpParser::Step HttpParser::resync_at_line_start(Stream& stream, ByteSpan data,
                                                  HttpCounters& counters) {
  if (stream.at_line_start) {
    switch (match_request_start(data, /*known_methods_only=*/true)) {
      case StartMatch::kYes:
        ++counters.resyncs;
        stream.phase = Phase::kStartLine;
        return {0, false};
      case StartMatch::kNeedMore:
        return {0, true};
      case StartMatch::kNo:
        stream.at_line_start = false;
        break;
    }
  }
  const void* lf = std::memchr(data.data(), '\n', data.size());
  if (lf == nullptr) return {data.size(), false};
  stream.at_line_start = true;
  return {static_cast<std::size_t>(static_cast<const std::uint8_t*>(lf) - data.data()) + 1, false};
}

// Response bodies rarely end with a line break, so after a gap in one the next status line does
// not start a line: "HTTP/" is looked for anywhere, and the status line parser then vets it.
HttpParser::Step HttpParser::resync_anywhere(Stream& stream, ByteSpan data,
                                             HttpCounters& counters) {
  std::size_t from = 0;
  while (from < data.size()) {
    const void* h = std::memchr(data.data() + from, 'H', data.size() - from);
    if (h == nullptr) break;
    const std::size_t at =
        static_cast<std::size_t>(static_cast<const std::uint8_t*>(h) - data.data());
    switch (match_response_start(data.subspan(at))) {
      case StartMatch::kYes:
        ++counters.resyncs;
        stream.phase = Phase::kStartLine;
        return {at, false};
      case StartMatch::kNeedMore:
        return {at, true};
      case StartMatch::kNo:
        from = at + 1;
        break;
    }
  }
  return {data.size(), false};
}

void HttpParser::enter_resync(Stream& stream, bool at_line_start) {
  stream.phase = Phase::kResync;
  stream.at_line_start = at_line_start;
  stream.scanned = 0;
  stream.header_bytes = 0;
  stream.last_field = FieldId::kNone;
}

HttpParser::Line HttpParser::next_line(Stream& stream, ByteSpan data) {
  const std::optional<std::size_t> end = find_line_end(data, stream.scanned);
  const std::size_t budget = kMaxHeaderBytes - std::min(stream.header_bytes, kMaxHeaderBytes);
  if (!end) {
    return data.size() >= budget ? Line{LineStatus::kTooLarge, data.size()} : Line{};
  }
  if (*end > budget) return {LineStatus::kTooLarge, *end};
  stream.header_bytes += *end;
  return {LineStatus::kComplete, *end, line_text(data.first(*end))};
}

HttpParser::Step HttpParser::drop_oversized(Stream& stream, ByteSpan data, std::size_t bytes,
                                            HttpCounters& counters) {
  ++counters.header_block_too_large;
  enter_resync(stream, /*at_line_start=*/data[bytes - 1] == '\n');
  return {bytes, false};
}

void HttpParser::begin_headers(Stream& stream) {
  stream.phase = Phase::kHeaders;
  stream.message_seen = true;
  stream.last_field = FieldId::kNone;
  stream.body_fields = BodyFields{};
}

template <typename Record>
HttpParser::HeaderEvent HttpParser::apply_header_line(Stream& stream, std::string_view text,
                                                      Record& record, HttpCounters& counters) {
  if (text.empty()) return HeaderEvent::kEnd;
  if (is_continuation_line(text)) {
    ++counters.obs_fold_lines;
    continue_field(stream.last_field, text, record);
    return HeaderEvent::kField;
  }
  HeaderField field;
  if (split_header_field(text, field)) {
    stream.last_field = apply_field(field, record, stream.body_fields, counters);
  } else {
    ++counters.header_malformed;
    stream.last_field = FieldId::kNone;
  }
  return HeaderEvent::kField;
}

HttpParser::Step HttpParser::body_step(Stream& stream, ByteSpan data, HttpCounters& counters) {
  const BodyReader::Step step = stream.body.advance(data, stream.scanned);
  switch (step.status) {
    case BodyReader::Status::kMalformed:
      ++counters.chunk_malformed;
      enter_resync(stream, /*at_line_start=*/true);
      return {0, false};
    case BodyReader::Status::kNeedMore:
      return {0, true};
    case BodyReader::Status::kProgress:
      break;
  }
  if (stream.body.done()) {
    stream.phase = Phase::kStartLine;
    stream.header_bytes = 0;
  }
  return {step.consumed, false};
}

// ---- Client direction -------------------------------------------------------------------------

HttpParser::Step HttpParser::client_step(ByteSpan data, TimestampNs ts, HttpTransactionSink& sink,
                                         HttpCounters& counters) {
  switch (client_.phase) {
    case Phase::kStartLine:
      return client_start_line(data, ts, sink, counters);
    case Phase::kHeaders:
      return client_header_line(data, sink, counters);
    case Phase::kBody:
      return body_step(client_, data, counters);
    case Phase::kResync:
      return resync_at_line_start(client_, data, counters);
    case Phase::kDead:
      break;
  }
  return {data.size(), false};
}

HttpParser::Step HttpParser::client_start_line(ByteSpan data, TimestampNs ts,
                                               HttpTransactionSink& sink, HttpCounters& counters) {
  if (const std::optional<Step> blank = skip_blank_line(data)) return *blank;
  switch (match_request_start(data, /*known_methods_only=*/!client_.message_seen)) {
    case StartMatch::kNeedMore:
      return {0, true};
    case StartMatch::kNo:
      return reject_start(client_, data, counters.non_http_client, counters.request_line_malformed);
    case StartMatch::kYes:
      break;
  }
  const Line line = next_line(client_, data);
  if (line.status == LineStatus::kNeedMore) return {0, true};
  if (line.status == LineStatus::kTooLarge)
    return drop_oversized(client_, data, line.bytes, counters);
  RequestLine parsed;
  if (!parse_request_line(line.text, parsed)) {
    ++counters.request_line_malformed;
    enter_resync(client_, /*at_line_start=*/true);
    return {line.bytes, false};
  }
  HttpTransaction& transaction = request_in_progress();
  transaction = HttpTransaction{};
  transaction.has_request = true;
  HttpRequest& request = transaction.request;
  request.method.assign(parsed.method);
  request.uri.assign(parsed.target);
  request.version.assign(parsed.version);
  request.ts = ts;
  begin_headers(client_);
  if (parsed.simple) {
    ++counters.simple_requests;
    queue_request(sink, counters);
    client_.phase = Phase::kStartLine;
    client_.header_bytes = 0;
  }
  return {line.bytes, false};
}

HttpParser::Step HttpParser::client_header_line(ByteSpan data, HttpTransactionSink& sink,
                                                HttpCounters& counters) {
  const Line line = next_line(client_, data);
  if (line.status == LineStatus::kNeedMore) return {0, true};
  if (line.status == LineStatus::kTooLarge) {
    // Keep what the block gave so far: the request still pairs with its response.
    queue_request(sink, counters);
    return drop_oversized(client_, data, line.bytes, counters);
  }
  if (apply_header_line(client_, line.text, request_in_progress().request, counters) ==
      HeaderEvent::kEnd) {
    queue_request(sink, counters);
    start_request_body(counters);
  }
  return {line.bytes, false};
}

void HttpParser::queue_request(HttpTransactionSink& sink, HttpCounters& counters) {
  if (pending_ == kMaxPendingRequests) {
    ++counters.pending_overflow;
    emit_oldest_unanswered(sink, counters);
  }
  ++pending_;
  ++counters.requests;
}

void HttpParser::start_request_body(HttpCounters& counters) {
  const BodyFields& fields = client_.body_fields;
  client_.header_bytes = 0;
  if (fields.transfer_encoding_present) {
    if (fields.content_length_present) ++counters.content_length_with_transfer_encoding;
    if (!fields.chunked) {
      // RFC 9112 6.3: such a request body has no knowable end.
      ++counters.transfer_encoding_unsupported;
      enter_resync(client_, /*at_line_start=*/true);
      return;
    }
    client_.body.start(BodyReader::Framing::kChunked);
  } else if (!fields.content_length_valid) {
    enter_resync(client_, /*at_line_start=*/true);
    return;
  } else {
    client_.body.start(BodyReader::Framing::kLength, fields.content_length);
  }
  client_.phase = client_.body.done() ? Phase::kStartLine : Phase::kBody;
}

HttpTransaction& HttpParser::request_in_progress() {
  return slots_[(head_ + pending_) % kSlots];
}

// ---- Server direction -------------------------------------------------------------------------

HttpParser::Step HttpParser::server_step(ByteSpan data, TimestampNs ts, HttpTransactionSink& sink,
                                         HttpCounters& counters) {
  switch (server_.phase) {
    case Phase::kStartLine:
      return server_start_line(data, ts, sink, counters);
    case Phase::kHeaders:
      return server_header_line(data, sink, counters);
    case Phase::kBody:
      return server_body(data, sink, counters);
    case Phase::kResync:
      return resync_anywhere(server_, data, counters);
    case Phase::kDead:
      break;
  }
  return {data.size(), false};
}

HttpParser::Step HttpParser::server_start_line(ByteSpan data, TimestampNs ts,
                                               HttpTransactionSink& sink, HttpCounters& counters) {
  if (const std::optional<Step> blank = skip_blank_line(data)) return *blank;
  switch (match_response_start(data)) {
    case StartMatch::kNeedMore:
      return {0, true};
    case StartMatch::kNo:
      if (!server_.message_seen && pending_ > 0) {
        // The stream is picked up inside a body (the capture began late or lost the response
        // head): that response belongs to the oldest request, so the next one must not.
        emit_oldest_unanswered(sink, counters);
      }
      return reject_start(server_, data, counters.non_http_server, counters.status_line_malformed);
    case StartMatch::kYes:
      break;
  }
  const Line line = next_line(server_, data);
  if (line.status == LineStatus::kNeedMore) return {0, true};
  if (line.status == LineStatus::kTooLarge)
    return drop_oversized(server_, data, line.bytes, counters);
  StatusLine parsed;
  if (!parse_status_line(line.text, parsed)) {
    ++counters.status_line_malformed;
    enter_resync(server_, /*at_line_start=*/true);
    return {line.bytes, false};
  }
  response_ = HttpResponse{};
  response_.status = parsed.status;
  response_.version.assign(parsed.version);
  response_.ts = ts;
  begin_headers(server_);
  return {line.bytes, false};
}

HttpParser::Step HttpParser::server_header_line(ByteSpan data, HttpTransactionSink& sink,
                                                HttpCounters& counters) {
  const Line line = next_line(server_, data);
  if (line.status == LineStatus::kNeedMore) return {0, true};
  if (line.status == LineStatus::kTooLarge) {
    response_.content_length = reported_content_length(server_.body_fields);
    emit_response(sink, counters);
    return drop_oversized(server_, data, line.bytes, counters);
  }
  if (apply_header_line(server_, line.text, response_, counters) == HeaderEvent::kEnd) {
    complete_response(sink, counters);
  }
  return {line.bytes, false};
}

void HttpParser::complete_response(HttpTransactionSink& sink, HttpCounters& counters) {
  server_.header_bytes = 0;
  response_.content_length = reported_content_length(server_.body_fields);
  const std::uint16_t status = response_.status;
  if (status < 200 && status != 101) {
    // 100 Continue, 103 Early Hints: the final response to the same request follows.
    ++counters.interim_responses;
    server_.phase = Phase::kStartLine;
    return;
  }
  const HttpRequest* request = oldest_pending();
  const bool tunnel = status == 101 || (request != nullptr && request->method == "CONNECT" &&
                                        status >= 200 && status < 300);
  if (tunnel) {
    // What follows is another protocol (WebSocket, TLS through a proxy).
    ++counters.protocol_switches;
    emit_response(sink, counters);
    client_.phase = Phase::kDead;
    server_.phase = Phase::kDead;
    return;
  }
  start_response_body(sink, counters);
}

void HttpParser::start_response_body(HttpTransactionSink& sink, HttpCounters& counters) {
  server_.body.start(response_framing(counters), server_.body_fields.content_length);
  if (server_.body.done()) {
    server_.phase = Phase::kStartLine;
    emit_response(sink, counters);
    return;
  }
  server_.phase = Phase::kBody;
  if (server_.body_fields.content_coded) {
    ++counters.coded_bodies_not_sniffed;
    emit_response(sink, counters);
    return;
  }
  awaiting_sniff_ = true;
  peek_size_ = 0;
}

// RFC 9112 6.3, in its order of precedence.
BodyReader::Framing HttpParser::response_framing(HttpCounters& counters) const {
  const HttpRequest* request = oldest_pending();
  const std::uint16_t status = response_.status;
  if ((request != nullptr && request->method == "HEAD") || status == 204 || status == 304) {
    return BodyReader::Framing::kNone;
  }
  const BodyFields& fields = server_.body_fields;
  if (fields.transfer_encoding_present) {
    if (fields.content_length_present) ++counters.content_length_with_transfer_encoding;
    return fields.chunked ? BodyReader::Framing::kChunked : BodyReader::Framing::kUntilClose;
  }
  if (fields.content_length_present && fields.content_length_valid) {
    return BodyReader::Framing::kLength;
  }
  return BodyReader::Framing::kUntilClose;
}

HttpParser::Step HttpParser::server_body(ByteSpan data, HttpTransactionSink& sink,
                                         HttpCounters& counters) {
  if (awaiting_sniff_ && !sniff_when_ready(data, sink, counters)) return {0, true};
  const Step step = body_step(server_, data, counters);
  // The body ended (a zero-size first chunk) or broke before any content could be sniffed.
  if (awaiting_sniff_ && server_.phase != Phase::kBody) emit_response(sink, counters);
  return step;
}

// Returns false while the wanted first body bytes are not all there yet.
bool HttpParser::sniff_when_ready(ByteSpan data, HttpTransactionSink& sink,
                                  HttpCounters& counters) {
  const std::uint64_t ahead = server_.body.content_ahead();
  if (ahead == 0) return true;  // a chunk-size line comes first
  const std::size_t want =
      static_cast<std::size_t>(std::min<std::uint64_t>(kSniffWantBytes, ahead));
  if (data.size() < want) {
    peek_size_ = data.size();
    std::memcpy(peek_.data(), data.data(), peek_size_);
    return false;
  }
  const std::size_t look = static_cast<std::size_t>(
      std::min<std::uint64_t>(ahead, std::min(data.size(), kSniffMaxBytes)));
  response_.image = image::sniff_image(data.first(look));
  emit_response(sink, counters);
  return true;
}

void HttpParser::flush_abandoned_response(HttpTransactionSink& sink, HttpCounters& counters) {
  if (awaiting_sniff_ && server_.phase != Phase::kBody) emit_response(sink, counters);
}

// ---- Pairing ----------------------------------------------------------------------------------

void HttpParser::emit_response(HttpTransactionSink& sink, HttpCounters& counters) {
  awaiting_sniff_ = false;
  peek_size_ = 0;
  ++counters.responses;
  ++counters.transactions;
  if (response_.image.format != ImageFormat::kNone) ++counters.images_recognised;
  if (pending_ == 0) {
    ++counters.responses_without_request;
    HttpTransaction& orphan = slots_[(head_ + 1) % kSlots];
    orphan = HttpTransaction{};
    orphan.has_response = true;
    orphan.response = response_;
    sink.on_http_transaction(orphan);
    return;
  }
  HttpTransaction& transaction = slots_[head_];
  transaction.has_response = true;
  transaction.response = response_;
  sink.on_http_transaction(transaction);
  head_ = (head_ + 1) % kSlots;
  --pending_;
}

void HttpParser::emit_oldest_unanswered(HttpTransactionSink& sink, HttpCounters& counters) {
  ++counters.requests_without_response;
  ++counters.transactions;
  sink.on_http_transaction(slots_[head_]);
  head_ = (head_ + 1) % kSlots;
  --pending_;
}

const HttpRequest* HttpParser::oldest_pending() const {
  return pending_ > 0 ? &slots_[head_].request : nullptr;
}

}  // namespace bw::extract::http
