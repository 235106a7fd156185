// The collector stream end to end in one process: StreamingWriter -> real Spool -> CollectorClient
// -> gRPC -> a fake Collector (tests/unit/stream/stream_fake_collector.h), plain text on 127.0.0.1.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "beaconwatch/v1/event.pb.h"
#include "sensor/stream/streaming_writer.h"
#include "tests/unit/stream/stream_fake_collector.h"

namespace bw::stream {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::FakeServer;
using testing::FakeSettings;

beaconwatch::v1::Event make_event(std::uint64_t sequence, std::size_t padding = 16) {
  beaconwatch::v1::Event event;
  event.set_sensor_id("tap-1");
  event.set_sequence(sequence);
  event.set_timestamp_ns(static_cast<std::int64_t>(sequence) * 1000);
  event.set_source(std::string(padding, 'p'));
  return event;
}

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> out(last - first + 1);
  std::iota(out.begin(), out.end(), first);
  return out;
}

// Polls; no test asserts on how long something took, only that it happens.
bool eventually(const std::function<bool()>& condition, milliseconds limit = milliseconds(20000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

// A port nobody listens on: bound once by a server that is then stopped.
std::string closed_address() {
  FakeServer server;
  server.start();
  const std::string address = server.address();
  server.stop();
  return address;
}

class StreamClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() /
                 ("bw-stream-client-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(directory_);
  }
  void TearDown() override {
    writer_.reset();
    fs::remove_all(directory_);
  }

  SpoolOptions spool_options() const {
    SpoolOptions options;
    options.directory = directory_.string();
    return options;
  }

  CollectorClientOptions client_options(const std::string& address) {
    CollectorClientOptions options;
    options.address = address;
    options.credentials = grpc::InsecureChannelCredentials();
    options.sensor_id = "tap-1";
    options.software_version = "test";
    options.batch_max_delay = milliseconds(3600000);  // only full batches unless a test says
    options.backoff_initial = milliseconds(20);
    options.backoff_max = milliseconds(200);
    options.handshake_timeout = milliseconds(5000);
    options.jitter_seed = 7;
    options.log = [this](const std::string& line) {
      const std::lock_guard<std::mutex> lock(log_mutex_);
      log_.push_back(line);
    };
    return options;
  }

  StreamingWriter& open(CollectorClientOptions options) {
    writer_.reset();  // one writer per spool directory
    std::string error;
    std::unique_ptr<Spool> spool = Spool::open(spool_options(), error);
    EXPECT_TRUE(spool) << error;
    writer_ = std::make_unique<StreamingWriter>(std::move(spool), std::move(options));
    return *writer_;
  }

  void write_range(std::uint64_t first, std::uint64_t last, std::size_t padding = 16) {
    for (std::uint64_t sequence = first; sequence <= last; ++sequence) {
      ASSERT_TRUE(writer_->write(make_event(sequence, padding)));
    }
  }

  std::vector<std::string> log_lines() {
    const std::lock_guard<std::mutex> lock(log_mutex_);
    return log_;
  }
  std::size_t log_count(const std::string& fragment) {
    const std::vector<std::string> lines = log_lines();
    return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](const auto& l) {
      return l.find(fragment) != std::string::npos;
    }));
  }

  static std::vector<std::size_t> batch_sizes(FakeServer& server) {
    std::vector<std::size_t> sizes;
    for (const auto& batch : server.collector().batches()) {
      sizes.push_back(batch.sequences.size());
    }
    return sizes;
  }

  fs::path directory_;
  std::unique_ptr<StreamingWriter> writer_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

TEST_F(StreamClientTest, FullBatchesGoAtOnceAndDrainSendsTheRest) {
  FakeServer server;
  server.start();
  CollectorClientOptions options = client_options(server.address());
  options.batch_max_events = 10;
  StreamingWriter& writer = open(options);
  write_range(1, 35);
  ASSERT_TRUE(eventually([&] { return server.collector().stored().size() == 30; }));
  EXPECT_EQ(batch_sizes(server), (std::vector<std::size_t>{10, 10, 10}));
  ASSERT_TRUE(writer.drain(milliseconds(20000)));
  EXPECT_EQ(batch_sizes(server), (std::vector<std::size_t>{10, 10, 10, 5}));
  EXPECT_EQ(server.collector().stored(), range(1, 35));
  EXPECT_EQ(server.collector().hellos().at(0).sensor_id(), "tap-1");
  EXPECT_EQ(server.collector().hellos().at(0).software_version(), "test");
  const std::uint64_t epoch = writer.spool().stream_epoch();
  EXPECT_NE(epoch, 0u);
  EXPECT_EQ(server.collector().hellos().at(0).stream_epoch(), epoch);
  EXPECT_EQ(log_count("connected to " + server.address() +
                      " as tap-1 (collector has through 0 in stream epoch " +
                      std::to_string(epoch) + ")"),
            1u);
}

TEST_F(StreamClientTest, BatchesStayWithinTheByteBound) {
  FakeServer server;
  server.start();
  const std::size_t payload = make_event(1, 1000).ByteSizeLong();
  const std::size_t framed = 1 + 2 + payload;  // tag, two-byte length, payload
  CollectorClientOptions options = client_options(server.address());
  options.batch_max_bytes = 3 * framed + framed / 2;
  StreamingWriter& writer = open(options);
  write_range(1, 7, 1000);
  ASSERT_TRUE(writer.drain(milliseconds(20000)));
  EXPECT_EQ(batch_sizes(server), (std::vector<std::size_t>{3, 3, 1}));
  EXPECT_EQ(server.collector().stored(), range(1, 7));
}

TEST_F(StreamClientTest, APartialBatchGoesOnceTheDelayHasPassed) {
  FakeServer server;
  server.start();
  CollectorClientOptions options = client_options(server.address());
  options.batch_max_events = 1000;
  options.batch_max_delay = milliseconds(300);
  open(options);
  write_range(1, 5);
  // No drain: only the delay can send these.
  ASSERT_TRUE(eventually([&] { return server.collector().stored().size() == 5; }));
  EXPECT_EQ(batch_sizes(server), (std::vector<std::size_t>{5}));
}

TEST_F(StreamClientTest, AcksAdvanceTheSpool) {
  FakeServer server;
  server.start();
  CollectorClientOptions options = client_options(server.address());
  options.batch_max_events = 8;
  StreamingWriter& writer = open(options);
  write_range(1, 40);
  ASSERT_TRUE(writer.drain(milliseconds(20000)));
  EXPECT_EQ(writer.spool().acknowledged_sequence(), 40u);
  EXPECT_EQ(writer.pending_events(), 0u);
  const StreamCounters counters = writer.stream_counters();
  EXPECT_EQ(counters.batches_sent, 5u);
  EXPECT_EQ(counters.acks, 5u);
  EXPECT_EQ(counters.events_sent, 40u);
  EXPECT_EQ(counters.events_acknowledged, 40u);
  EXPECT_EQ(counters.duplicates_reported, 0u);
  EXPECT_EQ(writer.delivered_events(), 40u);
  EXPECT_EQ(writer.last_sequence(), 40u);
}

// Events 1..30 left in the spool by an earlier run.
void spool_thirty_events(const SpoolOptions& options) {
  std::string error;
  auto spool = Spool::open(options, error);
  ASSERT_TRUE(spool) << error;
  for (std::uint64_t sequence = 1; sequence <= 30; ++sequence) {
    ASSERT_TRUE(spool->append(sequence, make_event(sequence).SerializeAsString()));
  }
}

TEST_F(StreamClientTest, WhatTheWelcomeSaysIsStoredIsNotSentAgain) {
  spool_thirty_events(spool_options());
  FakeServer server(FakeSettings{.last_stored = 20});
  server.start();
  StreamingWriter& writer = open(client_options(server.address()));
  EXPECT_EQ(writer.last_sequence(), 30u);
  ASSERT_TRUE(writer.drain(milliseconds(20000)));
  EXPECT_EQ(server.collector().stored(), range(21, 30));
  EXPECT_EQ(server.collector().hellos().at(0).oldest_spooled_sequence(), 1u);
  const StreamCounters counters = writer.stream_counters();
  EXPECT_EQ(counters.events_sent, 10u);
  EXPECT_EQ(counters.events_already_stored, 20u);
  EXPECT_EQ(writer.delivered_events(), 30u);
  EXPECT_EQ(log_count("(collector has through 20 in stream epoch "), 1u);
}

// A collector from before epochs counts the sensor's sequences of every spool together: its
// "stored through 20" may be another spool's, so nothing is skipped on its word.
TEST_F(StreamClientTest, WelcomeOfACollectorWithoutEpochsSkipsNothing) {
  spool_thirty_events(spool_options());
  FakeServer server(FakeSettings{.last_stored = 20, .echoes_stream_epoch = false});
  server.start();
  StreamingWriter& writer = open(client_options(server.address()));
  ASSERT_TRUE(writer.drain(milliseconds(20000)));
  const StreamCounters counters = writer.stream_counters();
  EXPECT_EQ(counters.events_sent, 30u);
  EXPECT_EQ(counters.events_already_stored, 0u);
  EXPECT_EQ(log_count("it predates epochs and may take this spool's events for repeats"), 1u);
}

TEST_F(StreamClientTest, ADroppedStreamIsResumedWithoutGapsOrCopies) {
  FakeServer server(FakeSettings{.drop_after_batches = 3});
  server.start();
  CollectorClientOptions options = client_options(server.address());
  options.batch_max_events = 10;
  StreamingWriter& writer = open(options);
  write_range(1, 100);
  ASSERT_TRUE(writer.drain(milliseconds(20000)));
  EXPECT_EQ(server.collector().stored(), range(1, 100));
  EXPECT_EQ(server.collector().stored_twice(), 0u);
  // The second stream starts right after what the first one had acknowledged.
  const auto batches = server.collector().batches();
  const auto second = std::find_if(batches.begin(), batches.end(),
                                   [](const auto& batch) { return batch.stream == 2; });
  ASSERT_NE(second, batches.end());
  EXPECT_EQ(second->sequences.front(), 31u);
  const StreamCounters counters = writer.stream_counters();
  EXPECT_EQ(counters.connects, 2u);
  EXPECT_EQ(counters.stream_errors, 1u);
  EXPECT_GE(counters.resends, 10u);  // at least the refused batch went twice
  EXPECT_EQ(writer.delivered_events(), 100u);
  EXPECT_EQ(log_count("stream ended: UNAVAILABLE: injected drop; retrying in "), 1u)
      << ::testing::PrintToString(log_lines());
}

TEST_F(StreamClientTest, ACollectorThatComesUpLateGetsEverythingInOrder) {
  FakeServer server;
  server.start();
  server.stop();  // the port is now known and closed
  CollectorClientOptions options = client_options(server.address());
  options.batch_max_events = 7;
  StreamingWriter& writer = open(options);
  write_range(1, 50);
  ASSERT_TRUE(eventually([&] { return writer.stream_counters().connect_failures >= 2; }));
  EXPECT_EQ(writer.stream_counters().connects, 0u);
  EXPECT_GE(log_count("stream ended: UNAVAILABLE: "), 2u);
  server.start();
  ASSERT_TRUE(writer.drain(milliseconds(20000)));
  EXPECT_EQ(server.collector().stored(), range(1, 50));
  EXPECT_EQ(writer.stream_counters().connects, 1u);
}

TEST_F(StreamClientTest, AnEventOverTheCollectorsLimitIsSkippedAndCounted) {
  FakeServer server(FakeSettings{.max_message_bytes = 2048});
  server.start();
  StreamingWriter& writer = open(client_options(server.address()));
  write_range(1, 5);
  ASSERT_TRUE(writer.write(make_event(6, 4000)));
  write_range(7, 10);
  ASSERT_TRUE(writer.write(make_event(11, 4000)));
  ASSERT_TRUE(writer.drain(milliseconds(20000)));
  std::vector<std::uint64_t> expected = range(1, 5);
  for (std::uint64_t sequence = 7; sequence <= 10; ++sequence)
    expected.push_back(sequence);
  EXPECT_EQ(server.collector().stored(), expected);
  EXPECT_EQ(writer.stream_counters().oversized_events_skipped, 2u);
  EXPECT_EQ(writer.pending_events(), 0u);
  EXPECT_EQ(writer.spool().acknowledged_sequence(), 11u);
  EXPECT_EQ(log_count("over the collector's limit"), 1u);  // logged once
  EXPECT_EQ(log_count("event 6 is "), 1u);
}

TEST_F(StreamClientTest, DrainTimesOutWithEverythingStillPending) {
  StreamingWriter& writer = open(client_options(closed_address()));
  write_range(1, 10);
  EXPECT_FALSE(writer.drain(milliseconds(300)));
  EXPECT_EQ(writer.pending_events(), 10u);
  EXPECT_EQ(writer.delivered_events(), 0u);
}

TEST_F(StreamClientTest, WritesNeverWaitForAnAbsentCollector) {
  StreamingWriter& writer = open(client_options(closed_address()));
  for (std::uint64_t sequence = 1; sequence <= 10000; ++sequence) {
    ASSERT_TRUE(writer.write(make_event(sequence)));
  }
  EXPECT_EQ(writer.pending_events(), 10000u);
  EXPECT_EQ(writer.stream_counters().events_acknowledged, 0u);
}

TEST_F(StreamClientTest, HealthCountersShowTheSpoolAndTheStream) {
  StreamingWriter& writer = open(client_options(closed_address()));
  write_range(1, 12);
  std::vector<std::pair<std::string, std::uint64_t>> counters;
  writer.append_counters(counters);
  const auto value = [&](const std::string& name) -> std::optional<std::uint64_t> {
    for (const auto& [key, v] : counters) {
      if (key == name) return v;
    }
    return std::nullopt;
  };
  EXPECT_EQ(value("stream.connected"), 0u);
  EXPECT_EQ(value("spool.pending_events"), 12u);
  EXPECT_GE(value("spool.pending_bytes").value_or(0), 12u * make_event(1).ByteSizeLong());
  EXPECT_EQ(value("spool.events_dropped_at_cap"), 0u);  // losses are shown even at zero
  EXPECT_EQ(value("spool.events_lost_write"), 0u);
  EXPECT_EQ(value("spool.events_appended"), 12u);
  EXPECT_EQ(value("stream.batches_sent"), std::nullopt);  // other zeros are left out

  FakeServer server;
  server.start();
  StreamingWriter& connected = open(client_options(server.address()));  // same spool, reopened
  ASSERT_TRUE(eventually([&] { return connected.stream_counters().connects == 1; }));
  counters.clear();
  connected.append_counters(counters);
  EXPECT_EQ(value("stream.connected"), 1u);
}

TEST_F(StreamClientTest, ACollectorThatNeverWelcomesIsDroppedAndRetried) {
  FakeServer server(FakeSettings{.silent = true});
  server.start();
  CollectorClientOptions options = client_options(server.address());
  options.handshake_timeout = milliseconds(100);
  StreamingWriter& writer = open(options);
  ASSERT_TRUE(eventually([&] { return writer.stream_counters().connect_failures >= 2; }));
  EXPECT_GE(log_count("stream ended: DEADLINE_EXCEEDED: no Welcome from the collector within "
                      "100 ms; retrying in "),
            2u);
  writer.stop();
}

TEST_F(StreamClientTest, StopReturnsWhileAConnectionIsPending) {
  // A black-hole address: the connection attempt can only end by cancellation.
  StreamingWriter& writer = open(client_options("192.0.2.1:9"));
  write_range(1, 3);
  std::this_thread::sleep_for(milliseconds(50));
  writer.stop();
  EXPECT_EQ(writer.pending_events(), 3u);
}

TEST(StreamStatus, NamesAreTheGrpcCodeNames) {
  EXPECT_STREQ(status_code_name(14), "UNAVAILABLE");
  EXPECT_STREQ(status_code_name(7), "PERMISSION_DENIED");
  EXPECT_STREQ(status_code_name(16), "UNAUTHENTICATED");
  EXPECT_STREQ(status_code_name(3), "INVALID_ARGUMENT");
  EXPECT_STREQ(status_code_name(8), "RESOURCE_EXHAUSTED");
  EXPECT_STREQ(status_code_name(99), "UNKNOWN");
}

}  // namespace
}  // namespace bw::stream
