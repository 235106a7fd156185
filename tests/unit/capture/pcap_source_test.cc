#include "sensor/capture/pcap_source.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

namespace bw::capture {
namespace {

void put32le(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put16le(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}

// Classic pcap with one 4-byte record; `magic` selects micro- or nanosecond timestamps.
std::vector<std::uint8_t> classic_pcap(std::uint32_t magic, std::uint32_t linktype) {
  std::vector<std::uint8_t> out;
  put32le(out, magic);
  put16le(out, 2);
  put16le(out, 4);
  put32le(out, 0);
  put32le(out, 0);
  put32le(out, 65535);
  put32le(out, linktype);
  put32le(out, 1700000000);  // seconds
  put32le(out, 123456);      // micro- or nanoseconds
  put32le(out, 4);
  put32le(out, 60);
  for (std::uint8_t b : {0xde, 0xad, 0xbe, 0xef})
    out.push_back(b);
  return out;
}

std::vector<std::uint8_t> pcapng_two_interfaces() {
  std::vector<std::uint8_t> out;
  // Section header block.
  put32le(out, 0x0A0D0D0A);
  put32le(out, 28);
  put32le(out, 0x1A2B3C4D);
  put16le(out, 1);
  put16le(out, 0);
  put32le(out, 0xffffffff);
  put32le(out, 0xffffffff);
  put32le(out, 28);
  // Two interface description blocks, both Ethernet, default microsecond resolution.
  for (int i = 0; i < 2; ++i) {
    put32le(out, 1);
    put32le(out, 20);
    put16le(out, 1);
    put16le(out, 0);
    put32le(out, 0);
    put32le(out, 20);
  }
  // One enhanced packet block on interface 1, timestamp 1 second (1'000'000 us).
  put32le(out, 6);
  put32le(out, 36);
  put32le(out, 1);
  put32le(out, 0);
  put32le(out, 1000000);
  put32le(out, 4);
  put32le(out, 4);
  for (std::uint8_t b : {1, 2, 3, 4})
    out.push_back(b);
  put32le(out, 36);
  return out;
}

class PcapSourceTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::vector<std::uint8_t>& bytes) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("bw_capture_" + std::to_string(::getpid()) + "_" + name);
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    paths_.push_back(path);
    return path.string();
  }
  void TearDown() override {
    for (const auto& p : paths_)
      std::filesystem::remove(p);
  }
  std::vector<std::filesystem::path> paths_;
};

TEST_F(PcapSourceTest, ReadsMicrosecondPcapAtNanosecondPrecision) {
  std::string error;
  auto source = PcapFileSource::open(write("us.pcap", classic_pcap(0xa1b2c3d4, 1)), error);
  ASSERT_TRUE(source) << error;
  EXPECT_EQ(source->linktype(), 1u);
  RawPacket packet;
  ASSERT_EQ(source->next(packet), ReadStatus::kPacket);
  EXPECT_EQ(packet.ts, 1700000000LL * kNsPerSecond + 123456000LL);
  EXPECT_EQ(packet.captured_length, 4u);
  EXPECT_EQ(packet.wire_length, 60u);
  EXPECT_EQ(packet.data[0], 0xde);
  EXPECT_EQ(source->next(packet), ReadStatus::kEnd);
}

TEST_F(PcapSourceTest, ReadsNanosecondPcap) {
  std::string error;
  auto source = PcapFileSource::open(write("ns.pcap", classic_pcap(0xa1b23c4d, 101)), error);
  ASSERT_TRUE(source) << error;
  EXPECT_EQ(source->linktype(), 101u);
  RawPacket packet;
  ASSERT_EQ(source->next(packet), ReadStatus::kPacket);
  EXPECT_EQ(packet.ts, 1700000000LL * kNsPerSecond + 123456LL);
}

TEST_F(PcapSourceTest, ReadsPcapngWithSeveralInterfacesWhateverTheName) {
  std::string error;
  auto source = PcapFileSource::open(write("looks-classic.pcap", pcapng_two_interfaces()), error);
  ASSERT_TRUE(source) << error;
  RawPacket packet;
  ASSERT_EQ(source->next(packet), ReadStatus::kPacket);
  EXPECT_EQ(packet.ts, kNsPerSecond);
  EXPECT_EQ(packet.captured_length, 4u);
}

TEST_F(PcapSourceTest, TruncatedRecordIsAnErrorNamingTheFile) {
  auto bytes = classic_pcap(0xa1b2c3d4, 1);
  bytes.resize(bytes.size() - 2);
  std::string error;
  const std::string path = write("cut.pcap", bytes);
  auto source = PcapFileSource::open(path, error);
  ASSERT_TRUE(source) << error;
  RawPacket packet;
  ASSERT_EQ(source->next(packet), ReadStatus::kError);
  EXPECT_NE(source->error().find(path), std::string::npos);
  EXPECT_NE(source->error().find("truncated"), std::string::npos);
}

TEST_F(PcapSourceTest, NotACaptureAndMissingFileAreClearErrors) {
  std::string error;
  const std::string text =
      write("notes.txt", {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!', '!',
                          '!', '!', '!', '!', '!', '!', '!', '!', '!', '!', '!', '!'});
  EXPECT_EQ(PcapFileSource::open(text, error), nullptr);
  EXPECT_NE(error.find("not a pcap or pcapng capture"), std::string::npos) << error;
  EXPECT_EQ(PcapFileSource::open("/nonexistent/x.pcap", error), nullptr);
  EXPECT_NE(error.find("/nonexistent/x.pcap"), std::string::npos);
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
}

}  // namespace
}  // namespace bw::capture
