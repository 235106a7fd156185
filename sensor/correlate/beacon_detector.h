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
#include "sensor/correlate/pending_alerts.h"
#include "sensor/correlate/public_suffix.h"
#include "sensor/correlate/recent_opens.h"
#include "sensor/correlate/site_scope.h"
#include "sensor/correlate/token_evidence.h"
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
  // A token whose template no other host has fetched yet: it may be per-recipient or content, so
  // it counts for less until a second host brings a token of its own (see token_evidence.h).
  float per_recipient_token_unconfirmed = 1.0f;
  // Cascades (a name promoted to `beacon_domain`, fetches alerted retroactively) start only from
  // high-confidence alerts: intel, a recipient in the URL, a URL from inbound mail, or a score of
  // at least this much.
  float confirm_threshold = 7.0f;
  // A new sensor has seen nothing, so every domain is new to it: rarity is not claimed until the
  // first-seen store has learned for this long (kept across restarts with the store). 0: at once.
  TimestampNs learning_period = TimestampNs{24} * 3600 * kNsPerSecond;
  // The site's own names and address ranges (site_scope.h): never rare, never campaigns, unless
  // score_internal is set.
  std::vector<std::string> internal_suffixes;
  std::vector<std::string> internal_networks = SiteScope::default_networks();
  bool score_internal = false;
  // Token evidence tables (entries each) and how many distinct tokens of one template from one
  // host within the campaign window make them object ids, not a recipient's token.
  std::size_t token_evidence_capacity = 262144;
  std::uint32_t application_id_tokens = 3;
  // One open shows as several connections at once: a TLS/QUIC fetch promoted only by
  // beacon_domain, from a client that had an alert on the same name this recently, is the same
  // open and is counted (same_open_suppressed), not alerted again.
  TimestampNs same_open_window = 120 * kNsPerSecond;
  // Such fetches wait that long before they are raised, since the cleartext alert of the same
  // open may come just after them; at most this many wait (more are raised at once, counted).
  std::size_t deferred_max = 1024;
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
  // Mass waves (campaign_tracker.h, pending_alerts.h): hosts a campaign counts exactly before
  // switching to sketches, exact members over all campaigns, least time between two updates of
  // one campaign, fetches waiting for a retroactive verdict, names that served beacons.
  std::uint32_t campaign_exact_hosts = 4096;
  std::size_t campaign_exact_members_total = 262144;
  TimestampNs campaign_update_interval = 60 * kNsPerSecond;
  std::size_t pending_max_total = 4096;
  std::size_t beacon_domains_capacity = 4096;
};

#define BW_DETECT_COUNTERS(X)    \
  X(events_scored)               \
  X(alerts_http)                 \
  X(alerts_tls)                  \
  X(alerts_quic)                 \
  X(alerts_dns)                  \
  X(alerts_retroactive)          \
  X(campaigns_formed)            \
  X(campaign_updates)            \
  X(rare_domains)                \
  X(recipient_matches)           \
  X(intel_hits)                  \
  X(inbound_mail_matches)        \
  X(mail_urls_watched)           \
  X(names_from_dns_cache)        \
  X(rarity_learning)             \
  X(internal_skipped)            \
  X(tokens_shared)               \
  X(tokens_application_ids)      \
  X(tokens_unconfirmed)          \
  X(tokens_per_recipient)        \
  X(cascades_refused)            \
  X(intel_via_cname)             \
  X(same_open_suppressed)        \
  X(deferred_overflow)           \
  X(campaign_members_sketched)   \
  X(campaigns_sketched)          \
  X(campaign_updates_suppressed) \
  X(campaign_keys_evicted)       \
  X(pending_evicted)             \
  X(beacon_domains_evicted)

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
  // Checks the configuration (internal suffixes and networks); the detector is unusable and
  // `error` names the problem when this returns false.
  static bool validate(const DetectConfig& config, std::string& error);
  BeaconDetector(const DetectConfig& config, const detect::RecipientDirectory* recipients,
                 const intel::IntelHolder* intel, MailWatchlist* watchlist);
  ~BeaconDetector();

  // A URL from inbound mail seen on the tap: joins the watchlist.
  void observe_mail_url(const exporter::MailUrlRecord& mail);

  // Looks at one exported event (`sequence` is the number it was exported under).
  void observe(const exporter::EventRecord& event, std::uint64_t sequence, AlertSink& sink);

  FirstSeenStore& first_seen() { return first_seen_; }
  const DetectCounters& counters() const { return counters_; }
  // End of the stream: campaign updates still held back by the rate limit go out now.
  void finish(AlertSink& sink);

 private:
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
  // A protected recipient in a host name (per-recipient subdomains): TLS/QUIC SNI, DNS names,
  // and HTTP hosts whose URL named nobody.
  void apply_recipient_name(BeaconAlert& alert, std::string_view name);
  // When `host` itself is in no feed: the names its recent DNS answers aliased it to.
  void apply_intel_cname(BeaconAlert& alert, std::string_view host, TimestampNs ts);
  void apply_intel_hit(BeaconAlert& alert, const intel::IntelHit& hit);
  void apply_intel_ip(BeaconAlert& alert, const IpAddress& server);
  bool rare(std::string_view registrable_domain, TimestampNs ts, std::string_view app_protocol);
  // The site's own name or address (see SiteScope); `origin` is false for a proxied request.
  bool internal(std::string_view host, const IpAddress& server, bool origin);
  // Adds the token signal as the evidence so far allows; false when the token is content or an
  // object id, which also keeps the fetch out of campaigns.
  bool judge_token(BeaconAlert& alert, std::string_view detail, const IpAddress& client,
                   TimestampNs ts);
  // Intel, a recipient, an inbound-mail URL, or a score at the confirm threshold: an alert that
  // may promote other fetches (beacon_domain, retroactive alerts).
  bool high_confidence(const BeaconAlert& alert) const;
  // Whether `alert`, about to be raised only because its name served beacons, repeats an open
  // already reported for the same client and name (counted when it does).
  bool same_open(const BeaconAlert& alert, const IpAddress& client, TimestampNs ts);
  // Whether beacon_domain is the alert's only tie to mail.
  static bool only_beacon_domain(const BeaconAlert& alert);
  // Raises the deferred alerts whose wait is over at `now` (all of them at kFlushAll), except
  // those that turned out to repeat an open already reported.
  void release_deferred(TimestampNs now, AlertSink& sink);
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
  // Keeps a below-threshold alert (its body scored without the campaign) for a later verdict.
  void keep_pending(const std::string& id, const exporter::EventRecord& record);
  // Campaign updates the rate limit held back, once packet time `now` reaches them.
  void emit_due_campaign_updates(TimestampNs now, AlertSink& sink);

  DetectConfig config_;
  const detect::RecipientDirectory* recipients_;
  const intel::IntelHolder* intel_;
  MailWatchlist* watchlist_;
  PublicSuffixList suffixes_;
  FirstSeenStore first_seen_;
  DnsAnswerCache dns_cache_;
  // CNAME answers by the name they answer (first hop of each link of a chain): a sender's branded
  // tracking host is a CNAME to its e-mail service, and over TLS only the branded name shows.
  DnsAnswerCache cname_cache_;
  CampaignTracker campaigns_;
  SiteScope site_;
  TokenEvidence token_evidence_;
  RecentOpens recent_opens_;
  std::deque<exporter::EventRecord> deferred_;  // TLS/QUIC alerts by beacon_domain alone
  bool releasing_ = false;                      // emit_alert() called by release_deferred()
  bool hold_unscored_ = false;  // conclude(): a TLS/QUIC fetch waits even at score 0
  std::unordered_set<std::string> client_host_pairs_;
  std::deque<std::string> client_host_order_;
  PendingAlerts pending_;  // by campaign (or "sni") id
  RecentNames beacon_domains_;
  exporter::EventRecord working_;  // the alert being built
  exporter::EventRecord campaign_record_;
  DetectCounters counters_;
};

}  // namespace bw::correlate
