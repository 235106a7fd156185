// The collector's side of the sensor stream (contract: proto/beaconwatch/v1/collector.proto).
//
// One handler thread per stream runs a small state machine: hello -> welcome, then for each
// batch validate -> commit -> SIEM output -> ack. Nothing is acknowledged before the store has
// committed it, and a batch that fails validation is refused whole, so the store only ever holds
// events that came under the certificate's identity, each (sensor_id, stream_epoch, sequence)
// once.
//
// The state machine talks to a StreamTransport rather than to gRPC, so tests drive it without a
// network; CollectorService::Stream adapts the gRPC stream to it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "beaconwatch/v1/collector.grpc.pb.h"
#include "collector/store.h"
#include "sensor/common/counters.h"

namespace bw::collector {

// Kept in memory per sensor, summed over its streams since the collector started.
#define BW_SENSOR_STREAM_COUNTERS(X) \
  X(streams)                         \
  X(batches_acknowledged)            \
  X(events_inserted)                 \
  X(events_duplicate)                \
  X(rejections)

struct SensorCounters {
  BW_DECLARE_COUNTERS(BW_SENSOR_STREAM_COUNTERS)
};

// What a stream has accepted so far; the next batch is judged against it.
struct StreamPosition {
  std::string sensor_id;  // from the client certificate
  // Last sequence of the previous accepted batch on this stream; 0 before the first batch.
  std::uint64_t last_sequence = 0;
  // From the Hello: the sensor spool's epoch, 0 for a sensor from before epochs. Every event of
  // the stream must carry it.
  std::uint64_t stream_epoch = 0;
};

// Whether `batch` may be stored: OK, or the status that ends the stream with the reason.
// Pure (no store, no I/O) so the fuzz target can call it on arbitrary input.
grpc::Status validate_batch(const beaconwatch::v1::EventBatch& batch,
                            const StreamPosition& position);

// "INVALID_ARGUMENT" etc., as in the log lines and the docs.
std::string_view status_code_name(grpc::StatusCode code);

// Receives the events each committed batch newly stored (duplicates excluded), in order.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void write_new_events(const std::vector<const beaconwatch::v1::Event*>& events) = 0;
};

// One complete line (no newline) for the operator's log; called from several stream threads.
using LogSink = std::function<void(const std::string& line)>;
// The default LogSink: the line and its newline in one write, so concurrent lines stay whole.
void log_to_stderr(const std::string& line);

enum class StreamEnd { kReplaced, kShutdown };

// Per-sensor state in memory: which stream currently speaks for each sensor, and counters.
//
// A sensor has at most one stream: a newer stream replaces the older one, which is cancelled
// (a sensor that reconnects after a network fault is the live one, while its old stream may
// linger half-open until TCP notices). The newer stream waits, boundedly, for the older one to
// finish its in-flight batch so the welcome reports what the store really holds.
class SensorRegistry {
 public:
  using Cancel = std::function<void(StreamEnd)>;

  // Makes the caller the sensor's stream; `cancel` is how a later stream (or shutdown) ends it.
  // Returns a token for release(), or 0 when the collector is shutting down. The previous
  // stream's peer, if one was replaced, is put in `replaced_peer`.
  std::uint64_t claim(const std::string& sensor_id, const std::string& peer, Cancel cancel,
                      std::chrono::milliseconds wait_for_previous, std::string& replaced_peer);
  // Adds the stream's counters to the sensor's totals and gives up the sensor if still held.
  void release(const std::string& sensor_id, std::uint64_t token, const SensorCounters& stream);
  // Refuses new streams and cancels the live ones; each finishes its in-flight batch.
  void shut_down();

  SensorCounters totals(const std::string& sensor_id) const;
  std::vector<std::pair<std::string, SensorCounters>> snapshot() const;

 private:
  struct Sensor {
    std::uint64_t token = 0;  // 0: no live stream
    std::string peer;
    Cancel cancel;
    SensorCounters totals;
  };
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::map<std::string, Sensor, std::less<>> sensors_;
  std::uint64_t next_token_ = 1;
  bool shutting_down_ = false;
};

// The network side of one stream, as the state machine sees it.
class StreamTransport {
 public:
  virtual ~StreamTransport() = default;
  // False once the sensor closed its side or the stream broke.
  virtual bool read(beaconwatch::v1::StreamRequest& request) = 0;
  virtual bool write(const beaconwatch::v1::StreamResponse& response) = 0;
  // Ends the stream from another thread: a pending or later read() returns false.
  virtual void cancel() = 0;
  // True when the stream was torn down under us (the sensor went away, or gRPC refused a
  // message over the size limit) rather than closed by the sensor.
  virtual bool aborted() = 0;
};

struct ServiceOptions {
  std::uint32_t max_message_bytes = 4096u * 1024u;
  std::chrono::milliseconds wait_for_replaced_stream{5000};
  LogSink log;
};

class CollectorService final : public beaconwatch::v1::Collector::Service {
 public:
  // `sink` may be null (no SIEM output). Store, sink and registry outlive the service.
  CollectorService(Store& store, EventSink* sink, SensorRegistry& registry, ServiceOptions options);

  grpc::Status Stream(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<beaconwatch::v1::StreamResponse,
                                               beaconwatch::v1::StreamRequest>* stream) override;

  // The whole exchange for one stream. `certificate_cn` is empty when the peer certificate
  // has no subject CN; `peer` names the remote end in log lines.
  grpc::Status run_stream(const std::string& certificate_cn, const std::string& peer,
                          StreamTransport& transport);

  void log(const std::string& line) const;

  // For --metrics, from any thread: refusals since the start by gRPC status, and the time spent
  // in the store's batch commits (with the store's batches_committed, the mean commit latency).
  void count_refusal(grpc::StatusCode code);
  std::uint64_t refusals(grpc::StatusCode code) const;
  void add_commit_time(std::chrono::nanoseconds spent);
  std::chrono::nanoseconds commit_time() const;

 private:
  // gRPC's status codes run from OK (0) to UNAUTHENTICATED (16).
  static constexpr std::size_t kStatusCodes = 17;
  Store& store_;
  EventSink* sink_;
  SensorRegistry& registry_;
  ServiceOptions options_;
  std::array<std::atomic<std::uint64_t>, kStatusCodes> refusals_{};
  std::atomic<std::int64_t> commit_ns_{0};
};

}  // namespace bw::collector
