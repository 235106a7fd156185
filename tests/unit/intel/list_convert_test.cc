#include "sensor/intel/list_convert.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sensor/intel/intel_set.h"

namespace bw::intel {
namespace {

struct Converted {
  bool ok = false;
  std::string feed;  // the main feed
  std::vector<ConvertedFeed> feeds;
  ConvertCounters counters;
  std::vector<std::string> problems;
};

Converted convert(std::string_view input, ListFormat from, IndicatorKind to,
                  std::string label = "List") {
  ConvertOptions options;
  options.from = from;
  options.to = to;
  options.category = Category::kAdTracker;
  options.label = std::move(label);
  options.weight = 0.5f;
  options.source_name = "in.txt";
  Converted c;
  c.ok = convert_list(input, options, c.feeds, c.counters, c.problems);
  if (!c.feeds.empty()) c.feed = c.feeds.front().text;
  return c;
}

// The indicator lines of a feed, without header and comments.
std::vector<std::string> body(const std::string& feed) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < feed.size()) {
    const std::size_t end = feed.find('\n', start);
    const std::string line = feed.substr(start, end - start);
    if (!line.empty() && line[0] != '#') lines.push_back(line);
    start = end == std::string::npos ? feed.size() : end + 1;
  }
  return lines;
}

TEST(ListConvert, AdblockSortsRulesIntoHostUrlAndPathHostFeeds) {
  const Converted c = convert(
      "[Adblock Plus 2.0]\n"
      "! Title: test list\n"
      "||tracker.example^\n"
      "||pixel.example^$third-party,image\n"
      "||Upper.Example^|\n"                // end anchor: only the root URL, a path rule
      "||tracker.example^$script\n"        // scripts: never fetched by a mail client
      "example.org##.banner\n"             // cosmetic
      "example.org#@#.banner\n"            // cosmetic exception
      "example.org#?#div:-abp-has(.ad)\n"  // extended CSS
      "@@||good.example^\n"                // exception for nothing in this list
      "||ads.example/pixel.gif\n"          // host + path
      "||ads*.example^\n"                  // anchored, no literal host
      "||noanchor.example\n"               // prefix of a host: every URL of noanchor.example
      "/banner/*/img^\n"                   // generic: skipped by default
      "||bad_host!.example^\n"             // '!' ends the name: anchored, no literal host
      "\n",
      ListFormat::kAdblock, IndicatorKind::kDomainSuffix);
  ASSERT_TRUE(c.ok);
  ASSERT_EQ(c.feeds.size(), 3u);
  EXPECT_EQ(c.feeds[1].name_suffix, ".urls");
  EXPECT_EQ(c.feeds[2].name_suffix, ".path-hosts");
  const std::vector<std::string> hosts = {"tracker.example\tList\t0.5", "pixel.example\tList\t0.5",
                                          "noanchor.example\tList\t0.5"};
  EXPECT_EQ(body(c.feeds[0].text), hosts);
  const std::vector<std::string> urls = {
      "(?i)^(?:[^/]*\\.)?Upper\\.Example(?:[^A-Za-z0-9_.%-]|$)$\tList\t0.5",
      "(?i)^(?:[^/]*\\.)?ads\\.example/pixel\\.gif\tList\t0.5",
      "(?i)^(?:[^/]*\\.)?ads.*\\.example(?:[^A-Za-z0-9_.%-]|$)\tList\t0.5",
      "(?i)^(?:[^/]*\\.)?bad_host!\\.example(?:[^A-Za-z0-9_.%-]|$)\tList\t0.5"};
  EXPECT_EQ(body(c.feeds[1].text), urls);
  const std::vector<std::string> path_hosts = {"upper.example\tList\t0.25",
                                               "ads.example\tList\t0.25"};
  EXPECT_EQ(body(c.feeds[2].text), path_hosts);
  EXPECT_EQ(c.feed.substr(0, c.feed.find('\n')),
            "# beaconwatch-feed v1 kind=domain-suffix category=ad-tracker");
  EXPECT_EQ(c.feeds[1].text.substr(0, c.feeds[1].text.find('\n')),
            "# beaconwatch-feed v1 kind=url-regex category=ad-tracker");
  EXPECT_EQ(c.feeds[2].text.substr(0, c.feeds[2].text.find('\n')),
            "# beaconwatch-feed v1 kind=domain-suffix category=ad-tracker scope=path-rule-host");
  EXPECT_EQ(c.counters.lines, 16u);
  EXPECT_EQ(c.counters.converted, 9u);
  EXPECT_EQ(c.counters.comments, 3u);
  EXPECT_EQ(c.counters.cosmetic_skipped, 3u);
  EXPECT_EQ(c.counters.not_mail_fetch, 1u);
  EXPECT_EQ(c.counters.exceptions_unmatched, 1u);
  EXPECT_EQ(c.counters.host_rules, 3u);
  EXPECT_EQ(c.counters.path_rules, 4u);
  EXPECT_EQ(c.counters.path_rules_without_host, 2u);
  EXPECT_EQ(c.counters.generic_skipped, 1u);
  EXPECT_EQ(c.counters.invalid, 0u);
  EXPECT_TRUE(c.problems.empty());
}

TEST(ListConvert, HostsFileYieldsEveryNameButReservedOnes) {
  const Converted c = convert(
      "# hosts\n"
      "127.0.0.1 localhost\n"
      "::1 localhost ip6-localhost ip6-loopback\n"
      "0.0.0.0 0.0.0.0\n"
      "0.0.0.0 tracker.example   # inline comment\n"
      "0.0.0.0\tpixel.example\tPIXEL2.example\n"
      "127.0.0.1 tracker.example\n"
      "tracker.example\n"
      "0.0.0.0\n"
      "0.0.0.0 bad..example\n"
      "! AdGuard's hosts files comment with '!'\n",
      ListFormat::kHosts, IndicatorKind::kDomain);
  ASSERT_TRUE(c.ok);
  const std::vector<std::string> expected = {
      "tracker.example\tList\t0.5", "pixel.example\tList\t0.5", "pixel2.example\tList\t0.5"};
  EXPECT_EQ(body(c.feed), expected);
  EXPECT_EQ(c.counters.lines, 11u);
  EXPECT_EQ(c.counters.converted, 3u);
  EXPECT_EQ(c.counters.duplicates, 1u);
  EXPECT_EQ(c.counters.comments, 2u);
  EXPECT_EQ(c.counters.reserved_skipped, 5u);
  EXPECT_EQ(c.counters.invalid, 3u);
  const std::vector<std::string> problems = {
      "in.txt:8: not a hosts line (address, then host names)",
      "in.txt:9: not a hosts line (address, then host names)",
      "in.txt:10: empty label in host name"};
  EXPECT_EQ(c.problems, problems);
}

TEST(ListConvert, PlainListsValidateAgainstTheTargetKind) {
  const Converted ips = convert(
      "# blocklist\n"
      "192.0.2.1\n"
      "198.51.100.0/24  # campaign\n"
      "2001:DB8::/32\n"
      "10.0.0.1/8\n",
      ListFormat::kPlain, IndicatorKind::kIp);
  ASSERT_TRUE(ips.ok);
  const std::vector<std::string> expected_ips = {
      "192.0.2.1\tList\t0.5", "198.51.100.0/24\tList\t0.5", "2001:db8::/32\tList\t0.5"};
  EXPECT_EQ(body(ips.feed), expected_ips);
  EXPECT_EQ(ips.problems,
            std::vector<std::string>{
                "in.txt:5: address has bits set past /8 (write the network address)"});

  // A pattern keeps everything after the first blank: " #" is part of it.
  const Converted urls =
      convert("^a\\.test/x #frag\n^b\\.test/(\n", ListFormat::kPlain, IndicatorKind::kUrlRegex);
  EXPECT_EQ(body(urls.feed), std::vector<std::string>{"^a\\.test/x #frag\tList\t0.5"});
  EXPECT_EQ(urls.counters.invalid, 1u);

  const Converted ja3 = convert("E7D705A3286E19EA42F587B344EE6865\nnot-a-hash\n",
                                ListFormat::kPlain, IndicatorKind::kJa3);
  EXPECT_EQ(body(ja3.feed),
            std::vector<std::string>{"e7d705a3286e19ea42f587b344ee6865\tList\t0.5"});
}

TEST(ListConvert, OutputLoadsWithoutProblems) {
  const Converted c = convert("||tracker.example^\n||x.example^$third-party\n",
                              ListFormat::kAdblock, IndicatorKind::kDomainSuffix, "Easy List");
  std::vector<std::string> problems;
  std::vector<FeedText> feeds;
  for (const ConvertedFeed& feed : c.feeds)
    feeds.push_back({"converted" + feed.name_suffix, feed.text});
  auto set = IntelSet::build(feeds, problems);
  ASSERT_TRUE(set);
  EXPECT_TRUE(problems.empty());
  IntelHit hit;
  ASSERT_TRUE(set->match_host("cdn.tracker.example", hit));
  EXPECT_EQ(hit.label, "Easy List");
  EXPECT_EQ(hit.category, Category::kAdTracker);
  EXPECT_FLOAT_EQ(hit.weight, 0.5f);
}

TEST(ListConvert, RefusesOptionsThatCannotWork) {
  EXPECT_FALSE(convert("x", ListFormat::kHosts, IndicatorKind::kIp).ok);
  EXPECT_FALSE(convert("x", ListFormat::kAdblock, IndicatorKind::kUrlRegex).ok);
  EXPECT_EQ(converted_feed_path("out/easyprivacy.feed", ""), "out/easyprivacy.feed");
  EXPECT_EQ(converted_feed_path("out/easyprivacy.feed", ".urls"), "out/easyprivacy.urls.feed");
  EXPECT_EQ(converted_feed_path("ep", ".path-hosts"), "ep.path-hosts.feed");
  const Converted no_label = convert("x.test", ListFormat::kPlain, IndicatorKind::kDomain, "");
  EXPECT_FALSE(no_label.ok);
  EXPECT_EQ(no_label.problems, std::vector<std::string>{"--label: empty label"});
}

TEST(ConvertCommand, ParsesTheDocumentedCommandLine) {
  const std::vector<std::string_view> args = {"--from",     "hosts", "--to",     "domain",
                                              "--category", "ioc",   "--label",  "Feodo C2",
                                              "--weight",   "0.7",   "in.hosts", "-"};
  ConvertCommand command;
  std::string error;
  ASSERT_TRUE(parse_convert_command(args, command, error)) << error;
  EXPECT_EQ(command.options.from, ListFormat::kHosts);
  EXPECT_EQ(command.options.to, IndicatorKind::kDomain);
  EXPECT_EQ(command.options.category, Category::kIoc);
  EXPECT_EQ(command.options.label, "Feodo C2");
  EXPECT_FLOAT_EQ(command.options.weight, 0.7f);
  EXPECT_EQ(command.input_path, "in.hosts");
  EXPECT_EQ(command.output_path, "-");
  EXPECT_EQ(command.options.source_name, "in.hosts");
}

TEST(ConvertCommand, ExplainsBadCommandLines) {
  const auto error_of = [](std::vector<std::string_view> args) {
    ConvertCommand command;
    std::string error;
    return parse_convert_command(args, command, error) ? std::string("ok") : error;
  };
  EXPECT_EQ(
      error_of({"--from", "csv", "--to", "domain", "--category", "ioc", "--label", "L", "a", "b"}),
      "bad value 'csv' for --from");
  EXPECT_EQ(error_of({"--from", "plain", "--to", "domain", "--category", "ioc", "--label", "L",
                      "--weight", "2", "a", "b"}),
            "bad value '2' for --weight");
  EXPECT_EQ(error_of({"--from", "plain", "--to", "domain", "--category", "ioc", "a", "b"}),
            "--from, --to, --category and --label are required");
  EXPECT_EQ(
      error_of({"--from", "plain", "--to", "domain", "--category", "ioc", "--label", "L", "a"}),
      "expected two file arguments, IN and OUT");
  EXPECT_EQ(
      error_of({"--from", "adblock", "--to", "ip", "--category", "ioc", "--label", "L", "a", "b"}),
      "adblock lists hold host names: --to must be domain or domain-suffix");
  EXPECT_EQ(error_of({"--bogus", "x"}), "unknown option --bogus");
  EXPECT_EQ(error_of({"--from"}), "--from needs a value");
  EXPECT_EQ(error_of({"--help"}), "ok");
}

}  // namespace
}  // namespace bw::intel
