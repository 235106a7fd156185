// The capture walker used by the generator tests, and tests of the walker itself on
// hand-assembled frames, so a walker bug cannot hide a generator bug.
#include "tests/unit/generator/capture_walker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

namespace bw::gen::testing {

std::uint16_t ones_complement_sum(ByteSpan data, std::uint32_t initial) {
  std::uint64_t sum = initial;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    const std::uint32_t high = data[i];
    const std::uint32_t low = i + 1 < data.size() ? data[i + 1] : 0;
    sum += (high << 8) | low;
  }
  while (sum > 0xffff)
    sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

namespace {

std::uint32_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                                std::size_t length) {
  std::uint32_t sum = ones_complement_sum(ByteSpan(src.bytes.data(), src.length()));
  sum += ones_complement_sum(ByteSpan(dst.bytes.data(), dst.length()));
  sum += protocol;
  sum += static_cast<std::uint32_t>(length >> 16) + static_cast<std::uint32_t>(length & 0xffff);
  return sum;
}

bool read_pcapng(ByteSpan file, CaptureFile& out, std::string& error) {
  out.pcapng = true;
  std::size_t at = 0;
  bool section_seen = false;
  while (at < file.size()) {
    if (file.size() - at < 12) {
      error = "truncated block header";
      return false;
    }
    const std::uint32_t type = load_le32(file.data() + at);
    const std::uint32_t length = load_le32(file.data() + at + 4);
    if (length < 12 || length % 4 != 0 || length > file.size() - at) {
      error = "bad block length";
      return false;
    }
    if (load_le32(file.data() + at + length - 4) != length) {
      error = "trailing block length differs";
      return false;
    }
    const ByteSpan body = file.subspan(at + 8, length - 12);
    if (type == 0x0a0d0d0a) {
      if (body.size() < 16 || load_le32(body.data()) != 0x1a2b3c4d) {
        error = "bad section header";
        return false;
      }
      section_seen = true;
    } else if (!section_seen) {
      error = "block before section header";
      return false;
    } else if (type == 1) {
      if (body.size() < 8) {
        error = "short interface block";
        return false;
      }
      out.linktypes.push_back(load_le16(body.data()));
      std::uint8_t resolution = 6;
      for (std::size_t o = 8; o + 4 <= body.size();) {
        const std::uint16_t code = load_le16(body.data() + o);
        const std::uint16_t size = load_le16(body.data() + o + 2);
        if (code == 0) break;
        if (o + 4 + size > body.size()) {
          error = "option past block end";
          return false;
        }
        if (code == 9 && size == 1) resolution = body[o + 4];
        o += 4 + ((size + 3u) & ~3u);
      }
      out.tsresol.push_back(resolution);
    } else if (type == 6) {
      if (body.size() < 20) {
        error = "short packet block";
        return false;
      }
      CaptureFrame frame;
      frame.interface_id = load_le32(body.data());
      if (frame.interface_id >= out.linktypes.size()) {
        error = "packet on undeclared interface";
        return false;
      }
      const std::uint64_t units =
          (std::uint64_t{load_le32(body.data() + 4)} << 32) | load_le32(body.data() + 8);
      const std::uint32_t captured = load_le32(body.data() + 12);
      if (20 + captured > body.size()) {
        error = "packet data past block end";
        return false;
      }
      const std::uint8_t resolution = out.tsresol[frame.interface_id];
      std::int64_t scale = 1;
      for (int i = resolution; i < 9; ++i)
        scale *= 10;
      frame.ts_ns = static_cast<std::int64_t>(units) * scale;
      frame.linktype = out.linktypes[frame.interface_id];
      frame.bytes = body.subspan(20, captured);
      out.frames.push_back(frame);
    }
    at += length;
  }
  return section_seen;
}

}  // namespace

bool read_capture(ByteSpan file, CaptureFile& out, std::string& error) {
  out = CaptureFile{};
  if (file.size() < 24) {
    error = "file too short";
    return false;
  }
  const std::uint32_t magic = load_le32(file.data());
  if (magic == 0x0a0d0d0a) return read_pcapng(file, out, error);
  if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
    error = "unknown magic";
    return false;
  }
  out.nanosecond = magic == 0xa1b23c4d;
  if (load_le16(file.data() + 4) != 2 || load_le16(file.data() + 6) != 4) {
    error = "unexpected version";
    return false;
  }
  const std::uint32_t snaplen = load_le32(file.data() + 16);
  out.linktypes.push_back(load_le32(file.data() + 20));
  for (std::size_t at = 24; at < file.size();) {
    if (file.size() - at < 16) {
      error = "truncated record header";
      return false;
    }
    const std::uint32_t seconds = load_le32(file.data() + at);
    const std::uint32_t fraction = load_le32(file.data() + at + 4);
    const std::uint32_t captured = load_le32(file.data() + at + 8);
    const std::uint32_t original = load_le32(file.data() + at + 12);
    if (captured > snaplen || captured > original || file.size() - at - 16 < captured ||
        fraction >= (out.nanosecond ? 1'000'000'000u : 1'000'000u)) {
      error = "bad record header";
      return false;
    }
    CaptureFrame frame;
    frame.linktype = out.linktypes[0];
    frame.ts_ns = std::int64_t{seconds} * 1'000'000'000 +
                  std::int64_t{fraction} * (out.nanosecond ? 1 : 1000);
    frame.bytes = file.subspan(at + 16, captured);
    out.frames.push_back(frame);
    at += 16 + captured;
  }
  return true;
}

void CaptureWalker::walk(const CaptureFile& file) {
  for (frame_index_ = 0; frame_index_ < file.frames.size(); ++frame_index_) {
    ts_ns_ = file.frames[frame_index_].ts_ns;
    link(file.frames[frame_index_].linktype, file.frames[frame_index_].bytes);
  }
}

void CaptureWalker::link(std::uint32_t linktype, ByteSpan bytes) {
  switch (linktype) {
    case 1:
      ethernet(bytes);
      return;
    case 101:
      ip(bytes);
      return;
    case 0:
      if (bytes.size() < 4) break;
      ip(bytes.subspan(4));
      return;
    case 113:
      if (bytes.size() < 16) break;
      ethertype(load_be16(bytes.data() + 14), bytes.subspan(16));
      return;
    case 276:
      if (bytes.size() < 20) break;
      ethertype(load_be16(bytes.data()), bytes.subspan(20));
      return;
    default:
      break;
  }
  ++stats_.undecodable;
}

void CaptureWalker::ethernet(ByteSpan bytes) {
  if (bytes.size() < 14) {
    ++stats_.undecodable;
    return;
  }
  ethertype(load_be16(bytes.data() + 12), bytes.subspan(14));
}

void CaptureWalker::ethertype(std::uint16_t type, ByteSpan bytes) {
  switch (type) {
    case 0x0800:
    case 0x86dd:
      ip(bytes);
      return;
    case 0x0806:
      ++stats_.arp;
      return;
    case 0x8100:
    case 0x88a8:
      if (bytes.size() < 4) break;
      ++stats_.layers[type == 0x8100 ? "vlan" : "qinq"];
      ethertype(load_be16(bytes.data() + 2), bytes.subspan(4));
      return;
    case 0x8847: {
      ++stats_.layers["mpls"];
      std::size_t at = 0;
      while (at + 4 <= bytes.size()) {
        const bool bottom = (bytes[at + 2] & 0x01) != 0;
        at += 4;
        if (bottom) {
          ip(bytes.subspan(at));
          return;
        }
      }
      break;
    }
    case 0x8864:
      if (bytes.size() < 8) break;
      ++stats_.layers["pppoe"];
      ip(bytes.subspan(8,
                       std::min<std::size_t>(load_be16(bytes.data() + 4) - 2, bytes.size() - 8)));
      return;
    default:
      break;
  }
  ++stats_.undecodable;
}

void CaptureWalker::ip(ByteSpan bytes) {
  if (bytes.empty()) {
    ++stats_.undecodable;
  } else if ((bytes[0] >> 4) == 4) {
    ipv4(bytes);
  } else if ((bytes[0] >> 4) == 6) {
    ipv6(bytes);
  } else {
    ++stats_.undecodable;
  }
}

void CaptureWalker::ipv4(ByteSpan bytes) {
  const std::size_t header = std::size_t{bytes.size() >= 1 ? bytes[0] & 0x0fu : 0u} * 4;
  if (bytes.size() < 20 || header < 20 || bytes.size() < header) {
    ++stats_.undecodable;
    return;
  }
  ++stats_.ipv4_headers;
  if (ones_complement_sum(bytes.first(header)) != 0xffff) ++stats_.ipv4_bad_checksums;
  const std::size_t total = load_be16(bytes.data() + 2);
  if (total < header || total > bytes.size()) {
    ++stats_.undecodable;
    return;
  }
  const IpAddress src = IpAddress::v4(bytes.data() + 12);
  const IpAddress dst = IpAddress::v4(bytes.data() + 16);
  const std::uint8_t protocol = bytes[9];
  ttl_ = bytes[8];
  const std::uint16_t field = load_be16(bytes.data() + 6);
  const ByteSpan payload = bytes.subspan(header, total - header);
  if ((field & 0x3fff) != 0) {
    FragmentKey key;
    key.key.assign(bytes.data() + 12, bytes.data() + 20);
    key.key.push_back(bytes[4]);
    key.key.push_back(bytes[5]);
    key.key.push_back(protocol);
    fragment(key, src, dst, protocol, std::size_t{field & 0x1fffu} * 8, (field & 0x2000) != 0,
             payload);
    return;
  }
  transport(src, dst, protocol, payload);
}

void CaptureWalker::ipv6(ByteSpan bytes) {
  if (bytes.size() < 40) {
    ++stats_.undecodable;
    return;
  }
  ++stats_.ipv6_headers;
  const IpAddress src = IpAddress::v6(bytes.data() + 8);
  const IpAddress dst = IpAddress::v6(bytes.data() + 24);
  ttl_ = bytes[7];
  const std::size_t length = load_be16(bytes.data() + 4);
  if (40 + length > bytes.size()) {
    ++stats_.undecodable;
    return;
  }
  std::uint8_t next = bytes[6];
  ByteSpan rest = bytes.subspan(40, length);
  while (next == 0 || next == 60 || next == 43) {
    if (rest.size() < 8 || rest.size() < (rest[1] + 1u) * 8) {
      ++stats_.undecodable;
      return;
    }
    ++stats_.layers[next == 0 ? "ipv6-hop-by-hop" : "ipv6-destination-options"];
    const std::size_t size = (rest[1] + 1u) * 8;
    next = rest[0];
    rest = rest.subspan(size);
  }
  if (next == 44) {
    if (rest.size() < 8) {
      ++stats_.undecodable;
      return;
    }
    FragmentKey key;
    key.key.assign(bytes.data() + 8, bytes.data() + 40);
    key.key.insert(key.key.end(), rest.data() + 4, rest.data() + 8);
    const std::uint16_t field = load_be16(rest.data() + 2);
    fragment(key, src, dst, rest[0], field & 0xfff8, (field & 1) != 0, rest.subspan(8));
    return;
  }
  transport(src, dst, next, rest);
}

void CaptureWalker::fragment(const FragmentKey& key, const IpAddress& src, const IpAddress& dst,
                             std::uint8_t protocol, std::size_t offset, bool more, ByteSpan data) {
  ++stats_.fragments;
  Fragments& f = fragments_[key];
  f.src = src;
  f.dst = dst;
  f.protocol = protocol;
  f.pieces[offset].assign(data.begin(), data.end());
  if (!more) f.total = offset + data.size();
  if (f.total == 0) return;
  std::vector<std::uint8_t> whole;
  for (const auto& [at, piece] : f.pieces) {
    if (at != whole.size()) return;  // a hole remains
    whole.insert(whole.end(), piece.begin(), piece.end());
  }
  if (whole.size() != f.total) return;
  ++stats_.reassembled;
  const Fragments done = f;
  fragments_.erase(key);
  ByteSpan rest(whole);
  std::uint8_t next = done.protocol;
  // IPv6 destination options travel inside the fragmentable part.
  while (next == 60 && rest.size() >= 8) {
    next = rest[0];
    rest = rest.subspan((rest[1] + 1u) * 8);
  }
  transport(done.src, done.dst, next, rest);
}

void CaptureWalker::transport(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                              ByteSpan segment) {
  switch (protocol) {
    case 4:
    case 41:
      ++stats_.layers["ip-in-ip"];
      ip(segment);
      return;
    case 47:
      gre(segment);
      return;
    case 1:
      ++stats_.icmp;
      if (ones_complement_sum(segment) != 0xffff) ++stats_.icmp_bad_checksums;
      return;
    case 6:
    case 17:
      break;
    default:
      ++stats_.undecodable;
      return;
  }
  const bool tcp = protocol == 6;
  const std::size_t minimum = tcp ? 20 : 8;
  if (segment.size() < minimum) {
    ++stats_.undecodable;
    return;
  }
  const std::uint16_t sum =
      ones_complement_sum(segment, pseudo_header_sum(src, dst, protocol, segment.size()));
  Segment s;
  s.frame_index = frame_index_;
  s.ts_ns = ts_ns_;
  s.src = src;
  s.dst = dst;
  s.protocol = protocol;
  s.ttl = ttl_;
  s.src_port = load_be16(segment.data());
  s.dst_port = load_be16(segment.data() + 2);
  if (tcp) {
    ++stats_.tcp;
    if (sum != 0xffff) ++stats_.tcp_bad_checksums;
    const std::size_t header = static_cast<std::size_t>(segment[12] >> 4) * 4;
    if (header < 20 || header > segment.size()) {
      ++stats_.undecodable;
      return;
    }
    s.seq = load_be32(segment.data() + 4);
    s.ack = load_be32(segment.data() + 8);
    s.tcp_flags = segment[13];
    s.tcp_options.assign(segment.begin() + 20,
                         segment.begin() + static_cast<std::ptrdiff_t>(header));
    s.payload.assign(segment.begin() + static_cast<std::ptrdiff_t>(header), segment.end());
    segments_.push_back(std::move(s));
    return;
  }
  ++stats_.udp;
  // A zero UDP checksum over IPv4 means "none"; the generator never sends one.
  if (sum != 0xffff || load_be16(segment.data() + 6) == 0) ++stats_.udp_bad_checksums;
  const std::size_t length = load_be16(segment.data() + 4);
  if (length < 8 || length > segment.size()) {
    ++stats_.undecodable;
    return;
  }
  s.payload.assign(segment.begin() + 8, segment.begin() + static_cast<std::ptrdiff_t>(length));
  udp_payload(s.src_port, s.dst_port, ByteSpan(s.payload), s);
}

void CaptureWalker::udp_payload(std::uint16_t src_port, std::uint16_t dst_port, ByteSpan payload,
                                const Segment& segment) {
  if (dst_port == 4789 && payload.size() >= 8) {
    ++stats_.layers["vxlan"];
    ethernet(payload.subspan(8));
  } else if (dst_port == 6081 && payload.size() >= 8) {
    ++stats_.layers["geneve"];
    ethernet(payload.subspan(8 + std::size_t{payload[0] & 0x3fu} * 4));
  } else if (src_port == 3544 || dst_port == 3544) {
    ++stats_.layers["teredo"];
    ip(payload);
  } else if ((src_port == 2152 || dst_port == 2152) && payload.size() >= 8) {
    ++stats_.layers["gtp-u"];
    gtpu(payload);
  } else if ((src_port == 5072 || dst_port == 5072) && payload.size() >= 8) {
    ++stats_.layers["ayiya"];
    // Identity of 2^IDLen bytes and a signature of SigLen 4-byte words follow the 8-byte header.
    const std::size_t at = 8 + (std::size_t{1} << (payload[0] >> 4)) + (payload[1] >> 4) * 4u;
    if (at > payload.size()) {
      ++stats_.undecodable;
    } else {
      ip(payload.subspan(at));
    }
  } else {
    segments_.push_back(segment);
  }
}

// GTPv1-U (3GPP TS 29.281): 8 bytes, 4 more when E, S or PN is set, then when E is set the
// extension headers, each giving its length in 4-byte units and the next one's type last.
void CaptureWalker::gtpu(ByteSpan bytes) {
  std::size_t at = (bytes[0] & 0x07) != 0 ? 12 : 8;
  bool more = (bytes[0] & 0x04) != 0 && at <= bytes.size() && bytes[at - 1] != 0;
  while (more && at < bytes.size() && bytes[at] != 0) {
    at += bytes[at] * 4u;
    more = at <= bytes.size() && bytes[at - 1] != 0;
  }
  if (more || at > bytes.size()) {
    ++stats_.undecodable;
    return;
  }
  ip(bytes.subspan(at));
}

void CaptureWalker::gre(ByteSpan bytes) {
  if (bytes.size() < 4) {
    ++stats_.undecodable;
    return;
  }
  ++stats_.layers["gre"];
  const std::uint16_t flags = load_be16(bytes.data());
  const std::uint16_t type = load_be16(bytes.data() + 2);
  std::size_t at = 4;
  if (flags & 0x8000) at += 4;  // checksum
  if (flags & 0x2000) at += 4;  // key
  if (flags & 0x1000) at += 4;  // sequence
  if (at > bytes.size()) {
    ++stats_.undecodable;
    return;
  }
  const ByteSpan rest = bytes.subspan(at);
  if (type == 0x88be && rest.size() >= 8) {
    ++stats_.layers["erspan2"];
    ethernet(rest.subspan(8));
  } else if (type == 0x22eb && rest.size() >= 12) {
    ++stats_.layers["erspan3"];
    const bool platform_header = (rest[11] & 0x01) != 0;
    ethernet(rest.subspan(platform_header ? 20 : 12));
  } else {
    ethertype(type, rest);
  }
}

namespace {

// A classic pcap with one Ethernet frame carrying IPv4/UDP 10.0.0.1:1234 -> 10.0.0.2:53 and the
// 4-byte payload "abcd"; both checksums worked out by hand (RFC 1071 arithmetic).
constexpr std::uint8_t kHandMadePcap[] = {
    0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,  // magic, 2.4
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,  // snaplen, Ethernet
    0x10, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,                          // 16 s, 32 us
    0x2e, 0x00, 0x00, 0x00, 0x2e, 0x00, 0x00, 0x00,                          // 46 bytes
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // MACs
    0x08, 0x00,                                                              // IPv4
    0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,              // len 32, UDP
    0x66, 0xca,                                                              // header sum
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,                          // addresses
    0x04, 0xd2, 0x00, 0x35, 0x00, 0x0c, 0x22, 0x06,                          // UDP header
    'a',  'b',  'c',  'd'};

}  // namespace

TEST(CaptureWalkerTest, AcceptsHandComputedChecksums) {
  CaptureFile file;
  std::string error;
  ASSERT_TRUE(read_capture(kHandMadePcap, file, error)) << error;
  ASSERT_EQ(file.frames.size(), 1u);
  EXPECT_EQ(file.frames[0].ts_ns, 16'000'032'000);
  CaptureWalker walker;
  walker.walk(file);
  EXPECT_EQ(walker.stats().ipv4_headers, 1u);
  EXPECT_EQ(walker.stats().ipv4_bad_checksums, 0u);
  EXPECT_EQ(walker.stats().udp_bad_checksums, 0u);
  ASSERT_EQ(walker.segments().size(), 1u);
  EXPECT_EQ(walker.segments()[0].dst_port, 53);
  EXPECT_EQ(std::string(walker.segments()[0].payload.begin(), walker.segments()[0].payload.end()),
            "abcd");
}

TEST(CaptureWalkerTest, FlagsCorruptedChecksums) {
  std::vector<std::uint8_t> bad(std::begin(kHandMadePcap), std::end(kHandMadePcap));
  bad[24 + 16 + 14 + 11] ^= 0x01;  // IPv4 header checksum
  bad.back() ^= 0x01;              // payload, so the UDP checksum no longer matches
  CaptureFile file;
  std::string error;
  ASSERT_TRUE(read_capture(bad, file, error)) << error;
  CaptureWalker walker;
  walker.walk(file);
  EXPECT_EQ(walker.stats().ipv4_bad_checksums, 1u);
  EXPECT_EQ(walker.stats().udp_bad_checksums, 1u);
}

TEST(CaptureWalkerTest, RejectsTruncatedRecords) {
  const std::vector<std::uint8_t> cut(std::begin(kHandMadePcap), std::end(kHandMadePcap) - 3);
  CaptureFile file;
  std::string error;
  EXPECT_FALSE(read_capture(cut, file, error));
  EXPECT_FALSE(error.empty());
}

}  // namespace bw::gen::testing
