// Every real public capture replayed twice: as captured, and with each TCP direction's
// back-to-back data segments swapped in pairs (tools/reorder: what a reordering tap or an
// aggregated SPAN port delivers). Reassembly must make the two replays extract the same records:
// every HTTP transaction, TLS handshake (SNI, JA3, JA4, ServerHello), DNS message (over TCP too).
// The in-order replay is the reference; the sensor's reading of it is checked against
// tshark by shared_pcaps_test. Skips when the captures are absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sensor/pipeline/pipeline.h"
#include "tests/shared_pcaps/shared_captures.h"
#include "tests/support/collecting_writer.h"
#include "tools/reorder/pcap_reorder.h"

namespace bw {
namespace {

namespace fs = std::filesystem;
namespace pb = beaconwatch::v1;

struct Extraction {
  std::vector<std::string> records;  // sorted
  pipeline::RunSummary summary;
};

// What a record says, without what depends on packet order rather than content: the packet
// time that completed it and nDPI's name for the flow (nDPI reads packets as they come).
std::string record_key(pb::Event event) {
  event.clear_sequence();
  event.clear_timestamp_ns();
  event.clear_app_protocol();
  event.clear_community_id();
  event.clear_source();
  if (event.has_http()) {
    event.mutable_http()->mutable_request()->clear_timestamp_ns();
    event.mutable_http()->mutable_response()->clear_timestamp_ns();
  }
  return event.ShortDebugString();
}

Extraction extract(const fs::path& capture) {
  Extraction out;
  std::vector<pb::Event> events;
  std::vector<std::unique_ptr<exporter::EventWriter>> writers;
  writers.push_back(std::make_unique<testing::CollectingWriter>(events));
  config::SensorConfig config;
  config.detect.enabled = false;
  // Truncated and malformed files stop with an error; what was read before counts.
  out.summary = pipeline::run_replay(config, {capture.string()}, writers).summary;
  for (const pb::Event& event : events) {
    if (event.has_http() || event.has_tls() || event.has_dns()) {
      out.records.push_back(record_key(event));
    }
  }
  std::sort(out.records.begin(), out.records.end());
  return out;
}

TEST(ReorderedCaptures, ExtractTheSameRecordsAsInOrder) {
  const std::vector<fs::path> captures = testing::shared_captures();
  if (captures.empty()) GTEST_SKIP() << "real captures not available at " << testing::shared_root();
  const fs::path scratch =
      fs::temp_directory_path() / ("bw-reordered-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  std::uint64_t pairs = 0;
  std::uint64_t held = 0;
  std::uint64_t records = 0;
  std::size_t files = 0;
  for (const fs::path& capture : captures) {
    const fs::path reordered = scratch / (capture.stem().string() + ".pcap");
    reorder::ReorderStats stats;
    std::string error;
    if (!reorder::reorder_capture(capture.string(), reordered.string(),
                                  reorder::ReorderMode::kEveryPair, stats, error)) {
      // Files libpcap cannot open at all (nDPI's fuzz regressions) have nothing to reorder.
      continue;
    }
    if (stats.pairs_swapped == 0) continue;
    ++files;
    pairs += stats.pairs_swapped;
    const Extraction in_order = extract(capture);
    const Extraction swapped = extract(reordered);
    records += in_order.records.size();
    held += swapped.summary.worker_totals().reassembly.tcp_segments_held;
    std::vector<std::string> missing;
    std::vector<std::string> extra;
    std::set_difference(in_order.records.begin(), in_order.records.end(), swapped.records.begin(),
                        swapped.records.end(), std::back_inserter(missing));
    std::set_difference(swapped.records.begin(), swapped.records.end(), in_order.records.begin(),
                        in_order.records.end(), std::back_inserter(extra));
    // A capture may itself be out of order beyond what the sensor waits for, and the swap can
    // put it back: the reordered replay may then extract more. Never less or differently.
    EXPECT_TRUE(missing.empty()) << capture.filename() << ": " << stats.pairs_swapped
                                 << " pairs swapped; " << missing.size()
                                 << " records lost or changed, e.g. " << missing[0]
                                 << "\nreordered replay has instead e.g. "
                                 << (extra.empty() ? "(nothing)" : extra[0]);
    if (missing.empty() && !extra.empty()) {
      std::printf("  %s: %zu more records when reordered, e.g. %s\n", capture.filename().c_str(),
                  extra.size(), extra[0].c_str());
    }
  }
  fs::remove_all(scratch);
  std::printf(
      "  %zu captures with reordered segments, %llu pairs swapped, %llu segments held, "
      "%llu records compared\n",
      files, static_cast<unsigned long long>(pairs), static_cast<unsigned long long>(held),
      static_cast<unsigned long long>(records));
  // The comparison means something only if the reordering reached the parsers.
  EXPECT_GT(held, 100u);
}

}  // namespace
}  // namespace bw
