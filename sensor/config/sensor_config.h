// The sensor's configuration as the rest of the code sees it: plain structs with defaults. The
// file format and its validation live in config_loader.cc; the schema is documented in
// proto/beaconwatch/v1/config.proto.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/correlate/beacon_detector.h"
#include "sensor/decode/packet_decoder.h"
#include "sensor/flow/flow_processor.h"

namespace bw::config {

// The sensor id of a sensor configured with none. Streaming to a collector, such a sensor takes
// its certificate's CN instead.
inline constexpr const char* kDefaultSensorId = "bw-sensor";

struct PipelineConfig {
  std::uint32_t workers = 1;
  std::uint32_t queue_depth = 2048;
  std::uint32_t packet_buffer_bytes = 4u << 20;
  TimestampNs live_queue_wait = kNsPerSecond / 100;  // live capture's wait on a full queue
  std::uint32_t event_queue_depth = 256;
  TimestampNs tick_interval = kNsPerSecond;
  TimestampNs health_interval = 60 * kNsPerSecond;  // live capture only; 0 turns reports off
  bool pin_cpus = false;  // capture on CPU 0, workers on the next ones, exporter on the last
  // Sequence number of the first event. Not in the config file: a sensor streaming to a collector
  // continues after the last sequence its spool has seen, so sequences never go backwards across
  // restarts.
  std::uint64_t first_sequence = 1;
};

struct DetectionInputs {
  std::vector<std::string> intel_feeds;
  std::string recipients_file;
  std::vector<std::string> mail_watchlists;
  std::string first_seen_file;
};

// Streaming to a collector (config section `collector`); off while address is empty.
struct CollectorConfig {
  std::string address;  // HOST:PORT
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;  // TLS name override; empty: the host of address
  std::string spool_dir = "/var/lib/beaconwatch/spool";
  std::uint64_t spool_max_bytes = 256ull << 20;
  std::uint64_t spool_segment_bytes = 8ull << 20;
  std::uint32_t fsync_interval_ms = 1000;
  std::uint32_t batch_max_events = 500;
  std::uint32_t batch_max_bytes = 1u << 20;
  std::uint32_t batch_max_delay_ms = 200;
  std::uint32_t backoff_initial_ms = 200;
  std::uint32_t backoff_max_ms = 10000;
  std::uint32_t drain_timeout_s = 60;
  std::uint32_t max_batches_in_flight = 8;
};

// Prometheus metrics (config section `metrics`); off while listen is empty.
struct MetricsConfig {
  std::string listen;  // ADDR:PORT for /metrics; port 0 picks a free one
};

struct SensorConfig {
  std::string sensor_id = kDefaultSensorId;
  PipelineConfig pipeline;
  // Totals over all workers; the pipeline divides per worker.
  flow::FlowConfig flow{.max_flows = 262144};
  decode::DecoderConfig decode;
  correlate::DetectConfig detect;
  DetectionInputs detection_inputs;
  CollectorConfig collector;
  MetricsConfig metrics;
};

// Reads a JSON configuration file. On failure returns false with one line naming the file and
// the offending field.
bool load_config_file(const std::string& path, SensorConfig& config, std::string& error);

// Same, from JSON text (for tests); `origin` names the text in errors.
bool load_config_json(const std::string& json, const std::string& origin, SensorConfig& config,
                      std::string& error);

// HOST:PORT with a non-empty host (a name, an IPv4 address or a bracketed IPv6 address) and a
// port from 1 to 65535.
bool is_collector_address(std::string_view address);

// ADDR:PORT to listen on: like is_collector_address, but port 0 (a free port) is allowed.
bool is_listen_address(std::string_view address);

// With an address set: the three TLS files are named and readable. Returns false with one line
// naming the field and the file.
bool check_collector_config(const CollectorConfig& config, std::string& error);

}  // namespace bw::config
