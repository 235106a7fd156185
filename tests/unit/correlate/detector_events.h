// Events as the exporter hands them to the detector, shared by the correlate tests: a TLS
// ClientHello, an HTTP request with a response, a pixel response, and the beacon alerts among what
// a detector raised.
#pragma once

#include <string_view>
#include <vector>

#include "sensor/correlate/alerts.h"
#include "sensor/export/event_record.h"

namespace bw::correlate::test_events {

inline exporter::EventRecord tls_hello(const IpAddress& client, const IpAddress& server,
                                       std::string_view sni, TimestampNs ts) {
  exporter::EventRecord e;
  e.ts = ts;
  e.flow.client_ip = client;
  e.flow.server_ip = server;
  e.flow.protocol = 6;
  e.app_protocol.assign("TLS");
  exporter::TlsHandshakeRecord r;
  r.has_client_hello = true;
  r.client_hello.sni.assign(sni);
  e.body = r;
  return e;
}

// A GET and a 200 response whose body the caller shapes (see pixel_response).
inline exporter::EventRecord http_get(const IpAddress& client, const IpAddress& server,
                                      std::string_view host, std::string_view uri,
                                      std::string_view user_agent, TimestampNs ts) {
  exporter::EventRecord e;
  e.ts = ts;
  e.flow.client_ip = client;
  e.flow.server_ip = server;
  e.flow.client_port = 50000;
  e.flow.server_port = 80;
  e.flow.protocol = 6;
  e.app_protocol.assign("HTTP");
  extract::HttpTransaction t;
  t.has_request = true;
  t.request.method.assign("GET");
  t.request.host.assign(host);
  t.request.uri.assign(uri);
  t.request.user_agent.assign(user_agent);
  t.has_response = true;
  t.response.status = 200;
  e.body = t;
  return e;
}

// A 1x1 GIF of 43 bytes, as tracking pixels answer.
inline void pixel_response(extract::HttpResponse& response) {
  response.content_type.assign("image/gif");
  response.content_length = 43;
  response.image = {extract::ImageFormat::kGif, true, 1, 1};
}

inline std::vector<const BeaconAlert*> beacons_in(const std::vector<exporter::EventRecord>& all) {
  std::vector<const BeaconAlert*> out;
  for (const auto& a : all) {
    if (const auto* b = std::get_if<BeaconAlert>(&a.body)) out.push_back(b);
  }
  return out;
}

}  // namespace bw::correlate::test_events
