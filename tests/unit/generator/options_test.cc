#include <gtest/gtest.h>

#include "tools/generator/generator.h"

namespace bw::gen {
namespace {

TEST(OptionsTest, ParsesCommandLineSpellings) {
  std::uint32_t linktype = 0;
  EXPECT_TRUE(parse_linktype("ethernet", linktype));
  EXPECT_EQ(linktype, 1u);
  EXPECT_TRUE(parse_linktype("raw", linktype));
  EXPECT_EQ(linktype, 101u);
  EXPECT_TRUE(parse_linktype("sll", linktype));
  EXPECT_EQ(linktype, 113u);
  EXPECT_TRUE(parse_linktype("sll2", linktype));
  EXPECT_EQ(linktype, 276u);
  EXPECT_TRUE(parse_linktype("null", linktype));
  EXPECT_EQ(linktype, 0u);
  EXPECT_FALSE(parse_linktype("token-ring", linktype));
  CaptureFormat format = CaptureFormat::kPcapMicro;
  EXPECT_TRUE(parse_format("pcapng", format));
  EXPECT_EQ(format, CaptureFormat::kPcapng);
  EXPECT_TRUE(parse_format("pcap-ns", format));
  EXPECT_EQ(format, CaptureFormat::kPcapNano);
  EXPECT_FALSE(parse_format("erf", format));
  EXPECT_EQ(profile_names().size(), 8u);  // demo encap protocols dense mixed history apt wave
}

TEST(OptionsTest, RejectsBadOptionsWithAMessage) {
  std::vector<std::uint8_t> capture;
  std::vector<GroundTruth> truth;
  std::string error;
  GeneratorOptions bad_profile;
  bad_profile.profile = "nope";
  EXPECT_FALSE(generate(bad_profile, capture, truth, error));
  EXPECT_NE(error.find("nope"), std::string::npos);
  GeneratorOptions bad_link;
  bad_link.linktype = 42;
  EXPECT_FALSE(generate(bad_link, capture, truth, error));
  GeneratorOptions no_scale;
  no_scale.scale = 0;
  EXPECT_FALSE(generate(no_scale, capture, truth, error));
  GeneratorOptions interfaces_without_pcapng;
  interfaces_without_pcapng.interfaces = 2;
  EXPECT_FALSE(generate(interfaces_without_pcapng, capture, truth, error));
  EXPECT_TRUE(capture.empty());
}

}  // namespace
}  // namespace bw::gen
