// bw-spool: looks into a sensor's collector spool without disturbing it. The spool is opened
// read-only, so this works next to a running sensor (a record being appended at that moment is
// reported as a torn tail).
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "beaconwatch/v1/event.pb.h"
#include "sensor/export/event_encoder.h"
#include "sensor/stream/spool.h"

namespace bw::stream {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr std::size_t kDumpBatchEvents = 1024;
constexpr std::size_t kDumpBatchBytes = 4 << 20;

constexpr std::string_view kUsage =
    "usage: bw-spool stat DIR   counts: pending events and bytes, sequences, damage found\n"
    "       bw-spool dump DIR   one JSON line per pending event\n";

void print_stat(const Spool& spool) {
  const SpoolCounters counters = spool.counters();
  std::cout << "pending_events " << spool.pending_events() << '\n'
            << "pending_bytes " << spool.pending_bytes() << '\n'
            << "oldest_sequence " << spool.oldest_pending_sequence() << '\n'
            << "last_sequence " << spool.last_sequence() << '\n'
            << "acknowledged_sequence " << spool.acknowledged_sequence() << '\n'
            << "stream_epoch " << spool.stream_epoch() << '\n'
            << "corrupt_records " << counters.corrupt_records << '\n'
            << "skipped_bytes " << counters.skipped_bytes << '\n'
            << "torn_tails " << counters.torn_tails << '\n';
}

// Returns how many payloads did not parse as events (reported, not fatal: the rest still print).
std::uint64_t dump_events(Spool& spool) {
  std::uint64_t unparsable = 0;
  std::vector<SpooledEvent> batch;
  std::string line;
  beaconwatch::v1::Event event;
  std::uint64_t after = 0;
  while (true) {
    batch.clear();
    if (spool.read_after(after, kDumpBatchEvents, kDumpBatchBytes, batch) == 0) break;
    for (const SpooledEvent& spooled : batch) {
      line.clear();
      if (!event.ParseFromString(spooled.payload) || !exporter::event_to_json_line(event, line)) {
        std::cerr << "bw-spool: event " << spooled.sequence << " does not parse\n";
        ++unparsable;
        continue;
      }
      std::cout << line;
      if (line.empty() || line.back() != '\n') std::cout << '\n';
    }
    after = batch.back().sequence;
  }
  return unparsable;
}

int run(std::string_view command, const std::string& directory) {
  SpoolOptions options;
  options.directory = directory;
  options.read_only = true;
  std::string error;
  const std::unique_ptr<Spool> spool = Spool::open(options, error);
  if (!spool) {
    std::cerr << "bw-spool: " << error << '\n';
    return kExitFailure;
  }
  if (command == "stat") {
    print_stat(*spool);
  } else if (dump_events(*spool) > 0) {
    return kExitFailure;
  }
  if (!spool->last_error().empty()) std::cerr << "bw-spool: " << spool->last_error() << '\n';
  std::cout << std::flush;
  return std::cout ? kExitOk : kExitFailure;
}

}  // namespace
}  // namespace bw::stream

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << bw::stream::kUsage;
    return bw::stream::kExitOk;
  }
  if (args.size() != 2 || (args[0] != "stat" && args[0] != "dump")) {
    std::cerr << bw::stream::kUsage;
    return bw::stream::kExitUsage;
  }
  return bw::stream::run(args[0], std::string(args[1]));
}
