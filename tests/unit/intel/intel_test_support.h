// Helpers for the intel tests: feeds written inline, and a scratch directory per test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/intel/intel_set.h"

namespace bw::intel::test {

// "# beaconwatch-feed v1 kind=K category=C\n" followed by the lines, each ended by '\n'.
inline std::string feed_text(std::string_view kind, std::string_view category,
                             const std::vector<std::string>& lines) {
  std::string text = "# beaconwatch-feed v1 kind=" + std::string(kind) +
                     " category=" + std::string(category) + "\n";
  for (const std::string& line : lines)
    text += line + "\n";
  return text;
}

// Builds a set from inline feeds and expects no problems.
inline std::shared_ptr<const IntelSet> build_clean(const std::vector<FeedText>& feeds) {
  std::vector<std::string> problems;
  auto set = IntelSet::build(feeds, problems);
  EXPECT_TRUE(set != nullptr);
  EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems.front());
  return set;
}

// A fresh directory under the test temp dir, removed at the end of the test.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view name)
      : path_(std::filesystem::path(::testing::TempDir()) /
              ("bw_intel_" + std::string(name) + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string write(std::string_view file, std::string_view text) const {
    const std::filesystem::path file_path = path_ / file;
    std::filesystem::create_directories(file_path.parent_path());
    std::ofstream(file_path, std::ios::binary | std::ios::trunc) << text;
    return file_path.string();
  }
  std::string path(std::string_view file = {}) const { return (path_ / file).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace bw::intel::test
