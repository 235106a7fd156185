// The in-memory form of an event between a worker and the exporter: plain data (no heap), copied
// through the worker's output queue. The exporter turns it into a beaconwatch.v1.Event.
//
// The folder is "export", but `export` is a C++ keyword, so the namespace is bw::exporter.
#pragma once

#include <cstdint>
#include <tuple>
#include <variant>

#include "sensor/common/fixed_string.h"
#include "sensor/common/ip_address.h"
#include "sensor/common/time.h"
#include "sensor/correlate/alerts.h"
#include "sensor/extract/records.h"

namespace bw::exporter {

// Total order of events, independent of how flows were spread over workers: the sequence number
// of the capture item (packet or tick) that produced the event, then the flow's own order (the
// sequence number of its first packet), then the event's position among those produced together.
struct OrderKey {
  std::uint64_t trigger_seq = 0;
  std::uint64_t flow_order = 0;
  std::uint32_t sub = 0;

  friend bool operator<(const OrderKey& a, const OrderKey& b) {
    return std::tie(a.trigger_seq, a.flow_order, a.sub) <
           std::tie(b.trigger_seq, b.flow_order, b.sub);
  }
};

struct FlowInfo {
  IpAddress client_ip;
  IpAddress server_ip;
  std::uint16_t client_port = 0;
  std::uint16_t server_port = 0;
  std::uint8_t protocol = 0;
  std::uint16_t vlan_id = 0;
  std::uint32_t encapsulation = 0;  // decode::Encapsulation bits
};

struct TlsHandshakeRecord {
  bool has_client_hello = false;
  bool has_server_hello = false;
  extract::TlsClientHello client_hello;
  extract::TlsServerHello server_hello;
};

// A URL found in inbound mail seen on the tap. Internal: the exporter hands it to the detector's
// mail watchlist and does not write it out.
struct MailUrlRecord {
  FixedString<2048> url;
  FixedString<256> message_id;
  FixedString<512> recipients;  // comma-separated
  FixedString<256> subject;
};

using EventBody = std::variant<extract::HttpTransaction, extract::DnsMessage, TlsHandshakeRecord,
                               extract::QuicInitial, correlate::BeaconAlert,
                               correlate::CampaignUpdate, MailUrlRecord>;

struct EventRecord {
  OrderKey order;
  TimestampNs ts = 0;
  FlowInfo flow;
  FixedString<48> app_protocol;
  std::uint16_t source_index = 0;  // which input (file or interface) the packet came from
  EventBody body;

  // A record derived from another (an alert about an event) carries that event's envelope: same
  // place in the stream, time, flow and input.
  void copy_envelope_of(const EventRecord& other) {
    order = other.order;
    ts = other.ts;
    flow = other.flow;
    app_protocol = other.app_protocol;
    source_index = other.source_index;
  }
};

}  // namespace bw::exporter
