#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

namespace bw {

// IPv4 addresses occupy the first four bytes and leave the rest zero, so comparisons and hashes
// over the whole array are valid for both families.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  std::uint8_t family = 0;  // 4 or 6; 0 means unset

  static IpAddress v4(const std::uint8_t* network_order) {
    IpAddress a;
    std::memcpy(a.bytes.data(), network_order, 4);
    a.family = 4;
    return a;
  }
  static IpAddress v6(const std::uint8_t* network_order) {
    IpAddress a;
    std::memcpy(a.bytes.data(), network_order, 16);
    a.family = 6;
    return a;
  }
  std::size_t length() const { return family == 6 ? 16 : 4; }

  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.family == b.family && a.bytes == b.bytes;
  }
  friend bool operator<(const IpAddress& a, const IpAddress& b) {
    if (a.family != b.family) return a.family < b.family;
    return a.bytes < b.bytes;
  }

  // Text form (inet_ntop); not for the data path.
  std::string to_string() const;
  // Writes the text form into buf (at least 46 bytes); returns its length.
  std::size_t format(char* buf, std::size_t size) const;
};

}  // namespace bw
