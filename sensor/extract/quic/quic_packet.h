// QUIC long-header packets: header fields (RFC 9000 section 17.2), header protection and
// AEAD decryption of Initial packets (RFC 9001 sections 5.3-5.4).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "sensor/common/bytes.h"
#include "sensor/extract/quic/quic_keys.h"

namespace bw::extract::quic {

// RFC 9000 section 16 variable-length integer.
bool read_varint(ByteReader& reader, std::uint64_t& value);

inline constexpr std::size_t kMaxConnectionIdLength = 20;
inline constexpr std::size_t kAeadTagSize = 16;
inline constexpr std::size_t kHeaderProtectionSampleSize = 16;

struct LongHeader {
  std::uint8_t first_byte = 0;  // still protected
  std::uint32_t version = 0;
  std::uint8_t packet_type = 0;  // long-header type bits, version-specific meaning
  ByteSpan dcid;
  ByteSpan scid;
  ByteSpan token;               // Initial packets only
  std::size_t pn_offset = 0;    // where the protected packet number starts
  std::size_t packet_size = 0;  // header and protected payload, as the Length field declares
};

enum class HeaderResult : std::uint8_t {
  kOk,
  kNotLongHeader,   // short header, or padding after the last packet of a datagram
  kUnknownVersion,  // no keys known; the packet's extent cannot be trusted either
  kNoLength,        // Retry or version negotiation: nothing follows that can be walked
  kMalformed,
};

// Parses the long header at the start of `bytes` (one datagram's remaining bytes).
HeaderResult parse_long_header(ByteSpan bytes, LongHeader& out);

// The same with `layout`'s type bits whatever version the packet names: how an Initial of a
// version the table does not know is read as v1 (its extent is trusted only if it authenticates).
// kUnknownVersion only for version negotiation (version 0), which has no such layout.
HeaderResult parse_long_header_as(ByteSpan bytes, const QuicVersion& layout, LongHeader& out);

// RFC 9000 appendix A.3: the full packet number closest to the next expected one.
std::uint64_t decode_packet_number(std::int64_t largest_received, std::uint64_t truncated,
                                   std::size_t length);

// AES-ECB of the sample under the header-protection key (RFC 9001 section 5.4.3).
bool header_protection_mask(const InitialKeys& keys, ByteSpan sample,
                            std::array<std::uint8_t, 16>& mask);

struct OpenedPacket {
  std::uint64_t packet_number = 0;
  ByteSpan header;   // unprotected header, in scratch
  ByteSpan payload;  // plaintext frames, in scratch
};

// Removes header protection from `packet` (exactly header.packet_size bytes) and decrypts it
// into `scratch`, which must hold at least packet.size() bytes. False when the packet is too
// short or fails authentication.
bool open_packet(ByteSpan packet, const LongHeader& header, const InitialKeys& keys,
                 std::int64_t largest_received, std::span<std::uint8_t> scratch, OpenedPacket& out);

}  // namespace bw::extract::quic
