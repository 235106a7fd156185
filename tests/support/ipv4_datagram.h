// One IPv4 TCP or UDP datagram and its decoded form, for tests that drive the flow stage
// directly. Checksums are left zero: nothing on the flow path verifies them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "sensor/common/ip_address.h"
#include "sensor/decode/decoded_packet.h"

namespace bw::testing {

// An IPv4 datagram of `protocol` (6 or 17) carrying `payload`: 10.1.0.2:sport -> 192.0.2.9:dport,
// or 192.0.2.9:sport -> 10.1.0.2:dport when `from_server`.
struct Ipv4Datagram {
  std::vector<std::uint8_t> bytes;
  decode::DecodedPacket packet;  // `datagram` views `bytes`: copies must point at their own

  Ipv4Datagram(const Ipv4Datagram& other) : bytes(other.bytes), packet(other.packet) { rebind(); }
  Ipv4Datagram& operator=(const Ipv4Datagram& other) {
    bytes = other.bytes;
    packet = other.packet;
    rebind();
    return *this;
  }
  void rebind() { packet.datagram = ByteSpan(bytes.data(), bytes.size()); }

  Ipv4Datagram(std::uint8_t protocol, std::uint16_t sport, std::uint16_t dport,
               std::uint32_t tcp_seq, std::uint8_t tcp_flags,
               const std::vector<std::uint8_t>& payload, bool from_server = false) {
    const std::size_t l4 = protocol == 6 ? 20 : 8;
    const std::size_t total = 20 + l4 + payload.size();
    bytes = {0x45,
             0,
             static_cast<std::uint8_t>(total >> 8),
             static_cast<std::uint8_t>(total),
             0,
             1,
             0x40,
             0,
             64,
             protocol,
             0,
             0,
             10,
             1,
             0,
             2,
             192,
             0,
             2,
             9};
    bytes.push_back(static_cast<std::uint8_t>(sport >> 8));
    bytes.push_back(static_cast<std::uint8_t>(sport));
    bytes.push_back(static_cast<std::uint8_t>(dport >> 8));
    bytes.push_back(static_cast<std::uint8_t>(dport));
    if (protocol == 6) {
      for (int shift = 24; shift >= 0; shift -= 8)
        bytes.push_back(static_cast<std::uint8_t>(tcp_seq >> shift));
      bytes.insert(bytes.end(), {0, 0, 0, 0, 0x50, tcp_flags, 0xff, 0xff, 0, 0, 0, 0});
    } else {
      const std::size_t udp_len = 8 + payload.size();
      bytes.insert(bytes.end(), {static_cast<std::uint8_t>(udp_len >> 8),
                                 static_cast<std::uint8_t>(udp_len), 0, 0});
    }
    bytes.insert(bytes.end(), payload.begin(), payload.end());
    const std::uint8_t client[4] = {10, 1, 0, 2};
    const std::uint8_t server[4] = {192, 0, 2, 9};
    packet.src_ip = IpAddress::v4(from_server ? server : client);
    packet.dst_ip = IpAddress::v4(from_server ? client : server);
    if (from_server) std::swap_ranges(bytes.begin() + 12, bytes.begin() + 16, bytes.begin() + 16);
    packet.src_port = sport;
    packet.dst_port = dport;
    packet.ip_protocol = protocol;
    packet.ip_version = 4;
    packet.tcp_seq = tcp_seq;
    packet.tcp_flags = tcp_flags;
    packet.datagram = ByteSpan(bytes.data(), bytes.size());
    packet.payload_offset = static_cast<std::uint16_t>(20 + l4);
    packet.payload_length = static_cast<std::uint16_t>(payload.size());
  }
};

}  // namespace bw::testing
