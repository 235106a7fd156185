#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <sstream>

#include "beaconwatch/v1/config.pb.h"
#include "sensor/config/sensor_config.h"

namespace bw::config {
namespace {

namespace pb = beaconwatch::v1;

// Applies one numeric field: 0 keeps the default, anything else must lie in [low, high].
class FieldApplier {
 public:
  FieldApplier(const std::string& origin, std::string& error) : origin_(origin), error_(error) {}

  template <typename T>
  void apply(std::uint64_t value, const char* name, std::uint64_t low, std::uint64_t high,
             T& target, std::uint64_t scale = 1) {
    if (!ok_ || value == 0) return;
    if (value < low || value > high) {
      error_ = origin_ + ": " + name + " = " + std::to_string(value) + " is out of range [" +
               std::to_string(low) + ", " + std::to_string(high) + "]";
      ok_ = false;
      return;
    }
    target = static_cast<T>(value * scale);
  }
  void fail(const std::string& message) {
    if (!ok_) return;
    error_ = origin_ + ": " + message;
    ok_ = false;
  }
  bool ok() const { return ok_; }

 private:
  const std::string& origin_;
  std::string& error_;
  bool ok_ = true;
};

void apply_collector_settings(const pb::CollectorSettings& in, CollectorConfig& out,
                              FieldApplier& f) {
  for (const auto& [value, target] :
       {std::pair{&in.address(), &out.address}, std::pair{&in.ca_file(), &out.ca_file},
        std::pair{&in.cert_file(), &out.cert_file}, std::pair{&in.key_file(), &out.key_file},
        std::pair{&in.server_name(), &out.server_name},
        std::pair{&in.spool_dir(), &out.spool_dir}}) {
    if (!value->empty()) *target = *value;
  }
  f.apply(in.spool_max_mib(), "collector.spool_max_mib", 1, 1u << 20, out.spool_max_bytes,
          1u << 20);
  f.apply(in.spool_segment_mib(), "collector.spool_segment_mib", 1, 1024, out.spool_segment_bytes,
          1u << 20);
  f.apply(in.fsync_interval_ms(), "collector.fsync_interval_ms", 1, 60000, out.fsync_interval_ms);
  f.apply(in.batch_max_events(), "collector.batch_max_events", 1, 100000, out.batch_max_events);
  f.apply(in.batch_max_kib(), "collector.batch_max_kib", 1, 16384, out.batch_max_bytes, 1024);
  f.apply(in.batch_max_delay_ms(), "collector.batch_max_delay_ms", 1, 60000,
          out.batch_max_delay_ms);
  f.apply(in.backoff_initial_ms(), "collector.backoff_initial_ms", 10, 60000,
          out.backoff_initial_ms);
  f.apply(in.backoff_max_ms(), "collector.backoff_max_ms", 100, 3600000, out.backoff_max_ms);
  f.apply(in.drain_timeout_s(), "collector.drain_timeout_s", 1, 86400, out.drain_timeout_s);
  f.apply(in.max_batches_in_flight(), "collector.max_batches_in_flight", 1, 1024,
          out.max_batches_in_flight);
  if (!out.address.empty() && !is_collector_address(out.address)) {
    f.fail("collector.address = '" + out.address + "' is not HOST:PORT (port 1 to 65535)");
  }
  if (out.spool_segment_bytes > out.spool_max_bytes) {
    f.fail(
        "collector.spool_segment_mib = " + std::to_string(out.spool_segment_bytes >> 20) +
        " is larger than collector.spool_max_mib = " + std::to_string(out.spool_max_bytes >> 20));
  }
  if (out.backoff_initial_ms > out.backoff_max_ms) {
    f.fail("collector.backoff_initial_ms = " + std::to_string(out.backoff_initial_ms) +
           " is larger than collector.backoff_max_ms = " + std::to_string(out.backoff_max_ms));
  }
}

void apply_settings(const pb::SensorConfig& in, SensorConfig& out, FieldApplier& f) {
  if (!in.sensor_id().empty()) out.sensor_id = in.sensor_id();
  const pb::PipelineSettings& p = in.pipeline();
  f.apply(p.workers(), "pipeline.workers", 1, 64, out.pipeline.workers);
  f.apply(p.queue_depth(), "pipeline.queue_depth", 64, 1u << 20, out.pipeline.queue_depth);
  f.apply(p.packet_buffer_kib(), "pipeline.packet_buffer_kib", 256, 1u << 20,
          out.pipeline.packet_buffer_bytes, 1024);
  f.apply(p.event_queue_depth(), "pipeline.event_queue_depth", 16, 65536,
          out.pipeline.event_queue_depth);
  f.apply(p.tick_interval_ms(), "pipeline.tick_interval_ms", 10, 60000, out.pipeline.tick_interval,
          1'000'000);
  if (p.pin_cpus()) out.pipeline.pin_cpus = true;
  f.apply(p.live_queue_wait_ms(), "pipeline.live_queue_wait_ms", 1, 10000,
          out.pipeline.live_queue_wait, 1'000'000);
  f.apply(p.health_interval_s(), "pipeline.health_interval_s", 1, 86400,
          out.pipeline.health_interval, kNsPerSecond);

  const pb::FlowSettings& fl = in.flow();
  f.apply(fl.max_flows(), "flow.max_flows", 1024, 1u << 24, out.flow.max_flows);
  f.apply(fl.tcp_idle_timeout_s(), "flow.tcp_idle_timeout_s", 1, 86400, out.flow.tcp_idle_timeout,
          kNsPerSecond);
  f.apply(fl.udp_idle_timeout_s(), "flow.udp_idle_timeout_s", 1, 86400, out.flow.udp_idle_timeout,
          kNsPerSecond);
  f.apply(fl.tcp_closed_timeout_s(), "flow.tcp_closed_timeout_s", 1, 86400,
          out.flow.tcp_closed_timeout, kNsPerSecond);
  f.apply(fl.stream_buffers(), "flow.stream_buffers", 16, 1u << 20, out.flow.stream_buffers);
  f.apply(fl.stream_buffer_kib(), "flow.stream_buffer_kib", 4, 256, out.flow.stream_buffer_bytes,
          1024);
  f.apply(fl.http_sessions(), "flow.http_sessions", 16, 1u << 20, out.flow.http_sessions);
  f.apply(fl.tls_sessions(), "flow.tls_sessions", 16, 1u << 20, out.flow.tls_sessions);
  f.apply(fl.quic_sessions(), "flow.quic_sessions", 16, 1u << 20, out.flow.quic_sessions);
  f.apply(fl.tcp_reorder_windows(), "flow.tcp_reorder_windows", 16, 1u << 20,
          out.flow.reassembly.windows);
  f.apply(fl.tcp_reorder_window_kib(), "flow.tcp_reorder_window_kib", 2, 256,
          out.flow.reassembly.window_bytes, 1024);
  f.apply(fl.tcp_reorder_timeout_ms(), "flow.tcp_reorder_timeout_ms", 10, 60000,
          out.flow.reassembly.hole_timeout, 1'000'000);

  const pb::DecodeSettings& d = in.decode();
  f.apply(d.max_fragment_datagrams(), "decode.max_fragment_datagrams", 16, 1u << 20,
          out.decode.max_fragment_datagrams);
  f.apply(d.fragment_timeout_s(), "decode.fragment_timeout_s", 1, 600,
          out.decode.fragment_timeout_ns, kNsPerSecond);
  f.apply(d.max_encapsulation_depth(), "decode.max_encapsulation_depth", 1, 16,
          out.decode.max_encapsulation_depth);
  f.apply(d.vxlan_port(), "decode.vxlan_port", 1, 65535, out.decode.vxlan_port);
  f.apply(d.geneve_port(), "decode.geneve_port", 1, 65535, out.decode.geneve_port);
  f.apply(d.teredo_port(), "decode.teredo_port", 1, 65535, out.decode.teredo_port);
  f.apply(d.gtpu_port(), "decode.gtpu_port", 1, 65535, out.decode.gtpu_port);
  f.apply(d.ayiya_port(), "decode.ayiya_port", 1, 65535, out.decode.ayiya_port);

  const pb::DetectSettings& det = in.detect();
  out.detect.enabled = !det.disabled();
  struct Weight {
    float value;
    float* target;
  };
  for (const Weight& w :
       {Weight{det.alert_threshold(), &out.detect.alert_threshold},
        Weight{det.per_recipient_token(), &out.detect.per_recipient_token},
        Weight{det.recipient_in_url(), &out.detect.recipient_in_url},
        Weight{det.pixel_response(), &out.detect.pixel_response},
        Weight{det.cache_busting(), &out.detect.cache_busting},
        Weight{det.mail_client(), &out.detect.mail_client},
        Weight{det.no_referrer_no_cookie(), &out.detect.no_referrer_no_cookie},
        Weight{det.rare_domain(), &out.detect.rare_domain},
        Weight{det.tracker_intel(), &out.detect.tracker_intel},
        Weight{det.ioc_intel(), &out.detect.ioc_intel},
        Weight{det.mail_privacy_proxy(), &out.detect.mail_privacy_proxy},
        Weight{det.campaign(), &out.detect.campaign},
        Weight{det.inbound_mail_url(), &out.detect.inbound_mail_url},
        Weight{det.dns_token_label(), &out.detect.dns_token_label},
        Weight{det.page_referrer(), &out.detect.page_referrer},
        Weight{det.cookie_sent(), &out.detect.cookie_sent},
        Weight{det.per_recipient_token_unconfirmed(), &out.detect.per_recipient_token_unconfirmed},
        Weight{det.confirm_threshold(), &out.detect.confirm_threshold}}) {
    if (w.value != 0) *w.target = w.value;
  }
  f.apply(det.campaign_min_hosts(), "detect.campaign_min_hosts", 2, 1000,
          out.detect.campaign_min_hosts);
  f.apply(det.campaign_window_s(), "detect.campaign_window_s", 60, 604800,
          out.detect.campaign_window, kNsPerSecond);
  f.apply(det.campaign_max_keys(), "detect.campaign_max_keys", 16, 1u << 20,
          out.detect.campaign_max_keys);
  f.apply(det.first_seen_capacity(), "detect.first_seen_capacity", 1024, 1u << 26,
          out.detect.first_seen_capacity);
  f.apply(det.dns_cache_capacity(), "detect.dns_cache_capacity", 1024, 1u << 24,
          out.detect.dns_cache_capacity);
  f.apply(det.campaign_exact_hosts(), "detect.campaign_exact_hosts", 16, 1u << 20,
          out.detect.campaign_exact_hosts);
  f.apply(det.campaign_exact_members_total(), "detect.campaign_exact_members_total", 1024, 1u << 24,
          out.detect.campaign_exact_members_total);
  f.apply(det.campaign_update_interval_s(), "detect.campaign_update_interval_s", 1, 86400,
          out.detect.campaign_update_interval, kNsPerSecond);
  f.apply(det.pending_per_campaign(), "detect.pending_per_campaign", 1, 1024,
          out.detect.pending_per_campaign);
  f.apply(det.pending_max_total(), "detect.pending_max_total", 16, 1u << 20,
          out.detect.pending_max_total);
  f.apply(det.beacon_domains_capacity(), "detect.beacon_domains_capacity", 16, 1u << 20,
          out.detect.beacon_domains_capacity);
  if (out.detect.campaign_update_interval > out.detect.campaign_window) {
    f.fail("detect.campaign_update_interval_s = " +
           std::to_string(out.detect.campaign_update_interval / kNsPerSecond) +
           " is longer than detect.campaign_window_s = " +
           std::to_string(out.detect.campaign_window / kNsPerSecond));
  }
  f.apply(det.application_id_tokens(), "detect.application_id_tokens", 2, 1000,
          out.detect.application_id_tokens);
  f.apply(det.token_evidence_capacity(), "detect.token_evidence_capacity", 1024, 1u << 24,
          out.detect.token_evidence_capacity);
  f.apply(det.learning_period_h(), "detect.learning_period_h", 1, 8760, out.detect.learning_period,
          3600 * kNsPerSecond);
  if (det.no_learning_period()) out.detect.learning_period = 0;
  out.detect.score_internal = det.score_internal();
  if (det.internal_suffixes_size() > 0) {
    out.detect.internal_suffixes.assign(det.internal_suffixes().begin(),
                                        det.internal_suffixes().end());
  }
  if (det.internal_networks_size() > 0) {
    out.detect.internal_networks.assign(det.internal_networks().begin(),
                                        det.internal_networks().end());
  }
  if (std::string scope_error; !correlate::BeaconDetector::validate(out.detect, scope_error)) {
    f.fail("detect: " + scope_error);
  }
  out.detection_inputs.intel_feeds.assign(det.intel_feeds().begin(), det.intel_feeds().end());
  out.detection_inputs.recipients_file = det.recipients_file();
  out.detection_inputs.mail_watchlists.assign(det.mail_watchlists().begin(),
                                              det.mail_watchlists().end());
  out.detection_inputs.first_seen_file = det.first_seen_file();

  const pb::ClassifySettings& c = in.classify();
  f.apply(c.max_packets_per_flow(), "classify.max_packets_per_flow", 1, 255,
          out.flow.classifier.max_packets_per_flow);
  f.apply(c.max_concurrent_flows(), "classify.max_concurrent_flows", 64, 1u << 20,
          out.flow.classifier.max_concurrent_flows);

  apply_collector_settings(in.collector(), out.collector, f);

  if (!in.metrics().listen().empty()) {
    out.metrics.listen = in.metrics().listen();
    if (!is_listen_address(out.metrics.listen)) {
      f.fail("metrics.listen = '" + out.metrics.listen +
             "' is not ADDR:PORT (port 0 to 65535, IPv6 in brackets)");
    }
  }
}

}  // namespace

bool load_config_json(const std::string& json, const std::string& origin, SensorConfig& config,
                      std::string& error) {
  pb::SensorConfig parsed;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &parsed, options);
  if (!status.ok()) {
    error = origin + ": " + std::string(status.message());
    return false;
  }
  if (parsed.version() != 1) {
    error = origin + ": version = " + std::to_string(parsed.version()) +
            " is not supported (this sensor reads configuration version 1)";
    return false;
  }
  SensorConfig candidate = config;
  FieldApplier applier(origin, error);
  apply_settings(parsed, candidate, applier);
  if (!applier.ok()) return false;
  config = candidate;
  return true;
}

bool load_config_file(const std::string& path, SensorConfig& config, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot open configuration file";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  return load_config_json(text.str(), path, config, error);
}

}  // namespace bw::config
