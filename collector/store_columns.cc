#include "collector/store_columns.h"

#include "sensor/common/ascii.h"

namespace bw::collector {
namespace {

namespace pb = beaconwatch::v1;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = ascii_lower(c);
  return out;
}

std::string campaign_host(const pb::CampaignUpdate& campaign) {
  const bool key_is_name = campaign.key_kind() == "sni" || campaign.key_kind() == "dns_parent";
  return key_is_name ? lower(campaign.key()) : std::string();
}

}  // namespace

std::string_view event_kind_name(const pb::Event& event) {
  switch (event.body_case()) {
    case pb::Event::kHttp:
      return "http";
    case pb::Event::kDns:
      return "dns";
    case pb::Event::kTls:
      return "tls";
    case pb::Event::kQuic:
      return "quic";
    case pb::Event::kBeacon:
      return "beacon";
    case pb::Event::kCampaign:
      return "campaign";
    case pb::Event::kHealth:
      return "health";
    case pb::Event::BODY_NOT_SET:
      break;
  }
  return "none";
}

std::string host_without_port(std::string_view host_header) {
  if (!host_header.empty() && host_header.front() == '[') {
    const std::size_t close = host_header.find(']');
    return lower(close == std::string_view::npos ? host_header.substr(1)
                                                 : host_header.substr(1, close - 1));
  }
  const std::size_t colon = host_header.find(':');
  // More than one colon is a bare IPv6 address, which has no port to strip.
  if (colon != std::string_view::npos &&
      host_header.find(':', colon + 1) == std::string_view::npos) {
    host_header = host_header.substr(0, colon);
  }
  return lower(host_header);
}

std::string event_host(const pb::Event& event) {
  switch (event.body_case()) {
    case pb::Event::kHttp:
      return host_without_port(event.http().request().host());
    case pb::Event::kDns:
      return lower(event.dns().query_name());
    case pb::Event::kTls:
      return lower(event.tls().client_hello().sni());
    case pb::Event::kQuic:
      return lower(event.quic().client_hello().sni());
    case pb::Event::kBeacon:
      return lower(event.beacon().host());
    case pb::Event::kCampaign:
      return campaign_host(event.campaign());
    default:
      return {};
  }
}

EventColumns event_columns(const pb::Event& event) {
  EventColumns columns;
  columns.kind = event_kind_name(event);
  columns.host = event_host(event);
  if (event.has_beacon()) {
    const pb::BeaconAlert& beacon = event.beacon();
    columns.registrable_domain = lower(beacon.registrable_domain());
    columns.url_template = beacon.url_template();
    columns.campaign_id = beacon.campaign_id();
    columns.has_score = true;
    columns.score = beacon.score();
  } else if (event.has_campaign()) {
    const pb::CampaignUpdate& campaign = event.campaign();
    columns.campaign_id = campaign.campaign_id();
    if (campaign.key_kind() == "domain") columns.registrable_domain = lower(campaign.key());
    if (campaign.key_kind() == "template") columns.url_template = campaign.key();
  }
  return columns;
}

}  // namespace bw::collector
