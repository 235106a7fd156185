// QUIC Initial protection: the generator's key schedule against the RFC test vectors, and every
// generated Initial decrypted by an independent use of the crypto primitives.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <string>

#include "sensor/common/crypto.h"
#include "tests/unit/generator/generated_capture.h"
#include "tests/unit/generator/tls_reader.h"
#include "tools/generator/quic_content.h"

namespace bw::gen::testing {
namespace {

std::vector<std::uint8_t> unhex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

template <std::size_t N>
std::vector<std::uint8_t> vec(const std::array<std::uint8_t, N>& a) {
  return {a.begin(), a.end()};
}

// RFC 9001 appendix A.1: keys for the client DCID 0x8394c8f03e515708.
TEST(QuicKeyScheduleTest, Version1MatchesRfc9001) {
  const auto dcid = unhex("8394c8f03e515708");
  QuicKeys client, server;
  ASSERT_TRUE(derive_initial_keys(kQuicVersion1, dcid, false, client));
  ASSERT_TRUE(derive_initial_keys(kQuicVersion1, dcid, true, server));
  EXPECT_EQ(vec(client.key), unhex("1f369613dd76d5467730efcbe3b1a22d"));
  EXPECT_EQ(vec(client.iv), unhex("fa044b2f42a3fd3b46fb255c"));
  EXPECT_EQ(vec(client.hp), unhex("9f50449e04a0e810283a1e9933adedd2"));
  EXPECT_EQ(vec(server.key), unhex("cf3a5331653c364c88f0f379b6067e37"));
  EXPECT_EQ(vec(server.iv), unhex("0ac1493ca1905853b0bba03e"));
  EXPECT_EQ(vec(server.hp), unhex("c206b8d9b9f0f37644430b490eeaa314"));
}

// RFC 9369 appendix A.1, same DCID.
TEST(QuicKeyScheduleTest, Version2MatchesRfc9369) {
  const auto dcid = unhex("8394c8f03e515708");
  QuicKeys client;
  ASSERT_TRUE(derive_initial_keys(kQuicVersion2, dcid, false, client));
  EXPECT_EQ(vec(client.key), unhex("8b1a0bc121284290a29e0971b5cd045d"));
  EXPECT_EQ(vec(client.iv), unhex("91f73e2351d8fa91660e909f"));
  EXPECT_EQ(vec(client.hp), unhex("45b95e15235d6f45a6b19cbcb0294ba9"));
  EXPECT_EQ(long_header_type_bits(kQuicVersion2, QuicPacketType::kInitial), 1);
  EXPECT_EQ(long_header_type_bits(kQuicVersion2, QuicPacketType::kHandshake), 3);
  EXPECT_EQ(long_header_type_bits(kQuicVersion1, QuicPacketType::kHandshake), 2);
}

// Independent key derivation: HKDF straight from the primitives, labels spelled out here.
struct Keys {
  std::array<std::uint8_t, 16> key{}, hp{};
  std::array<std::uint8_t, 12> iv{};
};

void expand(ByteSpan secret, const std::string& label, std::span<std::uint8_t> out) {
  std::vector<std::uint8_t> info = {0, static_cast<std::uint8_t>(out.size()),
                                    static_cast<std::uint8_t>(6 + label.size())};
  const std::string full = "tls13 " + label;
  info.insert(info.end(), full.begin(), full.end());
  info.push_back(0);
  ASSERT_TRUE(crypto::hkdf_expand_sha256(secret, info, out));
}

Keys keys_for(std::uint32_t version, ByteSpan dcid, bool server) {
  const bool v2 = version == 0x6b3343cf;
  const auto salt = unhex(v2 ? "0dede3def700a6db819381be6e269dcbf9bd2ed9"
                             : "38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
  const auto initial = crypto::hkdf_extract_sha256(salt, dcid);
  std::array<std::uint8_t, 32> secret{};
  expand(initial, server ? "server in" : "client in", secret);
  Keys k;
  const std::string prefix = v2 ? "quicv2 " : "quic ";
  expand(secret, prefix + "key", k.key);
  expand(secret, prefix + "iv", k.iv);
  expand(secret, prefix + "hp", k.hp);
  return k;
}

std::uint64_t read_varint(ByteSpan data, std::size_t& at) {
  const std::size_t length = std::size_t{1} << (data[at] >> 6);
  std::uint64_t value = data[at] & 0x3f;
  for (std::size_t i = 1; i < length; ++i)
    value = (value << 8) | data[at + i];
  at += length;
  return value;
}

struct Opened {
  bool ok = false;
  std::vector<std::uint8_t> dcid;
  std::vector<std::uint8_t> plaintext;
  std::size_t length = 0;  // bytes of the datagram this packet used
};

// Removes header protection and decrypts one Initial at the start of `packet`.
Opened open_initial(ByteSpan packet, const Keys& keys) {
  Opened o;
  std::size_t at = 5;
  o.dcid.assign(packet.begin() + 6, packet.begin() + 6 + packet[at]);
  at += 1 + packet[at];
  at += 1 + packet[at];
  const std::uint64_t token = read_varint(packet, at);
  at += token;
  const std::uint64_t length = read_varint(packet, at);
  const std::size_t pn_offset = at;
  o.length = pn_offset + length;
  if (o.length > packet.size() || length < 20) return o;
  std::vector<std::uint8_t> header(packet.begin(), packet.begin() + pn_offset + 4);
  std::array<std::uint8_t, 16> mask{};
  EXPECT_TRUE(crypto::aes128_ecb_encrypt_block(keys.hp, packet.subspan(pn_offset + 4, 16), mask));
  header[0] ^= mask[0] & 0x0f;
  const std::size_t pn_length = (header[0] & 3) + 1;
  header.resize(pn_offset + pn_length);
  std::uint64_t pn = 0;
  for (std::size_t i = 0; i < pn_length; ++i) {
    header[pn_offset + i] ^= mask[1 + i];
    pn = (pn << 8) | header[pn_offset + i];
  }
  std::array<std::uint8_t, 12> nonce = keys.iv;
  for (int i = 0; i < 8; ++i)
    nonce[11 - i] ^= static_cast<std::uint8_t>(pn >> (8 * i));
  const std::size_t body = pn_offset + pn_length;
  const ByteSpan ciphertext = packet.subspan(body, o.length - body - 16);
  o.plaintext.resize(ciphertext.size());
  o.ok = crypto::aes128_gcm_decrypt(keys.key, nonce, header, ciphertext,
                                    packet.subspan(o.length - 16, 16), o.plaintext);
  return o;
}

struct FrameStats {
  std::map<std::uint64_t, std::vector<std::uint8_t>> crypto;  // offset -> data
  bool ping = false;
  bool first_frame_not_at_zero = false;
  std::size_t crypto_frames = 0;
};

bool walk_frames(ByteSpan plaintext, FrameStats& stats) {
  bool first_crypto = true;
  for (std::size_t at = 0; at < plaintext.size();) {
    const std::uint8_t type = plaintext[at++];
    if (type == 0x00) continue;
    if (type == 0x01) {
      stats.ping = true;
    } else if (type == 0x02) {
      read_varint(plaintext, at);
      read_varint(plaintext, at);
      const std::uint64_t ranges = read_varint(plaintext, at);
      read_varint(plaintext, at);
      for (std::uint64_t r = 0; r < 2 * ranges; ++r)
        read_varint(plaintext, at);
    } else if (type == 0x06) {
      const std::uint64_t offset = read_varint(plaintext, at);
      const std::uint64_t length = read_varint(plaintext, at);
      if (at + length > plaintext.size()) return false;
      if (first_crypto && offset != 0) stats.first_frame_not_at_zero = true;
      first_crypto = false;
      stats.crypto[offset].assign(plaintext.begin() + at, plaintext.begin() + at + length);
      ++stats.crypto_frames;
      at += length;
    } else {
      return false;
    }
  }
  return true;
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes)
    out += {kDigits[b >> 4], kDigits[b & 0xf]};
  return out;
}

struct Connection {
  std::uint32_t version = 0;
  std::vector<std::uint8_t> original_dcid;
  FrameStats client;
  FrameStats server;
  std::size_t client_initials = 0;
  std::size_t server_initials = 0;
  std::size_t smallest_client_datagram = 100000;
};

std::map<std::string, Connection> open_all(const Generated& g) {
  std::map<std::string, Connection> connections;
  for (const Segment& s : g.walker.segments()) {
    if (s.protocol != 17 || (s.dst_port != 443 && s.src_port != 443)) continue;
    const ByteSpan datagram(s.payload);
    if (datagram.size() < 7 || (datagram[0] & 0x80) == 0) continue;
    const std::uint32_t version = load_be32(datagram.data() + 1);
    const std::uint8_t type = (datagram[0] >> 4) & 3;
    const bool initial = version == 0x6b3343cf ? type == 1 : type == 0;
    if (!initial) continue;
    const bool from_client = s.dst_port == 443;
    const std::string key = s.src.to_string() + ":" + std::to_string(s.src_port) + "/" +
                            s.dst.to_string() + ":" + std::to_string(s.dst_port);
    const std::string flow = from_client
                                 ? key
                                 : s.dst.to_string() + ":" + std::to_string(s.dst_port) + "/" +
                                       s.src.to_string() + ":" + std::to_string(s.src_port);
    Connection& c = connections[flow];
    if (c.original_dcid.empty()) {
      EXPECT_TRUE(from_client) << "server spoke first";
      c.original_dcid.assign(datagram.begin() + 6, datagram.begin() + 6 + datagram[5]);
      c.version = version;
    }
    const Opened opened = open_initial(datagram, keys_for(version, c.original_dcid, !from_client));
    EXPECT_TRUE(opened.ok) << "Initial does not authenticate on " << flow;
    if (!opened.ok) continue;
    FrameStats& stats = from_client ? c.client : c.server;
    EXPECT_TRUE(walk_frames(opened.plaintext, stats)) << flow;
    if (from_client) {
      ++c.client_initials;
      c.smallest_client_datagram = std::min(c.smallest_client_datagram, datagram.size());
    } else {
      ++c.server_initials;
    }
  }
  return connections;
}

std::vector<std::uint8_t> contiguous(const FrameStats& stats) {
  std::vector<std::uint8_t> out;
  for (const auto& [offset, data] : stats.crypto) {
    if (offset > out.size()) return {};
    if (offset + data.size() > out.size()) {
      out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(out.size() - offset),
                 data.end());
    }
  }
  return out;
}

class QuicInitialTest : public ::testing::TestWithParam<std::string> {};

TEST_P(QuicInitialTest, InitialsDecryptToTheTruthsClientHello) {
  const Generated& g = generated(GetParam());
  const auto connections = open_all(g);
  std::map<std::string, const GroundTruth*> truth_by_dcid;
  for (const GroundTruth& row : g.truth) {
    if (row.kind == "quic") truth_by_dcid[row.quic_dcid] = &row;
  }
  ASSERT_EQ(connections.size(), truth_by_dcid.size());
  for (const auto& [flow, c] : connections) {
    const auto it = truth_by_dcid.find(hex(c.original_dcid));
    ASSERT_NE(it, truth_by_dcid.end()) << flow;
    const GroundTruth& row = *it->second;
    EXPECT_EQ(c.version, row.quic_version);
    EXPECT_GE(c.smallest_client_datagram, 1200u);
    ParsedHello hello;
    ASSERT_TRUE(parse_client_hello(contiguous(c.client), hello)) << flow;
    EXPECT_EQ(hello.sni, row.sni);
    EXPECT_EQ(hello.ja3, row.ja3);
    EXPECT_EQ(hello.alpn, std::vector<std::string>{"h3"});
    EXPECT_NE(std::find(hello.extensions.begin(), hello.extensions.end(), 0x39),
              hello.extensions.end());
    // The server's Initial carries its ServerHello.
    const auto server_hello = contiguous(c.server);
    ASSERT_FALSE(server_hello.empty()) << flow;
    EXPECT_EQ(server_hello[0], 2);
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, QuicInitialTest,
                         ::testing::Values("demo", "protocols", "dense", "mixed"));

TEST(QuicInitialVariantsTest, SplitScrambledAndVersionTwoHellosArePresent) {
  const auto connections = open_all(generated("protocols"));
  bool split = false, reordered = false, ping = false, v2 = false, post_quantum = false;
  for (const auto& [flow, c] : connections) {
    split |= c.client_initials >= 3;  // two for the hello, one carrying the ACK
    reordered |= c.client.first_frame_not_at_zero;
    ping |= c.client.ping;
    v2 |= c.version == 0x6b3343cf;
    ParsedHello hello;
    ASSERT_TRUE(parse_client_hello(contiguous(c.client), hello));
    for (const auto& [group, length] : hello.key_shares) {
      if (group == 0x11ec) {
        EXPECT_EQ(length, 1216u);
        post_quantum = true;
      }
    }
  }
  EXPECT_TRUE(split);
  EXPECT_TRUE(reordered);
  EXPECT_TRUE(ping);
  EXPECT_TRUE(v2);
  EXPECT_TRUE(post_quantum);
}

TEST(QuicInitialVariantsTest, TamperedInitialFailsAuthentication) {
  const Generated& g = generated("protocols");
  for (const Segment& s : g.walker.segments()) {
    if (s.protocol != 17 || s.dst_port != 443 || s.payload.empty() || !(s.payload[0] & 0x80)) {
      continue;
    }
    std::vector<std::uint8_t> packet = s.payload;
    const std::vector<std::uint8_t> dcid(packet.begin() + 6, packet.begin() + 6 + packet[5]);
    const Keys keys = keys_for(load_be32(packet.data() + 1), dcid, false);
    ASSERT_TRUE(open_initial(packet, keys).ok);
    packet[packet.size() / 2] ^= 0x40;
    EXPECT_FALSE(open_initial(packet, keys).ok);
    return;
  }
  FAIL() << "no client Initial found";
}

}  // namespace
}  // namespace bw::gen::testing
