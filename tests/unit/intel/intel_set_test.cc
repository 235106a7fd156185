#include "sensor/intel/intel_set.h"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/intel/intel_test_support.h"

namespace bw::intel {
namespace {

using test::build_clean;
using test::feed_text;

IpAddress ip(std::string_view text) {
  IpAddress address;
  EXPECT_TRUE(parse_ip_address(text, address)) << text;
  return address;
}

// "label/weight/kind" of the hit, or "-" when nothing matched.
template <typename Match>
std::string describe(Match&& match) {
  IntelHit hit;
  if (!match(hit)) return "-";
  return std::string(hit.label) + "/" + format_weight(hit.weight) + "/" +
         std::string(kind_name(hit.kind));
}

class IntelSetTest : public ::testing::Test {
 protected:
  std::string host(std::string_view name) const {
    return describe([&](IntelHit& hit) { return set_->match_host(name, hit, &counters_); });
  }
  std::string url(std::string_view text) const {
    return describe([&](IntelHit& hit) { return set_->match_url(text, hit, &counters_); });
  }
  std::string request(std::string_view host_header, std::string_view target) const {
    return describe(
        [&](IntelHit& hit) { return set_->match_url(host_header, target, hit, &counters_); });
  }
  std::string address(std::string_view text) const {
    const IpAddress a = ip(text);
    return describe([&](IntelHit& hit) { return set_->match_ip(a, hit); });
  }

  std::shared_ptr<const IntelSet> set_;
  mutable IntelMatchCounters counters_;
};

TEST_F(IntelSetTest, SuffixMatchesWholeLabelsOnlyAndExactMatchesOnlyTheName) {
  set_ = build_clean({
      {"suffixes", feed_text("domain-suffix", "email-tracker", {"example.com\tSuffix\t0.5"})},
      {"exact", feed_text("domain", "email-tracker", {"pixel.tracker.test\tExact\t0.5"})},
  });
  EXPECT_EQ(host("example.com"), "Suffix/0.5/domain-suffix");
  EXPECT_EQ(host("a.b.example.com"), "Suffix/0.5/domain-suffix");
  EXPECT_EQ(host("evil-example.com"), "-");
  EXPECT_EQ(host("example.com.evil.test"), "-");
  EXPECT_EQ(host("xexample.com"), "-");
  EXPECT_EQ(host("com"), "-");
  EXPECT_EQ(host("pixel.tracker.test"), "Exact/0.5/domain");
  EXPECT_EQ(host("a.pixel.tracker.test"), "-");
  EXPECT_EQ(host("tracker.test"), "-");
}

TEST_F(IntelSetTest, HostMatchingIgnoresCasePortTrailingDotAndBrackets) {
  set_ = build_clean({
      {"suffixes",
       feed_text("domain-suffix", "email-tracker", {"List-Manage.COM\tMailchimp\t0.9"})},
      {"ips", feed_text("ip", "ioc", {"2001:db8::/32\tActor\t0.8", "192.0.2.0/24\tActor4\t0.7"})},
  });
  EXPECT_EQ(host("US1.List-Manage.com:443"), "Mailchimp/0.9/domain-suffix");
  EXPECT_EQ(host("us1.list-manage.com."), "Mailchimp/0.9/domain-suffix");
  EXPECT_EQ(host("[2001:db8::5]:8080"), "Actor/0.8/ip");  // an address in a Host header
  EXPECT_EQ(host("192.0.2.9:80"), "Actor4/0.7/ip");
  EXPECT_EQ(host("192.0.3.9"), "-");
  EXPECT_EQ(counters_.host_unusable, 0u);
  EXPECT_EQ(host(""), "-");  // absent, not malformed
  EXPECT_EQ(counters_.host_unusable, 0u);
  EXPECT_EQ(host(std::string(300, 'a')), "-");
  EXPECT_EQ(host("[]:443"), "-");
  EXPECT_EQ(counters_.host_unusable, 2u);
}

TEST_F(IntelSetTest, HeaviestHitWinsAndTiesPreferTheMoreSpecific) {
  set_ = build_clean({
      {"suffixes", feed_text("domain-suffix", "email-tracker",
                             {"tracker.test\tBroad\t0.4", "deep.tracker.test\tDeep\t0.4",
                              "heavy.test\tHeavySuffix\t0.9"})},
      {"exact",
       feed_text("domain", "mail-privacy-proxy",
                 {"x.deep.tracker.test\tExactLight\t0.2", "x.heavy.test\tExactLight\t0.2",
                  "vip.tracker.test\tExactHeavy\t0.7", "tie.tracker.test\tExactTie\t0.4"})},
  });
  // Equal weights: the longer suffix is offered first and stays.
  EXPECT_EQ(host("y.deep.tracker.test"), "Deep/0.4/domain-suffix");
  // A lighter exact entry loses to a heavier suffix, a heavier one wins, and on a tie the exact
  // name, being the more specific, stays.
  EXPECT_EQ(host("x.heavy.test"), "HeavySuffix/0.9/domain-suffix");
  EXPECT_EQ(host("x.deep.tracker.test"), "Deep/0.4/domain-suffix");
  EXPECT_EQ(host("vip.tracker.test"), "ExactHeavy/0.7/domain");
  EXPECT_EQ(host("tie.tracker.test"), "ExactTie/0.4/domain");
  IntelHit hit;
  ASSERT_TRUE(set_->match_host("vip.tracker.test", hit));
  EXPECT_EQ(hit.category, Category::kMailPrivacyProxy);
  ASSERT_TRUE(set_->match_host("x.heavy.test", hit));
  EXPECT_EQ(hit.category, Category::kEmailTracker);
}

TEST_F(IntelSetTest, UrlPatternsSeeNormalizedHostAndRawPath) {
  set_ = build_clean({
      {"urls",
       feed_text("url-regex", "email-tracker",
                 {R"(^[^/]+/wf/open\?upn=	SendGrid	0.95)",
                  R"(^[^/]*\.list-manage\.com/track/open\.php\?	Mailchimp	0.95)",
                  R"(^tracker\.test/$	Root	0.6)", R"(/Case/Sensitive	Case	0.5)"})},
      {"hosts",
       feed_text("domain-suffix", "email-tracker", {"list-manage.com\tMailchimp host\t0.9"})},
  });
  EXPECT_EQ(url("links.shop.example/wf/open?upn=abc"), "SendGrid/0.95/url-regex");
  EXPECT_EQ(url("http://Links.Shop.Example:8080/wf/open?upn=abc"), "SendGrid/0.95/url-regex");
  EXPECT_EQ(url("HTTPS://links.shop.example/wf/open?upn=abc"), "SendGrid/0.95/url-regex");
  EXPECT_EQ(url("links.shop.example/wf/OPEN?upn=abc"), "-");  // the path keeps its case
  EXPECT_EQ(url("us1.list-manage.com/track/open.php?u=1&id=2"), "Mailchimp/0.95/url-regex");
  // Not the pixel path: the host entry still matches, with its own weight.
  EXPECT_EQ(url("us1.list-manage.com/subscribe?u=1"), "Mailchimp host/0.9/domain-suffix");
  EXPECT_EQ(url("tracker.test"), "Root/0.6/url-regex");  // no path: "/" is implied
  EXPECT_EQ(url("tracker.test?x=1"), "-");               // becomes tracker.test/?x=1
  EXPECT_EQ(url("a.test/Case/Sensitive"), "Case/0.5/url-regex");
  EXPECT_EQ(url("a.test/case/sensitive"), "-");
  EXPECT_EQ(url("a.test/other?next=b.test/wf/open?upn=1"), "-");  // anchored at the host
}

TEST_F(IntelSetTest, RequestFormsAreTurnedIntoHostAndPath) {
  set_ = build_clean({
      {"urls", feed_text("url-regex", "email-tracker", {R"(^pixel\.test/o\.gif	Pixel	0.9)"})},
      {"hosts", feed_text("domain", "ioc", {"proxy.test\tConnect\t0.5"})},
  });
  EXPECT_EQ(request("Pixel.Test:80", "/o.gif?id=1"), "Pixel/0.9/url-regex");
  // Absolute-form: the target's authority wins over the Host header.
  EXPECT_EQ(request("other.test", "http://pixel.test/o.gif"), "Pixel/0.9/url-regex");
  EXPECT_EQ(request("pixel.test", "http://other.test/o.gif"), "-");
  EXPECT_EQ(request("", "proxy.test:443"), "Connect/0.5/domain");  // CONNECT authority-form
  EXPECT_EQ(request("pixel.test", "*"), "-");
}

TEST_F(IntelSetTest, OverlongUrlsAreMatchedOnTheirHeadAndCounted) {
  set_ = build_clean({
      {"urls", feed_text("url-regex", "email-tracker",
                         {R"(^pixel\.test/o\?	Head	0.9)", R"(tail-marker	Tail	0.95)"})},
  });
  const std::string path = "/o?" + std::string(kMaxUrlMatchText, 'q') + "tail-marker";
  EXPECT_EQ(url("pixel.test" + path), "Head/0.9/url-regex");
  EXPECT_EQ(counters_.url_truncated, 1u);
  EXPECT_EQ(url("pixel.test/tail-marker"), "Tail/0.95/url-regex");
  EXPECT_EQ(counters_.url_truncated, 1u);
}

TEST_F(IntelSetTest, ManyUrlPatternsPickTheHeaviestMatch) {
  std::vector<std::string> lines;
  for (int i = 0; i < 300; ++i) {
    lines.push_back("^host" + std::to_string(i) + "\\.test/\tP" + std::to_string(i) + "\t0.5");
  }
  lines.push_back(R"(/pixel\.gif	AnyPixel	0.3)");
  lines.push_back(R"(^host7\.test/pixel	Host7Pixel	0.8)");
  set_ = build_clean({{"urls", feed_text("url-regex", "email-tracker", lines)}});
  EXPECT_EQ(set_->indicator_count(IndicatorKind::kUrlRegex), 302u);
  EXPECT_EQ(url("host7.test/pixel.gif"), "Host7Pixel/0.8/url-regex");
  EXPECT_EQ(url("host250.test/pixel.gif"), "P250/0.5/url-regex");
  EXPECT_EQ(url("elsewhere.test/pixel.gif"), "AnyPixel/0.3/url-regex");
  EXPECT_EQ(url("host3000.test/x"), "-");
  EXPECT_EQ(counters_.regex_set_fallback, 0u);
}

TEST_F(IntelSetTest, CidrEdgeCases) {
  set_ = build_clean({
      {"v4", feed_text("ip", "ioc",
                       {"0.0.0.0/0\tAnyV4\t0.1", "198.51.100.0/24\tNet24\t0.5",
                        "198.51.100.7/32\tHost32\t0.9", "198.51.100.128/25\tNet25\t0.5",
                        "10.0.0.0/8\tTen\t0.6"})},
      {"v6", feed_text("ip", "ioc",
                       {"::/0\tAnyV6\t0.1", "2001:db8::/32\tDoc32\t0.5",
                        "2001:db8::7/128\tHost128\t0.9", "2001:db8:0:1::/64\tNet64\t0.7"})},
  });
  EXPECT_EQ(address("203.0.113.1"), "AnyV4/0.1/ip");  // only /0 covers it
  EXPECT_EQ(address("198.51.100.7"), "Host32/0.9/ip");
  EXPECT_EQ(address("198.51.100.8"), "Net24/0.5/ip");
  EXPECT_EQ(address("198.51.100.200"), "Net25/0.5/ip");  // equal weight: the longer prefix
  EXPECT_EQ(address("10.255.255.255"), "Ten/0.6/ip");
  EXPECT_EQ(address("11.0.0.0"), "AnyV4/0.1/ip");
  EXPECT_EQ(address("2001:db8::7"), "Host128/0.9/ip");
  EXPECT_EQ(address("2001:db8::8"), "Doc32/0.5/ip");
  EXPECT_EQ(address("2001:db8:0:1:ffff::1"), "Net64/0.7/ip");
  EXPECT_EQ(address("2001:db9::1"), "AnyV6/0.1/ip");
  // The families never mix: 198.51.100.7's bytes at the front of an IPv6 address match no v4 entry.
  EXPECT_EQ(address("c633:6407::"), "AnyV6/0.1/ip");
  // ...except for v4-mapped addresses, which are IPv4 traffic.
  EXPECT_EQ(address("::ffff:198.51.100.7"), "Host32/0.9/ip");
  IntelHit hit;
  EXPECT_FALSE(set_->match_ip(IpAddress{}, hit));  // unset family
}

TEST_F(IntelSetTest, IpFamiliesStaySeparateWithoutDefaultRoutes) {
  set_ = build_clean({
      {"v4", feed_text("ip", "ioc", {"192.0.2.0/24\tV4\t0.5"})},
      {"v6", feed_text("ip", "ioc", {"2001:db8::/32\tV6\t0.5"})},
  });
  EXPECT_EQ(address("192.0.2.1"), "V4/0.5/ip");
  EXPECT_EQ(address("c000:0201::"), "-");  // 192.0.2.1 as the first IPv6 bytes
  EXPECT_EQ(address("::192.0.2.1"), "-");  // IPv4-compatible (deprecated), not mapped
  EXPECT_EQ(address("32.1.13.184"), "-");  // 2001:db8 as IPv4 bytes
}

TEST_F(IntelSetTest, FingerprintsMatchExactlyAndCountMalformedInput) {
  set_ = build_clean({
      {"ja3", feed_text("ja3", "ioc", {"799135475DA362592A4BE9199D258726\tOld client\t0.6"})},
      {"ja4", feed_text("ja4", "ioc", {"t13d1516h2_8daaf6152771_e5627efa2ab1\tBrowser\t0.2"})},
  });
  IntelHit hit;
  ASSERT_TRUE(set_->match_ja3("799135475da362592a4be9199d258726", hit, &counters_));
  EXPECT_EQ(hit.label, "Old client");
  EXPECT_EQ(hit.kind, IndicatorKind::kJa3);
  EXPECT_TRUE(set_->match_ja3("799135475DA362592a4be9199d258726", hit, &counters_));
  EXPECT_FALSE(set_->match_ja3("799135475da362592a4be9199d258727", hit, &counters_));
  ASSERT_TRUE(set_->match_ja4("t13d1516h2_8daaf6152771_e5627efa2ab1", hit, &counters_));
  EXPECT_EQ(hit.label, "Browser");
  EXPECT_EQ(hit.kind, IndicatorKind::kJa4);
  EXPECT_FALSE(set_->match_ja4("t13d1516h2_8daaf6152771_e5627efa2ab2", hit, &counters_));
  EXPECT_EQ(counters_.fingerprint_malformed, 0u);
  EXPECT_FALSE(set_->match_ja3("", hit, &counters_));  // no fingerprint: not malformed
  EXPECT_FALSE(set_->match_ja3("799135475da3", hit, &counters_));
  EXPECT_FALSE(
      set_->match_ja4("t13d1516h2_8daaf6152771_e5627efa2ab1"
                      "00",
                      hit, &counters_));
  EXPECT_EQ(counters_.fingerprint_malformed, 2u);
}

TEST_F(IntelSetTest, DuplicatesAcrossFeedsKeepTheHeaviest) {
  std::vector<std::string> problems;
  set_ = IntelSet::build(
      {
          {"a", feed_text("domain-suffix", "email-tracker", {"dup.test\tFirst\t0.5"})},
          {"b", feed_text("domain-suffix", "ioc", {"*.dup.test\tSecond\t0.8"})},
          {"c", feed_text("domain-suffix", "email-tracker", {"dup.test\tThird\t0.8"})},
          {"d", feed_text("url-regex", "email-tracker",
                          {"^dupurl\\.test/\tR1\t0.1", "^dupurl\\.test/\tR2\t0.2"})},
          {"e", feed_text("ip", "ioc", {"192.0.2.0/24\tI1\t0.3", "192.0.2.0/24\tI2\t0.3"})},
      },
      problems);
  ASSERT_TRUE(set_);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(set_->indicator_count(), 3u);
  EXPECT_EQ(set_->load_counters().duplicates_merged, 4u);
  EXPECT_EQ(set_->load_counters().indicators_accepted, 7u);
  EXPECT_EQ(host("x.dup.test"), "Second/0.8/domain-suffix");  // heaviest, first on the tie
  IntelHit hit;
  ASSERT_TRUE(set_->match_host("dup.test", hit));
  EXPECT_EQ(hit.category, Category::kIoc);
  EXPECT_EQ(url("dupurl.test/x"), "R2/0.2/url-regex");
  EXPECT_EQ(address("192.0.2.1"), "I1/0.3/ip");
}

TEST_F(IntelSetTest, EmptySetMatchesNothing) {
  set_ = IntelSet::empty();
  EXPECT_EQ(set_->indicator_count(), 0u);
  EXPECT_EQ(host("example.com"), "-");
  EXPECT_EQ(url("example.com/wf/open?upn=1"), "-");
  EXPECT_EQ(address("192.0.2.1"), "-");
}

TEST(IntelSetLoad, LoadsFilesAndDirectoriesAndReportsUnreadableOnes) {
  test::ScratchDir dir("load");
  dir.write("feeds/b.feed", feed_text("domain", "ioc", {"b.test\tB"}));
  dir.write("feeds/a.feed", feed_text("domain", "ioc", {"a.test\tA", "bad host\tA"}));
  dir.write("feeds/notes.txt", "not a feed, not loaded\n");
  const std::string extra =
      dir.write("extra.list", feed_text("ja3", "ioc", {std::string(32, 'a') + "\tJ"}));

  std::vector<std::string> problems;
  auto set = IntelSet::load({dir.path("feeds"), extra}, problems);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->indicator_count(), 3u);
  EXPECT_EQ(set->load_counters().feeds, 3u);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], dir.path("feeds/a.feed") +
                             ":3: space (fields are separated by tabs) not allowed in a host name");

  problems.clear();
  EXPECT_EQ(IntelSet::load({extra, dir.path("missing.feed")}, problems), nullptr);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], dir.path("missing.feed") + ": cannot open: No such file or directory");

  problems.clear();
  dir.write("broken/x.feed", "example.com\n");
  EXPECT_EQ(IntelSet::load({dir.path("broken")}, problems), nullptr);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind(dir.path("broken/x.feed") + ":1: not a feed", 0), 0u);

  problems.clear();
  std::filesystem::create_directories(dir.path("empty"));
  auto empty = IntelSet::load({dir.path("empty")}, problems);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->indicator_count(), 0u);
  EXPECT_EQ(problems,
            std::vector<std::string>{dir.path("empty") + ": directory holds no *.feed files"});
}

// The shipped list must load cleanly and keep its breadth; a contributor's typo fails here.
TEST(DefaultList, LoadsWithZeroProblems) {
  const std::string data = std::string(BW_SOURCE_DIR) + "/sensor/intel/data";
  std::vector<std::string> problems;
  auto set = IntelSet::load({data}, problems);
  ASSERT_TRUE(set);
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(set->load_counters().lines_rejected, 0u);
  EXPECT_EQ(set->load_counters().duplicates_merged, 0u);
  EXPECT_GE(set->indicator_count(), 150u);

  std::set<std::string> labels;
  for (const auto& entry : std::filesystem::directory_iterator(data)) {
    if (entry.path().extension() != ".feed") continue;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> feed_problems;
    ProblemLog log(entry.path().string(), feed_problems);
    IntelLoadCounters counters;
    FeedHeader header;
    ASSERT_TRUE(parse_feed(text, log, counters, header,
                           [&](const FeedEntry& e) { labels.emplace(e.label); }));
  }
  EXPECT_GE(labels.size(), 60u);
}

TEST(DefaultList, RecognisesTypicalTrackerAndProxyFetches) {
  std::vector<std::string> problems;
  auto set = IntelSet::load({std::string(BW_SOURCE_DIR) + "/sensor/intel/data"}, problems);
  ASSERT_TRUE(set);
  struct Case {
    std::string_view url;
    std::string_view label;
    Category category;
  };
  const std::array<Case, 8> cases = {{
      {"us21.list-manage.com/track/open.php?u=0a1b&id=2c3d&e=4e5f", "Mailchimp",
       Category::kEmailTracker},
      {"url1234.news.example/wf/open?upn=aBcD", "Twilio SendGrid", Category::kEmailTracker},
      {"abcdef.r.us-east-1.awstrack.me/I0/0100018c/abc/1", "Amazon SES", Category::kEmailTracker},
      {"t.yesware.com/t/abc/def/spacer.gif", "Yesware", Category::kEmailTracker},
      {"x.mjt.lu/oo/BAAAA", "Mailjet", Category::kEmailTracker},
      {"ci3.googleusercontent.com/meips/ADKq_NZ=s0-d-e1-ft", "Google Image Proxy (Gmail)",
       Category::kMailPrivacyProxy},
      {"ecp.yusercontent.com/mail?url=https%3A%2F%2Fx.test%2Fp.gif", "Yahoo Mail image proxy",
       Category::kMailPrivacyProxy},
      {"news.example.org/campaign/3f2c1a9e-0b7d-4c1e-9a5b-2d4e6f8a0b1c/"
       "8e7d6c5b-4a39-4281-b7f6-e5d4c3b2a190/px.png",
       "listmonk", Category::kEmailTracker},
  }};
  for (const Case& c : cases) {
    IntelHit hit;
    ASSERT_TRUE(set->match_url(c.url, hit)) << c.url;
    EXPECT_EQ(hit.label, c.label) << c.url;
    EXPECT_EQ(hit.category, c.category) << c.url;
  }
  IntelHit hit;
  EXPECT_FALSE(set->match_host("www.example.com", hit));
  EXPECT_FALSE(set->match_host("evil-list-manage.com", hit));
  EXPECT_FALSE(set->match_url("www.example.com/images/logo.png", hit));
}

TEST(IntelSetPathRuleHosts, NamesOnlyMatchWhereThePathIsHidden) {
  const auto set = build_clean({
      {"hosts", feed_text("domain-suffix", "email-tracker", {"whole.example\tWhole\t0.3"})},
      {"path-hosts",
       "# beaconwatch-feed v1 kind=domain-suffix category=email-tracker scope=path-rule-host\n"
       "t.yesware.com\tYesware\t0.45\n"
       "whole.example\tWholePath\t0.3\n"
       "heavy.example\tHeavy\t0.6\n"},
      {"exact-path-hosts",
       "# beaconwatch-feed v1 kind=domain category=email-tracker scope=path-rule-host\n"
       "heavy.example\tHeavyExact\t0.5\n"},
      {"urls", feed_text("url-regex", "email-tracker", {"^t\\.yesware\\.com/t/\tYesware\t0.9"})},
  });
  ASSERT_TRUE(set);
  EXPECT_EQ(set->path_rule_host_count(), 4u);
  EXPECT_EQ(set->indicator_count(IndicatorKind::kDomainSuffix), 4u);
  IntelHit hit;
  ASSERT_TRUE(set->match_host("T.Yesware.com", hit));
  EXPECT_EQ(hit.label, "Yesware");
  EXPECT_EQ(hit.scope, HostScope::kPathRuleHost);
  EXPECT_FLOAT_EQ(hit.weight, 0.45f);
  // Listed both ways at the same weight: the whole-host entry answers.
  ASSERT_TRUE(set->match_host("a.whole.example", hit));
  EXPECT_EQ(hit.label, "Whole");
  EXPECT_FALSE(hit.from_path_rule_host());
  // The heaviest wins across scopes and kinds.
  ASSERT_TRUE(set->match_host("heavy.example", hit));
  EXPECT_EQ(hit.label, "Heavy");
  // With the path in view only URL rules and whole hosts speak.
  ASSERT_TRUE(set->match_url("t.yesware.com", "/t/abc", hit));
  EXPECT_EQ(hit.kind, IndicatorKind::kUrlRegex);
  EXPECT_FALSE(set->match_url("t.yesware.com", "/favicon.ico", hit));
  EXPECT_FALSE(set->match_url("https://heavy.example/x", hit));
  ASSERT_TRUE(set->match_url("whole.example/x", hit));
  EXPECT_EQ(hit.label, "Whole");
  ASSERT_TRUE(set->match_url("", "heavy.example:443", hit));  // CONNECT: path hidden
  EXPECT_TRUE(hit.from_path_rule_host());
}

}  // namespace
}  // namespace bw::intel
