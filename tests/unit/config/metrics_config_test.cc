// The metrics section of the configuration and --metrics.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sensor/config/cli_options.h"
#include "sensor/config/sensor_config.h"

namespace bw::config {
namespace {

bool parse(std::vector<const char*> args, CliOptions& out, std::string& error) {
  args.insert(args.begin(), "bw-sensor");
  return parse_cli(static_cast<int>(args.size()), args.data(), out, error);
}

TEST(MetricsConfig, OffByDefaultAndReadFromTheFile) {
  SensorConfig config;
  std::string error;
  ASSERT_TRUE(load_config_json(R"({"version": 1})", "s.json", config, error)) << error;
  EXPECT_TRUE(config.metrics.listen.empty());
  ASSERT_TRUE(load_config_json(R"({"version": 1, "metrics": {"listen": "127.0.0.1:9464"}})",
                               "s.json", config, error))
      << error;
  EXPECT_EQ(config.metrics.listen, "127.0.0.1:9464");
}

TEST(MetricsConfig, ABadListenAddressNamesTheField) {
  SensorConfig config;
  std::string error;
  EXPECT_FALSE(load_config_json(R"({"version": 1, "metrics": {"listen": "9464"}})", "s.json",
                                config, error));
  EXPECT_NE(error.find("metrics.listen"), std::string::npos) << error;
  EXPECT_NE(error.find("s.json"), std::string::npos) << error;
}

TEST(MetricsConfig, ListenAddressForms) {
  EXPECT_TRUE(is_listen_address("127.0.0.1:0"));  // a free port, for tests
  EXPECT_TRUE(is_listen_address("[::1]:9464"));
  EXPECT_TRUE(is_listen_address("localhost:65535"));
  EXPECT_FALSE(is_listen_address("127.0.0.1:65536"));
  EXPECT_FALSE(is_listen_address(":9464"));
  EXPECT_FALSE(is_listen_address("::1:9464"));
  EXPECT_FALSE(is_collector_address("127.0.0.1:0")) << "a collector needs a real port";
}

TEST(MetricsCli, ParsesAndChecksTheAddress) {
  CliOptions options;
  std::string error;
  ASSERT_TRUE(parse({"--interface", "eth0", "--metrics", "0.0.0.0:9464"}, options, error)) << error;
  EXPECT_EQ(options.metrics_listen, "0.0.0.0:9464");
  CliOptions bad;
  EXPECT_FALSE(parse({"--interface", "eth0", "--metrics", "eth0"}, bad, error));
  EXPECT_NE(error.find("--metrics"), std::string::npos) << error;
  EXPECT_FALSE(parse({"--interface", "eth0", "--metrics"}, bad, error));
  EXPECT_NE(error.find("--metrics needs a value"), std::string::npos) << error;
}

}  // namespace
}  // namespace bw::config
