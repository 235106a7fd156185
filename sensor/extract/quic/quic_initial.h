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
// found in Initials, so one list reports both layers.
#define BW_QUIC_COUNTERS(X)                                                                   \
  X(datagrams)                 /* datagrams fed to an assembler still collecting */           \
  X(initial_packets)           /* client Initial packets whose header parsed */               \
  X(initials_decrypted)        /* Initials that authenticated */                              \
  X(initial_decrypt_failed)    /* Initials that failed header removal or authentication */    \
  X(header_malformed)          /* long header inconsistent with the datagram */               \
  X(unknown_version)           /* long header of a version without known Initial keys */      \
  X(coalesced_packets_skipped) /* 0-RTT or Handshake packets sharing an Initial's datagram */ \
  X(keys_rederived)            /* keys derived anew from a changed DCID (after a Retry) */    \
  X(version_changed)           /* Initial of another version restarted the assembly */        \
  X(frame_malformed)           /* frame cut short; the rest of its packet is skipped */       \
  X(unexpected_frame)          /* frame type not allowed in Initials; rest skipped */         \
  X(crypto_frames)             /* CRYPTO frames stored */                                     \
  X(crypto_beyond_buffer)      /* CRYPTO data past the reassembly buffer: flow given up */    \
  X(crypto_not_client_hello)   /* CRYPTO stream not starting with a ClientHello */            \
  BW_TLS_COUNTERS(X)

struct QuicCounters {
  BW_DECLARE_COUNTERS(BW_QUIC_COUNTERS)
};

// Long header of a known version whose type bits mark an Initial, with a consistent header.
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

  void handle_initial(ByteSpan packet, const LongHeader& header, const QuicVersion& version,
                      DatagramOutcome& outcome, QuicCounters& counters);
  bool open_first_initial(ByteSpan packet, const LongHeader& header, const QuicVersion& version,
                          OpenedPacket& opened, QuicCounters& counters);
  bool open_next_initial(ByteSpan packet, const LongHeader& header, const QuicVersion& version,
                         OpenedPacket& opened, QuicCounters& counters);
  void walk_frames(ByteSpan payload, QuicCounters& counters);
  void try_complete(extract::QuicInitial& out, QuicCounters& counters);
  QuicStatus status_after(const DatagramOutcome& outcome) const;

  State state_ = State::kIdle;
  std::uint32_t version_ = 0;
  std::int64_t largest_packet_number_ = -1;
  ConnectionId first_dcid_;  // reported, and the key source unless a Retry changed it
  ConnectionId key_dcid_;
  ConnectionId scid_;
  InitialKeys keys_;
  CryptoStream crypto_;
};

}  // namespace bw::extract::quic
