#include <gtest/gtest.h>

#include "sensor/config/cli_options.h"
#include "sensor/config/sensor_config.h"

namespace bw::config {
namespace {

bool parse(std::vector<const char*> args, CliOptions& out, std::string& error) {
  args.insert(args.begin(), "bw-sensor");
  return parse_cli(static_cast<int>(args.size()), args.data(), out, error);
}

TEST(Cli, ReadTakesSeveralFilesAndStdin) {
  CliOptions options;
  std::string error;
  ASSERT_TRUE(
      parse({"--read", "a.pcap", "b.pcapng", "-", "--workers", "4", "--json", "-"}, options, error))
      << error;
  EXPECT_EQ(options.read_files, (std::vector<std::string>{"a.pcap", "b.pcapng", "-"}));
  EXPECT_EQ(options.workers, 4u);
  EXPECT_EQ(options.json_path, "-");
}

TEST(Cli, RejectsBadOptionsWithANamedReason) {
  CliOptions options;
  std::string error;
  EXPECT_FALSE(parse({"--read", "a.pcap", "--workers", "0"}, options, error));
  EXPECT_NE(error.find("--workers"), std::string::npos);
  EXPECT_FALSE(parse({"--read", "a.pcap", "--workers", "3x"}, options, error));
  EXPECT_FALSE(parse({"--read"}, options, error));
  EXPECT_NE(error.find("--read"), std::string::npos);
  EXPECT_FALSE(parse({"--bogus"}, options, error));
  EXPECT_NE(error.find("--bogus"), std::string::npos);
  CliOptions empty;
  EXPECT_FALSE(parse({}, empty, error));
  EXPECT_NE(error.find("nothing to read"), std::string::npos);
}

TEST(Cli, SandboxOptionsAndTheCombinationsThatMakeNoSense) {
  CliOptions options;
  std::string error;
  ASSERT_TRUE(
      parse({"--interface", "eth0", "--user", "bw", "--keep-net-raw", "--seccomp"}, options, error))
      << error;
  EXPECT_EQ(options.user, "bw");
  EXPECT_TRUE(options.keep_net_raw);
  EXPECT_TRUE(options.seccomp);

  CliOptions no_user;
  EXPECT_FALSE(parse({"--interface", "eth0", "--keep-net-raw"}, no_user, error));
  EXPECT_NE(error.find("--keep-net-raw needs --user"), std::string::npos) << error;
  CliOptions empty_user;
  EXPECT_FALSE(parse({"--interface", "eth0", "--user", ""}, empty_user, error));
  EXPECT_NE(error.find("--user"), std::string::npos) << error;
  CliOptions drain;
  EXPECT_FALSE(parse({"--drain-spool", "--collector", "c:1", "--user", "bw"}, drain, error));
  EXPECT_NE(error.find("--drain-spool"), std::string::npos) << error;
}

TEST(Config, AppliesValuesAndKeepsDefaults) {
  SensorConfig config;
  std::string error;
  ASSERT_TRUE(load_config_json(
      R"({"version": 1, "sensor_id": "tap-7", "pipeline": {"workers": 2},
          "flow": {"max_flows": 4096, "udp_idle_timeout_s": 30}})",
      "test.json", config, error))
      << error;
  EXPECT_EQ(config.sensor_id, "tap-7");
  EXPECT_EQ(config.pipeline.workers, 2u);
  EXPECT_EQ(config.flow.max_flows, 4096u);
  EXPECT_EQ(config.flow.udp_idle_timeout, 30 * kNsPerSecond);
  EXPECT_EQ(config.flow.tcp_idle_timeout, 300 * kNsPerSecond);    // default kept
  EXPECT_EQ(config.pipeline.health_interval, 60 * kNsPerSecond);  // default kept
  ASSERT_TRUE(load_config_json(R"({"version": 1, "pipeline": {"health_interval_s": 5}})", "h.json",
                               config, error))
      << error;
  EXPECT_EQ(config.pipeline.health_interval, 5 * kNsPerSecond);
  EXPECT_EQ(config.pipeline.live_queue_wait, kNsPerSecond / 100);  // default kept
  ASSERT_TRUE(load_config_json(R"({"version": 1, "pipeline": {"live_queue_wait_ms": 250}})",
                               "w.json", config, error))
      << error;
  EXPECT_EQ(config.pipeline.live_queue_wait, kNsPerSecond / 4);
}

TEST(Config, RejectsUnknownFieldsWrongVersionAndOutOfRange) {
  SensorConfig config;
  std::string error;
  EXPECT_FALSE(load_config_json(R"({"version": 1, "pipline": {}})", "c.json", config, error));
  EXPECT_NE(error.find("c.json"), std::string::npos);
  EXPECT_NE(error.find("pipline"), std::string::npos);
  EXPECT_FALSE(load_config_json(R"({"version": 2})", "c.json", config, error));
  EXPECT_NE(error.find("version"), std::string::npos);
  EXPECT_FALSE(load_config_json(R"({"sensor_id": "x"})", "c.json", config, error));
  EXPECT_FALSE(
      load_config_json(R"({"version": 1, "pipeline": {"workers": 65}})", "c.json", config, error));
  EXPECT_NE(error.find("pipeline.workers"), std::string::npos);
  EXPECT_EQ(config.pipeline.workers, 1u);  // a failed load changes nothing
  EXPECT_FALSE(load_config_json(R"({"version": 1, "pipeline": {"live_queue_wait_ms": 10001}})",
                                "c.json", config, error));
  EXPECT_NE(error.find("pipeline.live_queue_wait_ms"), std::string::npos);
  EXPECT_FALSE(load_config_json("{not json", "c.json", config, error));
  EXPECT_FALSE(load_config_file("/nonexistent/bw.json", config, error));
  EXPECT_NE(error.find("/nonexistent/bw.json"), std::string::npos);
}

}  // namespace
}  // namespace bw::config
