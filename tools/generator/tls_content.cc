#include "tools/generator/tls_content.h"

#include <algorithm>
#include <span>

namespace bw::gen {
namespace {

enum : std::uint16_t {
  kExtServerName = 0,
  kExtStatusRequest = 5,
  kExtSupportedGroups = 10,
  kExtEcPointFormats = 11,
  kExtSignatureAlgorithms = 13,
  kExtAlpn = 16,
  kExtSct = 18,
  kExtPadding = 21,
  kExtExtendedMasterSecret = 23,
  kExtCompressCertificate = 27,
  kExtRecordSizeLimit = 28,
  kExtDelegatedCredentials = 34,
  kExtSessionTicket = 35,
  kExtSupportedVersions = 43,
  kExtPskModes = 45,
  kExtKeyShare = 51,
  kExtQuicTransportParameters = 57,
  kExtApplicationSettings = 17613,
  kExtEncryptedClientHello = 0xfe0d,
  kExtRenegotiationInfo = 0xff01,
};

constexpr std::uint16_t kChromeCiphers[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                            0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                                            0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
constexpr std::uint16_t kFirefoxCiphers[] = {0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9,
                                             0xcca8, 0xc02c, 0xc030, 0xc00a, 0xc009, 0xc013,
                                             0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
constexpr std::uint16_t kSchannelCiphers[] = {
    0xc02c, 0xc02b, 0xc030, 0xc02f, 0xc024, 0xc023, 0xc028, 0xc027, 0xc00a, 0xc009,
    0xc014, 0xc013, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x000a};
constexpr std::uint16_t kAppleCiphers[] = {0x1301, 0x1302, 0x1303, 0xc02c, 0xc02b, 0xcca9, 0xc030,
                                           0xc02f, 0xcca8, 0xc00a, 0xc009, 0xc014, 0xc013, 0x009d,
                                           0x009c, 0x0035, 0x002f, 0xc008, 0xc012, 0x000a};
constexpr std::uint16_t kQuicCiphers[] = {0x1301, 0x1302, 0x1303};

constexpr std::uint16_t kChromeSignatures[] = {0x0403, 0x0804, 0x0401, 0x0503,
                                               0x0805, 0x0501, 0x0806, 0x0601};
constexpr std::uint16_t kFirefoxSignatures[] = {0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806,
                                                0x0401, 0x0501, 0x0601, 0x0203, 0x0201};
constexpr std::uint16_t kSchannelSignatures[] = {0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0201,
                                                 0x0403, 0x0503, 0x0203, 0x0202, 0x0601, 0x0603};
constexpr std::uint16_t kAppleSignatures[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0203, 0x0805,
                                              0x0805, 0x0501, 0x0806, 0x0601, 0x0201};

std::uint16_t grease(Rng& rng) {
  const std::uint16_t nibble = static_cast<std::uint16_t>(rng.below(16));
  return static_cast<std::uint16_t>((nibble << 12) | 0x0a00 | (nibble << 4) | 0x0a);
}

// Key material is random: nobody can tell a real public key from random bytes of its length.
void append_random(ByteWriter& w, Rng& rng, std::size_t n) {
  Bytes scratch(n);
  rng.fill(scratch);
  w.bytes(scratch);
}

struct Extension {
  std::uint16_t type;
  Bytes body;
};

class HelloBuilder {
 public:
  HelloBuilder(const ClientHelloSpec& spec, Rng& rng) : spec_(spec), rng_(rng) {}

  Extension server_name() const {
    Extension e{kExtServerName, {}};
    ByteWriter w(e.body);
    const std::size_t list = w.hold16();
    w.u8(0);
    const std::size_t name = w.hold16();
    w.text(spec_.sni);
    w.fill16(name);
    w.fill16(list);
    return e;
  }
  static Extension empty(std::uint16_t type) { return Extension{type, {}}; }
  static Extension u16_list(std::uint16_t type, std::span<const std::uint16_t> values,
                            int length_bytes = 2) {
    Extension e{type, {}};
    ByteWriter w(e.body);
    const std::size_t at = length_bytes == 1 ? w.hold8() : w.hold16();
    for (std::uint16_t v : values)
      w.be16(v);
    length_bytes == 1 ? w.fill8(at) : w.fill16(at);
    return e;
  }
  static Extension raw(std::uint16_t type, std::initializer_list<std::uint8_t> bytes) {
    return Extension{type, Bytes(bytes)};
  }
  Extension alpn(std::uint16_t type = kExtAlpn) const {
    Extension e{type, {}};
    ByteWriter w(e.body);
    const std::size_t list = w.hold16();
    for (const std::string& p : spec_.alpn)
      w.u8(p.size()).text(p);
    w.fill16(list);
    return e;
  }
  Extension key_share(std::span<const std::uint16_t> groups) {
    Extension e{kExtKeyShare, {}};
    ByteWriter w(e.body);
    const std::size_t list = w.hold16();
    for (std::uint16_t group : groups) {
      w.be16(group);
      const std::size_t key = w.hold16();
      if (is_grease(group)) {
        w.u8(0);
      } else {
        append_random(w, rng_, key_share_length(group));
      }
      w.fill16(key);
    }
    w.fill16(list);
    return e;
  }
  Extension ech(bool real) {
    Extension e{kExtEncryptedClientHello, {}};
    ByteWriter w(e.body);
    // Outer ClientHello: HKDF-SHA256 / AES-128-GCM, config id, X25519 encapsulated key, and
    // the sealed inner ClientHello (padded to a multiple of 32 plus the AEAD tag).
    w.u8(0).be16(0x0001).be16(0x0001).u8(rng_.below(256));
    w.be16(32);
    append_random(w, rng_, 32);
    const std::size_t payload = (real ? 32 * rng_.range(7, 10) : 32 * rng_.range(4, 8)) + 16;
    w.be16(payload);
    append_random(w, rng_, payload);
    return e;
  }
  Extension quic_parameters() const {
    return Extension{kExtQuicTransportParameters, spec_.quic_transport_parameters};
  }
  static std::size_t key_share_length(std::uint16_t group) {
    switch (group) {
      case kTlsGroupX25519MlKem768:
        return 1216;  // ML-KEM-768 encapsulation key (1184) + X25519 (32)
      case kTlsGroupSecp256r1:
        return 65;
      default:
        return 32;
    }
  }

 private:
  const ClientHelloSpec& spec_;
  Rng& rng_;
};

std::string join_decimal(std::span<const std::uint16_t> values) {
  std::string out;
  for (std::uint16_t v : values) {
    if (is_grease(v)) continue;
    if (!out.empty()) out += '-';
    out += std::to_string(v);
  }
  return out;
}

// The JA3 string of a hello: version, ciphers, extensions, groups, point formats.
std::string ja3_of(std::uint16_t version, std::span<const std::uint16_t> ciphers,
                   const std::vector<Extension>& extensions) {
  std::vector<std::uint16_t> types;
  std::vector<std::uint16_t> groups;
  std::vector<std::uint16_t> formats;
  for (const Extension& e : extensions) {
    types.push_back(e.type);
    if (e.type == kExtSupportedGroups) {
      for (std::size_t i = 2; i + 1 < e.body.size(); i += 2) {
        groups.push_back(static_cast<std::uint16_t>((e.body[i] << 8) | e.body[i + 1]));
      }
    }
    if (e.type == kExtEcPointFormats) {
      for (std::size_t i = 1; i < e.body.size(); ++i)
        formats.push_back(e.body[i]);
    }
  }
  return std::to_string(version) + "," + join_decimal(ciphers) + "," + join_decimal(types) + "," +
         join_decimal(groups) + "," + join_decimal(formats);
}

std::vector<Extension> chrome_extensions(HelloBuilder& b, const ClientHelloSpec& spec, Rng& rng,
                                         std::uint16_t grease_group, std::uint16_t& share) {
  const bool pq = spec.post_quantum;
  share = pq ? kTlsGroupX25519MlKem768 : kTlsGroupX25519;
  std::vector<std::uint16_t> groups = {grease_group};
  if (pq) groups.push_back(kTlsGroupX25519MlKem768);
  for (std::uint16_t g : {kTlsGroupX25519, kTlsGroupSecp256r1, std::uint16_t{0x0018}}) {
    groups.push_back(g);
  }
  std::vector<std::uint16_t> shares = {grease_group};
  if (pq) shares.push_back(kTlsGroupX25519MlKem768);
  shares.push_back(kTlsGroupX25519);
  const std::uint16_t versions_tcp[] = {grease(rng), 0x0304, 0x0303};
  std::vector<Extension> ext;
  ext.push_back(b.server_name());
  ext.push_back(HelloBuilder::u16_list(kExtSupportedGroups, groups));
  ext.push_back(HelloBuilder::u16_list(kExtSignatureAlgorithms, kChromeSignatures));
  ext.push_back(b.alpn());
  ext.push_back(HelloBuilder::raw(kExtCompressCertificate, {2, 0, 2}));
  ext.push_back(HelloBuilder::raw(kExtPskModes, {1, 1}));
  ext.push_back(b.key_share(shares));
  ext.push_back(b.ech(spec.ech));
  if (spec.quic) {
    ext.push_back(HelloBuilder::u16_list(kExtSupportedVersions,
                                         std::span<const std::uint16_t>(versions_tcp + 1, 1), 1));
    ext.push_back(b.quic_parameters());
    ext.push_back(b.alpn(kExtApplicationSettings));
  } else {
    ext.push_back(HelloBuilder::u16_list(kExtSupportedVersions, versions_tcp, 1));
    ext.push_back(HelloBuilder::empty(kExtExtendedMasterSecret));
    ext.push_back(HelloBuilder::raw(kExtRenegotiationInfo, {0}));
    ext.push_back(HelloBuilder::raw(kExtEcPointFormats, {1, 0}));
    ext.push_back(HelloBuilder::empty(kExtSessionTicket));
    ext.push_back(HelloBuilder::raw(kExtStatusRequest, {1, 0, 0, 0, 0}));
    ext.push_back(HelloBuilder::empty(kExtSct));
    Extension alps{kExtApplicationSettings, {0, 3, 2, 'h', '2'}};
    ext.push_back(alps);
  }
  // Chrome shuffles its extensions on every connection (since version 110); GREASE stays first
  // and last.
  for (std::size_t i = ext.size(); i > 1; --i)
    std::swap(ext[i - 1], ext[rng.below(i)]);
  const std::uint16_t first = grease(rng);
  std::uint16_t last = grease(rng);
  if (last == first) last ^= 0x1010;
  ext.insert(ext.begin(), HelloBuilder::empty(first));
  ext.push_back(HelloBuilder::raw(last, {0}));
  return ext;
}

std::vector<Extension> firefox_extensions(HelloBuilder& b, const ClientHelloSpec& spec,
                                          std::uint16_t& share) {
  share = kTlsGroupX25519;
  const std::uint16_t groups[] = {0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101};
  const std::uint16_t shares[] = {kTlsGroupX25519, kTlsGroupSecp256r1};
  const std::uint16_t versions[] = {0x0304, 0x0303};
  const std::uint16_t delegated[] = {0x0403, 0x0503, 0x0603, 0x0203};
  std::vector<Extension> ext;
  ext.push_back(b.server_name());
  if (!spec.quic) {
    ext.push_back(HelloBuilder::empty(kExtExtendedMasterSecret));
    ext.push_back(HelloBuilder::raw(kExtRenegotiationInfo, {0}));
  }
  ext.push_back(HelloBuilder::u16_list(kExtSupportedGroups, groups));
  if (!spec.quic) {
    ext.push_back(HelloBuilder::raw(kExtEcPointFormats, {1, 0}));
    ext.push_back(HelloBuilder::empty(kExtSessionTicket));
  }
  ext.push_back(b.alpn());
  ext.push_back(HelloBuilder::raw(kExtStatusRequest, {1, 0, 0, 0, 0}));
  ext.push_back(HelloBuilder::u16_list(kExtDelegatedCredentials, delegated));
  ext.push_back(b.key_share(shares));
  ext.push_back(HelloBuilder::u16_list(
      kExtSupportedVersions, std::span<const std::uint16_t>(versions, spec.quic ? 1 : 2), 1));
  ext.push_back(HelloBuilder::u16_list(kExtSignatureAlgorithms, kFirefoxSignatures));
  ext.push_back(HelloBuilder::raw(kExtPskModes, {1, 1}));
  ext.push_back(HelloBuilder::raw(kExtRecordSizeLimit, {0x40, 0x01}));
  ext.push_back(HelloBuilder::raw(kExtCompressCertificate, {6, 0, 1, 0, 2, 0, 3}));
  if (spec.quic) ext.push_back(b.quic_parameters());
  ext.push_back(b.ech(spec.ech));
  return ext;
}

std::vector<Extension> schannel_extensions(HelloBuilder& b) {
  const std::uint16_t groups[] = {0x001d, 0x0017, 0x0018};
  std::vector<Extension> ext;
  ext.push_back(b.server_name());
  ext.push_back(HelloBuilder::raw(kExtStatusRequest, {1, 0, 0, 0, 0}));
  ext.push_back(HelloBuilder::u16_list(kExtSupportedGroups, groups));
  ext.push_back(HelloBuilder::raw(kExtEcPointFormats, {1, 0}));
  ext.push_back(HelloBuilder::u16_list(kExtSignatureAlgorithms, kSchannelSignatures));
  ext.push_back(HelloBuilder::empty(kExtSessionTicket));
  ext.push_back(b.alpn());
  ext.push_back(HelloBuilder::empty(kExtExtendedMasterSecret));
  ext.push_back(HelloBuilder::raw(kExtRenegotiationInfo, {0}));
  return ext;
}

std::vector<Extension> apple_extensions(HelloBuilder& b, Rng& rng, std::uint16_t grease_group,
                                        std::uint16_t& share) {
  share = kTlsGroupX25519;
  const std::uint16_t groups[] = {grease_group, 0x001d, 0x0017, 0x0018, 0x0019};
  const std::uint16_t shares[] = {grease_group, kTlsGroupX25519};
  const std::uint16_t versions[] = {grease(rng), 0x0304, 0x0303, 0x0302, 0x0301};
  std::vector<Extension> ext;
  ext.push_back(HelloBuilder::empty(grease(rng)));
  ext.push_back(b.server_name());
  ext.push_back(HelloBuilder::empty(kExtExtendedMasterSecret));
  ext.push_back(HelloBuilder::raw(kExtRenegotiationInfo, {0}));
  ext.push_back(HelloBuilder::u16_list(kExtSupportedGroups, groups));
  ext.push_back(HelloBuilder::raw(kExtEcPointFormats, {1, 0}));
  ext.push_back(b.alpn());
  ext.push_back(HelloBuilder::raw(kExtStatusRequest, {1, 0, 0, 0, 0}));
  ext.push_back(HelloBuilder::u16_list(kExtSignatureAlgorithms, kAppleSignatures));
  ext.push_back(HelloBuilder::empty(kExtSct));
  ext.push_back(b.key_share(shares));
  ext.push_back(HelloBuilder::raw(kExtPskModes, {1, 1}));
  ext.push_back(HelloBuilder::u16_list(kExtSupportedVersions, versions, 1));
  ext.push_back(HelloBuilder::raw(kExtCompressCertificate, {2, 0, 1}));
  ext.push_back(HelloBuilder::raw(grease(rng), {0}));
  return ext;
}

}  // namespace

bool is_grease(std::uint16_t value) {
  return (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff);
}

ClientHello build_client_hello(const ClientHelloSpec& spec, Rng& rng) {
  ClientHello hello;
  HelloBuilder builder(spec, rng);
  std::vector<std::uint16_t> ciphers;
  std::vector<Extension> extensions;
  const std::uint16_t grease_group = grease(rng);
  switch (spec.client) {
    case TlsClient::kChrome:
      if (!spec.quic) ciphers.push_back(grease(rng));
      if (spec.quic) {
        ciphers.assign(std::begin(kQuicCiphers), std::end(kQuicCiphers));
      } else {
        ciphers.insert(ciphers.end(), std::begin(kChromeCiphers), std::end(kChromeCiphers));
      }
      extensions = chrome_extensions(builder, spec, rng, grease_group, hello.key_share_group);
      break;
    case TlsClient::kFirefox:
      if (spec.quic) {
        ciphers.assign(std::begin(kQuicCiphers), std::end(kQuicCiphers));
      } else {
        ciphers.assign(std::begin(kFirefoxCiphers), std::end(kFirefoxCiphers));
      }
      extensions = firefox_extensions(builder, spec, hello.key_share_group);
      break;
    case TlsClient::kSchannel:
      ciphers.assign(std::begin(kSchannelCiphers), std::end(kSchannelCiphers));
      extensions = schannel_extensions(builder);
      hello.record_version = 0x0303;
      hello.tls13 = false;
      break;
    case TlsClient::kApple:
      ciphers.push_back(grease(rng));
      ciphers.insert(ciphers.end(), std::begin(kAppleCiphers), std::end(kAppleCiphers));
      extensions = apple_extensions(builder, rng, grease_group, hello.key_share_group);
      break;
  }
  for (const Extension& e : extensions) {
    if (e.type == kExtEncryptedClientHello) hello.ech_extension = true;
  }
  if (!spec.quic) {
    hello.session_id.resize(32);
    rng.fill(hello.session_id);
  }

  ByteWriter w(hello.message);
  w.u8(1);
  const std::size_t body = w.hold24();
  w.be16(0x0303);
  append_random(w, rng, 32);
  w.u8(hello.session_id.size()).bytes(hello.session_id);
  w.be16(ciphers.size() * 2);
  for (std::uint16_t c : ciphers)
    w.be16(c);
  w.u8(1).u8(0);
  const std::size_t extensions_at = w.hold16();
  for (const Extension& e : extensions)
    w.be16(e.type).be16(e.body.size()).bytes(e.body);
  w.fill16(extensions_at);
  w.fill24(body);
  hello.ja3 = ja3_of(0x0303, ciphers, extensions);
  return hello;
}

Bytes build_server_hello(const ClientHello& hello, std::uint16_t cipher, const std::string& alpn,
                         Rng& rng) {
  Bytes out;
  ByteWriter w(out);
  w.u8(2);
  const std::size_t body = w.hold24();
  w.be16(0x0303);
  append_random(w, rng, 32);
  w.u8(hello.session_id.size()).bytes(hello.session_id);
  w.be16(cipher).u8(0);
  const std::size_t extensions = w.hold16();
  if (hello.tls13) {
    w.be16(kExtKeyShare);
    const std::size_t ext = w.hold16();
    w.be16(hello.key_share_group);
    // The server's ML-KEM share is a 1088-byte ciphertext plus its X25519 key.
    const std::size_t key_length = hello.key_share_group == kTlsGroupX25519MlKem768
                                       ? 1120
                                       : HelloBuilder::key_share_length(hello.key_share_group);
    w.be16(key_length);
    append_random(w, rng, key_length);
    w.fill16(ext);
    w.be16(kExtSupportedVersions).be16(2).be16(0x0304);
  } else {
    w.be16(kExtRenegotiationInfo).be16(1).u8(0);
    w.be16(kExtExtendedMasterSecret).be16(0);
    if (!alpn.empty()) {
      w.be16(kExtAlpn).be16(alpn.size() + 3).be16(alpn.size() + 1).u8(alpn.size()).text(alpn);
    }
  }
  w.fill16(extensions);
  w.fill24(body);
  return out;
}

void append_records(Bytes& out, std::uint8_t content_type, std::uint16_t version,
                    ByteSpan payload) {
  ByteWriter w(out);
  std::size_t offset = 0;
  do {
    const std::size_t n = std::min<std::size_t>(16384, payload.size() - offset);
    w.u8(content_type).be16(version).be16(n).bytes(payload.subspan(offset, n));
    offset += n;
  } while (offset < payload.size());
}

void append_opaque_record(Bytes& out, std::uint8_t content_type, std::size_t length, Rng& rng) {
  ByteWriter w(out);
  w.u8(content_type).be16(0x0303).be16(length);
  append_random(w, rng, length);
}

void append_change_cipher_spec(Bytes& out) {
  ByteWriter(out).u8(kTlsChangeCipherSpec).be16(0x0303).be16(1).u8(1);
}

}  // namespace bw::gen
