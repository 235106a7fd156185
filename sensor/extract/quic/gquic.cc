#include "sensor/extract/quic/gquic.h"

#include <array>

#include "sensor/extract/quic/quic_packet.h"

namespace bw::extract::quic {
namespace {

// Public header flags (Q043 and older).
constexpr std::uint8_t kPublicFlagVersion = 0x01;
constexpr std::uint8_t kPublicFlagReset = 0x02;
constexpr std::uint8_t kPublicFlagConnectionId = 0x08;  // 8-byte connection ID present
constexpr std::uint8_t kPublicFlagPacketNumberBits = 0x30;
constexpr std::uint8_t kPublicFlagsUnused = 0xc0;  // multipath and reserved: always 0
constexpr std::size_t kPublicConnectionIdSize = 8;

// Long header (Q044-Q046).
constexpr std::uint8_t kLongHeaderBit = 0x80;
constexpr std::uint8_t kFixedBit = 0x40;
constexpr std::uint8_t kLongTypeBits = 0x30;            // 0: Initial
constexpr std::uint8_t kLegacyInitialFirstByte = 0xff;  // Q044/Q045's older type 0x7f

// Versions where the layout changed.
constexpr unsigned kFirstBigEndian = 39;  // stream fields and packet numbers turned big-endian
constexpr unsigned kFirstWithoutPrivateFlags = 34;
constexpr unsigned kFirstLongHeader = 44;
constexpr unsigned kFirstWithFixedBit = 46;
constexpr unsigned kFirstWithCryptoFrames = 48;

// Frame types.
constexpr std::uint8_t kFramePadding = 0x00;
constexpr std::uint8_t kFramePing = 0x07;
constexpr std::uint8_t kFrameCrypto = 0x08;
constexpr std::uint8_t kFrameStreamBit = 0x80;
constexpr std::uint8_t kFrameAckMask = 0xc0;
constexpr std::uint8_t kFrameAck = 0x40;

constexpr std::size_t kChloIndexStart = 8;  // tag, tag count, padding
constexpr std::size_t kChloIndexEntrySize = 8;

constexpr std::uint32_t make_tag(const char (&text)[5]) {
  return static_cast<std::uint32_t>(static_cast<std::uint8_t>(text[0])) |
         static_cast<std::uint32_t>(static_cast<std::uint8_t>(text[1])) << 8 |
         static_cast<std::uint32_t>(static_cast<std::uint8_t>(text[2])) << 16 |
         static_cast<std::uint32_t>(static_cast<std::uint8_t>(text[3])) << 24;
}

constexpr std::uint32_t kTagServerName = make_tag("SNI\0");
constexpr std::uint32_t kTagUserAgent = make_tag("UAID");
constexpr std::uint32_t kTagVersion = make_tag("VER\0");
constexpr std::uint32_t kTagAead = make_tag("AEAD");
constexpr std::uint32_t kTagKeyExchange = make_tag("KEXS");

// 1, 2, 4 or 6 bytes, as the two-bit length codes of headers and ACK frames say.
constexpr std::array<std::size_t, 4> kLengthCodes = {1, 2, 4, 6};

bool read_uint(ByteReader& reader, std::size_t width, bool big_endian, std::uint64_t& value) {
  ByteSpan bytes;
  if (!reader.bytes(width, bytes)) return false;
  value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const std::uint8_t byte = big_endian ? bytes[i] : bytes[width - 1 - i];
    value = (value << 8) | byte;
  }
  return true;
}

bool parse_google_long_header(ByteReader& reader, std::uint8_t first_byte,
                              GoogleCleartextHeader& out) {
  const bool initial_type =
      (first_byte & kLongTypeBits) == 0 &&
      (out.version_number < kFirstWithFixedBit || (first_byte & kFixedBit) != 0);
  const bool legacy_initial =
      out.version_number < kFirstWithFixedBit && first_byte == kLegacyInitialFirstByte;
  if (!initial_type && !legacy_initial) return false;
  // One byte of two 4-bit lengths, each 0 or 3 less than the connection ID's length.
  std::uint8_t lengths = 0;
  if (!reader.u8(lengths)) return false;
  const auto decode = [](unsigned nibble) -> std::size_t { return nibble == 0 ? 0 : nibble + 3; };
  ByteSpan scid;
  return reader.bytes(decode(lengths >> 4), out.connection_id) &&
         reader.bytes(decode(lengths & 0x0f), scid) &&
         reader.skip(static_cast<std::size_t>(first_byte & 0x03) + 1);
}

bool parse_google_public_header(ByteReader& reader, std::uint8_t flags,
                                GoogleCleartextHeader& out) {
  if ((flags & kPublicFlagVersion) == 0 || (flags & kPublicFlagReset) != 0 ||
      (flags & kPublicFlagsUnused) != 0 || (flags & kPublicFlagConnectionId) == 0) {
    return false;
  }
  std::uint32_t version = 0;
  if (!reader.bytes(kPublicConnectionIdSize, out.connection_id) || !reader.be32(version) ||
      !google_version_number(version, out.version_number) ||
      out.version_number >= kFirstLongHeader) {
    return false;
  }
  out.version = version;
  return reader.skip(kLengthCodes[(flags & kPublicFlagPacketNumberBits) >> 4]);
}

bool skip_ack(ByteReader& reader, std::uint8_t type) {
  // 01NULLMM: N more than one ACK block, U unused, LL largest-acked width, MM block-length
  // width.
  const std::size_t largest_width = kLengthCodes[(type >> 2) & 0x03];
  const std::size_t block_width = kLengthCodes[type & 0x03];
  std::uint8_t block_count = 0;
  if (!reader.skip(largest_width + 2) || ((type & 0x20) != 0 && !reader.u8(block_count)) ||
      !reader.skip(block_width) ||
      !reader.skip(static_cast<std::size_t>(block_count) * (1 + block_width))) {
    return false;
  }
  std::uint8_t timestamp_count = 0;
  if (!reader.u8(timestamp_count)) return false;
  if (timestamp_count == 0) return true;
  // The first timestamp is a delta and 4 bytes of time, later ones a delta and 2 bytes.
  return reader.skip(1 + 4 + (static_cast<std::size_t>(timestamp_count) - 1) * (1 + 2));
}

bool read_stream(ByteReader& reader, std::uint8_t type, unsigned version_number, GoogleFrame& out) {
  // 1FDOOOSS: FIN, data length present, offset width code, stream ID width less one.
  const bool big_endian = version_number >= kFirstBigEndian;
  const std::size_t offset_code = (type >> 2) & 0x07;
  const std::size_t offset_width = offset_code == 0 ? 0 : offset_code + 1;
  const std::size_t stream_id_width = static_cast<std::size_t>(type & 0x03) + 1;
  std::uint64_t length = reader.remaining();
  out.kind = GoogleFrame::Kind::kStream;
  if (!read_uint(reader, stream_id_width, big_endian, out.stream_id) ||
      !read_uint(reader, offset_width, big_endian, out.offset) ||
      ((type & 0x20) != 0 && !read_uint(reader, 2, big_endian, length))) {
    return false;
  }
  return length <= reader.remaining() && reader.bytes(static_cast<std::size_t>(length), out.data);
}

bool read_crypto(ByteReader& reader, GoogleFrame& out) {
  std::uint64_t length = 0;
  out.kind = GoogleFrame::Kind::kCrypto;
  if (!read_varint(reader, out.offset) || !read_varint(reader, length)) return false;
  return length <= reader.remaining() && reader.bytes(static_cast<std::size_t>(length), out.data);
}

}  // namespace

bool google_version_number(std::uint32_t version, unsigned& number) {
  const auto byte = [version](int index) {
    return static_cast<char>(static_cast<std::uint8_t>(version >> (8 * (3 - index))));
  };
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if ((byte(0) != 'Q' && byte(0) != 'T') || byte(1) != '0' || !is_digit(byte(2)) ||
      !is_digit(byte(3))) {
    return false;
  }
  number = static_cast<unsigned>(byte(2) - '0') * 10 + static_cast<unsigned>(byte(3) - '0');
  return true;
}

bool is_google_version(std::uint32_t version) {
  unsigned number = 0;
  return google_version_number(version, number);
}

bool parse_google_cleartext_header(ByteSpan datagram, GoogleCleartextHeader& out) {
  ByteReader reader(datagram);
  out = GoogleCleartextHeader{};
  std::uint8_t first_byte = 0;
  if (!reader.u8(first_byte)) return false;
  if ((first_byte & kLongHeaderBit) != 0) {
    // Only 'Q' tags: T-versions never sent a cleartext CHLO.
    if (!reader.be32(out.version) || (out.version >> 24) != 'Q' ||
        !google_version_number(out.version, out.version_number) ||
        out.version_number < kFirstLongHeader || out.version_number > kNewestGoogleCleartext ||
        !parse_google_long_header(reader, first_byte, out)) {
      return false;
    }
  } else if (!parse_google_public_header(reader, first_byte, out) ||
             out.version_number < kOldestGoogleCleartext || (out.version >> 24) != 'Q') {
    return false;
  }
  if (!reader.skip(kGoogleMessageHashSize)) return false;
  // Before Q034 a private flags byte (entropy, FEC group) follows the hash.
  if (out.version_number < kFirstWithoutPrivateFlags && !reader.skip(1)) return false;
  out.frames_offset = reader.offset();
  return true;
}

GoogleFrameResult read_google_frame(ByteReader& reader, unsigned version_number, GoogleFrame& out) {
  out = GoogleFrame{};
  std::uint8_t type = 0;
  if (!reader.u8(type)) return GoogleFrameResult::kMalformed;
  bool ok = true;
  if (type == kFramePadding) {
    // gQUIC padding is one frame that fills the rest of the packet.
    out.kind = GoogleFrame::Kind::kPadding;
    ok = reader.skip(reader.remaining());
  } else if ((type & kFrameStreamBit) != 0) {
    ok = read_stream(reader, type, version_number, out);
  } else if ((type & kFrameAckMask) == kFrameAck && version_number >= kFirstBigEndian) {
    out.kind = GoogleFrame::Kind::kAck;
    ok = skip_ack(reader, type);
  } else if (type == kFramePing) {
    out.kind = GoogleFrame::Kind::kPing;
  } else if (type == kFrameCrypto && version_number >= kFirstWithCryptoFrames) {
    ok = read_crypto(reader, out);
  } else {
    return GoogleFrameResult::kUnsupported;
  }
  return ok ? GoogleFrameResult::kOk : GoogleFrameResult::kMalformed;
}

ChloStatus parse_google_client_hello(ByteSpan stream, std::size_t max_size,
                                     GoogleClientHello& out) {
  out = GoogleClientHello{};
  static constexpr std::array<std::uint8_t, 4> kChlo = {'C', 'H', 'L', 'O'};
  for (std::size_t i = 0; i < kChlo.size() && i < stream.size(); ++i) {
    if (stream[i] != kChlo[i]) return ChloStatus::kNotChlo;
  }
  if (stream.size() < kChloIndexStart) return ChloStatus::kNeedMore;
  out.tag_count = load_le16(stream.data() + 4);
  const std::size_t values_start = kChloIndexStart + kChloIndexEntrySize * out.tag_count;
  if (values_start > max_size) return ChloStatus::kMalformed;
  if (stream.size() < values_start) return ChloStatus::kNeedMore;
  // End offsets are relative to the first value and never decrease.
  std::uint32_t values_size = 0;
  for (std::size_t i = 0; i < out.tag_count; ++i) {
    const std::uint32_t end =
        load_le32(stream.data() + kChloIndexStart + kChloIndexEntrySize * i + 4);
    if (end < values_size) return ChloStatus::kMalformed;
    values_size = end;
  }
  if (values_size > max_size - values_start) return ChloStatus::kMalformed;
  if (stream.size() - values_start < values_size) return ChloStatus::kNeedMore;
  std::uint32_t start = 0;
  for (std::size_t i = 0; i < out.tag_count; ++i) {
    const std::uint8_t* entry = stream.data() + kChloIndexStart + kChloIndexEntrySize * i;
    const std::uint32_t end = load_le32(entry + 4);
    const ByteSpan value = stream.subspan(values_start + start, end - start);
    start = end;
    switch (load_le32(entry)) {
      case kTagServerName:
        out.server_name = value;
        break;
      case kTagUserAgent:
        out.user_agent = value;
        break;
      case kTagVersion:
        out.version = value;
        break;
      case kTagAead:
        out.aead_algorithms = value;
        break;
      case kTagKeyExchange:
        out.key_exchanges = value;
        break;
      default:
        break;
    }
  }
  return ChloStatus::kComplete;
}

}  // namespace bw::extract::quic
