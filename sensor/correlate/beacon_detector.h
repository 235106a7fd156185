// Beacon detection: scores every HTTP, TLS, QUIC and DNS event for the signals of a tracking-beacon
// fetch, explains each alert with its reasons and weights, and groups fetches into campaigns.
//
// It runs on the exporter thread, over the merged event stream: one thread sees every event in
// capture order, so cross-flow state (first-seen domains, DNS answers, campaigns) needs no locks
// and its verdicts are as deterministic as the events themselves.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "sensor/common/counters.h"
#include "sensor/correlate/alerts.h"
#include "sensor/correlate/campaign_tracker.h"
#include "sensor/correlate/dns_answer_cache.h"
#include "sensor/correlate/first_seen_store.h"
#include "sensor/correlate/mail_watchlist.h"
#include "sensor/correlate/public_suffix.h"
#include "sensor/export/event_record.h"

namespace bw::detect {
class RecipientDirectory;
}
namespace bw::intel {
class IntelHolder;
struct IntelHit;
}  // namespace bw::intel

namespace bw::correlate {

// Signal weights and thresholds (config section `detect`, proto/beaconwatch/v1/config.proto).
struct DetectConfig {
  bool enabled = true;
  float alert_threshold = 4.0f;
  float per_recipient_token = 2.0f;
  float recipient_in_url = 4.0f;
  float pixel_response = 2.0f;
  float cache_busting = 0.5f;
  float mail_client = 2.0f;
  float no_referrer_no_cookie = 0.5f;
  float rare_domain = 1.5f;
  float tracker_intel = 4.5f;  // scaled by the feed line's confidence (0..1]
  float ioc_intel = 5.0f;
  float mail_privacy_proxy = 1.0f;
  float campaign = 3.0f;
  float sni_campaign = 1.5f;   // a rare name from many hosts, nothing else known: weaker
  float beacon_domain = 4.0f;  // TLS/QUIC to a domain that already served alerted beacons
  float inbound_mail_url = 5.0f;
  float dns_token_label = 1.5f;
  float page_referrer = -2.0f;  // loaded by a web page, not by a mail client
  float cookie_sent = -1.0f;    // a session with the site exists
  // A registrable domain counts as rare while it is younger than this (to this sensor).
  TimestampNs rare_window = TimestampNs{24} * 3600 * kNsPerSecond;
  std::uint32_t campaign_min_hosts = 3;
  TimestampNs campaign_window = 3600 * kNsPerSecond;
  std::uint32_t campaign_max_keys = 4096;
  std::uint32_t pending_per_campaign = 16;
  std::size_t first_seen_capacity = 1'000'000;
  std::size_t dns_cache_capacity = 65536;
  std::size_t client_host_pairs = 262144;
  std::size_t mail_watchlist_capacity = 1'000'000;
};

#define BW_DETECT_COUNTERS(X) \
  X(events_scored)            \
  X(alerts_http)              \
  X(alerts_tls)               \
  X(alerts_quic)              \
  X(alerts_dns)               \
  X(alerts_retroactive)       \
  X(campaigns_formed)         \
  X(campaign_updates)         \
  X(rare_domains)             \
  X(recipient_matches)        \
  X(intel_hits)               \
  X(inbound_mail_matches)     \
  X(mail_urls_watched)        \
  X(names_from_dns_cache)

struct DetectCounters {
  BW_DECLARE_COUNTERS(BW_DETECT_COUNTERS)
};

// Receives the records the detector adds to the stream, right after the event they are about.
class AlertSink {
 public:
  virtual void on_alert(const exporter::EventRecord& alert) = 0;

 protected:
  ~AlertSink() = default;
};

class BeaconDetector {
 public:
  // `recipients`, `intel` and `watchlist` may be null (no directory, no feeds, no mail join).
  BeaconDetector(const DetectConfig& config, const detect::RecipientDirectory* recipients,
                 const intel::IntelHolder* intel, MailWatchlist* watchlist);
  ~BeaconDetector();

  // A URL from inbound mail seen on the tap: joins the watchlist.
  void observe_mail_url(const exporter::MailUrlRecord& mail);

  // Looks at one exported event (`sequence` is the number it was exported under).
  void observe(const exporter::EventRecord& event, std::uint64_t sequence, AlertSink& sink);

  FirstSeenStore& first_seen() { return first_seen_; }
  const DetectCounters& counters() const { return counters_; }

 private:
  struct Pending {
    exporter::EventRecord alert;  // body holds the BeaconAlert scored without the campaign
  };

  void observe_http(const exporter::EventRecord& event, std::uint64_t sequence, AlertSink& sink);
  void observe_handshake(const exporter::EventRecord& event, std::uint64_t sequence, Scheme scheme,
                         std::string_view sni, std::string_view ja3_md5, std::string_view ja4,
                         AlertSink& sink);
  void observe_dns(const exporter::EventRecord& event, std::uint64_t sequence, AlertSink& sink);

  BeaconAlert& start_alert(const exporter::EventRecord& event, std::uint64_t sequence,
                           Scheme scheme);
  void add_reason(BeaconAlert& alert, std::string_view signal, float weight,
                  std::string_view detail);
  void apply_intel_host(BeaconAlert& alert, std::string_view host);
  void apply_intel_hit(BeaconAlert& alert, const intel::IntelHit& hit);
  void apply_intel_ip(BeaconAlert& alert, const IpAddress& server);
  bool rare(std::string_view registrable_domain, TimestampNs ts, std::string_view app_protocol);
  // Joins the campaign, then emits the alert if the score is high enough and any campaign news.
  void conclude(const CampaignObservation* observation, AlertSink& sink);
  void emit_alert(exporter::EventRecord& record, AlertSink& sink);
  // Score at the threshold and at least one signal that ties the fetch to mail (a mail client, a
  // new domain, a recipient, intel...): tokens, pixels and campaigns alone are everyday web
  // traffic (OCSP, update checks, API ids, analytics).
  bool alertable(const BeaconAlert& alert) const;
  // TLS/QUIC fetches of `domain` that waited below the threshold are judged again now that the
  // domain has served beacons.
  void promote_beacon_domain(std::string_view domain, AlertSink& sink);
  void keep_pending(const std::string& id, const exporter::EventRecord& record);

  DetectConfig config_;
  const detect::RecipientDirectory* recipients_;
  const intel::IntelHolder* intel_;
  MailWatchlist* watchlist_;
  PublicSuffixList suffixes_;
  FirstSeenStore first_seen_;
  DnsAnswerCache dns_cache_;
  CampaignTracker campaigns_;
  std::unordered_set<std::string> client_host_pairs_;
  std::deque<std::string> client_host_order_;
  std::unordered_map<std::string, std::deque<Pending>> pending_;  // by campaign id
  std::deque<std::string> pending_order_;
  std::unordered_set<std::string> beacon_domains_;
  std::deque<std::string> beacon_domain_order_;
  exporter::EventRecord working_;  // the alert being built
  exporter::EventRecord campaign_record_;
  DetectCounters counters_;
};

}  // namespace bw::correlate
