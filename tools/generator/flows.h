// Application conversations, each written as one flow (or one exchange) into the world's sink
// with its ground-truth rows. Each returns the time its last packet passed the sensor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/generator/dns_content.h"
#include "tools/generator/http_content.h"
#include "tools/generator/tls_content.h"
#include "tools/generator/world.h"

namespace bw::gen {

// Who talks to whom, and over what path.
struct FlowEnds {
  Host* client = nullptr;
  Host* server = nullptr;
  int family = 4;
  PathConfig path;
};

enum class TcpClose : std::uint8_t { kClientFin, kServerFin, kClientReset, kServerReset };

struct HttpExchange {
  HttpMessage request;
  HttpMessage response;
  bool has_response = true;
  TimestampNs think = ms(2);           // server time to produce the response
  TimestampNs client_pause = us(300);  // client time before sending the request
  bool split_request_headers = false;  // headers leave in two TCP segments
  Labels labels;
};

struct HttpConnection {
  std::vector<HttpExchange> exchanges;
  bool pipelined = false;  // every request goes out before the first response
  TcpClose close = TcpClose::kServerFin;
  TimestampNs idle_before_close = sec(5);
  std::uint16_t server_port = 80;
  std::uint32_t rate_mbps = 80;
};

TimestampNs http_connection(World& world, const FlowEnds& ends, TimestampNs at,
                            const HttpConnection& connection);

struct DnsLookup {
  std::string name;
  std::uint16_t type = kDnsTypeA;
  std::vector<DnsRecord> answers;
  bool nxdomain = false;
  std::string soa_zone;
  bool respond = true;
  Labels labels;
};

// Answers for `site` as a resolver gives them: the CNAME chain, then the address records.
DnsLookup lookup_for(const Site& site, std::uint16_t type);

// Plain DNS over UDP to port 53; the response follows one resolver RTT later.
TimestampNs dns_udp(World& world, const FlowEnds& ends, TimestampNs at, const DnsLookup& lookup);
// DNS over TCP: the first two queries travel in one segment (and so do their answers); the
// answer to the third is split over two segments.
TimestampNs dns_tcp(World& world, const FlowEnds& ends, TimestampNs at,
                    const std::vector<DnsLookup>& lookups);
// mDNS (224.0.0.251:5353) query from `querier` answered by `responder` to the group.
TimestampNs mdns_exchange(World& world, Host& querier, Host& responder, TimestampNs at,
                          const std::string& name);
// LLMNR (224.0.0.252:5355) query answered by unicast from the name's owner.
TimestampNs llmnr_exchange(World& world, Host& querier, Host& responder, TimestampNs at,
                           const std::string& name);

struct TlsSession {
  ClientHelloSpec hello;
  std::uint16_t cipher = 0x1301;
  std::string server_alpn;  // chosen protocol (visible in TLS 1.2 ServerHello only)
  std::size_t request_bytes = 600;
  std::size_t response_bytes = 8000;
  std::size_t rounds = 1;
  TcpClose close = TcpClose::kClientFin;
  std::uint16_t server_port = 443;
  std::uint32_t rate_mbps = 80;
  bool server_answers = true;
  Labels labels;
};

TimestampNs tls_connection(World& world, const FlowEnds& ends, TimestampNs at,
                           const TlsSession& session);

struct QuicSession {
  std::uint32_t version = 0x00000001;
  ClientHelloSpec hello;
  // Chrome-style "chaos protection": CRYPTO frames split, reordered within and across packets,
  // PING and PADDING frames interleaved.
  bool scramble = false;
  std::size_t response_bytes = 20000;
  Labels labels;
};

TimestampNs quic_connection(World& world, const FlowEnds& ends, TimestampNs at,
                            const QuicSession& session);

// Background traffic.
TimestampNs ntp_exchange(World& world, const FlowEnds& ends, TimestampNs at);
TimestampNs icmp_echo(World& world, const FlowEnds& ends, TimestampNs at, int count);
TimestampNs arp_exchange(World& world, Host& asker, TimestampNs at);
// A long HTTP download (many MSS-sized segments) of `bytes` random content.
TimestampNs bulk_http_download(World& world, const FlowEnds& ends, TimestampNs at,
                               const std::string& host, std::size_t bytes, Labels labels = {});
// A long TLS transfer: handshake then `bytes` of application data from the server.
TimestampNs bulk_tls_download(World& world, const FlowEnds& ends, TimestampNs at,
                              const std::string& sni, std::size_t bytes);

// Image facts of a body this generator produced, for the truth rows.
void describe_image(GroundTruth& row, ByteSpan body);

}  // namespace bw::gen
