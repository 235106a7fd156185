// Structure and checksums of generated captures, checked by the independent walker.
#include <gtest/gtest.h>

#include <set>

#include "tests/unit/generator/generated_capture.h"

namespace bw::gen::testing {
namespace {

void expect_clean(const Generated& g, const std::string& what) {
  const WalkStats& s = g.walker.stats();
  EXPECT_GT(s.ipv4_headers, 0u) << what;
  EXPECT_EQ(s.ipv4_bad_checksums, 0u) << what;
  EXPECT_EQ(s.tcp_bad_checksums, 0u) << what;
  EXPECT_EQ(s.udp_bad_checksums, 0u) << what;
  EXPECT_EQ(s.icmp_bad_checksums, 0u) << what;
  EXPECT_EQ(s.undecodable, 0u) << what;
  EXPECT_GT(s.tcp, 0u) << what;
  EXPECT_GT(s.udp, 0u) << what;
}

void expect_time_ordered(const Generated& g) {
  for (std::size_t i = 1; i < g.file.frames.size(); ++i) {
    ASSERT_LE(g.file.frames[i - 1].ts_ns, g.file.frames[i].ts_ns) << "frame " << i;
  }
}

class ProfileIntegrityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ProfileIntegrityTest, EveryChecksumVerifiesOnEthernet) {
  const Generated& g = generated(GetParam());
  expect_clean(g, GetParam());
  expect_time_ordered(g);
  for (const CaptureFrame& frame : g.file.frames) {
    // Frames on the wire are padded to the Ethernet minimum.
    ASSERT_GE(frame.bytes.size(), 60u);
    ASSERT_LE(frame.bytes.size(), 1600u);
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, ProfileIntegrityTest,
                         ::testing::Values("demo", "encap", "protocols", "dense", "mixed"));

class LinktypeIntegrityTest : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(LinktypeIntegrityTest, EncapsulationsDecodeWithValidChecksums) {
  const Generated& g = generated("encap", GetParam(), CaptureFormat::kPcapNano);
  expect_clean(g, "linktype " + std::to_string(GetParam()));
  expect_time_ordered(g);
  EXPECT_TRUE(g.file.nanosecond);
  const auto& layers = g.walker.stats().layers;
  for (const char* tunnel : {"gre", "erspan2", "erspan3", "vxlan", "geneve", "ip-in-ip", "teredo",
                             "gtp-u", "ayiya", "ipv6-hop-by-hop", "ipv6-destination-options"}) {
    EXPECT_GT(layers.count(tunnel), 0u) << tunnel;
  }
  // Link-layer tags only exist where the link type has an ethertype to announce them.
  const bool tags = GetParam() == 1 || GetParam() == 113 || GetParam() == 276;
  for (const char* tag : {"vlan", "qinq", "mpls", "pppoe"}) {
    EXPECT_EQ(layers.count(tag) > 0, tags) << tag;
  }
  // Three fragmented DNS answers: IPv4 in order, IPv4 reversed, IPv6.
  EXPECT_GT(g.walker.stats().fragments, 6u);
  EXPECT_EQ(g.walker.stats().reassembled, 3u);
}

INSTANTIATE_TEST_SUITE_P(Linktypes, LinktypeIntegrityTest,
                         ::testing::Values(0u, 1u, 101u, 113u, 276u));

TEST(CaptureFormatTest, ClassicPcapHeaders) {
  const Generated& micro = generated("protocols");
  EXPECT_EQ(load_le32(micro.bytes.data()), 0xa1b2c3d4u);
  EXPECT_EQ(load_le32(micro.bytes.data() + 20), 1u);
  const Generated& nano = generated("protocols", 1, CaptureFormat::kPcapNano);
  EXPECT_EQ(load_le32(nano.bytes.data()), 0xa1b23c4du);
  const Generated& raw = generated("protocols", 101, CaptureFormat::kPcapNano);
  EXPECT_EQ(load_le32(raw.bytes.data() + 20), 101u);
  // Same traffic, so the nanosecond file's times truncate to the microsecond file's.
  ASSERT_EQ(micro.file.frames.size(), nano.file.frames.size());
  bool sub_microsecond = false;
  for (std::size_t i = 0; i < micro.file.frames.size(); ++i) {
    ASSERT_EQ(nano.file.frames[i].ts_ns / 1000 * 1000, micro.file.frames[i].ts_ns);
    sub_microsecond |= nano.file.frames[i].ts_ns % 1000 != 0;
  }
  EXPECT_TRUE(sub_microsecond);
}

TEST(CaptureFormatTest, PcapngWithSeveralInterfaces) {
  const Generated& ng = generated("demo", 1, CaptureFormat::kPcapng, 1, 3);
  const Generated& classic = generated("demo");
  ASSERT_TRUE(ng.file.pcapng);
  ASSERT_EQ(ng.file.linktypes, (std::vector<std::uint32_t>{1, 1, 1}));
  ASSERT_EQ(ng.file.tsresol, (std::vector<std::uint8_t>{9, 6, 9}));
  std::set<std::uint32_t> used;
  for (const CaptureFrame& f : ng.file.frames)
    used.insert(f.interface_id);
  EXPECT_EQ(used.size(), 3u);
  expect_clean(ng, "pcapng");
  // Spreading flows over interfaces changes no packet: the frames match the pcap file's.
  ASSERT_EQ(ng.file.frames.size(), classic.file.frames.size());
  for (std::size_t i = 0; i < ng.file.frames.size(); ++i) {
    const CaptureFrame& a = ng.file.frames[i];
    const CaptureFrame& b = classic.file.frames[i];
    ASSERT_TRUE(std::equal(a.bytes.begin(), a.bytes.end(), b.bytes.begin(), b.bytes.end()))
        << "frame " << i;
    ASSERT_EQ(a.ts_ns / 1000, b.ts_ns / 1000) << "frame " << i;
  }
}

TEST(CaptureFormatTest, PcapngBlocksAreWellFormedForEveryLinktype) {
  for (std::uint32_t linktype : {0u, 1u, 101u, 113u, 276u}) {
    const Generated& g = generated("encap", linktype, CaptureFormat::kPcapng);
    ASSERT_TRUE(g.file.pcapng);
    EXPECT_EQ(g.file.linktypes, (std::vector<std::uint32_t>{linktype}));
    EXPECT_GT(g.file.frames.size(), 100u);
  }
}

TEST(CaptureFormatTest, TruncatedFilesAreDetected) {
  const Generated& g = generated("protocols", 1, CaptureFormat::kPcapng);
  std::vector<std::uint8_t> cut(g.bytes.begin(), g.bytes.end() - 5);
  CaptureFile file;
  std::string error;
  EXPECT_FALSE(read_capture(cut, file, error));
}

TEST(DemoProfileTest, SmallCaptureWithAFewHundredFlows) {
  const Generated& g = generated("demo");
  EXPECT_LT(g.bytes.size(), 2u * 1024 * 1024);
  std::set<std::tuple<IpAddress, std::uint16_t, IpAddress, std::uint16_t>> flows;
  for (const Segment& s : g.walker.segments()) {
    const bool forward = s.src < s.dst;
    flows.insert(forward ? std::tuple(s.src, s.src_port, s.dst, s.dst_port)
                         : std::tuple(s.dst, s.dst_port, s.src, s.src_port));
  }
  EXPECT_GE(flows.size(), 200u);
  EXPECT_LE(flows.size(), 800u);
  EXPECT_GT(g.walker.stats().arp, 0u);
  EXPECT_GT(g.walker.stats().icmp, 0u);
}

TEST(DenseProfileTest, ScaleMultipliesTheFlowCount) {
  GeneratorOptions options;
  options.profile = "dense";
  options.scale = 3;
  std::vector<std::uint8_t> bytes;
  std::vector<GroundTruth> truth;
  std::string error;
  ASSERT_TRUE(generate(options, bytes, truth, error)) << error;
  const std::size_t single = generated("dense").truth.size();
  EXPECT_GT(truth.size(), 2 * single);
  EXPECT_LT(truth.size(), 4 * single);
}

}  // namespace
}  // namespace bw::gen::testing
