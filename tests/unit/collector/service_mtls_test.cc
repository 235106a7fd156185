// The real server on 127.0.0.1 with mutual TLS, a real SQLite store and SIEM output, driven by
// the generated gRPC stub: what a sensor (or an impostor) can and cannot get stored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "beaconwatch/v1/collector.grpc.pb.h"
#include "beaconwatch/v1/event.pb.h"
#include "collector/server.h"
#include "collector/store.h"
#include "sensor/stream/collector_client.h"
#include "sensor/stream/spool.h"
#include "sensor/stream/stream_tls.h"
#include "tests/support/generated_capture.h"

namespace bw::collector {
namespace {

namespace v1 = beaconwatch::v1;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::uint32_t kMaxMessageBytes = 64 * 1024;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Epoch 0 is what a sensor from before stream epochs sends: no epoch at all.
v1::StreamRequest hello(std::uint64_t stream_epoch = 0) {
  v1::StreamRequest request;
  request.mutable_hello()->set_sensor_id("sensor-1");
  request.mutable_hello()->set_software_version("test");
  request.mutable_hello()->set_stream_epoch(stream_epoch);
  return request;
}

v1::StreamRequest batch(std::uint64_t batch_id, std::uint64_t first, std::uint64_t last,
                        const std::string& sensor_id = "sensor-1", std::uint64_t stream_epoch = 0) {
  v1::StreamRequest request;
  v1::EventBatch& events = *request.mutable_batch();
  events.set_batch_id(batch_id);
  for (std::uint64_t sequence = first; sequence <= last; ++sequence) {
    v1::Event& event = *events.add_events();
    event.set_sensor_id(sensor_id);
    event.set_sequence(sequence);
    event.set_stream_epoch(stream_epoch);
    event.set_timestamp_ns(1'614'592'800'000'000'000 + static_cast<std::int64_t>(sequence));
    event.mutable_flow()->set_client_ip("192.0.2.10");
    event.mutable_flow()->set_server_ip("198.51.100.53");
    event.mutable_dns()->set_query_name("img.tracker.example");
  }
  return request;
}

// One client stream; the context outlives the call as gRPC requires.
class ClientStream {
 public:
  explicit ClientStream(const std::shared_ptr<grpc::Channel>& channel)
      : stub_(v1::Collector::NewStub(channel)) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    stream_ = stub_->Stream(&context_);
  }
  bool send(const v1::StreamRequest& request) { return stream_->Write(request); }
  std::optional<v1::StreamResponse> receive() {
    v1::StreamResponse response;
    if (!stream_->Read(&response)) return std::nullopt;
    return response;
  }
  // Ends our side, drains what the server still sends, and returns the call's status.
  grpc::Status finish() {
    stream_->WritesDone();
    v1::StreamResponse ignored;
    while (stream_->Read(&ignored)) {
    }
    return stream_->Finish();
  }
  // Hello and welcome; the welcome's stored-through sequence (of the hello's epoch, echoed).
  std::uint64_t greet(std::uint64_t stream_epoch = 0) {
    EXPECT_TRUE(send(hello(stream_epoch)));
    const auto welcome = receive();
    EXPECT_TRUE(welcome && welcome->has_welcome());
    if (welcome) {
      EXPECT_EQ(welcome->welcome().stream_epoch(), stream_epoch);
    }
    return welcome ? welcome->welcome().last_stored_sequence() : 0;
  }
  v1::Ack send_batch(std::uint64_t batch_id, std::uint64_t first, std::uint64_t last,
                     std::uint64_t stream_epoch = 0) {
    EXPECT_TRUE(send(batch(batch_id, first, last, "sensor-1", stream_epoch)));
    const auto ack = receive();
    EXPECT_TRUE(ack && ack->has_ack());
    return ack ? ack->ack() : v1::Ack{};
  }

 private:
  std::unique_ptr<v1::Collector::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::StreamRequest, v1::StreamResponse>> stream_;
};

class CollectorMtlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/bw-collector-mtls-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    directory_ = new std::string(pattern);
    const std::string script = BW_SOURCE_DIR "/tools/pki/bw-dev-pki.sh ";
    ASSERT_EQ(std::system((script + *directory_ + "/pki sensor-1 sensor-2 >/dev/null").c_str()), 0);
    // An independent CA that issues its own "sensor-1".
    ASSERT_EQ(std::system((script + *directory_ + "/rogue sensor-1 >/dev/null").c_str()), 0);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*directory_);
    delete directory_;
  }

  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    db_path_ = *directory_ + "/" + name + ".db";
    json_path_ = *directory_ + "/" + name + ".jsonl";
    std::string error;
    store_ = Store::open(db_path_, Store::Mode::kReadWrite, error);
    ASSERT_TRUE(store_) << error;
    sink_ = JsonLinesSink::open(json_path_, capture_log(), error);
    ASSERT_TRUE(sink_) << error;
    ServeOptions files;
    files.cert_file = pki("collector.pem");
    files.key_file = pki("collector.key");
    files.client_ca_file = pki("ca.pem");
    ServerCredentials credentials;
    ASSERT_TRUE(load_credentials(files, credentials, error)) << error;
    server_ = CollectorServer::start("127.0.0.1:0", credentials, kMaxMessageBytes, *store_,
                                     sink_.get(), capture_log(), error);
    ASSERT_TRUE(server_) << error;
  }

  void TearDown() override {
    if (server_) server_->shutdown();
  }

  static std::string pki(const std::string& file) { return *directory_ + "/pki/" + file; }
  static std::string rogue(const std::string& file) { return *directory_ + "/rogue/" + file; }

  LogSink capture_log() {
    return [this](const std::string& line) {
      std::lock_guard lock(log_mutex_);
      log_.push_back(line);
    };
  }
  std::vector<std::string> log() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }
  bool log_contains(const std::string& text) {
    const auto lines = log();
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& line) { return line.find(text) != line.npos; });
  }

  // A channel that trusts the dev CA and presents `cert`/`key` (none when empty).
  std::shared_ptr<grpc::Channel> channel(const std::string& cert, const std::string& key) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = read_text(pki("ca.pem"));
    if (!cert.empty()) {
      tls.pem_cert_chain = read_text(cert);
      tls.pem_private_key = read_text(key);
    }
    return grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                               grpc::SslCredentials(tls));
  }
  std::shared_ptr<grpc::Channel> sensor_channel(const std::string& id) {
    return channel(pki(id + ".pem"), pki(id + ".key"));
  }

  // The sensor's own stream client as sensor-1, over mutual TLS to this server.
  stream::CollectorClientOptions sensor_client_options(std::size_t batch_max_events) {
    std::string error;
    stream::TlsMaterial tls;
    EXPECT_TRUE(stream::load_tls_material({pki("ca.pem"), pki("sensor-1.pem"), pki("sensor-1.key")},
                                          tls, error))
        << error;
    stream::CollectorClientOptions options;
    options.address = "127.0.0.1:" + std::to_string(server_->port());
    options.credentials = stream::make_tls_credentials(tls);
    options.sensor_id = "sensor-1";
    options.batch_max_events = batch_max_events;
    options.batch_max_delay = std::chrono::milliseconds(10);
    options.log = [](const std::string&) {};
    return options;
  }

  // Spools sensor-1's events first..last as the sensor's exporter would.
  static void append_events(stream::Spool& spool, std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t sequence = first; sequence <= last; ++sequence) {
      const v1::StreamRequest one = batch(1, sequence, sequence);
      ASSERT_TRUE(spool.append(sequence, one.batch().events(0).SerializeAsString()));
    }
  }

  // (rows, distinct (sensor_id, stream_epoch, sequence) identities) in the store.
  std::pair<std::int64_t, std::int64_t> stored_rows() {
    std::pair<std::int64_t, std::int64_t> counts{-1, -1};
    std::string error;
    EXPECT_TRUE(store_->query(
        "SELECT count(*), count(DISTINCT sensor_id || ':' || stream_epoch || ':' || sequence) "
        "FROM events",
        {},
        [&](const SqlRow& row) {
          counts = {std::get<std::int64_t>(row.at(0)), std::get<std::int64_t>(row.at(1))};
        },
        error))
        << error;
    return counts;
  }

  // Sequences of the SIEM output's lines ("sequence":N or "sequence":"N"), in file order.
  std::vector<std::uint64_t> json_sequences() {
    const std::string text = read_text(json_path_);
    std::vector<std::uint64_t> sequences;
    std::size_t lines = 0;
    constexpr std::string_view kKey = "\"sequence\":";
    for (std::size_t start = 0; start < text.size();) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      ++lines;
      const std::string_view line(text.data() + start, end - start);
      if (const std::size_t key = line.find(kKey); key != line.npos) {
        std::size_t digits = key + kKey.size();
        if (digits < line.size() && line[digits] == '"') ++digits;
        std::uint64_t sequence = 0;
        if (std::from_chars(line.data() + digits, line.data() + line.size(), sequence).ec ==
            std::errc()) {
          sequences.push_back(sequence);
        }
      }
      start = end + 1;
    }
    EXPECT_EQ(lines, sequences.size()) << "a line without a sequence in " << text;
    return sequences;
  }

  void expect_nothing_stored() {
    EXPECT_EQ(stored_rows(), std::make_pair(std::int64_t{0}, std::int64_t{0}));
    EXPECT_TRUE(read_text(json_path_).empty());
  }

  static std::string* directory_;
  std::string db_path_;
  std::string json_path_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<JsonLinesSink> sink_;
  std::unique_ptr<CollectorServer> server_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

std::string* CollectorMtlsTest::directory_ = nullptr;

TEST_F(CollectorMtlsTest, StoresAndAcknowledgesBatchesOfACertifiedSensor) {
  ClientStream stream(sensor_channel("sensor-1"));
  ASSERT_TRUE(stream.send(hello()));
  const auto welcome = stream.receive();
  ASSERT_TRUE(welcome && welcome->has_welcome());
  EXPECT_EQ(welcome->welcome().sensor_id(), "sensor-1");
  EXPECT_EQ(welcome->welcome().last_stored_sequence(), 0u);
  EXPECT_EQ(welcome->welcome().max_message_bytes(), kMaxMessageBytes);

  const std::uint64_t ranges[3][2] = {{1, 3}, {4, 10}, {11, 11}};
  for (std::uint64_t i = 0; i < 3; ++i) {
    const v1::Ack ack = stream.send_batch(100 + i, ranges[i][0], ranges[i][1]);
    EXPECT_EQ(ack.batch_id(), 100 + i);
    EXPECT_EQ(ack.stored_through_sequence(), ranges[i][1]);
    EXPECT_EQ(ack.inserted(), ranges[i][1] - ranges[i][0] + 1);
    EXPECT_EQ(ack.duplicates(), 0u);
  }
  EXPECT_TRUE(stream.finish().ok());
  EXPECT_EQ(stored_rows(), std::make_pair(std::int64_t{11}, std::int64_t{11}));
  EXPECT_THAT(json_sequences(), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
  EXPECT_EQ(store_->last_sequence("sensor-1", 0), 11u);
  const auto lines = log();
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines[0],
              ::testing::MatchesRegex("bw-collector: sensor-1 connected from "
                                      "ipv4:127\\.0\\.0\\.1:[0-9]+ \\(stream epoch 0, stored "
                                      "through "
                                      "0\\)"));
}

TEST_F(CollectorMtlsTest, ResentEventsAfterReconnectAreCountedAsDuplicatesAndStoredOnce) {
  {
    ClientStream first(sensor_channel("sensor-1"));
    EXPECT_EQ(first.greet(), 0u);
    first.send_batch(1, 1, 3);
    first.send_batch(2, 4, 6);
    EXPECT_TRUE(first.finish().ok());
  }
  ClientStream second(sensor_channel("sensor-1"));
  EXPECT_EQ(second.greet(), 6u);
  // A sensor that lost the acks of 4..6 sends them again, with new events after them.
  const v1::Ack ack = second.send_batch(1, 4, 8);
  EXPECT_EQ(ack.inserted(), 2u);
  EXPECT_EQ(ack.duplicates(), 3u);
  EXPECT_EQ(ack.stored_through_sequence(), 8u);
  EXPECT_TRUE(second.finish().ok());

  EXPECT_EQ(stored_rows(), std::make_pair(std::int64_t{8}, std::int64_t{8}));
  EXPECT_THAT(json_sequences(), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8));
  server_->shutdown();
  const auto totals = server_->sensors().snapshot();
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals[0].second.streams, 2u);
  EXPECT_EQ(totals[0].second.events_inserted, 8u);
  EXPECT_EQ(totals[0].second.events_duplicate, 3u);
}

grpc::Status attempt_one_batch(ClientStream& stream) {
  stream.send(hello());
  stream.send(batch(1, 1, 2));
  return stream.finish();
}

TEST_F(CollectorMtlsTest, ClientWithoutCertificateIsRefusedByTheHandshake) {
  ClientStream stream(channel("", ""));
  const grpc::Status status = attempt_one_batch(stream);
  EXPECT_THAT(status.error_code(),
              ::testing::AnyOf(grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::UNAUTHENTICATED));
  expect_nothing_stored();
}

TEST_F(CollectorMtlsTest, CertificateFromAnotherCaIsRefusedByTheHandshake) {
  ClientStream stream(channel(rogue("sensor-1.pem"), rogue("sensor-1.key")));
  const grpc::Status status = attempt_one_batch(stream);
  EXPECT_THAT(status.error_code(),
              ::testing::AnyOf(grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::UNAUTHENTICATED));
  expect_nothing_stored();
  EXPECT_TRUE(log().empty());  // no handler ran; gRPC core logs the handshake failure
}

TEST_F(CollectorMtlsTest, SensorCannotStoreEventsUnderAnotherIdentity) {
  ClientStream stream(sensor_channel("sensor-1"));
  stream.greet();
  stream.send(batch(1, 1, 3, "sensor-2"));
  const grpc::Status status = stream.finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "event 1 names sensor 'sensor-2' but the certificate is 'sensor-1'");
  expect_nothing_stored();
  EXPECT_THAT(log(), Contains("bw-collector: sensor-1: PERMISSION_DENIED: event 1 names sensor "
                              "'sensor-2' but the certificate is 'sensor-1'"));
}

struct MalformedCase {
  const char* name;
  std::vector<v1::StreamRequest> requests;
  const char* message;
  std::int64_t rows_stored;
};

TEST_F(CollectorMtlsTest, MalformedStreamsAreRefusedWithTheReason) {
  v1::StreamRequest empty_batch;
  empty_batch.mutable_batch()->set_batch_id(5);
  v1::StreamRequest repeated = batch(2, 1, 3);
  repeated.mutable_batch()->mutable_events(2)->set_sequence(2);
  const MalformedCase cases[] = {
      {"batch before hello", {batch(1, 1, 2)}, "expected hello as the first message", 0},
      {"empty batch", {hello(), empty_batch}, "empty batch 5", 0},
      {"not increasing",
       {hello(), repeated},
       "sequences not increasing within batch 2: 2 after 2",
       0},
      {"going backwards",
       {hello(), batch(1, 1, 3), batch(2, 2, 4)},
       "sequence going backwards: batch starts at 2 after 3",
       3},
  };
  for (const MalformedCase& test : cases) {
    SCOPED_TRACE(test.name);
    ClientStream stream(channel(pki("sensor-2.pem"), pki("sensor-2.key")));
    for (v1::StreamRequest request : test.requests) {
      if (request.has_hello()) request.mutable_hello()->set_sensor_id("sensor-2");
      if (request.has_batch()) {
        for (v1::Event& event : *request.mutable_batch()->mutable_events()) {
          event.set_sensor_id("sensor-2");
        }
      }
      stream.send(request);
    }
    const grpc::Status status = stream.finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), test.message);
    EXPECT_EQ(stored_rows().first, test.rows_stored);
    EXPECT_THAT(log(),
                Contains(std::string("bw-collector: sensor-2: INVALID_ARGUMENT: ") + test.message));
  }
}

TEST_F(CollectorMtlsTest, OversizedMessageIsRefusedByGrpcAndLogged) {
  ClientStream stream(sensor_channel("sensor-1"));
  stream.greet();
  v1::StreamRequest big = batch(1, 1, 1);
  big.mutable_batch()->mutable_events(0)->mutable_dns()->set_query_name(
      std::string(kMaxMessageBytes, 'a'));
  stream.send(big);
  const grpc::Status status = stream.finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  expect_nothing_stored();
  // The client learns the status from gRPC before the handler notices: wait for its log line.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!log_contains("ended with CANCELLED") && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_THAT(log(), Contains(HasSubstr("bw-collector: sensor-1: CANCELLED: stream from ")));
}

TEST_F(CollectorMtlsTest, NewerStreamOfASensorReplacesTheOlder) {
  ClientStream older(sensor_channel("sensor-1"));
  older.greet();
  older.send_batch(1, 1, 2);
  ClientStream newer(sensor_channel("sensor-1"));
  EXPECT_EQ(newer.greet(), 2u);
  EXPECT_EQ(older.finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(newer.send_batch(1, 3, 4).stored_through_sequence(), 4u);
  EXPECT_TRUE(newer.finish().ok());
  EXPECT_EQ(stored_rows(), std::make_pair(std::int64_t{4}, std::int64_t{4}));
}

TEST_F(CollectorMtlsTest, ShutdownEndsLiveStreamsPromptlyKeepingWhatWasAcknowledged) {
  ClientStream stream(sensor_channel("sensor-1"));
  stream.greet();
  stream.send_batch(1, 1, 5);
  const auto started = std::chrono::steady_clock::now();
  server_->shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_FALSE(stream.finish().ok());
  EXPECT_EQ(stored_rows(), std::make_pair(std::int64_t{5}, std::int64_t{5}));
}

// The sensor's own stream client (spool, batching, acks) against this server over mutual TLS.
TEST_F(CollectorMtlsTest, SensorStreamClientDeliversItsSpoolExactlyOnce) {
  std::string error;
  stream::SpoolOptions spool_options;
  spool_options.directory = *directory_ + "/spool";
  std::unique_ptr<stream::Spool> spool = stream::Spool::open(spool_options, error);
  ASSERT_TRUE(spool) << error;
  append_events(*spool, 1, 250);
  stream::CollectorClient client(*spool, sensor_client_options(40));
  client.start();
  EXPECT_TRUE(client.drain(std::chrono::seconds(20)));
  client.stop();

  EXPECT_EQ(spool->pending_events(), 0u);
  EXPECT_EQ(stored_rows(), std::make_pair(std::int64_t{250}, std::int64_t{250}));
  EXPECT_EQ(json_sequences().size(), 250u);
  EXPECT_EQ(store_->last_sequence("sensor-1", spool->stream_epoch()), 250u);
}

// ---- stream epochs (issue 12, part 1) ------------------------------------------------------

// A sensor from before epochs (no epoch in hello or events) next to an upgraded one under the
// same certificate: each keeps its own sequence space, neither's events are taken for the other's.
TEST_F(CollectorMtlsTest, OldContractClientWithoutEpochKeepsWorkingInEpochZero) {
  constexpr std::uint64_t kEpoch = 0x0123'4567'89ab'cdef;
  {
    ClientStream old_client(sensor_channel("sensor-1"));
    EXPECT_EQ(old_client.greet(), 0u);
    EXPECT_EQ(old_client.send_batch(1, 1, 5).inserted(), 5u);
    EXPECT_TRUE(old_client.finish().ok());
  }
  {
    ClientStream upgraded(sensor_channel("sensor-1"));
    EXPECT_EQ(upgraded.greet(kEpoch), 0u);
    EXPECT_EQ(upgraded.send_batch(1, 1, 3, kEpoch).inserted(), 3u);
    EXPECT_TRUE(upgraded.finish().ok());
  }
  ClientStream old_again(sensor_channel("sensor-1"));
  EXPECT_EQ(old_again.greet(), 5u);
  const v1::Ack ack = old_again.send_batch(1, 5, 6);
  EXPECT_EQ(ack.inserted(), 1u);
  EXPECT_EQ(ack.duplicates(), 1u);
  EXPECT_EQ(ack.stored_through_sequence(), 6u);
  EXPECT_TRUE(old_again.finish().ok());
  EXPECT_EQ(stored_rows(), std::make_pair(std::int64_t{9}, std::int64_t{9}));
  EXPECT_EQ(store_->last_sequence("sensor-1", 0), 6u);
  EXPECT_EQ(store_->last_sequence("sensor-1", kEpoch), 3u);
}

TEST_F(CollectorMtlsTest, SameSequencesInAnotherEpochAreNewEventsAndWelcomeCountsPerEpoch) {
  constexpr std::uint64_t kOldSpool = 0x1111'2222'3333'4444;
  constexpr std::uint64_t kNewSpool = 0xfedc'ba98'7654'3210;  // above 2^63: negative in SQL
  {
    ClientStream stream(sensor_channel("sensor-1"));
    EXPECT_EQ(stream.greet(kOldSpool), 0u);
    EXPECT_EQ(stream.send_batch(1, 1, 4, kOldSpool).inserted(), 4u);
    EXPECT_TRUE(stream.finish().ok());
  }
  ClientStream stream(sensor_channel("sensor-1"));
  EXPECT_EQ(stream.greet(kNewSpool), 0u);
  const v1::Ack ack = stream.send_batch(1, 1, 3, kNewSpool);
  EXPECT_EQ(ack.inserted(), 3u);
  EXPECT_EQ(ack.duplicates(), 0u);
  EXPECT_EQ(ack.stored_through_sequence(), 3u);
  EXPECT_TRUE(stream.finish().ok());
  EXPECT_EQ(stored_rows(), std::make_pair(std::int64_t{7}, std::int64_t{7}));
  EXPECT_EQ(store_->last_sequence("sensor-1", kOldSpool), 4u);
  EXPECT_EQ(store_->last_sequence("sensor-1", kNewSpool), 3u);
  EXPECT_EQ(store_->last_sequence("sensor-1", 0), 0u);
  EXPECT_EQ(json_sequences().size(), 7u);
}

TEST_F(CollectorMtlsTest, EventFromAnotherEpochThanTheHelloIsRefusedWhole) {
  ClientStream stream(sensor_channel("sensor-1"));
  stream.greet(7);
  stream.send(batch(1, 1, 2, "sensor-1", 8));
  const grpc::Status status = stream.finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "event 1 has stream epoch 8 but the hello named 7");
  expect_nothing_stored();
}

// The sensor's client with a reopened spool: the epoch continues, the Welcome skips what is
// stored, and a batch resent in that epoch (its acks lost) is acknowledged as duplicates.
TEST_F(CollectorMtlsTest, RestartWithTheSameSpoolContinuesTheEpochAndDedupsResentBatches) {
  std::string error;
  stream::SpoolOptions spool_options;
  spool_options.directory = *directory_ + "/spool-restart";
  const stream::CollectorClientOptions options = sensor_client_options(25);
  const auto deliver = [&](std::uint64_t first, std::uint64_t last) {
    std::unique_ptr<stream::Spool> spool = stream::Spool::open(spool_options, error);
    EXPECT_TRUE(spool) << error;
    if (!spool) return std::uint64_t{0};
    append_events(*spool, first, last);
    stream::CollectorClient client(*spool, options);
    client.start();
    EXPECT_TRUE(client.drain(std::chrono::seconds(20)));
    client.stop();
    EXPECT_EQ(spool->pending_events(), 0u);
    return spool->stream_epoch();
  };
  const std::uint64_t epoch = deliver(1, 100);
  ASSERT_NE(epoch, 0u);
  EXPECT_EQ(deliver(101, 150), epoch);
  EXPECT_EQ(store_->last_sequence("sensor-1", epoch), 150u);

  ClientStream resend(sensor_channel("sensor-1"));
  EXPECT_EQ(resend.greet(epoch), 150u);
  const v1::Ack ack = resend.send_batch(9, 126, 150, epoch);
  EXPECT_EQ(ack.inserted(), 0u);
  EXPECT_EQ(ack.duplicates(), 25u);
  EXPECT_EQ(ack.stored_through_sequence(), 150u);
  EXPECT_TRUE(resend.finish().ok());
  EXPECT_EQ(stored_rows(), std::make_pair(std::int64_t{150}, std::int64_t{150}));
  EXPECT_EQ(json_sequences().size(), 150u);
  EXPECT_EQ(store_->counters().events_duplicate, 25u);
}

// ---- the real bw-sensor against this collector ----------------------------------------------

struct SensorRun {
  int exit_status = -1;
  std::string stderr_text;
};

// The value of `name` in a bw-sensor summary ("  name value" lines), or -1.
std::int64_t summary_value(const std::string& text, const std::string& name) {
  const std::string key = "  " + name + " ";
  const std::size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::strtoll(text.c_str() + at + key.size(), nullptr, 10);
}

std::size_t line_count(const std::string& path) {
  const std::string text = read_text(path);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

class SensorReplayTest : public CollectorMtlsTest {
 protected:
  void SetUp() override {
    sensor_ = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "bw-sensor";
    ASSERT_EQ(::access(sensor_.c_str(), X_OK), 0) << "bw-sensor not built next to the tests";
    CollectorMtlsTest::SetUp();
    gen::GeneratorOptions generator;
    generator.profile = "dense";
    generator.seed = 12;
    generator.scale = 2;
    capture_ = testing::write_generated_capture(generator, "bw_epoch_dense.pcap");
  }
  void TearDown() override {
    CollectorMtlsTest::TearDown();
    std::filesystem::remove(capture_);
  }

  // Replays the capture into `collector` (HOST:PORT) with the spool in `spool` and sensor-1's
  // certificate; `shell_prefix` runs before exec (ulimit, trap). Writes every event to `json`.
  SensorRun replay(const std::string& collector, const std::string& spool, const std::string& json,
                   const std::string& extra = "", const std::string& shell_prefix = "") {
    const std::string err = spool + ".stderr";
    const std::string command = shell_prefix + "exec " + sensor_.string() + " --read " + capture_ +
                                " --collector " + collector + " --collector-ca " + pki("ca.pem") +
                                " --collector-cert " + pki("sensor-1.pem") + " --collector-key " +
                                pki("sensor-1.key") + " --spool " + spool + " --json " + json +
                                " " + extra + " 2>" + err;
    const int status = std::system(("bash -c '" + command + "'").c_str());
    SensorRun run;
    run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.stderr_text = read_text(err);
    return run;
  }
  std::string collector_address() const { return "127.0.0.1:" + std::to_string(server_->port()); }
  std::int64_t scalar(const std::string& sql) {
    std::int64_t value = -1;
    std::string error;
    EXPECT_TRUE(store_->query(
        sql, {}, [&](const SqlRow& row) { value = std::get<std::int64_t>(row.at(0)); }, error))
        << error;
    return value;
  }

  std::filesystem::path sensor_;
  std::string capture_;
};

// The issue's measurement: a sensor re-imaged (fresh spool, same certificate) replays the same
// capture again. Before epochs the second run's events were acknowledged as duplicates of the
// first's and dropped; now every produced event is stored.
TEST_F(SensorReplayTest, SpoolResetReplaysStoreEveryProducedEvent) {
  const std::string base = *directory_ + "/reset";
  std::size_t produced = 0;
  for (const char* run_name : {"first", "second"}) {
    const SensorRun run = replay(collector_address(), base + "-" + run_name + ".spool",
                                 base + "-" + run_name + ".jsonl", "--drain-timeout 60");
    EXPECT_EQ(run.exit_status, 0) << run.stderr_text;
    const std::size_t events = line_count(base + "-" + run_name + ".jsonl");
    EXPECT_THAT(run.stderr_text,
                HasSubstr("delivered " + std::to_string(events) + " events; 0 pending in spool"));
    produced += events;
  }
  const std::int64_t stored = scalar("SELECT count(*) FROM events WHERE sensor_id = 'sensor-1'");
  const std::int64_t identities = stored_rows().second;
  const std::uint64_t duplicated = store_->counters().events_duplicate;
  const std::int64_t lost = static_cast<std::int64_t>(produced) - stored;
  std::printf("spool reset: produced %zu, stored %" PRId64 ", duplicated %" PRIu64 ", lost %" PRId64
              "\n",
              produced, stored, duplicated, lost);
  ASSERT_GT(produced, 1000u);
  EXPECT_EQ(stored, static_cast<std::int64_t>(produced));
  EXPECT_EQ(identities, stored);
  EXPECT_EQ(duplicated, 0u);
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(scalar("SELECT count(DISTINCT stream_epoch) FROM events"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM events WHERE stream_epoch = 0"), 0);
  // Both runs produced the same events, so each epoch holds half.
  EXPECT_EQ(scalar("SELECT max(n) - min(n) FROM (SELECT count(*) AS n FROM events "
                   "GROUP BY stream_epoch)"),
            0);
}

// ---- honest exit (issue 12, part 7) ---------------------------------------------------------

// No collector listens, the spool's cap (1 MiB, one segment) is far below what the replay
// produces: the oldest segments go, the run says how many events and exits 3.
TEST_F(SensorReplayTest, ReplayThatOverflowsTheSpoolCapExitsThreeAndCountsTheLoss) {
  const std::string base = *directory_ + "/cap";
  const std::string config = base + ".json";
  std::ofstream(config)
      << R"({"version": 1, "collector": {"spool_max_mib": 1, "spool_segment_mib": 1}})";
  // Port 1 on loopback: nothing listens, every connection attempt is refused at once.
  const SensorRun run = replay("127.0.0.1:1", base + ".spool", base + ".jsonl",
                               "--config " + config + " --drain-timeout 1");
  const std::int64_t produced = static_cast<std::int64_t>(line_count(base + ".jsonl"));
  const std::int64_t dropped = summary_value(run.stderr_text, "spool.events_dropped_at_cap");
  const std::int64_t pending = summary_value(run.stderr_text, "spool.pending_events");
  std::printf("spool cap: produced %" PRId64 ", dropped at cap %" PRId64 ", pending %" PRId64 "\n",
              produced, dropped, pending);
  EXPECT_EQ(run.exit_status, 3) << run.stderr_text;
  ASSERT_GT(dropped, 0);
  EXPECT_EQ(dropped + pending, produced);
  EXPECT_THAT(run.stderr_text,
              HasSubstr("bw-sensor: collector: spool lost " + std::to_string(dropped) +
                        " events (" + std::to_string(dropped) +
                        " dropped at the spool cap, 0 lost to write errors); "
                        "0 fsyncs failed"));
  EXPECT_EQ(summary_value(run.stderr_text, "spool.events_lost_write"), 0);
  EXPECT_EQ(summary_value(run.stderr_text, "spool.fsync_failures"), 0);
}

// A real write error: the file size limit (RLIMIT_FSIZE, SIGXFSZ ignored so write(2) fails with
// EFBIG) stops the spool's segment at 256 KiB; from there every append fails (the spool retries
// the same segment, as it does on a full disk) and is lost and counted, the collector stores
// exactly what was spooled, and the run exits 3.
TEST_F(SensorReplayTest, ReplayWithSpoolWriteErrorsExitsThreeAndCountsTheLoss) {
  const std::string base = *directory_ + "/fsize";
  const SensorRun run = replay(collector_address(), base + ".spool", "/dev/null",
                               "--drain-timeout 60", "ulimit -f 256; trap \"\" XFSZ; ");
  const std::int64_t appended = summary_value(run.stderr_text, "spool.events_appended");
  const std::int64_t lost = summary_value(run.stderr_text, "spool.events_lost_write");
  const std::int64_t stored = scalar("SELECT count(*) FROM events");
  std::printf("spool write errors: produced %" PRId64 ", stored %" PRId64 ", lost %" PRId64 "\n",
              appended + lost, stored, lost);
  EXPECT_EQ(run.exit_status, 3) << run.stderr_text;
  ASSERT_GT(lost, 0);
  EXPECT_EQ(stored, appended);
  EXPECT_EQ(summary_value(run.stderr_text, "spool.write_failures"), lost);
  EXPECT_THAT(run.stderr_text,
              HasSubstr("bw-sensor: collector: spool lost " + std::to_string(lost) +
                        " events (0 dropped at the spool "
                        "cap, " +
                        std::to_string(lost) + " lost to write errors)"));
  EXPECT_THAT(run.stderr_text, HasSubstr("File too large"));
}

}  // namespace
}  // namespace bw::collector
