// bw-collector serve --metrics: every store and SIEM-output counter has a Prometheus name (a
// counter added without one fails here), names follow the conventions, refusals are by status.
#include "collector/collector_metrics.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include "store_test_support.h"

namespace bw::collector {
namespace {

TEST(CollectorMetricsTest, EveryStoreAndSinkCounterHasAName) {
  std::set<std::string_view> declared;
  for (const CollectorMetric& metric : collector_metrics())
    declared.insert(metric.counter);
  StoreCounters{}.for_each([&](std::string_view name, std::uint64_t) {
    EXPECT_TRUE(declared.contains("store." + std::string(name)))
        << "store." << name << ": add it to collector/collector_metrics.cc";
  });
  JsonSinkCounters{}.for_each([&](std::string_view name, std::uint64_t) {
    EXPECT_TRUE(declared.contains("json_out." + std::string(name)))
        << "json_out." << name << ": add it to collector/collector_metrics.cc";
  });
  EXPECT_EQ(declared.size(), collector_metrics().size()) << "a counter declared twice";
}

TEST(CollectorMetricsTest, SnapshotNamesValuesAndRefusalsByStatus) {
  testing::ScratchDir dir;
  std::string error;
  std::unique_ptr<Store> store = Store::open(dir.file("store.db"), Store::Mode::kReadWrite, error);
  ASSERT_TRUE(store) << error;
  SensorRegistry registry;
  CollectorService service(*store, nullptr, registry, ServiceOptions{});
  service.count_refusal(grpc::StatusCode::PERMISSION_DENIED);
  service.count_refusal(grpc::StatusCode::PERMISSION_DENIED);
  service.add_commit_time(std::chrono::milliseconds(1500));
  StoreCounters counters;
  counters.batches_committed = 4;
  counters.events_inserted = 400;
  counters.events_duplicate = 3;

  const metrics::MetricSnapshot snapshot = collector_snapshot(counters, nullptr, service);
  const std::regex counter_name("bw_collector_[a-z0-9_]+_total");
  std::set<std::string> names;
  double stored = -1;
  double denied = -1;
  double commit_seconds = -1;
  for (const metrics::MetricFamilyPoints& family : snapshot) {
    EXPECT_TRUE(names.insert(family.name).second) << family.name << " twice";
    EXPECT_TRUE(std::regex_match(family.name, counter_name)) << family.name;
    EXPECT_EQ(family.name.find("siem"), std::string::npos) << "no --json-out, no SIEM families";
    for (const metrics::MetricSample& sample : family.samples) {
      EXPECT_TRUE(sample.label_name.empty() || sample.label_name == "status") << family.name;
      if (family.name == "bw_collector_events_stored_total") stored = sample.value;
      if (family.name == "bw_collector_refusals_total" && sample.label_value == "PERMISSION_DENIED")
        denied = sample.value;
      if (family.name == "bw_collector_store_commit_seconds_total") commit_seconds = sample.value;
    }
    if (family.name == "bw_collector_refusals_total") {
      EXPECT_EQ(family.samples.size(), 16u);
    }
  }
  EXPECT_EQ(stored, 400);
  EXPECT_EQ(denied, 2);
  EXPECT_DOUBLE_EQ(commit_seconds, 1.5);
  EXPECT_TRUE(names.contains("bw_collector_batches_total"));
  EXPECT_TRUE(names.contains("bw_collector_events_duplicate_total"));
}

}  // namespace
}  // namespace bw::collector
