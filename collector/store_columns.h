// What the store and the SIEM output read out of an event besides the protobuf itself: its kind,
// the server name it is about, and the values the store indexes.
#pragma once

#include <string>
#include <string_view>

#include "beaconwatch/v1/event.pb.h"

namespace bw::collector {

// "http", "dns", "tls", "quic", "beacon", "campaign", "health", or "none" for an empty body.
std::string_view event_kind_name(const beaconwatch::v1::Event& event);

// Host name of an HTTP Host header: port and IPv6 brackets removed, lower case.
std::string host_without_port(std::string_view host_header);

// The server name the event is about: HTTP Host (without port), TLS/QUIC SNI, DNS query name,
// the alert's host, or a campaign's sni/dns_parent key; lower case, empty when there is none.
std::string event_host(const beaconwatch::v1::Event& event);

// Indexed columns of the events table. Empty strings are stored as NULL so the partial indexes
// only hold the rows that have the value (alerts and campaigns for most of them).
struct EventColumns {
  std::string_view kind;
  std::string host;
  std::string registrable_domain;
  std::string url_template;
  std::string campaign_id;
  bool has_score = false;
  double score = 0;
};

EventColumns event_columns(const beaconwatch::v1::Event& event);

}  // namespace bw::collector
