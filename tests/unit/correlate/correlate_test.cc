#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "sensor/correlate/beacon_detector.h"
#include "sensor/correlate/campaign_tracker.h"
#include "sensor/correlate/dns_answer_cache.h"
#include "sensor/correlate/first_seen_store.h"
#include "sensor/correlate/mail_client.h"
#include "sensor/correlate/mail_watchlist.h"
#include "sensor/correlate/public_suffix.h"
#include "sensor/detect/recipient_directory.h"
#include "sensor/intel/intel_holder.h"
#include "tests/unit/correlate/detector_events.h"

namespace bw::correlate {
namespace {

IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t bytes[4] = {a, b, c, d};
  return IpAddress::v4(bytes);
}

TEST(MailClient, RecognisesMailUserAgentsAndNotBrowsers) {
  EXPECT_EQ(mail_client_from_user_agent(
                "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17726; Pro)"),
            "outlook");
  EXPECT_EQ(mail_client_from_user_agent("Mozilla/4.0 (compatible; ms-office; MSOffice 16)"),
            "outlook");
  EXPECT_EQ(mail_client_from_user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
                                        "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"),
            "apple-mail");
  EXPECT_EQ(mail_client_from_user_agent("Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 "
                                        "Thunderbird/115.9.0"),
            "thunderbird");
  EXPECT_EQ(mail_client_from_user_agent(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
                "Gecko) Version/17.4 Safari/605.1.15"),
            "");
  EXPECT_EQ(mail_client_from_user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/"
                                        "537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"),
            "");
  EXPECT_EQ(webmail_from_referer("https://mail.google.com/mail/u/0/"), "webmail:gmail");
  EXPECT_EQ(webmail_from_referer("https://www.lemonde.fr/"), "");
  EXPECT_EQ(privacy_proxy_from_host("ci3.googleusercontent.com"), "gmail-image-proxy");
  EXPECT_EQ(privacy_proxy_from_host("notgoogleusercontent.com"), "");
}

TEST(PublicSuffix, RegistrableDomainsAndHostNormalisation) {
  PublicSuffixList psl;
  FixedString<256> out;
  psl.registrable_domain("A.B.News-Example.CO.UK.", out);
  EXPECT_EQ(out.view(), "news-example.co.uk");
  psl.registrable_domain("t.mailtrack-eu.com:8080", out);
  EXPECT_EQ(out.view(), "mailtrack-eu.com");
  psl.registrable_domain("192.0.2.7", out);
  EXPECT_EQ(out.view(), "192.0.2.7");
  psl.registrable_domain("[2001:db8::1]:443", out);
  EXPECT_EQ(out.view(), "2001:db8::1");
}

TEST(FirstSeenStore, RemembersEvictsAndSurvivesARestart) {
  FirstSeenStore store(2);
  EXPECT_EQ(store.observe("a.example", 10), 10);
  EXPECT_EQ(store.observe("b.example", 20), 20);
  EXPECT_EQ(store.observe("a.example", 30), 10);  // seen before: its first sighting
  EXPECT_EQ(store.observe("c.example", 40), 40);  // evicts b, the least recently seen
  EXPECT_EQ(store.evictions(), 1u);
  EXPECT_FALSE(store.contains("b.example"));
  const std::string path = ::testing::TempDir() + "bw_first_seen.tsv";
  std::string error;
  ASSERT_TRUE(store.save(path, error)) << error;
  FirstSeenStore restarted(10);
  ASSERT_TRUE(restarted.load(path, error)) << error;
  EXPECT_EQ(restarted.observe("a.example", 50), 10);
  EXPECT_EQ(restarted.observe("c.example", 50), 40);
  std::ofstream(path) << "garbage\n";
  FirstSeenStore broken(10);
  EXPECT_FALSE(broken.load(path, error));
  EXPECT_NE(error.find(path + ":1"), std::string::npos) << error;
  std::remove(path.c_str());
  FirstSeenStore fresh(10);
  EXPECT_TRUE(fresh.load(path, error));  // absent file: empty store
}

TEST(DnsAnswerCache, NamesAddressesUntilTheAnswerExpires) {
  DnsAnswerCache cache(2);
  cache.record("198.51.100.7", "t.news-example.com", 0, 60);
  EXPECT_EQ(cache.lookup("198.51.100.7", 30 * kNsPerSecond), "t.news-example.com");
  EXPECT_EQ(cache.lookup("198.51.100.7", 3600 * kNsPerSecond), "");  // TTL + grace passed
  cache.record("198.51.100.8", "b", 0, 60);
  cache.record("198.51.100.9", "c", 0, 60);
  EXPECT_EQ(cache.lookup("198.51.100.7", 0), "");  // evicted, capacity 2
  EXPECT_EQ(cache.evictions(), 1u);
}

TEST(CampaignTracker, FormsAtThresholdWithinTheWindowOnly) {
  CampaignTracker tracker(3, 100, 16);
  auto observe = [&](std::uint8_t host, std::string_view token, TimestampNs ts) {
    return tracker.observe(CampaignObservation{
        "template", "x.com/o/{hex32}.gif", Scheme::kHttp, v4(10, 0, 0, host), token, {}, ts, true});
  };
  EXPECT_FALSE(observe(1, "aaaa", 0).is_campaign);
  EXPECT_FALSE(observe(1, "aaaa", 10).new_host);  // same host again
  EXPECT_FALSE(observe(2, "bbbb", 20).is_campaign);
  const CampaignVerdict third = observe(3, "cccc", 30);
  EXPECT_TRUE(third.is_campaign);
  EXPECT_TRUE(third.just_formed);
  EXPECT_FALSE(observe(4, "dddd", 40).just_formed);
  CampaignUpdate update;
  tracker.describe(
      CampaignObservation{
          "template", "x.com/o/{hex32}.gif", Scheme::kHttp, v4(10, 0, 0, 4), "dddd", {}, 40, true},
      update);
  EXPECT_EQ(update.distinct_hosts, 4u);
  EXPECT_EQ(update.distinct_tokens, 4u);
  EXPECT_EQ(update.campaign_id.view().substr(0, 4), "cmp-");
  // The same token from many hosts is a shared asset, not a mail-merge.
  CampaignTracker assets(3, 100, 16);
  for (std::uint8_t h = 1; h <= 5; ++h) {
    EXPECT_FALSE(assets
                     .observe(CampaignObservation{"template",
                                                  "cdn.com/{hex32}.js",
                                                  Scheme::kHttp,
                                                  v4(10, 0, 0, h),
                                                  "same",
                                                  {},
                                                  h,
                                                  true})
                     .is_campaign);
  }
  // Members older than the window leave it.
  CampaignTracker slow(3, 100, 16);
  for (std::uint8_t h = 1; h <= 5; ++h) {
    EXPECT_FALSE(
        slow
            .observe(CampaignObservation{
                "sni", "rare.example", Scheme::kTls, v4(10, 0, 0, h), {}, {}, h * 200, false})
            .is_campaign);
  }
}

// Builds events as the exporter would hand them to the detector.
class DetectorTest : public ::testing::Test, public AlertSink {
 protected:
  void on_alert(const exporter::EventRecord& alert) override { alerts.push_back(alert); }

  exporter::EventRecord http(std::uint8_t client, std::string_view host, std::string_view uri,
                             std::string_view ua, TimestampNs ts, bool pixel = true,
                             std::string_view referer = {}, bool cookie = false) {
    exporter::EventRecord e =
        test_events::http_get(v4(10, 40, 0, client), v4(203, 0, 113, 5), host, uri, ua, ts);
    auto& t = std::get<extract::HttpTransaction>(e.body);
    t.request.referer.assign(referer);
    t.request.cookie_sent = cookie;
    if (pixel) {
      test_events::pixel_response(t.response);
    } else {
      t.response.content_type.assign("text/html");
      t.response.content_length = 5120;
    }
    t.response.cache_control.assign("no-cache, no-store");
    return e;
  }
  exporter::EventRecord tls(std::uint8_t client, std::string_view sni, TimestampNs ts) {
    return test_events::tls_hello(v4(10, 40, 0, client), v4(203, 0, 113, 9), sni, ts);
  }
  std::vector<const BeaconAlert*> beacons() const { return test_events::beacons_in(alerts); }
  bool has_reason(const BeaconAlert& a, std::string_view signal) const {
    for (const Reason& r : a.reasons) {
      if (r.signal.view() == signal) return true;
    }
    return false;
  }

  std::vector<exporter::EventRecord> alerts;
  static constexpr const char* kOutlook =
      "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17726; Pro)";
  static constexpr const char* kChrome =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0 Safari/537.36";
};

TEST_F(DetectorTest, MailClientPixelWithTokenAlertsWithEveryReason) {
  DetectConfig warm;  // a sensor that has learned its network: rarity counts
  warm.learning_period = 0;
  BeaconDetector detector(warm, nullptr, nullptr, nullptr);
  detector.observe(
      http(1, "t.news-example.com", "/o/3f2a9c0e4b7d11ee9a1c0242ac120002.gif", kOutlook, 1000), 7,
      *this);
  const auto found = beacons();
  ASSERT_EQ(found.size(), 1u);
  const BeaconAlert& a = *found[0];
  EXPECT_EQ(a.trigger_sequence, 7u);
  EXPECT_TRUE(has_reason(a, "per_recipient_token"));
  EXPECT_TRUE(has_reason(a, "pixel_response"));
  EXPECT_TRUE(has_reason(a, "mail_client"));
  EXPECT_TRUE(has_reason(a, "rare_domain"));
  EXPECT_TRUE(has_reason(a, "cache_busting"));
  EXPECT_EQ(a.mail_client.view(), "outlook");
  EXPECT_EQ(a.registrable_domain.view(), "news-example.com");
  EXPECT_EQ(a.response_shape.view(), "200 image/gif 1x1 43 bytes");
  EXPECT_GE(a.score, a.threshold);
  float sum = 0;
  for (const Reason& r : a.reasons)
    sum += r.weight;
  EXPECT_FLOAT_EQ(sum, a.score);
}

TEST_F(DetectorTest, RedirectToAnImageIsPixelShaped) {
  BeaconDetector detector(DetectConfig{}, nullptr, nullptr, nullptr);
  exporter::EventRecord e =
      http(1, "t.news-example.com", "/o/3f2a9c0e4b7d11ee9a1c0242ac120002", kOutlook, 1000, false);
  auto& response = std::get<extract::HttpTransaction>(e.body).response;
  response.status = 302;
  response.location.assign("https://cdn.news-example.com/img/spacer.gif?v=2");
  detector.observe(e, 1, *this);
  const auto found = beacons();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(has_reason(*found[0], "pixel_response"));
}

TEST_F(DetectorTest, AnalyticsPixelLoadedByAPageDoesNotAlert) {
  BeaconDetector detector(DetectConfig{}, nullptr, nullptr, nullptr);
  detector.observe(
      http(1, "www.analytics-example.com", "/collect?v=1&cid=1234567890.1700000000&t=pageview",
           kChrome, 1000, true, "https://www.lemonde.fr/", true),
      1, *this);
  EXPECT_TRUE(beacons().empty());
}

TEST_F(DetectorTest, RecipientAddressInTheUrlNamesTheRecipient) {
  detect::RecipientDirectory directory;
  ASSERT_TRUE(directory.add("anna.berg@parliament.example"));
  BeaconDetector detector(DetectConfig{}, &directory, nullptr, nullptr);
  // base64url of the address, as mail-merge tools put it in the path.
  detector.observe(http(2, "news-example.com", "/t/YW5uYS5iZXJnQHBhcmxpYW1lbnQuZXhhbXBsZQ/b.gif",
                        kOutlook, 1000),
                   3, *this);
  const auto found = beacons();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->recipient.view(), "anna.berg@parliament.example");
  EXPECT_TRUE(has_reason(*found[0], "recipient_in_url"));
}

TEST_F(DetectorTest, InboundMailUrlNamesTheMessage) {
  MailWatchlist watchlist(16);
  watchlist.add("https://news-example.com/o/abc.gif",
                WatchedUrl{"<m1@news-example.com>", "anna@parliament.example", "Hello"});
  BeaconDetector detector(DetectConfig{}, nullptr, nullptr, &watchlist);
  detector.observe(http(2, "news-example.com", "/o/abc.gif", kChrome, 1000), 3, *this);
  const auto found = beacons();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->message_id.view(), "<m1@news-example.com>");
  EXPECT_EQ(found[0]->mail_recipients.view(), "anna@parliament.example");
}

TEST_F(DetectorTest, RareSniCampaignWaitsUntilTheNameServesBeaconsThenAlertsEveryMember) {
  DetectConfig warm;  // a sensor that has learned its network: rarity counts
  warm.learning_period = 0;
  BeaconDetector detector(warm, nullptr, nullptr, nullptr);
  for (std::uint8_t host = 1; host <= 4; ++host) {
    detector.observe(tls(host, "cdn.news-example.com", host * kNsPerSecond), host, *this);
  }
  // A rare name from many hosts alone is also what a newly adopted web service looks like.
  EXPECT_TRUE(beacons().empty());
  auto campaign_updates = [&] {
    std::size_t n = 0;
    for (const auto& a : alerts)
      n += std::holds_alternative<CampaignUpdate>(a.body) ? 1 : 0;
    return n;
  };
  EXPECT_EQ(campaign_updates(), 0u);  // formed, but not reported while no member is a beacon

  // The same name then serves a cleartext beacon: the waiting TLS fetches are promoted.
  detector.observe(http(9, "cdn.news-example.com", "/o/3f2a9c0e4b7d11ee9a1c0242ac120002.gif",
                        kOutlook, 10 * kNsPerSecond),
                   10, *this);
  // Tied to mail by their name alone, they wait in case they repeat an open already reported
  // (same_open_window); the end of the stream releases them.
  detector.finish(*this);
  const auto found = beacons();
  ASSERT_EQ(found.size(), 5u);
  EXPECT_EQ(found[0]->scheme, Scheme::kHttp);
  for (std::size_t i = 1; i < found.size(); ++i) {
    EXPECT_EQ(found[i]->scheme, Scheme::kTls);
    EXPECT_TRUE(has_reason(*found[i], "beacon_domain"));
    EXPECT_TRUE(has_reason(*found[i], "rare_domain"));
  }
  EXPECT_EQ(detector.counters().alerts_retroactive, 4u);
  // Later TLS fetches of that name alert at once, and now the campaign is reported.
  alerts.clear();
  detector.observe(tls(20, "cdn.news-example.com", 11 * kNsPerSecond), 11, *this);
  detector.finish(*this);
  ASSERT_EQ(beacons().size(), 1u);
  ASSERT_EQ(campaign_updates(), 1u);
  const auto update_record =
      std::find_if(alerts.begin(), alerts.end(), [](const exporter::EventRecord& a) {
        return std::holds_alternative<CampaignUpdate>(a.body);
      });
  ASSERT_NE(update_record, alerts.end());
  const auto& update = std::get<CampaignUpdate>(update_record->body);
  EXPECT_EQ(update.key_kind.view(), "sni");
  EXPECT_EQ(update.distinct_hosts, 5u);
}

TEST_F(DetectorTest, TokenPixelAndCampaignWithoutMailContextDoNotAlert) {
  // An update or certificate check: tokens in the URL, a tiny response, many hosts, but a
  // well-known service, no mail client, no intel.
  BeaconDetector detector(DetectConfig{}, nullptr, nullptr, nullptr);
  for (std::uint8_t host = 1; host <= 6; ++host) {
    exporter::EventRecord e =
        http(host, "ocsp.example-ca.com",
             "/MFEwTzBNMEswSTAJBgUrDgMCGgUABBQ" + std::string(1, static_cast<char>('a' + host)) +
                 "x50PDwZk0vFNr5iPZr9JjwQUCD",
             "Microsoft-CryptoAPI/10.0", host, true);
    e.app_protocol.assign("HTTP.Microsoft");
    detector.observe(e, host, *this);
  }
  EXPECT_TRUE(beacons().empty());
}

TEST_F(DetectorTest, WellKnownServicesAreNotRare) {
  BeaconDetector detector(DetectConfig{}, nullptr, nullptr, nullptr);
  for (std::uint8_t host = 1; host <= 5; ++host) {
    exporter::EventRecord e = tls(host, "www.google.com", host);
    e.app_protocol.assign("TLS.Google");
    detector.observe(e, host, *this);
  }
  EXPECT_TRUE(alerts.empty());
}

TEST_F(DetectorTest, TrackerIntelScalesItsWeightByTheFeedConfidence) {
  std::vector<std::string> problems;
  auto set = intel::IntelSet::build(
      {intel::FeedText{"test.feed",
                       "# beaconwatch-feed v1 kind=domain-suffix category=email-tracker\n"
                       "mailtrack-example.com\tExampleTrack\t0.5\n"}},
      problems);
  ASSERT_TRUE(set) << (problems.empty() ? "" : problems.front());
  intel::IntelHolder holder(set);
  BeaconDetector detector(DetectConfig{}, nullptr, &holder, nullptr);
  detector.observe(http(1, "px.mailtrack-example.com", "/open", kChrome, 1, true), 1, *this);
  const auto found = beacons();
  ASSERT_EQ(found.size(),
            1u);  // pixel 2 + cache 0.5 + rare 1.5 + intel 4.5 x 0.5 + no-referrer 0.5
  EXPECT_EQ(found[0]->tracker.view(), "ExampleTrack");
  bool intel_reason = false;
  for (const Reason& r : found[0]->reasons) {
    if (r.signal.view() == "tracker_intel") {
      intel_reason = true;
      EXPECT_FLOAT_EQ(r.weight, 2.25f);
    }
  }
  EXPECT_TRUE(intel_reason);
}

TEST_F(DetectorTest, IocAddressOfTheServerIsAReason) {
  std::vector<std::string> problems;
  auto set = intel::IntelSet::build(
      {intel::FeedText{
          "ioc.feed",
          "# beaconwatch-feed v1 kind=ip category=ioc\n203.0.113.0/28\tAPT31 infra\t1\n"}},
      problems);
  ASSERT_TRUE(set) << (problems.empty() ? "" : problems.front());
  intel::IntelHolder holder(set);
  BeaconDetector detector(DetectConfig{}, nullptr, &holder, nullptr);
  exporter::EventRecord e = tls(1, "", 1);  // no SNI, no DNS answer: only the address is known
  e.flow.server_ip = v4(203, 0, 113, 5);
  std::get<exporter::TlsHandshakeRecord>(e.body).client_hello.sni.assign("www.example.org");
  detector.observe(e, 1, *this);
  const auto found = beacons();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(has_reason(*found[0], "ioc_intel"));
  EXPECT_EQ(found[0]->tracker.view(), "APT31 infra");
}

TEST_F(DetectorTest, DisabledDetectorAddsNothing) {
  DetectConfig config;
  config.enabled = false;
  BeaconDetector detector(config, nullptr, nullptr, nullptr);
  detector.observe(
      http(1, "t.news-example.com", "/o/3f2a9c0e4b7d11ee9a1c0242ac120002.gif", kOutlook, 1), 1,
      *this);
  EXPECT_TRUE(alerts.empty());
}

}  // namespace
}  // namespace bw::correlate
