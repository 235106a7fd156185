// Test-side reader for generated captures, written independently of the generator: walks pcap
// and pcapng files, peels link layers and tunnels, reassembles IP fragments, and checks every
// IPv4 header, TCP, UDP and ICMP checksum it meets on the way.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sensor/common/bytes.h"
#include "sensor/common/ip_address.h"

namespace bw::gen::testing {

struct CaptureFrame {
  std::uint32_t linktype = 0;
  std::uint32_t interface_id = 0;
  std::int64_t ts_ns = 0;
  ByteSpan bytes;
};

struct CaptureFile {
  bool pcapng = false;
  bool nanosecond = false;               // classic pcap magic
  std::vector<std::uint8_t> tsresol;     // pcapng: per interface
  std::vector<std::uint32_t> linktypes;  // per interface (one for classic pcap)
  std::vector<CaptureFrame> frames;
};

// Parses the whole file; false with `error` on any structural fault (lengths, magic, block
// trailers, interface ids).
bool read_capture(ByteSpan file, CaptureFile& out, std::string& error);

// The innermost TCP or UDP segment of a frame, after tunnels and reassembly.
struct Segment {
  std::size_t frame_index = 0;
  std::int64_t ts_ns = 0;
  IpAddress src;
  IpAddress dst;
  std::uint8_t protocol = 0;  // 6 or 17
  std::uint8_t ttl = 0;       // of the innermost IP header
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t tcp_flags = 0;
  std::vector<std::uint8_t> tcp_options;
  std::vector<std::uint8_t> payload;
};

struct WalkStats {
  std::size_t ipv4_headers = 0;
  std::size_t ipv4_bad_checksums = 0;
  std::size_t ipv6_headers = 0;
  std::size_t tcp = 0;
  std::size_t tcp_bad_checksums = 0;
  std::size_t udp = 0;
  std::size_t udp_bad_checksums = 0;
  std::size_t icmp = 0;
  std::size_t icmp_bad_checksums = 0;
  std::size_t fragments = 0;
  std::size_t reassembled = 0;
  std::size_t arp = 0;
  std::size_t undecodable = 0;
  std::map<std::string, std::size_t> layers;  // "vlan", "gre", "vxlan", ... as met
};

class CaptureWalker {
 public:
  void walk(const CaptureFile& file);
  const std::vector<Segment>& segments() const { return segments_; }
  const WalkStats& stats() const { return stats_; }

 private:
  void link(std::uint32_t linktype, ByteSpan bytes);
  void ethernet(ByteSpan bytes);
  void ethertype(std::uint16_t type, ByteSpan bytes);
  void ip(ByteSpan bytes);
  void ipv4(ByteSpan bytes);
  void ipv6(ByteSpan bytes);
  void transport(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                 ByteSpan segment);
  void udp_payload(std::uint16_t src_port, std::uint16_t dst_port, ByteSpan payload,
                   const Segment& segment);
  void gre(ByteSpan bytes);
  void gtpu(ByteSpan bytes);

  struct FragmentKey {
    std::vector<std::uint8_t> key;
    bool operator<(const FragmentKey& o) const { return key < o.key; }
  };
  struct Fragments {
    std::map<std::size_t, std::vector<std::uint8_t>> pieces;
    std::size_t total = 0;  // known once the last fragment arrived
    std::uint8_t protocol = 0;
    IpAddress src;
    IpAddress dst;
  };
  void fragment(const FragmentKey& key, const IpAddress& src, const IpAddress& dst,
                std::uint8_t protocol, std::size_t offset, bool more, ByteSpan data);

  std::vector<Segment> segments_;
  WalkStats stats_;
  std::map<FragmentKey, Fragments> fragments_;
  std::size_t frame_index_ = 0;
  std::uint8_t ttl_ = 0;
  std::int64_t ts_ns_ = 0;
};

// RFC 1071 sum, folded, of `data`, with `initial` added in.
std::uint16_t ones_complement_sum(ByteSpan data, std::uint32_t initial = 0);

}  // namespace bw::gen::testing
