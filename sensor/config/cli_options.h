// Command line of bw-sensor. Parsing is separate from main so it can be tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sensor/config/sensor_config.h"

namespace bw::config {

struct CliOptions {
  std::vector<std::string> read_files;  // replay inputs, in order; "-" is standard input
  std::vector<std::string> interfaces;  // live capture
  std::string bpf_filter;
  std::uint32_t snaplen = 65535;
  std::uint32_t ring_mib = 64;
  bool promiscuous = false;
  std::uint32_t health_interval_s = 0;  // 0: from the config file (default 60)
  std::string json_path;                // JSON lines output; "-" is standard output
  std::string pb_path;                  // length-delimited protobuf output
  std::string config_path;
  std::string sensor_id;
  std::vector<std::string> intel_feeds;
  std::string recipients_file;
  std::vector<std::string> mail_watchlists;
  std::string first_seen_file;
  bool no_detect = false;
  std::uint32_t workers = 0;  // 0: from the config file (default 1)
  bool summary = true;
  bool pin_cpus = false;
  // Collector stream; each overrides its field of the config's `collector` section.
  std::string collector_address;
  std::string collector_ca;
  std::string collector_cert;
  std::string collector_key;
  std::string spool_dir;
  std::optional<std::uint32_t> drain_timeout_s;  // 0: do not wait at the end of a replay
  bool drain_spool = false;                      // deliver the spool and exit; no inputs
  // Privilege drop once the capture is open (sensor/sandbox/privileges.h).
  std::string user;
  bool keep_net_raw = false;
  bool seccomp = false;  // system call allow-list after the drop (sensor/sandbox/seccomp_filter.h)
  std::string metrics_listen;  // --metrics ADDR:PORT; overrides the config's metrics.listen
  bool help = false;
  bool version = false;
};

// Returns false with a one-line message naming the offending option.
bool parse_cli(int argc, const char* const* argv, CliOptions& out, std::string& error);

// Applies the --collector options over the configuration file's values, then checks the result
// (check_collector_config). Returns false with one line naming the option or field and the file.
bool apply_collector_options(const CliOptions& options, CollectorConfig& config,
                             std::string& error);

// The --help text.
const char* usage_text();

}  // namespace bw::config
