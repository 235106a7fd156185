#include "sensor/detect/text_stats.h"

#include <gtest/gtest.h>

namespace bw::detect {
namespace {

TEST(CharProfile, CountsEachClass) {
  const CharProfile p = profile_chars("aF3+-.~=x==");
  EXPECT_EQ(p.length, 11u);
  EXPECT_EQ(p.lower, 2u);  // a x
  EXPECT_EQ(p.hex_lower, 1u);
  EXPECT_EQ(p.upper, 1u);
  EXPECT_EQ(p.hex_upper, 1u);
  EXPECT_EQ(p.digits, 1u);
  EXPECT_EQ(p.base32_digits, 1u);
  EXPECT_EQ(p.plus_slash, 1u);
  EXPECT_EQ(p.dash_underscore, 1u);
  EXPECT_EQ(p.dot_tilde, 2u);
  EXPECT_EQ(p.padding, 2u);  // only the trailing two
  EXPECT_EQ(p.other, 1u);    // the '=' inside
}

TEST(CharProfile, HexMustKeepOneCase) {
  EXPECT_TRUE(profile_chars("3f2a9c0e").all_hex());
  EXPECT_TRUE(profile_chars("3F2A9C0E").all_hex());
  EXPECT_FALSE(profile_chars("3f2A9c0E").all_hex());
  EXPECT_FALSE(profile_chars("3f2a9c0g").all_hex());
  EXPECT_TRUE(profile_chars("0123").all_digits());
  EXPECT_FALSE(profile_chars("").all_digits());
}

TEST(Entropy, BitsPerCharacter) {
  EXPECT_FLOAT_EQ(shannon_entropy(""), 0.0f);
  EXPECT_FLOAT_EQ(shannon_entropy("aaaa"), 0.0f);
  EXPECT_FLOAT_EQ(shannon_entropy("aabb"), 1.0f);
  EXPECT_FLOAT_EQ(shannon_entropy("abcd"), 2.0f);
  EXPECT_FLOAT_EQ(shannon_entropy("0123456789abcdef"), 4.0f);
  // -(3/4 log2 3/4 + 1/4 log2 1/4)
  EXPECT_NEAR(shannon_entropy("aaab"), 0.811278f, 1e-5f);
}

TEST(Bigrams, ShareOfCommonPairs) {
  std::size_t pairs = 0;
  EXPECT_FLOAT_EQ(common_bigram_share("thin", pairs), 1.0f);  // th hi in
  EXPECT_EQ(pairs, 3u);
  EXPECT_FLOAT_EQ(common_bigram_share("xqzj", pairs), 0.0f);
  EXPECT_EQ(pairs, 3u);
  EXPECT_FLOAT_EQ(common_bigram_share("The-End", pairs), 1.0f);  // th he, en nd; case-folded
  EXPECT_EQ(pairs, 4u);
  EXPECT_FLOAT_EQ(common_bigram_share("a1b2c3", pairs), 0.0f);
  EXPECT_EQ(pairs, 0u);
}

TEST(Bigrams, WordsAgainstIdentifiers) {
  EXPECT_TRUE(looks_like_words("newsletter2024spring"));
  EXPECT_TRUE(looks_like_words("GetProductDetails"));
  EXPECT_TRUE(looks_like_words("internationalization"));
  EXPECT_TRUE(looks_like_words("kw2024berlinpressemitteilung"));
  EXPECT_FALSE(looks_like_words("VWXgdd2Vxdb5W5NvS4l3Qw2mnW1F"));
  EXPECT_FALSE(looks_like_words("JBSWY3DPEHPK3PXP"));
  EXPECT_FALSE(looks_like_words("the"));  // too few pairs to tell
}

}  // namespace
}  // namespace bw::detect
