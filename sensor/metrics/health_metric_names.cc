#include "sensor/metrics/health_metric_names.h"

#include <array>

namespace bw::metrics {
namespace {

constexpr MetricKind kCounter = MetricKind::kCounter;
constexpr MetricKind kGauge = MetricKind::kGauge;

// The counters an operator alerts on, each with a name of its own. Looked up before the stage
// families, so a counter here is not repeated under its stage's `counter` label.
constexpr std::array kNamed = {
    // Capture: what the interfaces delivered and what was lost before a worker saw it.
    NamedHealthMetric{"capture.packets_read",
                      "bw_capture_packets_total",
                      kCounter,
                      "Packets read from the capture interfaces.",
                      {},
                      {}},
    NamedHealthMetric{"capture.bytes_read",
                      "bw_capture_bytes_total",
                      kCounter,
                      "Bytes of the packets read from the capture interfaces.",
                      {},
                      {}},
    NamedHealthMetric{"capture.packets_dispatched",
                      "bw_capture_packets_dispatched_total",
                      kCounter,
                      "Packets handed to a worker.",
                      {},
                      {}},
    NamedHealthMetric{"capture.packets_not_ip",
                      "bw_capture_packets_not_ip_total",
                      kCounter,
                      "Packets without an IP layer the sensor reads.",
                      {},
                      {}},
    NamedHealthMetric{"capture.packets_malformed",
                      "bw_capture_packets_malformed_total",
                      kCounter,
                      "Packets whose headers could not be decoded.",
                      {},
                      {}},
    NamedHealthMetric{"capture.timestamps_out_of_range",
                      "bw_capture_timestamps_out_of_range_total",
                      kCounter,
                      "Packets with a timestamp the sensor cannot use.",
                      {},
                      {}},
    NamedHealthMetric{"capture.fragments_held",
                      "bw_capture_fragments_held_total",
                      kCounter,
                      "IP fragments held for reassembly.",
                      {},
                      {}},
    NamedHealthMetric{"capture.unsupported_linktype",
                      "bw_capture_unsupported_linktype_total",
                      kCounter,
                      "Inputs with a link type the sensor cannot decode.",
                      {},
                      {}},
    NamedHealthMetric{"capture.queue_full_waits",
                      "bw_capture_queue_full_waits_total",
                      kCounter,
                      "Times the capture thread waited for room in a worker queue.",
                      {},
                      {}},
    NamedHealthMetric{"capture.queue_full_drops",
                      "bw_capture_queue_drops_total",
                      kCounter,
                      "Packets dropped because a worker queue stayed full "
                      "(pipeline.live_queue_wait_ms).",
                      {},
                      {}},
    NamedHealthMetric{"capture.kernel_received",
                      "bw_kernel_received_packets_total",
                      kCounter,
                      "Packets the kernel received for the capture (pcap_stats ps_recv).",
                      {},
                      {}},
    NamedHealthMetric{"capture.kernel_dropped",
                      "bw_kernel_drops_total",
                      kCounter,
                      "Packets the kernel dropped for lack of room in the capture ring "
                      "(pcap_stats ps_drop).",
                      {},
                      {}},
    NamedHealthMetric{"capture.kernel_interface_dropped",
                      "bw_kernel_interface_drops_total",
                      kCounter,
                      "Packets the interface or its driver dropped (pcap_stats ps_ifdrop).",
                      {},
                      {}},
    // Workers.
    NamedHealthMetric{"flow.packets",
                      "bw_worker_packets_total",
                      kCounter,
                      "Packets processed by the workers.",
                      {},
                      {}},
    NamedHealthMetric{"flow.bytes",
                      "bw_worker_bytes_total",
                      kCounter,
                      "Bytes of the packets processed by the workers.",
                      {},
                      {}},
    NamedHealthMetric{"flow_table.flows_created",
                      "bw_flows_total",
                      kCounter,
                      "Flows tracked since the start.",
                      {},
                      {}},
    // Exported events by kind, and the exporter's troubles.
    NamedHealthMetric{"export.events_http", "bw_events_total", kCounter, "Events written, by kind.",
                      "kind", "http"},
    NamedHealthMetric{"export.events_dns", "bw_events_total", kCounter, "Events written, by kind.",
                      "kind", "dns"},
    NamedHealthMetric{"export.events_tls", "bw_events_total", kCounter, "Events written, by kind.",
                      "kind", "tls"},
    NamedHealthMetric{"export.events_quic", "bw_events_total", kCounter, "Events written, by kind.",
                      "kind", "quic"},
    NamedHealthMetric{"export.events_beacon", "bw_events_total", kCounter,
                      "Events written, by kind.", "kind", "beacon"},
    NamedHealthMetric{"export.events_campaign", "bw_events_total", kCounter,
                      "Events written, by kind.", "kind", "campaign"},
    NamedHealthMetric{"export.events_health", "bw_events_total", kCounter,
                      "Events written, by kind.", "kind", "health"},
    NamedHealthMetric{"export.event_queue_full_waits",
                      "bw_export_queue_full_waits_total",
                      kCounter,
                      "Times a worker waited for room in its event queue.",
                      {},
                      {}},
    NamedHealthMetric{"export.write_errors",
                      "bw_export_write_errors_total",
                      kCounter,
                      "Failed writes to an output (JSON, protobuf, spool).",
                      {},
                      {}},
    // Detection: alerts by the protocol of the event they are about.
    NamedHealthMetric{"detect.alerts_http", "bw_alerts_total", kCounter,
                      "Beacon alerts, by the protocol of the event alerted on.", "protocol",
                      "http"},
    NamedHealthMetric{"detect.alerts_tls", "bw_alerts_total", kCounter,
                      "Beacon alerts, by the protocol of the event alerted on.", "protocol", "tls"},
    NamedHealthMetric{"detect.alerts_quic", "bw_alerts_total", kCounter,
                      "Beacon alerts, by the protocol of the event alerted on.", "protocol",
                      "quic"},
    NamedHealthMetric{"detect.alerts_dns", "bw_alerts_total", kCounter,
                      "Beacon alerts, by the protocol of the event alerted on.", "protocol", "dns"},
    NamedHealthMetric{"detect.alerts_retroactive",
                      "bw_alerts_retroactive_total",
                      kCounter,
                      "Alerts raised after the fact, once a campaign member was sure.",
                      {},
                      {}},
    NamedHealthMetric{
        "detect.campaigns_formed", "bw_campaigns_total", kCounter, "Campaigns formed.", {}, {}},
    // Collector stream and its spool (only with --collector).
    NamedHealthMetric{"stream.connected",
                      "bw_stream_connected",
                      kGauge,
                      "1 while the stream to the collector is connected, else 0.",
                      {},
                      {}},
    NamedHealthMetric{"stream.events_acknowledged",
                      "bw_stream_events_acknowledged_total",
                      kCounter,
                      "Events the collector acknowledged as stored.",
                      {},
                      {}},
    NamedHealthMetric{"spool.pending_events",
                      "bw_spool_pending_events",
                      kGauge,
                      "Events in the spool not yet acknowledged by the collector.",
                      {},
                      {}},
    NamedHealthMetric{"spool.pending_bytes",
                      "bw_spool_pending_bytes",
                      kGauge,
                      "Bytes of the spool's unacknowledged events.",
                      {},
                      {}},
    NamedHealthMetric{"spool.events_dropped_at_cap",
                      "bw_spool_events_dropped_at_cap_total",
                      kCounter,
                      "Events lost: the oldest spooled events dropped at the spool cap.",
                      {},
                      {}},
    NamedHealthMetric{"spool.events_lost_write",
                      "bw_spool_events_lost_write_total",
                      kCounter,
                      "Events lost to a spool write error.",
                      {},
                      {}},
    NamedHealthMetric{"spool.fsync_failures",
                      "bw_spool_fsync_failures_total",
                      kCounter,
                      "Spool fsyncs that failed (events not durable until a later one succeeds).",
                      {},
                      {}},
    NamedHealthMetric{"spool.write_failures",
                      "bw_spool_write_failures_total",
                      kCounter,
                      "Spool writes that failed.",
                      {},
                      {}},
    NamedHealthMetric{"spool.bytes_appended",
                      "bw_spool_appended_bytes_total",
                      kCounter,
                      "Bytes appended to the spool.",
                      {},
                      {}},
    NamedHealthMetric{"spool.skipped_bytes",
                      "bw_spool_skipped_bytes_total",
                      kCounter,
                      "Bytes of damaged spool records skipped.",
                      {},
                      {}},
};

// Stages whose remaining counters are named weirds and tallies, one family each.
constexpr std::array kStages = {
    StageHealthFamily{"decode", "bw_decode_total",
                      "Packet decoding: layers, encapsulations and decoding weirds, by counter."},
    StageHealthFamily{"flow", "bw_flow_total", "Flow processing on the workers, by counter."},
    StageHealthFamily{"flow_table", "bw_flow_table_total",
                      "Flow table: how flows ended, by counter."},
    StageHealthFamily{"tcp", "bw_tcp_reassembly_total",
                      "TCP reassembly: retransmissions, gaps, reordering, by counter."},
    StageHealthFamily{"classify", "bw_classify_total", "nDPI classification, by counter."},
    StageHealthFamily{"http", "bw_http_parser_total",
                      "HTTP parser: messages and weirds, by counter."},
    StageHealthFamily{"dns", "bw_dns_parser_total", "DNS parser: messages and weirds, by counter."},
    StageHealthFamily{"tls", "bw_tls_parser_total",
                      "TLS parser: handshakes and weirds, by counter."},
    StageHealthFamily{"quic", "bw_quic_parser_total",
                      "QUIC Initial parser: versions, decryption and weirds, by counter."},
    StageHealthFamily{"smtp", "bw_smtp_parser_total",
                      "SMTP and MIME parser: messages, URLs and weirds, by counter."},
    StageHealthFamily{"starttls", "bw_starttls_total",
                      "STARTTLS upgrades on mail ports, by counter."},
    StageHealthFamily{"detect", "bw_detect_total",
                      "Beacon detection's signals and bounded tables, by counter."},
    StageHealthFamily{"stream", "bw_stream_total",
                      "Collector stream: connections, batches, events, by counter."},
    StageHealthFamily{"spool", "bw_spool_total",
                      "Disk spool: segments, fsyncs, damaged records, by counter."},
};

constexpr std::array kExcluded = {
    ExcludedHealthCounter{"capture.files_opened", "replay inputs; a live sensor opens none"},
    ExcludedHealthCounter{"capture.ticks", "the pipeline's internal clock ticks"},
    ExcludedHealthCounter{"export.events_written",
                          "the sum of bw_events_total without kind=\"health\""},
    ExcludedHealthCounter{"spool.stream_epoch", "a random identifier of the spool, not a quantity"},
};

}  // namespace

std::span<const NamedHealthMetric> named_health_metrics() {
  return kNamed;
}
std::span<const StageHealthFamily> stage_health_families() {
  return kStages;
}
std::span<const ExcludedHealthCounter> excluded_health_counters() {
  return kExcluded;
}

HealthMetricTarget find_health_metric(std::string_view counter) {
  HealthMetricTarget target;
  for (const NamedHealthMetric& named : kNamed) {
    if (named.counter == counter) {
      target.how = HealthMetricTarget::How::kNamed;
      target.named = &named;
      return target;
    }
  }
  for (const ExcludedHealthCounter& excluded : kExcluded) {
    if (excluded.counter == counter) {
      target.how = HealthMetricTarget::How::kExcluded;
      return target;
    }
  }
  const std::size_t dot = counter.find('.');
  if (dot == std::string_view::npos) return target;
  const std::string_view section = counter.substr(0, dot);
  const std::string_view rest = counter.substr(dot + 1);
  constexpr std::string_view kCpuSuffix = ".cpu_us";
  if (section == "thread" && rest.size() > kCpuSuffix.size() && rest.ends_with(kCpuSuffix)) {
    target.how = HealthMetricTarget::How::kThreadCpu;
    target.label_value = rest.substr(0, rest.size() - kCpuSuffix.size());
    return target;
  }
  for (const StageHealthFamily& stage : kStages) {
    if (stage.section == section && !rest.empty()) {
      target.how = HealthMetricTarget::How::kStage;
      target.stage = &stage;
      target.label_value = rest;
      return target;
    }
  }
  return target;
}

}  // namespace bw::metrics
