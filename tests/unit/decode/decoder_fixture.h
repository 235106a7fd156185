// Shared fixture: decodes frames from exactly-sized heap copies, so that AddressSanitizer catches
// any read past the end of a frame, and keeps the copy alive while the test inspects `out`.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "sensor/decode/packet_decoder.h"
#include "tests/unit/decode/frame_builder.h"

namespace bw::decode::testing {

inline IpAddress ip(const Ipv4Address& a) {
  return IpAddress::v4(a.data());
}
inline IpAddress ip(const Ipv6Address& a) {
  return IpAddress::v6(a.data());
}

inline std::string payload_text(const DecodedPacket& p) {
  const ByteSpan payload = p.payload();
  return {payload.begin(), payload.end()};
}

inline Bytes payload_bytes(const DecodedPacket& p) {
  const ByteSpan payload = p.payload();
  return {payload.begin(), payload.end()};
}

inline Bytes datagram_bytes(const DecodedPacket& p) {
  return {p.datagram.begin(), p.datagram.end()};
}

class DecoderTest : public ::testing::Test {
 protected:
  explicit DecoderTest(const DecoderConfig& config = {}) : decoder_(config) {}

  DecodeResult decode(std::uint32_t linktype, const Bytes& frame, TimestampNs ts = 0) {
    frame_ = std::make_unique_for_overwrite<std::uint8_t[]>(frame.size());
    if (!frame.empty()) std::memcpy(frame_.get(), frame.data(), frame.size());
    return decoder_.decode(linktype, ByteSpan(frame_.get(), frame.size()), ts, out_);
  }
  DecodeResult decode_ethernet(const Bytes& frame, TimestampNs ts = 0) {
    return decode(linktype::kEthernet, frame, ts);
  }
  const DecodeCounters& counters() const { return decoder_.counters(); }

  // The common expectation: a TCP segment between the documentation addresses.
  void expect_tcp4(std::uint16_t src_port, std::uint16_t dst_port, const std::string& payload) {
    EXPECT_EQ(out_.ip_version, 4);
    EXPECT_EQ(out_.src_ip, ip(kClient4));
    EXPECT_EQ(out_.dst_ip, ip(kServer4));
    EXPECT_EQ(out_.ip_protocol, 6);
    EXPECT_EQ(out_.src_port, src_port);
    EXPECT_EQ(out_.dst_port, dst_port);
    EXPECT_EQ(payload_text(out_), payload);
  }

  PacketDecoder decoder_;
  DecodedPacket out_;
  std::unique_ptr<std::uint8_t[]> frame_;
};

// A plain HTTP request segment, used wherever a test only cares about the layers around it.
inline const std::string kHttpGet = "GET /pixel.gif HTTP/1.1\r\nHost: example.com\r\n\r\n";

inline Bytes http_ipv4(const Ipv4Address& src = kClient4, const Ipv4Address& dst = kServer4) {
  return ipv4({.src = src, .dst = dst, .protocol = 6},
              tcp(49152, 80, 1000, 2000, kPsh | kAck, text(kHttpGet)));
}

inline Bytes http_ipv6() {
  return ipv6({.protocol = 6}, tcp(49152, 80, 1000, 2000, kPsh | kAck, text(kHttpGet)));
}

}  // namespace bw::decode::testing
