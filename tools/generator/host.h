// The machines that appear in a capture: internal clients, servers on the Internet, and the
// per-host state that must carry across flows to look real (IP ID counters, ephemeral ports,
// TCP timestamp clocks).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "sensor/common/ip_address.h"
#include "sensor/common/time.h"
#include "tools/generator/rng.h"

namespace bw::gen {

using MacAddress = std::array<std::uint8_t, 6>;

// Operating systems differ in the details an analyst fingerprints: initial TTL, SYN options and
// their order, window sizes, ephemeral port ranges and IP ID behaviour.
enum class HostOs : std::uint8_t { kWindows, kMacos, kLinux, kServer };

struct Host {
  IpAddress ipv4;
  IpAddress ipv6;  // family 0 when the host has no IPv6 address
  MacAddress mac{};
  HostOs os = HostOs::kLinux;
  std::uint8_t ttl = 64;  // as observed at the sensor: remote hosts arrive decremented
  std::uint16_t next_ip_id = 0;
  std::uint16_t next_port = 0;  // Windows hands out ephemeral ports sequentially
  std::uint32_t tcp_clock_offset = 0;
  std::uint16_t tcp_mss = 1460;
  std::uint8_t window_scale = 7;
  TimestampNs rtt = 20'000'000;  // servers: round trip from the sensor

  const IpAddress& address(int family) const { return family == 6 ? ipv6 : ipv4; }
  std::uint16_t take_ip_id() { return next_ip_id++; }
  std::uint16_t ephemeral_port(Rng& rng);
  // RFC 7323 TSval: a per-host millisecond clock with a random origin.
  std::uint32_t tcp_timestamp(TimestampNs now) const {
    return tcp_clock_offset + static_cast<std::uint32_t>(now / 1'000'000);
  }
};

// A client on the monitored network: MAC from a real laptop/desktop vendor OUI, TTL 128 for
// Windows and 64 otherwise.
Host make_client(Rng& rng, HostOs os, const IpAddress& ipv4, const IpAddress& ipv6);
// A remote server seen through the gateway, `hops` routers away.
Host make_server(Rng& rng, const IpAddress& address, int hops);
// A router or switch interface (Cisco/Juniper/Arista OUIs).
MacAddress make_router_mac(Rng& rng);

IpAddress ipv4_address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
// Parses presentation form (inet_pton); setup only. Returns an unset address on failure.
IpAddress parse_address(const std::string& text);

}  // namespace bw::gen
