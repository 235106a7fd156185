// What the decoder hands to the rest of the pipeline: the innermost IP datagram of a frame, with
// the L4 facts the flow table needs, and offsets into that datagram. Plain data, copied through
// the capture-to-worker queue.
#pragma once

#include <cstdint>

#include "sensor/common/bytes.h"
#include "sensor/common/ip_address.h"
#include "sensor/common/time.h"

namespace bw::decode {

// Link types by their LINKTYPE_ number (tcpdump.org/linktypes.html), which is what pcap and
// pcapng files record.
namespace linktype {
inline constexpr std::uint32_t kNull = 0;  // BSD loopback, host-order family
inline constexpr std::uint32_t kEthernet = 1;
inline constexpr std::uint32_t kPpp = 9;
inline constexpr std::uint32_t kRaw = 101;  // raw IPv4 or IPv6
inline constexpr std::uint32_t kCiscoHdlc = 104;
inline constexpr std::uint32_t kLoop = 108;  // OpenBSD loopback, network-order family
inline constexpr std::uint32_t kLinuxSll = 113;
inline constexpr std::uint32_t kIpv4 = 228;
inline constexpr std::uint32_t kIpv6 = 229;
inline constexpr std::uint32_t kNflog = 239;
inline constexpr std::uint32_t kLinuxSll2 = 276;
inline constexpr std::uint32_t kDltRaw12 = 12;  // DLT_RAW on some BSDs
inline constexpr std::uint32_t kDltRaw14 = 14;  // DLT_RAW on OpenBSD
}  // namespace linktype

// Encapsulations seen on the way to the innermost datagram, as bits so they fit one field.
enum Encapsulation : std::uint32_t {
  kEncapVlan = 1u << 0,
  kEncapQinQ = 1u << 1,
  kEncapMpls = 1u << 2,
  kEncapPppoe = 1u << 3,
  kEncapGre = 1u << 4,
  kEncapErspan = 1u << 5,
  kEncapVxlan = 1u << 6,
  kEncapGeneve = 1u << 7,
  kEncapIpInIp = 1u << 8,  // IPv4 or IPv6 inside IPv4 or IPv6, 6in4 included
  kEncapTeredo = 1u << 9,
  kEncapFragmented = 1u << 10,  // the datagram was reassembled from IP fragments
  kEncapGtpU = 1u << 11,        // GTPv1-U G-PDU (mobile core user plane)
  kEncapAyiya = 1u << 12,       // AYIYA, IPv6 or IPv4 in UDP from a tunnel broker
};

struct DecodedPacket {
  IpAddress src_ip;
  IpAddress dst_ip;
  std::uint16_t src_port = 0;  // 0 for protocols without ports
  std::uint16_t dst_port = 0;
  std::uint8_t ip_protocol = 0;  // innermost L4 protocol number (6 TCP, 17 UDP, 58 ICMPv6...)
  std::uint8_t ip_version = 0;   // 4 or 6

  // TCP only.
  std::uint8_t tcp_flags = 0;  // FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10
  std::uint32_t tcp_seq = 0;
  std::uint32_t tcp_ack = 0;

  std::uint16_t outer_vlan_id = 0;  // first 802.1Q tag, 0 when untagged
  std::uint32_t encapsulation = 0;  // Encapsulation bits

  // The innermost IP datagram (header included) lies in `datagram`; the L4 payload is
  // datagram[payload_offset, payload_offset + payload_length). For a reassembled datagram these
  // bytes belong to the decoder and stay valid only until its next decode() call.
  ByteSpan datagram;
  std::uint32_t payload_offset = 0;
  std::uint32_t payload_length = 0;

  ByteSpan payload() const { return datagram.subspan(payload_offset, payload_length); }
};

}  // namespace bw::decode
