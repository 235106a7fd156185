#include "sensor/detect/url_tokens.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "sensor/detect/text_codec.h"

namespace bw::detect {
namespace {

std::string template_of(std::string_view url) {
  return std::string(analyse_url(url).url_template.view());
}

std::string dns_template_of(std::string_view name) {
  return std::string(analyse_dns_name(name).url_template.view());
}

TokenKind kind_of(std::string_view piece, PieceContext context) {
  const TokenJudgement j = judge_piece(piece, context);
  EXPECT_TRUE(j.is_token) << piece;
  return j.kind;
}

bool is_token(std::string_view piece, PieceContext context) {
  return judge_piece(piece, context).is_token;
}

// --- Tracker shapes, written for these tests after the public shape of each ESP's open pixel.

TEST(UrlTemplate, MailchimpLikeOpenPixel) {
  // u = account (25 hex), id = campaign (10 hex), e = recipient (10 hex).
  EXPECT_EQ(template_of("/track/open.php?u=8a3f0c19d2b74e6a5c1f09e3d&id=4b7e2a91fc&e=c3d08f1a6b"),
            "/track/open.php?u={hex25}&id={hex10}&e={hex10}");
}

TEST(UrlTemplate, HubSpotLikeTrackingPath) {
  EXPECT_EQ(template_of("/e3t/Ctc/LX+113/cKq9-04/W8xZ3mQp7Rt2Vn5Jk4Hb9Lc6Df1Gs8Ty0Ue3Wa7Zx5Nm2"),
            "/e3t/Ctc/LX+113/cKq9-04/{b64url}");
}

TEST(UrlTemplate, SendGridLikeOpenPixel) {
  EXPECT_EQ(template_of("/wf/open?upn=u001.Jx2hHq8kP0-bLm3VvQ7aZr9TnY4wXe6Ks1Dg5Cf_Uo8Ni2Rp7Ma3Hb0L"
                        "z9Qy4Wt6Ev1Sj5Gk8Pd3Fn2Bx7"),
            "/wf/open?upn={tok}");
}

TEST(UrlTemplate, SalesforceLikeOpenPixel) {
  // One bare query item of hex groups: masked whole, since splitting it would leave its short
  // groups (which differ per recipient too) in the template.
  EXPECT_EQ(template_of("/open.aspx?ffcd14-fe3a1571746c0d7e-fe2f15707d6c067d7d15-fe8d1372716c0c7f"
                        "77-ff9a1d71"),
            "/open.aspx?{tok}");
}

TEST(UrlTemplate, ExamplesFromTheIssue) {
  EXPECT_EQ(template_of("/img/3f2a9c0e4b7d11ee9a1c0242ac120002.gif"), "/img/{hex32}.gif");
  EXPECT_EQ(template_of("/o/eyJ1IjoxMjM0fQ/pixel.png"), "/o/{b64}/pixel.png");
  EXPECT_EQ(template_of(
                "/track/"
                "open.php?u=5f9c2b&id=a81b3c9d0e1f2a3b4c5d&e=am9obi5kb2VAcGFybGlhbWVudC5leGFtcGxl"),
            "/track/open.php?u=5f9c2b&id={hex20}&e={b64}");  // six hex digits stay literal
}

TEST(UrlTemplate, TokensReportRawOffsetsKindAndEntropy) {
  const std::string url = "/p/a81b3c9d-0e1f-4a3b-8c5d-6e7f8a9b0c1d/open.gif?t=1700000000123";
  const UrlAnalysis a = analyse_url(url);
  EXPECT_EQ(a.url_template.view(), "/p/{uuid}/open.gif?t={num}");
  ASSERT_EQ(a.tokens.size(), 2u);
  EXPECT_EQ(a.tokens[0].offset, 3);
  EXPECT_EQ(a.tokens[0].length, 36);
  EXPECT_EQ(a.tokens[0].kind, TokenKind::kUuid);
  EXPECT_EQ(a.tokens[1].offset, 51);
  EXPECT_EQ(a.tokens[1].length, 13);
  EXPECT_EQ(a.tokens[1].kind, TokenKind::kDecimal);
  // "1700000000123": eight '0', two '1', one each of 7, 2, 3.
  EXPECT_NEAR(a.tokens[1].entropy_bits_per_char, 1.7004f, 1e-3f);
  EXPECT_FALSE(a.template_truncated);
}

TEST(UrlTemplate, TokensBetweenPunctuationKeepTheWordsAround) {
  EXPECT_EQ(template_of("/pixel_3f2a9c0e4b7d11ee9a1c0242ac120002.gif"), "/pixel_{hex32}.gif");
  EXPECT_EQ(template_of("/index.jsp;jsessionid=0A1B2C3D4E5F60718293A4B5C6D7E8F9?x=1"),
            "/index.jsp;jsessionid={hex32}?x=1");
  EXPECT_EQ(template_of("/r/newsletter-subscriber-a81b3c9d-0e1f-4a3b-8c5d-6e7f8a9b0c1d"),
            "/r/newsletter-subscriber-{uuid}");
}

TEST(UrlTemplate, OtherAlphabets) {
  EXPECT_EQ(template_of("/open?d=JBSWY3DPEHPK3PXPJBSWY3DP"), "/open?d={b32}");
  EXPECT_EQ(template_of("/q?id=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA%3D%3D&x=1"), "/q?id={b64}&x=1");
  EXPECT_EQ(template_of("/q?s=Qb6NSCJfJS4q+YDfMrlDVLjg"), "/q?s={b64}");
  EXPECT_EQ(template_of("/t/k3j9x8q2m1n7b5v4c6z0w8r2"), "/t/{tok}");
}

TEST(UrlTemplate, AbsoluteFormJudgesHostLabelsAndFoldsTheirCase) {
  const std::string url =
      "http://A3F9E0C2B1D4.t.News-Example.com:8080/px.gif?r=%61%6d%39obi5kb2VAcGFybGlhbWVudC5l"
      "eGFtcGxl";
  const UrlAnalysis a = analyse_url(url);
  EXPECT_EQ(a.url_template.view(), "http://{hex12}.t.news-example.com:8080/px.gif?r={b64}");
  ASSERT_EQ(a.tokens.size(), 2u);
  EXPECT_EQ(a.tokens[0].offset, 7);
  EXPECT_EQ(a.tokens[0].length, 12);
  EXPECT_EQ(a.tokens[1].offset, 53);
  EXPECT_EQ(a.tokens[1].length, url.size() - 53);  // the escaped characters included
}

// A CDN asset named by its content hash is a token: the URL analysis does not know what a fetch
// is for, and the beacon decision is taken later from all signals together.
TEST(UrlTemplate, ContentHashedAssetNamesAreTokensByDesign) {
  EXPECT_EQ(template_of("/assets/app.3f2a9c0e4b7d11ee9a1c0242ac120002.css"),
            "/assets/app.{hex32}.css");
  EXPECT_EQ(template_of("/assets/index-4f8a9c2e1b3d5f7a.js"), "/assets/index-{hex16}.js");
  // ...while the short hashes bundlers also use are not.
  EXPECT_EQ(template_of("/static/js/main.8f3a2b1c.chunk.js"), "/static/js/main.8f3a2b1c.chunk.js");
}

TEST(UrlTemplate, BenignUrlsHaveNoTokens) {
  const std::vector<std::string> benign = {
      "/",
      "*",
      "/index.html",
      "/favicon.ico",
      "/images/logo.png",
      "/static/js/jquery-3.6.0.min.js",
      "/js/jquery.fancybox-1.3.4.pack.js",
      "/wp-content/themes/twentytwentyfour/style.css?ver=6.4.2",
      "/css/bootstrap-5.3.2-dist.bundle.min.css",
      "/fonts/roboto-v30-latin-regular.woff2",
      "/blog/2024/01/15/summer-sale-2023-promo-x",
      "/news/international-cooperation-agreement-signed",
      "/search?q=newsletter2024spring&lang=en-US",
      "/?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale_2024",
      "/api/v1/products?page=2&sort=price&category=GetProductDetails",
      "/MyAccountSettings2024/SpringCampaign2024Launch/ProductCatalogue2023Edition",
      "/reports/20240115/annual-report-2023.pdf",
      "/events/2024-06-01T12:00:00Z",
      "/color?c=ff0000&v=1.2.3",
      "/unsubscribe?list=weekly&email=john.doe%40parliament.example",
      "/customers/45d4b09eba/videos/intro.mp4",
      "/archive/1234567890/",  // a long number in a path is not counted as an id
      "http://www.example.co.uk/",
      "HTTP://WWW.EXAMPLE.COM/About-Us",
  };
  for (const std::string& url : benign) {
    const UrlAnalysis a = analyse_url(url);
    EXPECT_TRUE(a.tokens.empty()) << url << " -> " << a.url_template.view();
    std::string expected = url;
    if (url.rfind("HTTP://", 0) == 0) expected = "http://www.example.com/About-Us";
    EXPECT_EQ(a.url_template.view(), expected);
  }
}

// --- Thresholds, one kind at a time.

TEST(JudgePiece, HexLengthFloorsDependOnWhereThePieceIs) {
  EXPECT_FALSE(is_token("3f2a9c0e4b7d11e", PieceContext::kPathSegment));  // 15
  EXPECT_EQ(kind_of("3f2a9c0e4b7d11ee", PieceContext::kPathSegment), TokenKind::kHex);
  EXPECT_FALSE(is_token("3f2a9c0e4", PieceContext::kQueryValue));  // 9
  EXPECT_EQ(kind_of("3f2a9c0e4b", PieceContext::kQueryValue), TokenKind::kHex);
  EXPECT_FALSE(is_token("3f2a9c0e4b", PieceContext::kPathSegment));
  EXPECT_FALSE(is_token("a3f9e0c2b1d", PieceContext::kDnsLabel));  // 11
  EXPECT_EQ(kind_of("a3f9e0c2b1d4", PieceContext::kDnsLabel), TokenKind::kHex);
  EXPECT_FALSE(is_token("deadbeefcafe", PieceContext::kDnsLabel));  // short, and no digit
  EXPECT_FALSE(is_token("aaaaaaaaaaaaaaaaaaaa", PieceContext::kPathSegment));  // no entropy
  EXPECT_FALSE(is_token("0000000000000000a", PieceContext::kPathSegment));
}

TEST(JudgePiece, DecimalIdsOnlyInQueryValues) {
  EXPECT_EQ(kind_of("1234567890", PieceContext::kQueryValue), TokenKind::kDecimal);
  EXPECT_FALSE(is_token("123456789", PieceContext::kQueryValue));
  EXPECT_FALSE(is_token("12345678901234567890", PieceContext::kPathSegment));
  EXPECT_FALSE(is_token("12345678901234567890", PieceContext::kDnsLabel));
}

TEST(JudgePiece, UuidInAnyCase) {
  EXPECT_EQ(kind_of("A81B3C9D-0E1F-4A3B-8C5D-6E7F8A9B0C1D", PieceContext::kPathSegment),
            TokenKind::kUuid);
  // One digit short: still an identifier, but not a UUID.
  EXPECT_EQ(kind_of("a81b3c9d-0e1f-4a3b-8c5d-6e7f8a9b0c1", PieceContext::kPathSegment),
            TokenKind::kMixed);
  const TokenJudgement underscores =
      judge_piece("a81b3c9d_0e1f_4a3b_8c5d_6e7f8a9b0c1d", PieceContext::kPathSegment);
  EXPECT_FALSE(underscores.is_token && underscores.kind == TokenKind::kUuid);
}

TEST(JudgePiece, Base64NeedsBothCasesUnlessItDecodesToAPayload) {
  EXPECT_EQ(kind_of("W8xZ3mQp7Rt2Vn5J", PieceContext::kPathSegment), TokenKind::kBase64Url);
  EXPECT_FALSE(is_token("W8xZ3mQp7Rt2Vn5", PieceContext::kPathSegment));  // 15
  EXPECT_EQ(kind_of("W8xZ3mQp/Rt2Vn5J", PieceContext::kQueryValue), TokenKind::kBase64);
  EXPECT_EQ(kind_of("W8xZ3mQp_Rt2Vn5J", PieceContext::kQueryValue), TokenKind::kBase64Url);
  EXPECT_FALSE(is_token("W8xZ3mQp_Rt2Vn+J", PieceContext::kQueryValue));  // both alphabets
  // '{"u":1234}' in 14 characters, and an address: payloads whatever their length.
  EXPECT_EQ(kind_of("eyJ1IjoxMjM0fQ", PieceContext::kPathSegment), TokenKind::kBase64);
  EXPECT_EQ(kind_of("YUBiLmV4YW1wbGU=", PieceContext::kQueryValue), TokenKind::kBase64);
  EXPECT_FALSE(is_token("ThisIsMyFileName", PieceContext::kPathSegment));
  EXPECT_FALSE(is_token("base64", PieceContext::kPathSegment));
  EXPECT_FALSE(is_token("k3j9x8q2m1n7b5v4", PieceContext::kPathSegment));  // one case, < 20
}

TEST(JudgePiece, Base32InUpperCaseOrInDnsLabels) {
  EXPECT_EQ(kind_of("JBSWY3DPEHPK3PXP", PieceContext::kPathSegment), TokenKind::kBase32);
  EXPECT_EQ(kind_of("mfrggzdfmztwq2lknnwg23tpobyxe", PieceContext::kDnsLabel), TokenKind::kBase32);
  EXPECT_FALSE(is_token("SUMMERSALE7SPRING", PieceContext::kPathSegment));  // words
  EXPECT_FALSE(is_token("JBSWY3DPEHPK3PX", PieceContext::kPathSegment));    // 15
}

TEST(JudgePiece, MixedNeedsAnIdentifierRun) {
  EXPECT_EQ(kind_of("620x300_img5653d57c6dab2", PieceContext::kPathSegment), TokenKind::kMixed);
  EXPECT_FALSE(is_token("jquery.fancybox-1.3.4.pack", PieceContext::kPathSegment));
  EXPECT_FALSE(is_token("bootstrap-5.3.2-dist.bundle.min", PieceContext::kPathSegment));
}

TEST(JudgePiece, ShortOrEmpty) {
  EXPECT_FALSE(is_token("", PieceContext::kQueryValue));
  EXPECT_FALSE(is_token("3f2a9c0e", PieceContext::kQueryValue));
}

// --- DNS names.

TEST(DnsTemplate, LeftmostLabelsAreJudged) {
  EXPECT_EQ(dns_template_of("a3f9e0c2b1d4.t.news-example.com"), "{hex12}.t.news-example.com");
  EXPECT_EQ(dns_template_of("5f4dcc3b5aa765d61d8327deb882cf99.px.example.com"),
            "{hex32}.px.example.com");
  EXPECT_EQ(dns_template_of("mfrggzdfmztwq2lknnwg23tpobyxe.b.example.net"), "{b32}.b.example.net");
  const UrlAnalysis a = analyse_dns_name("x.a3f9e0c2b1d4.t.example.org");
  ASSERT_EQ(a.tokens.size(), 1u);
  EXPECT_EQ(a.tokens[0].offset, 2);
  EXPECT_EQ(a.tokens[0].length, 12);
}

TEST(DnsTemplate, CaseRandomisationDoesNotChangeTheTemplate) {
  EXPECT_EQ(dns_template_of("A3f9E0c2B1d4.T.NEWS-example.COM."), "{hex12}.t.news-example.com.");
}

TEST(DnsTemplate, RegistrableDomainIsNeverMasked) {
  EXPECT_EQ(dns_template_of("3f2a9c0e4b7d11ee.com"), "3f2a9c0e4b7d11ee.com");
  EXPECT_EQ(dns_template_of("3f2a9c0e4b7d11ee.co.uk"), "3f2a9c0e4b7d11ee.co.uk");
  EXPECT_EQ(dns_template_of("a3f9e0c2b1d4.example.co.uk"), "{hex12}.example.co.uk");
  EXPECT_EQ(dns_template_of("www.example.co.uk"), "www.example.co.uk");
}

TEST(DnsTemplate, BenignNamesHaveNoTokens) {
  for (const char* name :
       {"mail.google.com", "xn--bcher-kva.example", "10.0.0.1", "wpad", "_googlecast._tcp.local",
        "settings.crashlytics.com", "internationalization.example.org", ""}) {
    EXPECT_TRUE(analyse_dns_name(name).tokens.empty()) << name;
  }
}

TEST(DnsTemplate, EmptyLabelsAreCounted) {
  UrlTokenCounters counters;
  const UrlAnalysis a = analyse_dns_name("a..a3f9e0c2b1d4.t.example.com", counters);
  EXPECT_EQ(a.url_template.view(), "a..{hex12}.t.example.com");
  EXPECT_EQ(counters.dns_empty_label, 1u);
  EXPECT_EQ(counters.dns_names_analysed, 1u);
  EXPECT_EQ(counters.tokens_found, 1u);
}

// --- Malformed and oversized input.

TEST(UrlTemplate, MalformedPercentEncodingIsCountedAndKept) {
  UrlTokenCounters counters;
  const UrlAnalysis a = analyse_url("/p?id=3f2a9c0e4b7d11ee%zz&x=%4&y=%", counters);
  EXPECT_EQ(a.url_template.view(), "/p?id={hex16}%zz&x=%4&y=%");
  EXPECT_EQ(counters.percent_escape_malformed, 3u);
  EXPECT_EQ(counters.urls_analysed, 1u);
}

TEST(UrlTemplate, OddStructureIsHandled) {
  EXPECT_EQ(template_of(""), "");
  EXPECT_EQ(template_of("?"), "?");
  EXPECT_EQ(template_of("#3f2a9c0e4b7d11ee"), "#{hex16}");
  EXPECT_EQ(template_of("//3f2a9c0e4b7d11ee//?&&=&=3f2a9c0e4b7d11ee#"),
            "//{hex16}//?&&=&={hex16}#");
  EXPECT_EQ(template_of("http://"), "http://");
  EXPECT_EQ(template_of("http://[2001:db8::1]:80/3f2a9c0e4b7d11ee"),
            "http://[2001:db8::1]:80/{hex16}");
  EXPECT_EQ(template_of("http://user@a3f9e0c2b1d4.x.example/"), "http://user@{hex12}.x.example/");
  EXPECT_EQ(template_of(std::string_view("/a\0b/3f2a9c0e4b7d11ee", 21)),
            std::string("/a\0b/{hex16}", 12));
}

TEST(UrlTemplate, MoreTokensThanSlotsAreStillMasked) {
  std::string url = "/q?";
  std::string expected = "/q?";
  for (int i = 0; i < 20; ++i) {
    std::array<char, 3> suffix{};
    std::snprintf(suffix.data(), suffix.size(), "%02x", i);
    url += "k=3f2a9c0e4b7d11" + std::string(suffix.data(), 2) + "&";
    expected += "k={hex16}&";
  }
  UrlTokenCounters counters;
  const UrlAnalysis a = analyse_url(url, counters);
  EXPECT_EQ(a.tokens.size(), 16u);
  EXPECT_TRUE(a.tokens.truncated());
  EXPECT_EQ(counters.tokens_found, 20u);
  EXPECT_EQ(counters.tokens_over_capacity, 4u);
  EXPECT_EQ(a.url_template.view(), expected);
}

TEST(UrlTemplate, LongTemplatesAreCutAndFlagged) {
  const std::string url = "/" + std::string(600, 'a');
  UrlTokenCounters counters;
  const UrlAnalysis a = analyse_url(url, counters);
  EXPECT_EQ(a.url_template.size(), 512u);
  EXPECT_TRUE(a.template_truncated);
  EXPECT_EQ(counters.template_truncated, 1u);
  EXPECT_EQ(counters.input_truncated, 0u);
}

TEST(UrlTemplate, VeryLongUrlsAreBoundedWork) {
  // 1 MB of path: only the first kMaxDecodedText bytes are looked at.
  std::string url = "/img/3f2a9c0e4b7d11ee9a1c0242ac120002/";
  while (url.size() < (1u << 20))
    url += "W8xZ3mQp7Rt2Vn5Jk4Hb9Lc6Df1Gs8Ty0/";
  UrlTokenCounters counters;
  const auto start = std::chrono::steady_clock::now();
  const UrlAnalysis a = analyse_url(url, counters);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(counters.input_truncated, 1u);
  EXPECT_TRUE(a.template_truncated);
  EXPECT_EQ(a.tokens.size(), 16u);
  EXPECT_EQ(a.tokens[0].kind, TokenKind::kHex);
  EXPECT_LE(a.tokens[15].offset + a.tokens[15].length, kMaxDecodedText);
  EXPECT_EQ(a.url_template.view().substr(0, 24), "/img/{hex32}/{b64url}/{b");
  std::printf("1 MiB URL analysed in %lld us\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()));
}

TEST(TokenKindName, Placeholders) {
  EXPECT_EQ(token_kind_name(TokenKind::kHex), "hex");
  EXPECT_EQ(token_kind_name(TokenKind::kUuid), "uuid");
  EXPECT_EQ(token_kind_name(TokenKind::kBase64), "b64");
  EXPECT_EQ(token_kind_name(TokenKind::kBase64Url), "b64url");
  EXPECT_EQ(token_kind_name(TokenKind::kBase32), "b32");
  EXPECT_EQ(token_kind_name(TokenKind::kDecimal), "num");
  EXPECT_EQ(token_kind_name(TokenKind::kMixed), "tok");
}

}  // namespace
}  // namespace bw::detect
