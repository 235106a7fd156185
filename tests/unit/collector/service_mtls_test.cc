// The real server on 127.0.0.1 with mutual TLS, a real SQLite store and SIEM output, driven by
// the generated gRPC stub: what a sensor (or an impostor) can and cannot get stored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
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
#include "sensor/stream/collector_client.h"
#include "sensor/stream/spool.h"
#include "sensor/stream/stream_tls.h"
#include "tools/collector/server.h"
#include "tools/collector/store.h"

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

v1::StreamRequest hello() {
  v1::StreamRequest request;
  request.mutable_hello()->set_sensor_id("sensor-1");
  request.mutable_hello()->set_software_version("test");
  return request;
}

v1::StreamRequest batch(std::uint64_t batch_id, std::uint64_t first, std::uint64_t last,
                        const std::string& sensor_id = "sensor-1") {
  v1::StreamRequest request;
  v1::EventBatch& events = *request.mutable_batch();
  events.set_batch_id(batch_id);
  for (std::uint64_t sequence = first; sequence <= last; ++sequence) {
    v1::Event& event = *events.add_events();
    event.set_sensor_id(sensor_id);
    event.set_sequence(sequence);
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
  // Hello and welcome; the welcome's stored-through sequence.
  std::uint64_t greet() {
    EXPECT_TRUE(send(hello()));
    const auto welcome = receive();
    EXPECT_TRUE(welcome && welcome->has_welcome());
    return welcome ? welcome->welcome().last_stored_sequence() : 0;
  }
  v1::Ack send_batch(std::uint64_t batch_id, std::uint64_t first, std::uint64_t last) {
    EXPECT_TRUE(send(batch(batch_id, first, last)));
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

  // (rows, distinct (sensor_id, sequence) pairs) in the store.
  std::pair<std::int64_t, std::int64_t> stored_rows() {
    std::pair<std::int64_t, std::int64_t> counts{-1, -1};
    std::string error;
    EXPECT_TRUE(store_->query(
        "SELECT count(*), count(DISTINCT sensor_id || ':' || sequence) FROM events", {},
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
  EXPECT_EQ(store_->last_sequence("sensor-1"), 11u);
  const auto lines = log();
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines[0], ::testing::MatchesRegex("bw-collector: sensor-1 connected from "
                                                "ipv4:127\\.0\\.0\\.1:[0-9]+ \\(stored through "
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
  for (std::uint64_t sequence = 1; sequence <= 250; ++sequence) {
    const v1::StreamRequest one = batch(1, sequence, sequence);
    ASSERT_TRUE(spool->append(sequence, one.batch().events(0).SerializeAsString()));
  }
  stream::TlsMaterial tls;
  ASSERT_TRUE(stream::load_tls_material({pki("ca.pem"), pki("sensor-1.pem"), pki("sensor-1.key")},
                                        tls, error))
      << error;
  stream::CollectorClientOptions options;
  options.address = "127.0.0.1:" + std::to_string(server_->port());
  options.credentials = stream::make_tls_credentials(tls);
  options.sensor_id = "sensor-1";
  options.batch_max_events = 40;
  options.batch_max_delay = std::chrono::milliseconds(10);
  options.log = [](const std::string&) {};
  stream::CollectorClient client(*spool, options);
  client.start();
  EXPECT_TRUE(client.drain(std::chrono::seconds(20)));
  client.stop();

  EXPECT_EQ(spool->pending_events(), 0u);
  EXPECT_EQ(stored_rows(), std::make_pair(std::int64_t{250}, std::int64_t{250}));
  EXPECT_EQ(json_sequences().size(), 250u);
  EXPECT_EQ(store_->last_sequence("sensor-1"), 250u);
}

}  // namespace
}  // namespace bw::collector
