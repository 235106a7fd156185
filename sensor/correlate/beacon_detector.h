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
#include "sensor/correlate/detect_config.h"
#include "sensor/correlate/dns_answer_cache.h"
#include "sensor/correlate/first_seen_store.h"
#include "sensor/correlate/flow_scorer.h"
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

  // The per-flow half of the next event's score, made by a worker's FlowScorer (a BeaconAlert
  // record with the event's envelope). The exporter hands it over just before that event.
  void observe_prescored(const exporter::EventRecord& prescored);

  // Looks at one exported event (`sequence` is the number it was exported under). Uses the
  // prescored half when one came for it, else scores the per-flow half itself.
  void observe(const exporter::EventRecord& event, std::uint64_t sequence, AlertSink& sink);

  FirstSeenStore& first_seen() { return first_seen_; }
  const DetectCounters& counters() const { return counters_; }
  // End of the stream: campaign updates still held back by the rate limit go out now.
  void finish(AlertSink& sink);

 private:
  // The cross-flow half, on working_ (which holds the per-flow half).
  void observe_http(const exporter::EventRecord& event, AlertSink& sink);
  void observe_handshake(const exporter::EventRecord& event, AlertSink& sink);
  void observe_dns(const exporter::EventRecord& event, AlertSink& sink);
  void record_dns_answers(const extract::DnsMessage& dns, TimestampNs ts);
  // Counters of what the per-flow half found (it may have run on a worker).
  void count_per_flow_reasons(const BeaconAlert& alert);

  // When `host` itself is in no feed: the names its recent DNS answers aliased it to.
  void apply_intel_cname(BeaconAlert& alert, std::string_view host, TimestampNs ts);
  bool rare(std::string_view registrable_domain, TimestampNs ts, std::string_view app_protocol);
  // The site's own name or address (FlowScorer decided; counted here) and not scored as such.
  bool internal(const BeaconAlert& alert);
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
  TokenEvidence token_evidence_;
  RecentOpens recent_opens_;
  std::deque<exporter::EventRecord> deferred_;  // TLS/QUIC alerts by beacon_domain alone
  bool releasing_ = false;                      // emit_alert() called by release_deferred()
  bool hold_unscored_ = false;  // conclude(): a TLS/QUIC fetch waits even at score 0
  // Client and registrable domain pairs seen (first contacts), a fixed table like recent_opens_.
  RecentOpens client_host_pairs_;
  PendingAlerts pending_;  // by campaign (or "sni") id
  RecentNames beacon_domains_;
  FlowScorer scorer_;               // the per-flow half, when no worker did it
  bool prescored_waiting_ = false;  // working_ holds a worker's per-flow half for the next event
  exporter::EventRecord working_;   // the alert being built
  exporter::EventRecord campaign_record_;
  DetectCounters counters_;
};

}  // namespace bw::correlate
