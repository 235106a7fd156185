#include "sensor/extract/quic/quic_initial.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/common/crypto.h"
#include "sensor/extract/quic/crypto_stream.h"
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

std::string to_hex(ByteSpan bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const std::uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}
std::string sha256_12(std::string_view text) {
  std::array<char, 64> hex{};
  crypto::to_hex(
      crypto::sha256(ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())),
      hex.data());
  return std::string(hex.data(), 12);
}

// ---- RFC 9001 appendix A and RFC 9369 appendix A ---------------------------------------------

const QuicBytes kRfcDcid = from_hex("8394c8f03e515708");

// The CRYPTO frame of appendix A.2 (a ClientHello for example.com); PADDING fills the rest of
// the 1162-byte payload.
QuicBytes rfc_client_payload() {
  QuicBytes payload = from_hex(
      "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
      "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
      "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
      "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
      "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
      "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
      "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
      "75300901100f088394c8f03e51570806048000ffff");
  payload.resize(1162, 0x00);
  return payload;
}

const QuicBytes kRfc9001ProtectedPacket = from_hex(
    "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
    "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
    "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
    "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
    "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
    "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
    "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
    "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
    "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
    "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
    "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
    "9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
    "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
    "68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
    "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
    "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
    "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
    "25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
    "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
    "ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
    "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
    "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
    "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
    "cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
    "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
    "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
    "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
    "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
    "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
    "6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
    "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
    "be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
    "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
    "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
    "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
    "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
    "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
    "e221af44860018ab0856972e194cd934");

const QuicBytes kRfc9369ProtectedPacket = from_hex(
    "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
    "dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
    "9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
    "250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
    "12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
    "cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
    "18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
    "12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
    "d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
    "6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
    "bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
    "636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
    "ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
    "16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
    "4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
    "fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
    "8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
    "14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
    "9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
    "abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
    "80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
    "848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
    "d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
    "c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
    "7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
    "f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
    "10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
    "3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
    "06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
    "8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
    "34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
    "e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
    "5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
    "8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
    "d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
    "6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
    "9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
    "a18b2faa745b6fe189cf772a9f84cbfc");

struct RfcCase {
  std::uint32_t version;
  std::string_view client_secret;
  std::string_view key;
  std::string_view iv;
  std::string_view hp;
  std::string_view unprotected_header;
  std::string_view sample;
  std::string_view mask;
  const QuicBytes* protected_packet;
};

const RfcCase kRfc9001 = {kQuicV1,
                          "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea",
                          "1f369613dd76d5467730efcbe3b1a22d",
                          "fa044b2f42a3fd3b46fb255c",
                          "9f50449e04a0e810283a1e9933adedd2",
                          "c300000001088394c8f03e5157080000449e00000002",
                          "d1b1c98dd7689fb8ec11d242b123dc9b",
                          "437b9aec36",
                          &kRfc9001ProtectedPacket};
const RfcCase kRfc9369 = {kQuicV2,
                          "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b",
                          "8b1a0bc121284290a29e0971b5cd045d",
                          "91f73e2351d8fa91660e909f",
                          "45b95e15235d6f45a6b19cbcb0294ba9",
                          "d36b3343cf088394c8f03e5157080000449e00000002",
                          "ffe67b6abcdb4298b485dd04de806071",
                          "94a0c95e80",
                          &kRfc9369ProtectedPacket};

class RfcVectors : public ::testing::TestWithParam<RfcCase> {};

TEST_P(RfcVectors, DerivesClientInitialKeys) {
  const RfcCase& c = GetParam();
  const QuicVersion* version = find_quic_version(c.version);
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(to_hex(client_initial_secret(*version, span_of(kRfcDcid))), c.client_secret);
  InitialKeys keys;
  ASSERT_TRUE(derive_client_initial_keys(*version, span_of(kRfcDcid), keys));
  EXPECT_EQ(to_hex(keys.key), c.key);
  EXPECT_EQ(to_hex(keys.iv), c.iv);
  EXPECT_EQ(to_hex(keys.hp), c.hp);
}

TEST_P(RfcVectors, HeaderProtectionMask) {
  const RfcCase& c = GetParam();
  InitialKeys keys;
  derive_client_initial_keys(*find_quic_version(c.version), span_of(kRfcDcid), keys);
  std::array<std::uint8_t, 16> mask{};
  ASSERT_TRUE(header_protection_mask(keys, span_of(from_hex(c.sample)), mask));
  EXPECT_EQ(to_hex(ByteSpan(mask.data(), 5)), c.mask);
}

TEST_P(RfcVectors, TestEncryptorReproducesProtectedPacket) {
  const RfcCase& c = GetParam();
  InitialKeys keys;
  derive_client_initial_keys(*find_quic_version(c.version), span_of(kRfcDcid), keys);
  const QuicBytes packet =
      test::protect_packet(keys, from_hex(c.unprotected_header), 18, 4, 2, rfc_client_payload());
  EXPECT_EQ(packet, *c.protected_packet);
}

TEST_P(RfcVectors, OpensProtectedPacket) {
  const RfcCase& c = GetParam();
  const ByteSpan packet = span_of(*c.protected_packet);
  LongHeader header;
  ASSERT_EQ(parse_long_header(packet, header), HeaderResult::kOk);
  EXPECT_EQ(header.version, c.version);
  EXPECT_EQ(header.pn_offset, 18u);
  EXPECT_EQ(header.packet_size, 1200u);
  InitialKeys keys;
  derive_client_initial_keys(*find_quic_version(c.version), header.dcid, keys);
  std::vector<std::uint8_t> scratch(2048);
  OpenedPacket opened;
  ASSERT_TRUE(open_packet(packet, header, keys, -1, scratch, opened));
  EXPECT_EQ(opened.packet_number, 2u);
  EXPECT_EQ(to_hex(opened.header), c.unprotected_header);
  EXPECT_EQ(QuicBytes(opened.payload.begin(), opened.payload.end()), rfc_client_payload());
}

TEST_P(RfcVectors, AssemblerExtractsExampleComClientHello) {
  const RfcCase& c = GetParam();
  QuicInitialAssembler assembler;
  QuicInitial out;
  QuicCounters counters;
  ASSERT_TRUE(looks_like_quic_initial(span_of(*c.protected_packet)));
  ASSERT_EQ(assembler.on_client_datagram(span_of(*c.protected_packet), out, counters),
            QuicStatus::kComplete);
  EXPECT_EQ(out.version, c.version);
  EXPECT_EQ(out.dcid_hex, "8394c8f03e515708");
  EXPECT_EQ(out.scid_hex, "");
  const TlsClientHello& hello = out.client_hello;
  EXPECT_EQ(hello.sni, "example.com");
  ASSERT_EQ(hello.alpn.size(), 1u);
  EXPECT_EQ(hello.alpn[0], "alpn");
  EXPECT_EQ(hello.ja3, "771,4865-4866,0-65281-10-16-5-51-43-13-45-28-57,29-23-24,");
  EXPECT_EQ(hello.ja4, "q13d0211an_" + sha256_12("1301,1302") + "_" +
                           sha256_12("0005,000a,000d,001c,002b,002d,0033,0039,ff01_"
                                     "0403,0503,0603,0203,0804,0805,0806"));
  EXPECT_EQ(counters.initials_decrypted, 1u);
  EXPECT_EQ(counters.crypto_frames, 1u);
  EXPECT_EQ(counters.client_hellos, 1u);
  // Done once: later datagrams cost nothing and change nothing.
  EXPECT_EQ(assembler.on_client_datagram(span_of(*c.protected_packet), out, counters),
            QuicStatus::kComplete);
  EXPECT_EQ(counters.datagrams, 1u);
}

INSTANTIATE_TEST_SUITE_P(Rfc, RfcVectors, ::testing::Values(kRfc9001, kRfc9369),
                         [](const auto& param_info) {
                           return param_info.param.version == kQuicV1 ? std::string("Rfc9001v1")
                                                                      : std::string("Rfc9369v2");
                         });

// ---- Own fixtures ----------------------------------------------------------------------------

// FoxIO's JA4 example ClientHello (see the TLS tests), so the expected fingerprint is published.
QuicBytes example_client_hello() {
  test::ClientHelloSpec spec;
  spec.ciphers = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                  0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  for (const std::uint16_t type : {0x001b, 0x0033, 0x4469, 0x0017, 0x002d, 0x0005, 0x0023, 0x0012,
                                   0xff01, 0x000b, 0x000a, 0x0015}) {
    spec.extensions.push_back(test::empty_extension(type));
  }
  spec.extensions.push_back(test::sni_extension("beacon.example"));
  spec.extensions.push_back(test::alpn_extension({test::text_bytes("h3")}));
  spec.extensions.push_back(test::supported_versions_extension({0x0304}));
  spec.extensions.push_back(test::u16_list_extension(
      0x000d, {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}));
  return test::client_hello_message(spec);
}
constexpr std::string_view kExampleJa4 = "q13d1516h3_8daaf6152771_e5627efa2ab1";

const QuicBytes kDcid = from_hex("0011223344556677");
const QuicBytes kScid = from_hex("a1a2a3");

QuicBytes padded(QuicBytes frames, std::size_t size = 1100) {
  frames.resize(std::max(frames.size(), size), 0x00);
  return frames;
}

test::InitialSpec initial(QuicBytes frames, std::uint64_t packet_number,
                          std::uint32_t version = kQuicV1) {
  test::InitialSpec spec;
  spec.version = version;
  spec.dcid = kDcid;
  spec.scid = kScid;
  spec.packet_number = packet_number;
  spec.frames = std::move(frames);
  return spec;
}

QuicBytes concat(const QuicBytes& a, const QuicBytes& b) {
  QuicBytes out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

class QuicAssembly : public test::AssemblerTest {
 protected:
  const QuicBytes hello_ = example_client_hello();
};

TEST_F(QuicAssembly, CryptoSplitAcrossTwoPacketsArrivingOutOfOrder) {
  const std::size_t half = hello_.size() / 2;
  const QuicBytes first = test::crypto_frame(0, hello_.data(), half);
  const QuicBytes second = test::crypto_frame(half, hello_.data() + half, hello_.size() - half);
  EXPECT_EQ(feed(test::protect_initial(initial(padded(second), 1))), QuicStatus::kNeedMore);
  EXPECT_EQ(out_.client_hello.ja4, "");
  ASSERT_EQ(feed(test::protect_initial(initial(padded(first), 0))), QuicStatus::kComplete);
  EXPECT_EQ(out_.client_hello.ja4, kExampleJa4);
  EXPECT_EQ(out_.client_hello.sni, "beacon.example");
  EXPECT_EQ(out_.dcid_hex, "0011223344556677");
  EXPECT_EQ(out_.scid_hex, "a1a2a3");
  EXPECT_EQ(out_.version, kQuicV1);
  EXPECT_EQ(counters_.initials_decrypted, 2u);
}

TEST_F(QuicAssembly, ReorderedOverlappingAndRepeatedFramesInOnePacket) {
  // Chrome-style: small frames shuffled, one range sent twice, one overlapping its neighbours.
  QuicBytes frames = {0x01};  // PING
  const std::size_t n = hello_.size();
  frames = concat(frames, test::crypto_frame(100, hello_.data() + 100, n - 100));
  frames = concat(frames, test::crypto_frame(40, hello_.data() + 40, 70));
  frames = concat(frames, test::crypto_frame(0, hello_.data(), 50));
  frames = concat(frames, test::crypto_frame(40, hello_.data() + 40, 70));
  ASSERT_EQ(feed(test::protect_initial(initial(padded(frames), 0))), QuicStatus::kComplete);
  EXPECT_EQ(out_.client_hello.ja4, kExampleJa4);
  EXPECT_EQ(counters_.crypto_frames, 4u);
}

TEST_F(QuicAssembly, CoalescedInitialAndZeroRttThenPadding) {
  // A 0-RTT long-header packet (type 1 in v1) after the Initial is skipped by its length.
  QuicBytes zero_rtt = {0xd1, 0x00, 0x00, 0x00, 0x01, 0x08};
  zero_rtt.insert(zero_rtt.end(), kDcid.begin(), kDcid.end());
  zero_rtt.push_back(0x00);
  test::put_varint(zero_rtt, 30, 2);
  zero_rtt.resize(zero_rtt.size() + 30, 0xee);
  const QuicBytes crypto = test::crypto_frame(0, hello_.data(), hello_.size());
  QuicBytes datagram = concat(test::protect_initial(initial(crypto, 0)), zero_rtt);
  datagram.resize(datagram.size() + 200, 0x00);  // datagram padding after the last packet
  ASSERT_EQ(feed(datagram), QuicStatus::kComplete);
  EXPECT_EQ(counters_.coalesced_packets_skipped, 1u);
  EXPECT_EQ(out_.client_hello.ja4, kExampleJa4);
}

TEST_F(QuicAssembly, TwoInitialsCoalescedInOneDatagram) {
  const std::size_t cut = 70;
  const QuicBytes datagram =
      concat(test::protect_initial(
                 initial(test::crypto_frame(cut, hello_.data() + cut, hello_.size() - cut), 1)),
             test::protect_initial(initial(test::crypto_frame(0, hello_.data(), cut), 2)));
  ASSERT_EQ(feed(datagram), QuicStatus::kComplete);
  EXPECT_EQ(counters_.initials_decrypted, 2u);
}

TEST_F(QuicAssembly, AckPingConnectionCloseAreWalked) {
  QuicBytes frames = {0x02, 0x05, 0x00, 0x01, 0x00, 0x01, 0x00,        // ACK with one extra range
                      0x03, 0x01, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03,  // ACK_ECN
                      0x01};                                           // PING
  frames = concat(frames, test::crypto_frame(0, hello_.data(), hello_.size()));
  frames = concat(frames, QuicBytes{0x1c, 0x00, 0x06, 0x02, 'n', 'o'});  // CONNECTION_CLOSE
  ASSERT_EQ(feed(test::protect_initial(initial(padded(frames), 0))), QuicStatus::kComplete);
  EXPECT_EQ(counters_.frame_malformed + counters_.unexpected_frame, 0u);
}

TEST_F(QuicAssembly, UnexpectedFrameStopsThePacketButNotTheFlow) {
  QuicBytes frames = test::crypto_frame(0, hello_.data(), 10);
  frames.push_back(0x08);  // STREAM, not allowed in Initial packets
  frames = concat(frames, test::crypto_frame(10, hello_.data() + 10, hello_.size() - 10));
  EXPECT_EQ(feed(test::protect_initial(initial(padded(frames), 0))), QuicStatus::kNeedMore);
  EXPECT_EQ(counters_.unexpected_frame, 1u);
  ASSERT_EQ(feed(test::protect_initial(
                initial(test::crypto_frame(10, hello_.data() + 10, hello_.size() - 10), 1))),
            QuicStatus::kComplete);
}

TEST_F(QuicAssembly, TruncatedFrameIsCounted) {
  const QuicBytes frames = {0x06, 0x00, 0x44, 0x00, 0x01};  // CRYPTO claims 1024 bytes
  EXPECT_EQ(feed(test::protect_initial(initial(frames, 0))), QuicStatus::kNeedMore);
  EXPECT_EQ(counters_.frame_malformed, 1u);
}

TEST_F(QuicAssembly, DraftAndV2VersionsDecrypt) {
  for (const std::uint32_t version :
       {0xff00001du, 0xff000020u, 0xff000017u, 0xff00001cu, kQuicV2}) {
    assembler_.reset();
    const QuicBytes packet = test::protect_initial(
        initial(padded(test::crypto_frame(0, hello_.data(), hello_.size())), 0, version));
    EXPECT_TRUE(looks_like_quic_initial(span_of(packet)));
    ASSERT_EQ(feed(packet), QuicStatus::kComplete) << std::hex << version;
    EXPECT_EQ(out_.version, version);
  }
}

TEST_F(QuicAssembly, CorruptedCiphertextIsUndecryptable) {
  QuicBytes packet = test::protect_initial(
      initial(padded(test::crypto_frame(0, hello_.data(), hello_.size())), 0));
  packet[packet.size() - 40] ^= 0x01;
  EXPECT_EQ(feed(packet), QuicStatus::kUndecryptable);
  EXPECT_EQ(counters_.initial_decrypt_failed, 1u);
  // The flow did not start, so the genuine packet still opens it.
  packet[packet.size() - 40] ^= 0x01;
  EXPECT_EQ(feed(packet), QuicStatus::kComplete);
}

TEST_F(QuicAssembly, KeysFollowTheDcidChosenByRetry) {
  const std::size_t cut = 60;
  EXPECT_EQ(
      feed(test::protect_initial(initial(padded(test::crypto_frame(0, hello_.data(), cut)), 0))),
      QuicStatus::kNeedMore);
  test::InitialSpec after_retry =
      initial(padded(test::crypto_frame(cut, hello_.data() + cut, hello_.size() - cut)), 1);
  after_retry.dcid = from_hex("feedfacecafebeef");
  after_retry.token = from_hex("0102030405");
  ASSERT_EQ(feed(test::protect_initial(after_retry)), QuicStatus::kComplete);
  EXPECT_EQ(counters_.keys_rederived, 1u);
  EXPECT_EQ(out_.dcid_hex, "0011223344556677");
}

TEST_F(QuicAssembly, LaterDcidKeepsOriginalKeys) {
  // After the server's Initial the client addresses the server's CID but keeps its keys.
  test::InitialSpec second =
      initial(padded(test::crypto_frame(30, hello_.data() + 30, hello_.size() - 30)), 1);
  second.dcid = from_hex("5151515151");
  second.key_dcid = &kDcid;
  EXPECT_EQ(
      feed(test::protect_initial(initial(padded(test::crypto_frame(0, hello_.data(), 30)), 0))),
      QuicStatus::kNeedMore);
  ASSERT_EQ(feed(test::protect_initial(second)), QuicStatus::kComplete);
  EXPECT_EQ(counters_.keys_rederived, 0u);
}

TEST_F(QuicAssembly, CryptoBeyondBufferGivesUp) {
  const QuicBytes frames = test::crypto_frame(CryptoStream::kCapacity - 4, hello_.data(), 10);
  EXPECT_EQ(feed(test::protect_initial(initial(padded(frames), 0))), QuicStatus::kMalformed);
  EXPECT_EQ(counters_.crypto_beyond_buffer, 1u);
  EXPECT_EQ(feed(test::protect_initial(
                initial(padded(test::crypto_frame(0, hello_.data(), hello_.size())), 1))),
            QuicStatus::kMalformed);
  assembler_.reset();
  EXPECT_EQ(feed(test::protect_initial(
                initial(padded(test::crypto_frame(0, hello_.data(), hello_.size())), 1))),
            QuicStatus::kComplete);
}

TEST_F(QuicAssembly, CryptoStreamNotStartingWithClientHello) {
  const QuicBytes not_hello = {0x02, 0x00, 0x00, 0x02, 0x00, 0x00};
  EXPECT_EQ(feed(test::protect_initial(
                initial(padded(test::crypto_frame(0, not_hello.data(), not_hello.size())), 0))),
            QuicStatus::kMalformed);
  EXPECT_EQ(counters_.crypto_not_client_hello, 1u);
}

TEST_F(QuicAssembly, GarbageAndNonInitialDatagrams) {
  EXPECT_EQ(feed({}), QuicStatus::kNotQuicInitial);
  EXPECT_EQ(feed(from_hex("4001020304050607")), QuicStatus::kNotQuicInitial);  // short header
  EXPECT_EQ(feed(from_hex("c0babababa0000")), QuicStatus::kNotQuicInitial);    // unknown version
  EXPECT_EQ(counters_.unknown_version, 1u);
  EXPECT_EQ(feed(from_hex("c000000001ff")), QuicStatus::kMalformed);  // DCID length 255
  EXPECT_EQ(counters_.header_malformed, 1u);
  EXPECT_FALSE(looks_like_quic_initial(span_of(from_hex("4001020304050607"))));
  // A v2 packet with v1's Initial type bits is a v2 Retry, not an Initial.
  QuicBytes v2_wrong_type = kRfc9369ProtectedPacket;
  v2_wrong_type[0] = 0xc3;
  EXPECT_FALSE(looks_like_quic_initial(span_of(v2_wrong_type)));
}

TEST_F(QuicAssembly, EveryTruncationOfAnInitialIsHandled) {
  const QuicBytes& packet = kRfc9001ProtectedPacket;
  for (std::size_t n = 0; n < packet.size(); ++n) {
    QuicInitialAssembler assembler;
    const QuicStatus status =
        assembler.on_client_datagram(ByteSpan(packet.data(), n), out_, counters_);
    EXPECT_NE(status, QuicStatus::kComplete) << n;
    EXPECT_NE(status, QuicStatus::kNeedMore) << n;
  }
}

TEST(QuicPacketNumber, DecodesRfc9000Example) {
  // RFC 9000 appendix A.3: largest 0xa82f30ea, 16-bit truncated 0x9b32 -> 0xa82f9b32.
  EXPECT_EQ(decode_packet_number(0xa82f30ea, 0x9b32, 2), 0xa82f9b32u);
  EXPECT_EQ(decode_packet_number(-1, 2, 4), 2u);
  EXPECT_EQ(decode_packet_number(300, 0x01, 1), 257u);
}

TEST(QuicVarint, ReadsAllWidths) {
  // RFC 9000 appendix A.1 examples.
  const QuicBytes bytes = from_hex("c2197c5eff14e88c9d7f3e7d7bbd254025");
  ByteReader reader(span_of(bytes));
  std::uint64_t value = 0;
  ASSERT_TRUE(read_varint(reader, value));
  EXPECT_EQ(value, 151288809941952652u);
  ASSERT_TRUE(read_varint(reader, value));
  EXPECT_EQ(value, 494878333u);
  ASSERT_TRUE(read_varint(reader, value));
  EXPECT_EQ(value, 15293u);
  ASSERT_TRUE(read_varint(reader, value));
  EXPECT_EQ(value, 37u);
  ASSERT_TRUE(read_varint(reader, value));  // the same value in two bytes
  EXPECT_EQ(value, 37u);
  EXPECT_FALSE(read_varint(reader, value));
}

TEST(QuicCryptoStream, TracksContiguousPrefix) {
  CryptoStream stream;
  stream.reset();
  const QuicBytes data = from_hex("000102030405060708090a0b");
  EXPECT_TRUE(stream.insert(4, ByteSpan(data.data() + 4, 4)));
  EXPECT_EQ(stream.contiguous(), 0u);
  EXPECT_TRUE(stream.insert(0, ByteSpan(data.data(), 2)));
  EXPECT_EQ(stream.contiguous(), 2u);
  EXPECT_TRUE(stream.insert(1, ByteSpan(data.data() + 1, 3)));
  EXPECT_EQ(stream.contiguous(), 8u);
  EXPECT_EQ(QuicBytes(stream.prefix().begin(), stream.prefix().end()),
            QuicBytes(data.begin(), data.begin() + 8));
  EXPECT_FALSE(stream.insert(CryptoStream::kCapacity, ByteSpan(data.data(), 1)));
  EXPECT_TRUE(stream.insert(CryptoStream::kCapacity, ByteSpan()));
  EXPECT_FALSE(stream.insert(~std::uint64_t{0}, ByteSpan(data.data(), 1)));
}

}  // namespace
}  // namespace bw::extract::quic
