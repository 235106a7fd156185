#include "sensor/extract/smtp/url_scanners.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace bw::extract::smtp {
namespace {

using Found = std::vector<std::pair<std::string, UrlKind>>;

class Collect : public UrlCandidateSink {
 public:
  void on_url_candidate(std::string_view raw, UrlKind kind) override {
    found.emplace_back(std::string(raw), kind);
  }
  Found found;
};

// Runs a scanner over text cut in two at `split` (the whole text when split is npos).
template <typename Scanner>
Found scan(std::string_view text, std::size_t split = std::string::npos) {
  Scanner scanner;
  Collect collect;
  const std::size_t cut = std::min(split, text.size());
  scanner.feed(text.substr(0, cut), collect);
  scanner.feed(text.substr(cut), collect);
  if constexpr (std::is_same_v<Scanner, TextUrlScanner>) {
    scanner.finish(collect);
  } else {
    scanner.finish();
  }
  return collect.found;
}

template <typename Scanner>
void expect_same_at_every_split(std::string_view text, const Found& expected) {
  for (std::size_t split = 0; split <= text.size(); ++split) {
    ASSERT_EQ(scan<Scanner>(text, split), expected) << "split at " << split;
  }
}

constexpr UrlKind kImg = UrlKind::kImage;
constexpr UrlKind kLink = UrlKind::kLink;
constexpr UrlKind kCss = UrlKind::kCss;

TEST(TextUrlScanner, FindsHttpAndHttpsUrlsAndTrimsSentencePunctuation) {
  const std::string text =
      "Read it at https://news-example.com/web?id=3f2a. Or (see http://a.example/x) "
      "or <HTTP://B.example/Path>, ftp://no.example/ and http://w.example/wiki/A_(b)!\n"
      "mailto:someone@example.org";
  expect_same_at_every_split<TextUrlScanner>(text, {{"https://news-example.com/web?id=3f2a", kLink},
                                                    {"http://a.example/x", kLink},
                                                    {"HTTP://B.example/Path", kLink},
                                                    {"http://w.example/wiki/A_(b)", kLink}});
}

TEST(TextUrlScanner, UrlAtTheEndOfTheTextIsReportedOnFinish) {
  EXPECT_EQ(scan<TextUrlScanner>("go to https://end.example/z"),
            (Found{{"https://end.example/z", kLink}}));
}

TEST(TextUrlScanner, RestartsAfterAFalseStart) {
  EXPECT_EQ(scan<TextUrlScanner>("hhttp:/http://x.example httpshttps://y.example"),
            (Found{{"http://x.example", kLink}, {"https://y.example", kLink}}));
}

TEST(TextUrlScanner, LongUrlIsPassedOnCut) {
  const std::string url = "http://long.example/" + std::string(5000, 'a');
  const Found found = scan<TextUrlScanner>(url + " tail");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].first, url.substr(0, kCandidateCapacity));
}

TEST(CssUrlScanner, QuotedUnquotedAndCaseInsensitive) {
  const std::string css =
      "body{background:URL( 'http://c.example/bg.png' )} .a{background-image:url(http://c.example/"
      "u.gif)} .b{x:url(\"https://c.example/q\")} .c{x:uurl(http://c.example/d)} "
      "@font-face{src:url()}";
  expect_same_at_every_split<CssUrlScanner>(css, {{"http://c.example/bg.png", kCss},
                                                  {"http://c.example/u.gif", kCss},
                                                  {"https://c.example/q", kCss},
                                                  {"http://c.example/d", kCss}});
}

TEST(CssUrlScanner, InvalidValuesAreDropped) {
  EXPECT_EQ(scan<CssUrlScanner>("a{x:url(http://a.example/\"x)} b{x:url('http://b.example/\n')}"),
            Found{});
}

TEST(HtmlUrlScanner, NewsletterTagsAndAttributes) {
  const std::string html =
      "<html><body background=\"http://h.example/bg.jpg\">\n"
      "<table><tr><td BACKGROUND='http://h.example/td.png'>"
      "<a class=btn HREF=\"http://h.example/c?u=1&amp;l=2\">Read</a>"
      "<img alt=\"x > y\" src=http://h.example/o/3f2a.gif width=1 height=1>"
      "<area shape=rect href='https://h.example/map'>"
      "<img/src=\"http://h.example/slash.gif\"/>"
      "<div style=\"background:url(&quot;http://h.example/s.png&quot;)\">"
      "<p title=\"<img src=http://h.example/not-a-tag.gif>\">"
      "</td></tr></table></body></html>";
  expect_same_at_every_split<HtmlUrlScanner>(html, {{"http://h.example/bg.jpg", kImg},
                                                    {"http://h.example/td.png", kImg},
                                                    {"http://h.example/c?u=1&l=2", kLink},
                                                    {"http://h.example/o/3f2a.gif", kImg},
                                                    {"https://h.example/map", kLink},
                                                    {"http://h.example/slash.gif", kImg},
                                                    {"http://h.example/s.png", kCss}});
}

TEST(HtmlUrlScanner, OnlyTheRightAttributeOfTheRightTag) {
  EXPECT_EQ(scan<HtmlUrlScanner>("<a src=\"http://x.example/1\"><img href=\"http://x.example/2\">"
                                 "<imgx src=\"http://x.example/3\"><link href=http://x.example/4>"
                                 "</a href=\"http://x.example/5\">"),
            Found{});
}

TEST(HtmlUrlScanner, StyleElementIsCssAndScriptIsSkipped) {
  const std::string html =
      "<style type=\"text/css\">.h{background:url(http://s.example/h.png)}</style>"
      "<script>var s='<img src=\"http://s.example/js.gif\">';</script>"
      "<img src=\"http://s.example/after.gif\">";
  expect_same_at_every_split<HtmlUrlScanner>(
      html, {{"http://s.example/h.png", kCss}, {"http://s.example/after.gif", kImg}});
}

TEST(HtmlUrlScanner, CommentsAreSkippedButConditionalCommentsAreRead) {
  const std::string html =
      "<!DOCTYPE html><!-- <img src=\"http://c.example/commented.gif\"> -->"
      "<!--[if mso]><img src=\"http://c.example/outlook.gif\"><![endif]-->"
      "<!--[if !mso]><!--><img src=\"http://c.example/others.gif\"><!--<![endif]-->"
      "<!-- a -- b ---><img src=\"http://c.example/last.gif\">";
  expect_same_at_every_split<HtmlUrlScanner>(html, {{"http://c.example/outlook.gif", kImg},
                                                    {"http://c.example/others.gif", kImg},
                                                    {"http://c.example/last.gif", kImg}});
}

TEST(HtmlUrlScanner, CharacterReferences) {
  EXPECT_EQ(scan<HtmlUrlScanner>("<a href=\"http://e.example/?a=1&#38;b=2&#x26;c=3&lt;&gt;&nbsp;"
                                 "&bogus;&amp&copy;&#0;&#xD800;&email=x\">"),
            (Found{{"http://e.example/?a=1&b=2&c=3<>\xc2\xa0&bogus;&amp&copy;&#0;&#xD800;&email=x",
                    kLink}}));
}

TEST(HtmlUrlScanner, TagCutByTheEndOfThePartIsDropped) {
  EXPECT_EQ(scan<HtmlUrlScanner>("<img src=\"http://cut.example/x.gif"), Found{});
}

TEST(HtmlUrlScanner, LongValueIsPassedOnCut) {
  const std::string url = "http://long.example/" + std::string(3000, 'b');
  const Found found = scan<HtmlUrlScanner>("<img src=\"" + url + "\">");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].first, url.substr(0, kCandidateCapacity));
}

}  // namespace
}  // namespace bw::extract::smtp
