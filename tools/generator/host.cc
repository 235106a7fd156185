#include "tools/generator/host.h"

#include <arpa/inet.h>

#include <cstring>

namespace bw::gen {
namespace {

using Oui = std::array<std::uint8_t, 3>;

// Registered OUIs of vendors whose machines sit on office desks.
constexpr Oui kDesktopOuis[] = {
    {0x3c, 0x52, 0x82},  // Hewlett Packard
    {0x54, 0xee, 0x75},  // Wistron InfoComm (Lenovo)
    {0x8c, 0x16, 0x45},  // LCFC (Lenovo)
    {0x18, 0x66, 0xda},  // Dell
    {0xf8, 0xb1, 0x56},  // Dell
    {0x3c, 0x58, 0xc2},  // Intel Corporate
};
constexpr Oui kAppleOuis[] = {
    {0xa4, 0x83, 0xe7},
    {0xf0, 0x18, 0x98},
    {0x3c, 0x22, 0xfb},
    {0x14, 0x7d, 0xda},
};
constexpr Oui kRouterOuis[] = {
    {0x00, 0x1b, 0x54},  // Cisco
    {0x00, 0x26, 0x98},  // Cisco
    {0x28, 0x8a, 0x1c},  // Juniper
    {0x44, 0x4c, 0xa8},  // Arista
};

MacAddress mac_with_oui(Rng& rng, const Oui& oui) {
  MacAddress mac{oui[0], oui[1], oui[2], 0, 0, 0};
  rng.fill(std::span<std::uint8_t>(mac.data() + 3, 3));
  return mac;
}

}  // namespace

std::uint16_t Host::ephemeral_port(Rng& rng) {
  switch (os) {
    case HostOs::kWindows:
      // Windows walks its dynamic range sequentially.
      if (next_port < 49152) next_port = static_cast<std::uint16_t>(rng.range(50000, 60000));
      return next_port++;
    case HostOs::kLinux:
    case HostOs::kServer:
      return static_cast<std::uint16_t>(rng.range(32768, 60999));
    case HostOs::kMacos:
      return static_cast<std::uint16_t>(rng.range(49152, 65535));
  }
  return 49152;
}

Host make_client(Rng& rng, HostOs os, const IpAddress& ipv4, const IpAddress& ipv6) {
  Host host;
  host.ipv4 = ipv4;
  host.ipv6 = ipv6;
  host.os = os;
  host.mac = os == HostOs::kMacos ? mac_with_oui(rng, rng.pick(kAppleOuis))
                                  : mac_with_oui(rng, rng.pick(kDesktopOuis));
  host.ttl = os == HostOs::kWindows ? 128 : 64;
  host.next_ip_id = static_cast<std::uint16_t>(rng.next());
  host.tcp_clock_offset = static_cast<std::uint32_t>(rng.next());
  host.window_scale = os == HostOs::kWindows ? 8 : os == HostOs::kMacos ? 6 : 7;
  return host;
}

Host make_server(Rng& rng, const IpAddress& address, int hops) {
  Host host;
  if (address.family == 6) {
    host.ipv6 = address;
  } else {
    host.ipv4 = address;
  }
  host.os = HostOs::kServer;
  host.mac = make_router_mac(rng);
  host.ttl = static_cast<std::uint8_t>(64 - hops);
  host.next_ip_id = static_cast<std::uint16_t>(rng.next());
  host.tcp_clock_offset = static_cast<std::uint32_t>(rng.next());
  constexpr std::uint16_t kMss[] = {1460, 1460, 1460, 1440, 1400};
  host.tcp_mss = rng.pick(kMss);
  constexpr std::uint8_t kScales[] = {7, 9, 10};
  host.window_scale = rng.pick(kScales);
  return host;
}

MacAddress make_router_mac(Rng& rng) {
  return mac_with_oui(rng, rng.pick(kRouterOuis));
}

IpAddress ipv4_address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t bytes[4] = {a, b, c, d};
  return IpAddress::v4(bytes);
}

IpAddress parse_address(const std::string& text) {
  std::uint8_t buffer[16] = {};
  if (inet_pton(AF_INET, text.c_str(), buffer) == 1) return IpAddress::v4(buffer);
  if (inet_pton(AF_INET6, text.c_str(), buffer) == 1) return IpAddress::v6(buffer);
  return IpAddress{};
}

}  // namespace bw::gen
