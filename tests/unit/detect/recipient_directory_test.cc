#include "sensor/detect/recipient_directory.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "sensor/common/crypto.h"

namespace bw::detect {
namespace {

using Match = RecipientDirectory::Match;

// Fixtures computed with Python's hashlib and base64 modules.
constexpr std::string_view kJohn = "john.doe@parliament.example";
constexpr std::string_view kJohnBase64 = "am9obi5kb2VAcGFybGlhbWVudC5leGFtcGxl";
constexpr std::string_view kJohnMd5 = "700c1372a8ff2e66e6f6938545413433";
constexpr std::string_view kJohnSha1 = "17c9a08f7191f474796fc83217084ca25d5884e8";
constexpr std::string_view kJohnSha256 =
    "7533186a05a7ba2e01210269806006ac27864f473f8048ee3e23f7b91888d577";
// MD5 of "John.Doe@Parliament.example": digests are of the lower-cased address only.
constexpr std::string_view kJohnWrittenMd5 = "e37cce1fa87ca2b03a86341f8a6406a9";
// Written "Anna.Berg+news@Ministry.example.org": 35 bytes, so 46 whole characters plus a partial.
constexpr std::string_view kAnnaLowerBase64 = "YW5uYS5iZXJnK25ld3NAbWluaXN0cnkuZXhhbXBsZS5vcmc=";
constexpr std::string_view kAnnaWrittenBase64 = "QW5uYS5CZXJnK25ld3NATWluaXN0cnkuZXhhbXBsZS5vcmc=";
// "jo~anna@ministry.example": the '~' puts '+' ('-' URL-safe) in the encoding.
constexpr std::string_view kJoannaBase64 = "am9+YW5uYUBtaW5pc3RyeS5leGFtcGxl";
constexpr std::string_view kJoannaBase64Url = "am9-YW5uYUBtaW5pc3RyeS5leGFtcGxl";

class RecipientDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory_.add("John.Doe@Parliament.example"));
    ASSERT_TRUE(directory_.add("Anna.Berg+news@Ministry.example.org"));
    ASSERT_TRUE(directory_.add("jo~anna@ministry.example"));
  }

  void expect_match(std::string_view text, std::uint32_t recipient, Encoding encoding,
                    std::size_t offset, std::size_t length) {
    Match m;
    ASSERT_TRUE(directory_.match(text, m)) << text;
    EXPECT_EQ(m.recipient_index, recipient) << text;
    EXPECT_EQ(m.encoding, encoding) << text << ": " << encoding_name(m.encoding);
    EXPECT_EQ(m.offset, offset) << text;
    EXPECT_EQ(m.length, length) << text;
  }

  RecipientDirectory directory_;
};

TEST_F(RecipientDirectoryTest, StoresLowerCase) {
  EXPECT_EQ(directory_.size(), 3u);
  EXPECT_EQ(directory_.address(0), kJohn);
  EXPECT_EQ(directory_.address(1), "anna.berg+news@ministry.example.org");
  EXPECT_EQ(directory_.address(3), "");
  EXPECT_TRUE(directory_.add("JOHN.DOE@parliament.example"));  // already there
  EXPECT_EQ(directory_.size(), 3u);
  EXPECT_FALSE(directory_.add("not an address"));
}

TEST_F(RecipientDirectoryTest, PlainInAnyCase) {
  expect_match("/unsub?e=john.doe@parliament.example&x=1", 0, Encoding::kPlain, 9, 27);
  expect_match("/u/JOHN.DOE@PARLIAMENT.EXAMPLE/x", 0, Encoding::kPlain, 3, 27);
}

TEST_F(RecipientDirectoryTest, UrlEncoded) {
  expect_match("/unsub?e=john.doe%40parliament.example", 0, Encoding::kUrlEncoded, 9, 29);
  expect_match("/unsub?e=anna.berg%2Bnews%40ministry%2Eexample.org", 1, Encoding::kUrlEncoded, 9,
               41);
  expect_match("?e=anna.berg+news%40ministry.example.org", 1, Encoding::kUrlEncoded, 3, 37);
}

TEST_F(RecipientDirectoryTest, Base64AloneUnpaddedAndPadded) {
  expect_match(std::string("/o?e=") + std::string(kJohnBase64), 0, Encoding::kBase64, 5, 36);
  expect_match(std::string("/p/") + std::string(kAnnaLowerBase64) + "/x.gif", 1, Encoding::kBase64,
               3, 46);
  const std::string escaped_padding =
      "/p?r=" + std::string(kAnnaLowerBase64.substr(0, 47)) + "%3D&z=1";
  expect_match(escaped_padding, 1, Encoding::kBase64, 5, 46);
}

TEST_F(RecipientDirectoryTest, Base64OfTheAddressAsWritten) {
  expect_match(std::string("/p/") + std::string(kAnnaWrittenBase64), 1, Encoding::kBase64, 3, 46);
}

TEST_F(RecipientDirectoryTest, Base64UrlSafeAndStandardAlphabets) {
  expect_match(std::string("/o/") + std::string(kJoannaBase64Url) + ".gif", 2, Encoding::kBase64Url,
               3, 32);
  expect_match(std::string("/o?d=") + std::string(kJoannaBase64), 2, Encoding::kBase64, 5, 32);
  expect_match("/o?d=am9%2BYW5uYUBtaW5pc3RyeS5leGFtcGxl", 2, Encoding::kBase64, 5, 34);
}

// The address inside a base64 blob, at each of the three byte offsets modulo 3.
TEST_F(RecipientDirectoryTest, Base64InsideALongerBlobAtEveryAlignment) {
  // {"u":"john.doe@parliament.example"}: the address at byte 6, alignment 0.
  expect_match("/t?d=eyJ1Ijoiam9obi5kb2VAcGFybGlhbWVudC5leGFtcGxlIn0=", 0, Encoding::kBase64, 5 + 8,
               36);
  // {"em":"john.doe@parliament.example"}: byte 7, alignment 1.
  expect_match("/t?d=eyJlbSI6ImpvaG4uZG9lQHBhcmxpYW1lbnQuZXhhbXBsZSJ9", 0, Encoding::kBase64,
               5 + 10, 35);
  // {"ema":"john.doe@parliament.example"}: byte 8, alignment 2.
  expect_match("/t/eyJlbWEiOiJqb2huLmRvZUBwYXJsaWFtZW50LmV4YW1wbGUifQ==/p.png", 0,
               Encoding::kBase64, 3 + 11, 35);
}

TEST_F(RecipientDirectoryTest, HexDigestsInEitherCase) {
  expect_match("/px/" + std::string(kJohnMd5) + ".gif", 0, Encoding::kMd5Hex, 4, 32);
  expect_match("/px?h=700C1372A8FF2E66E6F6938545413433", 0, Encoding::kMd5Hex, 6, 32);
  expect_match("/px?h=" + std::string(kJohnSha1), 0, Encoding::kSha1Hex, 6, 40);
  expect_match("/px?h=" + std::string(kJohnSha256) + "&v=2", 0, Encoding::kSha256Hex, 6, 64);
}

TEST_F(RecipientDirectoryTest, InsideDnsNames) {
  expect_match(std::string(kJohnMd5) + ".px.example.com", 0, Encoding::kMd5Hex, 0, 32);
}

TEST_F(RecipientDirectoryTest, LeftmostMatchWins) {
  const std::string text =
      "/a?x=" + std::string(kJohnSha1) + "&y=anna.berg+news@ministry.example.org";
  expect_match(text, 0, Encoding::kSha1Hex, 5, 40);
}

TEST_F(RecipientDirectoryTest, NoMatchForOtherAddresses) {
  Match m;
  EXPECT_FALSE(directory_.match("/u?e=jane.doe@parliament.example", m));
  EXPECT_FALSE(directory_.match("/u?e=john.doe@parliament.example.org", m));
  EXPECT_FALSE(directory_.match("/u?e=xjohn.doe@parliament.example", m));
  EXPECT_FALSE(directory_.match("/u?e=john.doe@parliament-example.org", m));
  EXPECT_FALSE(directory_.match("/px/" + std::string(kJohnWrittenMd5), m));
  EXPECT_FALSE(directory_.match("/px/" + std::string(kJohnMd5.substr(0, 31)) + "g", m));
  // base64 of "john.doe@parliament.example.org" (the address continues), alone and in JSON.
  EXPECT_FALSE(directory_.match("/o?e=am9obi5kb2VAcGFybGlhbWVudC5leGFtcGxlLm9yZw==", m));
  EXPECT_FALSE(directory_.match("/o?e=eyJlIjoiam9obi5kb2VAcGFybGlhbWVudC5leGFtcGxlLm9yZyJ9", m));
  // Base64 is case-sensitive.
  EXPECT_FALSE(directory_.match("/o?e=AM9OBI5KB2VACGFYBGLHBWVUDC5LEGFTCGXL", m));
  EXPECT_FALSE(directory_.match("", m));
  EXPECT_FALSE(directory_.match("%", m));
}

// An address that is the tail of another must not match inside the longer one, in any form.
TEST(RecipientDirectory, SuffixAddressDoesNotMatchInsideALongerOne) {
  RecipientDirectory directory;
  ASSERT_TRUE(directory.add("doe@parliament.example"));
  Match m;
  EXPECT_FALSE(directory.match("/u?e=john.doe@parliament.example", m));
  EXPECT_FALSE(directory.match("/u?e=john.doe%40parliament.example", m));
  EXPECT_FALSE(directory.match(std::string("/o?e=") + std::string(kJohnBase64), m));
  // {"e":"jdoe@parliament.example"}
  EXPECT_FALSE(directory.match("/o?e=eyJlIjoiamRvZUBwYXJsaWFtZW50LmV4YW1wbGUifQ==", m));
  // ...while the address itself, alone or in base64, still does.
  EXPECT_TRUE(directory.match("/u?e=doe@parliament.example", m));
  EXPECT_TRUE(directory.match("/o?e=ZG9lQHBhcmxpYW1lbnQuZXhhbXBsZQ==", m));
  EXPECT_EQ(m.encoding, Encoding::kBase64);
}

TEST(RecipientDirectory, EmptyDirectoryMatchesNothing) {
  const RecipientDirectory directory;
  Match m;
  EXPECT_FALSE(directory.match(std::string("/o?e=") + std::string(kJohnBase64), m));
  EXPECT_EQ(directory.size(), 0u);
}

TEST(RecipientDirectory, PlausibleAddresses) {
  EXPECT_TRUE(is_plausible_address("a@b.cc"));
  EXPECT_TRUE(is_plausible_address("first.o'neil+tag@sub.example-domain.org"));
  EXPECT_FALSE(is_plausible_address("a@b.c1"));
  EXPECT_FALSE(is_plausible_address("a@b"));
  EXPECT_FALSE(is_plausible_address("@b.example"));
  EXPECT_FALSE(is_plausible_address("a@@b.example"));
  EXPECT_FALSE(is_plausible_address("a@b@c.example"));
  EXPECT_FALSE(is_plausible_address(".a@b.example"));
  EXPECT_FALSE(is_plausible_address("a..b@b.example"));
  EXPECT_FALSE(is_plausible_address("a b@b.example"));
  EXPECT_FALSE(is_plausible_address("a@-b.example"));
  EXPECT_FALSE(is_plausible_address("a@b..example"));
  EXPECT_FALSE(is_plausible_address(std::string(65, 'a') + "@b.example"));
  EXPECT_FALSE(is_plausible_address("a@" + std::string(250, 'b') + ".cc"));
}

TEST(RecipientDirectory, LoadFileReportsBadLinesWithTheirNumbers) {
  const std::string path = ::testing::TempDir() + "bw_recipients.txt";
  {
    std::ofstream out(path, std::ios::binary);
    out << "\xef\xbb\xbf# protected recipients\n"                       // 1
        << "\n"                                                         // 2
        << "John Doe <John.Doe@Parliament.example>\n"                   // 3
        << "  anna.berg+news@ministry.example.org  # press office\r\n"  // 4
        << "not-an-address\n"                                           // 5
        << "Broken <x@y.example\n"                                      // 6
        << "a@b.cc trailing words\n"                                    // 7
        << "john.doe@parliament.example\n"                              // 8: duplicate, silently
        << "\t# indented comment\n"                                     // 9
        << "last@line.example";                                         // 10, no newline
  }
  RecipientDirectory directory;
  std::vector<std::string> problems;
  ASSERT_TRUE(RecipientDirectory::load_file(path, directory, problems));
  ASSERT_EQ(directory.size(), 3u);
  EXPECT_EQ(directory.address(0), kJohn);
  EXPECT_EQ(directory.address(1), "anna.berg+news@ministry.example.org");
  EXPECT_EQ(directory.address(2), "last@line.example");
  const std::vector<std::string> expected = {
      path + ":5: not an e-mail address 'not-an-address'",
      path + ":6: '<' without '>' 'Broken <x@y.example'",
      path + ":7: unexpected text after the address 'a@b.cc trailing words'",
  };
  EXPECT_EQ(problems, expected);
}

TEST(RecipientDirectory, LoadFileFailsWhenUnreadable) {
  RecipientDirectory directory;
  std::vector<std::string> problems;
  const std::string path = ::testing::TempDir() + "bw_no_such_file.txt";
  EXPECT_FALSE(RecipientDirectory::load_file(path, directory, problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], path + ": cannot open");
}

TEST(RecipientDirectory, EncodingNames) {
  EXPECT_EQ(encoding_name(Encoding::kPlain), "plain");
  EXPECT_EQ(encoding_name(Encoding::kUrlEncoded), "url-encoded");
  EXPECT_EQ(encoding_name(Encoding::kBase64), "base64");
  EXPECT_EQ(encoding_name(Encoding::kBase64Url), "base64url");
  EXPECT_EQ(encoding_name(Encoding::kMd5Hex), "md5");
  EXPECT_EQ(encoding_name(Encoding::kSha1Hex), "sha1");
  EXPECT_EQ(encoding_name(Encoding::kSha256Hex), "sha256");
}

// --- Scale: 50,000 addresses. Times are printed, not asserted (shared CI machines vary).

std::string synthetic_address(std::size_t i) {
  static constexpr std::array<std::string_view, 40> kGiven = {
      "anna",   "ben",   "clara",  "david",  "eva",   "felix", "greta", "hans", "ida",  "jonas",
      "karin",  "lukas", "maria",  "niklas", "olga",  "paul",  "quinn", "rosa", "sven", "tina",
      "ulrich", "vera",  "wim",    "xenia",  "yusuf", "zoe",   "amir",  "bea",  "carl", "dora",
      "emil",   "frida", "gustav", "hanna",  "igor",  "jana",  "kurt",  "lena", "mats", "nora"};
  static constexpr std::array<std::string_view, 40> kFamily = {
      "schmidt",  "mueller", "meyer",  "weber",   "wagner",  "becker",   "hoffmann", "schulz",
      "koch",     "richter", "klein",  "wolf",    "neumann", "schwarz",  "braun",    "zimmermann",
      "hartmann", "krueger", "lange",  "werner",  "lehmann", "koehler",  "maier",    "herrmann",
      "walter",   "peters",  "fuchs",  "jung",    "moeller", "kaiser",   "frank",    "berger",
      "roth",     "beck",    "lorenz", "baumann", "franke",  "albrecht", "vogel",    "jansen"};
  static constexpr std::array<std::string_view, 7> kDomains = {
      "parliament.example", "bundestag.example",   "ministry.example.org", "press.example",
      "senate.example.net", "chancellery.example", "newsroom.example.com"};
  std::string address = std::string(kGiven[i % 40]) + "." + std::string(kFamily[(i / 40) % 40]);
  if (i >= 1600) address += std::to_string(i / 1600);
  return address + "@" + std::string(kDomains[i % kDomains.size()]);
}

std::string hex_of(const crypto::Md5Digest& digest) {
  std::string out(32, '\0');
  crypto::to_hex(digest, out.data());
  return out;
}

double ns_per_match(const RecipientDirectory& directory, const std::string& text, int rounds,
                    bool& found, Match& m) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i)
    found = directory.match(text, m);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  return std::chrono::duration<double, std::nano>(elapsed).count() / rounds;
}

TEST(RecipientDirectory, FiftyThousandAddresses) {
  constexpr std::size_t kAddresses = 50'000;
  RecipientDirectory directory;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < kAddresses; ++i)
    ASSERT_TRUE(directory.add(synthetic_address(i)));
  const double build_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(directory.size(), kAddresses);

  const std::string last = synthetic_address(kAddresses - 1);
  const std::string benign =
      "/wp-content/themes/twentytwentyfour/assets/fonts/inter/Inter-VariableFont_slnt,wght.woff2"
      "?ver=6.4.2&utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale_2024&ref=home";
  const std::string tracker =
      "/track/open.php?u=8a3f0c19d2b74e6a5c1f09e3d&id=4b7e2a91fc&e=" + std::string(kJohnBase64) +
      "&cb=1700000000123";
  const std::string with_md5 =
      "/px/" +
      hex_of(
          crypto::md5(ByteSpan(reinterpret_cast<const std::uint8_t*>(last.data()), last.size()))) +
      ".gif?c=4b7e2a91fc";
  const std::string with_plain = "/unsub?list=weekly&e=" + last;

  constexpr int kRounds = 20'000;
  bool found = false;
  Match m;
  const double benign_ns = ns_per_match(directory, benign, kRounds, found, m);
  EXPECT_FALSE(found);
  const double tracker_ns = ns_per_match(directory, tracker, kRounds, found, m);
  EXPECT_FALSE(found);  // john.doe is not among the synthetic addresses
  const double md5_ns = ns_per_match(directory, with_md5, kRounds, found, m);
  EXPECT_TRUE(found);
  EXPECT_EQ(m.recipient_index, kAddresses - 1);
  EXPECT_EQ(m.encoding, Encoding::kMd5Hex);
  const double plain_ns = ns_per_match(directory, with_plain, kRounds, found, m);
  EXPECT_TRUE(found);
  EXPECT_EQ(m.recipient_index, kAddresses - 1);

  std::printf(
      "50k directory: build %.0f ms, %zu needles, %.1f MiB; match per URL: benign %zu chars "
      "%.0f ns, tracker %zu chars %.0f ns, md5 hit %.0f ns, plain hit %.0f ns\n",
      build_ms, directory.needle_count(),
      static_cast<double>(directory.memory_bytes()) / (1024.0 * 1024.0), benign.size(), benign_ns,
      tracker.size(), tracker_ns, md5_ns, plain_ns);
}

}  // namespace
}  // namespace bw::detect
