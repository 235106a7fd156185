// A TCP connection as a sensor next to the client sees it: three-way handshake with the
// options each OS really sends, MSS-sized segments, cumulative and delayed ACKs, slow start on
// long transfers, timestamps, and FIN or RST teardown.
#pragma once

#include <cstdint>
#include <span>

#include "sensor/common/time.h"
#include "tools/generator/path.h"
#include "tools/generator/rng.h"

namespace bw::gen {

inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;

class TcpFlow {
 public:
  // `rtt` is the sensor-to-server round trip; the client is a LAN hop away. `rate_mbps` bounds
  // how fast the server's segments arrive on long transfers.
  TcpFlow(Path& path, Rng& rng, std::uint16_t client_port, std::uint16_t server_port,
          TimestampNs start, TimestampNs rtt, std::uint32_t rate_mbps = 80);

  void handshake();
  // The client writes `data` `delay` after the last packet it saw. Segment boundaries fall at
  // the MSS and at each offset in `cuts` (separate application writes).
  void client_write(ByteSpan data, TimestampNs delay, std::span<const std::size_t> cuts = {});
  // The server answers `think` after the client's last packet reached it.
  void server_reply(ByteSpan data, TimestampNs think, std::span<const std::size_t> cuts = {});
  // The server keeps writing `delay` after its own previous packet (a second pipelined response).
  void server_write(ByteSpan data, TimestampNs delay, std::span<const std::size_t> cuts = {});
  // Orderly FIN exchange started by one side `delay` after the last packet.
  void close(bool client_first, TimestampNs delay);
  void reset(bool from_client, TimestampNs delay);

  TimestampNs now() const { return now_; }
  TimestampNs rtt() const { return rtt_; }
  std::uint16_t client_port() const { return client_.port; }
  std::uint16_t server_port() const { return server_.port; }

 private:
  struct Side {
    Host* host = nullptr;
    std::uint16_t port = 0;
    std::uint32_t next_seq = 0;
    std::uint16_t mss = 1460;
    std::uint8_t window_scale = 7;
    std::uint32_t window_bytes = 65535;
    std::uint32_t last_peer_tsval = 0;
    std::uint32_t unacked_segments = 0;  // peer segments this side has not acknowledged yet
    TimestampNs ack_deadline = 0;        // when the delayed ACK for them fires
    TimestampNs last_tx = 0;
  };

  Side& side(bool client) { return client ? client_ : server_; }
  // Delay between a packet passing the sensor and the receiver's reaction passing it again.
  TimestampNs reaction(bool receiver_is_client);
  void transmit(bool from_client, ByteSpan data, TimestampNs first_ts,
                std::span<const std::size_t> cuts);
  // Emits delayed ACKs that fire before `ts`.
  void settle(TimestampNs ts);
  void emit(bool from_client, TimestampNs ts, std::uint8_t flags, std::uint32_t ack,
            ByteSpan payload);
  void append_syn_options(ByteWriter& w, bool from_client, TimestampNs ts);

  Path& path_;
  Rng& rng_;
  Side client_;
  Side server_;
  TimestampNs now_;
  TimestampNs rtt_;
  std::uint32_t rate_mbps_;
  bool timestamps_ = false;
  Bytes segment_;
};

}  // namespace bw::gen
