#include "sensor/correlate/beacon_detector.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>

#include "sensor/common/ascii.h"
#include "sensor/correlate/mail_client.h"
#include "sensor/detect/recipient_directory.h"
#include "sensor/detect/url_tokens.h"
#include "sensor/intel/intel_holder.h"

namespace bw::correlate {

BeaconDetector::BeaconDetector(const DetectConfig& config,
                               const detect::RecipientDirectory* recipients,
                               const intel::IntelHolder* intel, MailWatchlist* watchlist)
    : config_(config),
      recipients_(recipients),
      intel_(intel),
      watchlist_(watchlist),
      first_seen_(config.first_seen_capacity),
      dns_cache_(config.dns_cache_capacity),
      cname_cache_(config.dns_cache_capacity),
      campaigns_(config.campaign_min_hosts, config.campaign_window, config.campaign_max_keys,
                 CampaignLimits{config.campaign_exact_hosts, config.campaign_exact_members_total,
                                config.campaign_update_interval}),
      token_evidence_(config.token_evidence_capacity, config.campaign_window,
                      config.application_id_tokens),
      recent_opens_(config.token_evidence_capacity),
      client_host_pairs_(config.client_host_pairs),
      pending_(config.campaign_max_keys, config.pending_per_campaign, config.pending_max_total),
      beacon_domains_(config.beacon_domains_capacity),
      scorer_(config, recipients, intel) {}

bool BeaconDetector::validate(const DetectConfig& config, std::string& error) {
  SiteScope scope;
  return scope.configure(config.internal_suffixes, config.internal_networks, error);
}

BeaconDetector::~BeaconDetector() = default;

void BeaconDetector::observe_prescored(const exporter::EventRecord& prescored) {
  if (!config_.enabled) return;
  working_ = prescored;
  prescored_waiting_ = true;
}

void BeaconDetector::count_per_flow_reasons(const BeaconAlert& alert) {
  for (const Reason& reason : alert.reasons) {
    const std::string_view signal = reason.signal.view();
    if (signal.find("recipient") != std::string_view::npos) ++counters_.recipient_matches;
    if (signal.find("intel") != std::string_view::npos || signal == "client_fingerprint") {
      ++counters_.intel_hits;
    }
  }
}

void BeaconDetector::observe(const exporter::EventRecord& event, std::uint64_t sequence,
                             AlertSink& sink) {
  if (!config_.enabled) return;
  // Campaign updates held back by the rate limit go out once packet time reaches them.
  emit_due_campaign_updates(event.ts, sink);
  release_deferred(event.ts, sink);
  if (const auto* dns = std::get_if<extract::DnsMessage>(&event.body)) {
    if (dns->flavor == extract::DnsFlavor::kDns && dns->is_response) {
      record_dns_answers(*dns, event.ts);
    }
  }
  // The per-flow half: from the worker that handled the flow (its record came just before the
  // event, in the same lane), or scored here when none came.
  const bool prescored =
      prescored_waiting_ && !(event.order < working_.order) && !(working_.order < event.order);
  prescored_waiting_ = false;
  if (!prescored && !scorer_.score(event, working_)) return;
  if (!std::holds_alternative<BeaconAlert>(working_.body)) return;
  ++counters_.events_scored;
  BeaconAlert& alert = std::get<BeaconAlert>(working_.body);
  alert.trigger_sequence = sequence;
  count_per_flow_reasons(alert);
  switch (alert.scheme) {
    case Scheme::kHttp:
      observe_http(event, sink);
      break;
    case Scheme::kTls:
    case Scheme::kQuic:
      observe_handshake(event, sink);
      break;
    case Scheme::kDns:
      observe_dns(event, sink);
      break;
  }
}

void BeaconDetector::observe_mail_url(const exporter::MailUrlRecord& mail) {
  if (!config_.enabled || watchlist_ == nullptr) return;
  ++counters_.mail_urls_watched;
  watchlist_->add(mail.url.view(), WatchedUrl{std::string(mail.message_id.view()),
                                              std::string(mail.recipients.view()),
                                              std::string(mail.subject.view())});
}

bool BeaconDetector::rare(std::string_view registrable_domain, TimestampNs ts,
                          std::string_view app_protocol) {
  if (registrable_domain.empty()) return false;
  // New to this sensor within the rarity window: the lookup that precedes a fetch, and the
  // fetches of a wave's first hour, all count; a domain seen for days does not.
  const TimestampNs first = first_seen_.observe(registrable_domain, ts);
  if (first == ts) ++counters_.rare_domains;
  // nDPI names the service behind well-known domains ("TLS.Google", "HTTP.Microsoft"): those are
  // new to this sensor perhaps, but not rare on the Internet.
  if (app_protocol.find('.') != std::string_view::npos) return false;
  if (ts - first > config_.rare_window) return false;
  // A sensor still learning has not seen the domains its network uses every day: "new to this
  // sensor" says nothing about the Internet yet.
  if (first_seen_.learned_for(ts) < config_.learning_period) {
    ++counters_.rarity_learning;
    return false;
  }
  return true;
}

bool BeaconDetector::internal(const BeaconAlert& alert) {
  if (config_.score_internal || (alert.per_flow & kPerFlowInternal) == 0) return false;
  ++counters_.internal_skipped;
  return true;
}

namespace {

// The token is judged after the per-flow signals (it needs other flows), but it is what an
// analyst reads first: its reason leads the list, as the URL template leads the evidence.
void lead_with_last_reason(BeaconAlert& alert) {
  if (alert.reasons.size() > 1) {
    std::rotate(alert.reasons.begin(), alert.reasons.end() - 1, alert.reasons.end());
  }
}

}  // namespace

bool BeaconDetector::judge_token(BeaconAlert& alert, std::string_view detail,
                                 const IpAddress& client, TimestampNs ts) {
  const TokenVerdict verdict =
      token_evidence_.observe(alert.url_template.view(), alert.token.view(), client, ts);
  switch (verdict) {
    case TokenVerdict::kShared:
      ++counters_.tokens_shared;
      return false;
    case TokenVerdict::kApplicationId:
      ++counters_.tokens_application_ids;
      return false;
    case TokenVerdict::kUnconfirmed:
      ++counters_.tokens_unconfirmed;
      add_reason(alert, "per_recipient_token", config_.per_recipient_token_unconfirmed, detail);
      lead_with_last_reason(alert);
      return true;
    case TokenVerdict::kPerRecipient:
      ++counters_.tokens_per_recipient;
      add_reason(alert, "per_recipient_token", config_.per_recipient_token, detail);
      lead_with_last_reason(alert);
      return true;
  }
  return false;
}

bool BeaconDetector::only_beacon_domain(const BeaconAlert& alert) {
  bool by_beacon_domain = false;
  for (const Reason& reason : alert.reasons) {
    const std::string_view signal = reason.signal.view();
    if (signal == "beacon_domain") {
      by_beacon_domain = true;
    } else if (signal == "mail_client" || signal == "client_fingerprint" ||
               signal.find("intel") != std::string_view::npos ||
               signal.find("recipient") != std::string_view::npos || signal == "inbound_mail_url" ||
               signal == "mail_privacy_proxy") {
      return false;  // it has mail context of its own
    }
  }
  return by_beacon_domain;
}

bool BeaconDetector::same_open(const BeaconAlert& alert, const IpAddress& client, TimestampNs ts) {
  if (!only_beacon_domain(alert) ||
      !recent_opens_.within(client, alert.host.view(), ts, config_.same_open_window)) {
    return false;
  }
  ++counters_.same_open_suppressed;
  return true;
}

void BeaconDetector::release_deferred(TimestampNs now, AlertSink& sink) {
  while (!deferred_.empty() && (now == CampaignTracker::kFlushAll ||
                                deferred_.front().ts + config_.same_open_window <= now)) {
    exporter::EventRecord record = deferred_.front();
    deferred_.pop_front();
    if (same_open(std::get<BeaconAlert>(record.body), record.flow.client_ip, record.ts)) continue;
    releasing_ = true;
    emit_alert(record, sink);
    releasing_ = false;
  }
}

bool BeaconDetector::high_confidence(const BeaconAlert& alert) const {
  if (alert.score >= config_.confirm_threshold) return true;
  for (const Reason& reason : alert.reasons) {
    const std::string_view signal = reason.signal.view();
    if (signal == "ioc_intel" || signal == "recipient_in_url" || signal == "recipient_in_name" ||
        signal == "inbound_mail_url") {
      return true;
    }
    // A curated or well-kept list names the host outright (feed confidence of 0.75 or more); a
    // weak entry, or the host of a path rule, is not enough to spread to other fetches.
    if (signal == "tracker_intel" && reason.weight >= 0.75f * config_.tracker_intel) return true;
  }
  return false;
}

void BeaconDetector::apply_intel_cname(BeaconAlert& alert, std::string_view host, TimestampNs ts) {
  if (intel_ == nullptr || !alert.tracker.empty()) return;
  const auto set = intel_->current();
  std::string_view name = host;
  // A few hops: real chains are one or two links (brand -> vendor -> CDN).
  constexpr int kMaxHops = 4;
  for (int hop = 0; hop < kMaxHops; ++hop) {
    name = cname_cache_.lookup(name, ts);
    if (name.empty()) return;
    intel::IntelHit hit;
    if (set->match_host(name, hit)) {
      ++counters_.intel_via_cname;
      ++counters_.intel_hits;
      apply_intel_hit(config_, alert, hit);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------

void BeaconDetector::observe_http(const exporter::EventRecord& event, AlertSink& sink) {
  const extract::HttpRequest& request = std::get<extract::HttpTransaction>(event.body).request;
  BeaconAlert& alert = std::get<BeaconAlert>(working_.body);
  const bool site_internal = internal(alert);
  bool has_token = (alert.per_flow & kPerFlowHasToken) != 0;
  if (has_token) {
    FixedString<160> detail;
    detail.assign(alert.url_template.view());
    // Content fetched identically by many hosts, and object ids, are not recipients' tokens.
    has_token = judge_token(alert, detail.view(), event.flow.client_ip, event.ts);
  }

  // First fetch from this client to this site, with nothing tying it to an earlier visit.
  constexpr TimestampNs kEver = std::numeric_limits<TimestampNs>::max();
  const bool first_contact = !client_host_pairs_.within(
      event.flow.client_ip, alert.registrable_domain.view(), event.ts, kEver);
  client_host_pairs_.record(event.flow.client_ip, alert.registrable_domain.view(), event.ts);
  if (first_contact && request.referer.empty() && !request.cookie_sent) {
    const bool image_dest = request.sec_fetch_dest.view() == "image";
    add_reason(alert, "no_referrer_no_cookie", config_.no_referrer_no_cookie,
               image_dest ? "first fetch, Sec-Fetch-Dest: image, no Referer, no Cookie"
                          : "first fetch, no Referer, no Cookie");
  }

  if (!site_internal &&
      rare(alert.registrable_domain.view(), event.ts, event.app_protocol.view())) {
    add_reason(alert, "rare_domain", config_.rare_domain, alert.registrable_domain.view());
  }
  apply_intel_cname(alert, alert.host.view(), event.ts);
  if (watchlist_ != nullptr) {
    if (const WatchedUrl* watched = watchlist_->find(request.host.view(), request.uri.view())) {
      ++counters_.inbound_mail_matches;
      alert.message_id.assign(watched->message_id);
      alert.mail_recipients.assign(watched->recipients);
      add_reason(alert, "inbound_mail_url", config_.inbound_mail_url, watched->message_id);
    }
  }

  if (!has_token || site_internal) {
    conclude(nullptr, sink);
    return;
  }
  const CampaignObservation observation{
      "template",         alert.url_template.view(), Scheme::kHttp, event.flow.client_ip,
      alert.token.view(), alert.recipient.view(),    event.ts,      true};
  conclude(&observation, sink);
}

void BeaconDetector::observe_handshake(const exporter::EventRecord& event, AlertSink& sink) {
  BeaconAlert& alert = std::get<BeaconAlert>(working_.body);
  if ((alert.per_flow & kPerFlowNeedsName) != 0) {
    // ECH, resumption or a bare IP connection: name the server by the answer that resolved it.
    const std::string_view name = dns_cache_.lookup(event.flow.server_ip.to_string(), event.ts);
    if (name.empty()) return;
    ++counters_.names_from_dns_cache;
    scorer_.score_server_name(alert, name, event.flow.server_ip);
    count_per_flow_reasons(alert);
  }
  const bool site_internal = internal(alert);
  const bool new_domain =
      !site_internal && rare(alert.registrable_domain.view(), event.ts, event.app_protocol.view());
  if (new_domain) {
    add_reason(alert, "rare_domain", config_.rare_domain, alert.registrable_domain.view());
  }
  apply_intel_cname(alert, alert.host.view(), event.ts);
  if (beacon_domains_.count(std::string(alert.registrable_domain.view())) != 0) {
    add_reason(alert, "beacon_domain", config_.beacon_domain, alert.registrable_domain.view());
    if (same_open(alert, event.flow.client_ip, event.ts)) return;
  }
  // A rare name reached by many hosts in a short time is a campaign even when no token shows.
  // Only names that were new when this window's first host reached them are candidates: the
  // campaign tracker holds their state, everything else stays out of it.
  const CampaignObservation observation{
      "sni", alert.registrable_domain.view(), alert.scheme, event.flow.client_ip, {}, {}, event.ts,
      false};
  // A name the lists know as a tracker is followed too, rare or not: a wave of opens shows as
  // many hosts reaching it, which a single fetch of a weakly listed name does not.
  const bool listed_tracker = !alert.tracker.empty();
  // A fetch that scores nothing yet still waits (bounded) under its name, unless the name is the
  // site's own or one nDPI knows as a service: on a new sensor nothing is rare, and the first sure
  // cleartext open of a new tracking domain may come after its first HTTPS opens.
  hold_unscored_ = !site_internal && event.app_protocol.view().find('.') == std::string_view::npos;
  if (!site_internal && (new_domain || listed_tracker || campaigns_.tracking(observation))) {
    conclude(&observation, sink);
  } else {
    conclude(nullptr, sink);
  }
  hold_unscored_ = false;
}

void BeaconDetector::record_dns_answers(const extract::DnsMessage& dns, TimestampNs ts) {
  for (const extract::DnsAnswer& answer : dns.answers) {
    if (answer.type == 1 || answer.type == 28) {
      dns_cache_.record(answer.data.view(), dns.query_name.view(), ts, answer.ttl);
    } else if (answer.type == 5) {
      FixedString<256> alias;
      normalise_host(answer.name.view(), alias);
      FixedString<256> target;
      normalise_host(answer.data.view(), target);
      cname_cache_.record(alias.view(), target.view(), ts, answer.ttl);
    }
  }
}

void BeaconDetector::observe_dns(const exporter::EventRecord& event, AlertSink& sink) {
  BeaconAlert& alert = std::get<BeaconAlert>(working_.body);
  // Names of the site's own zones are never rare and never campaigns.
  if (internal(alert)) return;
  if (rare(alert.registrable_domain.view(), event.ts, event.app_protocol.view())) {
    add_reason(alert, "rare_domain", config_.rare_domain, alert.registrable_domain.view());
  }
  // A lookup without token labels is judged by the fetch that follows it, not on its own: the
  // lookup of a known tracker host would otherwise double every alert. A recipient in the name
  // is the exception: the lookup itself tells who opened the mail.
  const bool has_token = (alert.per_flow & kPerFlowHasToken) != 0;
  if (!has_token && alert.recipient.empty()) return;
  if (!has_token) {
    conclude(nullptr, sink);
    return;
  }
  // The same label from many hosts is a CDN's or a service's name; many labels from one host are
  // lookups of object hashes (antivirus reputation, DNS blocklists), not a recipient's token.
  const TokenVerdict verdict = token_evidence_.observe(
      alert.url_template.view(), alert.token.view(), event.flow.client_ip, event.ts);
  if (verdict == TokenVerdict::kShared || verdict == TokenVerdict::kApplicationId) {
    ++(verdict == TokenVerdict::kShared ? counters_.tokens_shared
                                        : counters_.tokens_application_ids);
    return;
  }
  add_reason(alert, "dns_token_label", config_.dns_token_label, alert.url_template.view());
  if (beacon_domains_.count(std::string(alert.registrable_domain.view())) != 0) {
    add_reason(alert, "beacon_domain", config_.beacon_domain, alert.registrable_domain.view());
  }
  const CampaignObservation observation{"dns_parent",       alert.url_template.view(),
                                        Scheme::kDns,       event.flow.client_ip,
                                        alert.token.view(), {},
                                        event.ts,           true};
  conclude(&observation, sink);
}

// ---------------------------------------------------------------------------------------------

bool BeaconDetector::alertable(const BeaconAlert& alert) const {
  if (alert.score < config_.alert_threshold) return false;
  // Rarity is not among them: it says a domain is new to this sensor, which on a new sensor is
  // every domain, and on any sensor every new app, game or SDK. A token label in DNS is not
  // either: antivirus reputation lookups and CDNs look the same. Both still add to the score.
  static constexpr std::string_view kMailContext[] = {
      "mail_client",        "recipient_in_url",
      "recipient_in_name",  "recipient_local_part_in_name",
      "inbound_mail_url",   "tracker_intel",
      "tracker_host_intel", "ioc_intel",
      "beacon_domain",      "client_fingerprint",
      "mail_privacy_proxy"};
  for (const Reason& reason : alert.reasons) {
    for (const std::string_view signal : kMailContext) {
      if (reason.signal.view() == signal) return true;
    }
  }
  return false;
}

void BeaconDetector::keep_pending(const std::string& id, const exporter::EventRecord& record) {
  counters_.pending_evicted += pending_.keep(id, record);
}

void BeaconDetector::emit_due_campaign_updates(TimestampNs now, AlertSink& sink) {
  while (campaigns_.next_due_update(now, campaign_record_)) {
    ++counters_.campaign_updates;
    sink.on_alert(campaign_record_);
  }
}

void BeaconDetector::finish(AlertSink& sink) {
  if (!config_.enabled) return;
  release_deferred(CampaignTracker::kFlushAll, sink);
  emit_due_campaign_updates(CampaignTracker::kFlushAll, sink);
}

void BeaconDetector::conclude(const CampaignObservation* observation, AlertSink& sink) {
  BeaconAlert& alert = std::get<BeaconAlert>(working_.body);
  // TLS/QUIC fetches below the threshold wait under their name's "sni" id: a campaign on that
  // name, or the name serving cleartext beacons, may promote them later.
  const bool encrypted = alert.scheme == Scheme::kTls || alert.scheme == Scheme::kQuic;
  // Hashed only when a fetch actually has to wait: most fetches alert or score nothing.
  std::string sni_id_text;
  const auto sni_id = [&]() -> const std::string& {
    if (sni_id_text.empty()) {
      sni_id_text = CampaignTracker::id_for("sni", alert.registrable_domain.view());
    }
    return sni_id_text;
  };
  if (observation == nullptr) {
    if (alertable(alert)) {
      emit_alert(working_, sink);
    } else if (encrypted && (alert.score > 0 || hold_unscored_)) {
      keep_pending(sni_id(), working_);
    }
    return;
  }
  const CampaignVerdict verdict = campaigns_.observe(*observation);
  const std::string id = *verdict.campaign_id;
  counters_.campaign_keys_evicted += verdict.key_evicted ? 1 : 0;
  counters_.campaign_members_sketched += verdict.sketched ? 1 : 0;
  counters_.campaigns_sketched += verdict.became_sketched ? 1 : 0;
  if (!verdict.is_campaign) {
    // Not (yet) a campaign: alert on the fetch's own merits, and keep it in case it becomes one.
    if (alertable(alert)) {
      emit_alert(working_, sink);
    } else if (alert.score > 0) {
      keep_pending(id, working_);
    }
    return;
  }
  // Part of a campaign: the fetches that waited below the threshold are judged again with the
  // campaign's weight, then this one.
  const float weight = observation->key_kind == "sni" ? config_.sni_campaign : config_.campaign;
  FixedString<160> detail;
  detail.assign(id);
  detail.append(" ");
  detail.append(observation->key);
  std::size_t promoted = 0;
  if (verdict.just_formed) ++counters_.campaigns_formed;
  alert.campaign_id.assign(id);
  add_reason(alert, "campaign", weight, detail.view());
  const bool member_alerted = alertable(alert);
  // Fetches that waited are alerted retroactively only on a sure member's word: a listed tracker,
  // a recipient, an inbound-mail URL, or a score at the confirm threshold. A campaign of weak
  // members keeps them waiting (bounded) until such a member comes.
  if (member_alerted && (high_confidence(alert) || !alert.tracker.empty())) {
    for (exporter::EventRecord& pending : pending_.take(id)) {
      BeaconAlert& earlier = std::get<BeaconAlert>(pending.body);
      if (earlier.campaign_id.empty()) {
        add_reason(earlier, "campaign", weight, detail.view());
        earlier.campaign_id.assign(id);
      }
      if (alertable(earlier)) {
        ++counters_.alerts_retroactive;
        ++promoted;
        emit_alert(pending, sink);
      } else if (encrypted) {
        keep_pending(sni_id(), pending);
      }
    }
  }
  if (member_alerted) {
    emit_alert(working_, sink);
  } else if (encrypted) {
    keep_pending(sni_id(), working_);
  } else if (alert.score > 0) {
    keep_pending(id, working_);
  }
  // Reported only once it concerns beacons: many hosts reaching a new web service is not news.
  // And rate-limited (CampaignTracker::request_update): a wave of 100k hosts is a few updates.
  if (verdict.new_host && (member_alerted || promoted > 0)) {
    if (campaigns_.request_update(*observation, working_, campaign_record_)) {
      ++counters_.campaign_updates;
      sink.on_alert(campaign_record_);
    } else {
      ++counters_.campaign_updates_suppressed;
    }
  }
}

void BeaconDetector::promote_beacon_domain(std::string_view domain, AlertSink& sink) {
  if (domain.empty()) return;
  const std::uint64_t evicted_before = beacon_domains_.evicted();
  if (!beacon_domains_.insert(domain)) return;
  counters_.beacon_domains_evicted += beacon_domains_.evicted() - evicted_before;
  for (exporter::EventRecord& pending : pending_.take(CampaignTracker::id_for("sni", domain))) {
    BeaconAlert& earlier = std::get<BeaconAlert>(pending.body);
    add_reason(earlier, "beacon_domain", config_.beacon_domain, domain);
    if (same_open(earlier, pending.flow.client_ip, pending.ts)) continue;
    if (alertable(earlier)) {
      ++counters_.alerts_retroactive;
      emit_alert(pending, sink);
    }
  }
}

void BeaconDetector::emit_alert(exporter::EventRecord& record, AlertSink& sink) {
  const BeaconAlert& alert = std::get<BeaconAlert>(record.body);
  // A TLS/QUIC fetch tied to mail only by its name waits for the cleartext alert of the same
  // open that may follow it (see same_open_window).
  if (!releasing_ && (alert.scheme == Scheme::kTls || alert.scheme == Scheme::kQuic) &&
      only_beacon_domain(alert)) {
    if (deferred_.size() < config_.deferred_max) {
      deferred_.push_back(record);
      return;
    }
    ++counters_.deferred_overflow;
  }
  const std::string domain(alert.registrable_domain.view());
  const bool cleartext = alert.scheme == Scheme::kHttp || alert.scheme == Scheme::kDns;
  switch (alert.scheme) {
    case Scheme::kHttp:
      ++counters_.alerts_http;
      break;
    case Scheme::kTls:
      ++counters_.alerts_tls;
      break;
    case Scheme::kQuic:
      ++counters_.alerts_quic;
      break;
    case Scheme::kDns:
      ++counters_.alerts_dns;
      break;
  }
  // Over HTTPS only the name shows: a name that served cleartext beacons marks its TLS and QUIC
  // fetches too, but only from an alert sure enough that a mistake does not spread to a sender's
  // whole domain. `record` may be the working alert, so it is not read after on_alert().
  const bool promotes = cleartext && high_confidence(alert);
  if (cleartext && !promotes) ++counters_.cascades_refused;
  recent_opens_.record(record.flow.client_ip, alert.host.view(), record.ts);
  sink.on_alert(record);
  if (promotes) promote_beacon_domain(domain, sink);
}

}  // namespace bw::correlate
