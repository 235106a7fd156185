#include "sensor/extract/tls/tls_parser.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "sensor/extract/tls/tls_fingerprint.h"

namespace bw::extract::tls {
namespace {

constexpr std::uint8_t kContentHandshake = 0x16;
constexpr std::uint8_t kHandshakeClientHello = 1;
constexpr std::uint8_t kHandshakeServerHello = 2;
constexpr std::size_t kRecordHeaderSize = 5;
constexpr std::size_t kHandshakeHeaderSize = 4;
// RFC 8446 caps a plaintext record at 2^14 bytes; RFC 5246 allowed 2048 more for compressed
// records, which old stacks still produce.
constexpr std::size_t kMaxRecordLength = (1u << 14) + 2048;
constexpr std::size_t kUnknown = std::numeric_limits<std::size_t>::max();

constexpr std::uint16_t kExtServerName = 0x0000;
constexpr std::uint16_t kExtSupportedGroups = 0x000a;
constexpr std::uint16_t kExtEcPointFormats = 0x000b;
constexpr std::uint16_t kExtSignatureAlgorithms = 0x000d;
constexpr std::uint16_t kExtAlpn = 0x0010;
constexpr std::uint16_t kExtSupportedVersions = 0x002b;
constexpr std::uint16_t kExtEncryptedClientHello = 0xfe0d;

// RFC 8446 section 4.1.3: a ServerHello with this random is a HelloRetryRequest.
constexpr std::array<std::uint8_t, 32> kHelloRetryRequestRandom = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

bool record_header_ok(const std::uint8_t* header) {
  const std::uint16_t length = load_be16(header + 3);
  return header[0] == kContentHandshake && header[1] == 3 && header[2] <= 4 && length > 0 &&
         length <= kMaxRecordLength;
}

// One record's payload bytes present in the stream (possibly fewer than the record declares).
struct RecordFragment {
  ByteSpan payload;
  bool whole = false;
};

// Walks the records at the start of a stream. Stops at the first record whose header is missing
// or invalid; next() says which.
class RecordCursor {
 public:
  explicit RecordCursor(ByteSpan stream) : stream_(stream) {}

  enum class Step : std::uint8_t { kRecord, kEndOfData, kBadHeader };

  Step next(RecordFragment& fragment) {
    if (stream_.size() - position_ < kRecordHeaderSize) return Step::kEndOfData;
    const std::uint8_t* header = stream_.data() + position_;
    if (!record_header_ok(header)) return Step::kBadHeader;
    const std::size_t length = load_be16(header + 3);
    const std::size_t available = std::min(length, stream_.size() - position_ - kRecordHeaderSize);
    fragment.payload = stream_.subspan(position_ + kRecordHeaderSize, available);
    fragment.whole = available == length;
    position_ += kRecordHeaderSize + available;
    return Step::kRecord;
  }
  bool at_start() const { return position_ == 0; }

 private:
  ByteSpan stream_;
  std::size_t position_ = 0;
};

using GatherScratch = std::array<std::uint8_t, kHandshakeHeaderSize + kMaxHandshakeMessage>;
GatherScratch& gather_scratch() {
  thread_local GatherScratch scratch;
  return scratch;
}

// Learns the first handshake message's total size from its 4-byte header, which may itself be
// split across records.
class MessageSizer {
 public:
  void feed(ByteSpan payload) {
    for (std::size_t i = 0; i < payload.size() && have_ < header_.size(); ++i) {
      header_[have_++] = payload[i];
    }
  }
  bool known() const { return have_ == header_.size(); }
  std::uint8_t type() const { return header_[0]; }
  std::size_t total() const { return kHandshakeHeaderSize + load_be24(header_.data() + 1); }

 private:
  std::array<std::uint8_t, kHandshakeHeaderSize> header_{};
  std::size_t have_ = 0;
};

TlsStatus check_stream_start(ByteSpan stream, TlsCounters& counters) {
  if (stream.empty()) return TlsStatus::kNeedMore;
  const bool version_bad = stream.size() >= 3 && (stream[1] != 3 || stream[2] > 4);
  if (stream[0] != kContentHandshake || version_bad) {
    ++counters.not_tls;
    return TlsStatus::kNotTls;
  }
  return TlsStatus::kComplete;
}

// First pass: how many payload bytes the message needs, without copying anything, so a caller
// feeding one segment at a time pays no copy until the message is whole.
TlsStatus measure_message(ByteSpan stream, std::uint8_t expected_type, std::size_t& total,
                          TlsCounters& counters) {
  RecordCursor cursor(stream);
  MessageSizer sizer;
  std::size_t gathered = 0;
  total = kUnknown;
  while (total == kUnknown || gathered < total) {
    RecordFragment fragment;
    const bool first = cursor.at_start();
    const RecordCursor::Step step = cursor.next(fragment);
    if (step == RecordCursor::Step::kEndOfData) return TlsStatus::kNeedMore;
    if (step == RecordCursor::Step::kBadHeader) {
      ++(first ? counters.not_tls : counters.record_malformed);
      return first ? TlsStatus::kNotTls : TlsStatus::kMalformed;
    }
    sizer.feed(fragment.payload);
    gathered += fragment.payload.size();
    if (sizer.known() && total == kUnknown) {
      if (sizer.type() != expected_type) {
        ++counters.unexpected_handshake_type;
        return TlsStatus::kMalformed;
      }
      total = sizer.total();
      if (total > gather_scratch().size()) {
        ++counters.handshake_too_large;
        return TlsStatus::kMalformed;
      }
    }
    if (!fragment.whole && (total == kUnknown || gathered < total)) return TlsStatus::kNeedMore;
  }
  return TlsStatus::kComplete;
}

// Second pass: the message in place when its first record holds it, else copied together.
ByteSpan collect_message(ByteSpan stream, std::size_t total) {
  RecordCursor cursor(stream);
  RecordFragment fragment;
  cursor.next(fragment);
  if (fragment.payload.size() >= total) return fragment.payload.first(total);
  GatherScratch& scratch = gather_scratch();
  std::size_t copied = 0;
  do {
    const std::size_t take = std::min(fragment.payload.size(), total - copied);
    std::memcpy(scratch.data() + copied, fragment.payload.data(), take);
    copied += take;
  } while (copied < total && cursor.next(fragment) == RecordCursor::Step::kRecord);
  return ByteSpan(scratch.data(), copied);
}

TlsStatus gather_first_message(ByteSpan stream, std::uint8_t expected_type, ByteSpan& message,
                               TlsCounters& counters) {
  const TlsStatus start = check_stream_start(stream, counters);
  if (start != TlsStatus::kComplete) return start;
  std::size_t total = 0;
  const TlsStatus measured = measure_message(stream, expected_type, total, counters);
  if (measured != TlsStatus::kComplete) return measured;
  message = collect_message(stream, total);
  return TlsStatus::kComplete;
}

// Splits a handshake message into its body. Returns kNeedMore when the body is cut short.
TlsStatus handshake_body(ByteSpan message, std::uint8_t expected_type, ByteSpan& body,
                         TlsCounters& counters) {
  if (message.size() < kHandshakeHeaderSize) return TlsStatus::kNeedMore;
  if (message[0] != expected_type) {
    ++counters.unexpected_handshake_type;
    return TlsStatus::kMalformed;
  }
  const std::size_t length = load_be24(message.data() + 1);
  if (length > message.size() - kHandshakeHeaderSize) return TlsStatus::kNeedMore;
  body = message.subspan(kHandshakeHeaderSize, length);
  return TlsStatus::kComplete;
}

// Every extension's header and length must be consistent for the block to be trusted.
bool extensions_block_ok(ByteSpan block) {
  ByteReader reader(block);
  std::uint16_t type = 0;
  ByteSpan data;
  while (!reader.empty()) {
    if (!reader.be16(type) || !reader.vec16(data)) return false;
  }
  return true;
}

bool parse_server_name(ByteSpan data, extract::TlsClientHello& out) {
  ByteReader reader(data);
  ByteSpan list;
  if (!reader.vec16(list) || !reader.empty()) return false;
  ByteReader entries(list);
  while (!entries.empty()) {
    std::uint8_t name_type = 0;
    ByteSpan name;
    if (!entries.u8(name_type) || !entries.vec16(name)) return false;
    if (name_type == 0 && out.sni.empty()) out.sni.assign(as_chars(name));
  }
  return true;
}

bool parse_alpn(ByteSpan data, ByteSpan& first, extract::TlsClientHello& out) {
  ByteReader reader(data);
  ByteSpan list;
  if (!reader.vec16(list) || !reader.empty()) return false;
  ByteReader protocols(list);
  bool seen_first = false;
  while (!protocols.empty()) {
    ByteSpan protocol;
    if (!protocols.vec8(protocol)) return false;
    if (!seen_first) first = protocol;
    seen_first = true;
    if (FixedString<32>* slot = out.alpn.emplace_slot()) slot->assign(as_chars(protocol));
  }
  return true;
}

bool parse_supported_versions(ByteSpan data, std::uint16_t& highest, extract::TlsClientHello& out) {
  ByteReader reader(data);
  ByteSpan versions;
  if (!reader.vec8(versions) || !reader.empty() || versions.size() % 2 != 0) return false;
  for (std::size_t i = 0; i < versions.size(); i += 2) {
    const std::uint16_t version = load_be16(versions.data() + i);
    if (is_grease(version)) continue;
    out.supported_versions.push_back(version);
    highest = std::max(highest, version);
  }
  return true;
}

bool parse_u16_list(ByteSpan data, ByteSpan& values) {
  ByteReader reader(data);
  return reader.vec16(values) && reader.empty() && values.size() % 2 == 0;
}

bool parse_u8_list(ByteSpan data, ByteSpan& values) {
  ByteReader reader(data);
  return reader.vec8(values) && reader.empty();
}

bool parse_client_extension(std::uint16_t type, ByteSpan data, ClientHelloView& view,
                            extract::TlsClientHello& out) {
  switch (type) {
    case kExtServerName:
      view.has_sni = true;
      return parse_server_name(data, out);
    case kExtAlpn:
      return parse_alpn(data, view.first_alpn, out);
    case kExtSupportedVersions:
      return parse_supported_versions(data, view.highest_supported_version, out);
    case kExtSupportedGroups:
      return parse_u16_list(data, view.supported_groups);
    case kExtEcPointFormats:
      return parse_u8_list(data, view.ec_point_formats);
    case kExtSignatureAlgorithms:
      return parse_u16_list(data, view.signature_algorithms);
    case kExtEncryptedClientHello:
      out.ech_present = true;
      return true;
    default:
      return true;
  }
}

std::uint16_t count_non_grease(ByteSpan values) {
  std::uint16_t n = 0;
  for (std::size_t i = 0; i + 2 <= values.size(); i += 2) {
    if (!is_grease(load_be16(values.data() + i))) ++n;
  }
  return n;
}

// Reads the fixed part of a ClientHello body and the extensions block into `view`.
bool read_client_hello(ByteSpan body, ClientHelloView& view) {
  ByteReader reader(body);
  ByteSpan random;
  ByteSpan session_id;
  ByteSpan compression;
  if (!reader.be16(view.legacy_version) || !reader.bytes(32, random) || !reader.vec8(session_id) ||
      !reader.vec16(view.cipher_suites) || !reader.vec8(compression)) {
    return false;
  }
  if (view.cipher_suites.size() % 2 != 0 || session_id.size() > 32) return false;
  // A hello without extensions ends here (SSLv3 and some TLS 1.0 stacks).
  if (reader.empty()) return true;
  return reader.vec16(view.extensions) && reader.empty() && extensions_block_ok(view.extensions);
}

TlsStatus parse_client_hello_body(ByteSpan body, bool quic, extract::TlsClientHello& out,
                                  TlsCounters& counters) {
  ClientHelloView view;
  if (!read_client_hello(body, view)) {
    ++counters.client_hello_malformed;
    return TlsStatus::kMalformed;
  }
  out.legacy_version = view.legacy_version;
  out.cipher_count = count_non_grease(view.cipher_suites);
  for_each_extension(view.extensions, [&](std::uint16_t type, ByteSpan data) {
    if (!is_grease(type)) ++out.extension_count;
    if (!parse_client_extension(type, data, view, out)) ++counters.extension_malformed;
  });
  if (!build_ja3(view, out)) ++counters.ja3_truncated;
  build_ja4(view, quic, out.ja4);
  ++counters.client_hellos;
  return TlsStatus::kComplete;
}

// Reads a ServerHello body into `view` and the plain fields of `out`.
bool read_server_hello(ByteSpan body, ServerHelloView& view, bool& retry_request) {
  ByteReader reader(body);
  ByteSpan random;
  ByteSpan session_id;
  std::uint8_t compression = 0;
  if (!reader.be16(view.legacy_version) || !reader.bytes(32, random) || !reader.vec8(session_id) ||
      !reader.be16(view.cipher_suite) || !reader.u8(compression)) {
    return false;
  }
  retry_request = std::equal(random.begin(), random.end(), kHelloRetryRequestRandom.begin());
  if (reader.empty()) return true;
  return reader.vec16(view.extensions) && reader.empty() && extensions_block_ok(view.extensions);
}

bool parse_server_extension(std::uint16_t type, ByteSpan data, extract::TlsServerHello& out) {
  ByteReader reader(data);
  if (type == kExtSupportedVersions) {
    return reader.be16(out.selected_version) && reader.empty();
  }
  if (type == kExtAlpn) {
    ByteSpan list;
    ByteSpan protocol;
    if (!reader.vec16(list) || !reader.empty()) return false;
    ByteReader protocols(list);
    if (!protocols.vec8(protocol)) return false;
    out.alpn.assign(as_chars(protocol));
  }
  return true;
}

TlsStatus parse_server_hello_body(ByteSpan body, extract::TlsServerHello& out,
                                  TlsCounters& counters) {
  ServerHelloView view;
  bool retry_request = false;
  if (!read_server_hello(body, view, retry_request)) {
    ++counters.server_hello_malformed;
    return TlsStatus::kMalformed;
  }
  out.legacy_version = view.legacy_version;
  out.cipher_suite = view.cipher_suite;
  for_each_extension(view.extensions, [&](std::uint16_t type, ByteSpan data) {
    if (!parse_server_extension(type, data, out)) ++counters.extension_malformed;
  });
  if (out.selected_version == 0) out.selected_version = view.legacy_version;
  build_ja3s(view, out);
  ++counters.server_hellos;
  if (retry_request) ++counters.hello_retry_requests;
  return TlsStatus::kComplete;
}

}  // namespace

bool looks_like_tls_handshake(ByteSpan first_bytes) {
  return first_bytes.size() >= kRecordHeaderSize && record_header_ok(first_bytes.data());
}

TlsStatus parse_client_hello_stream(ByteSpan stream, extract::TlsClientHello& out,
                                    TlsCounters& counters) {
  ByteSpan message;
  const TlsStatus gathered = gather_first_message(stream, kHandshakeClientHello, message, counters);
  if (gathered != TlsStatus::kComplete) return gathered;
  ByteSpan body;
  const TlsStatus framed = handshake_body(message, kHandshakeClientHello, body, counters);
  if (framed != TlsStatus::kComplete) return framed;
  out = extract::TlsClientHello{};
  out.record_version = load_be16(stream.data() + 1);
  return parse_client_hello_body(body, false, out, counters);
}

TlsStatus parse_server_hello_stream(ByteSpan stream, extract::TlsServerHello& out,
                                    TlsCounters& counters) {
  ByteSpan message;
  const TlsStatus gathered = gather_first_message(stream, kHandshakeServerHello, message, counters);
  if (gathered != TlsStatus::kComplete) return gathered;
  ByteSpan body;
  const TlsStatus framed = handshake_body(message, kHandshakeServerHello, body, counters);
  if (framed != TlsStatus::kComplete) return framed;
  out = extract::TlsServerHello{};
  return parse_server_hello_body(body, out, counters);
}

TlsStatus parse_client_hello_message(ByteSpan handshake_message, bool quic,
                                     extract::TlsClientHello& out, TlsCounters& counters) {
  ByteSpan body;
  const TlsStatus framed = handshake_body(handshake_message, kHandshakeClientHello, body, counters);
  if (framed != TlsStatus::kComplete) return framed;
  out = extract::TlsClientHello{};
  return parse_client_hello_body(body, quic, out, counters);
}

}  // namespace bw::extract::tls
