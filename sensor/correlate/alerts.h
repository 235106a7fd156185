// Records the correlation stage adds to the event stream: beacon alerts (one fetch judged to be a
// tracking beacon, with every reason and its weight) and campaign updates (one template or rare
// domain fetched by many internal hosts).
#pragma once

#include <cstdint>

#include "sensor/common/fixed_string.h"
#include "sensor/common/ip_address.h"
#include "sensor/common/time.h"

namespace bw::correlate {

enum class Scheme : std::uint8_t { kHttp, kTls, kQuic, kDns };

struct Reason {
  FixedString<32> signal;  // e.g. "per_recipient_token", "pixel_response"
  float weight = 0;
  FixedString<160> detail;  // the evidence behind it, e.g. "{hex32} in path: 3f2a...0002"
};

struct BeaconAlert {
  Scheme scheme = Scheme::kHttp;
  float score = 0;
  float threshold = 0;
  FixedVector<Reason, 12> reasons;
  std::uint64_t trigger_sequence = 0;  // the event this alert is about

  FixedString<256> host;  // HTTP Host, TLS/QUIC SNI (or name from DNS), DNS query name
  FixedString<256> registrable_domain;
  FixedString<512> url_template;
  FixedString<128> token;
  FixedString<512> user_agent;
  FixedString<64> mail_client;
  FixedString<40> ja4;
  FixedString<32> ja3_md5;
  FixedString<96> response_shape;
  FixedString<256> recipient;          // protected address found in the URL
  FixedString<32> recipient_encoding;  // how it was encoded (plain, base64, md5...)
  FixedString<64> tracker;             // intel label
  FixedString<64> privacy_proxy;       // mail privacy proxy in the path
  FixedString<256> message_id;         // inbound mail that carried this URL
  FixedString<256> mail_recipients;    // that mail's recipients
  FixedString<64> campaign_id;
  // Internal, not exported: how far scoring has got (FlowScorer's PerFlowFlag bits).
  std::uint8_t per_flow = 0;
};

struct CampaignMember {
  IpAddress client_ip;
  FixedString<96> token;
  FixedString<64> recipient;
  TimestampNs first_seen = 0;
};

struct CampaignUpdate {
  FixedString<64> campaign_id;
  FixedString<16> key_kind;  // "template", "domain", "sni", "dns_parent"
  FixedString<512> key;
  Scheme scheme = Scheme::kHttp;
  std::uint32_t distinct_hosts = 0;
  std::uint32_t distinct_tokens = 0;
  TimestampNs first_seen = 0;
  TimestampNs last_seen = 0;
  FixedVector<CampaignMember, 32> members;  // the most recent members when there are more
};

}  // namespace bw::correlate
