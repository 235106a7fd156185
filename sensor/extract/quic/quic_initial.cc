#include "sensor/extract/quic/quic_initial.h"

#include <algorithm>
#include <array>
#include <span>
#include <string_view>

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

std::string_view as_chars(ByteSpan bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// RFC 9000 section 14.1: a client pads every datagram carrying an Initial to 1200 bytes.
constexpr std::size_t kMinInitialDatagram = 1200;

// gQUIC's crypto handshake runs on stream 1 up to Q046.
constexpr std::uint64_t kGoogleCryptoStream = 1;

void count_version(std::uint32_t version, QuicCounters& counters) {
  constexpr std::uint32_t kDraftPrefix = 0xff000000;
  constexpr std::uint32_t kMvfstPrefix = 0xfaceb000;
  unsigned google = 0;
  if (version == kQuicV1) {
    ++counters.quic_version_v1;
  } else if (version == kQuicV2) {
    ++counters.quic_version_v2;
  } else if ((version & 0xffffff00) == kDraftPrefix) {
    ++counters.quic_version_draft;
  } else if ((version & 0xffffff00) == kMvfstPrefix) {
    ++counters.quic_version_mvfst;
  } else if (version == kQuicQ050) {
    ++counters.quic_version_q050;
  } else if (version == kQuicT050) {
    ++counters.quic_version_t050;
  } else if (version == kQuicT051) {
    ++counters.quic_version_t051;
  } else if ((version >> 24) == 'Q' && google_version_number(version, google) &&
             google >= kOldestGoogleCleartext && google <= kNewestGoogleCleartext) {
    switch (google) {
      case 43:
        ++counters.quic_version_q043;
        break;
      case 44:
        ++counters.quic_version_q044;
        break;
      case 45:
        ++counters.quic_version_q045;
        break;
      case 46:
        ++counters.quic_version_q046;
        break;
      default:
        ++counters.quic_version_q024_q042;
        break;
    }
  } else {
    ++counters.quic_version_unknown;
  }
}

}  // namespace

QuicInitialKind classify_quic_initial(ByteSpan udp_payload) {
  GoogleCleartextHeader google;
  if (parse_google_cleartext_header(udp_payload, google)) return QuicInitialKind::kGoogleCleartext;
  LongHeader header;
  const HeaderResult parsed = parse_long_header(udp_payload, header);
  if (parsed == HeaderResult::kOk) {
    return header.packet_type == find_quic_version(header.version)->initial_type
               ? QuicInitialKind::kKnownVersion
               : QuicInitialKind::kNone;
  }
  if (parsed != HeaderResult::kUnknownVersion || header.version == 0 ||
      is_google_version(header.version) || udp_payload.size() < kMinInitialDatagram) {
    return QuicInitialKind::kNone;
  }
  const QuicVersion& v1 = quic_version_1();
  return parse_long_header_as(udp_payload, v1, header) == HeaderResult::kOk &&
                 header.packet_type == v1.initial_type
             ? QuicInitialKind::kUnknownVersion
             : QuicInitialKind::kNone;
}

bool looks_like_quic_initial(ByteSpan udp_payload) {
  return classify_quic_initial(udp_payload) != QuicInitialKind::kNone;
}

void QuicInitialAssembler::ConnectionId::assign(ByteSpan id) {
  size = static_cast<std::uint8_t>(std::min(id.size(), bytes.size()));
  std::copy_n(id.begin(), size, bytes.begin());
}

void QuicInitialAssembler::reset() {
  state_ = State::kIdle;
  mode_ = Mode::kInitials;
  version_ = 0;
  version_info_ = nullptr;
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
  if (state_ == State::kIdle || mode_ == Mode::kGoogleCleartext) {
    GoogleCleartextHeader google;
    if (parse_google_cleartext_header(udp_payload, google)) {
      handle_google_cleartext(udp_payload, google, counters);
      outcome.decrypted = true;
    }
    // Later gQUIC packets drop the version and are encrypted: nothing more to read in them.
    if (mode_ == Mode::kGoogleCleartext) {
      if (outcome.decrypted && state_ == State::kAssembling) try_complete(out, counters);
      return status_after(outcome);
    }
  }
  ByteSpan rest = udp_payload;
  while (!rest.empty() && state_ != State::kFailed) {
    LongHeader header;
    const QuicVersion* version = nullptr;
    const HeaderResult parsed = read_header(rest, header, version, counters);
    if (parsed == HeaderResult::kMalformed) {
      ++counters.header_malformed;
      outcome.malformed = true;
    }
    // Short headers, Retry and padding end what can be walked in this datagram.
    if (parsed != HeaderResult::kOk) break;
    const ByteSpan packet = rest.first(header.packet_size);
    rest = rest.subspan(header.packet_size);
    if (header.packet_type != version->initial_type) {
      ++counters.coalesced_packets_skipped;
      continue;
    }
    handle_initial(packet, header, *version, outcome, counters);
  }
  if (outcome.decrypted && state_ == State::kAssembling) try_complete(out, counters);
  return status_after(outcome);
}

HeaderResult QuicInitialAssembler::read_header(ByteSpan bytes, LongHeader& header,
                                               const QuicVersion*& version,
                                               QuicCounters& counters) const {
  HeaderResult parsed = parse_long_header(bytes, header);
  if (parsed == HeaderResult::kOk) {
    version = find_quic_version(header.version);
    return parsed;
  }
  if (parsed != HeaderResult::kUnknownVersion) return parsed;
  ++counters.unknown_version;
  // Version negotiation has no Initial; Google's tags have layouts of their own.
  if (header.version == 0 || is_google_version(header.version)) return parsed;
  // Only the packets of the version this flow authenticated as v1 are walked with v1's layout
  // after the first; before that, any unknown version gets one try.
  if (state_ != State::kIdle && header.version != version_) return parsed;
  if (parse_long_header_as(bytes, quic_version_1(), header) != HeaderResult::kOk) {
    return HeaderResult::kUnknownVersion;
  }
  version = &quic_version_1();
  return HeaderResult::kOk;
}

void QuicInitialAssembler::handle_initial(ByteSpan packet, const LongHeader& header,
                                          const QuicVersion& version, DatagramOutcome& outcome,
                                          QuicCounters& counters) {
  ++counters.initial_packets;
  count_version(header.version, counters);
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

void QuicInitialAssembler::handle_google_cleartext(ByteSpan datagram,
                                                   const GoogleCleartextHeader& header,
                                                   QuicCounters& counters) {
  ++counters.google_cleartext_packets;
  count_version(header.version, counters);
  if (state_ == State::kIdle || header.version != version_) {
    if (state_ != State::kIdle) ++counters.version_changed;
    state_ = State::kAssembling;
    mode_ = Mode::kGoogleCleartext;
    version_ = header.version;
    version_info_ = nullptr;
    first_dcid_.assign(header.connection_id);
    key_dcid_ = ConnectionId{};
    scid_ = ConnectionId{};
    crypto_.reset();
  }
  walk_google_frames(datagram.subspan(header.frames_offset), header.version_number, counters);
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
  if (header.version != version.number) ++counters.unknown_version_opened;
  state_ = State::kAssembling;
  mode_ = Mode::kInitials;
  version_ = header.version;
  version_info_ = &version;
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

bool QuicInitialAssembler::store_crypto(std::uint64_t offset, ByteSpan data,
                                        QuicCounters& counters) {
  if (!crypto_.insert(offset, data)) {
    ++counters.crypto_beyond_buffer;
    state_ = State::kFailed;
    return false;
  }
  ++counters.crypto_frames;
  return true;
}

void QuicInitialAssembler::walk_frames(ByteSpan payload, QuicCounters& counters) {
  if (version_info_->frames == FrameEncoding::kGoogle) {
    unsigned version_number = 0;
    google_version_number(version_, version_number);
    walk_google_frames(payload, version_number, counters);
    return;
  }
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
      if (ok && !store_crypto(offset, data, counters)) return;
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

void QuicInitialAssembler::walk_google_frames(ByteSpan payload, unsigned version_number,
                                              QuicCounters& counters) {
  ByteReader reader(payload);
  while (!reader.empty()) {
    GoogleFrame frame;
    const GoogleFrameResult result = read_google_frame(reader, version_number, frame);
    if (result == GoogleFrameResult::kUnsupported) {
      ++counters.unexpected_frame;
      return;
    }
    if (result == GoogleFrameResult::kMalformed) {
      ++counters.frame_malformed;
      return;
    }
    // The handshake: CRYPTO frames from Q048, stream 1 before. Other streams' data (early
    // requests) is encrypted and of no use here.
    const bool handshake_data =
        frame.kind == GoogleFrame::Kind::kCrypto ||
        (frame.kind == GoogleFrame::Kind::kStream && frame.stream_id == kGoogleCryptoStream);
    if (handshake_data && !store_crypto(frame.offset, frame.data, counters)) return;
  }
}

void QuicInitialAssembler::try_complete(extract::QuicInitial& out, QuicCounters& counters) {
  const bool chlo =
      mode_ == Mode::kGoogleCleartext || version_info_->handshake == HandshakeKind::kGoogleChlo;
  if (chlo) {
    try_complete_chlo(out, counters);
  } else {
    try_complete_tls(out, counters);
  }
}

void QuicInitialAssembler::try_complete_tls(extract::QuicInitial& out, QuicCounters& counters) {
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
  finish(out);
}

void QuicInitialAssembler::try_complete_chlo(extract::QuicInitial& out, QuicCounters& counters) {
  GoogleClientHello hello;
  switch (parse_google_client_hello(crypto_.prefix(), CryptoStream::kCapacity, hello)) {
    case ChloStatus::kNeedMore:
      return;
    case ChloStatus::kNotChlo:
      ++counters.crypto_not_client_hello;
      state_ = State::kFailed;
      return;
    case ChloStatus::kMalformed:
      ++counters.chlo_malformed;
      state_ = State::kFailed;
      return;
    case ChloStatus::kComplete:
      break;
  }
  ++counters.chlo_parsed;
  // Only the server name has a place in the record. JA3 and JA4 stay empty: both fingerprint a
  // TLS ClientHello's cipher suites and extensions, which a CHLO does not have, and a
  // fingerprint made up from CHLO tags would match nothing anyone else computes.
  out.client_hello = TlsClientHello{};
  out.client_hello.sni.assign(as_chars(hello.server_name));
  finish(out);
}

void QuicInitialAssembler::finish(extract::QuicInitial& out) {
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
