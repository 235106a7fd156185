#include "tools/generator/tcp_flow.h"

#include <algorithm>

#include "tools/generator/checksum.h"

namespace bw::gen {
namespace {

constexpr std::uint8_t kProtoTcp = 6;
constexpr TimestampNs kDelayedAck = 40'000'000;
constexpr std::size_t kInitialWindowSegments = 10;
constexpr std::size_t kMaxWindowSegments = 256;

bool uses_timestamps(HostOs os) {
  return os != HostOs::kWindows;
}

std::uint32_t syn_window(HostOs os) {
  switch (os) {
    case HostOs::kWindows:
      return 64240;
    case HostOs::kMacos:
      return 65535;
    case HostOs::kLinux:
      return 64240;
    case HostOs::kServer:
      return 65160;
  }
  return 65535;
}

// Receive buffer announced once the connection is up (before scaling).
std::uint32_t established_window(HostOs os) {
  switch (os) {
    case HostOs::kWindows:
      return 262656;
    case HostOs::kMacos:
      return 131712;
    case HostOs::kLinux:
      return 64256;
    case HostOs::kServer:
      return 65152;
  }
  return 65535;
}

}  // namespace

TcpFlow::TcpFlow(Path& path, Rng& rng, std::uint16_t client_port, std::uint16_t server_port,
                 TimestampNs start, TimestampNs rtt, std::uint32_t rate_mbps)
    : path_(path), rng_(rng), now_(start), rtt_(rtt), rate_mbps_(rate_mbps == 0 ? 1 : rate_mbps) {
  client_.host = &path.client_host();
  server_.host = &path.server_host();
  client_.port = client_port;
  server_.port = server_port;
}

TimestampNs TcpFlow::reaction(bool receiver_is_client) {
  if (receiver_is_client) return static_cast<TimestampNs>(rng_.range(40'000, 400'000));
  return rtt_ + static_cast<TimestampNs>(rng_.range(0, 150'000));
}

void TcpFlow::append_syn_options(ByteWriter& w, bool from_client, TimestampNs ts) {
  Side& self = side(from_client);
  const HostOs os = self.host->os;
  const std::uint32_t tsval = self.host->tcp_timestamp(ts);
  const std::uint32_t tsecr = from_client ? 0 : self.last_peer_tsval;
  auto mss = [&] { w.u8(2).u8(4).be16(self.mss); };
  auto wscale = [&] { w.u8(3).u8(3).u8(self.window_scale); };
  auto sack_permitted = [&] { w.u8(4).u8(2); };
  auto timestamp = [&] { w.u8(8).u8(10).be32(tsval).be32(tsecr); };
  if (os == HostOs::kWindows) {
    mss(), w.u8(1), wscale(), w.u8(1).u8(1), sack_permitted();
  } else if (os == HostOs::kMacos) {
    mss(), w.u8(1), wscale(), w.u8(1).u8(1), timestamp(), sack_permitted(), w.u8(0).u8(0);
  } else if (timestamps_) {
    mss(), sack_permitted(), timestamp(), w.u8(1), wscale();
  } else {
    mss(), w.u8(1).u8(1), sack_permitted(), w.u8(1), wscale();
  }
}

void TcpFlow::emit(bool from_client, TimestampNs ts, std::uint8_t flags, std::uint32_t ack,
                   ByteSpan payload) {
  Side& self = side(from_client);
  Side& peer = side(!from_client);
  segment_.clear();
  ByteWriter w(segment_);
  const bool syn = (flags & kTcpSyn) != 0;
  const std::uint32_t seq = syn ? self.next_seq - 1 : self.next_seq;
  w.be16(self.port).be16(peer.port).be32(seq).be32((flags & kTcpAck) ? ack : 0);
  const std::size_t offset_at = w.mark();
  w.be16(0);
  const std::uint32_t window =
      syn ? syn_window(self.host->os)
          : std::min<std::uint32_t>(0xffff, self.window_bytes >> self.window_scale);
  w.be16(window).be16(0).be16(0);
  if (syn) {
    append_syn_options(w, from_client, ts);
  } else if (timestamps_) {
    w.u8(1).u8(1).u8(8).u8(10).be32(self.host->tcp_timestamp(ts)).be32(self.last_peer_tsval);
  }
  const std::size_t header_length = segment_.size();
  segment_[offset_at] = static_cast<std::uint8_t>((header_length / 4) << 4);
  segment_[offset_at + 1] = flags;
  w.bytes(payload);
  const std::uint16_t sum = transport_checksum(
      from_client ? path_.client_address() : path_.server_address(),
      from_client ? path_.server_address() : path_.client_address(), kProtoTcp, segment_);
  put_be16(segment_.data() + 16, sum);
  path_.send(ts, from_client, kProtoTcp, segment_);
  if (timestamps_) peer.last_peer_tsval = self.host->tcp_timestamp(ts);
  self.last_tx = ts;
  now_ = std::max(now_, ts);
}

void TcpFlow::handshake() {
  const std::size_t ip_overhead = (path_.family() == 6 ? 20 : 0) + path_.mtu_overhead();
  client_.mss = static_cast<std::uint16_t>(client_.host->tcp_mss - ip_overhead);
  server_.mss = static_cast<std::uint16_t>(server_.host->tcp_mss - (path_.family() == 6 ? 20 : 0));
  client_.window_scale = client_.host->window_scale;
  server_.window_scale = server_.host->window_scale;
  client_.window_bytes = established_window(client_.host->os);
  server_.window_bytes = established_window(server_.host->os);
  timestamps_ = uses_timestamps(client_.host->os);
  // Sequence numbers count the SYN; emit() subtracts it back for the SYN itself.
  client_.next_seq = static_cast<std::uint32_t>(rng_.next()) + 1;
  server_.next_seq = static_cast<std::uint32_t>(rng_.next()) + 1;

  const TimestampNs syn_at = now_;
  emit(true, syn_at, kTcpSyn, 0, {});
  const TimestampNs syn_ack_at = syn_at + rtt_;
  emit(false, syn_ack_at, kTcpSyn | kTcpAck, client_.next_seq, {});
  emit(true, syn_ack_at + reaction(true), kTcpAck, server_.next_seq, {});
}

void TcpFlow::settle(TimestampNs ts) {
  for (bool client : {true, false}) {
    Side& self = side(client);
    if (self.unacked_segments > 0 && self.ack_deadline <= ts) {
      self.unacked_segments = 0;
      emit(client, self.ack_deadline, kTcpAck, side(!client).next_seq, {});
    }
  }
}

void TcpFlow::transmit(bool from_client, ByteSpan data, TimestampNs first_ts,
                       std::span<const std::size_t> cuts) {
  settle(first_ts);
  Side& self = side(from_client);
  Side& peer = side(!from_client);
  self.unacked_segments = 0;  // piggybacked on this data
  const std::size_t mss = std::min(self.mss, peer.mss) - (timestamps_ ? 12 : 0);
  // Serialisation time at the flow's bottleneck rate, per byte, in nanoseconds.
  const TimestampNs ns_per_byte = from_client ? 8 : static_cast<TimestampNs>(8000 / rate_mbps_);
  std::size_t cut_index = 0;
  std::size_t in_round = 0;
  std::size_t window = kInitialWindowSegments;
  TimestampNs round_start = first_ts;
  TimestampNs t = first_ts;
  std::size_t offset = 0;
  while (offset < data.size()) {
    while (cut_index < cuts.size() && cuts[cut_index] <= offset)
      ++cut_index;
    const std::size_t boundary = cut_index < cuts.size() ? cuts[cut_index] : data.size();
    const std::size_t length = std::min(mss, boundary - offset);
    const bool write_ends = offset + length == boundary;
    emit(from_client, t, kTcpAck | (write_ends ? kTcpPsh : 0), peer.next_seq,
         data.subspan(offset, length));
    self.next_seq += static_cast<std::uint32_t>(length);
    offset += length;
    if (!from_client)
      peer.window_bytes = std::min<std::uint32_t>(peer.window_bytes + length, 6u << 20);
    // Receivers acknowledge every second full segment at once (RFC 9293 3.8.6.3).
    if (++peer.unacked_segments >= 2) {
      peer.unacked_segments = 0;
      emit(!from_client, t + reaction(!from_client), kTcpAck, self.next_seq, {});
    }
    t += static_cast<TimestampNs>(length + 66) * ns_per_byte;
    if (write_ends && offset < data.size())
      t += static_cast<TimestampNs>(rng_.range(150'000, 2'000'000));
    // Slow start: a full window waits for the first ACKs of the round to come back.
    if (++in_round == window && offset < data.size()) {
      t = std::max(t, round_start + rtt_ + reaction(true));
      round_start = t;
      in_round = 0;
      window = std::min(window * 2, kMaxWindowSegments);
    }
  }
  if (peer.unacked_segments > 0) {
    peer.ack_deadline = self.last_tx + kDelayedAck + (from_client ? rtt_ : 0);
  }
}

void TcpFlow::client_write(ByteSpan data, TimestampNs delay, std::span<const std::size_t> cuts) {
  transmit(true, data, std::max(client_.last_tx, server_.last_tx) + delay, cuts);
}

void TcpFlow::server_reply(ByteSpan data, TimestampNs think, std::span<const std::size_t> cuts) {
  const TimestampNs arrival = client_.last_tx + rtt_;
  // A slow server acknowledges the request before its answer is ready.
  if (think > kDelayedAck && server_.unacked_segments > 0) settle(arrival + kDelayedAck);
  transmit(false, data, std::max(arrival + think, server_.last_tx + 1000), cuts);
}

void TcpFlow::server_write(ByteSpan data, TimestampNs delay, std::span<const std::size_t> cuts) {
  transmit(false, data, server_.last_tx + delay, cuts);
}

void TcpFlow::close(bool client_first, TimestampNs delay) {
  const TimestampNs start = std::max(client_.last_tx, server_.last_tx) + delay;
  settle(start);
  client_.unacked_segments = server_.unacked_segments = 0;
  Side& first = side(client_first);
  Side& second = side(!client_first);
  emit(client_first, start, kTcpFin | kTcpAck, second.next_seq, {});
  first.next_seq += 1;
  TimestampNs t = start + reaction(!client_first);
  if (rng_.chance(0.3)) {
    // The peer's application closes a little later than its stack acknowledges the FIN.
    emit(!client_first, t, kTcpAck, first.next_seq, {});
    t += static_cast<TimestampNs>(rng_.range(100'000, 5'000'000));
  }
  emit(!client_first, t, kTcpFin | kTcpAck, first.next_seq, {});
  second.next_seq += 1;
  emit(client_first, t + reaction(client_first), kTcpAck, second.next_seq, {});
}

void TcpFlow::reset(bool from_client, TimestampNs delay) {
  const TimestampNs at = std::max(client_.last_tx, server_.last_tx) + delay;
  settle(at);
  client_.unacked_segments = server_.unacked_segments = 0;
  emit(from_client, at, kTcpRst | kTcpAck, side(!from_client).next_seq, {});
}

}  // namespace bw::gen
