// Appends big-endian fields to a byte vector; the generator's counterpart of ByteReader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "sensor/common/bytes.h"

namespace bw::gen {

using Bytes = std::vector<std::uint8_t>;

class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}

  ByteWriter& u8(std::uint64_t v) {
    out_.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  ByteWriter& be16(std::uint64_t v) { return u8(v >> 8).u8(v); }
  ByteWriter& be24(std::uint64_t v) { return u8(v >> 16).be16(v); }
  ByteWriter& be32(std::uint64_t v) { return be16(v >> 16).be16(v); }
  ByteWriter& be64(std::uint64_t v) { return be32(v >> 32).be32(v); }
  ByteWriter& le16(std::uint64_t v) { return u8(v).u8(v >> 8); }
  ByteWriter& le32(std::uint64_t v) { return le16(v).le16(v >> 16); }
  ByteWriter& le64(std::uint64_t v) { return le32(v).le32(v >> 32); }
  ByteWriter& bytes(ByteSpan data) {
    out_.insert(out_.end(), data.begin(), data.end());
    return *this;
  }
  ByteWriter& text(std::string_view s) {
    out_.insert(out_.end(), s.begin(), s.end());
    return *this;
  }
  ByteWriter& zeros(std::size_t n) {
    out_.insert(out_.end(), n, 0);
    return *this;
  }
  // QUIC variable-length integer (RFC 9000 section 16), shortest encoding unless min_len asks
  // for more (a fixed-width Length field is patched later).
  ByteWriter& varint(std::uint64_t v, std::size_t min_len = 1);

  // Length prefixes are written as placeholders and patched once the body is known.
  std::size_t mark() const { return out_.size(); }
  std::size_t hold8() { return hold(1); }
  std::size_t hold16() { return hold(2); }
  std::size_t hold24() { return hold(3); }
  // Writes the number of bytes following the placeholder at `at` (of width 1, 2 or 3).
  void fill8(std::size_t at) { patch(at, 1); }
  void fill16(std::size_t at) { patch(at, 2); }
  void fill24(std::size_t at) { patch(at, 3); }

  Bytes& buffer() { return out_; }

 private:
  std::size_t hold(std::size_t width) {
    const std::size_t at = out_.size();
    out_.insert(out_.end(), width, 0);
    return at;
  }
  void patch(std::size_t at, std::size_t width) {
    std::uint64_t length = out_.size() - at - width;
    for (std::size_t i = width; i-- > 0; length >>= 8) {
      out_[at + i] = static_cast<std::uint8_t>(length);
    }
  }

  Bytes& out_;
};

inline void put_be16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void put_be32(std::uint8_t* p, std::uint32_t v) {
  put_be16(p, static_cast<std::uint16_t>(v >> 16));
  put_be16(p + 2, static_cast<std::uint16_t>(v));
}

inline ByteWriter& ByteWriter::varint(std::uint64_t v, std::size_t min_len) {
  if (v < 64 && min_len <= 1) return u8(v);
  if (v < 16384 && min_len <= 2) return be16(0x4000 | v);
  if (v < (1ULL << 30) && min_len <= 4) return be32(0x80000000ULL | v);
  return be64(0xc000000000000000ULL | v);
}

}  // namespace bw::gen
