// JA3, JA3S and JA4 from parsed hello messages.
//
// JA3/JA3S: github.com/salesforce/ja3. JA4: FoxIO's technical_details/JA4.md. GREASE values
// (RFC 8701: 0x?a?a with equal bytes) are left out of every list and count.
#pragma once

#include <cstdint>

#include "sensor/common/bytes.h"
#include "sensor/common/fixed_string.h"
#include "sensor/extract/records.h"

namespace bw::extract::tls {

inline bool is_grease(std::uint16_t value) {
  return (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff);
}

// What the fingerprints read from a ClientHello, as spans into the message. The parser has
// checked every length, so the spans hold whole values.
struct ClientHelloView {
  std::uint16_t legacy_version = 0;
  ByteSpan cipher_suites;         // 2-byte values
  ByteSpan extensions;            // the extensions block: (type, 16-bit length, data)*
  ByteSpan supported_groups;      // 2-byte values
  ByteSpan ec_point_formats;      // 1-byte values
  ByteSpan signature_algorithms;  // 2-byte values
  ByteSpan first_alpn;            // first protocol name of the ALPN extension
  bool has_sni = false;
  std::uint16_t highest_supported_version = 0;  // 0 when supported_versions is absent or empty
};

struct ServerHelloView {
  std::uint16_t legacy_version = 0;
  std::uint16_t cipher_suite = 0;
  ByteSpan extensions;  // validated as for ClientHelloView
};

// Calls visit(type, data) for every extension of a validated extensions block.
template <typename Visitor>
void for_each_extension(ByteSpan block, Visitor&& visit) {
  ByteReader reader(block);
  std::uint16_t type = 0;
  ByteSpan data;
  while (reader.be16(type) && reader.vec16(data))
    visit(type, data);
}

// Fills out.ja3 and out.ja3_md5. Returns false when the JA3 string was cut to fit.
bool build_ja3(const ClientHelloView& hello, extract::TlsClientHello& out);
void build_ja4(const ClientHelloView& hello, bool quic, FixedString<40>& out);
// Fills out.ja3s and out.ja3s_md5.
void build_ja3s(const ServerHelloView& hello, extract::TlsServerHello& out);

}  // namespace bw::extract::tls
