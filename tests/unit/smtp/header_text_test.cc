#include "sensor/extract/smtp/header_text.h"

#include <gtest/gtest.h>

#include <string>

namespace bw::extract::smtp {
namespace {

std::string decode(std::string_view raw, SmtpCounters* counters_out = nullptr) {
  SmtpCounters counters;
  FixedString<512> out;
  decode_header_text(raw, out, counters);
  if (counters_out != nullptr) *counters_out = counters;
  return std::string(out.view());
}

// RFC 2047 section 8, the examples whose charsets are supported.
TEST(HeaderText, Rfc2047Examples) {
  EXPECT_EQ(decode("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>"),
            "Keith Moore <moore@cs.utk.edu>");
  EXPECT_EQ(decode("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>"),
            "Keld J\xc3\xb8rn Simonsen <keld@dkuug.dk>");
  EXPECT_EQ(decode("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>"),
            "Andr\xc3\xa9 Pirard <PIRARD@vm1.ulg.ac.be>");
  EXPECT_EQ(decode("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?="), "If you can read this yo");
  EXPECT_EQ(decode("(=?ISO-8859-1?Q?a?=)"), "(a)");
  EXPECT_EQ(decode("(=?ISO-8859-1?Q?a?= b)"), "(a b)");
  EXPECT_EQ(decode("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(decode("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(decode("(=?ISO-8859-1?Q?a_b?=)"), "(a b)");
}

TEST(HeaderText, Utf8CharacterSplitAcrossTwoWordsIsRejoined) {
  // U+20AC (E2 82 AC) cut after its first byte, as some encoders do at 75 columns.
  EXPECT_EQ(decode("=?UTF-8?B?UHJpY2U6IOI=?= =?UTF-8?B?gqwgNQ==?="), "Price: \xe2\x82\xac 5");
}

TEST(HeaderText, Windows1252HighRangeAndLowerCaseEncodingLetter) {
  EXPECT_EQ(decode("=?windows-1252?q?=80_and_=93quotes=94?="),
            "\xe2\x82\xac and \xe2\x80\x9cquotes\xe2\x80\x9d");
}

TEST(HeaderText, LanguageSuffixIsIgnored) {
  EXPECT_EQ(decode("=?utf-8*en?Q?hi?="), "hi");
}

TEST(HeaderText, UnsupportedCharsetStaysEncodedAndIsCounted) {
  SmtpCounters counters;
  EXPECT_EQ(decode("=?KOI8-R?B?8NLJ18XU?= x", &counters), "=?KOI8-R?B?8NLJ18XU?= x");
  EXPECT_EQ(counters.encoded_word_unsupported, 1u);
}

TEST(HeaderText, MalformedWordsAreDecodedAsFarAsPossibleAndCounted) {
  SmtpCounters counters;
  EXPECT_EQ(decode("=?UTF-8?Q?a=ZZb?=", &counters), "a=ZZb");
  EXPECT_EQ(counters.encoded_word_malformed, 1u);
  EXPECT_EQ(decode("=?UTF-8?B?Zm9v*?=", &counters), "foo");
  EXPECT_EQ(counters.encoded_word_malformed, 1u);
}

TEST(HeaderText, TextThatOnlyLooksEncodedIsKept) {
  EXPECT_EQ(decode("=?UTF-8?X?abc?="), "=?UTF-8?X?abc?=");
  EXPECT_EQ(decode("=?UTF-8?Q?no end"), "=?UTF-8?Q?no end");
  EXPECT_EQ(decode("=?UTF-8?Q?has space?="), "=?UTF-8?Q?has space?=");
  EXPECT_EQ(decode("a  b"), "a  b");
}

TEST(HeaderText, RawBytesThatAreNotUtf8AreReadAsLatin1) {
  EXPECT_EQ(decode("caf\xe9 \xc3\xa9"), "caf\xc3\xa9 \xc3\xa9");
  // A decoded word of invalid UTF-8 is repaired the same way.
  EXPECT_EQ(decode("=?UTF-8?Q?=FF?="), "\xc3\xbf");
}

TEST(HeaderText, OutputIsCutAtACharacterBoundary) {
  SmtpCounters counters;
  std::array<char, 4> out{};
  // "aé€": 1 + 2 + 3 bytes; only "aé" fits in 4.
  EXPECT_EQ(decode_header_text("=?UTF-8?Q?a=C3=A9=E2=82=AC?=", out, counters), 3u);
  EXPECT_EQ(std::string_view(out.data(), 3), "a\xc3\xa9");
}

}  // namespace
}  // namespace bw::extract::smtp
