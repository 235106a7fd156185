// QUIC versions the sensor can open, and their client Initial keys (RFC 9001 section 5.2,
// RFC 9369 section 3.3). Initial keys depend only on the version and the client's first
// Destination Connection ID, which is what lets a passive observer read the ClientHello.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "sensor/common/bytes.h"
#include "sensor/common/crypto.h"

namespace bw::extract::quic {

struct QuicVersion {
  std::uint32_t number = 0;
  std::array<std::uint8_t, 20> initial_salt{};
  std::string_view key_label;
  std::string_view iv_label;
  std::string_view hp_label;
  // Long-header packet type bits, which RFC 9369 reassigned for v2.
  std::uint8_t initial_type = 0;
  std::uint8_t retry_type = 0;
};

inline constexpr std::uint32_t kQuicV1 = 0x00000001;
inline constexpr std::uint32_t kQuicV2 = 0x6b3343cf;

// nullptr for versions without known Initial keys (Google QUIC, version negotiation, unknown).
const QuicVersion* find_quic_version(std::uint32_t number);

struct InitialKeys {
  std::array<std::uint8_t, 16> key{};
  std::array<std::uint8_t, 12> iv{};
  std::array<std::uint8_t, 16> hp{};
};

// HKDF-Expand-Label of TLS 1.3 (RFC 8446 section 7.1) with an empty context, as QUIC uses it.
// `label` excludes the "tls13 " prefix. Returns false when the label is too long.
bool hkdf_expand_label(ByteSpan secret, std::string_view label, std::span<std::uint8_t> out);

// client_initial_secret = HKDF-Expand-Label(HKDF-Extract(salt, dcid), "client in", "", 32).
crypto::Sha256Digest client_initial_secret(const QuicVersion& version, ByteSpan dcid);

// Packet protection keys from a traffic secret, with the version's labels.
bool derive_packet_keys(const QuicVersion& version, ByteSpan secret, InitialKeys& out);

bool derive_client_initial_keys(const QuicVersion& version, ByteSpan dcid, InitialKeys& out);

}  // namespace bw::extract::quic
