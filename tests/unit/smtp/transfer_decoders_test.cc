#include "sensor/extract/smtp/transfer_decoders.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace bw::extract::smtp {
namespace {

// Feeds encoded lines (each without its line break) to a ContentDecoder the way the MIME walker
// does: the break before a line is given only when the line follows, and each line may arrive in
// pieces cut at `split`.
std::string decode_lines(TransferEncoding encoding, const std::vector<std::string>& lines,
                         std::size_t split = std::string::npos, bool* malformed = nullptr) {
  ContentDecoder decoder;
  decoder.start(encoding);
  std::string decoded;
  std::array<char, 256> buffer;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const std::size_t cut = std::min(split, line.size());
    const std::string_view pieces[] = {line.substr(0, cut), line.substr(cut)};
    for (std::size_t p = 0; p < 2; ++p) {
      OutBuffer out(buffer);
      if (i > 0 && p == 0) decoder.line_break(out);
      decoder.decode(pieces[p], out);
      decoded += out.view();
    }
  }
  OutBuffer out(buffer);
  decoder.finish(out);
  decoded += out.view();
  if (malformed != nullptr) *malformed = decoder.malformed();
  return decoded;
}

TEST(TransferEncoding, ParsesTokensCaseInsensitively) {
  EXPECT_EQ(parse_transfer_encoding(" Quoted-Printable "), TransferEncoding::kQuotedPrintable);
  EXPECT_EQ(parse_transfer_encoding("BASE64"), TransferEncoding::kBase64);
  EXPECT_EQ(parse_transfer_encoding("8bit"), TransferEncoding::kIdentity);
  EXPECT_EQ(parse_transfer_encoding(""), TransferEncoding::kIdentity);
  EXPECT_EQ(parse_transfer_encoding("x-uuencode"), TransferEncoding::kUnknown);
}

// RFC 2045 6.7: "=" then two hex digits is one octet; "=" at the end of a line is a soft break.
TEST(QuotedPrintable, DecodesEscapesAndSoftBreaks) {
  bool malformed = true;
  EXPECT_EQ(decode_lines(TransferEncoding::kQuotedPrintable,
                         {"<img src=3D\"http://news-example.com/o/3f2a=", "9c.gif\">",
                          "caf=C3=A9 na=c3=afve"},
                         std::string::npos, &malformed),
            "<img src=\"http://news-example.com/o/3f2a9c.gif\">\ncaf\xc3\xa9 na\xc3\xafve");
  EXPECT_FALSE(malformed);
}

TEST(QuotedPrintable, BlanksAfterASoftBreakAreTransportPadding) {
  EXPECT_EQ(decode_lines(TransferEncoding::kQuotedPrintable, {"abc= \t", "def"}), "abcdef");
}

TEST(QuotedPrintable, StateCarriesAcrossPiecesAtEveryOffset) {
  const std::vector<std::string> lines = {"a=3Db=3", "D=", "c==41=4", "1"};
  const std::string whole = decode_lines(TransferEncoding::kQuotedPrintable, lines);
  // An escape cut by a hard line break is malformed, kept literally.
  EXPECT_EQ(whole, "a=b=3\nDc=A=4\n1");
  for (std::size_t split = 0; split <= 8; ++split) {
    EXPECT_EQ(decode_lines(TransferEncoding::kQuotedPrintable, lines, split), whole) << split;
  }
}

TEST(QuotedPrintable, MalformedEscapesAreKeptLiterallyAndFlagged) {
  bool malformed = false;
  EXPECT_EQ(decode_lines(TransferEncoding::kQuotedPrintable, {"100=%", "x=4G", "end=4"},
                         std::string::npos, &malformed),
            "100=%\nx=4G\nend=4");
  EXPECT_TRUE(malformed);
}

// RFC 4648 section 10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},
      {"Zg==", "f"},
      {"Zm8=", "fo"},
      {"Zm9v", "foo"},
      {"Zm9vYg==", "foob"},
      {"Zm9vYmE=", "fooba"},
      {"Zm9vYmFy", "foobar"},
  };
  for (const auto& [encoded, plain] : vectors) {
    bool malformed = true;
    EXPECT_EQ(decode_lines(TransferEncoding::kBase64, {encoded}, std::string::npos, &malformed),
              plain);
    EXPECT_FALSE(malformed) << encoded;
  }
}

TEST(Base64, QuantaSpanLinesAndPieces) {
  // "<a href=\"http://x.example/\">" encoded, wrapped at 12 characters.
  const std::vector<std::string> lines = {"PGEgaHJlZj0i", "aHR0cDovL3gu", "ZXhhbXBsZS8i", "Pg=="};
  for (std::size_t split = 0; split <= 12; ++split) {
    EXPECT_EQ(decode_lines(TransferEncoding::kBase64, lines, split),
              "<a href=\"http://x.example/\">")
        << split;
  }
}

TEST(Base64, MissingPaddingIsAcceptedAndJunkIsFlagged) {
  bool malformed = true;
  EXPECT_EQ(decode_lines(TransferEncoding::kBase64, {"Zm9vYg"}, std::string::npos, &malformed),
            "foob");
  EXPECT_FALSE(malformed);
  EXPECT_EQ(decode_lines(TransferEncoding::kBase64, {"Zm9v!YmFy"}, std::string::npos, &malformed),
            "foobar");
  EXPECT_TRUE(malformed);
  decode_lines(TransferEncoding::kBase64, {"Zm9vY"}, std::string::npos, &malformed);
  EXPECT_TRUE(malformed);  // a lone sextet cannot carry a byte
}

TEST(Identity, LineBreaksBecomeLf) {
  EXPECT_EQ(decode_lines(TransferEncoding::kIdentity, {"one", "", "two"}), "one\n\ntwo");
}

TEST(OutBuffer, DropsWritesPastItsEnd) {
  std::array<char, 2> storage{};
  OutBuffer out(storage);
  out.put('a');
  out.put('b');
  out.put('c');
  EXPECT_EQ(out.view(), "ab");
}

}  // namespace
}  // namespace bw::extract::smtp
