// The stream state machine without a network: a scripted transport, an in-memory store that
// keeps one entry per sequence, and a sink that records what it was given.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "beaconwatch/v1/collector.pb.h"
#include "beaconwatch/v1/event.pb.h"
#include "collector/collector_service.h"

namespace bw::collector {
namespace {

namespace v1 = beaconwatch::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FakeStore final : public Store {
 public:
  // The fake keeps one sequence space per sensor: the tests here speak the old contract (epoch 0).
  std::uint64_t last_sequence(std::string_view sensor_id, std::uint64_t) override {
    std::lock_guard lock(mutex);
    const auto& stored = rows[std::string(sensor_id)];
    return stored.empty() ? 0 : *stored.rbegin();
  }
  bool note_connection(std::string_view sensor_id, std::string_view software_version,
                       std::string_view peer, std::int64_t, std::string&) override {
    std::lock_guard lock(mutex);
    connections.push_back(std::string(sensor_id) + " " + std::string(software_version) + " " +
                          std::string(peer));
    return true;
  }
  bool insert_batch(std::string_view sensor_id, const std::vector<const v1::Event*>& events,
                    std::int64_t, BatchResult& result, std::string& error) override {
    std::lock_guard lock(mutex);
    if (fail_commits) {
      error = "database or disk is full";
      return false;
    }
    auto& stored = rows[std::string(sensor_id)];
    for (std::uint32_t i = 0; i < events.size(); ++i) {
      if (stored.insert(events[i]->sequence()).second) {
        ++result.inserted;
        result.inserted_indexes.push_back(i);
      } else {
        ++result.duplicates;
      }
    }
    result.stored_through = *stored.rbegin();
    return true;
  }
  StoreCounters counters() const override { return {}; }
  bool query(std::string_view, const std::vector<SqlValue>&,
             const std::function<void(const SqlRow&)>&, std::string& error) override {
    error = "not supported";
    return false;
  }

  std::mutex mutex;
  std::map<std::string, std::set<std::uint64_t>> rows;
  std::vector<std::string> connections;
  bool fail_commits = false;
};

class RecordingSink final : public EventSink {
 public:
  void write_new_events(const std::vector<const v1::Event*>& events) override {
    for (const v1::Event* event : events)
      sequences.push_back(event->sequence());
  }
  std::vector<std::uint64_t> sequences;
};

// Hands out queued requests; once they run out, read() either reports the sensor's close or
// waits for cancel(), like a live stream with nothing to say.
class ScriptedTransport final : public StreamTransport {
 public:
  explicit ScriptedTransport(std::vector<v1::StreamRequest> script, bool stay_open = false)
      : script_(script.begin(), script.end()), stay_open_(stay_open) {}

  bool read(v1::StreamRequest& request) override {
    std::unique_lock lock(mutex_);
    ++reads_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return cancelled_ || !script_.empty() || !stay_open_; });
    if (cancelled_ || script_.empty()) return false;
    request = script_.front();
    script_.pop_front();
    return true;
  }
  bool write(const v1::StreamResponse& response) override {
    std::lock_guard lock(mutex_);
    responses.push_back(response);
    return true;
  }
  void cancel() override {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    changed_.notify_all();
  }
  bool aborted() override { return abort_on_end; }
  // Returns once read() has been entered `count` times: everything before is answered.
  void wait_until_reads(int count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return reads_ >= count; });
  }

  std::vector<v1::StreamResponse> responses;
  bool abort_on_end = false;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<v1::StreamRequest> script_;
  bool stay_open_;
  int reads_ = 0;
  bool cancelled_ = false;
};

v1::StreamRequest hello(const std::string& sensor_id = "sensor-1") {
  v1::StreamRequest request;
  request.mutable_hello()->set_sensor_id(sensor_id);
  request.mutable_hello()->set_software_version("0.1.0");
  return request;
}

v1::StreamRequest batch(std::uint64_t batch_id, std::initializer_list<std::uint64_t> sequences,
                        const std::string& sensor_id = "sensor-1") {
  v1::StreamRequest request;
  v1::EventBatch& events = *request.mutable_batch();
  events.set_batch_id(batch_id);
  for (const std::uint64_t sequence : sequences) {
    v1::Event& event = *events.add_events();
    event.set_sensor_id(sensor_id);
    event.set_sequence(sequence);
  }
  return request;
}

class ServiceStreamTest : public ::testing::Test {
 protected:
  ServiceStreamTest() : service_(store_, &sink_, registry_, options()) {}

  ServiceOptions options() {
    ServiceOptions options;
    options.max_message_bytes = 65536;
    options.log = [this](const std::string& line) {
      std::lock_guard lock(log_mutex_);
      log_.push_back(line);
    };
    return options;
  }

  grpc::Status run(ScriptedTransport& transport, const std::string& cn = "sensor-1") {
    return service_.run_stream(cn, "ipv4:192.0.2.7:40000", transport);
  }

  std::vector<std::string> log() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }

  FakeStore store_;
  RecordingSink sink_;
  SensorRegistry registry_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
  CollectorService service_;
};

TEST_F(ServiceStreamTest, WelcomesThenAcknowledgesEachCommittedBatch) {
  store_.rows["sensor-1"] = {1, 2};
  ScriptedTransport transport({hello(), batch(1, {2, 3}), batch(2, {4, 5, 9})});
  const grpc::Status status = run(transport);
  ASSERT_TRUE(status.ok()) << status.error_message();

  ASSERT_EQ(transport.responses.size(), 3u);
  const v1::Welcome& welcome = transport.responses[0].welcome();
  EXPECT_EQ(welcome.sensor_id(), "sensor-1");
  EXPECT_EQ(welcome.last_stored_sequence(), 2u);
  EXPECT_EQ(welcome.max_message_bytes(), 65536u);
  const v1::Ack& first = transport.responses[1].ack();
  EXPECT_EQ(first.batch_id(), 1u);
  EXPECT_EQ(first.stored_through_sequence(), 3u);
  EXPECT_EQ(first.inserted(), 1u);
  EXPECT_EQ(first.duplicates(), 1u);
  const v1::Ack& second = transport.responses[2].ack();
  EXPECT_EQ(second.batch_id(), 2u);
  EXPECT_EQ(second.stored_through_sequence(), 9u);
  EXPECT_EQ(second.inserted(), 3u);

  EXPECT_THAT(sink_.sequences, ElementsAre(3, 4, 5, 9));
  EXPECT_THAT(store_.connections, ElementsAre("sensor-1 0.1.0 ipv4:192.0.2.7:40000"));
  const SensorCounters totals = registry_.totals("sensor-1");
  EXPECT_EQ(totals.streams, 1u);
  EXPECT_EQ(totals.batches_acknowledged, 2u);
  EXPECT_EQ(totals.events_inserted, 4u);
  EXPECT_EQ(totals.events_duplicate, 1u);
  EXPECT_EQ(totals.rejections, 0u);
  EXPECT_THAT(log(), ElementsAre("bw-collector: sensor-1 connected from ipv4:192.0.2.7:40000 "
                                 "(stream epoch 0, stored through 2)",
                                 "bw-collector: sensor-1: stream from ipv4:192.0.2.7:40000 ended "
                                 "with OK: streams=1 batches_acknowledged=2 events_inserted=4 "
                                 "events_duplicate=1 rejections=0 (sensor totals: streams=1 "
                                 "batches_acknowledged=2 events_inserted=4 events_duplicate=1 "
                                 "rejections=0)"));
}

TEST_F(ServiceStreamTest, RefusesABatchBeforeHello) {
  ScriptedTransport transport({batch(1, {1})});
  const grpc::Status status = run(transport);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "expected hello as the first message");
  EXPECT_TRUE(transport.responses.empty());
  EXPECT_TRUE(store_.rows.empty());
  EXPECT_TRUE(store_.connections.empty());
  EXPECT_THAT(log(), ElementsAre("bw-collector: sensor-1: INVALID_ARGUMENT: expected hello as "
                                 "the first message"));
  EXPECT_EQ(registry_.totals("sensor-1").rejections, 1u);
}

TEST_F(ServiceStreamTest, RefusesASecondHello) {
  ScriptedTransport transport({hello(), hello()});
  EXPECT_EQ(run(transport).error_message(), "hello sent twice on one stream");
}

TEST_F(ServiceStreamTest, RefusesAHelloNamingAnotherSensor) {
  ScriptedTransport transport({hello("sensor-2")});
  const grpc::Status status = run(transport);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "hello names sensor 'sensor-2' but the certificate is 'sensor-1'");
  EXPECT_TRUE(transport.responses.empty());
}

TEST_F(ServiceStreamTest, AcceptsAHelloWithoutSensorId) {
  ScriptedTransport transport({hello(""), batch(1, {1})});
  EXPECT_TRUE(run(transport).ok());
  EXPECT_EQ(transport.responses.size(), 2u);
}

TEST_F(ServiceStreamTest, RefusesACertificateWithoutCommonNameNamingThePeer) {
  ScriptedTransport transport({hello(), batch(1, {1})});
  const grpc::Status status = run(transport, "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(store_.rows.empty());
  EXPECT_THAT(log(), ElementsAre("bw-collector: ipv4:192.0.2.7:40000: UNAUTHENTICATED: client "
                                 "certificate has no subject CN"));
}

TEST_F(ServiceStreamTest, RefusedBatchStoresNothingAndEndsTheStream) {
  ScriptedTransport transport(
      {hello(), batch(1, {1, 2}), batch(2, {3, 4}, "sensor-2"), batch(3, {5})});
  const grpc::Status status = run(transport);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(store_.rows["sensor-1"], ElementsAre(1, 2));
  EXPECT_FALSE(store_.rows.contains("sensor-2"));
  EXPECT_EQ(transport.responses.size(), 2u);  // welcome, ack of batch 1
  EXPECT_THAT(sink_.sequences, ElementsAre(1, 2));
}

TEST_F(ServiceStreamTest, RefusesABatchGoingBackwardsOnTheStream) {
  ScriptedTransport transport({hello(), batch(1, {4, 5}), batch(2, {5, 6})});
  const grpc::Status status = run(transport);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "sequence going backwards: batch starts at 5 after 5");
  EXPECT_THAT(store_.rows["sensor-1"], ElementsAre(4, 5));
}

TEST_F(ServiceStreamTest, StoreFailureEndsWithUnavailableAndLogsTheCause) {
  store_.fail_commits = true;
  ScriptedTransport transport({hello(), batch(1, {1})});
  const grpc::Status status = run(transport);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "store commit failed: database or disk is full");
  EXPECT_EQ(transport.responses.size(), 1u);  // the welcome only
  EXPECT_TRUE(sink_.sequences.empty());
  const auto lines = log();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1], "bw-collector: store: database or disk is full");
  EXPECT_EQ(lines[2],
            "bw-collector: sensor-1: UNAVAILABLE: store commit failed: database or disk is full");
  EXPECT_THAT(lines[3], HasSubstr("ended with UNAVAILABLE"));
}

TEST_F(ServiceStreamTest, AbortedStreamIsLoggedWithTheSizeLimitAsAPossibleCause) {
  ScriptedTransport transport({hello()});
  transport.abort_on_end = true;
  const grpc::Status status = run(transport);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_THAT(log(), ::testing::Contains(HasSubstr(
                         "sensor-1: CANCELLED: stream from ipv4:192.0.2.7:40000 aborted (the "
                         "sensor went away, or sent a message over 65536 bytes, refused by "
                         "gRPC with RESOURCE_EXHAUSTED)")));
}

TEST_F(ServiceStreamTest, NewerStreamOfTheSameSensorReplacesTheOlder) {
  ScriptedTransport older({hello(), batch(1, {1})}, /*stay_open=*/true);
  auto older_status = std::async(std::launch::async, [&] { return run(older); });
  older.wait_until_reads(3);  // welcomed, batch acknowledged, waiting for more
  ScriptedTransport newer({hello(), batch(1, {2})});
  const grpc::Status newer_status = run(newer);
  EXPECT_TRUE(newer_status.ok()) << newer_status.error_message();
  const grpc::Status replaced = older_status.get();
  EXPECT_EQ(replaced.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(replaced.error_message(), "replaced by a newer stream of the same sensor");
  EXPECT_EQ(newer.responses[0].welcome().last_stored_sequence(), 1u);
  EXPECT_THAT(store_.rows["sensor-1"], ElementsAre(1, 2));
  EXPECT_THAT(log(), ::testing::Contains("bw-collector: sensor-1: stream from "
                                         "ipv4:192.0.2.7:40000 replaces the one from "
                                         "ipv4:192.0.2.7:40000"));
  EXPECT_EQ(registry_.totals("sensor-1").streams, 2u);
}

TEST_F(ServiceStreamTest, ShutdownEndsLiveStreamsAndRefusesNewOnes) {
  ScriptedTransport live({hello()}, /*stay_open=*/true);
  auto live_status = std::async(std::launch::async, [&] { return run(live); });
  live.wait_until_reads(2);
  registry_.shut_down();
  EXPECT_EQ(live_status.get().error_code(), grpc::StatusCode::UNAVAILABLE);

  ScriptedTransport late({hello()});
  const grpc::Status refused = run(late);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(refused.error_message(), "collector shutting down");
  EXPECT_TRUE(late.responses.empty());
}

TEST(SensorRegistry, KeepsCountersPerSensorAcrossStreams) {
  SensorRegistry registry;
  SensorCounters stream;
  stream.events_inserted = 5;
  registry.release("sensor-1", 0, stream);
  registry.release("sensor-1", 0, stream);
  stream.events_inserted = 1;
  registry.release("sensor-2", 0, stream);
  const auto all = registry.snapshot();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].first, "sensor-1");
  EXPECT_EQ(all[0].second.events_inserted, 10u);
  EXPECT_EQ(all[1].second.events_inserted, 1u);
}

}  // namespace
}  // namespace bw::collector
