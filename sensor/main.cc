// bw-sensor: wires the command line and configuration to the pipeline. All logic lives in
// sensor_core, which the tests link.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "sensor/config/cli_options.h"
#include "sensor/config/sensor_config.h"
#include "sensor/export/event_encoder.h"
#include "sensor/pipeline/pipeline.h"

namespace {

bw::correlate::DetectionResources* g_detection = nullptr;
std::atomic<bool> g_stop{false};

void on_stop(int /*signal*/) {
  g_stop.store(true, std::memory_order_relaxed);
}

// Only an atomic store: the exporter thread does the reload.
void on_sighup(int /*signal*/) {
  if (g_detection != nullptr) g_detection->reload_requested.store(true, std::memory_order_relaxed);
}

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

int fail(const std::string& message, int status) {
  std::fprintf(stderr, "bw-sensor: %s\n", message.c_str());
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  bw::config::CliOptions options;
  std::string error;
  if (!bw::config::parse_cli(argc, argv, options, error)) return fail(error, kExitUsage);
  if (options.help) {
    std::fputs(bw::config::usage_text(), stdout);
    return kExitOk;
  }
  if (options.version) {
    std::puts("bw-sensor " BW_VERSION);
    return kExitOk;
  }

  bw::config::SensorConfig config;
  if (!options.config_path.empty() &&
      !bw::config::load_config_file(options.config_path, config, error)) {
    return fail(error, kExitUsage);
  }
  if (options.workers != 0) config.pipeline.workers = options.workers;
  if (!options.sensor_id.empty()) config.sensor_id = options.sensor_id;
  if (options.no_detect) config.detect.enabled = false;
  if (options.pin_cpus) config.pipeline.pin_cpus = true;
  if (options.health_interval_s != 0) {
    config.pipeline.health_interval =
        static_cast<bw::TimestampNs>(options.health_interval_s) * bw::kNsPerSecond;
  }
  bw::config::DetectionInputs& inputs = config.detection_inputs;
  inputs.intel_feeds.insert(inputs.intel_feeds.end(), options.intel_feeds.begin(),
                            options.intel_feeds.end());
  inputs.mail_watchlists.insert(inputs.mail_watchlists.end(), options.mail_watchlists.begin(),
                                options.mail_watchlists.end());
  if (!options.recipients_file.empty()) inputs.recipients_file = options.recipients_file;
  if (!options.first_seen_file.empty()) inputs.first_seen_file = options.first_seen_file;

  bw::correlate::DetectionResources detection;
  std::vector<std::string> warnings;
  if (config.detect.enabled &&
      !bw::correlate::load_detection_resources(
          inputs.intel_feeds, inputs.recipients_file, inputs.mail_watchlists,
          config.detect.mail_watchlist_capacity, detection, warnings, error)) {
    return fail(error, kExitUsage);
  }
  g_detection = &detection;
  struct sigaction action {};
  action.sa_handler = on_sighup;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &action, nullptr);
  struct sigaction stop {};
  stop.sa_handler = on_stop;
  sigemptyset(&stop.sa_mask);
  sigaction(SIGINT, &stop, nullptr);
  sigaction(SIGTERM, &stop, nullptr);
  for (const std::string& warning : warnings) {
    std::fprintf(stderr, "bw-sensor: warning: %s\n", warning.c_str());
  }

  std::vector<std::unique_ptr<bw::exporter::EventWriter>> writers;
  if (options.json_path.empty() && options.pb_path.empty())
    options.json_path.assign(1, '-');  // not = "-": GCC 12 -Wrestrict false positive
  if (!options.json_path.empty()) {
    auto writer = bw::exporter::open_json_lines_writer(options.json_path, error);
    if (!writer) return fail(error, kExitUsage);
    writers.push_back(std::move(writer));
  }
  if (!options.pb_path.empty()) {
    auto writer = bw::exporter::open_delimited_protobuf_writer(options.pb_path, error);
    if (!writer) return fail(error, kExitUsage);
    writers.push_back(std::move(writer));
  }

  std::vector<bw::capture::LiveOptions> interfaces;
  for (const std::string& name : options.interfaces) {
    bw::capture::LiveOptions live;
    live.interface = name;
    live.snaplen = options.snaplen;
    live.buffer_bytes = options.ring_mib << 20;
    live.promiscuous = options.promiscuous;
    live.bpf_filter = options.bpf_filter;
    interfaces.push_back(live);
  }
  const bw::pipeline::ReplayResult result =
      interfaces.empty() ? bw::pipeline::run_replay(config, options.read_files, writers, &detection)
                         : bw::pipeline::run_live(config, interfaces, writers, &detection, g_stop);
  writers.clear();  // flush and close before the summary
  if (options.summary) result.summary.print(stderr);
  if (!result.ok) return fail(result.error, kExitFailed);
  return kExitOk;
}
