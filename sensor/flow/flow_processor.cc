#include "sensor/flow/flow_processor.h"

#include <algorithm>
#include <cstring>

#include "sensor/extract/quic/quic_packet.h"

namespace bw::flow {
namespace {

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kFin = 0x01;
constexpr std::uint8_t kSyn = 0x02;
constexpr std::uint8_t kRst = 0x04;
constexpr std::uint8_t kAck = 0x10;
constexpr int kClientToServer = 0;
constexpr int kServerToClient = 1;
constexpr std::uint64_t kUdpDecisionDatagrams = 4;
constexpr std::uint16_t kSsdpPort = 1900;

// Nonzero hash of a connection ID.
std::uint32_t connection_id_hash(ByteSpan id) {
  std::uint32_t hash = 2166136261u ^ static_cast<std::uint32_t>(id.size());
  for (const std::uint8_t byte : id)
    hash = (hash ^ byte) * 16777619u;
  return hash | 1u;
}

// The long header at the start of a datagram, when there is one that parses.
bool quic_long_header(ByteSpan payload, extract::quic::LongHeader& header) {
  return !payload.empty() && (payload[0] & 0x80) != 0 &&
         extract::quic::parse_long_header(payload, header) == extract::quic::HeaderResult::kOk;
}

bool is_dns_port(std::uint16_t port) {
  return port == 53 || port == 5353 || port == 5355;
}
bool is_smtp_port(std::uint16_t port) {
  return port == 25 || port == 587 || port == 2525;
}
// IMAP and POP3 on their plaintext ports, where STARTTLS/STLS may upgrade the session.
bool is_starttls_port(std::uint16_t port) {
  return port == 143 || port == 110;
}

// Ports that identify the server side of a flow seen without its handshake: the system range and
// the few registered ports beacon-relevant traffic uses above it.
bool is_service_port(std::uint16_t port) {
  switch (port) {
    case 1900:  // SSDP
    case 3478:  // STUN
    case 5353:  // mDNS
    case 5355:  // LLMNR
    case 8080:
    case 8443:
      return true;
    default:
      return port < 1024;
  }
}

}  // namespace

FlowProcessor::FlowProcessor(const FlowConfig& config, EventSink& sink)
    : config_(config),
      sink_(sink),
      table_(config.max_flows),
      classifier_(config.classifier),
      stream_buffers_(config.stream_buffers, config.stream_buffer_bytes),
      reassembler_(config.reassembly),
      http_sessions_(config.http_sessions),
      tls_sessions_(config.tls_sessions),
      quic_sessions_(config.quic_sessions),
      smtp_sessions_(config.smtp_sessions),
      starttls_sessions_(config.starttls_sessions) {
  expiry_batch_.reserve(table_.capacity());
  expired_holes_.reserve(config.reassembly.windows);
}

// ---------------------------------------------------------------------------------------------
// Flow lookup and orientation

void FlowProcessor::orient_new_flow(Flow& flow, const decode::DecodedPacket& packet) {
  // The SYN's sender is the client; a SYN-ACK's receiver is. Without a handshake, a packet from a
  // service port to another port is taken as the server's (a DNS or LLMNR response seen without
  // its query); otherwise the first sender is the client.
  bool sender_is_client = true;
  if (packet.ip_protocol == kTcp && (packet.tcp_flags & kSyn) != 0) {
    sender_is_client = (packet.tcp_flags & kAck) == 0;
  } else if (is_service_port(packet.src_port) && !is_service_port(packet.dst_port)) {
    sender_is_client = false;
  }
  if (sender_is_client) {
    flow.client_ip = packet.src_ip, flow.client_port = packet.src_port;
    flow.server_ip = packet.dst_ip, flow.server_port = packet.dst_port;
  } else {
    flow.client_ip = packet.dst_ip, flow.client_port = packet.dst_port;
    flow.server_ip = packet.src_ip, flow.server_port = packet.src_port;
  }
  flow.client_is_a = flow.client_ip == flow.key.a_ip && flow.client_port == flow.key.a_port;
}

std::uint32_t FlowProcessor::lookup_or_create(const decode::DecodedPacket& packet,
                                              const FlowKey& key, bool src_is_a,
                                              bool& from_client) {
  const std::uint64_t hash = hash_flow_key(key);
  std::uint32_t index = table_.find(key, hash);
  if (index != kNoIndex && packet.ip_protocol == kTcp &&
      (packet.tcp_flags & (kSyn | kAck)) == kSyn &&
      timeout_class_of(table_.at(index)) == TimeoutClass::kTcpClosed) {
    // A new connection on the 5-tuple of one that has closed: the client reused its port before
    // the closed-flow timeout. Fed to the old flow, its data would go to a parser already done.
    ++counters_.tcp_port_reuses;
    finish_flow(index);
    index = kNoIndex;
  } else if (index != kNoIndex && packet.ip_protocol == kUdp &&
             table_.at(index).quic_original_dcid != 0 &&
             packet.src_port == table_.at(index).client_port &&
             packet.src_ip == table_.at(index).client_ip) {
    // The same for QUIC: a client Initial to a connection ID this connection never used, on the
    // tuple of one whose Initial was already reported, is another connection.
    const Flow& flow = table_.at(index);
    extract::quic::LongHeader header;
    if (extract::quic::looks_like_quic_initial(packet.payload()) &&
        quic_long_header(packet.payload(), header)) {
      const std::uint32_t dcid = connection_id_hash(header.dcid);
      if (dcid != flow.quic_original_dcid && dcid != flow.quic_server_cid) {
        ++counters_.udp_port_reuses;
        finish_flow(index);
        index = kNoIndex;
      }
    }
  }
  if (index == kNoIndex) {
    if (table_.full()) {
      ++table_.counters().flows_evicted_capacity;
      finish_flow(table_.least_recently_active());
    }
    index = table_.insert(key, hash);
    Flow& flow = table_.at(index);
    flow.protocol = packet.ip_protocol;
    flow.first_ts = context_.ts;
    flow.order = context_.seq;
    flow.vlan_id = packet.outer_vlan_id;
    flow.encapsulation = packet.encapsulation;
    flow.source_index = context_.source_index;
    orient_new_flow(flow, packet);
  }
  from_client = table_.at(index).client_is_a == src_is_a;
  return index;
}

TimeoutClass FlowProcessor::timeout_class_of(const Flow& flow) const {
  if (flow.protocol != kTcp) return TimeoutClass::kOther;
  const bool closed = flow.rst_seen || (flow.tcp[0].fin_seen && flow.tcp[1].fin_seen);
  return closed ? TimeoutClass::kTcpClosed : TimeoutClass::kTcpOpen;
}

bool FlowProcessor::handshake_named_by_us(const Flow& flow, int direction,
                                          const decode::DecodedPacket& packet) const {
  if (flow.app != AppKind::kUndecided || direction != kClientToServer) return false;
  const ByteSpan payload = packet.payload();
  if (payload.empty()) return false;
  // The same tests, in the same order, that then decide the flow's parser (decide_tcp_app and
  // on_udp), on the first client payload.
  if (packet.ip_protocol == kTcp) {
    return !is_dns_port(flow.server_port) && extract::tls::looks_like_tls_handshake(payload);
  }
  if (packet.ip_protocol != kUdp || is_dns_port(flow.server_port) ||
      is_dns_port(flow.client_port) || flow.server_port == kSsdpPort ||
      flow.client_port == kSsdpPort) {
    return false;
  }
  // Our parser reads every version with known Initial keys (v1, v2, drafts 22-34, mvfst, Q050,
  // T050/T051) and Google QUIC's cleartext CHLO (Q024-Q046): those are named here. An Initial of
  // an unknown or greased version is read only if it authenticates under v1's keys, which its
  // first datagram cannot promise, so it still goes to nDPI.
  const extract::quic::QuicInitialKind kind = extract::quic::classify_quic_initial(payload);
  return kind == extract::quic::QuicInitialKind::kKnownVersion ||
         kind == extract::quic::QuicInitialKind::kGoogleCleartext;
}

void FlowProcessor::name_handshake(Flow& flow, classify::NdpiClassifier::Handshake handshake,
                                   const extract::TlsClientHello& hello) {
  if (!flow.handshake_naming) return;
  flow.handshake_naming = false;
  classifier_.name_from_handshake(flow.classification, handshake, hello.sni.view(), flow.client_ip,
                                  flow.server_ip);
}

void FlowProcessor::on_packet(const PacketContext& context, const decode::DecodedPacket& packet) {
  context_ = context;
  next_sub_ = 0;
  bool src_is_a = true;
  const FlowKey key = FlowKey::canonical(packet.src_ip, packet.src_port, packet.dst_ip,
                                         packet.dst_port, packet.ip_protocol, src_is_a);
  bool from_client = true;
  const std::uint32_t index = lookup_or_create(packet, key, src_is_a, from_client);
  const int direction = from_client ? kClientToServer : kServerToClient;
  {
    Flow& flow = table_.at(index);
    flow.last_ts = context.ts;
    flow.encapsulation |= packet.encapsulation;  // e.g. only the fragmented response was cut
    ++flow.packets[direction];
    flow.bytes[direction] += packet.datagram.size();
    ++counters_.packets;
    counters_.bytes += packet.datagram.size();
    if (!flow.classification.finished && !flow.handshake_naming) {
      if (handshake_named_by_us(flow, direction, packet)) {
        // Named from our own parse of the ClientHello (name_handshake): nDPI is not fed it.
        flow.handshake_naming = true;
      } else {
        classifier_.inspect(flow.classification, packet.datagram, context.ts);
      }
    }
  }
  if (packet.ip_protocol == kTcp) {
    on_tcp(index, direction, packet);
  } else if (packet.ip_protocol == kUdp) {
    on_udp(index, direction, packet);
  }
  Flow& flow = table_.at(index);
  // kNone: no extractor claims the flow, or its last event is out. nDPI's answer only ever names
  // events, so it stops here rather than after its packet bound or at the flow's end.
  if (flow.app == AppKind::kNone) classifier_.release_unneeded(flow.classification);
  table_.touch(index, timeout_class_of(flow));
}

// ---------------------------------------------------------------------------------------------
// TCP

class FlowProcessor::StreamFeed final : public StreamReceiver {
 public:
  StreamFeed(FlowProcessor& processor, std::uint32_t index, int direction)
      : processor_(processor), index_(index), direction_(direction) {}
  void on_stream_bytes(ByteSpan data) override {
    processor_.deliver_stream(index_, direction_, data);
  }
  void on_stream_gap() override { processor_.on_stream_gap(index_, direction_); }

 private:
  FlowProcessor& processor_;
  std::uint32_t index_;
  int direction_;
};

void FlowProcessor::on_tcp(std::uint32_t index, int direction,
                           const decode::DecodedPacket& packet) {
  Flow& flow = table_.at(index);
  TcpStreamState& stream = flow.tcp[direction].stream;
  std::uint32_t seq = packet.tcp_seq;
  if ((packet.tcp_flags & kSyn) != 0 && !reassembler_.holding(stream)) {
    stream.next_seq = seq + 1;  // the SYN occupies one sequence number
    stream.seq_known = true;
  }
  if ((packet.tcp_flags & kSyn) != 0) seq += 1;
  if ((packet.tcp_flags & kRst) != 0) flow.rst_seen = true;
  TcpStreamState& peer = flow.tcp[1 - direction].stream;
  if ((packet.tcp_flags & kAck) != 0 && !peer.seq_known && (packet.tcp_flags & kRst) == 0) {
    // Joined mid-stream: the acknowledgement says where the other side's next byte starts, so its
    // first segments are put in order even when the later one is captured first.
    peer.next_seq = packet.tcp_ack;
    peer.seq_known = true;
    ++counters_.tcp_midstream_pickups;
  }
  const ByteSpan payload = packet.payload();
  if (!payload.empty()) {
    if (!stream.seq_known) {
      // Joined mid-stream (capture started late, or the SYN was lost): start from here.
      stream.next_seq = seq;
      stream.seq_known = true;
      ++counters_.tcp_midstream_pickups;
    }
    if (flow.app == AppKind::kNone || flow.stream_broken[direction]) {
      // Nothing parses this direction any more: nothing to put in order either.
      reassembler_.discard(stream);
    } else {
      StreamFeed feed(*this, index, direction);
      reassembler_.on_segment(stream, index, direction, seq, payload, context_.ts, feed);
    }
  }
  Flow& current = table_.at(index);
  if ((packet.tcp_flags & kFin) != 0) current.tcp[direction].fin_seen = true;
  // A closed connection carries no more application data: hand its parser and buffers back now
  // rather than after the closed-flow timeout, so busy links do not run the pools dry. Unless a
  // direction still holds segments that came ahead of a hole: a RST or FIN says nothing about the
  // peer's bytes still on their way, and a reordering tap may deliver the missing one after it. The
  // hole's timeout or the flow's end gives those up.
  const bool closed = current.rst_seen || (current.tcp[0].fin_seen && current.tcp[1].fin_seen);
  if (closed && current.app_slot != kNoIndex &&
      !reassembler_.holding(current.tcp[kClientToServer].stream) &&
      !reassembler_.holding(current.tcp[kServerToClient].stream)) {
    finish_app(current);
  }
}

void FlowProcessor::flush_held(std::uint32_t index, TcpReassembler::FlushReason reason) {
  for (const int direction : {kClientToServer, kServerToClient}) {
    TcpStreamState& stream = table_.at(index).tcp[direction].stream;
    if (!reassembler_.holding(stream)) continue;
    StreamFeed feed(*this, index, direction);
    reassembler_.flush(stream, feed, reason);
  }
}

void FlowProcessor::decide_tcp_app(Flow& flow, int direction, ByteSpan first_bytes) {
  if (direction == kServerToClient) {
    // Server-first data says little; DNS over TCP, SMTP, IMAP and POP3 (whose servers greet
    // first) are recognisable by port alone.
    if (!is_dns_port(flow.server_port) && !is_smtp_port(flow.server_port) &&
        !is_starttls_port(flow.server_port)) {
      return;
    }
  }
  AppKind kind = AppKind::kNone;
  if (is_dns_port(flow.server_port)) {
    kind = AppKind::kDnsTcp;
  } else if (extract::tls::looks_like_tls_handshake(first_bytes)) {
    kind = AppKind::kTls;
  } else if (extract::http::looks_like_http_request(first_bytes)) {
    kind = AppKind::kHttp;
  } else if (is_smtp_port(flow.server_port)) {
    kind = AppKind::kSmtp;
  } else if (is_starttls_port(flow.server_port)) {
    kind = AppKind::kStartTls;
  }
  flow.app = kind;
  if (kind == AppKind::kHttp) {
    flow.app_slot = http_sessions_.acquire();
    if (flow.app_slot == kNoIndex) {
      ++counters_.http_session_pool_exhausted;
      flow.app = AppKind::kNone;
      return;
    }
    http_sessions_[flow.app_slot].reset();
  } else if (kind == AppKind::kSmtp) {
    flow.app_slot = smtp_sessions_.acquire();
    if (flow.app_slot == kNoIndex) {
      ++counters_.smtp_session_pool_exhausted;
      flow.app = AppKind::kNone;
      return;
    }
    smtp_sessions_[flow.app_slot].reset();
  } else if (kind == AppKind::kStartTls) {
    flow.app_slot = starttls_sessions_.acquire();
    if (flow.app_slot == kNoIndex) {
      ++counters_.starttls_session_pool_exhausted;
      flow.app = AppKind::kNone;
      return;
    }
    starttls_sessions_[flow.app_slot].reset(flow.server_port == 110
                                                ? extract::starttls::MailProtocol::kPop3
                                                : extract::starttls::MailProtocol::kImap,
                                            starttls_counters_);
  } else if (kind == AppKind::kTls) {
    start_tls_session(flow);
  }
}

void FlowProcessor::start_tls_session(Flow& flow) {
  flow.app_slot = tls_sessions_.acquire();
  if (flow.app_slot == kNoIndex) {
    ++counters_.tls_session_pool_exhausted;
    flow.app = AppKind::kNone;
    return;
  }
  tls_sessions_[flow.app_slot] = TlsSession{};
  flow.app = AppKind::kTls;
}

void FlowProcessor::deliver_stream(std::uint32_t index, int direction, ByteSpan data) {
  Flow& flow = table_.at(index);
  if (flow.app == AppKind::kUndecided) decide_tcp_app(flow, direction, data);
  if (flow.app == AppKind::kUndecided || flow.app == AppKind::kNone ||
      flow.stream_broken[direction]) {
    return;
  }
  std::uint32_t& buffer_index = flow.stream_buffer[direction];
  if (buffer_index == StreamBufferPool::kNone) {
    const std::size_t consumed = parse_stream(index, direction, data);
    if (consumed >= data.size()) return;
    const ByteSpan rest = data.subspan(consumed);
    Flow& current = table_.at(index);
    if (current.app == AppKind::kNone || current.stream_broken[direction]) return;
    if (rest.size() > stream_buffers_.buffer_bytes()) {
      ++counters_.stream_buffer_overflow;
      on_stream_gap(index, direction);
      return;
    }
    buffer_index = stream_buffers_.acquire();
    if (buffer_index == StreamBufferPool::kNone) {
      ++counters_.stream_buffer_exhausted;
      on_stream_gap(index, direction);
      return;
    }
    std::memcpy(stream_buffers_.buffer(buffer_index).data(), rest.data(), rest.size());
    stream_buffers_.size(buffer_index) = static_cast<std::uint32_t>(rest.size());
    return;
  }
  // Bytes are pending: append, parse from the start of the buffer, keep what is still unparsed.
  const std::span<std::uint8_t> buffer = stream_buffers_.buffer(buffer_index);
  std::uint32_t& size = stream_buffers_.size(buffer_index);
  if (data.size() > buffer.size() - size) {
    ++counters_.stream_buffer_overflow;
    on_stream_gap(index, direction);
    return;
  }
  std::memcpy(buffer.data() + size, data.data(), data.size());
  size += static_cast<std::uint32_t>(data.size());
  const std::size_t consumed = parse_stream(index, direction, ByteSpan(buffer.data(), size));
  Flow& current = table_.at(index);
  if (current.stream_buffer[direction] == StreamBufferPool::kNone) return;  // released meanwhile
  if (consumed >= size) {
    release_stream_buffer(current, direction);
    return;
  }
  if (consumed > 0) {
    std::memmove(buffer.data(), buffer.data() + consumed, size - consumed);
    size -= static_cast<std::uint32_t>(consumed);
  }
}

std::size_t FlowProcessor::parse_stream(std::uint32_t index, int direction, ByteSpan data) {
  Flow& flow = table_.at(index);
  event_flow_ = &flow;
  switch (flow.app) {
    case AppKind::kHttp: {
      auto& parser = http_sessions_[flow.app_slot];
      return direction == kClientToServer
                 ? parser.on_client_bytes(data, context_.ts, *this, http_counters_)
                 : parser.on_server_bytes(data, context_.ts, *this, http_counters_);
    }
    case AppKind::kSmtp: {
      auto& session = smtp_sessions_[flow.app_slot];
      const std::size_t consumed =
          direction == kClientToServer
              ? session.on_client_bytes(data, context_.ts, *this, smtp_counters_)
              : session.on_server_bytes(data, context_.ts, *this, smtp_counters_);
      if (!session.tls_started()) return consumed;
      upgrade_to_tls(flow);
      return consumed + parse_stream(index, direction, data.subspan(consumed));
    }
    case AppKind::kStartTls: {
      auto& watcher = starttls_sessions_[flow.app_slot];
      const std::size_t consumed = direction == kClientToServer
                                       ? watcher.on_client_bytes(data, starttls_counters_)
                                       : watcher.on_server_bytes(data, starttls_counters_);
      if (watcher.done()) {
        release_app(flow);
        flow.app = AppKind::kNone;
        return data.size();
      }
      if (!watcher.tls_started()) return consumed;
      upgrade_to_tls(flow);
      return consumed + parse_stream(index, direction, data.subspan(consumed));
    }
    case AppKind::kDnsTcp: {
      const extract::DnsFlavor flavor =
          extract::dns::flavor_for_ports(flow.client_port, flow.server_port);
      return extract::dns::consume_tcp_stream(data, flavor, *this, scratch_dns_, dns_counters_);
    }
    case AppKind::kTls: {
      TlsSession& session = tls_sessions_[flow.app_slot];
      // The TLS parsers read a direction from its first byte, so nothing is consumed until the
      // hello is complete; the stream buffer holds the growing prefix.
      extract::tls::TlsStatus status = extract::tls::TlsStatus::kNeedMore;
      if (direction == kClientToServer) {
        if (session.client_done) return data.size();
        status = extract::tls::parse_client_hello_stream(data, session.record.client_hello,
                                                         tls_counters_);
        if (status == extract::tls::TlsStatus::kNeedMore) return 0;
        session.client_done = true;
        session.record.has_client_hello = status == extract::tls::TlsStatus::kComplete;
        name_handshake(flow, classify::NdpiClassifier::Handshake::kTls,
                       session.record.client_hello);
        if (!session.record.has_client_hello) ++counters_.tls_client_hello_unparsable;
      } else {
        if (session.server_done) return data.size();
        status = extract::tls::parse_server_hello_stream(data, session.record.server_hello,
                                                         tls_counters_);
        if (status == extract::tls::TlsStatus::kNeedMore) return 0;
        session.server_done = true;
        session.record.has_server_hello = status == extract::tls::TlsStatus::kComplete;
        if (!session.record.has_server_hello) ++counters_.tls_server_hello_unparsable;
      }
      if (session.client_done && session.server_done) {
        emit_tls(flow);
        release_app(flow);
        flow.app = AppKind::kNone;
      }
      return data.size();
    }
    default:
      return data.size();
  }
}

void FlowProcessor::upgrade_to_tls(Flow& flow) {
  release_app(flow);
  ++counters_.starttls_upgrades;
  start_tls_session(flow);
}

void FlowProcessor::on_stream_gap(std::uint32_t index, int direction) {
  Flow& flow = table_.at(index);
  release_stream_buffer(flow, direction);
  switch (flow.app) {
    case AppKind::kHttp:
      http_sessions_[flow.app_slot].on_gap(direction == kClientToServer, http_counters_);
      break;
    case AppKind::kSmtp:
      event_flow_ = &flow;
      smtp_sessions_[flow.app_slot].on_gap(direction == kClientToServer, *this, smtp_counters_);
      break;
    case AppKind::kStartTls:
      starttls_sessions_[flow.app_slot].on_gap(direction == kClientToServer);
      break;
    case AppKind::kTls:
    case AppKind::kDnsTcp:
      // Neither can resynchronise inside a stream: stop parsing this direction.
      flow.stream_broken[direction] = true;
      break;
    default:
      break;
  }
}

void FlowProcessor::release_stream_buffer(Flow& flow, int direction) {
  if (flow.stream_buffer[direction] != StreamBufferPool::kNone) {
    stream_buffers_.release(flow.stream_buffer[direction]);
    flow.stream_buffer[direction] = StreamBufferPool::kNone;
  }
}

// ---------------------------------------------------------------------------------------------
// UDP

void FlowProcessor::on_udp(std::uint32_t index, int direction,
                           const decode::DecodedPacket& packet) {
  Flow& flow = table_.at(index);
  const ByteSpan payload = packet.payload();
  if (payload.empty()) return;
  if (flow.app == AppKind::kUndecided) {
    if (is_dns_port(flow.server_port) || is_dns_port(flow.client_port)) {
      flow.app = AppKind::kDnsUdp;
    } else if (flow.server_port == kSsdpPort || flow.client_port == kSsdpPort) {
      flow.app = AppKind::kHttpUdp;
    } else if (direction == kClientToServer && extract::quic::looks_like_quic_initial(payload)) {
      flow.app_slot = quic_sessions_.acquire();
      if (flow.app_slot == kNoIndex) {
        ++counters_.quic_session_pool_exhausted;
        flow.app = AppKind::kNone;
      } else {
        flow.app = AppKind::kQuic;
        quic_sessions_[flow.app_slot].assembler.reset();
        quic_sessions_[flow.app_slot].initial = extract::QuicInitial{};
      }
    } else if (direction == kClientToServer &&
               flow.packets[kClientToServer] >= kUdpDecisionDatagrams) {
      // A client's 0-RTT or a reordered datagram may precede its Initial: decide after a few.
      flow.app = AppKind::kNone;
    }
  }
  event_flow_ = &flow;
  if (flow.app == AppKind::kDnsUdp) {
    scratch_dns_ = extract::DnsMessage{};
    // The flavor is an input: mDNS gives the class field's top bit another meaning.
    scratch_dns_.transport = extract::DnsTransport::kUdp;
    scratch_dns_.flavor = extract::dns::flavor_for_ports(flow.client_port, flow.server_port);
    const extract::dns::DnsParseStatus status =
        extract::dns::parse_message(payload, scratch_dns_, dns_counters_);
    if (status != extract::dns::DnsParseStatus::kMalformed || !scratch_dns_.query_name.empty()) {
      on_dns_message(scratch_dns_);
    }
  } else if (flow.app == AppKind::kHttpUdp) {
    // SSDP: each datagram is one whole HTTP message.
    const std::uint32_t slot = http_sessions_.acquire();
    if (slot == kNoIndex) {
      ++counters_.http_session_pool_exhausted;
      return;
    }
    auto& parser = http_sessions_[slot];
    parser.reset();
    if (direction == kClientToServer) {
      parser.on_client_bytes(payload, context_.ts, *this, http_counters_);
    } else {
      parser.on_server_bytes(payload, context_.ts, *this, http_counters_);
    }
    parser.finish(*this, http_counters_);
    http_sessions_.release(slot);
  } else if (direction == kServerToClient && flow.quic_original_dcid != 0 &&
             flow.quic_server_cid == 0) {
    extract::quic::LongHeader header;
    if (quic_long_header(payload, header)) flow.quic_server_cid = connection_id_hash(header.scid);
  } else if (flow.app == AppKind::kQuic && direction == kClientToServer) {
    QuicSession& session = quic_sessions_[flow.app_slot];
    const extract::quic::QuicStatus status =
        session.assembler.on_client_datagram(payload, session.initial, quic_counters_);
    if (status == extract::quic::QuicStatus::kComplete) {
      name_handshake(flow, classify::NdpiClassifier::Handshake::kQuic,
                     session.initial.client_hello);
      extract::quic::LongHeader header;
      if (quic_long_header(payload, header))
        flow.quic_original_dcid = connection_id_hash(header.dcid);
      exporter::EventRecord& event = begin_event(flow);
      event.body = session.initial;
      commit_event(&FlowCounters::events_quic);
      release_app(flow);
      flow.app = AppKind::kNone;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Events

exporter::EventRecord& FlowProcessor::begin_event(const Flow& flow) {
  exporter::EventRecord& event = scratch_event_;
  event.order = exporter::OrderKey{context_.seq, flow.order, next_sub_++};
  event.ts = context_.ts;
  event.flow.client_ip = flow.client_ip;
  event.flow.server_ip = flow.server_ip;
  event.flow.client_port = flow.client_port;
  event.flow.server_port = flow.server_port;
  event.flow.protocol = flow.protocol;
  event.flow.vlan_id = flow.vlan_id;
  event.flow.encapsulation = flow.encapsulation;
  event.source_index = flow.source_index;
  classifier_.name(flow.classification, event.app_protocol);
  return event;
}

void FlowProcessor::commit_event(std::uint64_t FlowCounters::*counter) {
  ++(counters_.*counter);
  sink_.on_event(scratch_event_);
}

void FlowProcessor::on_http_transaction(const extract::HttpTransaction& transaction) {
  exporter::EventRecord& event = begin_event(*event_flow_);
  event.body = transaction;
  commit_event(&FlowCounters::events_http);
}

void FlowProcessor::on_dns_message(const extract::DnsMessage& message) {
  exporter::EventRecord& event = begin_event(*event_flow_);
  event.body = message;
  auto& dns = std::get<extract::DnsMessage>(event.body);
  if (event_flow_->protocol == kTcp) dns.transport = extract::DnsTransport::kTcp;
  commit_event(&FlowCounters::events_dns);
}

void FlowProcessor::on_mail_url(const extract::smtp::MailMessage& message,
                                const extract::smtp::MailUrl& url) {
  exporter::EventRecord& event = begin_event(*event_flow_);
  event.body = exporter::MailUrlRecord{};
  auto& record = std::get<exporter::MailUrlRecord>(event.body);
  record.url.assign(url.url.view());
  record.message_id.assign(message.message_id.view());
  for (std::size_t i = 0; i < message.recipients.size(); ++i) {
    if (i > 0) record.recipients.push_back(',');
    record.recipients.append(message.recipients[i].view());
  }
  record.subject.assign(message.subject.view());
  commit_event(&FlowCounters::mail_urls);
}

void FlowProcessor::on_mail_message_end(const extract::smtp::MailMessage& /*message*/) {}

void FlowProcessor::emit_tls(Flow& flow) {
  TlsSession& session = tls_sessions_[flow.app_slot];
  if (!session.record.has_client_hello && !session.record.has_server_hello) return;
  exporter::EventRecord& event = begin_event(flow);
  event.body = session.record;
  commit_event(&FlowCounters::events_tls);
}

// ---------------------------------------------------------------------------------------------
// Flow end

void FlowProcessor::release_app(Flow& flow) {
  if (flow.app_slot == kNoIndex) return;
  switch (flow.app) {
    case AppKind::kHttp:
      http_sessions_.release(flow.app_slot);
      break;
    case AppKind::kTls:
      tls_sessions_.release(flow.app_slot);
      break;
    case AppKind::kQuic:
      quic_sessions_.release(flow.app_slot);
      break;
    case AppKind::kSmtp:
      smtp_sessions_.release(flow.app_slot);
      break;
    case AppKind::kStartTls:
      starttls_sessions_.release(flow.app_slot);
      break;
    default:
      break;
  }
  flow.app_slot = kNoIndex;
}

void FlowProcessor::finish_app(Flow& flow) {
  event_flow_ = &flow;
  if (flow.app == AppKind::kHttp) {
    http_sessions_[flow.app_slot].finish(*this, http_counters_);
  } else if (flow.app == AppKind::kSmtp) {
    smtp_sessions_[flow.app_slot].finish(*this, smtp_counters_);
  } else if (flow.app == AppKind::kTls) {
    emit_tls(flow);
  }
  release_app(flow);
  release_stream_buffer(flow, kClientToServer);
  release_stream_buffer(flow, kServerToClient);
  if (flow.app != AppKind::kUndecided) flow.app = AppKind::kNone;
}

void FlowProcessor::finish_flow(std::uint32_t index) {
  if (table_.at(index).protocol == kTcp) {
    flush_held(index, TcpReassembler::FlushReason::kConnectionEnd);
  }
  Flow& flow = table_.at(index);
  classifier_.finish(flow.classification);
  finish_app(flow);
  // Whatever a direction still holds after the flush (a parser finished during it) is dropped.
  reassembler_.discard(flow.tcp[kClientToServer].stream);
  reassembler_.discard(flow.tcp[kServerToClient].stream);
  table_.remove(index);
}

void FlowProcessor::finish_batch() {
  // Flows finish in flow order, not list order, so that events of flows that end together come
  // out in the same order whichever worker held them.
  std::sort(expiry_batch_.begin(), expiry_batch_.end(), [this](std::uint32_t x, std::uint32_t y) {
    return table_.at(x).order < table_.at(y).order;
  });
  for (const std::uint32_t index : expiry_batch_)
    finish_flow(index);
  expiry_batch_.clear();
}

void FlowProcessor::on_tick(const PacketContext& context) {
  context_ = context;
  next_sub_ = 0;
  // Holes that waited too long are given up first: the bytes behind them reach the parsers
  // before any flow is finished at this tick. In flow order, as expiry below.
  expired_holes_.clear();
  reassembler_.for_each_expired(context.ts, [this](std::uint32_t index, int direction) {
    expired_holes_.push_back(std::uint64_t{index} << 1 | static_cast<std::uint64_t>(direction));
  });
  std::sort(expired_holes_.begin(), expired_holes_.end(), [this](std::uint64_t x, std::uint64_t y) {
    const std::uint64_t x_order = table_.at(static_cast<std::uint32_t>(x >> 1)).order;
    const std::uint64_t y_order = table_.at(static_cast<std::uint32_t>(y >> 1)).order;
    return x_order != y_order ? x_order < y_order : x < y;
  });
  for (const std::uint64_t hole : expired_holes_) {
    const auto index = static_cast<std::uint32_t>(hole >> 1);
    const auto direction = static_cast<int>(hole & 1);
    TcpStreamState& stream = table_.at(index).tcp[direction].stream;
    if (!reassembler_.holding(stream)) continue;
    StreamFeed feed(*this, index, direction);
    reassembler_.flush(stream, feed, TcpReassembler::FlushReason::kTimeout);
  }
  // One batch for all classes, so ordering by flow holds across classes too.
  expiry_batch_.clear();
  const std::pair<TimeoutClass, TimestampNs> classes[] = {
      {TimeoutClass::kTcpOpen, config_.tcp_idle_timeout},
      {TimeoutClass::kOther, config_.udp_idle_timeout},
      {TimeoutClass::kTcpClosed, config_.tcp_closed_timeout}};
  std::size_t idle_count = 0;
  for (const auto& [timeout_class, timeout] : classes) {
    for (std::uint32_t index = table_.oldest(timeout_class); index != kNoIndex;
         index = table_.at(index).next) {
      if (table_.at(index).last_ts + timeout > context.ts) break;
      expiry_batch_.push_back(index);
    }
    if (timeout_class != TimeoutClass::kTcpClosed) idle_count = expiry_batch_.size();
  }
  table_.counters().flows_expired_idle += idle_count;
  table_.counters().flows_expired_closed += expiry_batch_.size() - idle_count;
  finish_batch();
}

void FlowProcessor::finish_all(const PacketContext& context) {
  context_ = context;
  next_sub_ = 0;
  expiry_batch_.clear();
  for (int c = 0; c < kTimeoutClasses; ++c) {
    for (std::uint32_t index = table_.oldest(static_cast<TimeoutClass>(c)); index != kNoIndex;
         index = table_.at(index).next) {
      expiry_batch_.push_back(index);
    }
  }
  table_.counters().flows_flushed_at_end += expiry_batch_.size();
  finish_batch();
}

}  // namespace bw::flow
