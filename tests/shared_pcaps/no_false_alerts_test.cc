// Replays every real public capture in ../shared/pcaps and ../shared/background (real application
// traffic: browsers, apps, SDKs, games, update agents; no mail is opened in any of them) with the
// curated intel, and requires that no beacon alert is raised, or that the alert is named below as
// a real tracker fetch with the reason it is accepted.
//
// Two sensors: a new one (the default learning period, no first-seen history) and one that has
// learned its network (no learning period, so every domain of these captures counts as rare:
// the harshest case for rarity). Skips when the captures are absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sensor/correlate/detection_resources.h"
#include "sensor/pipeline/pipeline.h"
#include "tests/shared_pcaps/shared_captures.h"
#include "tests/support/collecting_writer.h"

namespace bw {
namespace {

namespace fs = std::filesystem;
namespace pb = beaconwatch::v1;

using testing::shared_root;

// Alerts accepted on these captures: (file, host of the alert) -> why it is a real tracker fetch.
// Empty: none of these captures opens a mail, and the detector raises nothing on them.
const std::map<std::pair<std::string, std::string>, std::string>& accepted_alerts() {
  static const std::map<std::pair<std::string, std::string>, std::string> kAccepted;
  return kAccepted;
}

std::vector<fs::path> captures() {
  return testing::shared_captures();
}

struct Finding {
  std::string file;
  std::string host;
  std::string reasons;
};

std::vector<Finding> replay_all(const config::SensorConfig& config, std::size_t& replayed) {
  correlate::DetectionResources detection;
  std::vector<std::string> warnings;
  std::string error;
  const std::string intel = std::string(BW_SOURCE_DIR) + "/sensor/intel/data";
  EXPECT_TRUE(
      correlate::load_detection_resources({intel}, "", {}, 1024, detection, warnings, error))
      << error;
  std::vector<Finding> findings;
  for (const fs::path& file : captures()) {
    std::vector<pb::Event> events;
    std::vector<std::unique_ptr<exporter::EventWriter>> writers;
    writers.push_back(std::make_unique<testing::CollectingWriter>(events));
    // Truncated and malformed files (nDPI's fuzz regressions) stop with an error; what was read
    // before still counts.
    pipeline::run_replay(config, {file.string()}, writers, &detection);
    ++replayed;
    for (const pb::Event& e : events) {
      if (!e.has_beacon()) continue;
      Finding f{file.filename().string(), e.beacon().host(), {}};
      for (const auto& r : e.beacon().reasons()) {
        f.reasons += r.signal() + "(" + std::to_string(r.weight()) + ") ";
      }
      findings.push_back(std::move(f));
    }
  }
  return findings;
}

class PublicCapturesRaiseNoFalseAlerts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (captures().empty()) GTEST_SKIP() << "real captures not available at " << shared_root();
  }
  void check(const config::SensorConfig& config) {
    std::size_t replayed = 0;
    const std::vector<Finding> findings = replay_all(config, replayed);
    std::printf("  replayed %zu captures, %zu beacon alerts\n", replayed, findings.size());
    for (const Finding& f : findings) {
      const auto accepted = accepted_alerts().find({f.file, f.host});
      if (accepted != accepted_alerts().end()) {
        std::printf("  accepted: %s %s: %s\n", f.file.c_str(), f.host.c_str(),
                    accepted->second.c_str());
        continue;
      }
      ADD_FAILURE() << "unexplained beacon alert in " << f.file << " on " << f.host << ": "
                    << f.reasons;
    }
  }
};

TEST_F(PublicCapturesRaiseNoFalseAlerts, OnANewSensor) {
  config::SensorConfig config;
  check(config);
}

TEST_F(PublicCapturesRaiseNoFalseAlerts, OnASensorThatHasLearned) {
  config::SensorConfig config;
  config.detect.learning_period = 0;  // every domain here is new to it: rarity counts everywhere
  check(config);
}

}  // namespace
}  // namespace bw
