#include "sensor/extract/smtp/mail_url.h"

#include <gtest/gtest.h>

#include <string>

namespace bw::extract::smtp {
namespace {

TEST(MailUrl, CleansWhitespaceAndSplitsTheHost) {
  MailUrl url;
  ASSERT_EQ(make_mail_url("  \n http://User:pw@News-Example.COM:8080/o/3f\r\n2a.gif?x=1\t ",
                          UrlKind::kImage, url),
            UrlVerdict::kOk);
  EXPECT_EQ(url.url, "http://User:pw@News-Example.COM:8080/o/3f2a.gif?x=1");
  EXPECT_EQ(url.host, "news-example.com");
  EXPECT_EQ(url.kind, UrlKind::kImage);
  EXPECT_FALSE(url.url.truncated());
}

TEST(MailUrl, OnlyAbsoluteHttpWithAHost) {
  MailUrl url;
  for (const std::string_view raw :
       {"mailto:a@b.example", "cid:part1@x", "/relative/path", "//host.example/x",
        "javascript:alert(1)", "http://", "https:///path", "ftp://f.example/"}) {
    EXPECT_EQ(make_mail_url(raw, UrlKind::kLink, url), UrlVerdict::kNotHttp) << raw;
  }
}

TEST(MailUrl, HostForms) {
  EXPECT_EQ(url_host("https://[2001:db8::1]:8443/x"), "[2001:db8::1]");
  EXPECT_EQ(url_host("http://a.example?q=1"), "a.example");
  EXPECT_EQ(url_host("http://a.example#frag"), "a.example");
  EXPECT_EQ(url_host("http://a.example\\path"), "a.example");
  EXPECT_EQ(url_host("no scheme"), "");
}

TEST(MailUrl, OverlongUrlIsCutAndFlagged) {
  MailUrl url;
  const std::string raw = "https://t.example/" + std::string(3000, 'x');
  ASSERT_EQ(make_mail_url(raw, UrlKind::kLink, url), UrlVerdict::kOk);
  EXPECT_EQ(url.url.size(), kMaxUrlLength);
  EXPECT_TRUE(url.url.truncated());
  EXPECT_EQ(url.host, "t.example");
}

TEST(MailUrl, KindNames) {
  EXPECT_EQ(url_kind_name(UrlKind::kImage), "img");
  EXPECT_EQ(url_kind_name(UrlKind::kLink), "link");
  EXPECT_EQ(url_kind_name(UrlKind::kCss), "css");
}

TEST(UrlSet, RemembersUntilFullThenRefuses) {
  UrlSet set;
  EXPECT_EQ(set.insert("http://a.example/"), UrlSet::Insert::kAdded);
  EXPECT_EQ(set.insert("http://a.example/"), UrlSet::Insert::kPresent);
  EXPECT_EQ(set.insert("http://A.example/"), UrlSet::Insert::kAdded);
  for (std::size_t i = set.size(); i < UrlSet::kCapacity; ++i) {
    ASSERT_EQ(set.insert("http://n.example/" + std::to_string(i)), UrlSet::Insert::kAdded);
  }
  EXPECT_EQ(set.insert("http://one-more.example/"), UrlSet::Insert::kFull);
  EXPECT_EQ(set.insert("http://a.example/"), UrlSet::Insert::kPresent);
  set.clear();
  EXPECT_EQ(set.insert("http://one-more.example/"), UrlSet::Insert::kAdded);
}

}  // namespace
}  // namespace bw::extract::smtp
