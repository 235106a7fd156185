// Serves a MetricSnapshot at http://ADDR:PORT/metrics in the Prometheus text format. The
// prometheus-cpp adapter: prometheus_endpoint.cc is the only file that includes its headers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sensor/metrics/metric_points.h"

namespace bw::metrics {

class PrometheusEndpoint {
 public:
  // Starts serving on `listen_address` (HOST:PORT, IPv6 in brackets; port 0 picks a free port,
  // see port()). Until the first publish() the page is empty. Returns nullptr with one line
  // naming the address when it cannot listen there.
  static std::unique_ptr<PrometheusEndpoint> open(const std::string& listen_address,
                                                  std::string& error);
  virtual ~PrometheusEndpoint() = default;

  // Replaces what scrapes see, as one whole: a scrape never mixes two snapshots.
  virtual void publish(MetricSnapshot snapshot) = 0;
  // Instead of published snapshots, scrapes call `source` (on the endpoint's HTTP thread) for
  // values as of the scrape. Set before the first scrape matters; the source must stay valid
  // until the endpoint is destroyed.
  virtual void set_source(std::function<MetricSnapshot()> source) = 0;
  // The port actually bound (the chosen one when the address asked for port 0).
  virtual std::uint16_t port() const = 0;
};

}  // namespace bw::metrics
