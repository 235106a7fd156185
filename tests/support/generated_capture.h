// Writes a bw-gen capture into the test's temporary folder, for tests that replay a file.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "tools/generator/generator.h"

namespace bw::testing {

// Returns the path of the written file; `truth` (optional) receives the generator's ground truth.
inline std::string write_generated_capture(const gen::GeneratorOptions& options,
                                           const std::string& file_name,
                                           std::vector<gen::GroundTruth>* truth = nullptr) {
  std::vector<std::uint8_t> bytes;
  std::vector<gen::GroundTruth> ignored;
  std::string error;
  EXPECT_TRUE(gen::generate(options, bytes, truth != nullptr ? *truth : ignored, error)) << error;
  // The process id keeps test processes apart: CTest runs the tests of one binary in parallel
  // processes, and one removing or rewriting the file another reads fails both at random.
  std::string path = ::testing::TempDir() + std::to_string(::getpid()) + "_" + file_name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return path;
}

}  // namespace bw::testing
