#include "sensor/correlate/flow_scorer.h"

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

// Whether the request stays on the site of the page that referred it (Sec-Fetch-Site, else the
// Referer's host against the request's registrable domain).
bool same_site_as_referer(const extract::HttpRequest& request,
                          std::string_view registrable_domain) {
  const std::string_view site = request.sec_fetch_site.view();
  if (iequals(site, "same-origin") || iequals(site, "same-site")) return true;
  if (iequals(site, "cross-site")) return false;
  std::string_view referer = request.referer.view();
  const std::size_t scheme = referer.find("://");
  if (scheme == std::string_view::npos || registrable_domain.empty()) return false;
  referer.remove_prefix(scheme + 3);
  const std::size_t end = referer.find_first_of("/:?#");
  const std::string_view referer_host = referer.substr(0, end);
  if (referer_host.size() < registrable_domain.size()) return false;
  const std::size_t at = referer_host.size() - registrable_domain.size();
  return iequals(referer_host.substr(at), registrable_domain) &&
         (at == 0 || referer_host[at - 1] == '.');
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

void add_reason(BeaconAlert& alert, std::string_view signal, float weight,
                std::string_view detail) {
  alert.score += weight;
  Reason* reason = alert.reasons.emplace_slot();
  if (reason == nullptr) return;
  reason->signal.assign(signal);
  reason->weight = weight;
  reason->detail.assign(detail);
}

void apply_intel_hit(const DetectConfig& config, BeaconAlert& alert, const intel::IntelHit& hit) {
  // Feed weights are confidences in [0, 1] that scale the configured signal weight.
  const float confidence = hit.weight > 0 ? hit.weight : 1.0f;
  if (hit.category == intel::Category::kMailPrivacyProxy) {
    if (!alert.privacy_proxy.empty()) return;
    alert.privacy_proxy.assign(hit.label);
    add_reason(alert, "mail_privacy_proxy", config.mail_privacy_proxy * confidence, hit.label);
    return;
  }
  alert.tracker.assign(hit.label);
  const bool ioc = hit.category == intel::Category::kIoc;
  // The host of a list's host+path rule ("a tracking path lives here") matched where the path is
  // hidden (TLS, QUIC, DNS): the list ties the name to mail tracking, but not this fetch, so it
  // has a signal of its own that does not count as a sure alert (no cascades from it).
  const char* signal = ioc                         ? "ioc_intel"
                       : hit.from_path_rule_host() ? "tracker_host_intel"
                                                   : "tracker_intel";
  add_reason(alert, signal, (ioc ? config.ioc_intel : config.tracker_intel) * confidence,
             hit.label);
}

FlowScorer::FlowScorer(const DetectConfig& config, const detect::RecipientDirectory* recipients,
                       const intel::IntelHolder* intel)
    : config_(config), recipients_(recipients), intel_(intel) {
  std::string error;
  // BeaconDetector::validate() refused a bad scope before any scorer was built.
  site_.configure(config.internal_suffixes, config.internal_networks, error);
}

bool FlowScorer::scoreable(const exporter::EventRecord& event) {
  if (const auto* http = std::get_if<extract::HttpTransaction>(&event.body)) {
    return http->has_request;
  }
  if (const auto* tls = std::get_if<exporter::TlsHandshakeRecord>(&event.body)) {
    return tls->has_client_hello;
  }
  if (std::holds_alternative<extract::QuicInitial>(event.body)) return true;
  if (const auto* dns = std::get_if<extract::DnsMessage>(&event.body)) {
    return dns->flavor == extract::DnsFlavor::kDns && !dns->query_name.empty() && !dns->is_response;
  }
  return false;
}

bool FlowScorer::score(const exporter::EventRecord& event, exporter::EventRecord& out) {
  if (!scoreable(event)) return false;
  out.copy_envelope_of(event);
  out.body = BeaconAlert{};
  BeaconAlert& alert = std::get<BeaconAlert>(out.body);
  alert.threshold = config_.alert_threshold;
  alert.per_flow = kPerFlowScored;
  if (std::holds_alternative<extract::HttpTransaction>(event.body)) {
    alert.scheme = Scheme::kHttp;
    score_http(event, alert);
  } else if (const auto* tls = std::get_if<exporter::TlsHandshakeRecord>(&event.body)) {
    alert.scheme = Scheme::kTls;
    const auto& ch = tls->client_hello;
    score_handshake(event, ch.sni.view(), ch.ja3_md5.view(), ch.ja4.view(), alert);
  } else if (const auto* quic = std::get_if<extract::QuicInitial>(&event.body)) {
    alert.scheme = Scheme::kQuic;
    const auto& ch = quic->client_hello;
    score_handshake(event, ch.sni.view(), ch.ja3_md5.view(), ch.ja4.view(), alert);
  } else {
    alert.scheme = Scheme::kDns;
    score_dns_query(event, alert);
  }
  return true;
}

void FlowScorer::apply_intel_host(BeaconAlert& alert, std::string_view host) {
  if (intel_ == nullptr) return;
  const auto set = intel_->current();
  intel::IntelHit hit;
  if (set->match_host(host, hit)) apply_intel_hit(config_, alert, hit);
}

void FlowScorer::apply_intel_ip(BeaconAlert& alert, const IpAddress& server) {
  if (intel_ == nullptr || !alert.tracker.empty()) return;  // a name hit says more
  const auto set = intel_->current();
  intel::IntelHit hit;
  if (set->match_ip(server, hit)) apply_intel_hit(config_, alert, hit);
}

void FlowScorer::apply_recipient_name(BeaconAlert& alert, std::string_view name) {
  if (recipients_ == nullptr || !alert.recipient.empty()) return;
  detect::RecipientDirectory::HostNameMatch match;
  if (!recipients_->match_host_name(name, match)) return;
  alert.recipient.assign(recipients_->address(match.recipient_index));
  alert.recipient_encoding.assign(detect::host_name_form_name(match.form));
  FixedString<160> detail;
  detail.assign(alert.recipient_encoding.view());
  detail.append(" of ");
  detail.append(alert.recipient.view());
  detail.append(" in ");
  detail.append(name.substr(match.offset, match.length));
  // A local part alone ("john-doe.t.tracker.example") could be a coincidence of names: half the
  // weight, and not a sure alert; the whole address or its digest is the recipient.
  const bool local_part_only = match.form == detect::HostNameForm::kLocalPart;
  add_reason(alert, local_part_only ? "recipient_local_part_in_name" : "recipient_in_name",
             local_part_only ? config_.recipient_in_url / 2 : config_.recipient_in_url,
             detail.view());
}

void FlowScorer::score_http(const exporter::EventRecord& event, BeaconAlert& alert) {
  const auto& http = std::get<extract::HttpTransaction>(event.body);
  const extract::HttpRequest& request = http.request;
  normalise_host(request.host.view(), alert.host);
  suffixes_.registrable_domain(alert.host.view(), alert.registrable_domain);
  alert.user_agent.assign(request.user_agent.view());
  // A request in absolute form went to a proxy: the server address is the proxy's, not the
  // named host's.
  const bool origin_server =
      !istarts_with(request.uri.view(), "http://") && !istarts_with(request.uri.view(), "https://");
  if (origin_server) alert.per_flow |= kPerFlowOrigin;
  if (site_.internal_host(alert.host.view()) ||
      (origin_server && site_.internal_address(event.flow.server_ip))) {
    alert.per_flow |= kPerFlowInternal;
  }

  const detect::UrlAnalysis analysis = detect::analyse_url(request.uri.view());
  // Some senders put the token in the host name (<hex>.t.example.com/p.gif) instead.
  const detect::UrlAnalysis host_analysis = detect::analyse_dns_name(alert.host.view());
  const bool host_token = analysis.tokens.empty() && !host_analysis.tokens.empty();
  alert.url_template.assign(host_token ? host_analysis.url_template.view()
                                       : alert.registrable_domain.view());
  alert.url_template.append(analysis.url_template.view());
  if (!analysis.tokens.empty() || host_token) {
    const detect::Token& first = host_token ? host_analysis.tokens[0] : analysis.tokens[0];
    const std::string_view source = host_token ? alert.host.view() : request.uri.view();
    alert.token.assign(source.substr(first.offset, first.length));
    // Its weight depends on who else fetched the template: judged by the detector.
    alert.per_flow |= kPerFlowHasToken;
  }

  if (recipients_ != nullptr) {
    detect::RecipientDirectory::Match match;
    if (recipients_->match(request.uri.view(), match)) {
      alert.recipient.assign(recipients_->address(match.recipient_index));
      alert.recipient_encoding.assign(detect::encoding_name(match.encoding));
      FixedString<160> detail;
      detail.assign(alert.recipient_encoding.view());
      detail.append(" of ");
      detail.append(alert.recipient.view());
      add_reason(alert, "recipient_in_url", config_.recipient_in_url, detail.view());
    }
  }
  apply_recipient_name(alert, request.host.view());

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
  // A webmail page's own requests (its API, its analytics) are the webmail application, not the
  // mail it shows: only fetches that leave the webmail's site are mail content.
  std::string_view webmail = webmail_from_referer(request.referer.view());
  if (!webmail.empty() && same_site_as_referer(request, alert.registrable_domain.view())) {
    webmail = {};
  }
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

  const std::string_view proxy = privacy_proxy_from_host(alert.host.view());
  if (!proxy.empty()) {
    alert.privacy_proxy.assign(proxy);
    add_reason(alert, "mail_privacy_proxy", config_.mail_privacy_proxy, proxy);
  }
  if (intel_ != nullptr) {
    const auto set = intel_->current();
    intel::IntelHit hit;
    if (set->match_url(request.host.view(), request.uri.view(), hit)) {
      apply_intel_hit(config_, alert, hit);
    }
  }
  apply_intel_ip(alert, event.flow.server_ip);
}

void FlowScorer::score_server_name(BeaconAlert& alert, std::string_view name,
                                   const IpAddress& server) {
  normalise_host(name, alert.host);
  suffixes_.registrable_domain(alert.host.view(), alert.registrable_domain);
  if (site_.internal_host(alert.host.view()) || site_.internal_address(server)) {
    alert.per_flow |= kPerFlowInternal;
  }
  apply_intel_host(alert, alert.host.view());
  apply_intel_ip(alert, server);
  apply_recipient_name(alert, name);
}

void FlowScorer::score_handshake(const exporter::EventRecord& event, std::string_view sni,
                                 std::string_view ja3_md5, std::string_view ja4,
                                 BeaconAlert& alert) {
  alert.ja3_md5.assign(ja3_md5);
  alert.ja4.assign(ja4);
  alert.per_flow |= kPerFlowOrigin;
  if (sni.empty()) {
    // ECH, resumption or a bare IP connection: the exporter names the server from DNS answers.
    alert.per_flow |= kPerFlowNeedsName;
  } else {
    score_server_name(alert, sni, event.flow.server_ip);
  }
  if (intel_ != nullptr) {
    const auto set = intel_->current();
    intel::IntelHit hit;
    if ((!ja4.empty() && set->match_ja4(ja4, hit)) ||
        (!ja3_md5.empty() && set->match_ja3(ja3_md5, hit))) {
      const bool ioc = hit.category == intel::Category::kIoc;
      add_reason(
          alert, ioc ? "ioc_intel" : "client_fingerprint",
          (ioc ? config_.ioc_intel : config_.mail_client) * (hit.weight > 0 ? hit.weight : 1.0f),
          hit.label);
      if (!ioc) alert.mail_client.assign(hit.label);
    }
  }
}

void FlowScorer::score_dns_query(const exporter::EventRecord& event, BeaconAlert& alert) {
  const auto& dns = std::get<extract::DnsMessage>(event.body);
  normalise_host(dns.query_name.view(), alert.host);
  suffixes_.registrable_domain(alert.host.view(), alert.registrable_domain);
  // Names of the site's own zones (the resolver's address says nothing about the name).
  if (site_.internal_host(alert.host.view())) alert.per_flow |= kPerFlowInternal;
  // A lookup without token labels is judged by the fetch that follows it, not on its own: the
  // lookup of a known tracker host would otherwise double every alert. A recipient in the name
  // is the exception: the lookup itself tells who opened the mail.
  apply_recipient_name(alert, dns.query_name.view());
  const detect::UrlAnalysis analysis = detect::analyse_dns_name(dns.query_name.view());
  if (!analysis.tokens.empty()) {
    const detect::Token& first = analysis.tokens[0];
    alert.token.assign(dns.query_name.view().substr(first.offset, first.length));
    alert.url_template.assign(analysis.url_template.view());
    alert.per_flow |= kPerFlowHasToken;
  }
  if (!analysis.tokens.empty() || !alert.recipient.empty()) {
    apply_intel_host(alert, alert.host.view());
  }
}

}  // namespace bw::correlate
