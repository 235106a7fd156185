#include "collector/collector_service.h"

#include <atomic>
#include <cstdio>
#include <optional>
#include <thread>

#include "beaconwatch/v1/event.pb.h"
#include "sensor/common/grpc_status_name.h"

namespace bw::collector {

namespace v1 = beaconwatch::v1;

std::string_view status_code_name(grpc::StatusCode code) {
  return grpc_status_name(static_cast<int>(code));
}

grpc::Status validate_batch(const v1::EventBatch& batch, const StreamPosition& position) {
  if (batch.events().empty()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "empty batch " + std::to_string(batch.batch_id())};
  }
  std::uint64_t previous = position.last_sequence;
  bool first = true;
  for (const v1::Event& event : batch.events()) {
    if (event.sensor_id() != position.sensor_id) {
      return {grpc::StatusCode::PERMISSION_DENIED,
              "event " + std::to_string(event.sequence()) + " names sensor '" + event.sensor_id() +
                  "' but the certificate is '" + position.sensor_id + "'"};
    }
    if (event.sequence() == 0) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "sequence 0 (sequences start at 1)"};
    }
    // The store keys events on the epoch they carry, so one from another epoch would land
    // outside the sequence order this stream is judged by.
    if (event.stream_epoch() != position.stream_epoch) {
      return {grpc::StatusCode::INVALID_ARGUMENT,
              "event " + std::to_string(event.sequence()) + " has stream epoch " +
                  std::to_string(event.stream_epoch()) + " but the hello named " +
                  std::to_string(position.stream_epoch)};
    }
    if (event.sequence() <= previous) {
      if (first) {
        return {grpc::StatusCode::INVALID_ARGUMENT, "sequence going backwards: batch starts at " +
                                                        std::to_string(event.sequence()) +
                                                        " after " + std::to_string(previous)};
      }
      return {grpc::StatusCode::INVALID_ARGUMENT,
              "sequences not increasing within batch " + std::to_string(batch.batch_id()) + ": " +
                  std::to_string(event.sequence()) + " after " + std::to_string(previous)};
    }
    previous = event.sequence();
    first = false;
  }
  return grpc::Status::OK;
}

std::uint64_t SensorRegistry::claim(const std::string& sensor_id, const std::string& peer,
                                    Cancel cancel, std::chrono::milliseconds wait_for_previous,
                                    std::string& replaced_peer) {
  std::unique_lock lock(mutex_);
  if (shutting_down_) return 0;
  Sensor& sensor = sensors_[sensor_id];
  // A loop, not an if: when several newer streams race, each cancels whoever holds the sensor
  // when it wakes, so the last one standing is the only live stream.
  while (sensor.token != 0) {
    replaced_peer = sensor.peer;
    const std::uint64_t previous = sensor.token;
    sensor.cancel(StreamEnd::kReplaced);
    const bool released = released_.wait_for(
        lock, wait_for_previous, [&] { return sensor.token != previous || shutting_down_; });
    if (shutting_down_) return 0;
    // A stream stuck past the wait is overruled; the store's primary key still keeps each
    // event once if it commits late.
    if (!released) break;
  }
  sensor.token = next_token_++;
  sensor.peer = peer;
  sensor.cancel = std::move(cancel);
  return sensor.token;
}

void SensorRegistry::release(const std::string& sensor_id, std::uint64_t token,
                             const SensorCounters& stream) {
  std::lock_guard lock(mutex_);
  Sensor& sensor = sensors_[sensor_id];
  sensor.totals.add_from(stream);
  if (token != 0 && sensor.token == token) {
    sensor.token = 0;
    sensor.peer.clear();
    sensor.cancel = nullptr;
  }
  released_.notify_all();
}

void SensorRegistry::shut_down() {
  std::lock_guard lock(mutex_);
  shutting_down_ = true;
  for (auto& [id, sensor] : sensors_) {
    if (sensor.token != 0) sensor.cancel(StreamEnd::kShutdown);
  }
  released_.notify_all();
}

SensorCounters SensorRegistry::totals(const std::string& sensor_id) const {
  std::lock_guard lock(mutex_);
  const auto found = sensors_.find(sensor_id);
  return found == sensors_.end() ? SensorCounters{} : found->second.totals;
}

std::vector<std::pair<std::string, SensorCounters>> SensorRegistry::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, SensorCounters>> out;
  for (const auto& [id, sensor] : sensors_)
    out.emplace_back(id, sensor.totals);
  return out;
}

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_counters(const SensorCounters& counters) {
  std::string out;
  counters.for_each([&](std::string_view name, std::uint64_t value) {
    if (!out.empty()) out += ' ';
    out.append(name);
    out += '=';
    out += std::to_string(value);
  });
  return out;
}

constexpr auto kCancellationSettle = std::chrono::milliseconds(200);

class GrpcTransport final : public StreamTransport {
 public:
  GrpcTransport(grpc::ServerContext& context,
                grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>& stream)
      : context_(context), stream_(stream) {}
  bool read(v1::StreamRequest& request) override { return stream_.Read(&request); }
  bool write(const v1::StreamResponse& response) override { return stream_.Write(response); }
  void cancel() override { context_.TryCancel(); }
  // gRPC fails the read before it marks the call cancelled, so a read that failed because of the
  // size limit first looks like the sensor closing its side; the mark follows within
  // milliseconds. A clean close pays this wait once, at the end of the stream.
  bool aborted() override {
    const auto give_up = std::chrono::steady_clock::now() + kCancellationSettle;
    while (!context_.IsCancelled()) {
      if (std::chrono::steady_clock::now() >= give_up) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

 private:
  grpc::ServerContext& context_;
  grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>& stream_;
};

std::string certificate_cn(const grpc::ServerContext& context) {
  const auto auth = context.auth_context();
  if (!auth || !auth->IsPeerAuthenticated()) return {};
  const auto values = auth->FindPropertyValues("x509_common_name");
  if (values.empty()) return {};
  return std::string(values.front().data(), values.front().size());
}

// One request handled: nullopt keeps the stream going, a status ends it.
using Step = std::optional<grpc::Status>;

class StreamSession {
 public:
  StreamSession(CollectorService& service, Store& store, EventSink* sink, SensorRegistry& registry,
                const ServiceOptions& options, std::string cn, std::string peer,
                StreamTransport& transport)
      : service_(service),
        store_(store),
        sink_(sink),
        registry_(registry),
        options_(options),
        peer_(std::move(peer)),
        transport_(transport) {
    position_.sensor_id = std::move(cn);
  }

  grpc::Status run() {
    grpc::Status status = greet();
    if (status.ok() && token_ != 0) status = serve_batches();
    if (!position_.sensor_id.empty()) registry_.release(position_.sensor_id, token_, counters_);
    if (token_ != 0) {
      service_.log(
          "bw-collector: " + position_.sensor_id + ": stream from " + peer_ + " ended with " +
          std::string(status_code_name(status.error_code())) + ": " + format_counters(counters_) +
          " (sensor totals: " + format_counters(registry_.totals(position_.sensor_id)) + ")");
    }
    return status;
  }

 private:
  grpc::Status greet() {
    if (position_.sensor_id.empty()) {
      return reject({grpc::StatusCode::UNAUTHENTICATED, "client certificate has no subject CN"});
    }
    v1::StreamRequest request;
    if (!transport_.read(request)) return closed_by_transport();
    if (!request.has_hello()) {
      return reject({grpc::StatusCode::INVALID_ARGUMENT, "expected hello as the first message"});
    }
    const v1::Hello& hello = request.hello();
    if (!hello.sensor_id().empty() && hello.sensor_id() != position_.sensor_id) {
      return reject({grpc::StatusCode::PERMISSION_DENIED,
                     "hello names sensor '" + hello.sensor_id() + "' but the certificate is '" +
                         position_.sensor_id + "'"});
    }
    position_.stream_epoch = hello.stream_epoch();
    if (!claim_sensor()) {
      return {grpc::StatusCode::UNAVAILABLE, "collector shutting down"};
    }
    std::string error;
    if (!store_.note_connection(position_.sensor_id, hello.software_version(), peer_, now_ns(),
                                error)) {
      return store_failure(error);
    }
    return welcome();
  }

  bool claim_sensor() {
    std::string replaced_peer;
    token_ = registry_.claim(
        position_.sensor_id, peer_,
        [this](StreamEnd end) {
          end_.store(static_cast<int>(end));
          transport_.cancel();
        },
        options_.wait_for_replaced_stream, replaced_peer);
    if (token_ != 0 && !replaced_peer.empty()) {
      service_.log("bw-collector: " + position_.sensor_id + ": stream from " + peer_ +
                   " replaces the one from " + replaced_peer);
    }
    return token_ != 0;
  }

  grpc::Status welcome() {
    const std::uint64_t stored_through =
        store_.last_sequence(position_.sensor_id, position_.stream_epoch);
    v1::StreamResponse response;
    v1::Welcome& welcome = *response.mutable_welcome();
    welcome.set_sensor_id(position_.sensor_id);
    welcome.set_last_stored_sequence(stored_through);
    welcome.set_max_message_bytes(options_.max_message_bytes);
    welcome.set_stream_epoch(position_.stream_epoch);
    ++counters_.streams;
    service_.log("bw-collector: " + position_.sensor_id + " connected from " + peer_ +
                 " (stream epoch " + std::to_string(position_.stream_epoch) + ", stored through " +
                 std::to_string(stored_through) + ")");
    if (!transport_.write(response)) return closed_by_transport();
    return grpc::Status::OK;
  }

  grpc::Status serve_batches() {
    v1::StreamRequest request;
    while (transport_.read(request)) {
      Step step = handle(request);
      if (step) return *step;
    }
    return closed_by_transport();
  }

  Step handle(const v1::StreamRequest& request) {
    if (request.has_hello()) {
      return reject({grpc::StatusCode::INVALID_ARGUMENT, "hello sent twice on one stream"});
    }
    if (!request.has_batch()) {
      return reject({grpc::StatusCode::INVALID_ARGUMENT, "request with neither hello nor batch"});
    }
    const v1::EventBatch& batch = request.batch();
    if (grpc::Status verdict = validate_batch(batch, position_); !verdict.ok()) {
      return reject(verdict);
    }
    std::vector<const v1::Event*> events;
    events.reserve(static_cast<std::size_t>(batch.events_size()));
    for (const v1::Event& event : batch.events())
      events.push_back(&event);
    BatchResult result;
    std::string error;
    const auto commit_started = std::chrono::steady_clock::now();
    const bool committed =
        store_.insert_batch(position_.sensor_id, events, now_ns(), result, error);
    service_.add_commit_time(std::chrono::steady_clock::now() - commit_started);
    if (!committed) {
      return store_failure(error);
    }
    position_.last_sequence = events.back()->sequence();
    write_new_events(events, result.inserted_indexes);
    return acknowledge(batch.batch_id(), result);
  }

  void write_new_events(const std::vector<const v1::Event*>& events,
                        const std::vector<std::uint32_t>& inserted_indexes) {
    if (sink_ == nullptr || inserted_indexes.empty()) return;
    std::vector<const v1::Event*> fresh;
    fresh.reserve(inserted_indexes.size());
    for (const std::uint32_t index : inserted_indexes) {
      if (index < events.size()) fresh.push_back(events[index]);
    }
    sink_->write_new_events(fresh);
  }

  Step acknowledge(std::uint64_t batch_id, const BatchResult& result) {
    ++counters_.batches_acknowledged;
    counters_.events_inserted += result.inserted;
    counters_.events_duplicate += result.duplicates;
    v1::StreamResponse response;
    v1::Ack& ack = *response.mutable_ack();
    ack.set_batch_id(batch_id);
    ack.set_stored_through_sequence(result.stored_through);
    ack.set_inserted(result.inserted);
    ack.set_duplicates(result.duplicates);
    if (!transport_.write(response)) return closed_by_transport();
    return std::nullopt;
  }

  grpc::Status store_failure(const std::string& error) {
    service_.log("bw-collector: store: " + error);
    return reject({grpc::StatusCode::UNAVAILABLE, "store commit failed: " + error});
  }

  grpc::Status reject(const grpc::Status& status) {
    ++counters_.rejections;
    service_.count_refusal(status.error_code());
    const std::string& who = position_.sensor_id.empty() ? peer_ : position_.sensor_id;
    service_.log("bw-collector: " + who + ": " +
                 std::string(status_code_name(status.error_code())) + ": " +
                 status.error_message());
    return status;
  }

  // read() or write() failed: the sensor closed its side, the stream was cancelled by us, or
  // gRPC tore it down (the sensor vanished, or a message exceeded the receive limit, which
  // gRPC answers with RESOURCE_EXHAUSTED before the handler sees it).
  grpc::Status closed_by_transport() {
    switch (end_.load()) {
      case static_cast<int>(StreamEnd::kReplaced):
        return {grpc::StatusCode::CANCELLED, "replaced by a newer stream of the same sensor"};
      case static_cast<int>(StreamEnd::kShutdown):
        return {grpc::StatusCode::UNAVAILABLE, "collector shutting down"};
      default:
        break;
    }
    if (!transport_.aborted()) return grpc::Status::OK;
    const std::string& who = position_.sensor_id.empty() ? peer_ : position_.sensor_id;
    service_.log("bw-collector: " + who + ": CANCELLED: stream from " + peer_ +
                 " aborted (the sensor went away, or sent a message over " +
                 std::to_string(options_.max_message_bytes) +
                 " bytes, refused by gRPC with RESOURCE_EXHAUSTED)");
    return {grpc::StatusCode::CANCELLED, "stream aborted"};
  }

  CollectorService& service_;
  Store& store_;
  EventSink* sink_;
  SensorRegistry& registry_;
  const ServiceOptions& options_;
  std::string peer_;
  StreamTransport& transport_;
  StreamPosition position_;
  SensorCounters counters_;
  std::uint64_t token_ = 0;
  std::atomic<int> end_{-1};
};

}  // namespace

CollectorService::CollectorService(Store& store, EventSink* sink, SensorRegistry& registry,
                                   ServiceOptions options)
    : store_(store), sink_(sink), registry_(registry), options_(std::move(options)) {}

grpc::Status CollectorService::Stream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream) {
  GrpcTransport transport(*context, *stream);
  return run_stream(certificate_cn(*context), context->peer(), transport);
}

grpc::Status CollectorService::run_stream(const std::string& certificate_cn,
                                          const std::string& peer, StreamTransport& transport) {
  StreamSession session(*this, store_, sink_, registry_, options_, certificate_cn, peer, transport);
  return session.run();
}

void CollectorService::count_refusal(grpc::StatusCode code) {
  const auto index = static_cast<std::size_t>(code);
  if (index < kStatusCodes) refusals_[index].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t CollectorService::refusals(grpc::StatusCode code) const {
  const auto index = static_cast<std::size_t>(code);
  return index < kStatusCodes ? refusals_[index].load(std::memory_order_relaxed) : 0;
}

void CollectorService::add_commit_time(std::chrono::nanoseconds spent) {
  commit_ns_.fetch_add(spent.count(), std::memory_order_relaxed);
}

std::chrono::nanoseconds CollectorService::commit_time() const {
  return std::chrono::nanoseconds(commit_ns_.load(std::memory_order_relaxed));
}

void CollectorService::log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    log_to_stderr(line);
  }
}

void log_to_stderr(const std::string& line) {
  const std::string with_newline = line + '\n';
  std::fwrite(with_newline.data(), 1, with_newline.size(), stderr);
}

}  // namespace bw::collector
