#include "sensor/metrics/health_metrics_writer.h"

#include <string_view>
#include <utility>

#include "beaconwatch/v1/event.pb.h"
#include "sensor/metrics/health_metric_names.h"

namespace bw::metrics {
namespace {

constexpr double kSecondsPerMicrosecond = 1e-6;

bool is_stream_counter(std::string_view counter) {
  return counter.starts_with("stream.") || counter.starts_with("spool.");
}

MetricFamilyPoints& family_named(MetricSnapshot& snapshot, std::string_view name,
                                 std::string_view help, MetricKind kind) {
  for (MetricFamilyPoints& family : snapshot) {
    if (family.name == name) return family;
  }
  MetricFamilyPoints& family = snapshot.emplace_back();
  family.name = name;
  family.help = help;
  family.kind = kind;
  return family;
}

}  // namespace

MetricSnapshot health_snapshot(const beaconwatch::v1::HealthReport& report,
                               const HealthSnapshotOptions& options) {
  MetricSnapshot snapshot;
  // Named families first, every sample at zero: the report lists non-zero counters only, and a
  // gauge that fell to zero (an emptied spool) must read zero, not its last value.
  for (const NamedHealthMetric& named : named_health_metrics()) {
    if (!options.collector_stream && is_stream_counter(named.counter)) continue;
    MetricFamilyPoints& family = family_named(snapshot, named.family, named.help, named.kind);
    MetricSample& sample = family.samples.emplace_back();
    sample.label_name = named.label_name;
    sample.label_value = named.label_value;
  }
  for (const beaconwatch::v1::HealthCounter& counter : report.counters()) {
    const HealthMetricTarget target = find_health_metric(counter.name());
    const auto value = static_cast<double>(counter.value());
    switch (target.how) {
      case HealthMetricTarget::How::kNamed: {
        if (!options.collector_stream && is_stream_counter(target.named->counter)) break;
        MetricFamilyPoints& family =
            family_named(snapshot, target.named->family, target.named->help, target.named->kind);
        for (MetricSample& sample : family.samples) {
          if (sample.label_value == target.named->label_value) sample.value = value;
        }
        break;
      }
      case HealthMetricTarget::How::kStage: {
        MetricFamilyPoints& family =
            family_named(snapshot, target.stage->family, target.stage->help, MetricKind::kCounter);
        family.samples.push_back({"counter", std::string(target.label_value), value});
        break;
      }
      case HealthMetricTarget::How::kThreadCpu: {
        MetricFamilyPoints& family =
            family_named(snapshot, kThreadCpuFamily,
                         "CPU time (user and system) used by each of the sensor's threads.",
                         MetricKind::kCounter);
        family.samples.push_back(
            {"thread", std::string(target.label_value), value * kSecondsPerMicrosecond});
        break;
      }
      case HealthMetricTarget::How::kExcluded:
      case HealthMetricTarget::How::kUnknown:
        break;
    }
  }
  MetricFamilyPoints& uptime = family_named(
      snapshot, kUptimeFamily, "Seconds since the sensor started capturing.", MetricKind::kGauge);
  uptime.samples.push_back({{}, {}, report.uptime_s()});
  return snapshot;
}

HealthMetricsWriter::HealthMetricsWriter(std::unique_ptr<PrometheusEndpoint> endpoint,
                                         HealthSnapshotOptions options)
    : endpoint_(std::move(endpoint)), options_(options) {}

bool HealthMetricsWriter::write(const beaconwatch::v1::Event& event) {
  if (event.has_health()) endpoint_->publish(health_snapshot(event.health(), options_));
  return true;
}

}  // namespace bw::metrics
