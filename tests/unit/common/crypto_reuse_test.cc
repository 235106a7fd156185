// The digest and HMAC contexts are kept per thread and reused; these check that reuse does not
// leak state from one call into the next, and that an empty HMAC key still works.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>

#include "sensor/common/crypto.h"

namespace bw {
namespace {

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& digest) {
  char out[2 * N];
  crypto::to_hex(digest, out);
  return {out, 2 * N};
}

ByteSpan bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// RFC 5869 appendix A.3: zero-length salt and info.
TEST(CryptoReuse, HkdfRfc5869Case3EmptySaltAndInfo) {
  std::array<std::uint8_t, 22> ikm{};
  ikm.fill(0x0b);
  const auto prk = crypto::hkdf_extract_sha256({}, ikm);
  EXPECT_EQ(hex(prk), "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
  std::array<std::uint8_t, 42> okm{};
  ASSERT_TRUE(crypto::hkdf_expand_sha256(prk, {}, okm));
  EXPECT_EQ(hex(okm),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

// HKDF-Extract is HMAC(salt, IKM): RFC 4231 test case 2 checks the HMAC itself, between digests
// that use the other per-thread contexts.
void check_interleaved() {
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(hex(crypto::hkdf_extract_sha256(bytes_of("Jefe"),
                                              bytes_of("what do ya want for nothing?"))),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(hex(crypto::sha1(bytes_of("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(hex(crypto::md5(bytes_of(""))), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(hex(crypto::sha256(bytes_of(""))),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }
}

TEST(CryptoReuse, InterleavedCallsGiveTheSameAnswers) {
  check_interleaved();
}

TEST(CryptoReuse, EachThreadHasItsOwnContexts) {
  std::thread a(check_interleaved);
  std::thread b(check_interleaved);
  a.join();
  b.join();
}

}  // namespace
}  // namespace bw
