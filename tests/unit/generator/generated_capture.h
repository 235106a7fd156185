// Generates a capture once per option set and keeps it for every test of the binary that asks
// again, with the capture parsed and walked.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "tests/unit/generator/capture_walker.h"
#include "tools/generator/generator.h"

namespace bw::gen::testing {

struct Generated {
  GeneratorOptions options;
  std::vector<std::uint8_t> bytes;
  std::vector<GroundTruth> truth;
  CaptureFile file;
  CaptureWalker walker;
};

inline const Generated& generated(const std::string& profile, std::uint32_t linktype = 1,
                                  CaptureFormat format = CaptureFormat::kPcapMicro,
                                  std::uint64_t seed = 1, std::uint16_t interfaces = 1) {
  using Key = std::tuple<std::string, std::uint32_t, int, std::uint64_t, std::uint16_t>;
  static std::map<Key, std::unique_ptr<Generated>> cache;
  const Key key{profile, linktype, static_cast<int>(format), seed, interfaces};
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  auto g = std::make_unique<Generated>();
  g->options.profile = profile;
  g->options.linktype = linktype;
  g->options.format = format;
  g->options.seed = seed;
  g->options.interfaces = interfaces;
  std::string error;
  EXPECT_TRUE(generate(g->options, g->bytes, g->truth, error)) << error;
  EXPECT_TRUE(read_capture(g->bytes, g->file, error)) << profile << ": " << error;
  g->walker.walk(g->file);
  return *cache.emplace(key, std::move(g)).first->second;
}

inline const std::vector<std::string>& all_profiles() {
  static const std::vector<std::string> profiles = {"demo", "encap", "protocols", "dense", "mixed"};
  return profiles;
}

}  // namespace bw::gen::testing
