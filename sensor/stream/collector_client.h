// The sender side of the collector stream (proto/beaconwatch/v1/collector.proto).
//
// One sender thread owns the connection: it opens a stream, sends Hello, reads the Welcome and
// skips (acknowledges locally) what the collector already stores, then reads events from the
// spool after its cursor, batches them and keeps up to max_batches_in_flight batches
// unacknowledged. A reader thread per stream hands Welcome and Acks over; the sender applies the
// Acks to the spool, so the spool keeps one consumer thread. Any stream error ends the attempt;
// the sender logs it, waits (exponential backoff with jitter) and reconnects, resending from the
// spool's acknowledged sequence (the collector stores each sequence once).
//
// The producer (the exporter thread, through StreamingWriter) only appends to the spool and calls
// notify_appended(): it never waits for the network. The sender is woken when a batch is due
// (batch_max_events pending) or when it sleeps with nothing to send; otherwise it takes the batch
// once batch_max_delay has passed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sensor/common/counters.h"
#include "sensor/service/heartbeat.h"
#include "sensor/stream/spool.h"

namespace grpc {
class ChannelCredentials;
class ClientContext;
}  // namespace grpc

namespace beaconwatch::v1 {
class Ack;
class Welcome;
class StreamRequest;
}  // namespace beaconwatch::v1

namespace bw::stream {

#define BW_STREAM_COUNTERS(X) \
  X(connects)                 \
  X(connect_failures)         \
  X(stream_errors)            \
  X(batches_sent)             \
  X(events_sent)              \
  X(acks)                     \
  X(events_acknowledged)      \
  X(events_already_stored)    \
  X(duplicates_reported)      \
  X(resends)                  \
  X(oversized_events_skipped) \
  X(unparsable_events_skipped)

// connect_failures: attempts that ended before a Welcome; stream_errors: streams that ended after
// one. events_acknowledged counts events of acknowledged batches, events_already_stored those the
// Welcome said were stored (sent before a lost Ack); together they are what was delivered.
struct StreamCounters {
  BW_DECLARE_COUNTERS(BW_STREAM_COUNTERS)
};

struct CollectorClientOptions {
  std::string address;  // HOST:PORT
  // The product builds mutual TLS credentials (make_tls_credentials); tests pass insecure ones
  // to an in-process collector.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string server_name;  // TLS name override; empty: the host of address
  std::string sensor_id;
  std::string software_version;
  std::size_t batch_max_events = 500;
  std::size_t batch_max_bytes = 1u << 20;
  std::chrono::milliseconds batch_max_delay{200};
  std::chrono::milliseconds backoff_initial{200};
  std::chrono::milliseconds backoff_max{10000};
  std::uint32_t max_batches_in_flight = 8;
  // A collector that accepts a connection but sends no Welcome, or stops acknowledging, is
  // treated as a broken stream after these.
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds ack_timeout{30000};
  // How often the sender fsyncs the spool (Spool::sync).
  std::chrono::milliseconds sync_interval{1000};
  std::uint64_t jitter_seed = 0;  // 0: random
  // One log line, without prefix or newline. Default: stderr, "bw-sensor: collector: " prefix.
  std::function<void(const std::string&)> log;
};

// gRPC status code name as in the collector's log lines ("UNAVAILABLE").
const char* status_code_name(int code);

class CollectorClient {
 public:
  // `spool` must outlive the client. Nothing happens before start().
  CollectorClient(Spool& spool, CollectorClientOptions options);
  ~CollectorClient();
  CollectorClient(const CollectorClient&) = delete;
  CollectorClient& operator=(const CollectorClient&) = delete;

  void start();
  // Cancels the stream in progress and joins the threads; events stay in the spool. Idempotent.
  void stop();

  // Producer thread only, after each successful Spool::append.
  void notify_appended(std::uint64_t sequence);

  // Sends whatever is pending without waiting for full batches and waits until the spool holds
  // nothing unacknowledged. False on timeout (the events stay in the spool).
  bool drain(std::chrono::milliseconds timeout);

  bool connected() const { return connected_.load(std::memory_order_relaxed); }
  StreamCounters counters() const;
  // The sender thread's sign of life for the service watchdog: it beats at least every
  // sync_interval, streaming, waiting to retry or idle.
  const service::Heartbeat& sender_heartbeat() const { return sender_heartbeat_; }

 private:
  struct Attempt;
  struct AttemptEnd;
  struct BatchFill;
  using Clock = std::chrono::steady_clock;
  service::Heartbeat sender_heartbeat_;

  void run();
  AttemptEnd attempt_stream();
  bool await_welcome(Attempt& attempt);
  void skip_stored(Attempt& attempt, const beaconwatch::v1::Welcome& welcome);
  void stream_batches(Attempt& attempt);
  bool wait_for_work(Attempt& attempt, std::vector<beaconwatch::v1::Ack>& acks);
  bool batch_due(Attempt& attempt, Clock::time_point now);
  bool send_next_batch(Attempt& attempt);
  BatchFill fill_batch(Attempt& attempt, std::size_t budget);
  void skip_event(Attempt& attempt, const SpooledEvent& event, bool oversized);
  void apply_acks(Attempt& attempt, const std::vector<beaconwatch::v1::Ack>& acks);
  void settle_local_skips(Attempt& attempt);
  void read_responses(Attempt& attempt);
  void sleep_unless_stopped(std::chrono::milliseconds delay);
  void sync_if_due(Clock::time_point now);
  std::uint64_t unsent_after(std::uint64_t cursor) const;
  bool stop_requested();
  void log(const std::string& line) const;

  Spool& spool_;
  CollectorClientOptions options_;
  std::thread sender_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;      // the sender waits on it
  std::condition_variable progress_;  // drain() waits on it
  bool stopping_ = false;
  std::atomic<bool> draining_{false};
  Attempt* attempt_ = nullptr;  // the stream in progress, for stop() and the reader thread
  StreamCounters counters_;

  std::atomic<std::uint64_t> appended_through_{0};
  std::atomic<bool> sender_idle_{false};
  std::atomic<bool> connected_{false};
  std::uint64_t unsignalled_appends_ = 0;  // producer thread only

  // Sender thread only.
  std::uint64_t highest_sent_ = 0;
  Clock::time_point next_sync_{};
  bool oversized_logged_ = false;
  std::vector<SpooledEvent> read_buffer_;
  std::unique_ptr<beaconwatch::v1::StreamRequest> request_;
};

}  // namespace bw::stream
