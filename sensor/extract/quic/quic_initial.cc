#include "sensor/extract/quic/quic_initial.h"

#include <algorithm>
#include <array>
#include <span>

namespace bw::extract::quic {
namespace {

constexpr std::size_t kHandshakeHeaderSize = 4;
constexpr std::uint8_t kHandshakeClientHello = 1;

namespace frame {
constexpr std::uint64_t kPadding = 0x00;
constexpr std::uint64_t kPing = 0x01;
constexpr std::uint64_t kAck = 0x02;
constexpr std::uint64_t kAckEcn = 0x03;
constexpr std::uint64_t kCrypto = 0x06;
constexpr std::uint64_t kConnectionCloseTransport = 0x1c;
constexpr std::uint64_t kConnectionCloseApplication = 0x1d;
}  // namespace frame

// Decryption output lives here rather than in the assembler: one buffer per worker thread
// instead of one per flow. A UDP payload never exceeds it.
std::span<std::uint8_t> decrypt_scratch() {
  thread_local std::array<std::uint8_t, 65536> scratch;
  return scratch;
}

bool skip_varints(ByteReader& reader, std::size_t count) {
  std::uint64_t ignored = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!read_varint(reader, ignored)) return false;
  }
  return true;
}

// ACK: largest, delay, range count, first range, then (gap, length) per range, then 3 ECN counts.
bool skip_ack(ByteReader& reader, bool with_ecn) {
  std::uint64_t range_count = 0;
  if (!skip_varints(reader, 2) || !read_varint(reader, range_count) || !skip_varints(reader, 1)) {
    return false;
  }
  // Each range takes at least two bytes, which bounds the loop by the packet, not the claim.
  if (range_count > reader.remaining() / 2) return false;
  if (!skip_varints(reader, static_cast<std::size_t>(range_count) * 2)) return false;
  return !with_ecn || skip_varints(reader, 3);
}

bool skip_connection_close(ByteReader& reader, bool transport) {
  std::uint64_t reason_length = 0;
  if (!skip_varints(reader, transport ? 2 : 1) || !read_varint(reader, reason_length)) {
    return false;
  }
  return reason_length <= reader.remaining() &&
         reader.skip(static_cast<std::size_t>(reason_length));
}

bool read_crypto_frame(ByteReader& reader, std::uint64_t& offset, ByteSpan& data) {
  std::uint64_t length = 0;
  if (!read_varint(reader, offset) || !read_varint(reader, length)) return false;
  return length <= reader.remaining() && reader.bytes(static_cast<std::size_t>(length), data);
}

void assign_hex(ByteSpan bytes, FixedString<40>& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.clear();
  for (const std::uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
}

void add_tls_counters(const tls::TlsCounters& tls, QuicCounters& counters) {
#define BW_QUIC_ADD_TLS_COUNTER(name) counters.name += tls.name;
  BW_TLS_COUNTERS(BW_QUIC_ADD_TLS_COUNTER)
#undef BW_QUIC_ADD_TLS_COUNTER
}

bool same_id(ByteSpan a, ByteSpan b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace

bool looks_like_quic_initial(ByteSpan udp_payload) {
  LongHeader header;
  if (parse_long_header(udp_payload, header) != HeaderResult::kOk) return false;
  return header.packet_type == find_quic_version(header.version)->initial_type;
}

void QuicInitialAssembler::ConnectionId::assign(ByteSpan id) {
  size = static_cast<std::uint8_t>(std::min(id.size(), bytes.size()));
  std::copy_n(id.begin(), size, bytes.begin());
}

void QuicInitialAssembler::reset() {
  state_ = State::kIdle;
  version_ = 0;
  largest_packet_number_ = -1;
  first_dcid_ = ConnectionId{};
  key_dcid_ = ConnectionId{};
  scid_ = ConnectionId{};
  keys_ = InitialKeys{};
  crypto_.reset();
}

QuicStatus QuicInitialAssembler::on_client_datagram(ByteSpan udp_payload, extract::QuicInitial& out,
                                                    QuicCounters& counters) {
  if (state_ == State::kComplete) return QuicStatus::kComplete;
  if (state_ == State::kFailed) return QuicStatus::kMalformed;
  ++counters.datagrams;
  DatagramOutcome outcome;
  ByteSpan rest = udp_payload;
  while (!rest.empty() && state_ != State::kFailed) {
    LongHeader header;
    const HeaderResult parsed = parse_long_header(rest, header);
    if (parsed == HeaderResult::kUnknownVersion) ++counters.unknown_version;
    if (parsed == HeaderResult::kMalformed) {
      ++counters.header_malformed;
      outcome.malformed = true;
    }
    // Short headers, Retry and padding end what can be walked in this datagram.
    if (parsed != HeaderResult::kOk) break;
    const QuicVersion& version = *find_quic_version(header.version);
    const ByteSpan packet = rest.first(header.packet_size);
    rest = rest.subspan(header.packet_size);
    if (header.packet_type != version.initial_type) {
      ++counters.coalesced_packets_skipped;
      continue;
    }
    handle_initial(packet, header, version, outcome, counters);
  }
  if (outcome.decrypted && state_ == State::kAssembling) try_complete(out, counters);
  return status_after(outcome);
}

void QuicInitialAssembler::handle_initial(ByteSpan packet, const LongHeader& header,
                                          const QuicVersion& version, DatagramOutcome& outcome,
                                          QuicCounters& counters) {
  ++counters.initial_packets;
  OpenedPacket opened;
  const bool fresh_start = state_ == State::kIdle || header.version != version_;
  const bool ok = fresh_start ? open_first_initial(packet, header, version, opened, counters)
                              : open_next_initial(packet, header, version, opened, counters);
  if (!ok) {
    ++counters.initial_decrypt_failed;
    outcome.undecryptable = true;
    return;
  }
  ++counters.initials_decrypted;
  outcome.decrypted = true;
  largest_packet_number_ =
      std::max(largest_packet_number_, static_cast<std::int64_t>(opened.packet_number));
  walk_frames(opened.payload, counters);
}

bool QuicInitialAssembler::open_first_initial(ByteSpan packet, const LongHeader& header,
                                              const QuicVersion& version, OpenedPacket& opened,
                                              QuicCounters& counters) {
  InitialKeys keys;
  if (!derive_client_initial_keys(version, header.dcid, keys) ||
      !open_packet(packet, header, keys, -1, decrypt_scratch(), opened)) {
    return false;
  }
  // Only an Initial that authenticates may (re)start the flow: anything else could be noise.
  if (state_ != State::kIdle) ++counters.version_changed;
  state_ = State::kAssembling;
  version_ = header.version;
  largest_packet_number_ = -1;
  first_dcid_.assign(header.dcid);
  key_dcid_.assign(header.dcid);
  scid_.assign(header.scid);
  keys_ = keys;
  crypto_.reset();
  return true;
}

bool QuicInitialAssembler::open_next_initial(ByteSpan packet, const LongHeader& header,
                                             const QuicVersion& version, OpenedPacket& opened,
                                             QuicCounters& counters) {
  if (open_packet(packet, header, keys_, largest_packet_number_, decrypt_scratch(), opened)) {
    return true;
  }
  // After a Retry the client derives new Initial keys from the DCID the server chose.
  if (same_id(header.dcid, key_dcid_.view())) return false;
  InitialKeys keys;
  if (!derive_client_initial_keys(version, header.dcid, keys) ||
      !open_packet(packet, header, keys, largest_packet_number_, decrypt_scratch(), opened)) {
    return false;
  }
  ++counters.keys_rederived;
  keys_ = keys;
  key_dcid_.assign(header.dcid);
  return true;
}

void QuicInitialAssembler::walk_frames(ByteSpan payload, QuicCounters& counters) {
  ByteReader reader(payload);
  while (!reader.empty()) {
    // Initials are padded to 1200 bytes with one-byte PADDING frames: skip a run in one step.
    const ByteSpan rest = reader.rest();
    if (rest[0] == frame::kPadding) {
      const auto run =
          std::find_if(rest.begin(), rest.end(), [](std::uint8_t b) { return b != 0; });
      reader.skip(static_cast<std::size_t>(run - rest.begin()));
      continue;
    }
    std::uint64_t type = 0;
    bool ok = read_varint(reader, type);
    if (ok && type == frame::kCrypto) {
      std::uint64_t offset = 0;
      ByteSpan data;
      ok = read_crypto_frame(reader, offset, data);
      if (ok && !crypto_.insert(offset, data)) {
        ++counters.crypto_beyond_buffer;
        state_ = State::kFailed;
        return;
      }
      if (ok) ++counters.crypto_frames;
    } else if (ok && (type == frame::kAck || type == frame::kAckEcn)) {
      ok = skip_ack(reader, type == frame::kAckEcn);
    } else if (ok && (type == frame::kConnectionCloseTransport ||
                      type == frame::kConnectionCloseApplication)) {
      ok = skip_connection_close(reader, type == frame::kConnectionCloseTransport);
    } else if (ok && type != frame::kPadding && type != frame::kPing) {
      ++counters.unexpected_frame;
      return;
    }
    if (!ok) {
      ++counters.frame_malformed;
      return;
    }
  }
}

void QuicInitialAssembler::try_complete(extract::QuicInitial& out, QuicCounters& counters) {
  const ByteSpan stream = crypto_.prefix();
  if (stream.size() < kHandshakeHeaderSize) return;
  if (stream[0] != kHandshakeClientHello) {
    ++counters.crypto_not_client_hello;
    state_ = State::kFailed;
    return;
  }
  const std::size_t message_size = kHandshakeHeaderSize + load_be24(stream.data() + 1);
  if (message_size > CryptoStream::kCapacity) {
    ++counters.handshake_too_large;
    state_ = State::kFailed;
    return;
  }
  if (stream.size() < message_size) return;
  tls::TlsCounters tls_counters;
  const tls::TlsStatus parsed = tls::parse_client_hello_message(stream.first(message_size), true,
                                                                out.client_hello, tls_counters);
  add_tls_counters(tls_counters, counters);
  if (parsed != tls::TlsStatus::kComplete) {
    state_ = State::kFailed;
    return;
  }
  out.version = version_;
  assign_hex(first_dcid_.view(), out.dcid_hex);
  assign_hex(scid_.view(), out.scid_hex);
  state_ = State::kComplete;
}

QuicStatus QuicInitialAssembler::status_after(const DatagramOutcome& outcome) const {
  if (state_ == State::kComplete) return QuicStatus::kComplete;
  if (state_ == State::kFailed) return QuicStatus::kMalformed;
  // Once assembling, stray packets (0-RTT, a corrupted retransmission) do not end the flow.
  if (outcome.decrypted || state_ == State::kAssembling) return QuicStatus::kNeedMore;
  if (outcome.undecryptable) return QuicStatus::kUndecryptable;
  if (outcome.malformed) return QuicStatus::kMalformed;
  return QuicStatus::kNotQuicInitial;
}

}  // namespace bw::extract::quic
