#include "sensor/intel/feed_format.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/intel/intel_test_support.h"

namespace bw::intel {
namespace {

using test::feed_text;

struct Parsed {
  bool ok = false;
  FeedHeader header;
  std::vector<FeedEntry> entries;
  std::vector<std::string> labels;  // entries' labels, copied while the header lives
  std::vector<std::string> problems;
  IntelLoadCounters counters;
};

Parsed parse(std::string_view text) {
  Parsed parsed;
  {
    ProblemLog log("feeds/test.feed", parsed.problems);
    parsed.ok = parse_feed(text, log, parsed.counters, parsed.header, [&](const FeedEntry& e) {
      parsed.entries.push_back(e);
      parsed.labels.emplace_back(e.label);
    });
  }
  return parsed;
}

TEST(FeedFormat, ReadsHeaderAndTabSeparatedLines) {
  const Parsed p = parse(
      "# beaconwatch-feed v1 kind=domain-suffix category=email-tracker\n"
      "# a comment\n"
      "\n"
      "List-Manage.com\tMailchimp\t0.9\n"
      "awstrack.me\tAmazon SES\t1\r\n"
      "  pstmrk.it \t Postmark \t 0.25 \n");
  ASSERT_TRUE(p.ok);
  EXPECT_TRUE(p.problems.empty());
  EXPECT_EQ(p.header.kind, IndicatorKind::kDomainSuffix);
  EXPECT_EQ(p.header.category, Category::kEmailTracker);
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.entries[0].indicator, "list-manage.com");
  EXPECT_EQ(p.labels[0], "Mailchimp");
  EXPECT_FLOAT_EQ(p.entries[0].weight, 0.9f);
  EXPECT_EQ(p.entries[0].line, 4u);
  EXPECT_EQ(p.entries[1].indicator, "awstrack.me");
  EXPECT_FLOAT_EQ(p.entries[1].weight, 1.0f);
  EXPECT_EQ(p.entries[2].indicator, "pstmrk.it");
  EXPECT_EQ(p.labels[2], "Postmark");
  EXPECT_FLOAT_EQ(p.entries[2].weight, 0.25f);
  EXPECT_EQ(p.counters.lines, 5u);
  EXPECT_EQ(p.counters.comment_lines, 2u);
  EXPECT_EQ(p.counters.indicators_accepted, 3u);
  EXPECT_EQ(p.counters.lines_rejected, 0u);
}

TEST(FeedFormat, HeaderDefaultsFillMissingLabelAndWeight) {
  const Parsed p = parse(
      "\xEF\xBB\xBF# beaconwatch-feed v1 kind=ip category=ioc label=Campaign-42 weight=0.5\n"
      "192.0.2.1\n"
      "198.51.100.0/24\tOther actor\n"
      "203.0.113.0/24\t\t0.75\n");
  ASSERT_TRUE(p.ok);
  EXPECT_TRUE(p.problems.empty()) << p.problems.front();
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.labels[0], "Campaign-42");
  EXPECT_FLOAT_EQ(p.entries[0].weight, 0.5f);
  EXPECT_EQ(p.labels[1], "Other actor");
  EXPECT_FLOAT_EQ(p.entries[1].weight, 0.5f);
  EXPECT_EQ(p.labels[2], "Campaign-42");
  EXPECT_FLOAT_EQ(p.entries[2].weight, 0.75f);
}

TEST(FeedFormat, BadLinesAreReportedWithFileAndLineAndSkipped) {
  const Parsed p = parse(feed_text("domain", "email-tracker",
                                   {
                                       "good.example\tGood\t0.5",         // line 2
                                       "bad example.com\tBad",            // line 3
                                       "nolabel.example",                 // line 4
                                       "w.example\tW\t1.5",               // line 5
                                       "w2.example\tW\tabc",              // line 6
                                       "a.example\tA\t0.5\textra",        // line 7
                                       "trailing.example\tT\t0.5\t\t",    // line 8, accepted
                                       "ctl.example\tBad\x01label\t0.5",  // line 9
                                       std::string(4097, 'a'),            // line 10
                                   }));
  ASSERT_TRUE(p.ok);
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.entries[0].indicator, "good.example");
  EXPECT_EQ(p.entries[1].indicator, "trailing.example");
  const std::vector<std::string> expected = {
      "feeds/test.feed:3: space (fields are separated by tabs) not allowed in a host name",
      "feeds/test.feed:4: no label (add a tab and a label, or label= in the header)",
      "feeds/test.feed:5: weight '1.5' is not a number between 0 and 1",
      "feeds/test.feed:6: weight 'abc' is not a number between 0 and 1",
      "feeds/test.feed:7: more than 3 tab-separated fields (indicator, label, weight)",
      "feeds/test.feed:9: control character in label",
      "feeds/test.feed:10: line longer than 4096 bytes",
  };
  EXPECT_EQ(p.problems, expected);
  EXPECT_EQ(p.counters.lines_rejected, 7u);
  EXPECT_EQ(p.counters.indicators_accepted, 2u);
}

TEST(FeedFormat, BadRegexLineIsReportedAndTheRestLoads) {
  const Parsed p = parse(feed_text("url-regex", "email-tracker",
                                   {
                                       R"(^[^/]+/wf/open\?upn=	SendGrid	0.9)",
                                       R"(^[^/]+/track/(open	Broken	0.9)",
                                       R"(^[^/]+/o/eJ[A-Za-z0-9_-]{20,}	Mailgun	0.8)",
                                   }));
  ASSERT_TRUE(p.ok);
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.labels[0], "SendGrid");
  EXPECT_EQ(p.labels[1], "Mailgun");
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_EQ(p.problems[0], "feeds/test.feed:3: invalid RE2 pattern: missing ): ^[^/]+/track/(open");
}

TEST(FeedFormat, UnusableHeadersFailTheWholeFeed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"example.com\tX\n",
       "feeds/test.feed:1: not a feed: the first line must be "
       "'# beaconwatch-feed v1 kind=<kind> category=<category>'"},
      {"",
       "feeds/test.feed:1: not a feed: the first line must be "
       "'# beaconwatch-feed v1 kind=<kind> category=<category>'"},
      {"# beaconwatch-feed v2 kind=domain category=ioc\n",
       "feeds/test.feed:1: feed format 'v2' not supported (this reads v1)"},
      {"# beaconwatch-feed v1 kind=hostname category=ioc\n",
       "feeds/test.feed:1: unknown kind 'hostname' (one of domain, domain-suffix, url-regex, ip, "
       "ja3, ja4)"},
      {"# beaconwatch-feed v1 kind=domain category=spam\n",
       "feeds/test.feed:1: unknown category 'spam' (one of email-tracker, mail-privacy-proxy, "
       "ioc, ad-tracker)"},
      {"# beaconwatch-feed v1 kind=domain\n",
       "feeds/test.feed:1: header lacks kind= or category=: the first line must be "
       "'# beaconwatch-feed v1 kind=<kind> category=<category>'"},
      {"# beaconwatch-feed v1 kind=domain category=ioc weight=2\n",
       "feeds/test.feed:1: header weight=: weight '2' is not a number between 0 and 1"},
  };
  for (const auto& [text, problem] : cases) {
    const Parsed p = parse(text + "example.com\tX\n");
    EXPECT_FALSE(p.ok) << text;
    EXPECT_TRUE(p.entries.empty()) << text;
    ASSERT_EQ(p.problems.size(), 1u) << text;
    EXPECT_EQ(p.problems[0], problem);
  }
}

TEST(FeedFormat, UnknownHeaderFieldsAreReportedButTolerated) {
  const Parsed p = parse(
      "# beaconwatch-feed v1 kind=domain category=ioc source=misp stray\n"
      "evil.example\tActor\n");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.entries.size(), 1u);
  const std::vector<std::string> expected = {
      "feeds/test.feed:1: unknown header field 'source' ignored",
      "feeds/test.feed:1: header field 'stray' is not key=value; ignored",
  };
  EXPECT_EQ(p.problems, expected);
}

TEST(FeedFormat, ScopeMarksHostsOfPathRules) {
  const Parsed p = parse(
      "# beaconwatch-feed v1 kind=domain-suffix category=email-tracker scope=path-rule-host\n"
      "t.yesware.com\tYesware\t0.45\n");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.header.scope, HostScope::kPathRuleHost);
  EXPECT_TRUE(p.problems.empty());
  EXPECT_EQ(format_feed_header(IndicatorKind::kDomainSuffix, Category::kEmailTracker,
                               HostScope::kPathRuleHost),
            "# beaconwatch-feed v1 kind=domain-suffix category=email-tracker "
            "scope=path-rule-host");
  EXPECT_EQ(parse("# beaconwatch-feed v1 kind=domain category=ioc scope=host\nx.example\tX\n")
                .header.scope,
            HostScope::kWholeHost);

  const Parsed url =
      parse("# beaconwatch-feed v1 kind=url-regex category=ioc scope=path-rule-host\n^a/\tX\n");
  EXPECT_FALSE(url.ok);
  EXPECT_EQ(url.problems, std::vector<std::string>{
                              "feeds/test.feed:1: scope=path-rule-host applies to domain and "
                              "domain-suffix feeds only"});
  const Parsed unknown =
      parse("# beaconwatch-feed v1 kind=domain category=ioc scope=page\nx.example\tX\n");
  EXPECT_FALSE(unknown.ok);
}

TEST(FeedFormat, ProblemFloodIsCappedWithACount) {
  std::vector<std::string> lines(kMaxProblemsPerSource + 7, "not a host!\tX");
  const Parsed p = parse(feed_text("domain", "ioc", lines));
  ASSERT_EQ(p.problems.size(), kMaxProblemsPerSource + 1);
  EXPECT_EQ(p.problems.back(), "feeds/test.feed: 7 more problems not listed");
  EXPECT_EQ(p.counters.lines_rejected, kMaxProblemsPerSource + 7);
}

TEST(FeedFormat, WritesWhatItReads) {
  EXPECT_EQ(format_feed_header(IndicatorKind::kJa4, Category::kIoc),
            "# beaconwatch-feed v1 kind=ja4 category=ioc");
  EXPECT_EQ(format_feed_line("awstrack.me", "Amazon SES", 0.9f), "awstrack.me\tAmazon SES\t0.9");
  EXPECT_EQ(format_weight(1.0f), "1");
  EXPECT_EQ(format_weight(0.25f), "0.25");
  const Parsed p = parse(format_feed_header(IndicatorKind::kDomain, Category::kAdTracker) + "\n" +
                         format_feed_line("ads.example", "List", 0.3f) + "\n");
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_FLOAT_EQ(p.entries[0].weight, 0.3f);
  EXPECT_EQ(p.header.category, Category::kAdTracker);
}

}  // namespace
}  // namespace bw::intel
