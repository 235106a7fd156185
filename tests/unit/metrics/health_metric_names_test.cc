// The health counters' Prometheus names: every counter the sensor reports is mapped or
// deliberately excluded (a counter added without a mapping fails here), names follow Prometheus
// conventions, and no label can carry a host, a domain or anything else unbounded.
#include "sensor/metrics/health_metric_names.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "beaconwatch/v1/event.pb.h"
#include "sensor/metrics/health_metrics_writer.h"
#include "sensor/pipeline/run_summary.h"
#include "sensor/stream/collector_client.h"
#include "sensor/stream/spool.h"

namespace bw::metrics {
namespace {

// Every counter a live sensor's health events can carry: the run summary's (two workers and the
// threads a live run has), then the collector stream's (StreamingWriter::append_counters).
std::vector<std::string> every_health_counter() {
  pipeline::RunSummary summary;
  summary.workers.resize(2);
  summary.threads = {{"bw-capture", 1}, {"bw-worker-0", 1}, {"bw-worker-1", 1}, {"bw-export", 1}};
  std::vector<std::string> names;
  summary.for_each_counter([&](std::string_view section, std::string_view name, std::uint64_t) {
    names.push_back(std::string(section) + "." + std::string(name));
  });
  names.emplace_back("stream.connected");
  stream::StreamCounters{}.for_each([&](std::string_view name, std::uint64_t) {
    names.push_back("stream." + std::string(name));
  });
  names.emplace_back("spool.pending_events");
  names.emplace_back("spool.pending_bytes");
  names.emplace_back("spool.stream_epoch");
  stream::SpoolCounters{}.for_each(
      [&](std::string_view name, std::uint64_t) { names.push_back("spool." + std::string(name)); });
  return names;
}

TEST(HealthMetricNamesTest, EveryReportedCounterIsMappedOrDeliberatelyExcluded) {
  for (const std::string& counter : every_health_counter()) {
    EXPECT_NE(find_health_metric(counter).how, HealthMetricTarget::How::kUnknown)
        << counter << " has no Prometheus name: add it to sensor/metrics/health_metric_names.cc "
        << "(a named family, its stage's family, or kExcluded with the reason)";
  }
}

TEST(HealthMetricNamesTest, NamedAndExcludedCountersExistAndAreDeclaredOnce) {
  const std::vector<std::string> reported = every_health_counter();
  const std::set<std::string> known(reported.begin(), reported.end());
  std::set<std::string_view> declared;
  for (const NamedHealthMetric& named : named_health_metrics()) {
    EXPECT_TRUE(known.contains(std::string(named.counter))) << named.counter << " is not reported";
    EXPECT_TRUE(declared.insert(named.counter).second) << named.counter << " declared twice";
  }
  for (const ExcludedHealthCounter& excluded : excluded_health_counters()) {
    EXPECT_TRUE(known.contains(std::string(excluded.counter)))
        << excluded.counter << " is not reported";
    EXPECT_TRUE(declared.insert(excluded.counter).second) << excluded.counter << " declared twice";
    EXPECT_FALSE(excluded.reason.empty()) << excluded.counter;
  }
}

TEST(HealthMetricNamesTest, NamesFollowPrometheusConventions) {
  const std::regex name("bw_[a-z0-9_]+");
  std::map<std::string_view, MetricKind> kinds;
  std::map<std::string_view, std::string_view> helps;
  for (const NamedHealthMetric& named : named_health_metrics()) {
    EXPECT_TRUE(std::regex_match(std::string(named.family), name)) << named.family;
    const bool total = named.family.ends_with("_total");
    EXPECT_EQ(total, named.kind == MetricKind::kCounter) << named.family;
    // Base units: no milliseconds, microseconds or kibibytes in a name.
    for (const char* unit : {"_ms", "_us", "_kib", "_mib", "millis", "micro"}) {
      EXPECT_EQ(named.family.find(unit), std::string_view::npos) << named.family;
    }
    // A family shared by several counters has one kind and one help text.
    auto [kind, new_kind] = kinds.emplace(named.family, named.kind);
    EXPECT_TRUE(new_kind || kind->second == named.kind) << named.family;
    auto [help, new_help] = helps.emplace(named.family, named.help);
    EXPECT_TRUE(new_help || help->second == named.help) << named.family;
    EXPECT_FALSE(named.help.empty()) << named.family;
  }
  for (const StageHealthFamily& stage : stage_health_families()) {
    EXPECT_TRUE(std::regex_match(std::string(stage.family), name)) << stage.family;
    EXPECT_TRUE(stage.family.ends_with("_total")) << stage.family;
    EXPECT_FALSE(kinds.contains(stage.family)) << stage.family << " also a named family";
  }
}

// Labels only ever name one of a fixed set: an event kind, a protocol, a stage's counter, a
// thread. Never a host, a domain, a sensor or an address.
TEST(HealthMetricNamesTest, NoLabelCanCarryAHostOrDomain) {
  const std::set<std::string_view> allowed = {"kind", "protocol"};
  for (const NamedHealthMetric& named : named_health_metrics()) {
    if (named.label_name.empty()) continue;
    EXPECT_TRUE(allowed.contains(named.label_name)) << named.family << "{" << named.label_name;
    EXPECT_FALSE(named.label_value.empty()) << named.family;
  }
  beaconwatch::v1::HealthReport report;
  for (const std::string& counter : every_health_counter()) {
    auto* added = report.add_counters();
    added->set_name(counter);
    added->set_value(1);
  }
  const std::set<std::string> snapshot_labels = {"kind", "protocol", "counter", "thread"};
  for (const MetricFamilyPoints& family :
       health_snapshot(report, HealthSnapshotOptions{.collector_stream = true})) {
    for (const MetricSample& sample : family.samples) {
      if (sample.label_name.empty()) continue;
      EXPECT_TRUE(snapshot_labels.contains(sample.label_name)) << family.name;
      for (const char* unbounded : {"host", "domain", "sensor", "ip", "address", "sni"}) {
        EXPECT_NE(sample.label_name, unbounded) << family.name;
      }
    }
  }
}

TEST(HealthMetricNamesTest, StageCountersAndThreadsGetTheirLabels) {
  const HealthMetricTarget weird = find_health_metric("http.header_malformed");
  ASSERT_EQ(weird.how, HealthMetricTarget::How::kStage);
  EXPECT_EQ(weird.stage->family, "bw_http_parser_total");
  EXPECT_EQ(weird.label_value, "header_malformed");
  const HealthMetricTarget cpu = find_health_metric("thread.bw-worker-3.cpu_us");
  ASSERT_EQ(cpu.how, HealthMetricTarget::How::kThreadCpu);
  EXPECT_EQ(cpu.label_value, "bw-worker-3");
  EXPECT_EQ(find_health_metric("capture.kernel_dropped").named->family, "bw_kernel_drops_total");
  EXPECT_EQ(find_health_metric("spool.stream_epoch").how, HealthMetricTarget::How::kExcluded);
  EXPECT_EQ(find_health_metric("nosuch.counter").how, HealthMetricTarget::How::kUnknown);
  EXPECT_EQ(find_health_metric("thread.cpu_us").how, HealthMetricTarget::How::kUnknown);
}

const MetricFamilyPoints* family(const MetricSnapshot& snapshot, std::string_view name) {
  for (const MetricFamilyPoints& f : snapshot) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

double value_of(const MetricSnapshot& snapshot, std::string_view name,
                std::string_view label_value = {}) {
  const MetricFamilyPoints* f = family(snapshot, name);
  if (f == nullptr) return -1;
  for (const MetricSample& sample : f->samples) {
    if (sample.label_value == label_value) return sample.value;
  }
  return -1;
}

TEST(HealthSnapshotTest, ValuesUnitsAndZeros) {
  beaconwatch::v1::HealthReport report;
  report.set_uptime_s(12.5);
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::uint64_t>>{
           {"capture.packets_read", 1000},
           {"capture.kernel_dropped", 7},
           {"export.events_dns", 30},
           {"detect.alerts_http", 2},
           {"http.header_malformed", 3},
           {"thread.bw-capture.cpu_us", 2500000},
           {"spool.pending_events", 40},
           {"spool.stream_epoch", 123456789},
       }) {
    auto* counter = report.add_counters();
    counter->set_name(name);
    counter->set_value(value);
  }
  const MetricSnapshot streaming =
      health_snapshot(report, HealthSnapshotOptions{.collector_stream = true});
  EXPECT_EQ(value_of(streaming, "bw_capture_packets_total"), 1000);
  EXPECT_EQ(value_of(streaming, "bw_kernel_drops_total"), 7);
  EXPECT_EQ(value_of(streaming, "bw_capture_queue_drops_total"), 0);  // absent: zero, not missing
  EXPECT_EQ(value_of(streaming, "bw_events_total", "dns"), 30);
  EXPECT_EQ(value_of(streaming, "bw_events_total", "http"), 0);
  EXPECT_EQ(value_of(streaming, "bw_alerts_total", "http"), 2);
  EXPECT_EQ(value_of(streaming, "bw_http_parser_total", "header_malformed"), 3);
  EXPECT_EQ(value_of(streaming, "bw_thread_cpu_seconds_total", "bw-capture"), 2.5);
  EXPECT_EQ(value_of(streaming, "bw_spool_pending_events"), 40);
  EXPECT_EQ(value_of(streaming, "bw_stream_connected"), 0);
  EXPECT_EQ(value_of(streaming, "bw_uptime_seconds"), 12.5);
  std::set<std::string> names;
  for (const MetricFamilyPoints& f : streaming) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name << " twice";
    EXPECT_EQ(f.name.find("epoch"), std::string::npos);
  }
  // Without a collector stream there is no stream state to show.
  const MetricSnapshot local = health_snapshot(report, HealthSnapshotOptions{});
  EXPECT_EQ(family(local, "bw_stream_connected"), nullptr);
  EXPECT_EQ(family(local, "bw_spool_pending_events"), nullptr);
  EXPECT_EQ(value_of(local, "bw_capture_packets_total"), 1000);
}

}  // namespace
}  // namespace bw::metrics
