#include "collector/collector_metrics.h"

#include <array>
#include <chrono>
#include <string>

namespace bw::collector {
namespace {

constexpr std::array kCollectorMetrics = {
    CollectorMetric{"store.batches_committed", "bw_collector_batches_total",
                    "Sensor batches committed to the store."},
    CollectorMetric{"store.events_inserted", "bw_collector_events_stored_total",
                    "Events stored (each (sensor, epoch, sequence) once)."},
    CollectorMetric{"store.events_duplicate", "bw_collector_events_duplicate_total",
                    "Events received again and acknowledged without storing them twice."},
    CollectorMetric{"store.commit_failures", "bw_collector_store_commit_failures_total",
                    "Batch commits the store refused (disk full, I/O error)."},
    CollectorMetric{"store.health_reports", "bw_collector_health_reports_total",
                    "Sensor health events stored."},
    CollectorMetric{"store.campaign_links", "bw_collector_campaign_links_total",
                    "Campaigns of one sensor joined to another sensor's."},
    CollectorMetric{"json_out.lines_written", "bw_collector_siem_lines_total",
                    "Lines written to the SIEM output (--json-out)."},
    CollectorMetric{"json_out.events_unmappable", "bw_collector_siem_events_unmappable_total",
                    "Stored events the SIEM output could not map to ECS."},
    CollectorMetric{"json_out.write_failures", "bw_collector_siem_write_failures_total",
                    "Failed writes to the SIEM output."},
};

const CollectorMetric* find(std::string_view counter) {
  for (const CollectorMetric& metric : kCollectorMetrics) {
    if (metric.counter == counter) return &metric;
  }
  return nullptr;
}

template <typename Counters>
void add_section(std::string_view section, const Counters& counters, metrics::MetricSnapshot& out) {
  counters.for_each([&](std::string_view name, std::uint64_t value) {
    const std::string counter = std::string(section) + "." + std::string(name);
    const CollectorMetric* metric = find(counter);
    if (metric == nullptr) return;  // tests/unit/collector fails before this can ship
    out.push_back({std::string(metric->family),
                   std::string(metric->help),
                   metrics::MetricKind::kCounter,
                   {{{}, {}, static_cast<double>(value)}}});
  });
}

}  // namespace

std::span<const CollectorMetric> collector_metrics() {
  return kCollectorMetrics;
}

metrics::MetricSnapshot collector_snapshot(const StoreCounters& store, const JsonSinkCounters* sink,
                                           const CollectorService& service) {
  metrics::MetricSnapshot out;
  add_section("store", store, out);
  if (sink != nullptr) add_section("json_out", *sink, out);
  metrics::MetricFamilyPoints refusals{
      "bw_collector_refusals_total",
      "Streams and batches refused, by gRPC status (README and docs/COLLECTOR.md name each).",
      metrics::MetricKind::kCounter,
      {}};
  // Every status but OK, zero or not: a fixed set of 16, and a refusal kind that never happened
  // still reads 0 rather than missing.
  for (int code = 1; code <= static_cast<int>(grpc::StatusCode::UNAUTHENTICATED); ++code) {
    const auto status = static_cast<grpc::StatusCode>(code);
    refusals.samples.push_back({"status", std::string(status_code_name(status)),
                                static_cast<double>(service.refusals(status))});
  }
  out.push_back(std::move(refusals));
  const std::chrono::duration<double> commit_time = service.commit_time();
  out.push_back({"bw_collector_store_commit_seconds_total",
                 "Time spent committing batches to the store; divided by "
                 "bw_collector_batches_total, the mean commit latency.",
                 metrics::MetricKind::kCounter,
                 {{{}, {}, commit_time.count()}}});
  return out;
}

}  // namespace bw::collector
