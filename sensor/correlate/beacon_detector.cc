#include "sensor/correlate/beacon_detector.h"

#include <charconv>
#include <cstdio>

#include "sensor/common/ascii.h"
#include "sensor/correlate/mail_client.h"
#include "sensor/detect/recipient_directory.h"
#include "sensor/detect/url_tokens.h"
#include "sensor/intel/intel_holder.h"

namespace bw::correlate {
namespace {

const char* image_name(extract::ImageFormat format) {
  switch (format) {
    case extract::ImageFormat::kGif:
      return "gif";
    case extract::ImageFormat::kPng:
      return "png";
    case extract::ImageFormat::kJpeg:
      return "jpeg";
    case extract::ImageFormat::kWebp:
      return "webp";
    case extract::ImageFormat::kIco:
      return "ico";
    default:
      return "image";
  }
}

bool is_image_path(std::string_view location) {
  const std::size_t query = location.find_first_of("?#");
  const std::string_view path = location.substr(0, query);
  for (const std::string_view ext : {".gif", ".png", ".jpg", ".jpeg", ".webp", ".ico", ".bmp"}) {
    if (path.size() >= ext.size() && contains_ci(path.substr(path.size() - ext.size()), ext)) {
      return true;
    }
  }
  return false;
}

// "200 image/gif 1x1 43 bytes"; also says whether the response is pixel-shaped and why.
bool describe_response(const extract::HttpResponse& r, FixedString<96>& shape,
                       FixedString<160>& why) {
  char text[96];
  const auto& image = r.image;
  int n = std::snprintf(text, sizeof text, "%u %.*s", r.status,
                        static_cast<int>(r.content_type.size()), r.content_type.view().data());
  if (image.format != extract::ImageFormat::kNone && image.dimensions_known) {
    n += std::snprintf(text + n, sizeof text - static_cast<std::size_t>(n), " %ux%u", image.width,
                       image.height);
  }
  if (r.content_length >= 0 && n < static_cast<int>(sizeof text)) {
    std::snprintf(text + n, sizeof text - static_cast<std::size_t>(n), " %lld bytes",
                  static_cast<long long>(r.content_length));
  }
  shape.assign(text);
  constexpr std::uint32_t kPixelSide = 2;
  constexpr std::int64_t kTinyImageBytes = 512;
  if (image.format != extract::ImageFormat::kNone && image.dimensions_known &&
      image.width <= kPixelSide && image.height <= kPixelSide) {
    std::snprintf(text, sizeof text, "%ux%u %s", image.width, image.height,
                  image_name(image.format));
    why.assign(text);
    return true;
  }
  if (image.format != extract::ImageFormat::kNone && r.content_length >= 0 &&
      r.content_length <= kTinyImageBytes) {
    std::snprintf(text, sizeof text, "%s of %lld bytes", image_name(image.format),
                  static_cast<long long>(r.content_length));
    why.assign(text);
    return true;
  }
  if (r.status == 204) {
    why.assign("204 No Content");
    return true;
  }
  // Trackers that log the open and then hand over the image elsewhere answer with a redirect.
  if (r.status >= 300 && r.status < 400 && is_image_path(r.location.view())) {
    why.assign("redirect to ");
    why.append(r.location.view());
    return true;
  }
  return false;
}

bool cache_busting(const extract::HttpResponse& r, FixedString<160>& why) {
  const std::string_view cc = r.cache_control.view();
  if (contains_ci(cc, "no-store") || contains_ci(cc, "no-cache") || contains_ci(cc, "max-age=0") ||
      contains_ci(r.pragma.view(), "no-cache") || r.expires.view() == "0" ||
      r.expires.view() == "-1" || contains_ci(r.expires.view(), "1970") ||
      contains_ci(r.expires.view(), "1990")) {
    why.assign("Cache-Control: ");
    why.append(cc.empty() ? r.pragma.view() : cc);
    return true;
  }
  return false;
}

}  // namespace

BeaconDetector::BeaconDetector(const DetectConfig& config,
                               const detect::RecipientDirectory* recipients,
                               const intel::IntelHolder* intel, MailWatchlist* watchlist)
    : config_(config),
      recipients_(recipients),
      intel_(intel),
      watchlist_(watchlist),
      first_seen_(config.first_seen_capacity),
      dns_cache_(config.dns_cache_capacity),
      campaigns_(config.campaign_min_hosts, config.campaign_window, config.campaign_max_keys) {}

BeaconDetector::~BeaconDetector() = default;

void BeaconDetector::observe(const exporter::EventRecord& event, std::uint64_t sequence,
                             AlertSink& sink) {
  if (!config_.enabled) return;
  if (std::holds_alternative<extract::HttpTransaction>(event.body)) {
    observe_http(event, sequence, sink);
  } else if (const auto* tls = std::get_if<exporter::TlsHandshakeRecord>(&event.body)) {
    if (!tls->has_client_hello) return;
    const auto& ch = tls->client_hello;
    observe_handshake(event, sequence, Scheme::kTls, ch.sni.view(), ch.ja3_md5.view(),
                      ch.ja4.view(), sink);
  } else if (const auto* quic = std::get_if<extract::QuicInitial>(&event.body)) {
    const auto& ch = quic->client_hello;
    observe_handshake(event, sequence, Scheme::kQuic, ch.sni.view(), ch.ja3_md5.view(),
                      ch.ja4.view(), sink);
  } else if (std::holds_alternative<extract::DnsMessage>(event.body)) {
    observe_dns(event, sequence, sink);
  }
}

void BeaconDetector::observe_mail_url(const exporter::MailUrlRecord& mail) {
  if (!config_.enabled || watchlist_ == nullptr) return;
  ++counters_.mail_urls_watched;
  watchlist_->add(mail.url.view(), WatchedUrl{std::string(mail.message_id.view()),
                                              std::string(mail.recipients.view()),
                                              std::string(mail.subject.view())});
}

BeaconAlert& BeaconDetector::start_alert(const exporter::EventRecord& event, std::uint64_t sequence,
                                         Scheme scheme) {
  ++counters_.events_scored;
  working_.copy_envelope_of(event);
  working_.body = BeaconAlert{};
  BeaconAlert& alert = std::get<BeaconAlert>(working_.body);
  alert.scheme = scheme;
  alert.threshold = config_.alert_threshold;
  alert.trigger_sequence = sequence;
  return alert;
}

void BeaconDetector::add_reason(BeaconAlert& alert, std::string_view signal, float weight,
                                std::string_view detail) {
  alert.score += weight;
  Reason* reason = alert.reasons.emplace_slot();
  if (reason == nullptr) return;
  reason->signal.assign(signal);
  reason->weight = weight;
  reason->detail.assign(detail);
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
  return ts - first <= config_.rare_window;
}

void BeaconDetector::apply_intel_host(BeaconAlert& alert, std::string_view host) {
  if (intel_ == nullptr) return;
  const auto set = intel_->current();
  intel::IntelHit hit;
  if (set->match_host(host, hit)) apply_intel_hit(alert, hit);
}

void BeaconDetector::apply_intel_ip(BeaconAlert& alert, const IpAddress& server) {
  if (intel_ == nullptr || !alert.tracker.empty()) return;  // a name hit says more
  const auto set = intel_->current();
  intel::IntelHit hit;
  if (set->match_ip(server, hit)) apply_intel_hit(alert, hit);
}

void BeaconDetector::apply_intel_hit(BeaconAlert& alert, const intel::IntelHit& hit) {
  ++counters_.intel_hits;
  // Feed weights are confidences in [0, 1] that scale the configured signal weight.
  const float confidence = hit.weight > 0 ? hit.weight : 1.0f;
  if (hit.category == intel::Category::kMailPrivacyProxy) {
    if (!alert.privacy_proxy.empty()) return;
    alert.privacy_proxy.assign(hit.label);
    add_reason(alert, "mail_privacy_proxy", config_.mail_privacy_proxy * confidence, hit.label);
    return;
  }
  alert.tracker.assign(hit.label);
  const bool ioc = hit.category == intel::Category::kIoc;
  add_reason(alert, ioc ? "ioc_intel" : "tracker_intel",
             (ioc ? config_.ioc_intel : config_.tracker_intel) * confidence, hit.label);
}

// ---------------------------------------------------------------------------------------------

void BeaconDetector::observe_http(const exporter::EventRecord& event, std::uint64_t sequence,
                                  AlertSink& sink) {
  const auto& http = std::get<extract::HttpTransaction>(event.body);
  if (!http.has_request) return;
  const extract::HttpRequest& request = http.request;
  BeaconAlert& alert = start_alert(event, sequence, Scheme::kHttp);
  normalise_host(request.host.view(), alert.host);
  suffixes_.registrable_domain(alert.host.view(), alert.registrable_domain);
  alert.user_agent.assign(request.user_agent.view());

  const detect::UrlAnalysis analysis = detect::analyse_url(request.uri.view());
  // Some senders put the token in the host name (<hex>.t.example.com/p.gif) instead.
  const detect::UrlAnalysis host_analysis = detect::analyse_dns_name(alert.host.view());
  const bool host_token = analysis.tokens.empty() && !host_analysis.tokens.empty();
  alert.url_template.assign(host_token ? host_analysis.url_template.view()
                                       : alert.registrable_domain.view());
  alert.url_template.append(analysis.url_template.view());
  const bool has_token = !analysis.tokens.empty() || host_token;
  if (has_token) {
    const detect::Token& first = host_token ? host_analysis.tokens[0] : analysis.tokens[0];
    const std::string_view source = host_token ? alert.host.view() : request.uri.view();
    alert.token.assign(source.substr(first.offset, first.length));
    FixedString<160> detail;
    detail.assign(alert.url_template.view());
    add_reason(alert, "per_recipient_token", config_.per_recipient_token, detail.view());
  }

  if (recipients_ != nullptr) {
    detect::RecipientDirectory::Match match;
    if (recipients_->match(request.uri.view(), match)) {
      ++counters_.recipient_matches;
      alert.recipient.assign(recipients_->address(match.recipient_index));
      alert.recipient_encoding.assign(detect::encoding_name(match.encoding));
      FixedString<160> detail;
      detail.assign(alert.recipient_encoding.view());
      detail.append(" of ");
      detail.append(alert.recipient.view());
      add_reason(alert, "recipient_in_url", config_.recipient_in_url, detail.view());
    }
  }

  if (http.has_response) {
    FixedString<160> why;
    if (describe_response(http.response, alert.response_shape, why)) {
      add_reason(alert, "pixel_response", config_.pixel_response, why.view());
    }
    if (cache_busting(http.response, why)) {
      add_reason(alert, "cache_busting", config_.cache_busting, why.view());
    }
  }

  const std::string_view client = mail_client_from_user_agent(request.user_agent.view());
  const std::string_view webmail = webmail_from_referer(request.referer.view());
  if (!client.empty()) {
    alert.mail_client.assign(client);
    add_reason(alert, "mail_client", config_.mail_client, client);
  } else if (!webmail.empty()) {
    alert.mail_client.assign(webmail);
    add_reason(alert, "mail_client", config_.mail_client, webmail);
  }
  if (!request.referer.empty() && webmail.empty()) {
    add_reason(alert, "page_referrer", config_.page_referrer, request.referer.view());
  }
  if (request.cookie_sent) add_reason(alert, "cookie_sent", config_.cookie_sent, "Cookie header");

  // First fetch from this client to this site, with nothing tying it to an earlier visit.
  std::string pair = event.flow.client_ip.to_string();
  pair.push_back(' ');
  pair.append(alert.registrable_domain.view());
  const bool first_contact = client_host_pairs_.insert(pair).second;
  if (first_contact) {
    client_host_order_.push_back(std::move(pair));
    if (client_host_order_.size() > config_.client_host_pairs) {
      client_host_pairs_.erase(client_host_order_.front());
      client_host_order_.pop_front();
    }
  }
  if (first_contact && request.referer.empty() && !request.cookie_sent) {
    const bool image_dest = request.sec_fetch_dest.view() == "image";
    add_reason(alert, "no_referrer_no_cookie", config_.no_referrer_no_cookie,
               image_dest ? "first fetch, Sec-Fetch-Dest: image, no Referer, no Cookie"
                          : "first fetch, no Referer, no Cookie");
  }

  if (rare(alert.registrable_domain.view(), event.ts, event.app_protocol.view())) {
    add_reason(alert, "rare_domain", config_.rare_domain, alert.registrable_domain.view());
  }
  const std::string_view proxy = privacy_proxy_from_host(alert.host.view());
  if (!proxy.empty()) {
    alert.privacy_proxy.assign(proxy);
    add_reason(alert, "mail_privacy_proxy", config_.mail_privacy_proxy, proxy);
  }
  if (intel_ != nullptr) {
    const auto set = intel_->current();
    intel::IntelHit hit;
    if (set->match_url(request.host.view(), request.uri.view(), hit)) apply_intel_hit(alert, hit);
  }
  apply_intel_ip(alert, event.flow.server_ip);
  if (watchlist_ != nullptr) {
    if (const WatchedUrl* watched = watchlist_->find(request.host.view(), request.uri.view())) {
      ++counters_.inbound_mail_matches;
      alert.message_id.assign(watched->message_id);
      alert.mail_recipients.assign(watched->recipients);
      add_reason(alert, "inbound_mail_url", config_.inbound_mail_url, watched->message_id);
    }
  }

  if (!has_token) {
    conclude(nullptr, sink);
    return;
  }
  const CampaignObservation observation{
      "template",         alert.url_template.view(), Scheme::kHttp, event.flow.client_ip,
      alert.token.view(), alert.recipient.view(),    event.ts,      true};
  conclude(&observation, sink);
}

void BeaconDetector::observe_handshake(const exporter::EventRecord& event, std::uint64_t sequence,
                                       Scheme scheme, std::string_view sni,
                                       std::string_view ja3_md5, std::string_view ja4,
                                       AlertSink& sink) {
  BeaconAlert& alert = start_alert(event, sequence, scheme);
  alert.ja3_md5.assign(ja3_md5);
  alert.ja4.assign(ja4);
  if (!sni.empty()) {
    normalise_host(sni, alert.host);
  } else {
    // ECH, resumption or a bare IP connection: name the server by the answer that resolved it.
    const std::string_view name = dns_cache_.lookup(event.flow.server_ip.to_string(), event.ts);
    if (name.empty()) return;
    ++counters_.names_from_dns_cache;
    normalise_host(name, alert.host);
  }
  suffixes_.registrable_domain(alert.host.view(), alert.registrable_domain);
  const bool new_domain =
      rare(alert.registrable_domain.view(), event.ts, event.app_protocol.view());
  if (new_domain) {
    add_reason(alert, "rare_domain", config_.rare_domain, alert.registrable_domain.view());
  }
  apply_intel_host(alert, alert.host.view());
  apply_intel_ip(alert, event.flow.server_ip);
  if (beacon_domains_.count(std::string(alert.registrable_domain.view())) != 0) {
    add_reason(alert, "beacon_domain", config_.beacon_domain, alert.registrable_domain.view());
  }
  if (intel_ != nullptr) {
    const auto set = intel_->current();
    intel::IntelHit hit;
    if ((!ja4.empty() && set->match_ja4(ja4, hit)) ||
        (!ja3_md5.empty() && set->match_ja3(ja3_md5, hit))) {
      ++counters_.intel_hits;
      const bool ioc = hit.category == intel::Category::kIoc;
      add_reason(
          alert, ioc ? "ioc_intel" : "client_fingerprint",
          (ioc ? config_.ioc_intel : config_.mail_client) * (hit.weight > 0 ? hit.weight : 1.0f),
          hit.label);
      if (!ioc) alert.mail_client.assign(hit.label);
    }
  }
  // A rare name reached by many hosts in a short time is a campaign even when no token shows.
  // Only names that were new when this window's first host reached them are candidates: the
  // campaign tracker holds their state, everything else stays out of it.
  const CampaignObservation observation{
      "sni", alert.registrable_domain.view(), scheme, event.flow.client_ip, {}, {}, event.ts,
      false};
  if (new_domain || campaigns_.tracking(observation)) {
    conclude(&observation, sink);
  } else {
    conclude(nullptr, sink);
  }
}

void BeaconDetector::observe_dns(const exporter::EventRecord& event, std::uint64_t sequence,
                                 AlertSink& sink) {
  const auto& dns = std::get<extract::DnsMessage>(event.body);
  if (dns.flavor != extract::DnsFlavor::kDns || dns.query_name.empty()) return;
  if (dns.is_response) {
    for (const extract::DnsAnswer& answer : dns.answers) {
      if (answer.type == 1 || answer.type == 28) {
        dns_cache_.record(answer.data.view(), dns.query_name.view(), event.ts, answer.ttl);
      }
    }
    return;
  }
  const detect::UrlAnalysis analysis = detect::analyse_dns_name(dns.query_name.view());
  BeaconAlert& alert = start_alert(event, sequence, Scheme::kDns);
  normalise_host(dns.query_name.view(), alert.host);
  suffixes_.registrable_domain(alert.host.view(), alert.registrable_domain);
  if (rare(alert.registrable_domain.view(), event.ts, event.app_protocol.view())) {
    add_reason(alert, "rare_domain", config_.rare_domain, alert.registrable_domain.view());
  }
  // A lookup without token labels is judged by the fetch that follows it, not on its own: the
  // lookup of a known tracker host would otherwise double every alert.
  if (analysis.tokens.empty()) return;
  apply_intel_host(alert, alert.host.view());
  const detect::Token& first = analysis.tokens[0];
  alert.token.assign(dns.query_name.view().substr(first.offset, first.length));
  alert.url_template.assign(analysis.url_template.view());
  add_reason(alert, "dns_token_label", config_.dns_token_label, analysis.url_template.view());
  const CampaignObservation observation{"dns_parent",       alert.url_template.view(),
                                        Scheme::kDns,       event.flow.client_ip,
                                        alert.token.view(), {},
                                        event.ts,           true};
  conclude(&observation, sink);
}

// ---------------------------------------------------------------------------------------------

bool BeaconDetector::alertable(const BeaconAlert& alert) const {
  if (alert.score < config_.alert_threshold) return false;
  static constexpr std::string_view kMailContext[] = {
      "mail_client",        "rare_domain",       "recipient_in_url", "inbound_mail_url",
      "tracker_intel",      "ioc_intel",         "beacon_domain",    "dns_token_label",
      "client_fingerprint", "mail_privacy_proxy"};
  for (const Reason& reason : alert.reasons) {
    for (const std::string_view signal : kMailContext) {
      if (reason.signal.view() == signal) return true;
    }
  }
  return false;
}

void BeaconDetector::keep_pending(const std::string& id, const exporter::EventRecord& record) {
  if (pending_.find(id) == pending_.end()) {
    // Bounded like the campaign tracker: the keys that started waiting longest ago go first.
    pending_order_.push_back(id);
    while (pending_order_.size() > config_.campaign_max_keys) {
      pending_.erase(pending_order_.front());
      pending_order_.pop_front();
    }
  }
  auto& queue = pending_[id];
  if (queue.size() >= config_.pending_per_campaign) queue.pop_front();
  queue.push_back(Pending{record});
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
    } else if (encrypted && alert.score > 0) {
      keep_pending(sni_id(), working_);
    }
    return;
  }
  const CampaignVerdict verdict = campaigns_.observe(*observation);
  const std::string id = *verdict.campaign_id;
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
  if (verdict.just_formed) {
    ++counters_.campaigns_formed;
    auto found = pending_.find(id);
    if (found != pending_.end()) {
      std::deque<Pending> waiting = std::move(found->second);
      pending_.erase(found);
      for (Pending& pending : waiting) {
        BeaconAlert& earlier = std::get<BeaconAlert>(pending.alert.body);
        add_reason(earlier, "campaign", weight, detail.view());
        earlier.campaign_id.assign(id);
        if (alertable(earlier)) {
          ++counters_.alerts_retroactive;
          ++promoted;
          emit_alert(pending.alert, sink);
        } else if (encrypted) {
          keep_pending(sni_id(), pending.alert);
        }
      }
    }
  }
  alert.campaign_id.assign(id);
  add_reason(alert, "campaign", weight, detail.view());
  const bool member_alerted = alertable(alert);
  if (member_alerted) {
    emit_alert(working_, sink);
  } else if (encrypted) {
    keep_pending(sni_id(), working_);
  }
  // Reported only once it concerns beacons: many hosts reaching a new web service is not news.
  if (verdict.new_host && (member_alerted || promoted > 0)) {
    ++counters_.campaign_updates;
    campaign_record_.copy_envelope_of(working_);
    campaign_record_.body = CampaignUpdate{};
    campaigns_.describe(*observation, std::get<CampaignUpdate>(campaign_record_.body));
    sink.on_alert(campaign_record_);
  }
}

void BeaconDetector::promote_beacon_domain(std::string_view domain, AlertSink& sink) {
  if (domain.empty() || !beacon_domains_.insert(std::string(domain)).second) return;
  beacon_domain_order_.emplace_back(domain);
  if (beacon_domain_order_.size() > config_.campaign_max_keys) {
    beacon_domains_.erase(beacon_domain_order_.front());
    beacon_domain_order_.pop_front();
  }
  auto found = pending_.find(CampaignTracker::id_for("sni", domain));
  if (found == pending_.end()) return;
  std::deque<Pending> waiting = std::move(found->second);
  pending_.erase(found);
  for (Pending& pending : waiting) {
    BeaconAlert& earlier = std::get<BeaconAlert>(pending.alert.body);
    add_reason(earlier, "beacon_domain", config_.beacon_domain, domain);
    if (alertable(earlier)) {
      ++counters_.alerts_retroactive;
      emit_alert(pending.alert, sink);
    }
  }
}

void BeaconDetector::emit_alert(exporter::EventRecord& record, AlertSink& sink) {
  const BeaconAlert& alert = std::get<BeaconAlert>(record.body);
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
  sink.on_alert(record);
  // Over HTTPS only the name shows: a name that served cleartext beacons marks its TLS and QUIC
  // fetches too. `record` may be the working alert, so it is not read after this.
  if (cleartext) promote_beacon_domain(domain, sink);
}

}  // namespace bw::correlate
