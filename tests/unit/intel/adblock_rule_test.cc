// The Adblock rule reader on the syntax elements one by one (Adblock Plus "How to write filters"
// and uBlock Origin's static filter syntax); real list lines are in real_lists_test.cc.
#include "sensor/intel/adblock_rule.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <string>

namespace bw::intel::adblock {
namespace {

SkipReason skip_of(std::string_view line) {
  const Rule rule = parse_rule(line);
  return rule.rule_class == RuleClass::kSkipped ? rule.skip : SkipReason::kNone;
}

// Whether the converted pattern matches `url` given as "host/path?query".
bool matches(std::string_view line, std::string_view url) {
  const Rule rule = parse_rule(line);
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);
  const RE2 re(url_regex(rule), options);
  EXPECT_TRUE(re.ok()) << url_regex(rule);
  return RE2::PartialMatch(url, re);
}

TEST(AdblockRule, CommentsHeadersAndCosmeticRules) {
  EXPECT_EQ(parse_rule("[Adblock Plus 2.0]").rule_class, RuleClass::kComment);
  EXPECT_EQ(parse_rule("! Title: x").rule_class, RuleClass::kComment);
  EXPECT_EQ(parse_rule("   ").rule_class, RuleClass::kComment);
  for (const char* cosmetic : {"example.org##.ad", "example.org#@#.ad", "example.org#?#div",
                               "example.org#$#abort-on-property-read x", "example.org#%#x",
                               "example.org$$script[data-src]", "##img[src$=\"?a=b\"]"}) {
    EXPECT_EQ(parse_rule(cosmetic).rule_class, RuleClass::kCosmetic) << cosmetic;
  }
}

TEST(AdblockRule, AnchorsAndHosts) {
  Rule rule = parse_rule("||Tracker.Example^");
  EXPECT_EQ(rule.anchor, Anchor::kDomain);
  EXPECT_EQ(rule.host, "Tracker.Example");
  EXPECT_TRUE(rule.whole_host());

  rule = parse_rule("|https://pixel.example/o.gif|");
  EXPECT_EQ(rule.anchor, Anchor::kExactHost);
  EXPECT_EQ(rule.host, "pixel.example");
  EXPECT_EQ(rule.path, "/o.gif");
  EXPECT_TRUE(rule.end_anchor);
  EXPECT_FALSE(rule.whole_host());

  rule = parse_rule(".open.example/t/");
  EXPECT_EQ(rule.anchor, Anchor::kSubdomain);
  EXPECT_EQ(rule.host, "open.example");

  rule = parse_rule("||tracker.example^*/pixel");
  EXPECT_EQ(rule.path, "^*/pixel");
  EXPECT_FALSE(rule.whole_host());

  EXPECT_TRUE(parse_rule("||tracker.example/").whole_host());
  EXPECT_TRUE(parse_rule("||tracker.example^*").whole_host());  // a trailing '*' adds nothing
  EXPECT_TRUE(parse_rule("||tracker.example").host_unknown == false);

  // File names are not hosts: these are generic rules.
  EXPECT_EQ(parse_rule("/p1x1.gif").anchor, Anchor::kNone);
  EXPECT_EQ(parse_rule("analytics.min.js").anchor, Anchor::kNone);
  EXPECT_EQ(parse_rule("/open.aspx?").anchor, Anchor::kNone);
  EXPECT_FALSE(plausible_host("pixel.gif"));
  EXPECT_TRUE(plausible_host("t.yesware.com"));
  EXPECT_FALSE(plausible_host("localhost"));
}

TEST(AdblockRule, PatternsMatchWhatTheSyntaxSays) {
  EXPECT_TRUE(matches("||tracker.example^", "tracker.example/x"));
  EXPECT_TRUE(matches("||tracker.example^", "a.b.tracker.example/x"));
  EXPECT_FALSE(matches("||tracker.example^", "eviltracker.example/x"));
  EXPECT_FALSE(matches("||tracker.example^", "tracker.example.evil/x"));
  EXPECT_TRUE(matches("||tracker.example^*/pixel", "tracker.example/a/b/pixel.gif"));
  EXPECT_TRUE(matches("|https://pixel.example/o.gif|", "pixel.example/o.gif"));
  EXPECT_FALSE(matches("|https://pixel.example/o.gif|", "pixel.example/o.gif?x=1"));
  EXPECT_FALSE(matches("|https://pixel.example/o.gif|", "a.pixel.example/o.gif"));
  EXPECT_TRUE(matches(".open.example/t/", "u1.open.example/t/abc"));
  EXPECT_FALSE(matches(".open.example/t/", "open.example/t/abc"));
  EXPECT_TRUE(matches("/track/open.php?", "x.example/track/open.php?u=1"));
  EXPECT_TRUE(matches("/click.*/q/*", "click.news.example/q/1"));
  EXPECT_TRUE(matches("||Tracker.Example/Open", "tracker.example/open"));  // case-insensitive
  EXPECT_FALSE(matches("||tracker.example/Open$match-case", "tracker.example/open"));
  EXPECT_TRUE(matches("/px?a=b&c=d^", "x.example/px?a=b&c=d"));  // '^' at the end of the URL
  EXPECT_FALSE(matches("/px?a=b^", "x.example/px?a=bc"));
}

TEST(AdblockRule, OptionsKeepMailFetchesAndSkipTheRest) {
  EXPECT_EQ(skip_of("||t.example^$image,third-party"), SkipReason::kNone);
  EXPECT_EQ(skip_of("||t.example^$3p,important"), SkipReason::kNone);
  EXPECT_EQ(skip_of("||t.example^$~script"), SkipReason::kNone);
  EXPECT_EQ(skip_of("||t.example^$image,redirect=1x1.gif"), SkipReason::kNone);
  EXPECT_EQ(skip_of("||t.example^$domain=~a.example|~b.example"), SkipReason::kNone);
  EXPECT_EQ(skip_of("||t.example^$method=get"), SkipReason::kNone);
  EXPECT_EQ(skip_of("||t.example^$domain=a.example|~b.example"), SkipReason::kDomainRestricted);
  EXPECT_EQ(skip_of("||t.example^$from=a.example"), SkipReason::kDomainRestricted);
  EXPECT_EQ(skip_of("||t.example^$~third-party"), SkipReason::kFirstPartyOnly);
  EXPECT_EQ(skip_of("||t.example^$1p"), SkipReason::kFirstPartyOnly);
  EXPECT_EQ(skip_of("||t.example^$script,xhr"), SkipReason::kNotMailFetch);
  EXPECT_EQ(skip_of("||t.example^$~image,~other,~stylesheet,~font,~media,~document,~doc,~css,~all"),
            SkipReason::kNotMailFetch);
  EXPECT_EQ(skip_of("||t.example^$popup"), SkipReason::kNonNetwork);
  EXPECT_EQ(skip_of("||t.example^$csp=script-src 'self'"), SkipReason::kNonNetwork);
  EXPECT_EQ(skip_of("||t.example^$removeparam=utm_source"), SkipReason::kNonNetwork);
  EXPECT_EQ(skip_of("||t.example^$badfilter"), SkipReason::kUnsupportedOption);
  EXPECT_EQ(skip_of("||t.example^$method=post"), SkipReason::kUnsupportedOption);
  EXPECT_EQ(skip_of("||t.example^$frobnicate"), SkipReason::kUnknownOption);
  EXPECT_EQ(skip_of("/banner[0-9]+\\.gif/$image"), SkipReason::kRegex);
  EXPECT_EQ(skip_of("/ads$/"), SkipReason::kRegex);
  EXPECT_EQ(skip_of("|ws://t.example/"), SkipReason::kScheme);
  EXPECT_EQ(skip_of("||t.example:8080/x"), SkipReason::kPort);
  EXPECT_EQ(skip_of("$image,third-party"), SkipReason::kMatchesEverything);
  // Exceptions: page-level ones are about pages, not fetches.
  EXPECT_EQ(skip_of("@@||site.example^$document"), SkipReason::kPageLevel);
  EXPECT_EQ(skip_of("@@||site.example^$elemhide"), SkipReason::kPageLevel);
  EXPECT_EQ(parse_rule("@@||ok.example^$image").rule_class, RuleClass::kException);
  // A blocking $document rule concerns the page a clicked tracking link opens.
  EXPECT_EQ(skip_of("||click.example^$document"), SkipReason::kNone);
}

}  // namespace
}  // namespace bw::intel::adblock
