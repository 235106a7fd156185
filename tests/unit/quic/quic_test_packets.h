// Builds protected QUIC Initial packets for tests and fuzzing: the sender's side of what the
// sensor decrypts (RFC 9001 section 5), checked byte for byte against the RFC's own example.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sensor/common/crypto.h"
#include "sensor/extract/quic/quic_keys.h"
#include "sensor/extract/quic/quic_packet.h"

namespace bw::test {

using QuicBytes = std::vector<std::uint8_t>;

// Lower-case hex, as fixtures are written.
inline QuicBytes from_hex(std::string_view hex) {
  QuicBytes out;
  const auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

inline ByteSpan span_of(const QuicBytes& bytes) {
  return ByteSpan(bytes.data(), bytes.size());
}

// RFC 9000 section 16 encoding in the shortest form, or forced to `width` bytes.
inline void put_varint(QuicBytes& out, std::uint64_t value, std::size_t width = 0) {
  if (width == 0) width = value < 64 ? 1 : value < 16384 ? 2 : value < (1u << 30) ? 4 : 8;
  const std::uint8_t prefix = width == 1 ? 0x00 : width == 2 ? 0x40 : width == 4 ? 0x80 : 0xc0;
  for (std::size_t i = width; i-- > 0;) {
    std::uint8_t byte = static_cast<std::uint8_t>(value >> (8 * i));
    if (i == width - 1) byte |= prefix;
    out.push_back(byte);
  }
}

inline QuicBytes crypto_frame(std::uint64_t offset, const std::uint8_t* data, std::size_t size) {
  QuicBytes frame = {0x06};
  put_varint(frame, offset);
  put_varint(frame, size);
  frame.insert(frame.end(), data, data + size);
  return frame;
}

struct InitialSpec {
  std::uint32_t version = extract::quic::kQuicV1;
  QuicBytes dcid;
  QuicBytes scid;
  QuicBytes token;
  std::uint64_t packet_number = 0;
  std::size_t packet_number_length = 4;
  QuicBytes frames;  // plaintext payload
  // Defaults to the dcid: differs only when a Retry made the client derive keys anew.
  const QuicBytes* key_dcid = nullptr;
  // Keys and type bits of this version instead of `version`'s (which the table may not know):
  // how a client sends a greased or aliased version laid out as v1.
  std::uint32_t keys_version = 0;
};

// Encrypts `payload` after `header` (whose first byte and packet number are still in the clear)
// and applies header protection.
inline QuicBytes protect_packet(const extract::quic::InitialKeys& keys, QuicBytes header,
                                std::size_t pn_offset, std::size_t pn_length,
                                std::uint64_t packet_number, const QuicBytes& payload) {
  std::array<std::uint8_t, 12> nonce = keys.iv;
  for (std::size_t i = 0; i < 8; ++i) {
    nonce[11 - i] ^= static_cast<std::uint8_t>(packet_number >> (8 * i));
  }
  QuicBytes ciphertext(payload.size());
  std::array<std::uint8_t, 16> tag{};
  crypto::aes128_gcm_encrypt(keys.key, nonce, header, payload, ciphertext, tag);
  QuicBytes packet = header;
  packet.insert(packet.end(), ciphertext.begin(), ciphertext.end());
  packet.insert(packet.end(), tag.begin(), tag.end());

  std::array<std::uint8_t, 16> mask{};
  extract::quic::header_protection_mask(
      keys, ByteSpan(packet.data() + pn_offset + 4, extract::quic::kHeaderProtectionSampleSize),
      mask);
  packet[0] ^= mask[0] & 0x0f;
  for (std::size_t i = 0; i < pn_length; ++i)
    packet[pn_offset + i] ^= mask[1 + i];
  return packet;
}

inline QuicBytes protect_initial(const InitialSpec& spec) {
  const extract::quic::QuicVersion& version =
      *extract::quic::find_quic_version(spec.keys_version != 0 ? spec.keys_version : spec.version);
  const QuicBytes& key_dcid = spec.key_dcid != nullptr ? *spec.key_dcid : spec.dcid;
  extract::quic::InitialKeys keys;
  extract::quic::derive_client_initial_keys(version, key_dcid, keys);

  QuicBytes header;
  header.push_back(static_cast<std::uint8_t>(0xc0 | (version.initial_type << 4) |
                                             (spec.packet_number_length - 1)));
  for (int shift = 24; shift >= 0; shift -= 8) {
    header.push_back(static_cast<std::uint8_t>(spec.version >> shift));
  }
  header.push_back(static_cast<std::uint8_t>(spec.dcid.size()));
  header.insert(header.end(), spec.dcid.begin(), spec.dcid.end());
  header.push_back(static_cast<std::uint8_t>(spec.scid.size()));
  header.insert(header.end(), spec.scid.begin(), spec.scid.end());
  put_varint(header, spec.token.size());
  header.insert(header.end(), spec.token.begin(), spec.token.end());
  put_varint(header, spec.packet_number_length + spec.frames.size() + 16, 2);
  const std::size_t pn_offset = header.size();
  for (std::size_t i = spec.packet_number_length; i-- > 0;) {
    header.push_back(static_cast<std::uint8_t>(spec.packet_number >> (8 * i)));
  }
  return protect_packet(keys, header, pn_offset, spec.packet_number_length, spec.packet_number,
                        spec.frames);
}

}  // namespace bw::test
