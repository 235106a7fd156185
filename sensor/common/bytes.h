// Bounds-checked, alignment-free access to packet bytes.
//
// Packet data arrives at arbitrary alignment (a 14-byte Ethernet header leaves the IP header
// 2-byte aligned, tunnels shift it further), and aarch64 appliances trap or slow down on
// unaligned wide loads of some kinds. Every multi-byte read therefore goes through these helpers,
// which assemble values byte by byte; compilers fold them into single loads where legal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace bw {

using ByteSpan = std::span<const std::uint8_t>;

inline std::uint16_t load_be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((std::uint16_t{p[0]} << 8) | p[1]);
}
inline std::uint32_t load_be24(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
}
inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
inline std::uint64_t load_be64(const std::uint8_t* p) {
  return (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}
inline std::uint16_t load_le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (std::uint16_t{p[1]} << 8));
}
inline std::uint32_t load_le32(const std::uint8_t* p) {
  return p[0] | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}
inline std::uint64_t load_le64(const std::uint8_t* p) {
  return std::uint64_t{load_le32(p)} | (std::uint64_t{load_le32(p + 4)} << 32);
}

// Stores, the counterparts of the loads: byte by byte, so any alignment and host order will do.
inline void store_be16(std::uint8_t* p, std::uint16_t value) {
  p[0] = static_cast<std::uint8_t>(value >> 8);
  p[1] = static_cast<std::uint8_t>(value);
}
inline void store_le32(std::uint8_t* p, std::uint32_t value) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<std::uint8_t>(value >> (8 * i));
}
inline void store_le64(std::uint8_t* p, std::uint64_t value) {
  store_le32(p, static_cast<std::uint32_t>(value));
  store_le32(p + 4, static_cast<std::uint32_t>(value >> 32));
}

inline std::string_view as_chars(ByteSpan bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Sequential reader that never reads past its span. Every read reports success; once a read
// fails the reader is poisoned (ok() is false) so a chain of reads can be checked once at the end.
class ByteReader {
 public:
  explicit ByteReader(ByteSpan bytes) : bytes_(bytes) {}

  bool ok() const { return ok_; }
  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return ok_ ? bytes_.size() - offset_ : 0; }
  bool empty() const { return remaining() == 0; }
  ByteSpan rest() const { return ok_ ? bytes_.subspan(offset_) : ByteSpan{}; }

  bool skip(std::size_t n) {
    if (!require(n)) return false;
    offset_ += n;
    return true;
  }
  bool u8(std::uint8_t& out) {
    if (!require(1)) return false;
    out = bytes_[offset_++];
    return true;
  }
  bool be16(std::uint16_t& out) {
    if (!require(2)) return false;
    out = load_be16(bytes_.data() + offset_);
    offset_ += 2;
    return true;
  }
  bool be24(std::uint32_t& out) {
    if (!require(3)) return false;
    out = load_be24(bytes_.data() + offset_);
    offset_ += 3;
    return true;
  }
  bool be32(std::uint32_t& out) {
    if (!require(4)) return false;
    out = load_be32(bytes_.data() + offset_);
    offset_ += 4;
    return true;
  }
  bool bytes(std::size_t n, ByteSpan& out) {
    if (!require(n)) return false;
    out = bytes_.subspan(offset_, n);
    offset_ += n;
    return true;
  }
  // Length-prefixed vectors as used by TLS: an 8-, 16- or 24-bit length, then that many bytes.
  bool vec8(ByteSpan& out) {
    std::uint8_t n = 0;
    return u8(n) && bytes(n, out);
  }
  bool vec16(ByteSpan& out) {
    std::uint16_t n = 0;
    return be16(n) && bytes(n, out);
  }
  bool vec24(ByteSpan& out) {
    std::uint32_t n = 0;
    return be24(n) && bytes(n, out);
  }

 private:
  bool require(std::size_t n) {
    if (!ok_ || bytes_.size() - offset_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }

  ByteSpan bytes_;
  std::size_t offset_ = 0;
  bool ok_ = true;
};

}  // namespace bw
