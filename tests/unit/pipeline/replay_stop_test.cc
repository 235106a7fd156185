// A replay asked to stop (SIGINT/SIGTERM in bw-sensor) stops reading, still processes and writes
// what it read, and says it was interrupted; without a stop it reads everything as before.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "sensor/pipeline/pipeline.h"
#include "tests/support/collecting_writer.h"
#include "tests/support/generated_capture.h"
#include "tools/generator/generator.h"

namespace bw {
namespace {

namespace pb = beaconwatch::v1;

// Short beacon-like flows: events come out while most of the capture is still unread.
std::string write_dense_capture() {
  gen::GeneratorOptions options;
  options.profile = "dense";
  options.seed = 5;
  options.scale = 10;
  return testing::write_generated_capture(options, "bw_replay_stop_dense.pcap");
}

// Keeps every event and raises the stop flag at the first one, as a Ctrl-C would once output
// has started.
class StoppingWriter final : public exporter::EventWriter {
 public:
  StoppingWriter(std::vector<pb::Event>& sink, std::atomic<bool>& stop)
      : sink_(sink), stop_(stop) {}
  bool write(const pb::Event& event) override {
    sink_.push_back(event);
    stop_.store(true, std::memory_order_relaxed);
    return true;
  }
  bool flush() override { return true; }
  const std::string& error() const override { return error_; }

 private:
  std::vector<pb::Event>& sink_;
  std::atomic<bool>& stop_;
  std::string error_;
};

struct ReplayOutcome {
  pipeline::ReplayResult result;
  std::vector<pb::Event> events;
};

ReplayOutcome replay(const std::string& path, std::atomic<bool>* stop, bool stop_at_first_event) {
  config::SensorConfig config;
  config.detect.enabled = false;
  ReplayOutcome run;
  std::vector<std::unique_ptr<exporter::EventWriter>> writers;
  if (stop_at_first_event) {
    writers.push_back(std::make_unique<StoppingWriter>(run.events, *stop));
  } else {
    writers.push_back(std::make_unique<testing::CollectingWriter>(run.events));
  }
  run.result = pipeline::run_replay(config, {path}, writers, nullptr, stop);
  return run;
}

class ReplayStopTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    path_ = new std::string(write_dense_capture());
    std::atomic<bool> never{false};
    whole_ = new ReplayOutcome(replay(*path_, &never, false));
  }
  static void TearDownTestSuite() {
    std::remove(path_->c_str());
    delete whole_;
    delete path_;
  }
  static std::string* path_;
  static ReplayOutcome* whole_;
};

std::string* ReplayStopTest::path_ = nullptr;
ReplayOutcome* ReplayStopTest::whole_ = nullptr;

TEST_F(ReplayStopTest, AStopThatNeverComesChangesNothing) {
  ASSERT_TRUE(whole_->result.ok) << whole_->result.error;
  EXPECT_FALSE(whole_->result.interrupted);
  const ReplayOutcome without = replay(*path_, nullptr, false);
  EXPECT_FALSE(without.result.interrupted);
  EXPECT_EQ(without.result.summary.capture.packets_read,
            whole_->result.summary.capture.packets_read);
  EXPECT_EQ(without.events.size(), whole_->events.size());
  EXPECT_GT(whole_->events.size(), 100u);
}

TEST_F(ReplayStopTest, AStopBeforeTheFirstPacketReadsNothing) {
  std::atomic<bool> stop{true};
  const ReplayOutcome run = replay(*path_, &stop, false);
  EXPECT_TRUE(run.result.ok) << run.result.error;
  EXPECT_TRUE(run.result.interrupted);
  EXPECT_EQ(run.result.summary.capture.files_opened, 1u);
  EXPECT_EQ(run.result.summary.capture.packets_read, 0u);
  EXPECT_TRUE(run.events.empty());
}

TEST_F(ReplayStopTest, AStopOnceEventsFlowEndsReadingAndWritesWhatWasRead) {
  std::atomic<bool> stop{false};
  const ReplayOutcome run = replay(*path_, &stop, true);
  EXPECT_TRUE(run.result.ok) << run.result.error;
  EXPECT_TRUE(run.result.interrupted);
  const std::uint64_t read = run.result.summary.capture.packets_read;
  EXPECT_GT(read, 0u);
  EXPECT_LT(read, whole_->result.summary.capture.packets_read);
  // Every event the writer received was counted as written, and the workers' flows were
  // finished: the run ends with events beyond the one that raised the stop.
  EXPECT_EQ(run.result.summary.exporter.events_written, run.events.size());
  EXPECT_GT(run.events.size(), 1u);
  EXPECT_LT(run.events.size(), whole_->events.size());
}

}  // namespace
}  // namespace bw
