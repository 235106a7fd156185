// The pipeline's threads are named (bw-capture, bw-worker-N, bw-export) and each one's CPU time
// is in the run summary, under section "thread".
#include <gtest/gtest.h>
#include <pthread.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "sensor/pipeline/pipeline.h"
#include "tests/support/generated_capture.h"
#include "tools/generator/generator.h"

namespace bw {
namespace {

std::string demo_capture() {
  gen::GeneratorOptions options;
  options.profile = "demo";
  options.seed = 7;
  return testing::write_generated_capture(options, "bw_threads_demo.pcap");
}

// Reads the names of the process's threads as the first event is written, i.e. on the exporter
// thread, mid-run.
class ThreadNamesWriter final : public exporter::EventWriter {
 public:
  bool write(const beaconwatch::v1::Event& /*event*/) override {
    if (names.empty()) {
      for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream comm(task.path() / "comm");
        std::string name;
        if (std::getline(comm, name)) names.insert(name);
      }
    }
    return true;
  }
  bool flush() override { return true; }
  const std::string& error() const override { return error_; }

  std::set<std::string> names;

 private:
  std::string error_;
};

TEST(PipelineThreads, SummaryHasTheCpuTimeOfEveryNamedThread) {
  const std::string path = demo_capture();
  config::SensorConfig config;
  config.pipeline.workers = 2;
  std::vector<std::unique_ptr<exporter::EventWriter>> writers;
  writers.push_back(std::make_unique<ThreadNamesWriter>());
  auto* names = static_cast<ThreadNamesWriter*>(writers.back().get());
#if defined(__linux__)
  char before[16] = {};
  ASSERT_EQ(pthread_getname_np(pthread_self(), before, sizeof before), 0);
#endif
  const pipeline::ReplayResult result = pipeline::run_replay(config, {path}, writers);
  ASSERT_TRUE(result.ok) << result.error;

  const std::vector<std::string> expected = {"bw-capture", "bw-worker-0", "bw-worker-1",
                                             "bw-export"};
  ASSERT_EQ(result.summary.threads.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(result.summary.threads[i].name, expected[i]);
    // Every thread did some work (the capture thread read the file, the workers parsed
    // packets, the exporter wrote events), and none can exceed the process's CPU time.
    EXPECT_GT(result.summary.threads[i].cpu_us, 0u) << expected[i];
    EXPECT_LT(result.summary.threads[i].cpu_us, 600u * 1000 * 1000) << expected[i];
  }
  // The same figures reach the summary's counters (and health events), as thread.<name>.cpu_us.
  std::set<std::string> counted;
  result.summary.for_each_counter(
      [&](std::string_view section, std::string_view name, std::uint64_t value) {
        if (section == "thread" && value > 0) counted.insert(std::string(name));
      });
  EXPECT_EQ(counted, (std::set<std::string>{"bw-capture.cpu_us", "bw-worker-0.cpu_us",
                                            "bw-worker-1.cpu_us", "bw-export.cpu_us"}));

#if defined(__linux__)
  // While the run was going, the kernel knew the threads by these names...
  for (const std::string& name : expected)
    EXPECT_EQ(names->names.count(name), 1u) << name;
  // ... and the calling thread, which was the capture thread, has its own name back.
  char after[16] = {};
  ASSERT_EQ(pthread_getname_np(pthread_self(), after, sizeof after), 0);
  EXPECT_STREQ(after, before);
#else
  (void)names;
#endif
}

}  // namespace
}  // namespace bw
