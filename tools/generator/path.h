// The way a flow's packets travel from the hosts to the capture file: IP header (with IPv6
// extension headers or fragmentation when asked), an optional tunnel or link-layer
// encapsulation, and the capture's link-layer header.
#pragma once

#include <cstdint>
#include <string>

#include "sensor/common/time.h"
#include "tools/generator/byte_writer.h"
#include "tools/generator/capture_writer.h"
#include "tools/generator/host.h"

namespace bw::gen {

enum class Encapsulation : std::uint8_t {
  kNone,
  kVlan,       // 802.1Q
  kQinQ,       // 802.1ad S-tag over an 802.1Q C-tag
  kMpls,       // two-label stack
  kPppoe,      // PPPoE session stage
  kGre,        // GRE carrying IP
  kErspanII,   // GRE 0x88be, mirrored Ethernet frames
  kErspanIII,  // GRE 0x22eb
  kVxlan,      // UDP 4789
  kGeneve,     // UDP 6081
  kIpInIp,     // IPv4 in IPv4 (protocol 4)
  kSixInFour,  // IPv6 in IPv4 (protocol 41)
  kTeredo,     // IPv6 in UDP 3544
  kGtpU,       // GTPv1-U G-PDUs on UDP 2152, as on a 5G N3 interface
  kAyiya,      // IPv6 (or IPv4) in AYIYA on UDP 5072, from a tunnel broker client
};

inline constexpr std::uint32_t kLinktypeNull = 0;
inline constexpr std::uint32_t kLinktypeEthernet = 1;
inline constexpr std::uint32_t kLinktypeRaw = 101;
inline constexpr std::uint32_t kLinktypeSll = 113;
inline constexpr std::uint32_t kLinktypeSll2 = 276;

inline constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEthertypeArp = 0x0806;
inline constexpr std::uint16_t kEthertypeIpv6 = 0x86dd;

struct PathConfig {
  std::uint32_t linktype = kLinktypeEthernet;
  std::uint16_t interface_id = 0;
  Encapsulation encapsulation = Encapsulation::kNone;
  std::uint16_t vlan_id = 0;
  std::uint16_t inner_vlan_id = 0;  // QinQ C-tag
  std::uint32_t mpls_labels[2] = {0, 0};
  std::uint16_t pppoe_session = 0;
  std::uint32_t tunnel_id = 0;  // VXLAN/Geneve VNI, ERSPAN session, GTP-U uplink TEID
  // Outer tunnel endpoints; the first faces the client. ERSPAN always flows first -> second
  // (switch to collector) whatever the direction of the mirrored packet.
  Host* tunnel_near = nullptr;
  Host* tunnel_far = nullptr;
  bool ipv6_extension_headers = false;  // hop-by-hop and destination options before L4
  std::size_t fragment_payload = 0;     // fragment datagrams whose payload exceeds this; 0: never
  bool fragments_reversed = false;      // send the last fragment first, as Linux once did
  bool server_on_link = false;          // server MAC is the server's own, not the gateway's
  MacAddress gateway_mac{};
  std::uint32_t ipv6_flow_label = 0;
  std::uint8_t ttl_override = 0;  // link-local protocols fix their TTL (mDNS 255, LLMNR 1)
};

class Path {
 public:
  // `family` selects which of the hosts' addresses the inner packets use (4 or 6).
  Path(const PathConfig& config, FrameSink& sink, Host& client, Host& server, int family);

  // Wraps an L4 segment (TCP/UDP/ICMP bytes with their checksum already set) in IP and
  // everything below, and records it.
  void send(TimestampNs ts, bool from_client, std::uint8_t protocol, ByteSpan l4,
            bool dont_fragment = true);
  // A non-IP link payload such as ARP; dropped on link types without an ethertype.
  void send_link(TimestampNs ts, bool from_client, std::uint16_t ethertype, ByteSpan payload,
                 const MacAddress& destination);

  int family() const { return family_; }
  Host& client_host() { return client_; }
  Host& server_host() { return server_; }
  const IpAddress& client_address() const { return client_.address(family_); }
  const IpAddress& server_address() const { return server_.address(family_); }
  // Bytes the encapsulation costs the inner IP MTU (what a host's MSS clamping accounts for).
  std::size_t mtu_overhead() const;
  // Names as in event.proto FlowKey.encapsulation, outermost first, comma-separated; only what
  // this link type can actually carry. "ip-fragments" is added when an L4 message of
  // `l4_size` bytes leaves fragmented.
  std::string encapsulation_names(std::size_t l4_size = 0) const;
  bool fragments(std::size_t l4_size) const {
    return config_.fragment_payload > 0 && l4_size > config_.fragment_payload;
  }
  // Outer VLAN id as the capture shows it (0 when untagged or the link type drops tags).
  std::uint16_t visible_vlan_id() const;

 private:
  bool link_carries_tags() const;
  void send_fragments(TimestampNs ts, bool from_client, std::uint8_t protocol, ByteSpan l4);
  void deliver(TimestampNs ts, bool from_client, ByteSpan datagram);
  void deliver_link(TimestampNs ts, bool from_client, std::uint16_t ethertype, ByteSpan payload,
                    const MacAddress& src_mac, const MacAddress& dst_mac);
  // Writes VLAN/QinQ/MPLS/PPPoE headers; returns the ethertype the link header announces.
  std::uint16_t append_link_tags(ByteWriter& t, std::uint16_t ethertype,
                                 std::size_t payload_size) const;
  void append_inner_ethernet(Bytes& out, bool from_client, std::uint16_t ethertype,
                             ByteSpan payload) const;

  PathConfig config_;
  FrameSink& sink_;
  Host& client_;
  Host& server_;
  int family_;
  std::uint32_t gre_sequence_ = 0;
  std::uint16_t gtpu_sequence_ = 0;
  Bytes datagram_;
  Bytes tunnel_;
  Bytes tagged_;
  Bytes frame_;
};

// Appends an IPv4 header and payload; `fragment_field` holds DF/MF flags and the offset in
// 8-byte units, as on the wire.
void append_ipv4(Bytes& out, const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                 std::uint8_t ttl, std::uint16_t id, std::uint16_t fragment_field,
                 ByteSpan payload);
void append_ipv6_header(Bytes& out, const IpAddress& src, const IpAddress& dst,
                        std::uint8_t next_header, std::uint8_t hop_limit, std::uint32_t flow_label,
                        std::size_t payload_length);
// UDP header with checksum over the pseudo-header, then payload.
void append_udp(Bytes& out, const IpAddress& src, const IpAddress& dst, std::uint16_t src_port,
                std::uint16_t dst_port, ByteSpan payload);

}  // namespace bw::gen
