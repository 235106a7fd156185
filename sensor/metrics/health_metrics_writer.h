// bw-sensor --metrics: an EventWriter that turns each `health` event into the Prometheus families
// of health_metric_names.h and hands them to the endpoint, which serves the last one at /metrics.
// It runs on the exporter thread like every writer; other events pass by untouched, so it adds
// nothing to the data path but one type check per event.
#pragma once

#include <memory>
#include <string>

#include "sensor/export/event_encoder.h"
#include "sensor/metrics/metric_points.h"
#include "sensor/metrics/prometheus_endpoint.h"

namespace beaconwatch::v1 {
class HealthReport;
}

namespace bw::metrics {

struct HealthSnapshotOptions {
  // With a collector stream, the stream and spool families are shown (zero until reported);
  // without one they are left out rather than reading as a disconnected stream.
  bool collector_stream = false;
};

// The families for one health report: every named family (zero when the report leaves it out:
// reports carry non-zero counters only), stage families with one sample per reported counter,
// per-thread CPU seconds and the uptime. Counters the table does not know are left out.
MetricSnapshot health_snapshot(const beaconwatch::v1::HealthReport& report,
                               const HealthSnapshotOptions& options);

class HealthMetricsWriter final : public exporter::EventWriter {
 public:
  HealthMetricsWriter(std::unique_ptr<PrometheusEndpoint> endpoint, HealthSnapshotOptions options);

  bool write(const beaconwatch::v1::Event& event) override;
  bool flush() override { return true; }
  const std::string& error() const override { return error_; }

 private:
  std::unique_ptr<PrometheusEndpoint> endpoint_;
  HealthSnapshotOptions options_;
  std::string error_;  // publishing cannot fail; kept for the interface
};

}  // namespace bw::metrics
