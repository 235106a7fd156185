// bw-intel-convert on byte-exact excerpts of real, public lists, one per syntax. The expected
// indicators were derived by hand from the Adblock Plus filter syntax ("How to write filters":
// "||" host anchor, "|" address anchors, "^" separator, "*" wildcard, "$" options, "@@"
// exceptions) as adblock_rule.h reads it, not from the converter's output.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sensor/intel/intel_set.h"
#include "sensor/intel/list_convert.h"

namespace bw::intel {
namespace {

struct Converted {
  std::vector<ConvertedFeed> feeds;
  ConvertCounters counters;
  std::vector<std::string> problems;
};

Converted convert(std::string_view input, ListFormat from,
                  GenericRules generic = GenericRules::kSkip) {
  ConvertOptions options;
  options.from = from;
  options.to = IndicatorKind::kDomainSuffix;
  options.category = Category::kEmailTracker;
  options.label = "L";
  options.weight = 0.8f;
  options.generic_rules = generic;
  options.source_name = "in.txt";
  Converted c;
  EXPECT_TRUE(convert_list(input, options, c.feeds, c.counters, c.problems));
  return c;
}

// The indicators of a feed (first field of each line), without header and comments.
std::vector<std::string> indicators(const ConvertedFeed& feed) {
  std::vector<std::string> out;
  std::size_t start = 0;
  const std::string& text = feed.text;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    if (!line.empty() && line[0] != '#') out.push_back(line.substr(0, line.find('\t')));
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return out;
}

std::shared_ptr<const IntelSet> load(const Converted& c) {
  std::vector<FeedText> feeds;
  for (const ConvertedFeed& feed : c.feeds)
    feeds.push_back({"in" + feed.name_suffix, feed.text});
  std::vector<std::string> problems;
  auto set = IntelSet::build(feeds, problems);
  EXPECT_TRUE(set != nullptr);
  EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems.front());
  return set;
}

// github.com/easylist/easylist, easyprivacy/easyprivacy_general_emailtrackers.txt
// (commit 00c5406686e1e6fbb2934a1dad9d25b241cc56b8; GPLv3+ or CC BY-SA 3.0+), lines 1-9, 11-12,
// 40 (".pstmrk.it"), then single lines from further down, in list order.
constexpr std::string_view kEasyPrivacyEmailTrackers =
    "! easyprivacy_general_emailtrackers.txt\n"
    "! Email tracking pixels\n"
    "%2Fevent.gif%3F\n"
    ".acemlna.com/lt.php?$image\n"
    ".alcmpn.com/\n"
    ".awstrack.me/$image\n"
    ".bluekai.com/*?e_id_\n"
    ".email.*/tr/op/$image\n"
    ".pstmrk.it/open^\n"
    ".umusic-online.com^*/o.gif\n"
    "/click.*/q/*$image\n"
    "/global-cdm.net:443/sap/public/cuan/*/pixel.gif\n"
    "/t.yesware.com/t/*$image\n"
    "/wf/open?upn=$image\n"
    "://cl.melonbooks.co.jp/c/$image\n"
    "img.promio-connect.com$image\n";

TEST(RealLists, EasyPrivacyEmailTrackersSection) {
  const Converted c = convert(kEasyPrivacyEmailTrackers, ListFormat::kAdblock, GenericRules::kKeep);
  ASSERT_EQ(c.feeds.size(), 3u);
  // ".host/" and a bare host with only options: every URL of the names below (or at) the host.
  EXPECT_EQ(indicators(c.feeds[0]),
            (std::vector<std::string>{"alcmpn.com", "awstrack.me", "img.promio-connect.com"}));
  EXPECT_EQ(indicators(c.feeds[1]), (std::vector<std::string>{
                                        "(?i)%2Fevent\\.gif%3F",
                                        "(?i)^[^/]*\\.acemlna\\.com/lt\\.php\\?",
                                        "(?i)^[^/]*\\.bluekai\\.com/.*\\?e_id_",
                                        "(?i)^[^/]*\\.email\\..*/tr/op/",
                                        "(?i)^[^/]*\\.pstmrk\\.it/open(?:[^A-Za-z0-9_.%-]|$)",
                                        "(?i)^[^/]*\\.umusic-online\\.com(?:[^A-Za-z0-9_.%-]|$)"
                                        ".*/o\\.gif",
                                        "(?i)^click\\..*/q/",
                                        "(?i)^t\\.yesware\\.com/t/",
                                        "(?i)(?:^|/)wf/open\\?upn=",
                                        "(?i)^cl\\.melonbooks\\.co\\.jp/c/",
                                    }));
  EXPECT_EQ(
      indicators(c.feeds[2]),
      (std::vector<std::string>{"acemlna.com", "bluekai.com", "pstmrk.it", "umusic-online.com",
                                "t.yesware.com", "cl.melonbooks.co.jp"}));
  EXPECT_EQ(c.counters.lines, 16u);
  EXPECT_EQ(c.counters.comments, 2u);
  EXPECT_EQ(c.counters.host_rules, 3u);
  EXPECT_EQ(c.counters.path_rules, 8u);
  EXPECT_EQ(c.counters.path_rules_without_host, 2u);  // ".email.*", "/click.*"
  EXPECT_EQ(c.counters.generic_rules, 2u);
  EXPECT_EQ(c.counters.port_skipped, 1u);
  EXPECT_TRUE(c.problems.empty());

  // What the sensor then sees.
  const auto set = load(c);
  IntelHit hit;
  ASSERT_TRUE(set->match_host("t.yesware.com", hit));  // a TLS SNI: only the name shows
  EXPECT_TRUE(hit.from_path_rule_host());
  EXPECT_FLOAT_EQ(hit.weight, 0.4f);
  ASSERT_TRUE(set->match_url("t.yesware.com", "/t/5f3a9c/abc.png", hit));
  EXPECT_EQ(hit.kind, IndicatorKind::kUrlRegex);
  EXPECT_FALSE(hit.from_path_rule_host());
  EXPECT_FLOAT_EQ(hit.weight, 0.8f);
  // The path in view and no URL rule matching: the host of a path rule does not speak.
  EXPECT_FALSE(set->match_url("t.yesware.com", "/static/logo.png", hit));
  // A CONNECT tunnel hides the path as TLS does.
  ASSERT_TRUE(set->match_url("", "t.yesware.com:443", hit));
  EXPECT_TRUE(hit.from_path_rule_host());
  ASSERT_TRUE(set->match_host("r.eu-west-1.awstrack.me", hit));
  EXPECT_FALSE(hit.from_path_rule_host());
  EXPECT_FLOAT_EQ(hit.weight, 0.8f);
  ASSERT_TRUE(set->match_url("u123.ct.sendgrid.net/wf/open?upn=abc", hit));
  EXPECT_EQ(hit.kind, IndicatorKind::kUrlRegex);
  ASSERT_TRUE(set->match_url("click.news.example/q/abc", hit));
  EXPECT_FALSE(set->match_url("www.example/click.html", hit));
}

// github.com/easylist/easylist, easyprivacy/easyprivacy_thirdparty.txt
// (commit 00111ca382415faff0a605fddf34f9c1eae05bdf), single lines in list order.
constexpr std::string_view kEasyPrivacyThirdParty =
    "||100widgets.com^$third-party\n"
    "||1.1.1.1/cdn-cgi/trace\n"
    "||ad.mail.ru/*.gif?rnd=$third-party\n"
    "||api-location-prd.pelcro.com^$domain=newsweek.com\n"
    "||apm-engine.meteor.com^$third-party,xmlhttprequest\n"
    "||applicationinsights.azure.com^$third-party,domain=~azure.net\n"
    "||automate-prod.s3.amazonaws.com^$~script\n"
    "||bc.geocities.\n"
    "||browser.events.data.microsoft.com^$ping\n"
    "||cloudfront.net*/sp.js|\n"
    "||cmail19.com/t/$image,third-party\n";

TEST(RealLists, EasyPrivacyHostAnchoredRulesAndOptions) {
  const Converted c = convert(kEasyPrivacyThirdParty, ListFormat::kAdblock);
  EXPECT_EQ(indicators(c.feeds[0]),
            (std::vector<std::string>{"100widgets.com", "applicationinsights.azure.com",
                                      "automate-prod.s3.amazonaws.com"}));
  EXPECT_EQ(indicators(c.feeds[1]), (std::vector<std::string>{
                                        "(?i)^(?:[^/]*\\.)?1\\.1\\.1\\.1/cdn-cgi/trace",
                                        "(?i)^(?:[^/]*\\.)?ad\\.mail\\.ru/.*\\.gif\\?rnd=",
                                        "(?i)^(?:[^/]*\\.)?bc\\.geocities\\.",
                                        "(?i)^(?:[^/]*\\.)?cloudfront\\.net.*/sp\\.js$",
                                        "(?i)^(?:[^/]*\\.)?cmail19\\.com/t/",
                                    }));
  EXPECT_EQ(indicators(c.feeds[2]), (std::vector<std::string>{"ad.mail.ru", "cmail19.com"}));
  EXPECT_EQ(c.counters.host_rules, 3u);
  EXPECT_EQ(c.counters.path_rules, 5u);
  // An address, a name cut short, a wildcard inside the name.
  EXPECT_EQ(c.counters.path_rules_without_host, 3u);
  EXPECT_EQ(c.counters.domain_restricted, 1u);  // "$domain=newsweek.com"; "~azure.net" is kept
  EXPECT_EQ(c.counters.not_mail_fetch, 2u);     // $xmlhttprequest, $ping
  EXPECT_TRUE(c.problems.empty());
}

// Exceptions: lines 7-10 are byte-exact from github.com/easylist/easylist,
// easyprivacy/easyprivacy_allowlist.txt (commit 0012dea0f48c6ac63b8729edf7afe06a90c4d200);
// lines 1-6 are blocking rules written for this test so the exceptions have something to act on.
TEST(RealLists, EasyPrivacyAllowlistExceptions) {
  const Converted c = convert(
      "||amplitude.com^\n"
      "||cdn.segment.com^\n"
      "||cdn.segment.com/analytics-next/analytics.min.js\n"
      "||clearbit.com/logo.gif\n"
      "||logo.clearbit.com/x.png\n"
      "||ddos-guard.net/check.js\n"
      "@@||analytics.amplitude.com^$~third-party\n"
      "@@||cdn.segment.com/analytics-next/\n"
      "@@||logo.clearbit.com^$image,third-party\n"
      "@@||check.ddos-guard.net/check.js$script\n",
      ListFormat::kAdblock);
  // First-party-only and script-only exceptions do not concern a mail client's fetch.
  EXPECT_EQ(indicators(c.feeds[0]), (std::vector<std::string>{"amplitude.com", "cdn.segment.com"}));
  EXPECT_EQ(indicators(c.feeds[1]),
            (std::vector<std::string>{"(?i)^(?:[^/]*\\.)?clearbit\\.com/logo\\.gif",
                                      "(?i)^(?:[^/]*\\.)?ddos-guard\\.net/check\\.js"}));
  EXPECT_EQ(indicators(c.feeds[2]), (std::vector<std::string>{"clearbit.com", "ddos-guard.net"}));
  EXPECT_EQ(c.counters.removed_by_exception, 2u);
  EXPECT_EQ(c.counters.exceptions_applied, 2u);
  EXPECT_EQ(c.counters.exceptions_partial, 2u);
  EXPECT_EQ(c.counters.first_party_only, 1u);
  EXPECT_EQ(c.counters.not_mail_fetch, 1u);
  const std::vector<std::string> problems = {
      "in.txt:2: kept, though the exception on line 8 allows part of what it blocks (a feed "
      "cannot say so)",
      "in.txt:4: kept, though the exception on line 9 allows part of what it blocks (a feed "
      "cannot say so)"};
  EXPECT_EQ(c.problems, problems);
}

// github.com/AdguardTeam/cname-trackers, data/mail_trackers/mailgun.txt
// (commit 03563aab1c67ac0cf573a4997bddf43aa88d324f; MIT), lines 1-5: an open-source list of
// mail trackers' CNAME-cloaked hosts in Adblock syntax.
TEST(RealLists, AdGuardMailTrackersList) {
  const Converted c = convert(
      "!\n"
      "! Company name: Mailgun\n"
      "||11192521403954.avadacom.com^\n"
      "||123.avadacom.com^\n"
      "||1664764120.app.chronicle.com^\n",
      ListFormat::kAdblock);
  EXPECT_EQ(indicators(c.feeds[0]),
            (std::vector<std::string>{"11192521403954.avadacom.com", "123.avadacom.com",
                                      "1664764120.app.chronicle.com"}));
  EXPECT_TRUE(indicators(c.feeds[1]).empty());
  EXPECT_TRUE(indicators(c.feeds[2]).empty());
  EXPECT_EQ(c.counters.comments, 2u);
}

// github.com/AdguardTeam/cname-trackers, combined_disguised_trackers_hosts.txt
// (commit 78a881eba2340f78b7d5d049bded76ae9787a1fe; MIT), lines 1-11: a hosts file with "!"
// comments.
TEST(RealLists, AdGuardHostsFileWithBangComments) {
  const Converted c = convert(
      "! Title: AdGuard CNAME disguised trackers list\n"
      "! Description: The list of trackers that disguise the real trackers by using CNAME "
      "records.\n"
      "! TimeUpdated: 2022-05-30T08:00:16+00:00\n"
      "! Homepage: https://github.com/AdguardTeam/cname-trackers\n"
      "!\n"
      "!\n"
      "! Company name: 2cnt.net\n"
      "!\n"
      "! pl02.prolitteris.2cnt.net disguised trackers\n"
      "!\n"
      "0.0.0.0 pl02.owen.prolitteris.ch\n",
      ListFormat::kHosts);
  ASSERT_EQ(c.feeds.size(), 1u);
  EXPECT_EQ(indicators(c.feeds[0]), (std::vector<std::string>{"pl02.owen.prolitteris.ch"}));
  EXPECT_EQ(c.counters.comments, 10u);
  EXPECT_TRUE(c.problems.empty());
}

// github.com/JannikArndt/EMailTrackerBlocker, HOSTS.txt (commit
// 4e61396b30633f1bf9b4ad11012e3ce84ed83a09), lines 1-5: despite its name a plain list of names
// (line 4 ends with a blank). The repository states no licence: read for syntax only, and the
// refresh script does not fetch it.
TEST(RealLists, MailTrackerBlockerPlainList) {
  const Converted c = convert(
      "track.mixmax.com\n"
      "securepubads.g.doubleclick.net\n"
      "click.mailer.atlassian.com\n"
      "marketing.intercom-mail-200.com \n"
      "mailchimp.com\n",
      ListFormat::kPlain);
  EXPECT_EQ(indicators(c.feeds[0]),
            (std::vector<std::string>{"track.mixmax.com", "securepubads.g.doubleclick.net",
                                      "click.mailer.atlassian.com",
                                      "marketing.intercom-mail-200.com", "mailchimp.com"}));
}

// Trocker (github.com/trockerapp/trocker, chrome/lists.js, commit
// 104dc1a96f637652140c14e7f2e6cf03376af4c8) keeps its open trackers in JavaScript as bare
// "host/path" strings ("t.yesware.com/t", "mailtrack.io/trace"); written one per line they are
// bare Adblock rules, read as host-anchored.
TEST(RealLists, TrockerStyleBareHostPathRules) {
  const Converted c =
      convert("mailtrack.io/trace\nsendgrid.net/wf\nbl-1.com\n", ListFormat::kAdblock);
  EXPECT_EQ(indicators(c.feeds[0]), (std::vector<std::string>{"bl-1.com"}));
  EXPECT_EQ(indicators(c.feeds[1]),
            (std::vector<std::string>{"(?i)^(?:[^/]*\\.)?mailtrack\\.io/trace",
                                      "(?i)^(?:[^/]*\\.)?sendgrid\\.net/wf"}));
  EXPECT_EQ(indicators(c.feeds[2]), (std::vector<std::string>{"mailtrack.io", "sendgrid.net"}));
}

}  // namespace
}  // namespace bw::intel
