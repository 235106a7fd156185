// bw-collector serve --metrics: the collector's counters under Prometheus names. Each counter is
// declared once, in the table of collector_metrics.cc; tests/unit/collector checks that every
// store and SIEM-output counter is in it.
#pragma once

#include <span>
#include <string_view>

#include "collector/collector_service.h"
#include "collector/server.h"
#include "collector/store.h"
#include "sensor/metrics/metric_points.h"

namespace bw::collector {

struct CollectorMetric {
  std::string_view counter;  // "store.events_inserted", "json_out.lines_written"
  std::string_view family;   // bw_collector_..._total
  std::string_view help;
};

std::span<const CollectorMetric> collector_metrics();

// Everything at the time of the call (it runs on each scrape). `sink` may be null (no
// --json-out): its families are then left out.
metrics::MetricSnapshot collector_snapshot(const StoreCounters& store, const JsonSinkCounters* sink,
                                           const CollectorService& service);

}  // namespace bw::collector
