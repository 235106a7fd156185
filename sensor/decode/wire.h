// Protocol numbers the decoder dispatches on, named once so each layer reads like its RFC.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bw::decode::wire {

namespace ethertype {
inline constexpr std::uint16_t kIpv4 = 0x0800;
inline constexpr std::uint16_t kIpv6 = 0x86dd;
inline constexpr std::uint16_t kVlan = 0x8100;
inline constexpr std::uint16_t kQinQ = 0x88a8;
inline constexpr std::uint16_t kQinQLegacy = 0x9100;
inline constexpr std::uint16_t kMplsUnicast = 0x8847;
inline constexpr std::uint16_t kMplsMulticast = 0x8848;
inline constexpr std::uint16_t kPppoeSession = 0x8864;
inline constexpr std::uint16_t kTransparentEthernet = 0x6558;
inline constexpr std::uint16_t kErspanTypeII = 0x88be;
inline constexpr std::uint16_t kErspanTypeIII = 0x22eb;
inline constexpr std::uint16_t kPpp = 0x880b;
}  // namespace ethertype

namespace ipproto {
inline constexpr std::uint8_t kHopByHop = 0;
inline constexpr std::uint8_t kIpv4 = 4;
inline constexpr std::uint8_t kTcp = 6;
inline constexpr std::uint8_t kUdp = 17;
inline constexpr std::uint8_t kIpv6 = 41;
inline constexpr std::uint8_t kRouting = 43;
inline constexpr std::uint8_t kFragment = 44;
inline constexpr std::uint8_t kGre = 47;
inline constexpr std::uint8_t kAuthentication = 51;
inline constexpr std::uint8_t kDestinationOptions = 60;
inline constexpr std::uint8_t kMobility = 135;
inline constexpr std::uint8_t kHip = 139;
inline constexpr std::uint8_t kShim6 = 140;
}  // namespace ipproto

namespace ppp {
inline constexpr std::uint16_t kIpv4 = 0x0021;
inline constexpr std::uint16_t kIpv6 = 0x0057;
}  // namespace ppp

inline constexpr std::size_t kIpv4MinHeader = 20;
inline constexpr std::size_t kIpv6Header = 40;

}  // namespace bw::decode::wire
