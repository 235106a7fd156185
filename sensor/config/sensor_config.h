// The sensor's configuration as the rest of the code sees it: plain structs with defaults. The
// file format and its validation live in config_loader.cc; the schema is documented in
// proto/beaconwatch/v1/config.proto.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sensor/correlate/beacon_detector.h"
#include "sensor/decode/packet_decoder.h"
#include "sensor/flow/flow_processor.h"

namespace bw::config {

struct PipelineConfig {
  std::uint32_t workers = 1;
  std::uint32_t queue_depth = 8192;
  std::uint32_t packet_buffer_bytes = 16u << 20;
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

struct SensorConfig {
  std::string sensor_id = "bw-sensor";
  PipelineConfig pipeline;
  // Totals over all workers; the pipeline divides per worker.
  flow::FlowConfig flow{.max_flows = 262144};
  decode::DecoderConfig decode;
  correlate::DetectConfig detect;
  DetectionInputs detection_inputs;
};

// Reads a JSON configuration file. On failure returns false with one line naming the file and
// the offending field.
bool load_config_file(const std::string& path, SensorConfig& config, std::string& error);

// Same, from JSON text (for tests); `origin` names the text in errors.
bool load_config_json(const std::string& json, const std::string& origin, SensorConfig& config,
                      std::string& error);

}  // namespace bw::config
