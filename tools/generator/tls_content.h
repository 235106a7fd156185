// TLS handshake messages built the way real clients build them (cipher and extension lists,
// GREASE, key shares including the post-quantum X25519MLKEM768 hybrid, ECH), plus server
// replies and the opaque encrypted records that follow.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/generator/byte_writer.h"
#include "tools/generator/rng.h"

namespace bw::gen {

enum class TlsClient : std::uint8_t {
  kChrome,    // GREASE, permuted extensions, X25519MLKEM768, GREASE ECH
  kFirefox,   // fixed order, no GREASE, x25519 + P-256 shares
  kSchannel,  // Windows / Outlook desktop, TLS 1.2 only
  kApple,     // Safari / Mail.app
};

inline constexpr std::uint16_t kTlsGroupX25519 = 0x001d;
inline constexpr std::uint16_t kTlsGroupSecp256r1 = 0x0017;
inline constexpr std::uint16_t kTlsGroupX25519MlKem768 = 0x11ec;
inline constexpr std::uint8_t kTlsHandshake = 22;
inline constexpr std::uint8_t kTlsChangeCipherSpec = 20;
inline constexpr std::uint8_t kTlsApplicationData = 23;

struct ClientHelloSpec {
  TlsClient client = TlsClient::kChrome;
  std::string sni;
  std::vector<std::string> alpn;
  bool ech = false;  // a real ECH offer: `sni` is then the outer (public) name
  bool quic = false;
  Bytes quic_transport_parameters;  // extension 0x39 body when `quic`
  bool post_quantum = true;         // offer X25519MLKEM768 where the client does
};

struct ClientHello {
  Bytes message;  // handshake message: type 1, 24-bit length, body
  std::string ja3;
  Bytes session_id;
  std::uint16_t record_version = 0x0301;
  std::uint16_t key_share_group = kTlsGroupX25519;
  bool ech_extension = false;  // 0xfe0d present (GREASE ECH included)
  bool tls13 = true;
};

ClientHello build_client_hello(const ClientHelloSpec& spec, Rng& rng);

// A ServerHello answering `hello`: TLS 1.3 with supported_versions and key_share, or TLS 1.2
// resuming the offered session (so no certificate has to travel in clear).
Bytes build_server_hello(const ClientHello& hello, std::uint16_t cipher, const std::string& alpn,
                         Rng& rng);

// Wraps `payload` in records of at most 16384 bytes.
void append_records(Bytes& out, std::uint8_t content_type, std::uint16_t version, ByteSpan payload);
// An encrypted record of `length` random bytes, as TLS 1.3 application_data (or a TLS 1.2
// record of the given type) looks on the wire.
void append_opaque_record(Bytes& out, std::uint8_t content_type, std::size_t length, Rng& rng);
void append_change_cipher_spec(Bytes& out);

bool is_grease(std::uint16_t value);

}  // namespace bw::gen
