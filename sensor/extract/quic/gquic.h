// Google QUIC, the pre-IETF protocol Chrome spoke before RFC 9000, as far as a passive sensor
// needs it: the client's first packets and the CHLO (client hello) they carry.
//
// Up to Q046 nothing is encrypted before the handshake: the packet has a public header (Q043 and
// older) or a long header with 4-bit connection ID lengths (Q044-Q046), then a 12-byte message
// authentication hash, then frames; the CHLO travels in STREAM frames of stream 1. From Q050 the
// Initials are protected like IETF QUIC (quic_keys.h) and the CHLO travels in CRYPTO frames.
//
// The CHLO is a tag/value map (little-endian): "CHLO", tag count (u16), padding (u16), then per
// tag the tag (4 bytes) and the end offset of its value (u32), then the values back to back.
// Field layouts follow Chromium's quic_framer and crypto_framer, as Wireshark's gQUIC dissector
// documents them.
#pragma once

#include <cstdint>

#include "sensor/common/bytes.h"

namespace bw::extract::quic {

inline constexpr std::size_t kGoogleMessageHashSize = 12;

// The two digits of a Google version tag 'Q0nn' (or 'T0nn'), e.g. 43 for "Q043"; false when
// `version` is no such tag.
bool google_version_number(std::uint32_t version, unsigned& number);

// True for 'Q0nn' and 'T0nn' tags: versions never to be read with IETF QUIC's header layout.
bool is_google_version(std::uint32_t version);

// Oldest and newest versions whose first packets carry the CHLO in the clear.
inline constexpr unsigned kOldestGoogleCleartext = 24;
inline constexpr unsigned kNewestGoogleCleartext = 46;

struct GoogleCleartextHeader {
  std::uint32_t version = 0;
  unsigned version_number = 0;  // 43 for Q043
  ByteSpan connection_id;       // the client's 8-byte connection ID
  std::size_t frames_offset = 0;
};

// The header of a client packet of Q024-Q046 that names its version (every packet a client sends
// before the server answers): the public header up to Q043, the long header from Q044. False when
// the datagram is not such a packet or is cut short before its frames.
bool parse_google_cleartext_header(ByteSpan datagram, GoogleCleartextHeader& out);

struct GoogleFrame {
  enum class Kind : std::uint8_t { kPadding, kPing, kAck, kStream, kCrypto };
  Kind kind = Kind::kPadding;
  std::uint64_t stream_id = 0;
  std::uint64_t offset = 0;
  ByteSpan data;
};

enum class GoogleFrameResult : std::uint8_t {
  kOk,
  kMalformed,    // cut short or inconsistent
  kUnsupported,  // a frame type not expected before the handshake: the rest cannot be walked
};

// Reads one frame of the gQUIC encoding of `version_number` (field byte order and ACK layout
// changed at Q039; CRYPTO frames exist from Q048). PADDING consumes the rest of the packet.
GoogleFrameResult read_google_frame(ByteReader& reader, unsigned version_number, GoogleFrame& out);

// The values of a CHLO the sensor reports or may report. Views into the message.
struct GoogleClientHello {
  std::uint16_t tag_count = 0;
  ByteSpan server_name;      // SNI
  ByteSpan user_agent;       // UAID
  ByteSpan version;          // VER: the version the client proposes
  ByteSpan aead_algorithms;  // AEAD: tag list
  ByteSpan key_exchanges;    // KEXS: tag list
};

enum class ChloStatus : std::uint8_t {
  kComplete,
  kNeedMore,   // the message continues past `stream`
  kNotChlo,    // the stream does not start with "CHLO"
  kMalformed,  // tag count or end offsets inconsistent, or longer than `max_size`
};

// Parses the CHLO at the start of `stream` (the stream's bytes from offset 0, possibly more than
// the message). `max_size` bounds the whole message: past it, kMalformed rather than kNeedMore.
ChloStatus parse_google_client_hello(ByteSpan stream, std::size_t max_size, GoogleClientHello& out);

}  // namespace bw::extract::quic
