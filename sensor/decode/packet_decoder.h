// Link-layer frame -> innermost IP datagram, with the L4 facts the flow table needs.
//
// The decoder runs on the capture thread, ahead of sharding by flow hash, so it owns IP fragment
// reassembly (a fragmented datagram has no 5-tuple until it is whole) and must keep up with the
// wire: no allocation, no virtual calls and no copies per frame. Each layer is a member function
// that hands its payload span to the next; only reassembly copies bytes. Tunnels re-enter the
// layer functions, bounded by max_encapsulation_depth.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "sensor/common/bytes.h"
#include "sensor/common/time.h"
#include "sensor/decode/decode_counters.h"
#include "sensor/decode/decoded_packet.h"
#include "sensor/decode/ip_reassembler.h"

namespace bw::decode {

struct DecoderConfig {
  // Datagrams under reassembly at once; each reserves max_datagram_bytes at construction (the
  // memory is only backed once a slot is used).
  std::size_t max_fragment_datagrams = 1024;
  std::size_t max_datagram_bytes = 65535;  // clamped to [576, 65575]
  TimestampNs fragment_timeout_ns = 30 * kNsPerSecond;
  // Nested tunnels (GRE, VXLAN, Geneve, IP-in-IP, Teredo, GTP-U, AYIYA, MPLS pseudowires) and
  // reassembled datagrams each take one level; VLAN tags and MPLS labels do not.
  std::uint32_t max_encapsulation_depth = 8;
  // UDP destination ports that announce a tunnel; 0 disables one. Teredo, GTP-U and AYIYA match
  // either port.
  std::uint16_t vxlan_port = 4789, geneve_port = 6081, teredo_port = 3544;
  std::uint16_t gtpu_port = 2152, ayiya_port = 5072;
};

enum class DecodeResult : std::uint8_t {
  kOk,                   // `out` describes an IP datagram
  kFragmentHeld,         // an IP fragment went into reassembly; nothing to process yet
  kNotIp,                // well formed, but carries no IP datagram (ARP, LLC, PPP control...)
  kMalformed,            // counted under a named weird
  kUnsupportedLinkType,  // see supports_linktype()
};

class PacketDecoder {
 public:
  explicit PacketDecoder(const DecoderConfig& config = {});

  static bool supports_linktype(std::uint32_t linktype);
  static std::span<const std::uint32_t> supported_linktypes();

  // Fills every field of `out` on kOk. A reassembled datagram's bytes belong to the decoder and
  // stay valid until the next decode() call.
  DecodeResult decode(std::uint32_t linktype, ByteSpan frame, TimestampNs ts, DecodedPacket& out);
  // Drops reassembly state older than the timeout relative to `now` (packet time); called
  // periodically.
  void expire(TimestampNs now);
  const DecodeCounters& counters() const { return counters_; }
  std::size_t fragment_datagrams_in_progress() const {
    return reassembler_.datagrams_in_progress();
  }

 private:
  // State of one decode() call as it walks down the layers.
  struct Walk {
    DecodedPacket& out;
    TimestampNs ts;
    std::uint32_t depth = 0;
    bool vlan_recorded = false;
  };

  DecodeResult decode_link(std::uint32_t linktype, ByteSpan frame, Walk& walk);
  bool enter_tunnel(Walk& walk, std::uint32_t encapsulation);
  void count_result(DecodeResult result);

  // link_layer.cc
  DecodeResult decode_ethernet(ByteSpan frame, Walk& walk);
  DecodeResult decode_ethertype(std::uint16_t type, ByteSpan payload, Walk& walk);
  DecodeResult decode_vlan(std::uint16_t tpid, ByteSpan tags, Walk& walk);
  DecodeResult decode_mpls(ByteSpan labels, Walk& walk);
  DecodeResult decode_pppoe(ByteSpan session, Walk& walk);
  DecodeResult decode_ppp(ByteSpan frame, Walk& walk);
  DecodeResult decode_linux_sll(ByteSpan frame, Walk& walk);
  DecodeResult decode_linux_sll2(ByteSpan frame, Walk& walk);
  DecodeResult decode_loopback(ByteSpan frame, bool host_byte_order, Walk& walk);
  DecodeResult decode_cisco_hdlc(ByteSpan frame, Walk& walk);
  DecodeResult decode_nflog(ByteSpan frame, Walk& walk);
  DecodeResult decode_raw_ip(ByteSpan packet, Walk& walk);
  DecodeResult decode_address_family(std::uint32_t family, ByteSpan packet, Walk& walk);

  // ip.cc
  DecodeResult decode_ipv4(ByteSpan bytes, Walk& walk);
  DecodeResult decode_ipv6(ByteSpan bytes, Walk& walk);
  DecodeResult decode_ipv6_extensions(ByteSpan datagram, Walk& walk);
  DecodeResult decode_transport(std::uint8_t protocol, ByteSpan datagram, std::size_t l4_offset,
                                Walk& walk);
  DecodeResult decode_tcp(ByteSpan segment, Walk& walk);
  DecodeResult decode_udp(ByteSpan datagram, Walk& walk);
  DecodeResult reassemble(const Fragment& fragment, Walk& walk);

  // tunnels.cc
  DecodeResult decode_ip_in_ip(std::uint8_t protocol, ByteSpan inner, Walk& walk);
  DecodeResult decode_gre(ByteSpan packet, Walk& walk);
  DecodeResult decode_gre_v0(std::uint16_t flags, std::uint16_t protocol, ByteSpan packet,
                             Walk& walk);
  DecodeResult decode_pptp_gre(std::uint16_t flags, std::uint16_t protocol, ByteSpan packet,
                               Walk& walk);
  DecodeResult decode_erspan_type2(bool has_sequence, ByteSpan packet, Walk& walk);
  DecodeResult decode_erspan_type3(ByteSpan packet, Walk& walk);
  DecodeResult decode_tunnel_payload(std::uint16_t protocol, ByteSpan payload,
                                     std::uint64_t& unsupported, Walk& walk);
  // Returns nothing when the UDP payload is not the tunnel its port announced, so the datagram
  // stays an ordinary UDP one.
  std::optional<DecodeResult> decode_udp_tunnel(std::uint16_t src_port, std::uint16_t dst_port,
                                                ByteSpan payload, Walk& walk);
  std::optional<DecodeResult> decode_vxlan(ByteSpan payload, Walk& walk);
  std::optional<DecodeResult> decode_geneve(ByteSpan payload, Walk& walk);
  std::optional<DecodeResult> decode_teredo(ByteSpan payload, Walk& walk);
  std::optional<DecodeResult> decode_gtpu(ByteSpan payload, Walk& walk);
  std::optional<DecodeResult> decode_ayiya(ByteSpan payload, Walk& walk);

  DecoderConfig config_;
  DecodeCounters counters_;
  IpReassembler reassembler_;
};

// Hash of the 5-tuple that is the same for both directions of a flow (endpoints are sorted), for
// sharding packets to workers.
std::uint64_t symmetric_flow_hash(const DecodedPacket& p);

}  // namespace bw::decode
