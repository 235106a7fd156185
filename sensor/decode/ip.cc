// IPv4, IPv6 with its extension headers, fragments, and the TCP/UDP headers.
#include "sensor/decode/decode_helpers.h"
#include "sensor/decode/packet_decoder.h"
#include "sensor/decode/wire.h"

namespace bw::decode {
namespace {

constexpr std::uint16_t kIpv4MoreFragments = 0x2000;
constexpr std::uint16_t kIpv4OffsetMask = 0x1fff;
constexpr std::size_t kIpv6FragmentHeader = 8;
constexpr std::uint16_t kIpv6OffsetMask = 0xfff8;  // already in bytes: 8-byte units, shifted by 3
constexpr std::uint16_t kIpv6MoreFragments = 0x0001;
constexpr std::uint8_t kNoNextHeader = 59;
constexpr std::size_t kTcpMinHeader = 20;
constexpr std::size_t kUdpHeader = 8;

FragmentKey fragment_key(const DecodedPacket& out, std::uint32_t id, std::uint8_t protocol) {
  FragmentKey key;
  key.src = out.src_ip.bytes;
  key.dst = out.dst_ip.bytes;
  key.id = id;
  key.protocol = protocol;
  key.family = out.ip_version;
  return key;
}

Fragment ipv4_fragment(ByteSpan datagram, std::size_t header_length, const DecodedPacket& out) {
  const std::uint8_t* header = datagram.data();
  const std::uint16_t field = load_be16(header + 6);
  Fragment fragment;
  fragment.key = fragment_key(out, load_be16(header + 4), header[9]);
  fragment.header = datagram.first(header_length);
  fragment.data = datagram.subspan(header_length);
  fragment.offset = static_cast<std::uint32_t>(field & kIpv4OffsetMask) * 8;
  fragment.more = (field & kIpv4MoreFragments) != 0;
  return fragment;
}

// `fragment_offset` locates the Fragment header; `next_header_index` the byte that names it.
Fragment ipv6_fragment(ByteSpan datagram, std::size_t fragment_offset,
                       std::size_t next_header_index, const DecodedPacket& out) {
  const std::uint8_t* header = datagram.data() + fragment_offset;
  const std::uint16_t field = load_be16(header + 2);
  Fragment fragment;
  fragment.key = fragment_key(out, load_be32(header + 4), 0);
  fragment.header = datagram.first(fragment_offset);
  fragment.next_header_index = static_cast<std::uint32_t>(next_header_index);
  fragment.next_header = header[0];
  fragment.data = datagram.subspan(fragment_offset + kIpv6FragmentHeader);
  fragment.offset = field & kIpv6OffsetMask;
  fragment.more = (field & kIpv6MoreFragments) != 0;
  return fragment;
}

bool is_atomic_ipv6_fragment(const std::uint8_t* fragment_header) {
  // RFC 6946: offset 0 without More Fragments is a whole datagram wearing a Fragment header.
  return (load_be16(fragment_header + 2) & (kIpv6OffsetMask | kIpv6MoreFragments)) == 0;
}

enum class Ipv6HeaderKind : std::uint8_t {
  kUpperLayer,
  kEightOctetUnits,
  kFourOctetUnits,
  kFragment
};

Ipv6HeaderKind classify_ipv6_header(std::uint8_t type) {
  switch (type) {
    case wire::ipproto::kHopByHop:
    case wire::ipproto::kRouting:
    case wire::ipproto::kDestinationOptions:
    case wire::ipproto::kMobility:
    case wire::ipproto::kHip:
    case wire::ipproto::kShim6:
      return Ipv6HeaderKind::kEightOctetUnits;
    case wire::ipproto::kAuthentication:  // RFC 4302 counts AH in 4-byte units
      return Ipv6HeaderKind::kFourOctetUnits;
    case wire::ipproto::kFragment:
      return Ipv6HeaderKind::kFragment;
    default:
      return Ipv6HeaderKind::kUpperLayer;
  }
}

// Needs the first two bytes of the header at `header`.
std::size_t ipv6_extension_length(Ipv6HeaderKind kind, const std::uint8_t* header) {
  switch (kind) {
    case Ipv6HeaderKind::kEightOctetUnits:
      return (std::size_t{header[1]} + 1) * 8;
    case Ipv6HeaderKind::kFourOctetUnits:
      return (std::size_t{header[1]} + 2) * 4;
    case Ipv6HeaderKind::kFragment:
      return kIpv6FragmentHeader;
    case Ipv6HeaderKind::kUpperLayer:
      break;
  }
  return 0;
}

}  // namespace

DecodeResult PacketDecoder::decode_ipv4(ByteSpan bytes, Walk& walk) {
  ++counters_.ipv4;
  if (bytes.size() < wire::kIpv4MinHeader) return malformed(counters_.ipv4_header_truncated);
  const std::uint8_t* header = bytes.data();
  if ((header[0] >> 4) != 4) return malformed(counters_.ipv4_bad_version);
  const std::size_t header_length = std::size_t{header[0] & 0x0fu} * 4;
  if (header_length < wire::kIpv4MinHeader) return malformed(counters_.ipv4_bad_header_length);
  if (header_length > bytes.size()) return malformed(counters_.ipv4_header_truncated);
  std::size_t total_length = load_be16(header + 2);
  if (total_length == 0) {
    // Captured on the sending host before segmentation offload filled the length in.
    ++counters_.ipv4_total_length_zero;
    total_length = bytes.size();
  } else if (total_length < header_length) {
    return malformed(counters_.ipv4_total_length_too_small);
  } else if (total_length > bytes.size()) {
    return malformed(counters_.ipv4_truncated);
  }
  DecodedPacket& out = walk.out;
  out.ip_version = 4;
  out.src_ip = IpAddress::v4(header + 12);
  out.dst_ip = IpAddress::v4(header + 16);
  const ByteSpan datagram = bytes.first(total_length);  // drops Ethernet padding
  if ((load_be16(header + 6) & (kIpv4MoreFragments | kIpv4OffsetMask)) != 0) [[unlikely]] {
    return reassemble(ipv4_fragment(datagram, header_length, out), walk);
  }
  return decode_transport(header[9], datagram, header_length, walk);
}

DecodeResult PacketDecoder::decode_ipv6(ByteSpan bytes, Walk& walk) {
  ++counters_.ipv6;
  if (bytes.size() < wire::kIpv6Header) return malformed(counters_.ipv6_header_truncated);
  const std::uint8_t* header = bytes.data();
  if ((header[0] >> 4) != 6) return malformed(counters_.ipv6_bad_version);
  std::size_t total_length = wire::kIpv6Header + load_be16(header + 4);
  if (total_length == wire::kIpv6Header && header[6] != kNoNextHeader) {
    // A jumbogram, or captured before segmentation offload filled the length in.
    ++counters_.ipv6_payload_length_zero;
    total_length = bytes.size();
  } else if (total_length > bytes.size()) {
    return malformed(counters_.ipv6_truncated);
  }
  DecodedPacket& out = walk.out;
  out.ip_version = 6;
  out.src_ip = IpAddress::v6(header + 8);
  out.dst_ip = IpAddress::v6(header + 24);
  return decode_ipv6_extensions(bytes.first(total_length), walk);
}

DecodeResult PacketDecoder::decode_ipv6_extensions(ByteSpan datagram, Walk& walk) {
  const std::uint8_t* bytes = datagram.data();
  std::size_t next_header_index = 6;  // the byte naming the header at `offset`
  std::size_t offset = wire::kIpv6Header;
  // Every extension header is at least 8 bytes long, so the walk ends within the datagram.
  for (;;) {
    const Ipv6HeaderKind kind = classify_ipv6_header(bytes[next_header_index]);
    if (kind == Ipv6HeaderKind::kUpperLayer) break;
    const std::size_t readable = kind == Ipv6HeaderKind::kFragment ? kIpv6FragmentHeader : 2;
    if (datagram.size() - offset < readable) return malformed(counters_.ipv6_extension_truncated);
    if (kind == Ipv6HeaderKind::kFragment && !is_atomic_ipv6_fragment(bytes + offset)) {
      return reassemble(ipv6_fragment(datagram, offset, next_header_index, walk.out), walk);
    }
    const std::size_t length = ipv6_extension_length(kind, bytes + offset);
    if (length > datagram.size() - offset) return malformed(counters_.ipv6_extension_truncated);
    next_header_index = offset;
    offset += length;
  }
  // ESP (50) and No Next Header (59) end the walk like any upper layer: no ports, raw payload.
  return decode_transport(bytes[next_header_index], datagram, offset, walk);
}

DecodeResult PacketDecoder::decode_transport(std::uint8_t protocol, ByteSpan datagram,
                                             std::size_t l4_offset, Walk& walk) {
  DecodedPacket& out = walk.out;
  // An outer layer of a tunnel may have set these; the innermost datagram decides them.
  out.datagram = datagram;
  out.ip_protocol = protocol;
  out.src_port = 0;
  out.dst_port = 0;
  out.tcp_flags = 0;
  out.tcp_seq = 0;
  out.tcp_ack = 0;
  const ByteSpan l4 = datagram.subspan(l4_offset);
  switch (protocol) {
    case wire::ipproto::kTcp:
      return decode_tcp(l4, walk);
    case wire::ipproto::kUdp:
      return decode_udp(l4, walk);
    case wire::ipproto::kIpv4:
    case wire::ipproto::kIpv6:
      return decode_ip_in_ip(protocol, l4, walk);
    case wire::ipproto::kGre:
      return decode_gre(l4, walk);
    default:
      ++counters_.other_transport;
      set_payload(out, l4);
      return DecodeResult::kOk;
  }
}

DecodeResult PacketDecoder::decode_tcp(ByteSpan segment, Walk& walk) {
  ++counters_.tcp;
  if (segment.size() < kTcpMinHeader) return malformed(counters_.tcp_header_truncated);
  const std::uint8_t* header = segment.data();
  const std::size_t header_length = static_cast<std::size_t>(header[12] >> 4) * 4;
  if (header_length < kTcpMinHeader) return malformed(counters_.tcp_bad_data_offset);
  if (header_length > segment.size()) return malformed(counters_.tcp_options_truncated);
  DecodedPacket& out = walk.out;
  out.src_port = load_be16(header);
  out.dst_port = load_be16(header + 2);
  out.tcp_seq = load_be32(header + 4);
  out.tcp_ack = load_be32(header + 8);
  out.tcp_flags = header[13];
  set_payload(out, segment.subspan(header_length));
  return DecodeResult::kOk;
}

DecodeResult PacketDecoder::decode_udp(ByteSpan datagram, Walk& walk) {
  ++counters_.udp;
  if (datagram.size() < kUdpHeader) return malformed(counters_.udp_header_truncated);
  const std::uint8_t* header = datagram.data();
  DecodedPacket& out = walk.out;
  out.src_port = load_be16(header);
  out.dst_port = load_be16(header + 2);
  const std::size_t length = load_be16(header + 4);
  ByteSpan payload = datagram.subspan(kUdpHeader);
  // A bad length field is counted but the IP length, which did check out, is used instead.
  if (length < kUdpHeader) {
    ++counters_.udp_bad_length;
  } else if (length > datagram.size()) {
    ++counters_.udp_length_mismatch;
  } else {
    payload = payload.first(length - kUdpHeader);
  }
  set_payload(out, payload);
  if (auto tunnelled = decode_udp_tunnel(out.src_port, out.dst_port, payload, walk)) {
    return *tunnelled;
  }
  return DecodeResult::kOk;
}

DecodeResult PacketDecoder::reassemble(const Fragment& fragment, Walk& walk) {
  ++counters_.fragments;
  const IpReassembler::Result result = reassembler_.add(fragment, walk.ts, counters_);
  switch (result.outcome) {
    case IpReassembler::Outcome::kHeld:
    case IpReassembler::Outcome::kNoRoom:  // consumed: the fragment's fate is in the counters
      return DecodeResult::kFragmentHeld;
    case IpReassembler::Outcome::kRejected:
      return DecodeResult::kMalformed;
    case IpReassembler::Outcome::kComplete:
      break;
  }
  ++counters_.datagrams_reassembled;
  // A whole datagram is decoded from its first byte again; nesting counts as a layer so that
  // fragments inside reassembled datagrams cannot recurse without bound.
  if (!enter_tunnel(walk, kEncapFragmented)) return DecodeResult::kMalformed;
  return fragment.key.family == 4 ? decode_ipv4(result.datagram, walk)
                                  : decode_ipv6(result.datagram, walk);
}

}  // namespace bw::decode
