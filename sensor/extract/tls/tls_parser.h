// TLS handshake parsing for fingerprints: the ClientHello at the start of a client->server stream
// (or inside QUIC CRYPTO frames) and the ServerHello at the start of the server->client stream.
//
// Nothing here allocates. A handshake message that spans several records is gathered into a
// thread_local scratch buffer; one that fits its first record is read in place.
#pragma once

#include <cstdint>

#include "sensor/common/bytes.h"
#include "sensor/common/counters.h"
#include "sensor/extract/records.h"

namespace bw::extract::tls {

enum class TlsStatus : std::uint8_t { kComplete, kNeedMore, kNotTls, kMalformed };

#define BW_TLS_COUNTERS(X)                                                                  \
  X(client_hellos)             /* ClientHellos parsed */                                    \
  X(server_hellos)             /* ServerHellos parsed, HelloRetryRequests included */       \
  X(hello_retry_requests)      /* ServerHellos carrying the HelloRetryRequest random */     \
  X(not_tls)                   /* stream does not start with a handshake record */          \
  X(record_malformed)          /* later record not a handshake record, or bad length */     \
  X(unexpected_handshake_type) /* first message is not the hello the direction calls for */ \
  X(handshake_too_large)       /* message longer than the gathering buffer */               \
  X(client_hello_malformed)    /* ClientHello body inconsistent with its lengths */         \
  X(server_hello_malformed)    /* ServerHello body inconsistent with its lengths */         \
  X(extension_malformed)       /* one extension's content inconsistent; the rest is kept */ \
  X(ja3_truncated)             /* JA3 string cut to its field (its MD5 still covers all) */

struct TlsCounters {
  BW_DECLARE_COUNTERS(BW_TLS_COUNTERS)
};

// Largest handshake message gathered across records. Real ClientHellos reach 11 KB (hybrid
// post-quantum key shares plus padding); anything near this bound is not a browser.
inline constexpr std::size_t kMaxHandshakeMessage = std::size_t{64} * 1024;

// True when the bytes start like a TLS handshake record (0x16, version 0x0300..0x0304, record
// length 1..2^14+2048). Needs the 5-byte record header: fewer bytes give false.
bool looks_like_tls_handshake(ByteSpan first_bytes);

// Parses the ClientHello at the very start of a client->server TCP stream. `stream` holds every
// byte seen so far from the stream's first byte; the message may span several records and the
// records several segments. Returns kNeedMore while the message continues past `stream`.
TlsStatus parse_client_hello_stream(ByteSpan stream, extract::TlsClientHello& out,
                                    TlsCounters& counters);

// Same for the ServerHello at the start of the server->client stream.
TlsStatus parse_server_hello_stream(ByteSpan stream, extract::TlsServerHello& out,
                                    TlsCounters& counters);

// A bare ClientHello handshake message (type 1, 24-bit length, body) as QUIC carries it in CRYPTO
// frames. `quic` selects JA4's 'q' prefix instead of 't'. record_version is left 0.
TlsStatus parse_client_hello_message(ByteSpan handshake_message, bool quic,
                                     extract::TlsClientHello& out, TlsCounters& counters);

}  // namespace bw::extract::tls
