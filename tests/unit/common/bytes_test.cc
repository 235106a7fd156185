#include "sensor/common/bytes.h"

#include <gtest/gtest.h>

#include <array>

#include "sensor/common/crypto.h"
#include "sensor/common/fixed_string.h"
#include "sensor/common/ip_address.h"

namespace bw {
namespace {

TEST(ByteReader, ReadsBigEndianFieldsInOrder) {
  const std::array<std::uint8_t, 10> bytes = {0x01, 0x02, 0x03, 0x04, 0x05,
                                              0x06, 0x07, 0x08, 0x09, 0x0a};
  ByteReader reader(bytes);
  std::uint8_t a = 0;
  std::uint16_t b = 0;
  std::uint32_t c = 0;
  std::uint32_t d = 0;
  ASSERT_TRUE(reader.u8(a) && reader.be16(b) && reader.be24(c) && reader.be32(d));
  EXPECT_EQ(a, 0x01);
  EXPECT_EQ(b, 0x0203);
  EXPECT_EQ(c, 0x040506u);
  EXPECT_EQ(d, 0x0708090au);
  EXPECT_TRUE(reader.empty());
}

TEST(ByteReader, FailedReadPoisonsTheReader) {
  const std::array<std::uint8_t, 3> bytes = {0x00, 0x05, 0xaa};
  ByteReader reader(bytes);
  ByteSpan vec;
  EXPECT_FALSE(reader.vec16(vec));  // declares 5 bytes, only 1 left
  EXPECT_FALSE(reader.ok());
  std::uint8_t byte = 0;
  EXPECT_FALSE(reader.u8(byte));  // stays failed even though a byte remains
  EXPECT_EQ(reader.remaining(), 0u);
}

TEST(ByteReader, LengthPrefixedVectors) {
  const std::array<std::uint8_t, 7> bytes = {0x02, 0xaa, 0xbb, 0x00, 0x01, 0xcc, 0xdd};
  ByteReader reader(bytes);
  ByteSpan first;
  ByteSpan second;
  ASSERT_TRUE(reader.vec8(first));
  ASSERT_TRUE(reader.vec16(second));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1], 0xbb);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0], 0xcc);
  EXPECT_EQ(reader.remaining(), 1u);
}

TEST(LoadHelpers, LittleAndBigEndian) {
  const std::array<std::uint8_t, 8> bytes = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(load_be64(bytes.data()), 0x0102030405060708ull);
  EXPECT_EQ(load_le64(bytes.data()), 0x0807060504030201ull);
  EXPECT_EQ(load_le16(bytes.data()), 0x0201);
  EXPECT_EQ(load_le32(bytes.data() + 1), 0x05040302u);
}

TEST(FixedString, TruncatesAndFlags) {
  FixedString<4> s;
  s.assign("ab");
  EXPECT_EQ(s.view(), "ab");
  EXPECT_FALSE(s.truncated());
  s.append("cdef");
  EXPECT_EQ(s.view(), "abcd");
  EXPECT_TRUE(s.truncated());
  s.assign("x");
  EXPECT_EQ(s.view(), "x");
  EXPECT_FALSE(s.truncated());
}

TEST(FixedVector, RefusesBeyondCapacity) {
  FixedVector<int, 2> v;
  EXPECT_TRUE(v.push_back(1));
  EXPECT_TRUE(v.push_back(2));
  EXPECT_FALSE(v.push_back(3));
  EXPECT_TRUE(v.truncated());
  EXPECT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1], 2);
}

TEST(IpAddress, FormatsBothFamilies) {
  const std::uint8_t v4[4] = {192, 0, 2, 1};
  EXPECT_EQ(IpAddress::v4(v4).to_string(), "192.0.2.1");
  std::uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
  v6[15] = 1;
  EXPECT_EQ(IpAddress::v6(v6).to_string(), "2001:db8::1");
  EXPECT_TRUE(IpAddress::v4(v4) < IpAddress::v6(v6));
}

std::string hex(ByteSpan bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const std::uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

ByteSpan text_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(Crypto, DigestsMatchPublishedVectors) {
  EXPECT_EQ(hex(crypto::md5(text_bytes("abc"))), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex(crypto::sha1(text_bytes("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(crypto::sha256(text_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, HkdfMatchesRfc5869Case1) {
  std::array<std::uint8_t, 22> ikm{};
  ikm.fill(0x0b);
  std::array<std::uint8_t, 13> salt{};
  for (std::size_t i = 0; i < salt.size(); ++i)
    salt[i] = static_cast<std::uint8_t>(i);
  std::array<std::uint8_t, 10> info{};
  for (std::size_t i = 0; i < info.size(); ++i)
    info[i] = static_cast<std::uint8_t>(0xf0 + i);
  const auto prk = crypto::hkdf_extract_sha256(salt, ikm);
  EXPECT_EQ(hex(prk), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  std::array<std::uint8_t, 42> okm{};
  ASSERT_TRUE(crypto::hkdf_expand_sha256(prk, info, okm));
  EXPECT_EQ(hex(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(Crypto, GcmRoundTripAndTamperDetection) {
  std::array<std::uint8_t, 16> key{};
  std::array<std::uint8_t, 12> iv{};
  key[0] = 1;
  iv[11] = 7;
  const std::array<std::uint8_t, 3> aad = {9, 9, 9};
  const std::string_view plain = "tracking pixel";
  std::array<std::uint8_t, 14> cipher{};
  std::array<std::uint8_t, 16> tag{};
  ASSERT_TRUE(crypto::aes128_gcm_encrypt(key, iv, aad, text_bytes(plain), cipher, tag));
  std::array<std::uint8_t, 14> decrypted{};
  ASSERT_TRUE(crypto::aes128_gcm_decrypt(key, iv, aad, cipher, tag, decrypted));
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(decrypted.data()), 14), plain);
  cipher[0] ^= 1;
  EXPECT_FALSE(crypto::aes128_gcm_decrypt(key, iv, aad, cipher, tag, decrypted));
}

}  // namespace
}  // namespace bw
