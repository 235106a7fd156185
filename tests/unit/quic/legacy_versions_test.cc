// Google QUIC (cleartext CHLOs up to Q046, protected Initials of Q050 and T050/T051), mvfst and
// unknown or greased versions. Fixtures are the first bytes of the real captures named next to
// them (../shared/background, as tshark 4.0 dissects them) completed by bytes built here; the
// expected values are tshark's.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sensor/extract/quic/gquic.h"
#include "sensor/extract/quic/quic_initial.h"
#include "sensor/extract/quic/quic_keys.h"
#include "sensor/extract/quic/quic_packet.h"
#include "tests/unit/quic/assembler_fixture.h"
#include "tests/unit/quic/quic_test_packets.h"
#include "tests/unit/tls/tls_test_messages.h"

namespace bw::extract::quic {
namespace {

using test::from_hex;
using test::QuicBytes;
using test::span_of;

constexpr std::uint32_t kQ043 = 0x51303433;
constexpr std::uint32_t kQ046 = 0x51303436;

// ndpi__quic_q43.pcap frame 1: public flags 0x0d, CID, "Q043", packet number 1, message hash.
const QuicBytes kQ043Header = from_hex("0de83c77bd8f8915f95130343301d4a6cc79cf5763921201d4ca");
// ndpi__quic046.pcap frame 1: long header 0xc3, "Q046", CID lengths 0x50, DCID, packet number
// 1 (4 bytes), message hash.
const QuicBytes kQ046Header =
    from_hex("c35130343650b4a4f9f5f42edd39000000019993d3b3cdfe6d824e9945e5");
// ndpi__quic.pcap frame 1: flags 0x0d, CID, "Q024", packet number 1, message hash, private
// flags 0x01, then the STREAM frame header (stream 1, little-endian data length 1024) and "CHLO".
const QuicBytes kQ024Start =
    from_hex("0db2de5df14f5545eb51303234013b6e8986f83cf3b7a6ab5d0501a001000443484c4f");

QuicBytes text(std::string_view value) {
  return QuicBytes(value.begin(), value.end());
}

QuicBytes concat(QuicBytes a, const QuicBytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

void put_le(QuicBytes& out, std::uint64_t value, std::size_t width) {
  for (std::size_t i = 0; i < width; ++i)
    out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

// A CHLO with the tags in the order given (gQUIC sorts them; the parser does not rely on it).
QuicBytes chlo(const std::vector<std::pair<std::string_view, QuicBytes>>& tags) {
  QuicBytes out = text("CHLO");
  put_le(out, tags.size(), 2);
  put_le(out, 0, 2);
  std::size_t end = 0;
  for (const auto& [tag, value] : tags) {
    QuicBytes name = text(tag);
    name.resize(4, 0x00);
    out.insert(out.end(), name.begin(), name.end());
    end += value.size();
    put_le(out, end, 4);
  }
  for (const auto& tag : tags)
    out.insert(out.end(), tag.second.begin(), tag.second.end());
  return out;
}

// The tags tshark shows in the capture's CHLO that the sensor reads, and padding.
QuicBytes q046_chlo() {
  return chlo({{"PAD", QuicBytes(400, '-')},
               {"SNI", text("i.ytimg.com")},
               {"VER", text("Q046")},
               {"AEAD", text("AESG")},
               {"UAID", text("Chrome/80.0.3987.132 Windows NT 6.3; Win64; x64")},
               {"KEXS", text("C255")}});
}

// STREAM frame of stream 1 with a 2-byte data length, big-endian (Q039 and later).
QuicBytes stream_frame(std::uint64_t offset, const std::uint8_t* data, std::size_t size) {
  QuicBytes frame = {static_cast<std::uint8_t>(offset == 0 ? 0xa0 : 0xa4), 0x01};
  if (offset != 0) {
    frame.push_back(static_cast<std::uint8_t>(offset >> 8));
    frame.push_back(static_cast<std::uint8_t>(offset));
  }
  frame.push_back(static_cast<std::uint8_t>(size >> 8));
  frame.push_back(static_cast<std::uint8_t>(size));
  frame.insert(frame.end(), data, data + size);
  return frame;
}

QuicBytes stream_frame(const QuicBytes& data) {
  return stream_frame(0, data.data(), data.size());
}

// Google's CRYPTO frame (Q048 and later): type 0x08, then offset and length as varints.
QuicBytes google_crypto_frame(const QuicBytes& data) {
  QuicBytes frame = {0x08};
  test::put_varint(frame, 0);
  test::put_varint(frame, data.size());
  return concat(frame, data);
}

// Google's ACK before Q050's CRYPTO, as a retransmission carries it: largest acked 1 (1 byte),
// delay 0 (2 bytes), one block of length 1 (1 byte), no timestamps.
const QuicBytes kGoogleAck = from_hex(
    "4001000001"
    "00");

QuicBytes padded(QuicBytes frames, std::size_t size = 1200) {
  frames.resize(std::max(frames.size(), size), 0x00);
  return frames;
}

QuicBytes tls_client_hello(std::string_view server_name) {
  test::ClientHelloSpec spec;
  spec.ciphers = {0x1301, 0x1302};
  spec.extensions.push_back(test::sni_extension(server_name));
  spec.extensions.push_back(test::supported_versions_extension({0x0304}));
  return test::client_hello_message(spec);
}

const QuicBytes kDcid = from_hex("0011223344556677");

QuicBytes protected_initial(std::uint32_t version, QuicBytes frames,
                            std::uint64_t packet_number = 0, std::uint32_t keys_version = 0) {
  test::InitialSpec spec;
  spec.version = version;
  spec.keys_version = keys_version;
  spec.dcid = kDcid;
  spec.packet_number = packet_number;
  spec.frames = padded(std::move(frames));
  return test::protect_initial(spec);
}

class LegacyQuic : public test::AssemblerTest {};

// ---- Versions and headers ---------------------------------------------------------------------

TEST(GoogleVersion, ReadsTheDigitsOfQAndTTags) {
  unsigned number = 0;
  ASSERT_TRUE(google_version_number(kQ043, number));
  EXPECT_EQ(number, 43u);
  ASSERT_TRUE(google_version_number(kQuicT051, number));
  EXPECT_EQ(number, 51u);
  EXPECT_FALSE(google_version_number(kQuicV1, number));
  EXPECT_FALSE(google_version_number(0x51306133, number));  // "Q0a3"
  EXPECT_FALSE(is_google_version(0xfaceb002));
}

TEST(GoogleCleartextHeader, Q043PublicHeaderFromCapture) {
  const QuicBytes packet = concat(kQ043Header, from_hex("a0010400"));
  GoogleCleartextHeader header;
  ASSERT_TRUE(parse_google_cleartext_header(span_of(packet), header));
  EXPECT_EQ(header.version, kQ043);
  EXPECT_EQ(header.version_number, 43u);
  // tshark: CID 16734381971442570745 = 0xe83c77bd8f8915f9.
  EXPECT_EQ(QuicBytes(header.connection_id.begin(), header.connection_id.end()),
            from_hex("e83c77bd8f8915f9"));
  EXPECT_EQ(header.frames_offset, kQ043Header.size());
  EXPECT_EQ(classify_quic_initial(span_of(packet)), QuicInitialKind::kGoogleCleartext);
}

TEST(GoogleCleartextHeader, Q046LongHeaderFromCapture) {
  GoogleCleartextHeader header;
  ASSERT_TRUE(parse_google_cleartext_header(span_of(kQ046Header), header));
  EXPECT_EQ(header.version, kQ046);
  EXPECT_EQ(QuicBytes(header.connection_id.begin(), header.connection_id.end()),
            from_hex("b4a4f9f5f42edd39"));
  EXPECT_EQ(header.frames_offset, 30u);
}

TEST(GoogleCleartextHeader, Q024PrivateFlagsAndLittleEndianStreamFromCapture) {
  GoogleCleartextHeader header;
  ASSERT_TRUE(parse_google_cleartext_header(span_of(kQ024Start), header));
  EXPECT_EQ(header.version_number, 24u);
  EXPECT_EQ(header.frames_offset, 27u);  // the hash is followed by a private flags byte
  // tshark: stream 1, data length 1024 (written 00 04 before Q039).
  const QuicBytes frame_start(kQ024Start.begin() + 27, kQ024Start.end());
  QuicBytes frame = frame_start;
  frame.resize(4 + 1024, 0x2d);
  ByteReader reader(span_of(frame));
  GoogleFrame out;
  ASSERT_EQ(read_google_frame(reader, 24, out), GoogleFrameResult::kOk);
  EXPECT_EQ(out.kind, GoogleFrame::Kind::kStream);
  EXPECT_EQ(out.stream_id, 1u);
  EXPECT_EQ(out.data.size(), 1024u);
}

TEST(GoogleCleartextHeader, RejectsWhatIsNotAClientCleartextPacket) {
  GoogleCleartextHeader header;
  QuicBytes reset = kQ043Header;
  reset[0] |= 0x02;  // public reset
  EXPECT_FALSE(parse_google_cleartext_header(span_of(reset), header));
  QuicBytes no_version = kQ043Header;
  no_version[0] &= 0xfe;
  EXPECT_FALSE(parse_google_cleartext_header(span_of(no_version), header));
  QuicBytes q050_tag = kQ046Header;
  q050_tag[3] = '5';
  q050_tag[4] = '0';  // "Q050" is protected: not a cleartext header
  EXPECT_FALSE(parse_google_cleartext_header(span_of(q050_tag), header));
  QuicBytes handshake_type = kQ046Header;
  handshake_type[0] = 0xe3;
  EXPECT_FALSE(parse_google_cleartext_header(span_of(handshake_type), header));
  for (std::size_t n = 0; n < kQ046Header.size(); ++n) {
    EXPECT_FALSE(parse_google_cleartext_header(ByteSpan(kQ046Header.data(), n), header)) << n;
  }
}

// Header protection of the real first packets, with keys from each version's salt: the packet
// number and its length must come out as tshark decoded them.
struct ProtectedStart {
  const char* name;
  const char* capture;
  std::string_view hex;  // up to the end of the header protection sample
  std::size_t pn_offset;
  std::uint64_t packet_number;
  std::size_t packet_number_length;
};

class RealProtectedInitial : public ::testing::TestWithParam<ProtectedStart> {};

TEST_P(RealProtectedInitial, HeaderProtectionGivesTsharksPacketNumber) {
  const QuicBytes packet = from_hex(GetParam().hex);
  LongHeader header;
  ASSERT_EQ(parse_long_header(span_of(packet), header), HeaderResult::kMalformed)
      << "the fixture stops inside the payload";
  ByteReader reader(span_of(packet));
  std::uint8_t first = 0;
  std::uint32_t number = 0;
  ByteSpan dcid;
  ASSERT_TRUE(reader.u8(first) && reader.be32(number) && reader.vec8(dcid));
  const QuicVersion* version = find_quic_version(number);
  ASSERT_NE(version, nullptr);
  InitialKeys keys;
  ASSERT_TRUE(derive_client_initial_keys(*version, dcid, keys));
  std::array<std::uint8_t, 16> mask{};
  const std::size_t sample = GetParam().pn_offset + 4;
  ASSERT_TRUE(header_protection_mask(keys, span_of(packet).subspan(sample, 16), mask));
  const std::uint8_t unprotected = first ^ (mask[0] & 0x0f);
  const std::size_t length = (unprotected & 0x03) + 1;
  EXPECT_EQ(length, GetParam().packet_number_length) << GetParam().capture;
  std::uint64_t packet_number = 0;
  for (std::size_t i = 0; i < length; ++i) {
    packet_number = (packet_number << 8) | (packet[GetParam().pn_offset + i] ^ mask[1 + i]);
  }
  EXPECT_EQ(packet_number, GetParam().packet_number) << GetParam().capture;
  EXPECT_EQ(unprotected & 0x30, 0x00) << "an Initial";
}

INSTANTIATE_TEST_SUITE_P(
    Captures, RealProtectedInitial,
    ::testing::Values(
        ProtectedStart{
            "Q050", "ndpi__gquic.pcap",
            "c35130353008017697f17a15e6ef000045343459c182c17986405543d41c76101007b017e124", 18, 1,
            1},
        ProtectedStart{
            "T050", "ndpi__quic_t50.pcap",
            "c55430353008555f32d35f29d86300004534b054b8103351431b6ab5ee933c8f98bd677ef6fb", 18, 1,
            1},
        ProtectedStart{
            "Mvfst27", "ndpi__quic-mvfst-27.pcapng",
            "ccfaceb00208adbbb2044a6fd4af000044bed78d24631f2bd48d63cad46649b39dd48ebe7ae0", 18,
            13046896, 4}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// ---- CHLO ------------------------------------------------------------------------------------

TEST(GoogleClientHello, ReadsTagsTsharkShows) {
  const QuicBytes message = q046_chlo();
  GoogleClientHello hello;
  ASSERT_EQ(parse_google_client_hello(span_of(message), 4096, hello), ChloStatus::kComplete);
  EXPECT_EQ(hello.tag_count, 6u);
  const auto as_text = [](ByteSpan bytes) { return std::string(bytes.begin(), bytes.end()); };
  EXPECT_EQ(as_text(hello.server_name), "i.ytimg.com");
  EXPECT_EQ(as_text(hello.version), "Q046");
  EXPECT_EQ(as_text(hello.user_agent), "Chrome/80.0.3987.132 Windows NT 6.3; Win64; x64");
  EXPECT_EQ(as_text(hello.aead_algorithms), "AESG");
  EXPECT_EQ(as_text(hello.key_exchanges), "C255");
}

TEST(GoogleClientHello, EveryPrefixNeedsMoreAndNeverReadsPastIt) {
  const QuicBytes message = q046_chlo();
  for (std::size_t n = 0; n < message.size(); ++n) {
    GoogleClientHello hello;
    EXPECT_EQ(parse_google_client_hello(ByteSpan(message.data(), n), 4096, hello),
              ChloStatus::kNeedMore)
        << n;
  }
}

TEST(GoogleClientHello, InconsistentIndexIsMalformed) {
  QuicBytes decreasing = q046_chlo();
  decreasing[8 + 8 * 1 + 4] = 0x01;  // SNI's end before PAD's end
  decreasing[8 + 8 * 1 + 5] = 0x00;
  GoogleClientHello hello;
  EXPECT_EQ(parse_google_client_hello(span_of(decreasing), 4096, hello), ChloStatus::kMalformed);
  QuicBytes huge_count = q046_chlo();
  huge_count[4] = 0xff;
  huge_count[5] = 0xff;
  EXPECT_EQ(parse_google_client_hello(span_of(huge_count), 4096, hello), ChloStatus::kMalformed);
  QuicBytes huge_value = q046_chlo();
  huge_value[8 + 8 * 5 + 7] = 0x7f;  // last end offset near 2 GiB
  EXPECT_EQ(parse_google_client_hello(span_of(huge_value), 4096, hello), ChloStatus::kMalformed);
  EXPECT_EQ(parse_google_client_hello(span_of(text("SHLO")), 4096, hello), ChloStatus::kNotChlo);
}

// ---- Assembly --------------------------------------------------------------------------------

TEST_F(LegacyQuic, Q043CleartextChloGivesTsharksServerName) {
  const QuicBytes message =
      chlo({{"PAD", QuicBytes(552, '-')}, {"SNI", text("dns.google.com")}, {"VER", text("Q043")}});
  ASSERT_EQ(feed(concat(kQ043Header, stream_frame(message))), QuicStatus::kComplete);
  EXPECT_EQ(out_.client_hello.sni, "dns.google.com");
  EXPECT_EQ(out_.version, kQ043);
  EXPECT_EQ(out_.dcid_hex, "e83c77bd8f8915f9");
  EXPECT_EQ(out_.scid_hex, "");
  // gQUIC has no JA3 or JA4: they stay empty.
  EXPECT_EQ(out_.client_hello.ja3, "");
  EXPECT_EQ(out_.client_hello.ja4, "");
  EXPECT_EQ(counters_.quic_version_q043, 1u);
  EXPECT_EQ(counters_.google_cleartext_packets, 1u);
  EXPECT_EQ(counters_.chlo_parsed, 1u);
  EXPECT_EQ(feed(concat(kQ043Header, stream_frame(message))), QuicStatus::kComplete);
  EXPECT_EQ(counters_.chlo_parsed, 1u) << "one report per connection";
}

TEST_F(LegacyQuic, Q046ChloAcrossTwoPacketsOutOfOrder) {
  const QuicBytes message = q046_chlo();
  const std::size_t half = message.size() / 2;
  const QuicBytes second =
      concat(kQ046Header, stream_frame(half, message.data() + half, message.size() - half));
  const QuicBytes first = concat(kQ046Header, stream_frame(0, message.data(), half));
  EXPECT_EQ(feed(second), QuicStatus::kNeedMore);
  // A later packet without the version (encrypted after the server's answer) changes nothing.
  EXPECT_EQ(feed(from_hex("08b4a4f9f5f42edd3902aabbcc")), QuicStatus::kNeedMore);
  ASSERT_EQ(feed(first), QuicStatus::kComplete);
  EXPECT_EQ(out_.client_hello.sni, "i.ytimg.com");
  EXPECT_EQ(out_.version, kQ046);
  EXPECT_EQ(counters_.quic_version_q046, 2u);
  EXPECT_EQ(counters_.crypto_frames, 2u);
}

TEST_F(LegacyQuic, AckAndPaddingAroundTheStreamFrame) {
  const QuicBytes frames =
      concat(concat(kGoogleAck, stream_frame(q046_chlo())), from_hex("000000"));
  ASSERT_EQ(feed(concat(kQ046Header, frames)), QuicStatus::kComplete);
  EXPECT_EQ(out_.client_hello.sni, "i.ytimg.com");
}

TEST_F(LegacyQuic, OtherStreamsAndUnknownFramesAreNotTheHandshake) {
  QuicBytes other_stream = stream_frame(q046_chlo());
  other_stream[1] = 0x03;
  EXPECT_EQ(feed(concat(kQ046Header, other_stream)), QuicStatus::kNeedMore);
  EXPECT_EQ(counters_.crypto_frames, 0u);
  EXPECT_EQ(feed(concat(kQ046Header, from_hex("1f0102"))), QuicStatus::kNeedMore);
  EXPECT_EQ(counters_.unexpected_frame, 1u);
}

TEST_F(LegacyQuic, StreamOneNotStartingWithChloGivesUp) {
  // A REJ (the server's message) with no tags where the CHLO should be.
  EXPECT_EQ(feed(concat(kQ046Header, stream_frame(from_hex("52454a0000000000")))),
            QuicStatus::kMalformed);
  EXPECT_EQ(counters_.crypto_not_client_hello, 1u);
}

TEST_F(LegacyQuic, MalformedChloIsCountedAndGivesUp) {
  QuicBytes message = q046_chlo();
  message[8 + 4] = 0xff;  // PAD's end offset beyond what follows...
  message[8 + 5] = 0xff;
  message[8 + 6] = 0xff;  // ...and beyond any buffer
  EXPECT_EQ(feed(concat(kQ046Header, stream_frame(message))), QuicStatus::kMalformed);
  EXPECT_EQ(counters_.chlo_malformed, 1u);
}

TEST_F(LegacyQuic, TruncatedStreamFrameIsCounted) {
  QuicBytes packet = concat(kQ046Header, stream_frame(q046_chlo()));
  packet.resize(packet.size() - 1);
  EXPECT_EQ(feed(packet), QuicStatus::kNeedMore);
  EXPECT_EQ(counters_.frame_malformed, 1u);
}

TEST_F(LegacyQuic, EveryTruncationOfACleartextPacketIsHandled) {
  const QuicBytes packet = concat(kQ043Header, stream_frame(q046_chlo()));
  for (std::size_t n = 0; n < packet.size(); ++n) {
    QuicInitialAssembler assembler;
    QuicInitial out;
    EXPECT_NE(assembler.on_client_datagram(ByteSpan(packet.data(), n), out, counters_),
              QuicStatus::kComplete)
        << n;
  }
}

TEST_F(LegacyQuic, Q050ProtectedInitialWithGoogleFramesAndChlo) {
  const QuicBytes frames = concat(kGoogleAck, google_crypto_frame(q046_chlo()));
  ASSERT_EQ(feed(protected_initial(kQuicQ050, frames)), QuicStatus::kComplete);
  EXPECT_EQ(out_.client_hello.sni, "i.ytimg.com");
  EXPECT_EQ(out_.client_hello.ja4, "");
  EXPECT_EQ(out_.version, kQuicQ050);
  EXPECT_EQ(out_.dcid_hex, "0011223344556677");
  EXPECT_EQ(counters_.quic_version_q050, 1u);
  EXPECT_EQ(counters_.initials_decrypted, 1u);
}

TEST_F(LegacyQuic, T051ProtectedInitialWithTlsInGoogleCryptoFrame) {
  ASSERT_EQ(feed(protected_initial(kQuicT051, google_crypto_frame(tls_client_hello("t.example")))),
            QuicStatus::kComplete);
  EXPECT_EQ(out_.client_hello.sni, "t.example");
  EXPECT_EQ(out_.client_hello.ja4.view().substr(0, 4), "q13d") << "a TLS ClientHello over QUIC";
  EXPECT_EQ(counters_.quic_version_t051, 1u);
}

TEST_F(LegacyQuic, MvfstVersionsUseTheirDraftSalts) {
  const QuicBytes hello = tls_client_hello("graph.facebook.com");
  for (const std::uint32_t version : {0xfaceb001u, 0xfaceb002u, 0xfaceb00eu}) {
    QuicInitialAssembler assembler;
    QuicInitial out;
    const QuicBytes packet =
        protected_initial(version, test::crypto_frame(0, hello.data(), hello.size()));
    ASSERT_EQ(assembler.on_client_datagram(span_of(packet), out, counters_), QuicStatus::kComplete)
        << std::hex << version;
    EXPECT_EQ(out.client_hello.sni, "graph.facebook.com");
    EXPECT_EQ(out.version, version);
  }
  EXPECT_EQ(counters_.quic_version_mvfst, 3u);
  // 0xfaceb001 keys differ from 0xfaceb002's: draft 22's salt, not draft 23's.
  InitialKeys draft22;
  InitialKeys draft27;
  derive_client_initial_keys(*find_quic_version(0xfaceb001), span_of(kDcid), draft22);
  derive_client_initial_keys(*find_quic_version(0xfaceb002), span_of(kDcid), draft27);
  EXPECT_NE(draft22.key, draft27.key);
}

TEST_F(LegacyQuic, GreasedVersionLaidOutAsV1IsReadWithV1Keys) {
  const QuicBytes hello = tls_client_hello("grease.example");
  const QuicBytes packet =
      protected_initial(0x1a2a3a4a, test::crypto_frame(0, hello.data(), hello.size()), 0, kQuicV1);
  EXPECT_EQ(classify_quic_initial(span_of(packet)), QuicInitialKind::kUnknownVersion);
  ASSERT_EQ(feed(packet), QuicStatus::kComplete);
  EXPECT_EQ(out_.client_hello.sni, "grease.example");
  EXPECT_EQ(out_.version, 0x1a2a3a4au);
  EXPECT_EQ(counters_.unknown_version_opened, 1u);
  EXPECT_EQ(counters_.quic_version_unknown, 1u);
}

TEST_F(LegacyQuic, UnknownVersionThatDoesNotAuthenticateIsUndecryptable) {
  const QuicBytes hello = tls_client_hello("grease.example");
  QuicBytes packet =
      protected_initial(0x1a2a3a4a, test::crypto_frame(0, hello.data(), hello.size()), 0, kQuicV2);
  // v2's keys, and v2's Initial type bits, which v1 reads as 0-RTT: not an Initial for v1.
  EXPECT_EQ(feed(packet), QuicStatus::kNotQuicInitial);
  packet = protected_initial(0x1a2a3a4a, test::crypto_frame(0, hello.data(), hello.size()), 0,
                             0xff00001d);  // draft 29's keys, v1's layout
  EXPECT_EQ(feed(packet), QuicStatus::kUndecryptable);
  EXPECT_EQ(counters_.unknown_version_opened, 0u);
  EXPECT_EQ(counters_.initial_decrypt_failed, 1u);
}

TEST(QuicInitialKind, ClassifiesFirstDatagrams) {
  const QuicBytes hello = tls_client_hello("kind.example");
  const QuicBytes frames = test::crypto_frame(0, hello.data(), hello.size());
  EXPECT_EQ(classify_quic_initial(span_of(protected_initial(kQuicV1, frames))),
            QuicInitialKind::kKnownVersion);
  EXPECT_EQ(classify_quic_initial(span_of(protected_initial(kQuicQ050, frames))),
            QuicInitialKind::kKnownVersion);
  EXPECT_EQ(classify_quic_initial(span_of(kQ046Header)), QuicInitialKind::kGoogleCleartext);
  // An unknown version is believed to be an Initial only at the size RFC 9000 requires.
  test::InitialSpec small;
  small.version = 0x5a6a7a8a;
  small.keys_version = kQuicV1;
  small.dcid = kDcid;
  small.frames = frames;
  EXPECT_EQ(classify_quic_initial(span_of(test::protect_initial(small))), QuicInitialKind::kNone);
  // Version negotiation (version 0) is never an Initial.
  QuicBytes negotiation =
      padded(from_hex("c0000000000800112233445566770800112233445566770000000001"));
  EXPECT_EQ(classify_quic_initial(span_of(negotiation)), QuicInitialKind::kNone);
}

TEST(QuicVersionCounters, EachFamilyHasItsName) {
  const QuicBytes hello = tls_client_hello("count.example");
  const QuicBytes frames = test::crypto_frame(0, hello.data(), hello.size());
  QuicCounters counters;
  for (const std::uint32_t version : {kQuicV1, kQuicV2, 0xff00001du, 0xff000017u, kQuicT050}) {
    QuicInitialAssembler assembler;
    QuicInitial out;
    assembler.on_client_datagram(span_of(protected_initial(version, frames)), out, counters);
  }
  EXPECT_EQ(counters.quic_version_v1, 1u);
  EXPECT_EQ(counters.quic_version_v2, 1u);
  EXPECT_EQ(counters.quic_version_draft, 2u);
  EXPECT_EQ(counters.quic_version_t050, 1u);
  EXPECT_EQ(counters.quic_version_unknown, 0u);
}

}  // namespace
}  // namespace bw::extract::quic
