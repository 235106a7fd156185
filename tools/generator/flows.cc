#include "tools/generator/flows.h"

#include <algorithm>
#include <string_view>

#include "tools/generator/checksum.h"
#include "tools/generator/quic_content.h"
#include "tools/generator/tcp_flow.h"

namespace bw::gen {
namespace {

constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::int64_t kNtpEraOffset = 2208988800LL;  // seconds from 1900 to 1970

void send_udp(Path& path, TimestampNs ts, bool from_client, std::uint16_t client_port,
              std::uint16_t server_port, ByteSpan payload) {
  Bytes segment;
  const IpAddress& src = from_client ? path.client_address() : path.server_address();
  const IpAddress& dst = from_client ? path.server_address() : path.client_address();
  append_udp(segment, src, dst, from_client ? client_port : server_port,
             from_client ? server_port : client_port, payload);
  path.send(ts, from_client, kProtoUdp, segment, false);
}

// High UDP ports that Wireshark (and port-based classifiers) dissect as some other protocol. A
// real stack may pick them too, but a sample QUIC flow that reads as Elasticsearch misleads
// more than it teaches.
bool claimed_udp_port(std::uint16_t port) {
  constexpr std::uint16_t kClaimed[] = {49999, 54328, 56000, 56001, 56500, 56501, 57000, 57001,
                                        57032, 57033, 57500, 57501, 57532, 57533, 59000, 59001,
                                        59032, 59033, 59500, 59501, 59532, 59533, 60001};
  return std::find(std::begin(kClaimed), std::end(kClaimed), port) != std::end(kClaimed);
}

std::uint16_t random_port(Rng& rng) {
  std::uint16_t port = 0;
  do {
    port = static_cast<std::uint16_t>(rng.range(49152, 65535));
  } while (claimed_udp_port(port));
  return port;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items)
    out += (out.empty() ? "" : ",") + item;
  return out;
}

std::string hex_of(ByteSpan bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

void close_tcp(TcpFlow& tcp, TcpClose close, TimestampNs idle) {
  switch (close) {
    case TcpClose::kClientFin:
      tcp.close(true, idle);
      break;
    case TcpClose::kServerFin:
      tcp.close(false, idle);
      break;
    case TcpClose::kClientReset:
      tcp.reset(true, idle);
      break;
    case TcpClose::kServerReset:
      tcp.reset(false, idle);
      break;
  }
}

// Offsets where a chunked body's chunks end, so each goes out as its own write.
std::vector<std::size_t> chunk_cuts(const HttpMessage& message) {
  std::vector<std::size_t> cuts;
  if (message.chunk_sizes.empty()) return cuts;
  std::size_t position = header_block_length(message);
  cuts.push_back(position);
  std::size_t offset = 0;
  for (std::size_t i = 0; offset < message.body.size(); ++i) {
    const std::size_t want = message.chunk_sizes[std::min(i, message.chunk_sizes.size() - 1)];
    const std::size_t size = std::min(want, message.body.size() - offset);
    char length[16];
    const int digits = std::snprintf(length, sizeof length, "%zx", size);
    position += static_cast<std::size_t>(digits) + 2 + size + 2;
    offset += size;
    cuts.push_back(position);
  }
  return cuts;
}

GroundTruth http_row(const Path& path, const TcpFlow& tcp, const HttpExchange& exchange,
                     TimestampNs ts) {
  GroundTruth row;
  row.kind = "http";
  row.ts = ts;
  World::describe_flow(row, path, tcp.client_port(), tcp.server_port(), "tcp");
  const std::string& line = exchange.request.start_line;
  const std::size_t space = line.find(' ');
  const std::size_t second = line.find(' ', space + 1);
  row.method = line.substr(0, space);
  row.uri = line.substr(space + 1, second - space - 1);
  auto header = [&](const HttpMessage& m, std::string_view name) {
    const std::string* value = m.header(name);
    return value != nullptr ? *value : std::string();
  };
  row.host = header(exchange.request, "Host");
  row.user_agent = header(exchange.request, "User-Agent");
  row.referer = header(exchange.request, "Referer");
  row.cookie_sent = exchange.request.header("Cookie") != nullptr;
  if (exchange.has_response) {
    row.status = static_cast<std::uint16_t>(std::stoi(exchange.response.start_line.substr(9, 3)));
    row.content_type = header(exchange.response, "Content-Type");
    describe_image(row, exchange.response.body);
  }
  World::apply_labels(row, exchange.labels);
  return row;
}

GroundTruth dns_row(const Path& path, std::uint16_t client_port, std::uint16_t server_port,
                    const char* transport, const char* flavor, TimestampNs ts) {
  GroundTruth row;
  row.kind = "dns";
  row.ts = ts;
  World::describe_flow(row, path, client_port, server_port, transport);
  row.dns_flavor = flavor;
  return row;
}

void fill_dns_query(GroundTruth& row, const DnsLookup& lookup) {
  row.dns_name = lookup.name;
  row.dns_type = lookup.type;
  World::apply_labels(row, lookup.labels);
}

void fill_dns_response(GroundTruth& row, const DnsLookup& lookup) {
  fill_dns_query(row, lookup);
  row.dns_response = true;
  row.dns_rcode = lookup.nxdomain ? kDnsRcodeNxDomain : 0;
  row.dns_answers = static_cast<std::uint16_t>(lookup.answers.size());
}

DnsQuestion question_for(const DnsLookup& lookup, Rng& rng) {
  DnsQuestion q;
  q.id = static_cast<std::uint16_t>(rng.next());
  q.name = lookup.name;
  q.type = lookup.type;
  return q;
}

Bytes response_for(const DnsQuestion& q, const DnsLookup& lookup) {
  const std::uint16_t flags = lookup.nxdomain ? 0x8183 : 0x8180;
  return build_dns_response(q, flags, lookup.answers, lookup.soa_zone);
}

void append_length_prefixed(Bytes& out, ByteSpan message) {
  ByteWriter(out).be16(message.size()).bytes(message);
}

}  // namespace

void describe_image(GroundTruth& row, ByteSpan body) {
  if (body.size() >= 10 && body[0] == 'G' && body[1] == 'I' && body[2] == 'F') {
    row.image_format = "gif";
    row.image_width = load_le16(body.data() + 6);
    row.image_height = load_le16(body.data() + 8);
  } else if (body.size() >= 24 && body[0] == 0x89 && body[1] == 'P') {
    row.image_format = "png";
    row.image_width = load_be32(body.data() + 16);
    row.image_height = load_be32(body.data() + 20);
  } else if (body.size() >= 4 && body[0] == 0xff && body[1] == 0xd8) {
    row.image_format = "jpeg";
    for (std::size_t i = 2; i + 9 < body.size();) {
      if (body[i] != 0xff) break;
      const std::uint8_t marker = body[i + 1];
      if (marker == 0xc0 || marker == 0xc1 || marker == 0xc2) {
        row.image_height = load_be16(body.data() + i + 5);
        row.image_width = load_be16(body.data() + i + 7);
        break;
      }
      i += 2 + load_be16(body.data() + i + 2);
    }
  }
}

TimestampNs http_connection(World& world, const FlowEnds& ends, TimestampNs at,
                            const HttpConnection& connection) {
  Rng rng = world.rng().fork();
  Path path(ends.path, world.sink(), *ends.client, *ends.server, ends.family);
  TcpFlow tcp(path, rng, ends.client->ephemeral_port(rng), connection.server_port, at,
              ends.server->rtt, connection.rate_mbps);
  tcp.handshake();
  const auto& exchanges = connection.exchanges;
  if (connection.pipelined && !exchanges.empty()) {
    Bytes requests;
    for (const HttpExchange& e : exchanges)
      ByteWriter(requests).bytes(serialize(e.request));
    tcp.client_write(requests, exchanges.front().client_pause);
    for (std::size_t i = 0; i < exchanges.size(); ++i) {
      world.add_truth(http_row(path, tcp, exchanges[i], tcp.now()));
    }
    for (std::size_t i = 0; i < exchanges.size(); ++i) {
      const Bytes response = serialize(exchanges[i].response);
      if (i == 0) {
        tcp.server_reply(response, exchanges[i].think, chunk_cuts(exchanges[i].response));
      } else {
        tcp.server_write(response, exchanges[i].think, chunk_cuts(exchanges[i].response));
      }
    }
  } else {
    for (const HttpExchange& e : exchanges) {
      const Bytes request = serialize(e.request);
      std::vector<std::size_t> cuts;
      if (e.split_request_headers) cuts.push_back(header_block_length(e.request) / 2);
      tcp.client_write(request, e.client_pause, cuts);
      world.add_truth(http_row(path, tcp, e, tcp.now()));
      if (e.has_response) tcp.server_reply(serialize(e.response), e.think, chunk_cuts(e.response));
    }
  }
  close_tcp(tcp, connection.close, connection.idle_before_close);
  return tcp.now();
}

DnsLookup lookup_for(const Site& site, std::uint16_t type) {
  DnsLookup lookup;
  lookup.name = site.name;
  lookup.type = type;
  std::string owner = site.name;
  for (const std::string& cname : site.cnames) {
    DnsRecord record;
    record.name = owner;
    record.type = kDnsTypeCname;
    record.ttl = 3600;
    record.target = cname;
    lookup.answers.push_back(record);
    owner = cname;
  }
  const Host* server = type == kDnsTypeAaaa ? site.ipv6 : site.ipv4;
  if (server != nullptr) {
    DnsRecord record;
    record.name = owner;
    record.type = type;
    record.ttl = 300;
    record.address = server->address(type == kDnsTypeAaaa ? 6 : 4);
    lookup.answers.push_back(record);
  }
  return lookup;
}

TimestampNs dns_udp(World& world, const FlowEnds& ends, TimestampNs at, const DnsLookup& lookup) {
  Rng rng = world.rng().fork();
  Path path(ends.path, world.sink(), *ends.client, *ends.server, ends.family);
  const std::uint16_t port = random_port(rng);
  const DnsQuestion q = question_for(lookup, rng);
  const Bytes question = build_dns_query(q);
  send_udp(path, at, true, port, 53, question);
  GroundTruth query = dns_row(path, port, 53, "udp", "dns", at);
  query.encapsulation = path.encapsulation_names(question.size() + 8);
  fill_dns_query(query, lookup);
  world.add_truth(query);
  if (!lookup.respond) return at;
  // A cache hit comes back in the resolver's RTT, a miss after upstream recursion.
  const TimestampNs reply_at =
      at + ends.server->rtt +
      (rng.chance(0.6) ? jitter(rng, us(50), us(400)) : jitter(rng, ms(8), ms(60)));
  const Bytes answer = response_for(q, lookup);
  send_udp(path, reply_at, false, port, 53, answer);
  GroundTruth response = dns_row(path, port, 53, "udp", "dns", reply_at);
  response.encapsulation = path.encapsulation_names(answer.size() + 8);
  fill_dns_response(response, lookup);
  world.add_truth(response);
  return reply_at;
}

TimestampNs dns_tcp(World& world, const FlowEnds& ends, TimestampNs at,
                    const std::vector<DnsLookup>& lookups) {
  Rng rng = world.rng().fork();
  Path path(ends.path, world.sink(), *ends.client, *ends.server, ends.family);
  TcpFlow tcp(path, rng, ends.client->ephemeral_port(rng), 53, at, ends.server->rtt);
  tcp.handshake();
  std::vector<DnsQuestion> questions;
  for (const DnsLookup& lookup : lookups)
    questions.push_back(question_for(lookup, rng));
  auto exchange = [&](std::size_t first, std::size_t count, bool split_answer) {
    Bytes queries;
    Bytes answers;
    for (std::size_t i = first; i < first + count; ++i) {
      append_length_prefixed(queries, build_dns_query(questions[i]));
      append_length_prefixed(answers, response_for(questions[i], lookups[i]));
    }
    tcp.client_write(queries, us(200));
    for (std::size_t i = first; i < first + count; ++i) {
      GroundTruth row = dns_row(path, tcp.client_port(), 53, "tcp", "dns", tcp.now());
      fill_dns_query(row, lookups[i]);
      world.add_truth(row);
    }
    std::vector<std::size_t> cuts;
    if (split_answer) cuts.push_back(answers.size() / 2);
    tcp.server_reply(answers, jitter(rng, us(100), ms(3)), cuts);
    for (std::size_t i = first; i < first + count; ++i) {
      GroundTruth row = dns_row(path, tcp.client_port(), 53, "tcp", "dns", tcp.now());
      fill_dns_response(row, lookups[i]);
      world.add_truth(row);
    }
  };
  const std::size_t batched = std::min<std::size_t>(2, lookups.size());
  if (batched > 0) exchange(0, batched, false);
  for (std::size_t i = batched; i < lookups.size(); ++i)
    exchange(i, 1, true);
  tcp.close(true, ms(20));
  return tcp.now();
}

TimestampNs mdns_exchange(World& world, Host& querier, Host& responder, TimestampNs at,
                          const std::string& name) {
  Rng rng = world.rng().fork();
  Host group = make_server(rng, ipv4_address(224, 0, 0, 251), 0);
  group.mac = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
  Host& group_host = world.add_host(group);
  PathConfig config = world.plain_path();
  config.server_on_link = true;
  config.ttl_override = 255;
  DnsLookup lookup;
  lookup.name = name;
  DnsQuestion q;
  q.flags = 0;
  q.name = name;
  q.edns = false;
  Path query_path(config, world.sink(), querier, group_host, 4);
  send_udp(query_path, at, true, 5353, 5353, build_dns_query(q));
  GroundTruth query = dns_row(query_path, 5353, 5353, "udp", "mdns", at);
  fill_dns_query(query, lookup);
  world.add_truth(query);

  // Responders answer to the group without repeating the question (RFC 6762 6), with the
  // cache-flush bit on unique records.
  DnsRecord record;
  record.name = name;
  record.klass = 0x8001;
  record.ttl = 120;
  record.address = responder.ipv4;
  Bytes answer;
  ByteWriter w(answer);
  w.be16(0).be16(0x8400).be16(0).be16(1).be16(0).be16(0);
  DnsNameWriter names(answer);
  names.write(record.name);
  w.be16(kDnsTypeA).be16(record.klass).be32(record.ttl).be16(4);
  w.bytes(ByteSpan(record.address.bytes.data(), 4));
  const TimestampNs reply_at = at + jitter(rng, ms(1), ms(40));
  Path answer_path(config, world.sink(), responder, group_host, 4);
  send_udp(answer_path, reply_at, true, 5353, 5353, answer);
  GroundTruth response = dns_row(answer_path, 5353, 5353, "udp", "mdns", reply_at);
  response.dns_response = true;
  response.dns_answers = 1;
  world.add_truth(response);
  return reply_at;
}

TimestampNs llmnr_exchange(World& world, Host& querier, Host& responder, TimestampNs at,
                           const std::string& name) {
  Rng rng = world.rng().fork();
  Host group = make_server(rng, ipv4_address(224, 0, 0, 252), 0);
  group.mac = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfc};
  Host& group_host = world.add_host(group);
  PathConfig config = world.plain_path();
  config.server_on_link = true;
  config.ttl_override = 1;  // RFC 4795 2.5: link-scope only
  DnsLookup lookup;
  lookup.name = name;
  DnsQuestion q;
  q.id = static_cast<std::uint16_t>(rng.next());
  q.flags = 0;
  q.name = name;
  q.edns = false;
  const std::uint16_t port = random_port(rng);
  Path query_path(config, world.sink(), querier, group_host, 4);
  send_udp(query_path, at, true, port, 5355, build_dns_query(q));
  GroundTruth query = dns_row(query_path, port, 5355, "udp", "llmnr", at);
  fill_dns_query(query, lookup);
  world.add_truth(query);

  DnsRecord record;
  record.name = name;
  record.ttl = 30;
  record.address = responder.ipv4;
  lookup.answers.push_back(record);
  PathConfig unicast = world.plain_path();
  unicast.server_on_link = true;
  Path answer_path(unicast, world.sink(), querier, responder, 4);
  const TimestampNs reply_at = at + jitter(rng, us(300), ms(5));
  send_udp(answer_path, reply_at, false, port, 5355, build_dns_response(q, 0x8000, lookup.answers));
  GroundTruth response = dns_row(answer_path, port, 5355, "udp", "llmnr", reply_at);
  fill_dns_response(response, lookup);
  world.add_truth(response);
  return reply_at;
}

namespace {

GroundTruth tls_row(const Path& path, const TcpFlow& tcp, const TlsSession& session,
                    const ClientHello& hello) {
  GroundTruth row;
  row.kind = "tls";
  row.ts = tcp.now();
  World::describe_flow(row, path, tcp.client_port(), tcp.server_port(), "tcp");
  row.sni = session.hello.sni;
  row.alpn = join(session.hello.alpn);
  row.ja3 = hello.ja3;
  row.ech = hello.ech_extension;
  row.tls_version = session.server_answers ? (hello.tls13 ? 0x0304 : 0x0303) : 0;
  World::apply_labels(row, session.labels);
  return row;
}

// ServerHello, ChangeCipherSpec, then the sealed rest of the server's handshake: TLS 1.3's
// EncryptedExtensions through Finished, or a resumed TLS 1.2 session's Finished.
Bytes server_first_flight(const ClientHello& hello, const TlsSession& session, Rng& rng) {
  Bytes flight;
  append_records(flight, kTlsHandshake, 0x0303,
                 build_server_hello(hello, session.cipher, session.server_alpn, rng));
  append_change_cipher_spec(flight);
  if (hello.tls13) {
    append_opaque_record(flight, kTlsApplicationData, rng.range(2400, 4800), rng);
  } else {
    append_opaque_record(flight, kTlsHandshake, 40, rng);
  }
  return flight;
}

// The client's request; the first also carries its ChangeCipherSpec and Finished.
Bytes client_request(const ClientHello& hello, const TlsSession& session, bool first, Rng& rng) {
  Bytes flight;
  if (first) {
    append_change_cipher_spec(flight);
    append_opaque_record(flight, hello.tls13 ? kTlsApplicationData : kTlsHandshake,
                         hello.tls13 ? 53 : 40, rng);
  }
  append_opaque_record(flight, kTlsApplicationData, session.request_bytes + rng.below(200), rng);
  return flight;
}

// The response; TLS 1.3 servers send two session tickets after the handshake.
Bytes server_response(const ClientHello& hello, const TlsSession& session, bool first, Rng& rng) {
  Bytes flight;
  if (first && hello.tls13) {
    append_opaque_record(flight, kTlsApplicationData, rng.range(200, 280), rng);
    append_opaque_record(flight, kTlsApplicationData, rng.range(200, 280), rng);
  }
  std::size_t remaining = session.response_bytes + rng.below(session.response_bytes / 4 + 1);
  while (remaining > 0) {
    const std::size_t record = std::min<std::size_t>(remaining, 16401);
    append_opaque_record(flight, kTlsApplicationData, record, rng);
    remaining -= record;
  }
  return flight;
}

}  // namespace

TimestampNs tls_connection(World& world, const FlowEnds& ends, TimestampNs at,
                           const TlsSession& session) {
  Rng rng = world.rng().fork();
  Path path(ends.path, world.sink(), *ends.client, *ends.server, ends.family);
  TcpFlow tcp(path, rng, ends.client->ephemeral_port(rng), session.server_port, at,
              ends.server->rtt, session.rate_mbps);
  tcp.handshake();
  const ClientHello hello = build_client_hello(session.hello, rng);
  Bytes flight;
  append_records(flight, kTlsHandshake, hello.record_version, hello.message);
  tcp.client_write(flight, jitter(rng, us(150), us(900)));
  world.add_truth(tls_row(path, tcp, session, hello));
  if (!session.server_answers) {
    tcp.reset(false, jitter(rng, us(200), ms(2)) + tcp.rtt());
    return tcp.now();
  }
  // Each pause is drawn before the bytes it precedes (see make_token in http_content.cc).
  const TimestampNs first_flight_pause = jitter(rng, us(300), ms(6));
  tcp.server_reply(server_first_flight(hello, session, rng), first_flight_pause);
  for (std::size_t round = 0; round < session.rounds; ++round) {
    const bool first = round == 0;
    const TimestampNs request_pause =
        first ? jitter(rng, us(100), us(600)) : jitter(rng, ms(20), ms(900));
    tcp.client_write(client_request(hello, session, first, rng), request_pause);
    const TimestampNs response_pause = jitter(rng, ms(1), ms(40));
    tcp.server_reply(server_response(hello, session, first, rng), response_pause);
  }
  // close_notify travels sealed: as application data in TLS 1.3, as an alert record in 1.2.
  flight.clear();
  append_opaque_record(flight, hello.tls13 ? kTlsApplicationData : 21, hello.tls13 ? 19 : 26, rng);
  const bool client_closes =
      session.close == TcpClose::kClientFin || session.close == TcpClose::kClientReset;
  if (client_closes) {
    tcp.client_write(flight, jitter(rng, ms(50), sec(2)));
  } else {
    tcp.server_write(flight, jitter(rng, ms(50), sec(2)));
  }
  close_tcp(tcp, session.close, jitter(rng, us(50), us(300)));
  return tcp.now();
}

namespace {

Bytes quic_transport_parameters(ByteSpan scid, std::uint32_t version, Rng& rng) {
  Bytes out;
  ByteWriter w(out);
  auto integer = [&](std::uint64_t id, std::uint64_t value) {
    Bytes encoded;
    ByteWriter(encoded).varint(value);
    w.varint(id).varint(encoded.size()).bytes(encoded);
  };
  integer(0x01, 30000);                            // max_idle_timeout
  integer(0x03, 1472);                             // max_udp_payload_size
  integer(0x04, 15728640);                         // initial_max_data
  integer(0x05, 6291456);                          // initial_max_stream_data_bidi_local
  integer(0x06, 6291456);                          // initial_max_stream_data_bidi_remote
  integer(0x07, 6291456);                          // initial_max_stream_data_uni
  integer(0x08, 100);                              // initial_max_streams_bidi
  integer(0x09, 103);                              // initial_max_streams_uni
  w.varint(0x0f).varint(scid.size()).bytes(scid);  // initial_source_connection_id
  // version_information (RFC 9368): chosen version, then the versions the client supports.
  w.varint(0x11).varint(12).be32(version).be32(kQuicVersion2).be32(kQuicVersion1);
  // A reserved (GREASE) parameter, id 31 * N + 27.
  const std::uint64_t grease_id = 31 * rng.range(1, 1000) + 27;
  w.varint(grease_id).varint(4);
  Bytes noise(4);
  rng.fill(noise);
  w.bytes(noise);
  return out;
}

struct InitialPlan {
  std::vector<Bytes> frames;  // plaintext frames of each client Initial, padded to capacity
};

InitialPlan plan_client_initials(ByteSpan crypto, std::size_t capacity, bool scramble, Rng& rng) {
  constexpr std::size_t kReserve = 60;  // frame headers, PINGs and PADDING runs
  const std::size_t per_packet = capacity - kReserve;
  const std::size_t packets =
      std::max<std::size_t>(1, (crypto.size() + per_packet - 1) / per_packet);
  const std::size_t share = (crypto.size() + packets - 1) / packets;
  InitialPlan plan;
  plan.frames.resize(packets);
  for (std::size_t p = 0; p < packets; ++p) {
    // Scrambled: the first packet carries the last part of the ClientHello.
    const std::size_t range = scramble ? packets - 1 - p : p;
    const std::size_t begin = range * share;
    const std::size_t end = std::min(crypto.size(), begin + share);
    std::vector<std::pair<std::size_t, std::size_t>> pieces;
    if (scramble && end - begin > 64) {
      const std::size_t a = begin + rng.range(16, (end - begin) / 2);
      const std::size_t b = a + rng.range(8, (end - a) / 2);
      pieces = {{begin, a}, {a, b}, {b, end}};
      for (std::size_t i = pieces.size(); i > 1; --i)
        std::swap(pieces[i - 1], pieces[rng.below(i)]);
    } else {
      pieces = {{begin, end}};
    }
    Bytes& frames = plan.frames[p];
    for (const auto& [from, to] : pieces) {
      if (scramble && rng.chance(0.6)) frames.push_back(0x01);           // PING
      if (scramble) frames.insert(frames.end(), rng.range(1, 8), 0x00);  // PADDING
      append_crypto_frame(frames, from, crypto.subspan(from, to - from));
    }
    if (frames.size() < capacity) frames.resize(capacity, 0x00);
  }
  return plan;
}

std::size_t long_header_length(std::size_t dcid, std::size_t scid, bool initial,
                               std::size_t pn_length) {
  return 1 + 4 + 1 + dcid + 1 + scid + (initial ? 1 : 0) + 2 + pn_length;
}

}  // namespace

namespace {

constexpr std::size_t kQuicTag = 16;
constexpr std::size_t kClientDatagram = 1250;  // Chromium's Initial datagram size

// One QUIC connection from the client's first Initial to the end of the response, in the order
// the packets pass the sensor.
class QuicConversation {
 public:
  QuicConversation(World& world, const FlowEnds& ends, const QuicSession& session)
      : rng_(world.rng().fork()),
        path_(ends.path, world.sink(), *ends.client, *ends.server, ends.family),
        session_(session),
        port_(random_port(rng_)),
        rtt_(ends.server->rtt),
        dcid_(8),
        scid_(session.hello.client == TlsClient::kChrome ? 0 : 8),
        server_cid_(8) {
    rng_.fill(dcid_);
    rng_.fill(scid_);
    rng_.fill(server_cid_);
    spec_ = session.hello;
    spec_.quic = true;
    spec_.quic_transport_parameters = quic_transport_parameters(scid_, session.version, rng_);
    hello_ = build_client_hello(spec_, rng_);
    derive_initial_keys(session.version, dcid_, false, client_keys_);
    derive_initial_keys(session.version, dcid_, true, server_keys_);
  }

  TimestampNs run(World& world, TimestampNs at) {
    t_ = at;
    client_initials();
    world.add_truth(truth(at));
    server_flight();
    client_handshake();
    one_rtt();
    return t_;
  }

 private:
  void send(bool from_client, const Bytes& datagram) {
    send_udp(path_, t_, from_client, port_, 443, datagram);
  }

  void client_initials() {
    const std::size_t capacity =
        kClientDatagram - long_header_length(dcid_.size(), scid_.size(), true, 1) - kQuicTag;
    const InitialPlan plan =
        plan_client_initials(hello_.message, capacity, session_.scramble, rng_);
    for (const Bytes& frames : plan.frames) {
      Bytes packet;
      const LongHeader header{
          session_.version, QuicPacketType::kInitial, dcid_, scid_, client_pn_++, 1};
      append_protected_long_packet(packet, header, frames, client_keys_);
      send(true, packet);
      t_ += jitter(rng_, us(20), us(120));
    }
  }

  GroundTruth truth(TimestampNs at) const {
    GroundTruth row;
    row.kind = "quic";
    row.ts = at;
    World::describe_flow(row, path_, port_, 443, "udp");
    row.sni = spec_.sni;
    row.alpn = join(spec_.alpn);
    row.ja3 = hello_.ja3;
    row.ech = hello_.ech_extension;
    row.quic_version = session_.version;
    row.quic_dcid = hex_of(dcid_);
    World::apply_labels(row, session_.labels);
    return row;
  }

  // The server's Initial (ACK and ServerHello) coalesced with its first Handshake packet, then
  // the rest of the certificate flight.
  void server_flight() {
    t_ += rtt_ + jitter(rng_, us(200), ms(3));
    Bytes frames;
    append_ack_frame(frames, client_pn_ - 1, rng_.range(0, 40));
    append_crypto_frame(frames, 0, build_server_hello(hello_, 0x1301, "", rng_));
    Bytes packet;
    const LongHeader initial{session_.version, QuicPacketType::kInitial, scid_, server_cid_, 0, 2};
    append_protected_long_packet(packet, initial, frames, server_keys_);
    LongHeader handshake{session_.version, QuicPacketType::kHandshake, scid_, server_cid_, 0, 2};
    const std::size_t room = 1200 - std::min<std::size_t>(packet.size(), 1100);
    append_opaque_long_packet(
        packet, handshake, room - long_header_length(scid_.size(), 8, false, 2) - kQuicTag, rng_);
    send(false, packet);
    for (std::uint64_t pn = 1; pn <= 2; ++pn) {
      packet.clear();
      handshake.packet_number = pn;
      append_opaque_long_packet(packet, handshake, pn == 1 ? 1150 : rng_.range(300, 900), rng_);
      t_ += jitter(rng_, us(30), us(200));
      send(false, packet);
    }
  }

  // The client's Initial ACK, padded, coalesced with its Handshake Finished.
  void client_handshake() {
    t_ += jitter(rng_, us(300), ms(2));
    Bytes handshake;
    const LongHeader finished{
        session_.version, QuicPacketType::kHandshake, server_cid_, scid_, 0, 1};
    append_opaque_long_packet(handshake, finished, 58, rng_);
    Bytes frames;
    append_ack_frame(frames, 0, rng_.range(0, 20));
    const std::size_t overhead = long_header_length(8, scid_.size(), true, 1) + kQuicTag;
    frames.resize(kClientDatagram - handshake.size() - overhead, 0x00);
    Bytes packet;
    const LongHeader ack{
        session_.version, QuicPacketType::kInitial, server_cid_, scid_, client_pn_++, 1};
    append_protected_long_packet(packet, ack, frames, client_keys_);
    ByteWriter(packet).bytes(handshake);
    send(true, packet);
  }

  // 1-RTT: the request, then the response in full-size packets with an ACK every second one.
  void one_rtt() {
    Bytes packet;
    append_opaque_short_packet(packet, server_cid_, rng_.range(60, 400), rng_);
    t_ += jitter(rng_, us(50), us(300));
    send(true, packet);
    t_ += rtt_ + jitter(rng_, ms(1), ms(30));
    std::size_t remaining = session_.response_bytes;
    for (int n = 1; remaining > 0; ++n) {
      const std::size_t size = std::min<std::size_t>(remaining, 1200);
      remaining -= size;
      packet.clear();
      append_opaque_short_packet(packet, scid_, size, rng_);
      send(false, packet);
      if (n % 2 == 0 || remaining == 0) {
        packet.clear();
        append_opaque_short_packet(packet, server_cid_, rng_.range(8, 24), rng_);
        const TimestampNs data_at = t_;
        t_ += jitter(rng_, us(40), us(400));
        send(true, packet);
        t_ = data_at;
      }
      t_ += jitter(rng_, us(80), us(250));
    }
  }

  Rng rng_;
  Path path_;
  const QuicSession& session_;
  std::uint16_t port_;
  TimestampNs rtt_;
  Bytes dcid_;
  Bytes scid_;
  Bytes server_cid_;
  ClientHelloSpec spec_;
  ClientHello hello_;
  QuicKeys client_keys_;
  QuicKeys server_keys_;
  TimestampNs t_ = 0;
  std::uint64_t client_pn_ = 0;
};

}  // namespace

TimestampNs quic_connection(World& world, const FlowEnds& ends, TimestampNs at,
                            const QuicSession& session) {
  QuicConversation conversation(world, ends, session);
  return conversation.run(world, at);
}

TimestampNs ntp_exchange(World& world, const FlowEnds& ends, TimestampNs at) {
  Rng rng = world.rng().fork();
  Path path(ends.path, world.sink(), *ends.client, *ends.server, ends.family);
  const bool windows = ends.client->os == HostOs::kWindows;
  const std::uint16_t port = windows ? 123 : random_port(rng);
  auto ntp_time = [](ByteWriter& w, TimestampNs ts) {
    const std::uint64_t seconds = static_cast<std::uint64_t>(ts / kNsPerSecond + kNtpEraOffset);
    const std::uint64_t fraction =
        (static_cast<std::uint64_t>(ts % kNsPerSecond) << 32) / kNsPerSecond;
    w.be32(seconds).be32(fraction);
  };
  Bytes request;
  ByteWriter q(request);
  q.u8(windows ? 0x1b : 0x23).u8(0).u8(windows ? 10 : 6).u8(0xe9);  // client mode
  q.be32(0).be32(0).be32(0);
  q.zeros(24);
  ntp_time(q, at);
  send_udp(path, at, true, port, 123, request);

  const TimestampNs reply_at = at + ends.server->rtt + jitter(rng, us(20), us(200));
  Bytes reply;
  ByteWriter r(reply);
  r.u8(0x24).u8(2).u8(request[2]).u8(0xe7);  // server mode, stratum 2
  r.be32(rng.range(0x100, 0x800)).be32(rng.range(0x200, 0x1000));
  r.be32(static_cast<std::uint32_t>(rng.next()));  // reference id: upstream server address
  ntp_time(r, at - sec(static_cast<std::int64_t>(rng.range(20, 900))));
  r.bytes(ByteSpan(request.data() + 40, 8));  // origin = client's transmit time
  const TimestampNs served = at + ends.server->rtt / 2;
  ntp_time(r, served);
  ntp_time(r, served + us(15));
  send_udp(path, reply_at, false, port, 123, reply);
  return reply_at;
}

TimestampNs icmp_echo(World& world, const FlowEnds& ends, TimestampNs at, int count) {
  Rng rng = world.rng().fork();
  Path path(ends.path, world.sink(), *ends.client, *ends.server, 4);
  const bool windows = ends.client->os == HostOs::kWindows;
  const std::uint16_t id = static_cast<std::uint16_t>(windows ? 1 : rng.next());
  TimestampNs t = at;
  const std::uint16_t first_seq = static_cast<std::uint16_t>(windows ? rng.range(1, 400) : 1);
  for (int i = 0; i < count; ++i) {
    Bytes payload;
    ByteWriter p(payload);
    if (windows) {
      p.text("abcdefghijklmnopqrstuvwabcdefghi");
    } else {
      // Linux ping: a struct timeval, then bytes 0x10, 0x11, ... up to 56 bytes.
      p.le64(static_cast<std::uint64_t>(t / kNsPerSecond))
          .le64(static_cast<std::uint64_t>((t % kNsPerSecond) / 1000));
      for (std::uint8_t b = 0x10; payload.size() < 56; ++b)
        p.u8(b);
    }
    for (std::uint8_t type : {std::uint8_t{8}, std::uint8_t{0}}) {
      Bytes icmp;
      ByteWriter w(icmp);
      w.u8(type).u8(0).be16(0).be16(id).be16(first_seq + i).bytes(payload);
      put_be16(icmp.data() + 2, internet_checksum(icmp));
      const bool request = type == 8;
      path.send(request ? t : t + ends.server->rtt, request, kProtoIcmp, icmp, !windows);
    }
    t += sec(1) + jitter(rng, 0, us(500));
  }
  return t;
}

TimestampNs arp_exchange(World& world, Host& asker, TimestampNs at) {
  Rng rng = world.rng().fork();
  Host& gateway = world.gateway();
  PathConfig config = world.plain_path();
  Path path(config, world.sink(), asker, gateway, 4);
  auto arp = [](Bytes& out, std::uint16_t op, const Host& sender, const MacAddress& target_mac,
                const IpAddress& target_ip) {
    ByteWriter w(out);
    w.be16(1).be16(0x0800).u8(6).u8(4).be16(op);
    w.bytes(sender.mac).bytes(ByteSpan(sender.ipv4.bytes.data(), 4));
    w.bytes(target_mac).bytes(ByteSpan(target_ip.bytes.data(), 4));
  };
  Bytes request;
  arp(request, 1, asker, MacAddress{}, gateway.ipv4);
  path.send_link(at, true, kEthertypeArp, request, MacAddress{0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  Bytes reply;
  arp(reply, 2, gateway, asker.mac, asker.ipv4);
  const TimestampNs reply_at = at + jitter(rng, us(200), ms(2));
  path.send_link(reply_at, false, kEthertypeArp, reply, asker.mac);
  return reply_at;
}

TimestampNs bulk_http_download(World& world, const FlowEnds& ends, TimestampNs at,
                               const std::string& host, std::size_t bytes, Labels labels) {
  Rng rng = world.rng().fork();
  HttpConnection connection;
  connection.rate_mbps = static_cast<std::uint32_t>(rng.range(40, 400));
  connection.close = TcpClose::kClientFin;
  connection.idle_before_close = ms(static_cast<std::int64_t>(rng.range(5, 200)));
  HttpExchange e;
  const std::string file = make_token(TokenStyle::kUuid, rng, "");
  e.request = browser_request(Browser::kEdge, host,
                              "/filestreamingservice/files/" + file + "?P1=" +
                                  std::to_string(rng.range(1700000000, 1799999999)) + "&P2=404",
                              "*/*", "", "");
  Bytes body(bytes);
  rng.fill(body);
  e.response = content_response("application/octet-stream", std::move(body), at, false, rng);
  e.labels = labels;
  connection.exchanges.push_back(std::move(e));
  return http_connection(world, ends, at, connection);
}

TimestampNs bulk_tls_download(World& world, const FlowEnds& ends, TimestampNs at,
                              const std::string& sni, std::size_t bytes) {
  Rng rng = world.rng().fork();
  TlsSession session;
  session.hello.client = rng.chance(0.5) ? TlsClient::kChrome : TlsClient::kFirefox;
  session.hello.sni = sni;
  session.hello.alpn = {"h2", "http/1.1"};
  session.response_bytes = bytes;
  session.rate_mbps = static_cast<std::uint32_t>(rng.range(40, 400));
  return tls_connection(world, ends, at, session);
}

}  // namespace bw::gen
