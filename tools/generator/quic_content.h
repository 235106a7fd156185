// QUIC long- and short-header packets with real Initial packet protection (RFC 9001 section 5,
// RFC 9369 for version 2), so a sensor or Wireshark can decrypt the client's ClientHello.
#pragma once

#include <array>
#include <cstdint>

#include "tools/generator/byte_writer.h"
#include "tools/generator/rng.h"

namespace bw::gen {

inline constexpr std::uint32_t kQuicVersion1 = 0x00000001;
inline constexpr std::uint32_t kQuicVersion2 = 0x6b3343cf;

enum class QuicPacketType : std::uint8_t { kInitial, kZeroRtt, kHandshake, kRetry };

struct QuicKeys {
  std::array<std::uint8_t, 16> key{};
  std::array<std::uint8_t, 12> iv{};
  std::array<std::uint8_t, 16> hp{};
};

// Initial keys of one side, derived from the client's first Destination Connection ID.
bool derive_initial_keys(std::uint32_t version, ByteSpan client_dcid, bool server_side,
                         QuicKeys& out);

// The two type bits of a long header; version 2 permutes them.
std::uint8_t long_header_type_bits(std::uint32_t version, QuicPacketType type);

struct LongHeader {
  std::uint32_t version = kQuicVersion1;
  QuicPacketType type = QuicPacketType::kInitial;
  ByteSpan dcid;
  ByteSpan scid;
  std::uint64_t packet_number = 0;
  std::size_t packet_number_length = 2;
};

// Appends a protected long-header packet whose payload is `frames` (already padded by the
// caller as it wishes), encrypted with AES-128-GCM and header-protected.
bool append_protected_long_packet(Bytes& out, const LongHeader& header, ByteSpan frames,
                                  const QuicKeys& keys);
// A long-header packet for which the sensor has no keys (Handshake, 0-RTT): valid framing,
// random protected bytes.
void append_opaque_long_packet(Bytes& out, const LongHeader& header, std::size_t payload_length,
                               Rng& rng);
// A 1-RTT packet: header form 0, fixed bit, random protected bits, DCID, random payload.
void append_opaque_short_packet(Bytes& out, ByteSpan dcid, std::size_t payload_length, Rng& rng);

// Frames.
void append_crypto_frame(Bytes& out, std::uint64_t offset, ByteSpan data);
void append_ack_frame(Bytes& out, std::uint64_t largest, std::uint64_t delay);

// HKDF-Expand-Label from TLS 1.3 (RFC 8446 7.1) with an empty context.
bool hkdf_expand_label(ByteSpan secret, std::string_view label, std::span<std::uint8_t> out);

}  // namespace bw::gen
