#include "tools/generator/path.h"

#include <algorithm>
#include <vector>

#include "tools/generator/checksum.h"

namespace bw::gen {
namespace {

constexpr std::uint8_t kProtoHopByHop = 0;
constexpr std::uint8_t kProtoIpInIp = 4;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoIpv6InIp = 41;
constexpr std::uint8_t kProtoFragment = 44;
constexpr std::uint8_t kProtoGre = 47;
constexpr std::uint8_t kProtoDestinationOptions = 60;
constexpr std::uint16_t kIpv4DontFragment = 0x4000;
constexpr std::uint16_t kIpv4MoreFragments = 0x2000;
constexpr std::size_t kMinEthernetFrame = 60;  // without FCS; shorter frames arrive padded
constexpr std::uint16_t kGtpuPort = 2152;
constexpr std::uint16_t kAyiyaPort = 5072;
constexpr std::uint16_t kAyiyaClientPort = 50720;
// GTP-U header with the optional fields (3GPP TS 29.281 5.1) and one PDU Session Container
// (TS 38.415 5.5.2), as a 5G N3 interface carries them.
constexpr std::size_t kGtpuN3Header = 8 + 4 + 4;
// AYIYA header with a 16-byte identity (the tunnel's IPv6 address) and a SHA-1 signature.
constexpr std::size_t kAyiyaIdentity = 16;
constexpr std::size_t kAyiyaSignature = 20;
constexpr std::size_t kAyiyaHeader = 8 + kAyiyaIdentity + kAyiyaSignature;
constexpr std::size_t kOuterIpv4Udp = 20 + 8;

std::uint16_t ethertype_for(ByteSpan datagram) {
  return (!datagram.empty() && (datagram[0] >> 4) == 6) ? kEthertypeIpv6 : kEthertypeIpv4;
}

void append_macs(ByteWriter& w, const MacAddress& dst, const MacAddress& src) {
  w.bytes(dst).bytes(src);
}

// Hop-by-hop with a Router Alert option (what MLD and RSVP put there), padded to 8 bytes.
void append_hop_by_hop(ByteWriter& w, std::uint8_t next_header) {
  w.u8(next_header).u8(0).u8(0x05).u8(2).be16(0).u8(0x01).u8(0);
}
// Destination options holding only a PadN option: legal, and what probes use to test paths.
void append_destination_options(ByteWriter& w, std::uint8_t next_header) {
  w.u8(next_header).u8(0).u8(0x01).u8(4).be32(0);
}

// A G-PDU: flags (version 1, protocol type GTP, E and S), type 255, length, TEID, sequence, no
// N-PDU number, then the PDU Session Container naming the direction and QoS flow 9.
void append_gtpu_gpdu(ByteWriter& w, std::uint32_t teid, std::uint16_t sequence, bool uplink,
                      ByteSpan datagram) {
  w.u8(0x36).u8(0xff).be16(kGtpuN3Header - 8 + datagram.size()).be32(teid);
  w.be16(sequence).u8(0).u8(0x85);
  w.u8(1).u8(uplink ? 0x10 : 0x00).u8(0x09).u8(0);
  w.bytes(datagram);
}

// AYIYA Forward (draft-massar-v6ops-ayiya-02): identity 2^4 bytes of type integer, a 5-word
// SHA-1 signature over a shared secret, epoch seconds. The signature bytes only need to look
// like a digest: nothing on the path checks them.
void append_ayiya_forward(ByteWriter& w, const IpAddress& identity, TimestampNs ts,
                          ByteSpan datagram) {
  const bool ipv6 = ethertype_for(datagram) == kEthertypeIpv6;
  w.u8(0x41).u8(0x52).u8(0x11).u8(ipv6 ? kProtoIpv6InIp : kProtoIpInIp);
  w.be32(static_cast<std::uint32_t>(ts / kNsPerSecond));
  w.bytes(ByteSpan(identity.bytes.data(), kAyiyaIdentity));
  std::uint32_t digest = 2166136261u;  // FNV-1a of the datagram, stretched to 20 bytes
  for (std::uint8_t b : datagram)
    digest = (digest ^ b) * 16777619u;
  for (std::size_t i = 0; i < kAyiyaSignature / 4; ++i)
    w.be32(digest = digest * 2654435761u + static_cast<std::uint32_t>(i));
  w.bytes(datagram);
}

}  // namespace

void append_ipv4(Bytes& out, const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                 std::uint8_t ttl, std::uint16_t id, std::uint16_t fragment_field,
                 ByteSpan payload) {
  ByteWriter w(out);
  const std::size_t start = w.mark();
  w.u8(0x45).u8(0).be16(20 + payload.size()).be16(id).be16(fragment_field);
  w.u8(ttl).u8(protocol).be16(0);
  w.bytes(ByteSpan(src.bytes.data(), 4)).bytes(ByteSpan(dst.bytes.data(), 4));
  const std::uint16_t sum = internet_checksum(ByteSpan(out.data() + start, 20));
  put_be16(out.data() + start + 10, sum);
  w.bytes(payload);
}

void append_ipv6_header(Bytes& out, const IpAddress& src, const IpAddress& dst,
                        std::uint8_t next_header, std::uint8_t hop_limit, std::uint32_t flow_label,
                        std::size_t payload_length) {
  ByteWriter w(out);
  w.be32((6u << 28) | (flow_label & 0xfffff)).be16(payload_length).u8(next_header).u8(hop_limit);
  w.bytes(ByteSpan(src.bytes.data(), 16)).bytes(ByteSpan(dst.bytes.data(), 16));
}

void append_udp(Bytes& out, const IpAddress& src, const IpAddress& dst, std::uint16_t src_port,
                std::uint16_t dst_port, ByteSpan payload) {
  ByteWriter w(out);
  const std::size_t start = w.mark();
  w.be16(src_port).be16(dst_port).be16(8 + payload.size()).be16(0).bytes(payload);
  const std::uint16_t sum =
      transport_checksum(src, dst, kProtoUdp, ByteSpan(out.data() + start, out.size() - start));
  put_be16(out.data() + start + 6, sum);
}

Path::Path(const PathConfig& config, FrameSink& sink, Host& client, Host& server, int family)
    : config_(config), sink_(sink), client_(client), server_(server), family_(family) {}

std::size_t Path::mtu_overhead() const {
  std::size_t overhead = config_.ipv6_extension_headers ? 16 : 0;
  switch (config_.encapsulation) {
    case Encapsulation::kPppoe:
      return overhead + 8;
    case Encapsulation::kGre:
      return overhead + 24;
    case Encapsulation::kIpInIp:
    case Encapsulation::kSixInFour:
      return overhead + 20;
    case Encapsulation::kTeredo:
      return overhead + 28;
    case Encapsulation::kVxlan:
    case Encapsulation::kGeneve:
      return overhead + 50;
    case Encapsulation::kGtpU:
      return overhead + kOuterIpv4Udp + kGtpuN3Header;
    case Encapsulation::kAyiya:
      return overhead + kOuterIpv4Udp + kAyiyaHeader;
    default:
      return overhead;
  }
}

bool Path::link_carries_tags() const {
  return config_.linktype == kLinktypeEthernet || config_.linktype == kLinktypeSll ||
         config_.linktype == kLinktypeSll2;
}

std::string Path::encapsulation_names(std::size_t l4_size) const {
  std::string names;
  const bool tags = link_carries_tags();
  switch (config_.encapsulation) {
    case Encapsulation::kNone:
      break;
    case Encapsulation::kVlan:
      if (tags) names = "vlan";
      break;
    case Encapsulation::kQinQ:
      if (tags) names = "qinq,vlan";
      break;
    case Encapsulation::kMpls:
      if (tags) names = "mpls";
      break;
    case Encapsulation::kPppoe:
      if (tags) names = "pppoe";
      break;
    case Encapsulation::kGre:
      names = "gre";
      break;
    case Encapsulation::kErspanII:
    case Encapsulation::kErspanIII:
      names = "gre,erspan";
      break;
    case Encapsulation::kVxlan:
      names = "vxlan";
      break;
    case Encapsulation::kGeneve:
      names = "geneve";
      break;
    case Encapsulation::kIpInIp:
    case Encapsulation::kSixInFour:
      names = "ip-in-ip";
      break;
    case Encapsulation::kTeredo:
      names = "teredo";
      break;
    case Encapsulation::kGtpU:
      names = "gtp-u";
      break;
    case Encapsulation::kAyiya:
      names = "ayiya";
      break;
  }
  if (fragments(l4_size)) names += names.empty() ? "ip-fragments" : ",ip-fragments";
  return names;
}

std::uint16_t Path::visible_vlan_id() const {
  const bool tagged = config_.encapsulation == Encapsulation::kVlan ||
                      config_.encapsulation == Encapsulation::kQinQ;
  return tagged && link_carries_tags() ? config_.vlan_id : 0;
}

void Path::send(TimestampNs ts, bool from_client, std::uint8_t protocol, ByteSpan l4,
                bool dont_fragment) {
  if (fragments(l4.size())) {
    send_fragments(ts, from_client, protocol, l4);
    return;
  }
  Host& src = from_client ? client_ : server_;
  Host& dst = from_client ? server_ : client_;
  const std::uint8_t ttl = config_.ttl_override != 0 ? config_.ttl_override : src.ttl;
  datagram_.clear();
  if (family_ == 4) {
    append_ipv4(datagram_, src.ipv4, dst.ipv4, protocol, ttl, src.take_ip_id(),
                dont_fragment ? kIpv4DontFragment : 0, l4);
  } else {
    const bool ext = config_.ipv6_extension_headers;
    append_ipv6_header(datagram_, src.ipv6, dst.ipv6, ext ? kProtoHopByHop : protocol, ttl,
                       config_.ipv6_flow_label, l4.size() + (ext ? 16 : 0));
    ByteWriter w(datagram_);
    if (ext) {
      append_hop_by_hop(w, kProtoDestinationOptions);
      append_destination_options(w, protocol);
    }
    w.bytes(l4);
  }
  deliver(ts, from_client, datagram_);
}

void Path::send_fragments(TimestampNs ts, bool from_client, std::uint8_t protocol, ByteSpan l4) {
  Host& src = from_client ? client_ : server_;
  Host& dst = from_client ? server_ : client_;
  const bool ext = family_ == 6 && config_.ipv6_extension_headers;
  // The fragmentable part: for IPv6 the destination options travel inside the fragments.
  Bytes fragmentable;
  ByteWriter fw(fragmentable);
  if (ext) append_destination_options(fw, protocol);
  fw.bytes(l4);
  const std::uint8_t first_header = ext ? kProtoDestinationOptions : protocol;

  const std::size_t piece = std::max<std::size_t>(8, config_.fragment_payload & ~std::size_t{7});
  std::vector<std::size_t> offsets;
  for (std::size_t off = 0; off < fragmentable.size(); off += piece)
    offsets.push_back(off);
  if (config_.fragments_reversed) std::reverse(offsets.begin(), offsets.end());

  const std::uint16_t id4 = src.take_ip_id();
  const std::uint32_t id6 = (std::uint32_t{id4} << 16) ^ 0x5bd1e995u ^ config_.ipv6_flow_label;
  TimestampNs at = ts;
  for (std::size_t off : offsets) {
    const std::size_t len = std::min(piece, fragmentable.size() - off);
    const bool more = off + len < fragmentable.size();
    const ByteSpan chunk(fragmentable.data() + off, len);
    datagram_.clear();
    if (family_ == 4) {
      const std::uint16_t field =
          static_cast<std::uint16_t>((more ? kIpv4MoreFragments : 0) | (off / 8));
      append_ipv4(datagram_, src.ipv4, dst.ipv4, protocol, src.ttl, id4, field, chunk);
    } else {
      append_ipv6_header(datagram_, src.ipv6, dst.ipv6, ext ? kProtoHopByHop : kProtoFragment,
                         src.ttl, config_.ipv6_flow_label, len + 8 + (ext ? 8 : 0));
      ByteWriter w(datagram_);
      if (ext) append_hop_by_hop(w, kProtoFragment);
      w.u8(first_header).u8(0).be16(static_cast<std::uint16_t>(off | (more ? 1 : 0))).be32(id6);
      w.bytes(chunk);
    }
    deliver(at, from_client, datagram_);
    at += 12'000;  // back-to-back on a gigabit link
  }
}

void Path::append_inner_ethernet(Bytes& out, bool from_client, std::uint16_t ethertype,
                                 ByteSpan payload) const {
  ByteWriter w(out);
  const MacAddress& far_mac = config_.server_on_link ? server_.mac : config_.gateway_mac;
  if (from_client) {
    append_macs(w, far_mac, client_.mac);
  } else {
    append_macs(w, client_.mac, far_mac);
  }
  w.be16(ethertype).bytes(payload);
}

void Path::deliver(TimestampNs ts, bool from_client, ByteSpan datagram) {
  const Encapsulation encap = config_.encapsulation;
  const bool tunnelled = encap == Encapsulation::kGre || encap == Encapsulation::kErspanII ||
                         encap == Encapsulation::kErspanIII || encap == Encapsulation::kVxlan ||
                         encap == Encapsulation::kGeneve || encap == Encapsulation::kIpInIp ||
                         encap == Encapsulation::kSixInFour || encap == Encapsulation::kTeredo ||
                         encap == Encapsulation::kGtpU || encap == Encapsulation::kAyiya;
  if (!tunnelled || config_.tunnel_near == nullptr || config_.tunnel_far == nullptr) {
    const MacAddress& peer_mac = config_.server_on_link ? server_.mac : config_.gateway_mac;
    deliver_link(ts, from_client, ethertype_for(datagram), datagram,
                 from_client ? client_.mac : peer_mac, from_client ? peer_mac : client_.mac);
    return;
  }
  const bool mirrored = encap == Encapsulation::kErspanII || encap == Encapsulation::kErspanIII;
  const bool outward = mirrored || from_client;
  Host& outer_src = outward ? *config_.tunnel_near : *config_.tunnel_far;
  Host& outer_dst = outward ? *config_.tunnel_far : *config_.tunnel_near;

  // The tunnel payload: what follows the outer IP header.
  Bytes inner;
  ByteWriter w(inner);
  std::uint8_t outer_protocol = kProtoGre;
  switch (encap) {
    case Encapsulation::kGre:
      w.be16(0).be16(ethertype_for(datagram)).bytes(datagram);
      break;
    case Encapsulation::kErspanII:
      // GRE with sequence numbers, then ERSPAN II: version 1, VLAN 0, COS 0, En 3 (frames kept
      // as received), session id, port index.
      w.be16(0x1000).be16(0x88be).be32(gre_sequence_++);
      w.be16(0x1000).be16(0x1800 | (config_.tunnel_id & 0x3ff)).be32(0x00000007);
      append_inner_ethernet(inner, from_client, ethertype_for(datagram), datagram);
      break;
    case Encapsulation::kErspanIII: {
      // ERSPAN III: version 2, good frame, session, a 32-bit timestamp in the default 100 us
      // granularity, SGT 0, no platform sub-header.
      w.be16(0x1000).be16(0x22eb).be32(gre_sequence_++);
      w.be16(0x2000).be16(config_.tunnel_id & 0x3ff);
      w.be32(static_cast<std::uint32_t>(ts / 100'000)).be16(0).be16(0x0000);
      append_inner_ethernet(inner, from_client, ethertype_for(datagram), datagram);
      break;
    }
    case Encapsulation::kVxlan:
    case Encapsulation::kGeneve: {
      Bytes header;
      ByteWriter h(header);
      if (encap == Encapsulation::kVxlan) {
        h.be32(0x08000000).be32(config_.tunnel_id << 8);
      } else {
        h.be16(0x0000).be16(0x6558).be32(config_.tunnel_id << 8);
      }
      append_inner_ethernet(header, from_client, ethertype_for(datagram), datagram);
      // Outer source ports are a hash of the inner flow, fixed per direction (RFC 7348 5).
      const std::uint16_t src_port = static_cast<std::uint16_t>(
          49152 + ((config_.tunnel_id * 2654435761u) >> 18) + (from_client ? 0 : 7));
      const std::uint16_t dst_port = encap == Encapsulation::kVxlan ? 4789 : 6081;
      append_udp(inner, outer_src.ipv4, outer_dst.ipv4, src_port, dst_port, header);
      outer_protocol = kProtoUdp;
      break;
    }
    case Encapsulation::kIpInIp:
    case Encapsulation::kSixInFour:
      w.bytes(datagram);
      outer_protocol = ethertype_for(datagram) == kEthertypeIpv6 ? kProtoIpv6InIp : kProtoIpInIp;
      break;
    case Encapsulation::kTeredo:
      append_udp(inner, outer_src.ipv4, outer_dst.ipv4, from_client ? 51413 : 3544,
                 from_client ? 3544 : 51413, datagram);
      outer_protocol = kProtoUdp;
      break;
    case Encapsulation::kGtpU: {
      // Each side addresses the TEID its peer allocated: the core's for uplink, the radio's for
      // downlink.
      Bytes message;
      ByteWriter m(message);
      const std::uint32_t teid = from_client ? config_.tunnel_id : config_.tunnel_id ^ 0x80000000u;
      append_gtpu_gpdu(m, teid, gtpu_sequence_++, from_client, datagram);
      append_udp(inner, outer_src.ipv4, outer_dst.ipv4, kGtpuPort, kGtpuPort, message);
      outer_protocol = kProtoUdp;
      break;
    }
    case Encapsulation::kAyiya: {
      Bytes message;
      ByteWriter m(message);
      append_ayiya_forward(m, client_.ipv6, ts, datagram);
      append_udp(inner, outer_src.ipv4, outer_dst.ipv4, from_client ? kAyiyaClientPort : kAyiyaPort,
                 from_client ? kAyiyaPort : kAyiyaClientPort, message);
      outer_protocol = kProtoUdp;
      break;
    }
    default:
      break;
  }
  tunnel_.clear();
  append_ipv4(tunnel_, outer_src.ipv4, outer_dst.ipv4, outer_protocol, outer_src.ttl,
              outer_src.take_ip_id(), 0, inner);
  // The outer frame runs between a tunnel endpoint and its next hop; a mirror session's
  // collector sits on the switch's segment.
  const MacAddress& src_mac = outward ? outer_src.mac : config_.gateway_mac;
  const MacAddress& dst_mac = mirrored  ? outer_dst.mac
                              : outward ? config_.gateway_mac
                                        : outer_dst.mac;
  deliver_link(ts, from_client, kEthertypeIpv4, tunnel_, src_mac, dst_mac);
}

std::uint16_t Path::append_link_tags(ByteWriter& t, std::uint16_t ethertype,
                                     std::size_t payload_size) const {
  const bool ip = ethertype == kEthertypeIpv4 || ethertype == kEthertypeIpv6;
  switch (config_.encapsulation) {
    case Encapsulation::kVlan:
      t.be16(config_.vlan_id).be16(ethertype);
      return 0x8100;
    case Encapsulation::kQinQ:
      t.be16(config_.vlan_id).be16(0x8100).be16(config_.inner_vlan_id).be16(ethertype);
      return 0x88a8;
    case Encapsulation::kMpls:
      if (!ip) return ethertype;
      // Label, traffic class 0, bottom-of-stack on the second entry, TTL 63.
      t.be32((config_.mpls_labels[0] << 12) | 0x3f);
      t.be32((config_.mpls_labels[1] << 12) | 0x100 | 0x3f);
      return 0x8847;
    case Encapsulation::kPppoe:
      if (!ip) return ethertype;
      t.u8(0x11).u8(0).be16(config_.pppoe_session).be16(payload_size + 2);
      t.be16(ethertype == kEthertypeIpv6 ? 0x0057 : 0x0021);
      return 0x8864;
    default:
      return ethertype;
  }
}

void Path::send_link(TimestampNs ts, bool from_client, std::uint16_t ethertype, ByteSpan payload,
                     const MacAddress& destination) {
  if (!link_carries_tags()) return;
  const MacAddress& peer_mac = config_.server_on_link ? server_.mac : config_.gateway_mac;
  deliver_link(ts, from_client, ethertype, payload, from_client ? client_.mac : peer_mac,
               destination);
}

void Path::deliver_link(TimestampNs ts, bool from_client, std::uint16_t ethertype, ByteSpan payload,
                        const MacAddress& src_mac, const MacAddress& dst_mac) {
  // Link-layer encapsulations sit between the link header and the network payload.
  Bytes& tagged = tagged_;
  tagged.clear();
  ByteWriter t(tagged);
  std::uint16_t first_type = ethertype;
  if (link_carries_tags()) {
    first_type = append_link_tags(t, ethertype, payload.size());
  } else if (ethertype != kEthertypeIpv4 && ethertype != kEthertypeIpv6) {
    return;
  }
  t.bytes(payload);

  frame_.clear();
  ByteWriter f(frame_);
  switch (config_.linktype) {
    case kLinktypeEthernet:
      append_macs(f, dst_mac, src_mac);
      f.be16(first_type).bytes(tagged);
      if (frame_.size() < kMinEthernetFrame) f.zeros(kMinEthernetFrame - frame_.size());
      break;
    case kLinktypeSll:
      f.be16(from_client ? 4 : 0).be16(1).be16(6).bytes(src_mac).be16(0).be16(first_type);
      f.bytes(tagged);
      break;
    case kLinktypeSll2:
      f.be16(first_type).be16(0).be32(2 + config_.interface_id).be16(1);
      f.u8(from_client ? 4 : 0).u8(6).bytes(src_mac).be16(0).bytes(tagged);
      break;
    case kLinktypeNull:
      f.le32(ethertype == kEthertypeIpv6 ? 30 : 2).bytes(tagged);
      break;
    default:  // raw IP
      f.bytes(tagged);
      break;
  }
  sink_.add(ts, config_.interface_id, frame_);
}

}  // namespace bw::gen
