// The sensor's health counters ("section.name", as in health events and the end-of-run summary)
// under Prometheus names. Every counter is declared once, in the tables of
// health_metric_names.cc: mapped to a family of its own, mapped into its stage's family with the
// counter's name as the `counter` label, or excluded with the reason. tests/unit/metrics checks
// that every counter RunSummary and the collector stream report is in one of them.
#pragma once

#include <span>
#include <string_view>

#include "sensor/metrics/metric_points.h"

namespace bw::metrics {

// One counter that has a family of its own (kernel drops, events by kind, spool depth...).
struct NamedHealthMetric {
  std::string_view counter;  // "section.name"
  std::string_view family;   // bw_..., _total for counters, base units
  MetricKind kind;
  std::string_view help;
  std::string_view label_name;   // empty: none
  std::string_view label_value;  // a fixed value, e.g. kind="http"
};

// A whole stage whose counters (parser weirds and the like: dozens of them, a fixed set) go into
// one family, each under label counter="<name>".
struct StageHealthFamily {
  std::string_view section;
  std::string_view family;
  std::string_view help;
};

// A counter deliberately not exported, and why.
struct ExcludedHealthCounter {
  std::string_view counter;
  std::string_view reason;
};

std::span<const NamedHealthMetric> named_health_metrics();
std::span<const StageHealthFamily> stage_health_families();
std::span<const ExcludedHealthCounter> excluded_health_counters();

// Per-thread CPU time: "thread.<thread name>.cpu_us" becomes this family, in seconds, with label
// thread="<thread name>" (bw-capture, bw-worker-N, bw-export: a small fixed set per sensor).
inline constexpr std::string_view kThreadCpuFamily = "bw_thread_cpu_seconds_total";
inline constexpr std::string_view kUptimeFamily = "bw_uptime_seconds";

// Where one health counter goes.
struct HealthMetricTarget {
  enum class How { kNamed, kStage, kThreadCpu, kExcluded, kUnknown };
  How how = How::kUnknown;
  const NamedHealthMetric* named = nullptr;  // kNamed
  const StageHealthFamily* stage = nullptr;  // kStage
  std::string_view label_value;              // kStage: the counter's name; kThreadCpu: the thread
};

HealthMetricTarget find_health_metric(std::string_view counter);

}  // namespace bw::metrics
