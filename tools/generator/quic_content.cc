#include "tools/generator/quic_content.h"

#include <algorithm>

#include "sensor/common/crypto.h"

namespace bw::gen {
namespace {

// RFC 9001 section 5.2 and RFC 9369 section 3.3.1.
constexpr std::uint8_t kSaltV1[] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
constexpr std::uint8_t kSaltV2[] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};

constexpr std::size_t kTagLength = 16;
constexpr std::size_t kSampleOffset = 4;  // sample starts 4 bytes after the packet number start
constexpr std::size_t kMinShortPayload = 4;

void append_long_header_prefix(ByteWriter& w, const LongHeader& h, std::uint8_t low_bits) {
  w.u8(0xc0 | (long_header_type_bits(h.version, h.type) << 4) | low_bits);
  w.be32(h.version).u8(h.dcid.size()).bytes(h.dcid).u8(h.scid.size()).bytes(h.scid);
  if (h.type == QuicPacketType::kInitial) w.varint(0);  // token length
}

}  // namespace

bool hkdf_expand_label(ByteSpan secret, std::string_view label, std::span<std::uint8_t> out) {
  Bytes info;
  ByteWriter w(info);
  w.be16(out.size()).u8(6 + label.size()).text("tls13 ").text(label).u8(0);
  return crypto::hkdf_expand_sha256(secret, info, out);
}

bool derive_initial_keys(std::uint32_t version, ByteSpan client_dcid, bool server_side,
                         QuicKeys& out) {
  const bool v2 = version == kQuicVersion2;
  const ByteSpan salt = v2 ? ByteSpan(kSaltV2) : ByteSpan(kSaltV1);
  const crypto::Sha256Digest initial = crypto::hkdf_extract_sha256(salt, client_dcid);
  std::array<std::uint8_t, 32> secret{};
  if (!hkdf_expand_label(initial, server_side ? "server in" : "client in", secret)) return false;
  return hkdf_expand_label(secret, v2 ? "quicv2 key" : "quic key", out.key) &&
         hkdf_expand_label(secret, v2 ? "quicv2 iv" : "quic iv", out.iv) &&
         hkdf_expand_label(secret, v2 ? "quicv2 hp" : "quic hp", out.hp);
}

std::uint8_t long_header_type_bits(std::uint32_t version, QuicPacketType type) {
  const auto v1 = static_cast<std::uint8_t>(type);
  if (version != kQuicVersion2) return v1;
  // RFC 9369 3.2: Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00.
  return static_cast<std::uint8_t>((v1 + 1) & 0x3);
}

bool append_protected_long_packet(Bytes& out, const LongHeader& h, ByteSpan frames,
                                  const QuicKeys& keys) {
  const std::size_t start = out.size();
  ByteWriter w(out);
  const std::size_t pn_length = std::clamp<std::size_t>(h.packet_number_length, 1, 4);
  append_long_header_prefix(w, h, static_cast<std::uint8_t>(pn_length - 1));
  w.varint(pn_length + frames.size() + kTagLength, 2);
  const std::size_t pn_offset = out.size();
  for (std::size_t i = pn_length; i-- > 0;)
    w.u8(h.packet_number >> (8 * i));
  const std::size_t header_length = out.size() - start;

  std::array<std::uint8_t, 12> nonce = keys.iv;
  for (std::size_t i = 0; i < 8; ++i)
    nonce[11 - i] ^= static_cast<std::uint8_t>(h.packet_number >> (8 * i));
  out.resize(out.size() + frames.size() + kTagLength);
  std::uint8_t* cipher = out.data() + start + header_length;
  std::array<std::uint8_t, 16> tag{};
  if (!crypto::aes128_gcm_encrypt(keys.key, nonce, ByteSpan(out.data() + start, header_length),
                                  frames, std::span<std::uint8_t>(cipher, frames.size()), tag)) {
    return false;
  }
  std::copy(tag.begin(), tag.end(), cipher + frames.size());

  // Header protection (RFC 9001 5.4): the sample must lie inside the protected payload.
  const std::size_t sample_at = pn_offset + kSampleOffset;
  if (sample_at + 16 > out.size()) return false;
  std::array<std::uint8_t, 16> mask{};
  if (!crypto::aes128_ecb_encrypt_block(keys.hp, ByteSpan(out.data() + sample_at, 16), mask)) {
    return false;
  }
  out[start] ^= mask[0] & 0x0f;
  for (std::size_t i = 0; i < pn_length; ++i)
    out[pn_offset + i] ^= mask[1 + i];
  return true;
}

void append_opaque_long_packet(Bytes& out, const LongHeader& h, std::size_t payload_length,
                               Rng& rng) {
  ByteWriter w(out);
  append_long_header_prefix(w, h, static_cast<std::uint8_t>(rng.below(4)));
  const std::size_t pn_length = std::clamp<std::size_t>(h.packet_number_length, 1, 4);
  w.varint(pn_length + payload_length + kTagLength, 2);
  const std::size_t at = out.size();
  out.resize(at + pn_length + payload_length + kTagLength);
  rng.fill(std::span<std::uint8_t>(out.data() + at, out.size() - at));
}

void append_opaque_short_packet(Bytes& out, ByteSpan dcid, std::size_t payload_length, Rng& rng) {
  ByteWriter w(out);
  w.u8(0x40 | rng.below(0x40)).bytes(dcid);
  const std::size_t at = out.size();
  // Header protection samples 16 bytes starting 4 after the packet number, so senders pad
  // tiny packets (RFC 9001 5.4.2).
  out.resize(at + 1 + std::max<std::size_t>(payload_length, kMinShortPayload) + kTagLength);
  rng.fill(std::span<std::uint8_t>(out.data() + at, out.size() - at));
}

void append_crypto_frame(Bytes& out, std::uint64_t offset, ByteSpan data) {
  ByteWriter(out).u8(0x06).varint(offset).varint(data.size()).bytes(data);
}

void append_ack_frame(Bytes& out, std::uint64_t largest, std::uint64_t delay) {
  ByteWriter(out).u8(0x02).varint(largest).varint(delay).varint(0).varint(largest);
}

}  // namespace bw::gen
