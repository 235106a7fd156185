#include "sensor/extract/quic/quic_keys.h"

#include <algorithm>

namespace bw::extract::quic {
namespace {

constexpr std::array<std::uint8_t, 20> kSaltV1 = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34,
                                                  0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8,
                                                  0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
constexpr std::array<std::uint8_t, 20> kSaltV2 = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6,
                                                  0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26,
                                                  0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
constexpr std::array<std::uint8_t, 20> kSaltDraft29 = {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2,
                                                       0x4c, 0x9e, 0x97, 0x86, 0xf1, 0x9c, 0x61,
                                                       0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};
constexpr std::array<std::uint8_t, 20> kSaltDraft23 = {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb,
                                                       0x5a, 0x11, 0xa7, 0xd2, 0x43, 0x2b, 0xb4,
                                                       0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02};

// Draft 22 and mvfst's draft-22 version.
constexpr std::array<std::uint8_t, 20> kSaltDraft22 = {0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb,
                                                       0xe9, 0x19, 0x3a, 0x96, 0xcd, 0x21, 0x51,
                                                       0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a};
// Google's, as Chromium's quic_versions and Wireshark's QUIC dissector publish them.
constexpr std::array<std::uint8_t, 20> kSaltQ050 = {0x50, 0x45, 0x74, 0xef, 0xd0, 0x66, 0xfe,
                                                    0x2f, 0x9d, 0x94, 0x5c, 0xfc, 0xdb, 0xd3,
                                                    0xa7, 0xf0, 0xd3, 0xb5, 0x6b, 0x45};
constexpr std::array<std::uint8_t, 20> kSaltT050 = {0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72,
                                                    0x91, 0x55, 0x80, 0x30, 0x4c, 0x43, 0xa2,
                                                    0x36, 0x7c, 0x60, 0x48, 0x83, 0x10};
constexpr std::array<std::uint8_t, 20> kSaltT051 = {0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee,
                                                    0x5f, 0xa4, 0x50, 0x6c, 0x19, 0x12, 0x4f,
                                                    0xc8, 0xcc, 0xda, 0x6e, 0x03, 0x3d};

constexpr QuicVersion make_v1_family(std::uint32_t number,
                                     const std::array<std::uint8_t, 20>& salt) {
  return QuicVersion{number, salt, "quic key", "quic iv", "quic hp", 0, 3};
}

// Google's versions share v1's labels and type bits, not its frames.
constexpr QuicVersion make_google(std::uint32_t number, const std::array<std::uint8_t, 20>& salt,
                                  HandshakeKind handshake) {
  return QuicVersion{number,   salt, "quic key", "quic iv", "quic hp", 0, 3, FrameEncoding::kGoogle,
                     handshake};
}

constexpr std::uint32_t kDraftBase = 0xff000000;

constexpr QuicVersion kV1 = make_v1_family(kQuicV1, kSaltV1);
constexpr QuicVersion kV2 = {kQuicV2, kSaltV2, "quicv2 key", "quicv2 iv", "quicv2 hp", 1, 0};

// Drafts share v1's labels and type bits; only the salt changed, at drafts 23 and 29.
constexpr std::array<QuicVersion, 13> kDrafts = {
    make_v1_family(kDraftBase | 22, kSaltDraft22), make_v1_family(kDraftBase | 23, kSaltDraft23),
    make_v1_family(kDraftBase | 24, kSaltDraft23), make_v1_family(kDraftBase | 25, kSaltDraft23),
    make_v1_family(kDraftBase | 26, kSaltDraft23), make_v1_family(kDraftBase | 27, kSaltDraft23),
    make_v1_family(kDraftBase | 28, kSaltDraft23), make_v1_family(kDraftBase | 29, kSaltDraft29),
    make_v1_family(kDraftBase | 30, kSaltDraft29), make_v1_family(kDraftBase | 31, kSaltDraft29),
    make_v1_family(kDraftBase | 32, kSaltDraft29), make_v1_family(kDraftBase | 33, kSaltDraft29),
    make_v1_family(kDraftBase | 34, kSaltDraft29)};

// Facebook's mvfst (quic/QuicConstants.h): its own numbers for drafts 22 and 27.
constexpr std::array<QuicVersion, 3> kMvfst = {make_v1_family(0xfaceb001, kSaltDraft22),
                                               make_v1_family(0xfaceb002, kSaltDraft23),
                                               make_v1_family(0xfaceb00e, kSaltDraft23)};

constexpr std::array<QuicVersion, 3> kGoogle = {
    make_google(kQuicQ050, kSaltQ050, HandshakeKind::kGoogleChlo),
    make_google(kQuicT050, kSaltT050, HandshakeKind::kTls),
    make_google(kQuicT051, kSaltT051, HandshakeKind::kTls)};

template <std::size_t N>
const QuicVersion* find_in(const std::array<QuicVersion, N>& table, std::uint32_t number) {
  for (const QuicVersion& version : table) {
    if (version.number == number) return &version;
  }
  return nullptr;
}

constexpr std::string_view kLabelPrefix = "tls13 ";

}  // namespace

const QuicVersion* find_quic_version(std::uint32_t number) {
  if (number == kQuicV1) return &kV1;
  if (number == kQuicV2) return &kV2;
  if (const QuicVersion* draft = find_in(kDrafts, number)) return draft;
  if (const QuicVersion* mvfst = find_in(kMvfst, number)) return mvfst;
  return find_in(kGoogle, number);
}

const QuicVersion& quic_version_1() {
  return kV1;
}

bool hkdf_expand_label(ByteSpan secret, std::string_view label, std::span<std::uint8_t> out) {
  // struct { uint16 length; opaque label<7..255> = "tls13 " + label; opaque context<0..255>; }
  std::array<std::uint8_t, 2 + 1 + 255 + 1> info{};
  const std::size_t label_size = kLabelPrefix.size() + label.size();
  if (label_size > 255 || out.size() > 0xffff) return false;
  std::size_t n = 0;
  info[n++] = static_cast<std::uint8_t>(out.size() >> 8);
  info[n++] = static_cast<std::uint8_t>(out.size());
  info[n++] = static_cast<std::uint8_t>(label_size);
  n = static_cast<std::size_t>(
      std::copy(kLabelPrefix.begin(), kLabelPrefix.end(), info.begin() + n) - info.begin());
  n = static_cast<std::size_t>(std::copy(label.begin(), label.end(), info.begin() + n) -
                               info.begin());
  info[n++] = 0;  // empty context
  return crypto::hkdf_expand_sha256(secret, ByteSpan(info.data(), n), out);
}

crypto::Sha256Digest client_initial_secret(const QuicVersion& version, ByteSpan dcid) {
  const crypto::Sha256Digest initial_secret =
      crypto::hkdf_extract_sha256(version.initial_salt, dcid);
  crypto::Sha256Digest client_secret{};
  hkdf_expand_label(initial_secret, "client in", client_secret);
  return client_secret;
}

bool derive_packet_keys(const QuicVersion& version, ByteSpan secret, InitialKeys& out) {
  return hkdf_expand_label(secret, version.key_label, out.key) &&
         hkdf_expand_label(secret, version.iv_label, out.iv) &&
         hkdf_expand_label(secret, version.hp_label, out.hp);
}

bool derive_client_initial_keys(const QuicVersion& version, ByteSpan dcid, InitialKeys& out) {
  const crypto::Sha256Digest secret = client_initial_secret(version, dcid);
  return derive_packet_keys(version, secret, out);
}

}  // namespace bw::extract::quic
