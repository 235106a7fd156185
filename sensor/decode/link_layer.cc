// Link layers and the shims that sit between them and IP: VLAN tags, MPLS labels, PPPoE, PPP.
#include "sensor/decode/decode_helpers.h"
#include "sensor/decode/packet_decoder.h"
#include "sensor/decode/wire.h"

namespace bw::decode {
namespace {

constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kVlanTag = 4;
constexpr std::size_t kMplsLabel = 4;
constexpr std::uint32_t kMplsBottomOfStack = 0x100;
constexpr std::size_t kPseudowireControlWord = 4;
constexpr std::size_t kPppoeHeader = 6;
constexpr std::uint8_t kPppoeVersionType = 0x11;
constexpr std::uint8_t kPppoeSessionCode = 0;
constexpr std::size_t kLinuxSllHeader = 16;
constexpr std::size_t kLinuxSll2Header = 20;
constexpr std::uint16_t kArphrdNetlink = 824;  // SLL frames that carry netlink messages
constexpr std::size_t kLoopbackHeader = 4;
constexpr std::size_t kCiscoHdlcHeader = 4;
constexpr std::size_t kNflogHeader = 4;
constexpr std::size_t kNflogTlvHeader = 4;
constexpr std::uint16_t kNflogPayload = 9;          // NFULA_PAYLOAD
constexpr std::uint16_t kNetlinkTypeMask = 0x3fff;  // strips NLA_F_NESTED / NLA_F_NET_BYTEORDER

// BSD address families as loopback headers carry them; AF_INET6 differs between the BSDs.
constexpr std::uint32_t kBsdAfInet = 2;
constexpr std::uint32_t kBsdAfInet6NetOpenBsd = 24;
constexpr std::uint32_t kBsdAfInet6FreeBsd = 28;
constexpr std::uint32_t kBsdAfInet6Darwin = 30;
// Linux address families as NFLOG headers carry them.
constexpr std::uint8_t kLinuxAfInet = 2;
constexpr std::uint8_t kLinuxAfInet6 = 10;

bool is_vlan_tpid(std::uint16_t type) {
  return type == wire::ethertype::kVlan || type == wire::ethertype::kQinQ ||
         type == wire::ethertype::kQinQLegacy;
}

std::size_t align4(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

}  // namespace

DecodeResult PacketDecoder::decode_ethernet(ByteSpan frame, Walk& walk) {
  if (frame.size() < kEthernetHeader) return malformed(counters_.ethernet_truncated);
  return decode_ethertype(load_be16(frame.data() + 12), frame.subspan(kEthernetHeader), walk);
}

DecodeResult PacketDecoder::decode_ethertype(std::uint16_t type, ByteSpan payload, Walk& walk) {
  if (type == wire::ethertype::kIpv4) [[likely]] {
    return decode_ipv4(payload, walk);
  }
  switch (type) {
    case wire::ethertype::kIpv6:
      return decode_ipv6(payload, walk);
    case wire::ethertype::kVlan:
    case wire::ethertype::kQinQ:
    case wire::ethertype::kQinQLegacy:
      return decode_vlan(type, payload, walk);
    case wire::ethertype::kMplsUnicast:
    case wire::ethertype::kMplsMulticast:
      return decode_mpls(payload, walk);
    case wire::ethertype::kPppoeSession:
      return decode_pppoe(payload, walk);
    default:  // ARP, LLC (802.3 lengths), LLDP, PPPoE discovery...
      return DecodeResult::kNotIp;
  }
}

DecodeResult PacketDecoder::decode_vlan(std::uint16_t tpid, ByteSpan tags, Walk& walk) {
  ++counters_.vlan;
  std::uint16_t type = tpid;
  std::size_t offset = 0;
  std::size_t tag_count = 0;
  while (is_vlan_tpid(type)) {
    if (tags.size() - offset < kVlanTag) return malformed(counters_.vlan_truncated);
    const std::uint16_t vlan_id = load_be16(tags.data() + offset) & 0x0fff;
    // VLAN id 0 is a priority tag: it says nothing about which network the frame belongs to.
    if (!walk.vlan_recorded && vlan_id != 0) {
      walk.out.outer_vlan_id = vlan_id;
      walk.vlan_recorded = true;
    }
    ++tag_count;
    if (type != wire::ethertype::kVlan || tag_count > 1) {
      walk.out.encapsulation |= kEncapQinQ;
    }
    type = load_be16(tags.data() + offset + 2);
    offset += kVlanTag;
  }
  walk.out.encapsulation |= kEncapVlan;
  return decode_ethertype(type, tags.subspan(offset), walk);
}

DecodeResult PacketDecoder::decode_mpls(ByteSpan labels, Walk& walk) {
  ++counters_.mpls;
  walk.out.encapsulation |= kEncapMpls;
  std::size_t offset = 0;
  std::uint32_t entry = 0;
  do {
    if (labels.size() - offset < kMplsLabel) return malformed(counters_.mpls_truncated);
    entry = load_be32(labels.data() + offset);
    offset += kMplsLabel;
  } while ((entry & kMplsBottomOfStack) == 0);
  const ByteSpan payload = labels.subspan(offset);
  if (payload.empty()) return malformed(counters_.mpls_truncated);
  // MPLS does not say what it carries; the first nibble is the accepted guess (RFC 4385).
  switch (payload[0] >> 4) {
    case 4:
      return decode_ipv4(payload, walk);
    case 6:
      return decode_ipv6(payload, walk);
    case 0:
      if (payload.size() < kPseudowireControlWord) return malformed(counters_.mpls_truncated);
      if (!enter_tunnel(walk, kEncapMpls)) return DecodeResult::kMalformed;
      return decode_ethernet(payload.subspan(kPseudowireControlWord), walk);
    default:
      ++counters_.mpls_unknown_payload;
      return DecodeResult::kNotIp;
  }
}

DecodeResult PacketDecoder::decode_pppoe(ByteSpan session, Walk& walk) {
  ++counters_.pppoe;
  if (session.size() < kPppoeHeader) return malformed(counters_.pppoe_truncated);
  if (session[0] != kPppoeVersionType || session[1] != kPppoeSessionCode) {
    return malformed(counters_.pppoe_bad_header);
  }
  const std::size_t length = load_be16(session.data() + 4);
  const ByteSpan ppp = session.subspan(kPppoeHeader);
  if (length > ppp.size()) return malformed(counters_.pppoe_truncated);
  walk.out.encapsulation |= kEncapPppoe;
  return decode_ppp(ppp.first(length), walk);  // trims Ethernet padding
}

DecodeResult PacketDecoder::decode_ppp(ByteSpan frame, Walk& walk) {
  std::size_t offset = 0;
  // Address and control bytes are optional (RFC 1662 ACFC); 0xff cannot start a protocol.
  if (frame.size() >= 2 && frame[0] == 0xff && frame[1] == 0x03) offset = 2;
  if (frame.size() <= offset) return malformed(counters_.ppp_truncated);
  std::uint16_t protocol = frame[offset];
  // Protocol field compression (RFC 1661): a one-byte protocol is odd, a two-byte one starts even.
  if ((protocol & 1) != 0) {
    offset += 1;
  } else {
    if (frame.size() - offset < 2) return malformed(counters_.ppp_truncated);
    protocol = load_be16(frame.data() + offset);
    offset += 2;
  }
  switch (protocol) {
    case wire::ppp::kIpv4:
      return decode_ipv4(frame.subspan(offset), walk);
    case wire::ppp::kIpv6:
      return decode_ipv6(frame.subspan(offset), walk);
    default:  // LCP, IPCP, CCP, compressed data...
      return DecodeResult::kNotIp;
  }
}

DecodeResult PacketDecoder::decode_linux_sll(ByteSpan frame, Walk& walk) {
  if (frame.size() < kLinuxSllHeader) return malformed(counters_.linux_sll_truncated);
  if (load_be16(frame.data() + 2) == kArphrdNetlink) return DecodeResult::kNotIp;
  return decode_ethertype(load_be16(frame.data() + 14), frame.subspan(kLinuxSllHeader), walk);
}

DecodeResult PacketDecoder::decode_linux_sll2(ByteSpan frame, Walk& walk) {
  if (frame.size() < kLinuxSll2Header) return malformed(counters_.linux_sll2_truncated);
  if (load_be16(frame.data() + 8) == kArphrdNetlink) return DecodeResult::kNotIp;
  return decode_ethertype(load_be16(frame.data()), frame.subspan(kLinuxSll2Header), walk);
}

DecodeResult PacketDecoder::decode_loopback(ByteSpan frame, bool host_byte_order, Walk& walk) {
  if (frame.size() < kLoopbackHeader) return malformed(counters_.loopback_truncated);
  std::uint32_t family = load_be32(frame.data());
  // LINKTYPE_NULL stores the family in the byte order of the machine that captured; families
  // are small, so a value that only makes sense swapped came from the other byte order.
  if (host_byte_order && family > 0xffff) family = load_le32(frame.data());
  return decode_address_family(family, frame.subspan(kLoopbackHeader), walk);
}

DecodeResult PacketDecoder::decode_address_family(std::uint32_t family, ByteSpan packet,
                                                  Walk& walk) {
  switch (family) {
    case kBsdAfInet:
      return decode_ipv4(packet, walk);
    case kBsdAfInet6NetOpenBsd:
    case kBsdAfInet6FreeBsd:
    case kBsdAfInet6Darwin:
      return decode_ipv6(packet, walk);
    default:
      return DecodeResult::kNotIp;
  }
}

DecodeResult PacketDecoder::decode_cisco_hdlc(ByteSpan frame, Walk& walk) {
  if (frame.size() < kCiscoHdlcHeader) return malformed(counters_.cisco_hdlc_truncated);
  return decode_ethertype(load_be16(frame.data() + 2), frame.subspan(kCiscoHdlcHeader), walk);
}

DecodeResult PacketDecoder::decode_nflog(ByteSpan frame, Walk& walk) {
  if (frame.size() < kNflogHeader) return malformed(counters_.nflog_truncated);
  const std::uint8_t family = frame[0];
  std::size_t offset = kNflogHeader;
  // TLVs are netlink attributes: length and type in the logging host's byte order (little-endian
  // in practice), the length counting the 4-byte TLV header, each TLV padded to 4 bytes.
  while (frame.size() - offset >= kNflogTlvHeader) {
    const std::size_t length = load_le16(frame.data() + offset);
    const std::uint16_t type = load_le16(frame.data() + offset + 2) & kNetlinkTypeMask;
    if (length < kNflogTlvHeader) return malformed(counters_.nflog_bad_tlv);
    if (length > frame.size() - offset) return malformed(counters_.nflog_truncated);
    if (type == kNflogPayload) {
      const ByteSpan packet = frame.subspan(offset + kNflogTlvHeader, length - kNflogTlvHeader);
      if (family == kLinuxAfInet) return decode_ipv4(packet, walk);
      if (family == kLinuxAfInet6) return decode_ipv6(packet, walk);
      return DecodeResult::kNotIp;
    }
    if (align4(length) >= frame.size() - offset) break;
    offset += align4(length);
  }
  // Logging rules may be set up to copy no packet bytes at all.
  ++counters_.nflog_without_payload;
  return DecodeResult::kNotIp;
}

DecodeResult PacketDecoder::decode_raw_ip(ByteSpan packet, Walk& walk) {
  const int version = packet.empty() ? 0 : packet[0] >> 4;
  if (version == 4) return decode_ipv4(packet, walk);
  if (version == 6) return decode_ipv6(packet, walk);
  return malformed(counters_.ip_version_unknown);
}

}  // namespace bw::decode
