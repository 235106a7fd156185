// QUIC versions the sensor can open, and their client Initial keys (RFC 9001 section 5.2,
// RFC 9369 section 3.3). Initial keys depend only on the version and the client's first
// Destination Connection ID, which is what lets a passive observer read the ClientHello.
//
// Besides IETF QUIC (v1, v2, drafts 22-34) the table holds the pre-standard versions that protect
// Initials the same way with a salt of their own: Facebook's mvfst (0xfaceb001 on draft 22,
// 0xfaceb002 and 0xfaceb00e on draft 27) and Google's Q050, T050 and T051, whose decrypted
// Initials carry Google QUIC frames (CRYPTO is type 0x08) and, for Q050, a gQUIC CHLO instead
// of a TLS ClientHello. Google QUIC up to Q046 sends its CHLO in the clear (gquic.h).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "sensor/common/bytes.h"
#include "sensor/common/crypto.h"

namespace bw::extract::quic {

// How the frames of a decrypted Initial are encoded.
enum class FrameEncoding : std::uint8_t {
  kIetf,    // RFC 9000 section 19
  kGoogle,  // Google QUIC (Q050, T05x): CRYPTO is 0x08, ACK 0x40-0x7f, PADDING runs to the end
};

// What the CRYPTO stream of the Initials carries.
enum class HandshakeKind : std::uint8_t {
  kTls,         // a TLS 1.3 ClientHello
  kGoogleChlo,  // a Google QUIC crypto handshake message (CHLO)
};

struct QuicVersion {
  std::uint32_t number = 0;
  std::array<std::uint8_t, 20> initial_salt{};
  std::string_view key_label;
  std::string_view iv_label;
  std::string_view hp_label;
  // Long-header packet type bits, which RFC 9369 reassigned for v2.
  std::uint8_t initial_type = 0;
  std::uint8_t retry_type = 0;
  FrameEncoding frames = FrameEncoding::kIetf;
  HandshakeKind handshake = HandshakeKind::kTls;
};

inline constexpr std::uint32_t kQuicV1 = 0x00000001;
inline constexpr std::uint32_t kQuicV2 = 0x6b3343cf;

inline constexpr std::uint32_t kQuicQ050 = 0x51303530;  // "Q050"
inline constexpr std::uint32_t kQuicT050 = 0x54303530;  // "T050"
inline constexpr std::uint32_t kQuicT051 = 0x54303531;  // "T051"

// nullptr for versions without known Initial keys (Google QUIC up to Q046, version negotiation,
// unknown and greased versions).
const QuicVersion* find_quic_version(std::uint32_t number);

// Version 1, whose header layout and keys are tried on an Initial of a version the table does
// not know (a greased 0x?a?a?a?a, a vendor's alias of v1): such a packet is believed only once it
// authenticates under v1's keys.
const QuicVersion& quic_version_1();

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
