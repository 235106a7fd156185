// Tunnels: GRE (with ERSPAN and PPTP), IP-in-IP, and the UDP tunnels VXLAN, Geneve, Teredo,
// GTP-U and AYIYA.
#include "sensor/decode/decode_helpers.h"
#include "sensor/decode/packet_decoder.h"
#include "sensor/decode/wire.h"

namespace bw::decode {
namespace {

constexpr std::size_t kGreBaseHeader = 4;
constexpr std::uint16_t kGreChecksum = 0x8000;
constexpr std::uint16_t kGreRouting = 0x4000;
constexpr std::uint16_t kGreKey = 0x2000;
constexpr std::uint16_t kGreSequence = 0x1000;
constexpr std::uint16_t kGreAcknowledgment = 0x0080;  // enhanced GRE (PPTP) only
constexpr std::uint16_t kGreVersionMask = 0x0007;
constexpr std::size_t kGreOptionalField = 4;

constexpr std::size_t kErspanType2Header = 8;
constexpr std::size_t kErspanType3Header = 12;
constexpr std::size_t kErspanType3PlatformSubheader = 8;
constexpr std::uint8_t kErspanType2Version = 1;
constexpr std::uint8_t kErspanType3Version = 2;
constexpr std::uint8_t kErspanFrameEthernet = 0;
constexpr std::uint8_t kErspanFrameIp = 2;

constexpr std::size_t kVxlanHeader = 8;
constexpr std::uint8_t kVxlanVniPresent = 0x08;
constexpr std::size_t kGeneveBaseHeader = 8;

constexpr std::size_t kTeredoAuthenticationFixed = 4 + 8 + 1;  // tag, lengths; nonce; confirmation
constexpr std::size_t kTeredoOriginIndication = 8;

// 3GPP TS 29.281 5.1: flags (version, protocol type, E, S, PN), message type, length, TEID.
constexpr std::size_t kGtpuHeader = 8;
constexpr std::uint8_t kGtpuVersionAndTypeMask = 0xf0;  // version (3 bits), protocol type, spare
constexpr std::uint8_t kGtpuVersion1Gtp = 0x30;         // version 1; PT 0 would be GTP'
constexpr std::uint8_t kGtpuExtensionFlag = 0x04;
constexpr std::uint8_t kGtpuOptionalFlags = 0x07;  // E, S or PN: all three optional fields follow
constexpr std::size_t kGtpuOptionalFields = 4;     // sequence, N-PDU number, next extension type
constexpr std::uint8_t kGtpuGPdu = 255;
// No 3GPP message carries more than a few extension headers; a longer chain is not GTP-U.
constexpr std::size_t kGtpuMaxExtensionHeaders = 16;

// draft-massar-v6ops-ayiya-02 5: identity length and type, signature length and hash method,
// authentication method and operation, next header, epoch; then identity and signature.
constexpr std::size_t kAyiyaHeader = 8;
constexpr std::uint8_t kAyiyaLastIdentityType = 2;  // none, integer, ASCII string
constexpr std::uint8_t kAyiyaLastHashMethod = 2;    // none, MD5, SHA-1
constexpr std::uint8_t kAyiyaLastAuthMethod = 2;    // none, shared secret, public key
constexpr std::uint8_t kAyiyaForward = 1;

// A UDP payload on a tunnel's port that is not that tunnel stays an ordinary UDP datagram, with
// the reason counted.
std::optional<DecodeResult> not_the_tunnel(std::uint64_t& weird) {
  ++weird;
  return std::nullopt;
}

int ip_version_of(ByteSpan packet) {
  return packet.empty() ? 0 : packet[0] >> 4;
}

enum class GtpuHeaderStatus : std::uint8_t { kOk, kTruncated, kBadExtension };

// Length of a G-PDU's header, optional fields and extension header chain included. Each
// extension header gives its length in 4-octet units and ends with the next one's type.
GtpuHeaderStatus gtpu_header_length(ByteSpan message, std::size_t& length) {
  length = kGtpuHeader;
  if ((message[0] & kGtpuOptionalFlags) == 0) return GtpuHeaderStatus::kOk;
  length += kGtpuOptionalFields;
  if (length > message.size()) return GtpuHeaderStatus::kTruncated;
  if ((message[0] & kGtpuExtensionFlag) == 0) return GtpuHeaderStatus::kOk;
  std::uint8_t next_type = message[length - 1];
  for (std::size_t count = 0; next_type != 0; ++count) {
    if (count == kGtpuMaxExtensionHeaders) return GtpuHeaderStatus::kBadExtension;
    if (length >= message.size()) return GtpuHeaderStatus::kTruncated;
    const std::size_t extension_length = std::size_t{message[length]} * 4;
    if (extension_length == 0) return GtpuHeaderStatus::kBadExtension;
    if (extension_length > message.size() - length) return GtpuHeaderStatus::kTruncated;
    length += extension_length;
    next_type = message[length - 1];
  }
  return GtpuHeaderStatus::kOk;
}

std::size_t optional_field_bytes(bool present) {
  return present ? kGreOptionalField : 0;
}

// Returns 0 unless `payload` starts with a whole version-0 Geneve header, options included.
std::size_t geneve_header_length(ByteSpan payload) {
  if (payload.size() < kGeneveBaseHeader || (payload[0] >> 6) != 0) return 0;
  const std::size_t length = kGeneveBaseHeader + std::size_t{payload[0] & 0x3fu} * 4;
  return length <= payload.size() ? length : 0;
}

// Teredo only ever carries IPv6, and its payload is exactly one datagram (RFC 4380 5.1.1).
bool is_single_ipv6_datagram(ByteSpan bytes) {
  return bytes.size() >= wire::kIpv6Header && (bytes[0] >> 4) == 6 &&
         wire::kIpv6Header + load_be16(bytes.data() + 4) == bytes.size();
}

// Skips Teredo's optional authentication and origin indication headers; both start with a zero
// byte, which an IPv6 header never does. Returns nothing when they run past the payload.
std::optional<std::size_t> teredo_header_length(ByteSpan payload) {
  std::size_t offset = 0;
  if (payload.size() >= 4 && payload[0] == 0 && payload[1] == 1) {
    offset = kTeredoAuthenticationFixed + payload[2] + payload[3];
    if (offset > payload.size()) return std::nullopt;
  }
  if (payload.size() - offset >= 2 && payload[offset] == 0 && payload[offset + 1] == 0) {
    offset += kTeredoOriginIndication;
    if (offset > payload.size()) return std::nullopt;
  }
  return offset;
}

}  // namespace

DecodeResult PacketDecoder::decode_ip_in_ip(std::uint8_t protocol, ByteSpan inner, Walk& walk) {
  if (!enter_tunnel(walk, kEncapIpInIp)) return DecodeResult::kMalformed;
  ++counters_.ip_in_ip;
  return protocol == wire::ipproto::kIpv4 ? decode_ipv4(inner, walk) : decode_ipv6(inner, walk);
}

DecodeResult PacketDecoder::decode_gre(ByteSpan packet, Walk& walk) {
  ++counters_.gre;
  if (packet.size() < kGreBaseHeader) return malformed(counters_.gre_truncated);
  const std::uint16_t flags = load_be16(packet.data());
  const std::uint16_t protocol = load_be16(packet.data() + 2);
  switch (flags & kGreVersionMask) {
    case 0:
      return decode_gre_v0(flags, protocol, packet, walk);
    case 1:
      return decode_pptp_gre(flags, protocol, packet, walk);
    default:
      return malformed(counters_.gre_unsupported_version);
  }
}

DecodeResult PacketDecoder::decode_gre_v0(std::uint16_t flags, std::uint16_t protocol,
                                          ByteSpan packet, Walk& walk) {
  // RFC 1701 source routing is obsolete (RFC 2784 dropped it) and never seen in practice.
  if ((flags & kGreRouting) != 0) return malformed(counters_.gre_source_routing);
  const bool has_sequence = (flags & kGreSequence) != 0;
  const std::size_t header_length =
      kGreBaseHeader + optional_field_bytes((flags & kGreChecksum) != 0) +
      optional_field_bytes((flags & kGreKey) != 0) + optional_field_bytes(has_sequence);
  if (header_length > packet.size()) return malformed(counters_.gre_truncated);
  if (!enter_tunnel(walk, kEncapGre)) return DecodeResult::kMalformed;
  const ByteSpan payload = packet.subspan(header_length);
  switch (protocol) {
    case wire::ethertype::kErspanTypeII:
      return decode_erspan_type2(has_sequence, payload, walk);
    case wire::ethertype::kErspanTypeIII:
      return decode_erspan_type3(payload, walk);
    default:
      return decode_tunnel_payload(protocol, payload, counters_.gre_unsupported_protocol, walk);
  }
}

DecodeResult PacketDecoder::decode_pptp_gre(std::uint16_t flags, std::uint16_t protocol,
                                            ByteSpan packet, Walk& walk) {
  // Enhanced GRE (RFC 2637): the key field holds payload length and call id; PPP follows.
  const bool well_formed = protocol == wire::ethertype::kPpp && (flags & kGreKey) != 0 &&
                           (flags & (kGreChecksum | kGreRouting)) == 0;
  if (!well_formed) return malformed(counters_.pptp_bad_header);
  const bool has_sequence = (flags & kGreSequence) != 0;
  const std::size_t header_length = kGreBaseHeader + kGreOptionalField +
                                    optional_field_bytes(has_sequence) +
                                    optional_field_bytes((flags & kGreAcknowledgment) != 0);
  if (header_length > packet.size()) return malformed(counters_.gre_truncated);
  // Without a sequence number the packet only acknowledges; it carries no PPP frame.
  if (!has_sequence) return DecodeResult::kNotIp;
  const std::size_t payload_length = load_be16(packet.data() + 4);
  const ByteSpan payload = packet.subspan(header_length);
  if (payload_length > payload.size()) return malformed(counters_.gre_truncated);
  if (!enter_tunnel(walk, kEncapGre)) return DecodeResult::kMalformed;
  return decode_ppp(payload.first(payload_length), walk);
}

DecodeResult PacketDecoder::decode_erspan_type2(bool has_sequence, ByteSpan packet, Walk& walk) {
  ++counters_.erspan;
  walk.out.encapsulation |= kEncapErspan;
  // Type I shares the protocol number but has no ERSPAN header, and its GRE header no sequence
  // number: that absence is what tells the two apart.
  if (!has_sequence) return decode_ethernet(packet, walk);
  if (packet.size() < kErspanType2Header) return malformed(counters_.erspan_truncated);
  if ((packet[0] >> 4) != kErspanType2Version) return malformed(counters_.erspan_bad_version);
  return decode_ethernet(packet.subspan(kErspanType2Header), walk);
}

DecodeResult PacketDecoder::decode_erspan_type3(ByteSpan packet, Walk& walk) {
  ++counters_.erspan;
  walk.out.encapsulation |= kEncapErspan;
  if (packet.size() < kErspanType3Header) return malformed(counters_.erspan_truncated);
  if ((packet[0] >> 4) != kErspanType3Version) return malformed(counters_.erspan_bad_version);
  const bool has_platform_subheader = (packet[11] & 0x01) != 0;  // the O bit
  const std::size_t header_length =
      kErspanType3Header + (has_platform_subheader ? kErspanType3PlatformSubheader : 0);
  if (header_length > packet.size()) return malformed(counters_.erspan_truncated);
  const ByteSpan frame = packet.subspan(header_length);
  switch ((packet[10] >> 2) & 0x1f) {  // frame type
    case kErspanFrameEthernet:
      return decode_ethernet(frame, walk);
    case kErspanFrameIp:
      return decode_raw_ip(frame, walk);
    default:
      ++counters_.erspan_unsupported_frame_type;
      return DecodeResult::kNotIp;
  }
}

DecodeResult PacketDecoder::decode_tunnel_payload(std::uint16_t protocol, ByteSpan payload,
                                                  std::uint64_t& unsupported, Walk& walk) {
  switch (protocol) {
    case wire::ethertype::kIpv4:
      return decode_ipv4(payload, walk);
    case wire::ethertype::kIpv6:
      return decode_ipv6(payload, walk);
    case wire::ethertype::kTransparentEthernet:
      return decode_ethernet(payload, walk);
    case wire::ethertype::kMplsUnicast:
    case wire::ethertype::kMplsMulticast:
      return decode_mpls(payload, walk);
    default:
      ++unsupported;
      return DecodeResult::kNotIp;
  }
}

std::optional<DecodeResult> PacketDecoder::decode_udp_tunnel(std::uint16_t src_port,
                                                             std::uint16_t dst_port,
                                                             ByteSpan payload, Walk& walk) {
  if (config_.vxlan_port != 0 && dst_port == config_.vxlan_port) {
    return decode_vxlan(payload, walk);
  }
  if (config_.geneve_port != 0 && dst_port == config_.geneve_port) {
    return decode_geneve(payload, walk);
  }
  if (config_.teredo_port != 0 &&
      (src_port == config_.teredo_port || dst_port == config_.teredo_port)) {
    return decode_teredo(payload, walk);
  }
  if (config_.gtpu_port != 0 && (src_port == config_.gtpu_port || dst_port == config_.gtpu_port)) {
    return decode_gtpu(payload, walk);
  }
  if (config_.ayiya_port != 0 &&
      (src_port == config_.ayiya_port || dst_port == config_.ayiya_port)) {
    return decode_ayiya(payload, walk);
  }
  return std::nullopt;
}

std::optional<DecodeResult> PacketDecoder::decode_vxlan(ByteSpan payload, Walk& walk) {
  if (payload.size() < kVxlanHeader || (payload[0] & kVxlanVniPresent) == 0) {
    ++counters_.vxlan_bad_header;
    return std::nullopt;
  }
  if (!enter_tunnel(walk, kEncapVxlan)) return DecodeResult::kMalformed;
  ++counters_.vxlan;
  return decode_ethernet(payload.subspan(kVxlanHeader), walk);
}

std::optional<DecodeResult> PacketDecoder::decode_geneve(ByteSpan payload, Walk& walk) {
  const std::size_t header_length = geneve_header_length(payload);
  if (header_length == 0) {
    ++counters_.geneve_bad_header;
    return std::nullopt;
  }
  if (!enter_tunnel(walk, kEncapGeneve)) return DecodeResult::kMalformed;
  ++counters_.geneve;
  return decode_tunnel_payload(load_be16(payload.data() + 2), payload.subspan(header_length),
                               counters_.geneve_unsupported_protocol, walk);
}

std::optional<DecodeResult> PacketDecoder::decode_teredo(ByteSpan payload, Walk& walk) {
  // The port alone is weak evidence: anything that does not hold exactly one IPv6 datagram is
  // ordinary UDP, and not worth a weird.
  const std::optional<std::size_t> header_length = teredo_header_length(payload);
  if (!header_length || !is_single_ipv6_datagram(payload.subspan(*header_length))) {
    return std::nullopt;
  }
  if (!enter_tunnel(walk, kEncapTeredo)) return DecodeResult::kMalformed;
  ++counters_.teredo;
  return decode_ipv6(payload.subspan(*header_length), walk);
}

std::optional<DecodeResult> PacketDecoder::decode_gtpu(ByteSpan payload, Walk& walk) {
  // The port alone is weak evidence: GTP' and GTPv2-C messages, or any application that drew 2152
  // as an ephemeral port, must stay ordinary UDP instead of becoming garbage inner flows.
  if (payload.empty() || (payload[0] & kGtpuVersionAndTypeMask) != kGtpuVersion1Gtp) {
    return not_the_tunnel(counters_.gtpu_not_user_plane);
  }
  if (payload.size() < kGtpuHeader) return not_the_tunnel(counters_.gtpu_truncated);
  // Echo, error indication and end marker are path management between the tunnel endpoints.
  if (payload[1] != kGtpuGPdu) return not_the_tunnel(counters_.gtpu_signalling_message);
  // The length field counts everything after the mandatory header.
  const std::size_t message_length = kGtpuHeader + load_be16(payload.data() + 2);
  if (message_length > payload.size()) return not_the_tunnel(counters_.gtpu_length_mismatch);
  const ByteSpan message = payload.first(message_length);
  std::size_t header_length = 0;
  switch (gtpu_header_length(message, header_length)) {
    case GtpuHeaderStatus::kOk:
      break;
    case GtpuHeaderStatus::kTruncated:
      return not_the_tunnel(counters_.gtpu_truncated);
    case GtpuHeaderStatus::kBadExtension:
      return not_the_tunnel(counters_.gtpu_bad_extension);
  }
  // A G-PDU may also carry Ethernet or unstructured PDU sessions, which hold no IP to follow.
  const ByteSpan inner = message.subspan(header_length);
  const int version = ip_version_of(inner);
  if (version != 4 && version != 6) return not_the_tunnel(counters_.gtpu_inner_not_ip);
  if (!enter_tunnel(walk, kEncapGtpU)) return DecodeResult::kMalformed;
  ++counters_.gtpu;
  return version == 4 ? decode_ipv4(inner, walk) : decode_ipv6(inner, walk);
}

std::optional<DecodeResult> PacketDecoder::decode_ayiya(ByteSpan payload, Walk& walk) {
  if (payload.size() < kAyiyaHeader) return not_the_tunnel(counters_.ayiya_truncated);
  const std::uint8_t identity_type = payload[0] & 0x0f;
  const std::uint8_t hash_method = payload[1] & 0x0f;
  const std::uint8_t auth_method = payload[2] >> 4;
  if (identity_type > kAyiyaLastIdentityType || hash_method > kAyiyaLastHashMethod ||
      auth_method > kAyiyaLastAuthMethod) {
    return not_the_tunnel(counters_.ayiya_bad_header);
  }
  // Heartbeats, echoes, MOTD and queries talk to the tunnel broker; only Forward carries a packet.
  if ((payload[2] & 0x0f) != kAyiyaForward) return not_the_tunnel(counters_.ayiya_not_forward);
  const std::uint8_t next_header = payload[3];
  if (next_header != wire::ipproto::kIpv6 && next_header != wire::ipproto::kIpv4) {
    return not_the_tunnel(counters_.ayiya_unsupported_next_header);
  }
  // The identity is 2^n bytes long, the signature n 4-byte words.
  const std::size_t identity_length = std::size_t{1} << (payload[0] >> 4);
  const std::size_t signature_length = static_cast<std::size_t>(payload[1] >> 4) * 4;
  const std::size_t header_length = kAyiyaHeader + identity_length + signature_length;
  if (header_length > payload.size()) return not_the_tunnel(counters_.ayiya_truncated);
  const ByteSpan inner = payload.subspan(header_length);
  const int expected_version = next_header == wire::ipproto::kIpv6 ? 6 : 4;
  if (ip_version_of(inner) != expected_version) {
    return not_the_tunnel(counters_.ayiya_inner_mismatch);
  }
  if (!enter_tunnel(walk, kEncapAyiya)) return DecodeResult::kMalformed;
  ++counters_.ayiya;
  return expected_version == 4 ? decode_ipv4(inner, walk) : decode_ipv6(inner, walk);
}

}  // namespace bw::decode
