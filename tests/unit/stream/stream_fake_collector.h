// An in-process Collector for the stream client's tests: plain-text gRPC on 127.0.0.1, the
// protocol of proto/beaconwatch/v1/collector.proto with an in-memory store keyed by sequence, and
// faults on request (a stream dropped mid-way, a collector that never says Welcome).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "beaconwatch/v1/collector.grpc.pb.h"
#include "beaconwatch/v1/collector.pb.h"

namespace bw::stream::testing {

namespace pb = beaconwatch::v1;

struct FakeSettings {
  std::uint64_t last_stored = 0;  // the store already holds this much (a previous run)
  std::uint32_t max_message_bytes = 4u << 20;
  // On the first stream only: after acknowledging this many batches, refuse the next one (it is
  // not stored) and end the stream with UNAVAILABLE. 0: never.
  std::uint32_t drop_after_batches = 0;
  bool silent = false;  // reads the Hello, never answers
  // A collector from before stream epochs leaves Welcome.stream_epoch unset (0).
  bool echoes_stream_epoch = true;
};

struct ReceivedBatch {
  int stream = 0;  // 1 for the first stream
  std::vector<std::uint64_t> sequences;
};

class FakeCollector final : public pb::Collector::Service {
 public:
  explicit FakeCollector(FakeSettings settings) : settings_(settings) {}

  grpc::Status Stream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<pb::StreamResponse, pb::StreamRequest>* stream) override {
    pb::StreamRequest request;
    if (!stream->Read(&request) || !request.has_hello()) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "hello first"};
    }
    const int stream_number = begin_stream(request.hello());
    if (settings_.silent) {
      while (!context->IsCancelled())
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return grpc::Status::CANCELLED;
    }
    pb::StreamResponse welcome;
    welcome.mutable_welcome()->set_sensor_id(request.hello().sensor_id());
    welcome.mutable_welcome()->set_last_stored_sequence(last_stored());
    welcome.mutable_welcome()->set_max_message_bytes(settings_.max_message_bytes);
    if (settings_.echoes_stream_epoch) {
      welcome.mutable_welcome()->set_stream_epoch(request.hello().stream_epoch());
    }
    if (!stream->Write(welcome)) return grpc::Status::CANCELLED;
    std::uint32_t batches = 0;
    while (stream->Read(&request)) {
      if (!request.has_batch() || request.batch().events().empty()) {
        return {grpc::StatusCode::INVALID_ARGUMENT, "empty batch"};
      }
      if (stream_number == 1 && settings_.drop_after_batches != 0 &&
          batches == settings_.drop_after_batches) {
        return {grpc::StatusCode::UNAVAILABLE, "injected drop"};
      }
      ++batches;
      if (!stream->Write(store(stream_number, request.batch()))) break;
    }
    return grpc::Status::OK;
  }

  std::vector<std::uint64_t> stored() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return stored_order_;
  }
  std::vector<ReceivedBatch> batches() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return batches_;
  }
  std::vector<pb::Hello> hellos() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return hellos_;
  }
  std::uint64_t stored_twice() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::uint64_t twice = 0;
    for (const auto& [sequence, count] : copies_)
      twice += count > 1 ? 1 : 0;
    return twice;
  }

 private:
  int begin_stream(const pb::Hello& hello) {
    const std::lock_guard<std::mutex> lock(mutex_);
    hellos_.push_back(hello);
    return static_cast<int>(hellos_.size());
  }

  std::uint64_t last_stored() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return copies_.empty() ? settings_.last_stored
                           : std::max(settings_.last_stored, copies_.rbegin()->first);
  }

  pb::StreamResponse store(int stream_number, const pb::EventBatch& batch) {
    const std::lock_guard<std::mutex> lock(mutex_);
    ReceivedBatch received{stream_number, {}};
    pb::StreamResponse response;
    pb::Ack& ack = *response.mutable_ack();
    for (const pb::Event& event : batch.events()) {
      received.sequences.push_back(event.sequence());
      const bool fresh =
          event.sequence() > settings_.last_stored && copies_[event.sequence()]++ == 0;
      if (fresh) stored_order_.push_back(event.sequence());
      ack.set_inserted(ack.inserted() + (fresh ? 1 : 0));
      ack.set_duplicates(ack.duplicates() + (fresh ? 0 : 1));
    }
    batches_.push_back(std::move(received));
    ack.set_batch_id(batch.batch_id());
    ack.set_stored_through_sequence(batch.events(batch.events_size() - 1).sequence());
    return response;
  }

  const FakeSettings settings_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, int> copies_;
  std::vector<std::uint64_t> stored_order_;
  std::vector<ReceivedBatch> batches_;
  std::vector<pb::Hello> hellos_;
};

// The fake behind a real gRPC server, restartable on the same port.
class FakeServer {
 public:
  explicit FakeServer(FakeSettings settings = {}) : service_(settings), settings_(settings) {}
  ~FakeServer() { stop(); }

  // Port 0 picks a free one the first time; later starts reuse it.
  void start() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port_),
                             grpc::InsecureServerCredentials(), &port_);
    builder.SetMaxReceiveMessageSize(static_cast<int>(settings_.max_message_bytes));
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  void stop() {
    if (!server_) return;
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    server_->Wait();
    server_.reset();
  }
  bool running() const { return server_ != nullptr && port_ != 0; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  FakeCollector& collector() { return service_; }

 private:
  FakeCollector service_;
  FakeSettings settings_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace bw::stream::testing
