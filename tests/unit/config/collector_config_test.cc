// The collector section of the configuration and the --collector options.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sensor/config/cli_options.h"
#include "sensor/config/sensor_config.h"

namespace bw::config {
namespace {

namespace fs = std::filesystem;

bool parse(std::vector<const char*> args, CliOptions& out, std::string& error) {
  args.insert(args.begin(), "bw-sensor");
  return parse_cli(static_cast<int>(args.size()), args.data(), out, error);
}

bool load(const std::string& collector_json, SensorConfig& config, std::string& error) {
  return load_config_json(R"({"version": 1, "collector": )" + collector_json + "}", "s.json",
                          config, error);
}

TEST(CollectorConfig, DefaultsWithoutTheSection) {
  SensorConfig config;
  std::string error;
  ASSERT_TRUE(load_config_json(R"({"version": 1})", "s.json", config, error)) << error;
  const CollectorConfig& c = config.collector;
  EXPECT_TRUE(c.address.empty());
  EXPECT_EQ(c.spool_dir, "/var/lib/beaconwatch/spool");
  EXPECT_EQ(c.spool_max_bytes, 256ull << 20);
  EXPECT_EQ(c.spool_segment_bytes, 8ull << 20);
  EXPECT_EQ(c.fsync_interval_ms, 1000u);
  EXPECT_EQ(c.batch_max_events, 500u);
  EXPECT_EQ(c.batch_max_bytes, 1024u * 1024);
  EXPECT_EQ(c.batch_max_delay_ms, 200u);
  EXPECT_EQ(c.backoff_initial_ms, 200u);
  EXPECT_EQ(c.backoff_max_ms, 10000u);
  EXPECT_EQ(c.drain_timeout_s, 60u);
  EXPECT_EQ(c.max_batches_in_flight, 8u);
  EXPECT_TRUE(check_collector_config(c, error));  // no address: nothing to check
}

TEST(CollectorConfig, AppliesEveryField) {
  SensorConfig config;
  std::string error;
  ASSERT_TRUE(load(R"({"address": "collector.example:4317", "ca_file": "ca.pem",
      "cert_file": "s.pem", "key_file": "s.key", "server_name": "collector", "spool_dir": "/sp",
      "spool_max_mib": 64, "spool_segment_mib": 4, "fsync_interval_ms": 250,
      "batch_max_events": 100, "batch_max_kib": 512, "batch_max_delay_ms": 50,
      "backoff_initial_ms": 100, "backoff_max_ms": 1000, "drain_timeout_s": 120,
      "max_batches_in_flight": 4})",
                   config, error))
      << error;
  const CollectorConfig& c = config.collector;
  EXPECT_EQ(c.address, "collector.example:4317");
  EXPECT_EQ(c.ca_file, "ca.pem");
  EXPECT_EQ(c.cert_file, "s.pem");
  EXPECT_EQ(c.key_file, "s.key");
  EXPECT_EQ(c.server_name, "collector");
  EXPECT_EQ(c.spool_dir, "/sp");
  EXPECT_EQ(c.spool_max_bytes, 64ull << 20);
  EXPECT_EQ(c.spool_segment_bytes, 4ull << 20);
  EXPECT_EQ(c.fsync_interval_ms, 250u);
  EXPECT_EQ(c.batch_max_events, 100u);
  EXPECT_EQ(c.batch_max_bytes, 512u * 1024);
  EXPECT_EQ(c.batch_max_delay_ms, 50u);
  EXPECT_EQ(c.backoff_initial_ms, 100u);
  EXPECT_EQ(c.backoff_max_ms, 1000u);
  EXPECT_EQ(c.drain_timeout_s, 120u);
  EXPECT_EQ(c.max_batches_in_flight, 4u);
}

TEST(CollectorConfig, RejectsBadValuesNamingTheField) {
  struct Case {
    const char* json;
    const char* field;
  };
  for (const Case& bad : {
           Case{R"({"address": "no-port"})", "collector.address"},
           Case{R"({"address": "host:0"})", "collector.address"},
           Case{R"({"address": "host:65536"})", "collector.address"},
           Case{R"({"address": "::1:4317"})", "collector.address"},
           Case{R"({"batch_max_events": 100001})", "collector.batch_max_events"},
           Case{R"({"batch_max_kib": 16385})", "collector.batch_max_kib"},
           Case{R"({"backoff_initial_ms": 5})", "collector.backoff_initial_ms"},
           Case{R"({"max_batches_in_flight": 1025})", "collector.max_batches_in_flight"},
           Case{R"({"spool_max_mib": 4, "spool_segment_mib": 8})", "collector.spool_segment_mib"},
           Case{R"({"backoff_initial_ms": 5000, "backoff_max_ms": 1000})",
                "collector.backoff_initial_ms"},
           Case{R"({"adress": "h:1"})", "adress"},
       }) {
    SensorConfig config;
    std::string error;
    EXPECT_FALSE(load(bad.json, config, error)) << bad.json;
    EXPECT_NE(error.find(bad.field), std::string::npos) << bad.json << " -> " << error;
    EXPECT_NE(error.find("s.json"), std::string::npos) << error;
    EXPECT_TRUE(config.collector.address.empty()) << "a failed load changes nothing";
  }
}

TEST(CollectorConfig, AddressForms) {
  EXPECT_TRUE(is_collector_address("collector.example:4317"));
  EXPECT_TRUE(is_collector_address("127.0.0.1:1"));
  EXPECT_TRUE(is_collector_address("[::1]:65535"));
  EXPECT_FALSE(is_collector_address(":4317"));
  EXPECT_FALSE(is_collector_address("[]:4317"));
  EXPECT_FALSE(is_collector_address("host:"));
  EXPECT_FALSE(is_collector_address("host:43x7"));
  EXPECT_FALSE(is_collector_address("host:-1"));
  EXPECT_FALSE(is_collector_address("a b:4317"));
  EXPECT_FALSE(is_collector_address(""));
}

TEST(CollectorCli, ParsesTheCollectorOptions) {
  CliOptions options;
  std::string error;
  ASSERT_TRUE(parse({"--read", "a.pcap", "--collector", "c.example:4317", "--collector-ca", "ca",
                     "--collector-cert", "crt", "--collector-key", "key", "--spool", "/sp",
                     "--drain-timeout", "0"},
                    options, error))
      << error;
  EXPECT_EQ(options.collector_address, "c.example:4317");
  EXPECT_EQ(options.collector_ca, "ca");
  EXPECT_EQ(options.collector_cert, "crt");
  EXPECT_EQ(options.collector_key, "key");
  EXPECT_EQ(options.spool_dir, "/sp");
  EXPECT_EQ(options.drain_timeout_s, 0u);
  EXPECT_FALSE(options.drain_spool);
}

TEST(CollectorCli, DrainSpoolNeedsNoInputAndTakesNone) {
  CliOptions options;
  std::string error;
  ASSERT_TRUE(parse({"--drain-spool", "--collector", "c:1", "--spool", "/sp"}, options, error))
      << error;
  EXPECT_TRUE(options.drain_spool);
  CliOptions with_input;
  EXPECT_FALSE(parse({"--drain-spool", "--read", "a.pcap"}, with_input, error));
  EXPECT_NE(error.find("--drain-spool"), std::string::npos);
}

TEST(CollectorCli, RejectsBadValuesNamingTheOption) {
  CliOptions options;
  std::string error;
  EXPECT_FALSE(parse({"--read", "a.pcap", "--collector", "nohost"}, options, error));
  EXPECT_NE(error.find("--collector"), std::string::npos);
  EXPECT_NE(error.find("nohost"), std::string::npos);
  EXPECT_FALSE(parse({"--read", "a.pcap", "--collector"}, options, error));
  EXPECT_NE(error.find("--collector needs a value"), std::string::npos);
  EXPECT_FALSE(parse({"--read", "a.pcap", "--drain-timeout", "86401"}, options, error));
  EXPECT_NE(error.find("--drain-timeout"), std::string::npos);
  EXPECT_FALSE(parse({"--read", "a.pcap", "--drain-timeout", "1s"}, options, error));
  EXPECT_FALSE(parse({"--read", "a.pcap", "--spool"}, options, error));
  EXPECT_NE(error.find("--spool"), std::string::npos);
}

class CollectorOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() / ("bw-collector-cfg-" + std::to_string(::getpid()));
    fs::create_directories(directory_);
    for (const char* name : {"ca.pem", "s.pem", "s.key", "other.pem"}) {
      std::ofstream(directory_ / name) << "-----BEGIN CERTIFICATE-----\n";
    }
  }
  void TearDown() override { fs::remove_all(directory_); }
  std::string path(const char* name) const { return (directory_ / name).string(); }

  fs::path directory_;
};

TEST_F(CollectorOptionsTest, CommandLineOverridesTheFile) {
  CollectorConfig config;
  config.address = "file.example:1";
  config.ca_file = path("ca.pem");
  config.cert_file = path("other.pem");
  config.key_file = path("s.key");
  config.drain_timeout_s = 120;
  CliOptions options;
  options.collector_address = "cli.example:2";
  options.collector_cert = path("s.pem");
  options.spool_dir = "/cli-spool";
  options.drain_timeout_s = 5;
  std::string error;
  ASSERT_TRUE(apply_collector_options(options, config, error)) << error;
  EXPECT_EQ(config.address, "cli.example:2");
  EXPECT_EQ(config.ca_file, path("ca.pem"));  // kept from the file
  EXPECT_EQ(config.cert_file, path("s.pem"));
  EXPECT_EQ(config.spool_dir, "/cli-spool");
  EXPECT_EQ(config.drain_timeout_s, 5u);
}

TEST_F(CollectorOptionsTest, AnAddressNeedsThreeReadableTlsFiles) {
  CollectorConfig config;
  CliOptions options;
  options.collector_address = "c.example:4317";
  options.collector_ca = path("ca.pem");
  options.collector_cert = path("s.pem");
  std::string error;
  EXPECT_FALSE(apply_collector_options(options, config, error));
  EXPECT_EQ(error,
            "collector.key_file (--collector-key) must be set when a collector address is set");

  options.collector_key = path("missing.key");
  EXPECT_FALSE(apply_collector_options(options, config, error));
  EXPECT_EQ(error, "collector.key_file (--collector-key) " + path("missing.key") +
                       ": cannot read: No such file or directory");

  options.collector_key = path("s.key");
  EXPECT_TRUE(apply_collector_options(options, config, error)) << error;
}

TEST_F(CollectorOptionsTest, DrainSpoolNeedsAnAddress) {
  CollectorConfig config;
  CliOptions options;
  options.drain_spool = true;
  std::string error;
  EXPECT_FALSE(apply_collector_options(options, config, error));
  EXPECT_NE(error.find("--drain-spool needs a collector"), std::string::npos);
}

TEST_F(CollectorOptionsTest, WithoutAnAddressNothingIsRequired) {
  CollectorConfig config;
  CliOptions options;
  options.spool_dir = "/elsewhere";
  std::string error;
  EXPECT_TRUE(apply_collector_options(options, config, error)) << error;
  EXPECT_EQ(config.spool_dir, "/elsewhere");
}

}  // namespace
}  // namespace bw::config
