// What a metrics endpoint serves, independent of the library that serves it: a list of families,
// each with its name, help text, type and samples. The sensor's health metrics and the
// collector's counters are both built as this, so neither includes prometheus-cpp.
#pragma once

#include <string>
#include <vector>

namespace bw::metrics {

enum class MetricKind {
  kCounter,  // only ever rises while the process runs; the name ends in _total
  kGauge,    // a level that goes up and down (depths, states)
};

struct MetricSample {
  // At most one label: every label the project exports names one of a small fixed set (a thread,
  // an event kind, a counter of a stage), never a host or a domain.
  std::string label_name;  // empty: no label
  std::string label_value;
  double value = 0;
};

struct MetricFamilyPoints {
  std::string name;
  std::string help;
  MetricKind kind = MetricKind::kCounter;
  std::vector<MetricSample> samples;
};

using MetricSnapshot = std::vector<MetricFamilyPoints>;

}  // namespace bw::metrics
