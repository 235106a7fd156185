#include <gtest/gtest.h>

#include <sstream>

#include "tools/generator/generator.h"

namespace bw::gen {
namespace {

struct Output {
  std::vector<std::uint8_t> capture;
  std::string truth_tsv;
};

Output produce(const std::string& profile, std::uint64_t seed, CaptureFormat format) {
  GeneratorOptions options;
  options.profile = profile;
  options.seed = seed;
  options.format = format;
  Output r;
  std::vector<GroundTruth> truth;
  std::string error;
  EXPECT_TRUE(generate(options, r.capture, truth, error)) << error;
  std::ostringstream tsv;
  EXPECT_TRUE(write_ground_truth_tsv(truth, tsv));
  r.truth_tsv = tsv.str();
  return r;
}

class DeterminismTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DeterminismTest, SameSeedGivesIdenticalBytes) {
  for (CaptureFormat format : {CaptureFormat::kPcapMicro, CaptureFormat::kPcapng}) {
    const Output a = produce(GetParam(), 42, format);
    const Output b = produce(GetParam(), 42, format);
    ASSERT_FALSE(a.capture.empty());
    EXPECT_EQ(a.capture, b.capture);
    EXPECT_EQ(a.truth_tsv, b.truth_tsv);
  }
}

TEST_P(DeterminismTest, DifferentSeedGivesDifferentCapture) {
  const Output a = produce(GetParam(), 1, CaptureFormat::kPcapMicro);
  const Output b = produce(GetParam(), 2, CaptureFormat::kPcapMicro);
  EXPECT_NE(a.capture, b.capture);
  EXPECT_NE(a.truth_tsv, b.truth_tsv);
}

TEST_P(DeterminismTest, StreamingWritesTheSameBytes) {
  GeneratorOptions options;
  options.profile = GetParam();
  options.format = CaptureFormat::kPcapng;
  options.interfaces = 2;
  std::vector<std::uint8_t> in_memory;
  std::vector<GroundTruth> truth, streamed_truth;
  std::string error;
  ASSERT_TRUE(generate(options, in_memory, truth, error)) << error;
  std::ostringstream stream;
  ASSERT_TRUE(generate_to_stream(options, stream, streamed_truth, error)) << error;
  const std::string streamed = stream.str();
  EXPECT_EQ(std::vector<std::uint8_t>(streamed.begin(), streamed.end()), in_memory);
  EXPECT_EQ(streamed_truth.size(), truth.size());
}

INSTANTIATE_TEST_SUITE_P(Profiles, DeterminismTest,
                         ::testing::Values("demo", "encap", "protocols", "dense", "mixed"));

}  // namespace
}  // namespace bw::gen
