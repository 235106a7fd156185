#include "sensor/extract/tls/tls_fingerprint.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <span>
#include <string_view>

#include "sensor/common/crypto.h"

namespace bw::extract::tls {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr std::uint16_t kExtensionServerName = 0x0000;
constexpr std::uint16_t kExtensionAlpn = 0x0010;

// Writes text into a fixed-size field and the same text into an MD5, so the digest covers the
// whole string even when the field had to cut it.
template <std::size_t Capacity>
class HashedText {
 public:
  explicit HashedText(FixedString<Capacity>& text) : text_(text) { text_.clear(); }

  void append(std::string_view piece) {
    text_.append(piece);
    md5_.update(piece);
  }
  void append_decimal(std::uint32_t value) {
    std::array<char, 10> digits{};
    const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    append(std::string_view(digits.data(), static_cast<std::size_t>(result.ptr - digits.data())));
  }
  // Appends '-'-joined decimals of 2-byte (or 1-byte) values, GREASE left out.
  void append_values(ByteSpan values, std::size_t width) {
    bool first = true;
    for (std::size_t i = 0; i + width <= values.size(); i += width) {
      const std::uint16_t value = width == 2 ? load_be16(values.data() + i) : values[i];
      if (width == 2 && is_grease(value)) continue;
      if (!first) append("-");
      append_decimal(value);
      first = false;
    }
  }
  void append_extension_types(ByteSpan extensions) {
    bool first = true;
    for_each_extension(extensions, [&](std::uint16_t type, ByteSpan) {
      if (is_grease(type)) return;
      if (!first) append("-");
      append_decimal(type);
      first = false;
    });
  }
  void finish(FixedString<32>& md5_hex) {
    std::array<char, 32> hex{};
    crypto::to_hex(md5_.finish(), hex.data());
    md5_hex.assign(std::string_view(hex.data(), hex.size()));
  }

 private:
  FixedString<Capacity>& text_;
  crypto::Md5Stream md5_;
};

void append_hex16(std::uint16_t value, std::array<char, 4>& out) {
  out[0] = kHexDigits[(value >> 12) & 0xf];
  out[1] = kHexDigits[(value >> 8) & 0xf];
  out[2] = kHexDigits[(value >> 4) & 0xf];
  out[3] = kHexDigits[value & 0xf];
}

// Sorting needs a copy of the values; a ClientHello holds at most 32767 ciphers or 16383
// extensions, so one per-thread array covers either list without touching the heap.
using SortScratch = std::array<std::uint16_t, 32768>;
SortScratch& sort_scratch() {
  thread_local SortScratch scratch;
  return scratch;
}

std::span<std::uint16_t> sorted_ciphers(ByteSpan ciphers) {
  SortScratch& scratch = sort_scratch();
  std::size_t n = 0;
  for (std::size_t i = 0; i + 2 <= ciphers.size() && n < scratch.size(); i += 2) {
    const std::uint16_t value = load_be16(ciphers.data() + i);
    if (!is_grease(value)) scratch[n++] = value;
  }
  std::sort(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(n));
  return {scratch.data(), n};
}

// JA4 hashes extensions without SNI and ALPN, which its first part already describes.
std::span<std::uint16_t> sorted_extensions_for_hash(ByteSpan extensions) {
  SortScratch& scratch = sort_scratch();
  std::size_t n = 0;
  for_each_extension(extensions, [&](std::uint16_t type, ByteSpan) {
    if (is_grease(type) || type == kExtensionServerName || type == kExtensionAlpn) return;
    if (n < scratch.size()) scratch[n++] = type;
  });
  std::sort(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(n));
  return {scratch.data(), n};
}

void hash_hex_list(std::span<const std::uint16_t> values, crypto::Sha256Stream& sha) {
  std::array<char, 4> hex{};
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) sha.update(std::string_view(","));
    append_hex16(values[i], hex);
    sha.update(std::string_view(hex.data(), hex.size()));
  }
}

void hash_signature_algorithms(ByteSpan algorithms, crypto::Sha256Stream& sha) {
  std::array<char, 4> hex{};
  bool first = true;
  for (std::size_t i = 0; i + 2 <= algorithms.size(); i += 2) {
    const std::uint16_t value = load_be16(algorithms.data() + i);
    if (is_grease(value)) continue;
    sha.update(std::string_view(first ? "_" : ","));
    append_hex16(value, hex);
    sha.update(std::string_view(hex.data(), hex.size()));
    first = false;
  }
}

void append_truncated_sha256(crypto::Sha256Stream& sha, FixedString<40>& out) {
  std::array<char, 64> hex{};
  crypto::to_hex(sha.finish(), hex.data());
  out.append(std::string_view(hex.data(), 12));
}

std::string_view ja4_version(std::uint16_t version) {
  switch (version) {
    case 0x0304:
      return "13";
    case 0x0303:
      return "12";
    case 0x0302:
      return "11";
    case 0x0301:
      return "10";
    case 0x0300:
      return "s3";
    case 0x0002:
      return "s2";
    case 0xfeff:
      return "d1";
    case 0xfefd:
      return "d2";
    case 0xfefc:
      return "d3";
    default:
      return "00";
  }
}

void append_two_digits(std::size_t count, FixedString<40>& out) {
  const std::size_t capped = std::min<std::size_t>(count, 99);
  out.push_back(static_cast<char>('0' + capped / 10));
  out.push_back(static_cast<char>('0' + capped % 10));
}

bool is_alphanumeric(std::uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

void append_alpn_marker(ByteSpan alpn, FixedString<40>& out) {
  if (alpn.empty()) {
    out.append("00");
    return;
  }
  const std::uint8_t first = alpn.front();
  const std::uint8_t last = alpn.back();
  if (is_alphanumeric(first) && is_alphanumeric(last)) {
    out.push_back(static_cast<char>(first));
    out.push_back(static_cast<char>(last));
    return;
  }
  // The spec falls back to the first and last characters of the value's hex form.
  out.push_back(kHexDigits[first >> 4]);
  out.push_back(kHexDigits[last & 0xf]);
}

std::size_t count_non_grease_values(ByteSpan values) {
  std::size_t n = 0;
  for (std::size_t i = 0; i + 2 <= values.size(); i += 2) {
    if (!is_grease(load_be16(values.data() + i))) ++n;
  }
  return n;
}

std::size_t count_non_grease_extensions(ByteSpan extensions) {
  std::size_t n = 0;
  for_each_extension(extensions, [&](std::uint16_t type, ByteSpan) {
    if (!is_grease(type)) ++n;
  });
  return n;
}

constexpr std::string_view kEmptyJa4Hash = "000000000000";

void append_ja4_cipher_hash(ByteSpan ciphers, FixedString<40>& out) {
  const std::span<std::uint16_t> sorted = sorted_ciphers(ciphers);
  if (sorted.empty()) {
    out.append(kEmptyJa4Hash);
    return;
  }
  crypto::Sha256Stream sha;
  hash_hex_list(sorted, sha);
  append_truncated_sha256(sha, out);
}

void append_ja4_extension_hash(const ClientHelloView& hello, FixedString<40>& out) {
  const std::span<std::uint16_t> sorted = sorted_extensions_for_hash(hello.extensions);
  if (sorted.empty()) {
    out.append(kEmptyJa4Hash);
    return;
  }
  crypto::Sha256Stream sha;
  hash_hex_list(sorted, sha);
  hash_signature_algorithms(hello.signature_algorithms, sha);
  append_truncated_sha256(sha, out);
}

}  // namespace

bool build_ja3(const ClientHelloView& hello, extract::TlsClientHello& out) {
  HashedText<1536> ja3(out.ja3);
  ja3.append_decimal(hello.legacy_version);
  ja3.append(",");
  ja3.append_values(hello.cipher_suites, 2);
  ja3.append(",");
  ja3.append_extension_types(hello.extensions);
  ja3.append(",");
  ja3.append_values(hello.supported_groups, 2);
  ja3.append(",");
  ja3.append_values(hello.ec_point_formats, 1);
  ja3.finish(out.ja3_md5);
  return !out.ja3.truncated();
}

void build_ja4(const ClientHelloView& hello, bool quic, FixedString<40>& out) {
  out.clear();
  out.push_back(quic ? 'q' : 't');
  const std::uint16_t version =
      hello.highest_supported_version != 0 ? hello.highest_supported_version : hello.legacy_version;
  out.append(ja4_version(version));
  out.push_back(hello.has_sni ? 'd' : 'i');
  append_two_digits(count_non_grease_values(hello.cipher_suites), out);
  append_two_digits(count_non_grease_extensions(hello.extensions), out);
  append_alpn_marker(hello.first_alpn, out);
  out.push_back('_');
  append_ja4_cipher_hash(hello.cipher_suites, out);
  out.push_back('_');
  append_ja4_extension_hash(hello, out);
}

void build_ja3s(const ServerHelloView& hello, extract::TlsServerHello& out) {
  HashedText<512> ja3s(out.ja3s);
  ja3s.append_decimal(hello.legacy_version);
  ja3s.append(",");
  ja3s.append_decimal(hello.cipher_suite);
  ja3s.append(",");
  ja3s.append_extension_types(hello.extensions);
  ja3s.finish(out.ja3s_md5);
}

}  // namespace bw::extract::tls
