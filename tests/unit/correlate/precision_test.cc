// The detector's defences against false alerts on real traffic (issue 10): a new sensor does not
// alert from rarity, content and object ids are not recipients' tokens, the site's own services
// are never campaigns, and only sure alerts start cascades.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sensor/correlate/beacon_detector.h"
#include "sensor/correlate/first_seen_store.h"
#include "sensor/correlate/site_scope.h"
#include "sensor/correlate/token_evidence.h"
#include "sensor/detect/recipient_directory.h"
#include "sensor/intel/intel_holder.h"
#include "tests/unit/correlate/detector_events.h"

namespace bw::correlate {
namespace {

constexpr TimestampNs kHour = 3600 * kNsPerSecond;
constexpr const char* kOutlook =
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17726; Pro)";
constexpr const char* kChrome =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36";

IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t bytes[4] = {a, b, c, d};
  return IpAddress::v4(bytes);
}

struct Fetch {
  std::uint8_t client = 1;
  std::string host;
  std::string uri;
  std::string user_agent = kOutlook;
  TimestampNs ts = 0;
  bool pixel = true;
  std::string referer;
  IpAddress server = v4(203, 0, 113, 5);
};

class PrecisionTest : public ::testing::Test, public AlertSink {
 protected:
  void on_alert(const exporter::EventRecord& alert) override { alerts.push_back(alert); }

  static exporter::EventRecord http(const Fetch& f) {
    exporter::EventRecord e =
        test_events::http_get(v4(10, 40, 0, f.client), f.server, f.host, f.uri, f.user_agent, f.ts);
    auto& t = std::get<extract::HttpTransaction>(e.body);
    t.request.referer.assign(f.referer);
    if (f.pixel) {
      test_events::pixel_response(t.response);
      t.response.cache_control.assign("no-cache, no-store");
    } else {
      t.response.content_type.assign("image/jpeg");
      t.response.content_length = 48213;
      t.response.image = {extract::ImageFormat::kJpeg, true, 600, 300};
      t.response.cache_control.assign("public, max-age=31536000");
    }
    return e;
  }
  static exporter::EventRecord tls(std::uint8_t client, std::string_view sni, TimestampNs ts) {
    return test_events::tls_hello(v4(10, 40, 0, client), v4(203, 0, 113, 9), sni, ts);
  }
  std::vector<const BeaconAlert*> beacons() const { return test_events::beacons_in(alerts); }
  std::size_t campaign_updates() const {
    std::size_t n = 0;
    for (const auto& a : alerts)
      n += std::holds_alternative<CampaignUpdate>(a.body) ? 1 : 0;
    return n;
  }
  static const Reason* reason(const BeaconAlert& a, std::string_view signal) {
    for (const Reason& r : a.reasons) {
      if (r.signal.view() == signal) return &r;
    }
    return nullptr;
  }
  // What BeaconDetector would score, read through a fetch whose score stays below the threshold:
  // the test observes the detector only through its alerts and counters.
  std::vector<exporter::EventRecord> alerts;
};

std::string hex_token(int i) {
  char text[40];
  std::snprintf(text, sizeof text, "3f2a9c0e4b7d11ee9a1c0242ac12%04x", i);
  return text;
}

// ---------------------------------------------------------------------------------------------
// Cold start

TEST(FirstSeenLearning, LearningTimeStartsAtTheFirstSightingAndSurvivesARestart) {
  FirstSeenStore store(16);
  EXPECT_EQ(store.learned_for(5 * kHour), 0);  // nothing seen yet
  store.observe("a.example", 2 * kHour);
  EXPECT_EQ(store.learned_for(5 * kHour), 3 * kHour);
  const std::string path = ::testing::TempDir() + "bw_first_seen_learning.tsv";
  std::string error;
  ASSERT_TRUE(store.save(path, error)) << error;
  FirstSeenStore restarted(16);
  ASSERT_TRUE(restarted.load(path, error)) << error;
  EXPECT_EQ(restarted.learning_since(), 2 * kHour);
  restarted.observe("b.example", 9 * kHour);  // a later sighting does not restart learning
  EXPECT_EQ(restarted.learned_for(10 * kHour), 8 * kHour);
  std::remove(path.c_str());
}

TEST(FirstSeenLearning, AVersionOneStoreHasLearnedSinceItsOldestEntry) {
  const std::string path = ::testing::TempDir() + "bw_first_seen_v1.tsv";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("# beaconwatch first-seen v1\n700\t900\tb.example\n500\t800\ta.example\n", f);
    std::fclose(f);
  }
  FirstSeenStore store(16);
  std::string error;
  ASSERT_TRUE(store.load(path, error)) << error;
  EXPECT_EQ(store.learning_since(), 500);
  std::remove(path.c_str());
}

TEST_F(PrecisionTest, ANewSensorDoesNotCallDomainsRareUntilItHasLearned) {
  DetectConfig config;
  config.learning_period = 24 * kHour;
  BeaconDetector detector(config, nullptr, nullptr, nullptr);
  // A game launcher's stats call on a fresh sensor: token, pixel, new domain, nothing of mail.
  detector.observe(http({1, "stats.game-example.com", "/p/" + hex_token(1) + ".gif", kChrome, 0}),
                   1, *this);
  EXPECT_TRUE(beacons().empty());
  EXPECT_EQ(detector.counters().rarity_learning, 1u);
  // A day later the sensor knows its network: a domain first seen now is rare (but rarity alone
  // still ties nothing to mail, so the same shape stays quiet).
  detector.observe(
      http({1, "stats.other-game.com", "/p/" + hex_token(2) + ".gif", kChrome, 25 * kHour}), 2,
      *this);
  EXPECT_TRUE(beacons().empty());
  EXPECT_EQ(detector.counters().rarity_learning, 1u);
  EXPECT_EQ(detector.counters().rare_domains, 2u);
}

TEST_F(PrecisionTest, RarityAndACampaignWithoutMailContextDoNotAlert) {
  DetectConfig warm;
  warm.learning_period = 0;
  BeaconDetector detector(warm, nullptr, nullptr, nullptr);
  // An ad SDK in many apps: a new domain, per-device tokens, pixels, many hosts.
  for (std::uint8_t host = 1; host <= 8; ++host) {
    detector.observe(http({host, "t.adsdk-example.com", "/imp/" + hex_token(host) + ".gif",
                           "Dalvik/2.1.0 (Linux; U; Android 13)", host * kNsPerSecond}),
                     host, *this);
  }
  EXPECT_TRUE(beacons().empty());
}

// ---------------------------------------------------------------------------------------------
// Per-recipient evidence

TEST(TokenEvidenceTest, TellsRecipientsTokensFromContentAndObjectIds) {
  TokenEvidence evidence(1024, kHour, 3);
  const std::string t = "news.example/o/{hex32}.gif";
  EXPECT_EQ(evidence.observe(t, "aaaa", v4(10, 0, 0, 1), 1), TokenVerdict::kUnconfirmed);
  EXPECT_EQ(evidence.observe(t, "aaaa", v4(10, 0, 0, 1), 2), TokenVerdict::kUnconfirmed);
  EXPECT_EQ(evidence.observe(t, "bbbb", v4(10, 0, 0, 2), 3), TokenVerdict::kPerRecipient);
  EXPECT_EQ(evidence.observe(t, "cccc", v4(10, 0, 0, 3), 4), TokenVerdict::kPerRecipient);
  // A forwarded mail: another host with a recipient's token. That token is no longer anyone's.
  EXPECT_EQ(evidence.observe(t, "bbbb", v4(10, 0, 0, 4), 5), TokenVerdict::kShared);

  const std::string content = "news.example/img/{hex32}.jpg";
  EXPECT_EQ(evidence.observe(content, "img1", v4(10, 0, 0, 1), 1), TokenVerdict::kUnconfirmed);
  EXPECT_EQ(evidence.observe(content, "img1", v4(10, 0, 0, 2), 2), TokenVerdict::kShared);
  EXPECT_EQ(evidence.observe(content, "img1", v4(10, 0, 0, 3), 3), TokenVerdict::kShared);

  const std::string api = "app.example/api/items/{uuid}";
  EXPECT_EQ(evidence.observe(api, "id1", v4(10, 0, 0, 9), 1), TokenVerdict::kUnconfirmed);
  EXPECT_EQ(evidence.observe(api, "id2", v4(10, 0, 0, 9), 2), TokenVerdict::kUnconfirmed);
  EXPECT_EQ(evidence.observe(api, "id3", v4(10, 0, 0, 9), 3), TokenVerdict::kApplicationId);
  // ... and the next host calling it is not confirming a mail-merge either.
  EXPECT_EQ(evidence.observe(api, "id4", v4(10, 0, 0, 8), 4), TokenVerdict::kUnconfirmed);
  // A host's object ids are forgotten after a quiet window, but the template stays an API.
  EXPECT_EQ(evidence.observe(api, "id5", v4(10, 0, 0, 9), 3 + 2 * kHour),
            TokenVerdict::kUnconfirmed);
}

TEST(TokenEvidenceTest, FixedTablesCountWhatTheyForget) {
  TokenEvidence evidence(64, kHour, 3);
  for (int i = 0; i < 10000; ++i) {
    evidence.observe("wave.example/o/{hex32}.gif", hex_token(i),
                     v4(10, 1, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)), i);
  }
  EXPECT_GT(evidence.counters().evictions, 0u);
  EXPECT_EQ(evidence.counters().per_recipient + evidence.counters().unconfirmed +
                evidence.counters().shared + evidence.counters().application_ids,
            10000u);
}

TEST_F(PrecisionTest, NewsletterContentImagesFetchedByManyRecipientsDoNotAlert) {
  BeaconDetector detector(DetectConfig{}, nullptr, nullptr, nullptr);
  // Ten recipients open an image-heavy newsletter in Outlook: three hashed content images each.
  for (std::uint8_t host = 1; host <= 10; ++host) {
    for (int image = 0; image < 3; ++image) {
      detector.observe(http({host, "img.news-sender.com", "/c/" + hex_token(image) + ".jpg",
                             kOutlook, host * kNsPerSecond + image, false}),
                       host, *this);
    }
  }
  EXPECT_TRUE(beacons().empty());
  EXPECT_EQ(campaign_updates(), 0u);
  EXPECT_GT(detector.counters().tokens_shared, 0u);
}

TEST_F(PrecisionTest, ASecondRecipientWithATokenOfItsOwnConfirmsTheTemplate) {
  BeaconDetector detector(DetectConfig{}, nullptr, nullptr, nullptr);
  detector.observe(http({1, "t.news-example.com", "/o/" + hex_token(1) + ".gif", kOutlook, 0}), 1,
                   *this);
  detector.observe(
      http({2, "t.news-example.com", "/o/" + hex_token(2) + ".gif", kOutlook, kNsPerSecond}), 2,
      *this);
  const auto found = beacons();
  ASSERT_EQ(found.size(), 2u);
  ASSERT_NE(reason(*found[0], "per_recipient_token"), nullptr);
  EXPECT_FLOAT_EQ(reason(*found[0], "per_recipient_token")->weight, 1.0f);  // unconfirmed
  ASSERT_NE(reason(*found[1], "per_recipient_token"), nullptr);
  EXPECT_FLOAT_EQ(reason(*found[1], "per_recipient_token")->weight, 2.0f);
}

TEST_F(PrecisionTest, AnApiCalledWithManyIdsByOneHostIsNotARecipientsToken) {
  DetectConfig warm;
  warm.learning_period = 0;
  BeaconDetector detector(warm, nullptr, nullptr, nullptr);
  for (int i = 0; i < 6; ++i) {
    detector.observe(http({1, "api.saas-example.com", "/v1/items/" + hex_token(i), kOutlook,
                           i * kNsPerSecond, true}),
                     static_cast<std::uint64_t>(i), *this);
  }
  EXPECT_EQ(detector.counters().tokens_application_ids, 4u);
}

// ---------------------------------------------------------------------------------------------
// The site's own services

TEST(SiteScopeTest, SuffixesAndNetworksDecideAndBadEntriesAreNamed) {
  SiteScope scope;
  std::string error;
  ASSERT_TRUE(scope.configure({".Parl.Example."}, SiteScope::default_networks(), error)) << error;
  EXPECT_TRUE(scope.internal_host("parl.example"));
  EXPECT_TRUE(scope.internal_host("intranet.parl.example"));
  EXPECT_FALSE(scope.internal_host("notparl.example"));
  EXPECT_FALSE(scope.internal_host("parl.example.evil.com"));
  EXPECT_TRUE(scope.internal_address(v4(10, 60, 250, 80)));
  EXPECT_TRUE(scope.internal_address(v4(172, 31, 0, 1)));
  EXPECT_FALSE(scope.internal_address(v4(172, 32, 0, 1)));
  EXPECT_FALSE(scope.internal_address(v4(203, 0, 113, 5)));
  EXPECT_FALSE(scope.configure({}, {"10.0.0.0/33"}, error));
  EXPECT_NE(error.find("10.0.0.0/33"), std::string::npos) << error;
  EXPECT_FALSE(scope.configure({"a b"}, {}, error));
  EXPECT_NE(error.find("a b"), std::string::npos) << error;
}

TEST_F(PrecisionTest, TheSitesOwnApiCalledByManyHostsIsNeverACampaign) {
  DetectConfig config;
  config.learning_period = 0;
  config.internal_suffixes = {"parl.example"};
  BeaconDetector detector(config, nullptr, nullptr, nullptr);
  for (std::uint8_t host = 1; host <= 8; ++host) {
    Fetch f{host, "docs.parl.example", "/api/doc/" + hex_token(host), kOutlook,
            host * kNsPerSecond};
    f.server = v4(198, 51, 100, 7);  // hosted outside the site's ranges: the name decides
    detector.observe(http(f), host, *this);
  }
  EXPECT_EQ(campaign_updates(), 0u);
  for (const BeaconAlert* a : beacons()) {
    EXPECT_EQ(reason(*a, "campaign"), nullptr);
    EXPECT_EQ(reason(*a, "rare_domain"), nullptr);
  }
  EXPECT_EQ(detector.counters().campaigns_formed, 0u);
  EXPECT_GE(detector.counters().internal_skipped, 8u);
}

TEST_F(PrecisionTest, AServerInTheSitesRangesIsInternalUnlessScoringIsAskedFor) {
  for (const bool score_internal : {false, true}) {
    DetectConfig config;
    config.learning_period = 0;
    config.score_internal = score_internal;
    BeaconDetector detector(config, nullptr, nullptr, nullptr);
    for (std::uint8_t host = 1; host <= 4; ++host) {
      Fetch f{host, "wiki-app.com", "/px/" + hex_token(host) + ".gif", kChrome,
              host * kNsPerSecond};
      f.server = v4(10, 60, 250, 80);
      detector.observe(http(f), host, *this);
    }
    EXPECT_EQ(detector.counters().campaigns_formed, score_internal ? 1u : 0u) << score_internal;
  }
}

// ---------------------------------------------------------------------------------------------
// Cascades

TEST_F(PrecisionTest, OnlyAConfidentAlertMarksItsDomainForTlsFetches) {
  BeaconDetector detector(DetectConfig{}, nullptr, nullptr, nullptr);
  // The first recipient's open on a cold sensor: an alert (6.0), but not a sure one.
  detector.observe(http({1, "t.sender-example.com", "/o/" + hex_token(1) + ".gif", kOutlook, 0}), 1,
                   *this);
  ASSERT_EQ(beacons().size(), 1u);
  EXPECT_LT(beacons()[0]->score, DetectConfig{}.confirm_threshold);
  EXPECT_EQ(detector.counters().cascades_refused, 1u);
  detector.observe(tls(5, "www.sender-example.com", kNsPerSecond), 2, *this);
  EXPECT_EQ(beacons().size(), 1u);  // the sender's web site is not a beacon domain (yet)

  // A second recipient with a token of its own: per-recipient confirmed, 7.0, sure enough.
  detector.observe(
      http({2, "t.sender-example.com", "/o/" + hex_token(2) + ".gif", kOutlook, 2 * kNsPerSecond}),
      3, *this);
  ASSERT_EQ(beacons().size(), 2u);
  detector.observe(tls(6, "t.sender-example.com", 3 * kNsPerSecond), 4, *this);
  EXPECT_EQ(beacons().size(), 2u);  // waits: the cleartext alert of the same open may follow
  detector.finish(*this);
  // Now the sure open has marked the name, the HTTPS fetches of it alert, the one that waited
  // from before it (client 5) included.
  ASSERT_EQ(beacons().size(), 4u);
  std::size_t tls_alerts = 0;
  for (const BeaconAlert* a : beacons()) {
    if (a->scheme != Scheme::kTls) continue;
    ++tls_alerts;
    EXPECT_NE(reason(*a, "beacon_domain"), nullptr);
  }
  EXPECT_EQ(tls_alerts, 2u);
}

TEST_F(PrecisionTest, ARecipientInTheUrlIsSureEnoughAtOnce) {
  detect::RecipientDirectory directory;
  ASSERT_TRUE(directory.add("anna.berg@parliament.example"));
  BeaconDetector detector(DetectConfig{}, &directory, nullptr, nullptr);
  detector.observe(http({2, "news-lookalike.com", "/t/YW5uYS5iZXJnQHBhcmxpYW1lbnQuZXhhbXBsZQ/b.gif",
                         kOutlook, 0}),
                   1, *this);
  ASSERT_EQ(beacons().size(), 1u);
  EXPECT_EQ(detector.counters().cascades_refused, 0u);
  detector.observe(tls(3, "news-lookalike.com", kNsPerSecond), 2, *this);
  detector.finish(*this);
  ASSERT_EQ(beacons().size(), 2u);
  EXPECT_NE(reason(*beacons()[1], "beacon_domain"), nullptr);
}

// ---------------------------------------------------------------------------------------------
// Webmail

TEST_F(PrecisionTest, AWebmailPagesOwnRequestsAreNotMailContent) {
  BeaconDetector detector(DetectConfig{}, nullptr, nullptr, nullptr);
  // Gmail's own telemetry pixel, referred by Gmail.
  Fetch own{1, "mail.google.com", "/mail/u/0/log?id=" + hex_token(1), kChrome, 0};
  own.referer = "https://mail.google.com/mail/u/0/";
  detector.observe(http(own), 1, *this);
  EXPECT_TRUE(beacons().empty());
  // A tracker's pixel in a mail shown by Gmail: webmail context.
  Fetch tracker{1, "t.sender-example.com", "/o/" + hex_token(7) + ".gif", kChrome, kNsPerSecond};
  tracker.referer = "https://mail.google.com/";
  detector.observe(http(tracker), 2, *this);
  ASSERT_EQ(beacons().size(), 1u);
  ASSERT_NE(reason(*beacons()[0], "mail_client"), nullptr);
  EXPECT_EQ(reason(*beacons()[0], "mail_client")->detail.view(), "webmail:gmail");
}

// ---------------------------------------------------------------------------------------------
// Coverage over TLS: hosts of list path rules, and branded names that alias a tracker

std::unique_ptr<intel::IntelHolder> holder_of(const std::string& name, const std::string& text) {
  std::vector<std::string> problems;
  auto set = intel::IntelSet::build({intel::FeedText{name, text}}, problems);
  EXPECT_TRUE(set) << (problems.empty() ? "" : problems.front());
  return std::make_unique<intel::IntelHolder>(set);
}

TEST_F(PrecisionTest, AHostOfAListsPathRuleIsWeakerIntelThatStartsNoCascade) {
  const auto holder = holder_of("path-hosts.feed",
                                "# beaconwatch-feed v1 kind=domain-suffix category=email-tracker "
                                "scope=path-rule-host\nt.salestool-example.com\tSalesTool\t0.9\n");
  BeaconDetector detector(DetectConfig{}, nullptr, holder.get(), nullptr);
  detector.observe(tls(1, "t.salestool-example.com", 1), 1, *this);
  ASSERT_EQ(beacons().size(), 1u);  // 4.5 x 0.9: alerts on its own
  EXPECT_NE(reason(*beacons()[0], "tracker_host_intel"), nullptr);
  EXPECT_EQ(reason(*beacons()[0], "tracker_intel"), nullptr);
}

exporter::EventRecord dns_answer(std::string_view alias, std::string_view target) {
  exporter::EventRecord e;
  e.ts = 1;
  e.flow.client_ip = v4(10, 40, 0, 1);
  e.flow.server_ip = v4(10, 40, 0, 53);
  e.flow.protocol = 17;
  e.app_protocol.assign("DNS");
  extract::DnsMessage m;
  m.is_response = true;
  m.query_name.assign(alias);
  m.query_type = 1;
  extract::DnsAnswer* cname = m.answers.emplace_slot();
  cname->name.assign(alias);
  cname->type = 5;
  cname->ttl = 300;
  cname->data.assign(target);
  extract::DnsAnswer* a = m.answers.emplace_slot();
  a->name.assign(target);
  a->type = 1;
  a->ttl = 300;
  a->data.assign("203.0.113.9");
  e.body = m;
  return e;
}

TEST_F(PrecisionTest, ABrandedNameThatAliasesAListedTrackerIsThatTracker) {
  const auto holder = holder_of("suffixes.feed",
                                "# beaconwatch-feed v1 kind=domain-suffix category=email-tracker\n"
                                "ct.esp-example.net\tExampleESP\t0.9\n");
  BeaconDetector detector(DetectConfig{}, nullptr, holder.get(), nullptr);
  detector.observe(tls(1, "email.brand-example.com", 1), 1, *this);
  EXPECT_TRUE(beacons().empty());  // no answer seen yet: nothing ties the name to the ESP
  detector.observe(dns_answer("Email.Brand-Example.com.", "u123.ct.esp-example.net"), 2, *this);
  detector.observe(tls(2, "email.brand-example.com", 2 * kNsPerSecond), 3, *this);
  ASSERT_EQ(beacons().size(), 1u);
  EXPECT_EQ(beacons()[0]->tracker.view(), "ExampleESP");
  EXPECT_EQ(detector.counters().intel_via_cname, 1u);
}

TEST_F(PrecisionTest, ARecipientInTheServerNameIsFoundOverTls) {
  detect::RecipientDirectory directory;
  ASSERT_TRUE(directory.add("anna.berg@parliament.example"));
  BeaconDetector detector(DetectConfig{}, &directory, nullptr, nullptr);
  // MD5 of the address as a label, the shape of per-recipient tracking subdomains.
  detector.observe(tls(1, "4bbd1c9a6e3c3fa3f8ad0fa4b8b8d8a8.open.vendor-example.com", 1), 1, *this);
  detector.observe(tls(2, "anna-berg-parliament-example.t.vendor-example.com", 2), 2, *this);
  const auto found = beacons();
  ASSERT_EQ(found.size(), 1u);  // the digest above is not anna's; her address in labels is
  ASSERT_NE(reason(*found[0], "recipient_in_name"), nullptr);
  EXPECT_EQ(found[0]->recipient.view(), "anna.berg@parliament.example");
}

TEST_F(PrecisionTest, TheOtherConnectionsOfAnOpenAlreadyReportedAreNotAlertedAgain) {
  detect::RecipientDirectory directory;
  ASSERT_TRUE(directory.add("anna.berg@parliament.example"));
  BeaconDetector detector(DetectConfig{}, &directory, nullptr, nullptr);
  // A sure open marks the sender's name.
  detector.observe(http({1, "mail.sender-example.com",
                         "/t/YW5uYS5iZXJnQHBhcmxpYW1lbnQuZXhhbXBsZQ/b.gif", kOutlook, 0}),
                   1, *this);
  ASSERT_EQ(beacons().size(), 1u);
  // Another recipient's client opens the same newsletter: two HTTPS connections for its images
  // first, then the pixel over HTTP. One open, one alert.
  const TimestampNs t = 60 * kNsPerSecond;
  detector.observe(tls(2, "mail.sender-example.com", t), 2, *this);
  detector.observe(tls(2, "mail.sender-example.com", t + 1000), 3, *this);
  detector.observe(
      http({2, "mail.sender-example.com", "/t/" + hex_token(2) + "/b.gif", kOutlook, t + 2000}), 4,
      *this);
  // A third recipient reads it in a webmail: HTTPS only, nothing else reports that open.
  detector.observe(tls(3, "mail.sender-example.com", t + kNsPerSecond), 5, *this);
  detector.finish(*this);
  const auto found = beacons();
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[1]->scheme, Scheme::kHttp);
  EXPECT_EQ(found[2]->scheme, Scheme::kTls);
  EXPECT_EQ(detector.counters().same_open_suppressed, 2u);
}

}  // namespace
}  // namespace bw::correlate
