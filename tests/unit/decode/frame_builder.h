// Builds test frames byte by byte, inside out: a payload is wrapped in TCP/UDP, then IP (lengths
// and checksums filled in), then tunnels and link layers. Each function writes exactly the
// fields of its RFC, so a test reads as the stack it builds.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

namespace bw::decode::testing {

using Bytes = std::vector<std::uint8_t>;
using Ipv4Address = std::array<std::uint8_t, 4>;
using Ipv6Address = std::array<std::uint8_t, 16>;

inline constexpr Ipv4Address kClient4 = {192, 0, 2, 10};
inline constexpr Ipv4Address kServer4 = {198, 51, 100, 20};
inline constexpr Ipv4Address kTunnelA4 = {203, 0, 113, 1};
inline constexpr Ipv4Address kTunnelB4 = {203, 0, 113, 2};
inline constexpr Ipv6Address kClient6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                         0,    0,    0,    0,    0, 0, 0, 0x10};
inline constexpr Ipv6Address kServer6 = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
                                         0,    0,    0,    0,    0, 0, 0, 0x20};

inline void put8(Bytes& out, std::uint8_t v) {
  out.push_back(v);
}
inline void put16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(Bytes& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v));
}
inline void put_le16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void put_le32(Bytes& out, std::uint32_t v) {
  put_le16(out, static_cast<std::uint16_t>(v));
  put_le16(out, static_cast<std::uint16_t>(v >> 16));
}
inline void append(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}
template <std::size_t N>
void append(Bytes& out, const std::array<std::uint8_t, N>& more) {
  out.insert(out.end(), more.begin(), more.end());
}
inline void set16(Bytes& out, std::size_t at, std::uint16_t v) {
  out[at] = static_cast<std::uint8_t>(v >> 8);
  out[at + 1] = static_cast<std::uint8_t>(v);
}
inline Bytes text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}
inline Bytes repeat(std::uint8_t value, std::size_t count) {
  return Bytes(count, value);
}
// Bytes 0, 1, 2, ... so that any misplaced slice shows.
inline Bytes counting(std::size_t count, std::uint8_t start = 0) {
  Bytes out(count);
  for (std::size_t i = 0; i < count; ++i)
    out[i] = static_cast<std::uint8_t>(start + i);
  return out;
}

// RFC 1071 one's-complement sum, continued from `sum`.
inline std::uint32_t checksum_add(std::uint32_t sum, const std::uint8_t* data, std::size_t size) {
  for (std::size_t i = 0; i + 1 < size; i += 2)
    sum += (std::uint32_t{data[i]} << 8) | data[i + 1];
  if (size % 2 != 0) sum += std::uint32_t{data[size - 1]} << 8;
  return sum;
}
inline std::uint16_t checksum_fold(std::uint32_t sum) {
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}
inline std::uint16_t internet_checksum(const Bytes& data) {
  return checksum_fold(checksum_add(0, data.data(), data.size()));
}

// --- Transport ---------------------------------------------------------------------------------

inline constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

inline Bytes tcp(std::uint16_t src_port, std::uint16_t dst_port, std::uint32_t seq,
                 std::uint32_t ack, std::uint8_t flags, const Bytes& payload,
                 const Bytes& options = {}) {
  Bytes out;
  put16(out, src_port);
  put16(out, dst_port);
  put32(out, seq);
  put32(out, ack);
  put8(out, static_cast<std::uint8_t>(((20 + options.size()) / 4) << 4));
  put8(out, flags);
  put16(out, 65535);  // window
  put16(out, 0);      // checksum, filled by ipv4()/ipv6()
  put16(out, 0);      // urgent pointer
  append(out, options);
  append(out, payload);
  return out;
}

inline Bytes udp(std::uint16_t src_port, std::uint16_t dst_port, const Bytes& payload) {
  Bytes out;
  put16(out, src_port);
  put16(out, dst_port);
  put16(out, static_cast<std::uint16_t>(8 + payload.size()));
  put16(out, 0);  // checksum, filled by ipv4()/ipv6()
  append(out, payload);
  return out;
}

// Fills the TCP or UDP checksum of `l4` given its pseudo-header sum.
inline void fill_l4_checksum(std::uint8_t protocol, std::uint32_t pseudo_sum, Bytes& l4) {
  const std::size_t at = protocol == 6 ? 16 : protocol == 17 ? 6 : 0;
  if (at == 0 || l4.size() < at + 2) return;
  set16(l4, at, 0);
  std::uint16_t sum = checksum_fold(checksum_add(pseudo_sum, l4.data(), l4.size()));
  if (protocol == 17 && sum == 0) sum = 0xffff;  // RFC 768: zero means "no checksum"
  set16(l4, at, sum);
}

// --- IP ----------------------------------------------------------------------------------------

struct Ipv4Spec {
  Ipv4Address src = kClient4;
  Ipv4Address dst = kServer4;
  std::uint8_t protocol = 6;
  std::uint16_t id = 0x1234;
  std::uint16_t flags_fragment = 0;  // DF 0x4000, MF 0x2000, offset in 8-byte units
  std::uint8_t ttl = 64;
  Bytes options;  // a multiple of 4 bytes
};

inline Bytes ipv4(const Ipv4Spec& spec, Bytes l4) {
  const bool whole = (spec.flags_fragment & 0x3fff) == 0;
  if (whole) {
    std::uint32_t pseudo = checksum_add(0, spec.src.data(), 4);
    pseudo = checksum_add(pseudo, spec.dst.data(), 4);
    pseudo += spec.protocol + static_cast<std::uint32_t>(l4.size());
    fill_l4_checksum(spec.protocol, pseudo, l4);
  }
  const std::size_t header_length = 20 + spec.options.size();
  Bytes out;
  put8(out, static_cast<std::uint8_t>(0x40 | (header_length / 4)));
  put8(out, 0);  // DSCP/ECN
  put16(out, static_cast<std::uint16_t>(header_length + l4.size()));
  put16(out, spec.id);
  put16(out, spec.flags_fragment);
  put8(out, spec.ttl);
  put8(out, spec.protocol);
  put16(out, 0);
  append(out, spec.src);
  append(out, spec.dst);
  append(out, spec.options);
  set16(out, 10, checksum_fold(checksum_add(0, out.data(), header_length)));
  append(out, l4);
  return out;
}

struct Ipv6Extension {
  std::uint8_t type;  // 0, 43, 60, 135, 139, 140, 51 (AH) or 44 (fragment)
  Bytes body;         // everything after the next-header and length bytes
};

struct Ipv6Spec {
  Ipv6Address src = kClient6;
  Ipv6Address dst = kServer6;
  std::uint8_t protocol = 6;  // upper layer, after any extensions
  std::vector<Ipv6Extension> extensions;
  std::uint8_t hop_limit = 64;
};

inline std::uint8_t ipv6_extension_length_byte(const Ipv6Extension& e) {
  const std::size_t total = 2 + e.body.size();
  if (e.type == 44) return 0;                                         // reserved
  if (e.type == 51) return static_cast<std::uint8_t>(total / 4 - 2);  // RFC 4302
  return static_cast<std::uint8_t>(total / 8 - 1);
}

inline Bytes ipv6(const Ipv6Spec& spec, Bytes l4) {
  std::uint32_t pseudo = checksum_add(0, spec.src.data(), 16);
  pseudo = checksum_add(pseudo, spec.dst.data(), 16);
  pseudo += spec.protocol + static_cast<std::uint32_t>(l4.size());
  fill_l4_checksum(spec.protocol, pseudo, l4);
  Bytes chain;
  for (std::size_t i = 0; i < spec.extensions.size(); ++i) {
    const Ipv6Extension& e = spec.extensions[i];
    put8(chain, i + 1 < spec.extensions.size() ? spec.extensions[i + 1].type : spec.protocol);
    put8(chain, ipv6_extension_length_byte(e));
    append(chain, e.body);
  }
  Bytes out;
  put32(out, 0x60000000);
  put16(out, static_cast<std::uint16_t>(chain.size() + l4.size()));
  put8(out, spec.extensions.empty() ? spec.protocol : spec.extensions[0].type);
  put8(out, spec.hop_limit);
  append(out, spec.src);
  append(out, spec.dst);
  append(out, chain);
  append(out, l4);
  return out;
}

// Splits an unfragmented IPv4 datagram into fragments carrying `sizes` payload bytes each (the
// last takes the rest), each with its own length, flags and checksum.
inline std::vector<Bytes> fragment_ipv4(const Bytes& datagram,
                                        const std::vector<std::size_t>& sizes) {
  const std::size_t header_length = (datagram[0] & 0x0f) * 4u;
  const std::size_t payload_length = datagram.size() - header_length;
  std::vector<Bytes> fragments;
  std::size_t offset = 0;
  for (std::size_t i = 0; i <= sizes.size() && offset < payload_length; ++i) {
    const std::size_t size = i < sizes.size() ? sizes[i] : payload_length - offset;
    const bool more = offset + size < payload_length;
    Bytes f(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(header_length));
    set16(f, 2, static_cast<std::uint16_t>(header_length + size));
    set16(f, 6, static_cast<std::uint16_t>((more ? 0x2000 : 0) | (offset / 8)));
    set16(f, 10, 0);
    set16(f, 10, internet_checksum(f));
    f.insert(f.end(), datagram.begin() + static_cast<std::ptrdiff_t>(header_length + offset),
             datagram.begin() + static_cast<std::ptrdiff_t>(header_length + offset + size));
    fragments.push_back(f);
    offset += size;
  }
  return fragments;
}

// Same for IPv6: the first `unfragmentable` bytes (header plus hop-by-hop/routing headers) are
// repeated in every fragment, followed by a Fragment header with identification `id`.
inline std::vector<Bytes> fragment_ipv6(const Bytes& datagram, std::size_t unfragmentable,
                                        std::uint32_t id, const std::vector<std::size_t>& sizes) {
  std::size_t next_header_index = 6;
  for (std::size_t at = 40; at < unfragmentable; at += (datagram[at + 1] + 1u) * 8) {
    next_header_index = at;
  }
  const std::uint8_t fragmented_protocol = datagram[next_header_index];
  const std::size_t payload_length = datagram.size() - unfragmentable;
  std::vector<Bytes> fragments;
  std::size_t offset = 0;
  for (std::size_t i = 0; i <= sizes.size() && offset < payload_length; ++i) {
    const std::size_t size = i < sizes.size() ? sizes[i] : payload_length - offset;
    const bool more = offset + size < payload_length;
    Bytes f(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(unfragmentable));
    f[next_header_index] = 44;
    set16(f, 4, static_cast<std::uint16_t>(unfragmentable - 40 + 8 + size));
    put8(f, fragmented_protocol);
    put8(f, 0);
    put16(f, static_cast<std::uint16_t>(offset | (more ? 1 : 0)));
    put32(f, id);
    f.insert(f.end(), datagram.begin() + static_cast<std::ptrdiff_t>(unfragmentable + offset),
             datagram.begin() + static_cast<std::ptrdiff_t>(unfragmentable + offset + size));
    fragments.push_back(f);
    offset += size;
  }
  return fragments;
}

// --- Link layers and shims ---------------------------------------------------------------------

inline constexpr std::array<std::uint8_t, 6> kMacA = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
inline constexpr std::array<std::uint8_t, 6> kMacB = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};

inline Bytes ethernet(std::uint16_t type, const Bytes& payload) {
  Bytes out;
  append(out, kMacA);
  append(out, kMacB);
  put16(out, type);
  append(out, payload);
  return out;
}

// One 802.1Q/802.1ad tag body (what follows a TPID): TCI, then the next type.
inline Bytes vlan(std::uint16_t tci, std::uint16_t next_type, const Bytes& payload) {
  Bytes out;
  put16(out, tci);
  put16(out, next_type);
  append(out, payload);
  return out;
}

inline Bytes mpls(const std::vector<std::uint32_t>& labels, const Bytes& payload) {
  Bytes out;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const bool bottom = i + 1 == labels.size();
    put32(out, (labels[i] << 12) | (bottom ? 0x100u : 0u) | 64u);  // TTL 64
  }
  append(out, payload);
  return out;
}

inline Bytes ppp(std::uint16_t protocol, const Bytes& payload, bool address_control) {
  Bytes out;
  if (address_control) {
    put8(out, 0xff);
    put8(out, 0x03);
  }
  put16(out, protocol);
  append(out, payload);
  return out;
}

inline Bytes pppoe_session(std::uint16_t session_id, std::uint16_t ppp_protocol,
                           const Bytes& payload) {
  Bytes out;
  put8(out, 0x11);  // version 1, type 1
  put8(out, 0x00);  // session data
  put16(out, session_id);
  put16(out, static_cast<std::uint16_t>(2 + payload.size()));
  put16(out, ppp_protocol);
  append(out, payload);
  return out;
}

inline Bytes linux_sll(std::uint16_t protocol, const Bytes& payload, std::uint16_t hatype = 1) {
  Bytes out;
  put16(out, 0);  // packet type: to us
  put16(out, hatype);
  put16(out, 6);  // address length
  append(out, kMacB);
  put16(out, 0);  // address padding to 8 bytes
  put16(out, protocol);
  append(out, payload);
  return out;
}

inline Bytes linux_sll2(std::uint16_t protocol, const Bytes& payload, std::uint16_t hatype = 1) {
  Bytes out;
  put16(out, protocol);
  put16(out, 0);  // reserved
  put32(out, 3);  // interface index
  put16(out, hatype);
  put8(out, 4);  // packet type: outgoing
  put8(out, 6);  // address length
  append(out, kMacA);
  put16(out, 0);
  append(out, payload);
  return out;
}

inline Bytes null_loopback(std::uint32_t family, bool little_endian, const Bytes& payload) {
  Bytes out;
  if (little_endian) {
    put_le32(out, family);
  } else {
    put32(out, family);
  }
  append(out, payload);
  return out;
}

inline Bytes cisco_hdlc(std::uint16_t protocol, const Bytes& payload) {
  Bytes out;
  put8(out, 0x0f);  // unicast
  put8(out, 0x00);
  put16(out, protocol);
  append(out, payload);
  return out;
}

struct NflogTlv {
  std::uint16_t type;
  Bytes value;
};

// NFLOG header then TLVs with little-endian length/type, each padded to 4 bytes.
inline Bytes nflog(std::uint8_t family, const std::vector<NflogTlv>& tlvs) {
  Bytes out;
  put8(out, family);
  put8(out, 0);   // version
  put16(out, 0);  // resource id (group), big-endian
  for (const NflogTlv& tlv : tlvs) {
    put_le16(out, static_cast<std::uint16_t>(4 + tlv.value.size()));
    put_le16(out, tlv.type);
    append(out, tlv.value);
    while (out.size() % 4 != 0)
      put8(out, 0);
  }
  return out;
}

// --- Tunnels -----------------------------------------------------------------------------------

struct GreSpec {
  std::uint16_t protocol = 0x0800;
  bool checksum = false;
  std::optional<std::uint32_t> key;
  std::optional<std::uint32_t> sequence;
};

inline Bytes gre(const GreSpec& spec, const Bytes& payload) {
  Bytes out;
  const std::uint16_t flags =
      (spec.checksum ? 0x8000 : 0) | (spec.key ? 0x2000 : 0) | (spec.sequence ? 0x1000 : 0);
  put16(out, flags);
  put16(out, spec.protocol);
  if (spec.checksum) put32(out, 0);  // checksum and reserved1, checksum filled below
  if (spec.key) put32(out, *spec.key);
  if (spec.sequence) put32(out, *spec.sequence);
  append(out, payload);
  if (spec.checksum) set16(out, 4, internet_checksum(out));
  return out;
}

// Enhanced GRE as PPTP uses it (RFC 2637 4.1).
inline Bytes pptp_gre(std::uint16_t call_id, std::optional<std::uint32_t> sequence,
                      std::optional<std::uint32_t> ack, const Bytes& ppp_frame) {
  Bytes out;
  put16(out, 0x2001 | (sequence ? 0x1000 : 0) | (ack ? 0x0080 : 0));
  put16(out, 0x880b);
  put16(out, static_cast<std::uint16_t>(ppp_frame.size()));
  put16(out, call_id);
  if (sequence) put32(out, *sequence);
  if (ack) put32(out, *ack);
  append(out, ppp_frame);
  return out;
}

inline Bytes erspan_type2(std::uint16_t session_id, const Bytes& frame) {
  Bytes out;
  put16(out, 0x1000 | 0x0064);  // version 1, VLAN 100
  put16(out, session_id & 0x03ff);
  put32(out, 0x00000007);  // reserved, index 7
  append(out, frame);
  return out;
}

inline Bytes erspan_type3(std::uint16_t session_id, std::uint8_t frame_type,
                          bool platform_subheader, const Bytes& frame) {
  Bytes out;
  put16(out, 0x2000 | 0x0064);  // version 2, VLAN 100
  put16(out, session_id & 0x03ff);
  put32(out, 0x11223344);  // timestamp
  put16(out, 0);           // security group tag
  put8(out, static_cast<std::uint8_t>((frame_type & 0x1f) << 2));
  put8(out, platform_subheader ? 0x01 : 0x00);  // O bit
  if (platform_subheader) append(out, repeat(0xee, 8));
  append(out, frame);
  return out;
}

inline Bytes vxlan(std::uint32_t vni, const Bytes& frame) {
  Bytes out;
  put32(out, 0x08000000);  // I flag
  put32(out, vni << 8);
  append(out, frame);
  return out;
}

inline Bytes geneve(std::uint16_t protocol, const Bytes& options, const Bytes& payload) {
  Bytes out;
  put8(out, static_cast<std::uint8_t>(options.size() / 4));  // version 0
  put8(out, 0);
  put16(out, protocol);
  put32(out, 0x00abcd00);  // VNI 0xabcd
  append(out, options);
  append(out, payload);
  return out;
}

inline Bytes teredo_origin_indication(std::uint16_t port, const Ipv4Address& address) {
  Bytes out;
  put16(out, 0);
  put16(out, static_cast<std::uint16_t>(~port));  // obfuscated as RFC 4380 prescribes
  for (std::uint8_t b : address)
    put8(out, static_cast<std::uint8_t>(~b));
  return out;
}

inline Bytes teredo_authentication(const Bytes& client_id, const Bytes& auth_value) {
  Bytes out;
  put16(out, 0x0001);
  put8(out, static_cast<std::uint8_t>(client_id.size()));
  put8(out, static_cast<std::uint8_t>(auth_value.size()));
  append(out, client_id);
  append(out, auth_value);
  append(out, counting(8, 0xa0));  // nonce
  put8(out, 0);                    // confirmation
  return out;
}

// One GTP-U extension header (3GPP TS 29.281 5.2.1); `content` must make it a multiple of 4
// bytes with the length and next-type bytes around it.
struct GtpuExtension {
  std::uint8_t type;
  Bytes content;
};

struct GtpuSpec {
  std::uint8_t message_type = 255;  // G-PDU
  std::uint32_t teid = 0x1234abcd;
  std::optional<std::uint16_t> sequence;
  std::optional<std::uint8_t> npdu;
  std::vector<GtpuExtension> extensions;
};

// GTPv1-U (3GPP TS 29.281 5.1): the optional fields are all present when any of E, S and PN is
// set; the length counts everything after the first 8 bytes.
inline Bytes gtpu(const GtpuSpec& spec, const Bytes& payload) {
  const bool extended = !spec.extensions.empty();
  Bytes rest;
  if (extended || spec.sequence || spec.npdu) {
    put16(rest, spec.sequence.value_or(0));
    put8(rest, spec.npdu.value_or(0));
    put8(rest, extended ? spec.extensions[0].type : 0);
    for (std::size_t i = 0; i < spec.extensions.size(); ++i) {
      const GtpuExtension& e = spec.extensions[i];
      put8(rest, static_cast<std::uint8_t>((e.content.size() + 2) / 4));
      append(rest, e.content);
      put8(rest, i + 1 < spec.extensions.size() ? spec.extensions[i + 1].type : 0);
    }
  }
  append(rest, payload);
  Bytes out;
  put8(out, static_cast<std::uint8_t>(0x30 | (extended ? 0x04 : 0) | (spec.sequence ? 0x02 : 0) |
                                      (spec.npdu ? 0x01 : 0)));  // version 1, PT GTP
  put8(out, spec.message_type);
  put16(out, static_cast<std::uint16_t>(rest.size()));
  put32(out, spec.teid);
  append(out, rest);
  return out;
}

// The PDU Session Container (TS 38.415) every 5G N3 G-PDU carries: uplink, QoS flow 9.
inline GtpuExtension pdu_session_container() {
  return {0x85, {0x10, 0x09}};
}

struct AyiyaSpec {
  std::uint8_t identity_length_log2 = 4;  // 16 bytes: the tunnel's IPv6 address
  std::uint8_t identity_type = 1;         // integer
  std::uint8_t signature_words = 5;       // 20 bytes: SHA-1
  std::uint8_t hash_method = 2;           // SHA-1
  std::uint8_t auth_method = 1;           // shared secret
  std::uint8_t opcode = 1;                // forward
  std::uint8_t next_header = 41;
};

// AYIYA (draft-massar-v6ops-ayiya-02 5): header, identity, signature, payload.
inline Bytes ayiya(const AyiyaSpec& spec, const Bytes& payload) {
  Bytes out;
  put8(out, static_cast<std::uint8_t>(spec.identity_length_log2 << 4 | spec.identity_type));
  put8(out, static_cast<std::uint8_t>(spec.signature_words << 4 | spec.hash_method));
  put8(out, static_cast<std::uint8_t>(spec.auth_method << 4 | spec.opcode));
  put8(out, spec.next_header);
  put32(out, 0x5f5e1000);  // epoch
  append(out, counting(std::size_t{1} << spec.identity_length_log2, 0x40));
  append(out, repeat(0x5a, std::size_t{spec.signature_words} * 4));
  append(out, payload);
  return out;
}

inline Bytes join(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts)
    append(out, part);
  return out;
}

}  // namespace bw::decode::testing
