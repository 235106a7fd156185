// The ClientHello of a QUIC connection, read from the client's Initial packets.
//
// Initial packets are encrypted with keys anyone can derive from the client's first Destination
// Connection ID (RFC 9001 section 5.2), so a passive sensor can decrypt them, reassemble the
// CRYPTO stream and hand the ClientHello to the TLS parser.
#pragma once

#include <array>
#include <cstdint>

#include "sensor/common/bytes.h"
#include "sensor/common/counters.h"
#include "sensor/extract/quic/crypto_stream.h"
#include "sensor/extract/quic/gquic.h"
#include "sensor/extract/quic/quic_keys.h"
#include "sensor/extract/quic/quic_packet.h"
#include "sensor/extract/records.h"
#include "sensor/extract/tls/tls_parser.h"

namespace bw::extract::quic {

enum class QuicStatus : std::uint8_t {
  kComplete,
  kNeedMore,
  kNotQuicInitial,
  kUndecryptable,
  kMalformed
};

// The TLS parser's counters follow QUIC's own, under the TLS names: they count the ClientHellos
// found in Initials, so one list reports both layers. The quic_version_* counters count client
// Initials (for Google QUIC up to Q046, client packets naming their version) by version.
#define BW_QUIC_COUNTERS(X)                                                                      \
  X(datagrams)                 /* datagrams fed to an assembler still collecting */              \
  X(initial_packets)           /* client Initial packets whose header parsed */                  \
  X(initials_decrypted)        /* Initials that authenticated */                                 \
  X(initial_decrypt_failed)    /* Initials that failed header removal or authentication */       \
  X(header_malformed)          /* long header inconsistent with the datagram */                  \
  X(unknown_version)           /* long header of a version without known Initial keys */         \
  X(unknown_version_opened)    /* Initial of such a version that authenticated under v1 keys */  \
  X(google_cleartext_packets)  /* gQUIC Q024-Q046 client packets read (no encryption) */         \
  X(coalesced_packets_skipped) /* 0-RTT or Handshake packets sharing an Initial's datagram */    \
  X(keys_rederived)            /* keys derived anew from a changed DCID (after a Retry) */       \
  X(version_changed)           /* Initial of another version restarted the assembly */           \
  X(frame_malformed)           /* frame cut short; the rest of its packet is skipped */          \
  X(unexpected_frame)          /* frame type not allowed in Initials; rest skipped */            \
  X(crypto_frames)             /* CRYPTO frames (gQUIC: stream 1 STREAM frames) stored */        \
  X(crypto_beyond_buffer)      /* CRYPTO data past the reassembly buffer: flow given up */       \
  X(crypto_not_client_hello)   /* CRYPTO stream not starting with a ClientHello or CHLO */       \
  X(chlo_parsed)               /* gQUIC CHLOs parsed */                                          \
  X(chlo_malformed)            /* gQUIC CHLO whose tag count or end offsets are inconsistent */  \
  X(quic_version_v1)           /* 0x00000001 */                                                  \
  X(quic_version_v2)           /* 0x6b3343cf (RFC 9369) */                                       \
  X(quic_version_draft)        /* 0xff0000xx, IETF drafts */                                     \
  X(quic_version_mvfst)        /* 0xfaceb0xx, Facebook's mvfst */                                \
  X(quic_version_q024_q042)    /* Google QUIC older than Q043 (public header, cleartext CHLO) */ \
  X(quic_version_q043)         /* Google QUIC Q043 (public header, cleartext CHLO) */            \
  X(quic_version_q044)         /* Google QUIC Q044 (long header, cleartext CHLO) */              \
  X(quic_version_q045)         /* Google QUIC Q045 (long header, cleartext CHLO) */              \
  X(quic_version_q046)         /* Google QUIC Q046 (long header, cleartext CHLO) */              \
  X(quic_version_q050)         /* Google QUIC Q050 (protected Initial, CHLO) */                  \
  X(quic_version_t050)         /* Google QUIC T050 (protected Initial, TLS) */                   \
  X(quic_version_t051)         /* Google QUIC T051 (protected Initial, TLS) */                   \
  X(quic_version_unknown)      /* any other, greased 0x?a?a?a?a included */                      \
  BW_TLS_COUNTERS(X)

struct QuicCounters {
  BW_DECLARE_COUNTERS(BW_QUIC_COUNTERS)
};

// What the first client datagram of a UDP flow says about it.
enum class QuicInitialKind : std::uint8_t {
  kNone,
  kKnownVersion,     // Initial of a version with known keys: v1, v2, drafts, mvfst, Q050, T05x
  kGoogleCleartext,  // gQUIC Q024-Q046 client packet naming its version (cleartext CHLO)
  // Initial of a version the table does not know (greased, a vendor's alias), laid out like
  // v1's and padded to the 1200 bytes RFC 9000 section 14.1 requires: read with v1's keys when
  // it authenticates, so the sensor cannot tell from this datagram alone that it will parse it.
  kUnknownVersion,
};

QuicInitialKind classify_quic_initial(ByteSpan udp_payload);

// An Initial of any kind above: the flow is worth a QUIC assembler.
bool looks_like_quic_initial(ByteSpan udp_payload);

// One per QUIC flow, client direction. Fixed size, no heap; decryption runs in a per-thread
// scratch buffer so the assembler only keeps keys, connection IDs and the CRYPTO stream.
class QuicInitialAssembler {
 public:
  void reset();

  // Feed each client->server UDP payload in arrival order. Coalesced packets are walked; CRYPTO
  // data is reassembled by offset. Returns kComplete once the ClientHello has been parsed into
  // `out` (and on every later call, without work), kNeedMore while it is incomplete. Before a
  // first Initial has authenticated, a datagram yields kNotQuicInitial, kUndecryptable or
  // kMalformed; a flow given up (CRYPTO data beyond the buffer, bad ClientHello) kMalformed.
  QuicStatus on_client_datagram(ByteSpan udp_payload, extract::QuicInitial& out,
                                QuicCounters& counters);

 private:
  enum class State : std::uint8_t { kIdle, kAssembling, kComplete, kFailed };
  // Where the client hello comes from: protected Initials (IETF QUIC and the versions that copy
  // its protection) or Google QUIC's cleartext packets.
  enum class Mode : std::uint8_t { kInitials, kGoogleCleartext };

  struct ConnectionId {
    std::array<std::uint8_t, 20> bytes{};
    std::uint8_t size = 0;
    void assign(ByteSpan id);
    ByteSpan view() const { return ByteSpan(bytes.data(), size); }
  };

  // What the packets of one datagram amounted to.
  struct DatagramOutcome {
    bool decrypted = false;
    bool undecryptable = false;
    bool malformed = false;
  };

  HeaderResult read_header(ByteSpan bytes, LongHeader& header, const QuicVersion*& version,
                           QuicCounters& counters) const;
  void handle_initial(ByteSpan packet, const LongHeader& header, const QuicVersion& version,
                      DatagramOutcome& outcome, QuicCounters& counters);
  void handle_google_cleartext(ByteSpan datagram, const GoogleCleartextHeader& header,
                               QuicCounters& counters);
  bool open_first_initial(ByteSpan packet, const LongHeader& header, const QuicVersion& version,
                          OpenedPacket& opened, QuicCounters& counters);
  bool open_next_initial(ByteSpan packet, const LongHeader& header, const QuicVersion& version,
                         OpenedPacket& opened, QuicCounters& counters);
  void walk_frames(ByteSpan payload, QuicCounters& counters);
  void walk_google_frames(ByteSpan payload, unsigned version_number, QuicCounters& counters);
  bool store_crypto(std::uint64_t offset, ByteSpan data, QuicCounters& counters);
  void try_complete(extract::QuicInitial& out, QuicCounters& counters);
  void try_complete_tls(extract::QuicInitial& out, QuicCounters& counters);
  void try_complete_chlo(extract::QuicInitial& out, QuicCounters& counters);
  void finish(extract::QuicInitial& out);
  QuicStatus status_after(const DatagramOutcome& outcome) const;

  State state_ = State::kIdle;
  Mode mode_ = Mode::kInitials;
  std::uint32_t version_ = 0;  // as the packets name it
  // Keys, layout, frames and handshake of the Initials (v1's for an unknown version).
  const QuicVersion* version_info_ = nullptr;
  std::int64_t largest_packet_number_ = -1;
  ConnectionId first_dcid_;  // reported, and the key source unless a Retry changed it
  ConnectionId key_dcid_;
  ConnectionId scid_;
  InitialKeys keys_;
  CryptoStream crypto_;
};

}  // namespace bw::extract::quic
