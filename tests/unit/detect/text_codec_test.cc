#include "sensor/detect/text_codec.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace bw::detect {
namespace {

std::string encode(std::string_view text, Base64Alphabet alphabet) {
  std::string out(base64_unpadded_length(text.size()), '\0');
  base64_encode(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), alphabet,
                out.data());
  return out;
}

bool decode(std::string_view text, std::string& out) {
  std::array<std::uint8_t, 64> bytes{};
  std::size_t written = 0;
  if (!base64_decode(text, bytes.data(), bytes.size(), written)) return false;
  out.assign(reinterpret_cast<const char*>(bytes.data()), written);
  return true;
}

// RFC 4648 section 10 test vectors, without their padding (the encoder writes none).
TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(encode("", Base64Alphabet::kStandard), "");
  EXPECT_EQ(encode("f", Base64Alphabet::kStandard), "Zg");
  EXPECT_EQ(encode("fo", Base64Alphabet::kStandard), "Zm8");
  EXPECT_EQ(encode("foo", Base64Alphabet::kStandard), "Zm9v");
  EXPECT_EQ(encode("foob", Base64Alphabet::kStandard), "Zm9vYg");
  EXPECT_EQ(encode("fooba", Base64Alphabet::kStandard), "Zm9vYmE");
  EXPECT_EQ(encode("foobar", Base64Alphabet::kStandard), "Zm9vYmFy");
}

TEST(Base64, AlphabetsDifferInTheirLastTwoCharacters) {
  const std::string bytes = "\xfb\xff\xbf";
  EXPECT_EQ(encode(bytes, Base64Alphabet::kStandard), "+/+/");
  EXPECT_EQ(encode(bytes, Base64Alphabet::kUrlSafe), "-_-_");
}

TEST(Base64, DecodesRfc4648VectorsPaddedOrNot) {
  std::string out;
  ASSERT_TRUE(decode("Zm9vYg==", out));
  EXPECT_EQ(out, "foob");
  ASSERT_TRUE(decode("Zm9vYg", out));
  EXPECT_EQ(out, "foob");
  ASSERT_TRUE(decode("Zm9vYmE=", out));
  EXPECT_EQ(out, "fooba");
  ASSERT_TRUE(decode("Zm9vYmFy", out));
  EXPECT_EQ(out, "foobar");
  ASSERT_TRUE(decode("-_-_", out));
  EXPECT_EQ(out, "\xfb\xff\xbf");
}

TEST(Base64, RejectsWhatNoEncoderWrites) {
  std::string out;
  EXPECT_FALSE(decode("Zm9vY", out));     // 5 chars: a length no encoding has
  EXPECT_FALSE(decode("Zm9v!mFy", out));  // not in either alphabet
  EXPECT_FALSE(decode("+/-_", out));      // both alphabets at once
  EXPECT_FALSE(decode("Zm9vYg=", out));   // padding that does not complete a group
  EXPECT_FALSE(decode("Zm=9vYg=", out));  // '=' inside
  std::array<std::uint8_t, 2> small{};
  std::size_t written = 0;
  EXPECT_FALSE(base64_decode("Zm9v", small.data(), small.size(), written));  // 3 bytes, room 2
}

TEST(PercentDecode, DecodesEscapesAndMapsOffsets) {
  DecodedText d;
  percent_decode("a%40b%2fc", d);
  EXPECT_EQ(d.view(), "a@b/c");
  EXPECT_EQ(d.malformed_escapes, 0u);
  EXPECT_EQ(d.raw_begin(0), 0u);
  EXPECT_EQ(d.raw_begin(1), 1u);  // '@' came from "%40" at 1
  EXPECT_EQ(d.raw_begin(2), 4u);
  EXPECT_EQ(d.raw_begin(3), 5u);  // '/' from "%2f"
  EXPECT_EQ(d.raw_begin(4), 8u);
  EXPECT_EQ(d.raw_length(0, 5), 9u);
  EXPECT_EQ(d.raw_length(1, 2), 3u);
}

TEST(PercentDecode, KeepsMalformedEscapesLiterally) {
  DecodedText d;
  percent_decode("%zz%4%%41%", d);
  EXPECT_EQ(d.view(), "%zz%4%A%");
  EXPECT_EQ(d.malformed_escapes, 4u);  // "%zz", "%4", the lone '%' before "%41", the last '%'
  EXPECT_EQ(d.raw_length(0, d.size), 10u);
  percent_decode("+stays+", d);
  EXPECT_EQ(d.view(), "+stays+");
}

TEST(PercentDecode, BoundsTheWork) {
  const std::string long_text(kMaxDecodedText + 100, 'a');
  DecodedText d;
  percent_decode(long_text, d);
  EXPECT_EQ(d.size, kMaxDecodedText);
  EXPECT_TRUE(d.raw_truncated);
  EXPECT_EQ(d.raw_length(0, d.size), kMaxDecodedText);
}

TEST(HexDigit, Values) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  EXPECT_EQ(hex_digit_value('g'), -1);
  EXPECT_EQ(hex_digit_value('%'), -1);
}

}  // namespace
}  // namespace bw::detect
