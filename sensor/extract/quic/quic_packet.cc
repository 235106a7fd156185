#include "sensor/extract/quic/quic_packet.h"

#include <cstring>

#include "sensor/common/crypto.h"

namespace bw::extract::quic {
namespace {

constexpr std::uint8_t kLongHeaderBit = 0x80;
constexpr std::size_t kMaxPacketNumberLength = 4;
constexpr std::uint32_t kVersionNegotiation = 0;

bool read_connection_id(ByteReader& reader, ByteSpan& id) {
  return reader.vec8(id) && id.size() <= kMaxConnectionIdLength;
}

}  // namespace

bool read_varint(ByteReader& reader, std::uint64_t& value) {
  std::uint8_t first = 0;
  if (!reader.u8(first)) return false;
  const std::size_t extra = (std::size_t{1} << (first >> 6)) - 1;
  value = first & 0x3f;
  for (std::size_t i = 0; i < extra; ++i) {
    std::uint8_t next = 0;
    if (!reader.u8(next)) return false;
    value = (value << 8) | next;
  }
  return true;
}

namespace {

// `layout` null: the version field picks it from the table.
HeaderResult parse_long_header_with(ByteSpan bytes, const QuicVersion* layout, LongHeader& out) {
  ByteReader reader(bytes);
  out = LongHeader{};
  if (!reader.u8(out.first_byte) || (out.first_byte & kLongHeaderBit) == 0) {
    return HeaderResult::kNotLongHeader;
  }
  if (!reader.be32(out.version)) return HeaderResult::kMalformed;
  const QuicVersion* version = layout != nullptr && out.version != kVersionNegotiation
                                   ? layout
                                   : find_quic_version(out.version);
  if (version == nullptr) return HeaderResult::kUnknownVersion;
  out.packet_type = (out.first_byte >> 4) & 0x3;
  if (!read_connection_id(reader, out.dcid) || !read_connection_id(reader, out.scid)) {
    return HeaderResult::kMalformed;
  }
  if (out.packet_type == version->retry_type) return HeaderResult::kNoLength;
  if (out.packet_type == version->initial_type) {
    std::uint64_t token_length = 0;
    if (!read_varint(reader, token_length) || token_length > reader.remaining() ||
        !reader.bytes(static_cast<std::size_t>(token_length), out.token)) {
      return HeaderResult::kMalformed;
    }
  }
  std::uint64_t length = 0;
  if (!read_varint(reader, length) || length > reader.remaining()) {
    return HeaderResult::kMalformed;
  }
  out.pn_offset = reader.offset();
  out.packet_size = out.pn_offset + static_cast<std::size_t>(length);
  return HeaderResult::kOk;
}

}  // namespace

HeaderResult parse_long_header(ByteSpan bytes, LongHeader& out) {
  return parse_long_header_with(bytes, nullptr, out);
}

HeaderResult parse_long_header_as(ByteSpan bytes, const QuicVersion& layout, LongHeader& out) {
  return parse_long_header_with(bytes, &layout, out);
}

std::uint64_t decode_packet_number(std::int64_t largest_received, std::uint64_t truncated,
                                   std::size_t length) {
  const std::uint64_t expected = static_cast<std::uint64_t>(largest_received + 1);
  const std::uint64_t window = std::uint64_t{1} << (length * 8);
  const std::uint64_t half_window = window / 2;
  const std::uint64_t mask = window - 1;
  const std::uint64_t candidate = (expected & ~mask) | truncated;
  constexpr std::uint64_t kMaxPacketNumber = std::uint64_t{1} << 62;
  if (candidate + half_window <= expected && candidate < kMaxPacketNumber - window) {
    return candidate + window;
  }
  if (candidate > expected + half_window && candidate >= window) return candidate - window;
  return candidate;
}

bool header_protection_mask(const InitialKeys& keys, ByteSpan sample,
                            std::array<std::uint8_t, 16>& mask) {
  return crypto::aes128_ecb_encrypt_block(keys.hp, sample, mask);
}

bool open_packet(ByteSpan packet, const LongHeader& header, const InitialKeys& keys,
                 std::int64_t largest_received, std::span<std::uint8_t> scratch,
                 OpenedPacket& out) {
  // The sample is taken as if the packet number were 4 bytes long (RFC 9001 section 5.4.2).
  const std::size_t sample_offset = header.pn_offset + kMaxPacketNumberLength;
  if (packet.size() < sample_offset + kHeaderProtectionSampleSize ||
      scratch.size() < packet.size()) {
    return false;
  }
  std::array<std::uint8_t, 16> mask{};
  if (!header_protection_mask(keys, packet.subspan(sample_offset, kHeaderProtectionSampleSize),
                              mask)) {
    return false;
  }
  const std::uint8_t first_byte = packet[0] ^ (mask[0] & 0x0f);
  const std::size_t pn_length = (first_byte & 0x3) + 1;
  const std::size_t header_size = header.pn_offset + pn_length;
  if (packet.size() < header_size + kAeadTagSize) return false;

  std::memcpy(scratch.data(), packet.data(), header_size);
  scratch[0] = first_byte;
  std::uint64_t truncated = 0;
  for (std::size_t i = 0; i < pn_length; ++i) {
    scratch[header.pn_offset + i] ^= mask[1 + i];
    truncated = (truncated << 8) | scratch[header.pn_offset + i];
  }
  out.packet_number = decode_packet_number(largest_received, truncated, pn_length);

  // The nonce is the IV with the packet number XORed into its low bytes (section 5.3).
  std::array<std::uint8_t, 12> nonce = keys.iv;
  for (std::size_t i = 0; i < 8; ++i) {
    nonce[nonce.size() - 1 - i] ^= static_cast<std::uint8_t>(out.packet_number >> (8 * i));
  }
  const std::size_t ciphertext_size = packet.size() - header_size - kAeadTagSize;
  const std::span<std::uint8_t> plaintext = scratch.subspan(header_size, ciphertext_size);
  out.header = ByteSpan(scratch.data(), header_size);
  out.payload = plaintext;
  return crypto::aes128_gcm_decrypt(keys.key, nonce, out.header,
                                    packet.subspan(header_size, ciphertext_size),
                                    packet.subspan(header_size + ciphertext_size), plaintext);
}

}  // namespace bw::extract::quic
