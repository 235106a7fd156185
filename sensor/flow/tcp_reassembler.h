// TCP stream reassembly for the extractors: hands each direction's bytes over in sequence order,
// even when the capture delivers segments out of order.
//
// Reordering is normal on a tap: an aggregated SPAN port or a link bundle interleaves two paths,
// and a browser's ClientHello (two segments since post-quantum key shares) or an HTTP header block
// cut by a segment boundary then arrives tail first. A segment ahead of the next expected byte is
// held in a per-direction window until the bytes before it arrive; only then is the direction's
// parser fed, so a parser never sees a stream with its pieces swapped.
//
// Holding is bounded three ways, each counted when it gives up: a window of `window_bytes` past
// the first missing byte, at most kMaxHeldRanges separate held ranges, and a hole older than
// `hole_timeout` of packet time (checked on capture ticks). A hole given up is a gap: the held
// bytes are delivered in order with a gap before each range, exactly as an in-order stream with
// lost segments would be. Windows come from a pool fixed at start (a flood of out-of-order
// segments exhausts the pool, which is counted, and the excess is treated as gaps), so neither
// memory nor work grows with what an attacker sends, and the data path never allocates.
//
// Overlap policy: first wins. Bytes already handed to a parser are final; a later segment that
// overlaps held bytes keeps the bytes that arrived first, and a difference in the overlap is
// counted (`tcp_overlap_conflicts`, Zeek's "rexmit inconsistency"). This is the policy of Zeek and
// of Suricata's default ("bsd"/"first" families differ only in edge cases we do not model):
// the receiver most likely accepted the copy that reached it first.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sensor/common/bytes.h"
#include "sensor/common/counters.h"
#include "sensor/common/time.h"

namespace bw::flow {

#define BW_TCP_REASSEMBLY_COUNTERS(X)                                                           \
  X(tcp_retransmitted_segments)  /* every byte already delivered: dropped */                    \
  X(tcp_sequence_gaps)           /* missing bytes given up: the parser is told of a gap */      \
  X(tcp_segments_held)           /* segments that arrived ahead of a hole and waited for it */  \
  X(tcp_holes_filled)            /* holes whose bytes arrived: held bytes delivered in order */ \
  X(tcp_reorder_window_exceeded) /* a segment ended past the window: hole given up */           \
  X(tcp_reorder_ranges_exceeded) /* more separate held ranges than kept: hole given up */       \
  X(tcp_reorder_timeouts)        /* a hole older than the timeout at a tick: given up */        \
  X(tcp_reorder_flushed)         /* held bytes delivered at the end of a connection */          \
  X(tcp_reorder_pool_exhausted)  /* no window free: the segment treated as after a gap */       \
  X(tcp_overlap_conflicts)       /* overlapping copies of held bytes differed: first kept */

struct TcpReassemblyCounters {
  BW_DECLARE_COUNTERS(BW_TCP_REASSEMBLY_COUNTERS)
};

struct TcpReassemblyConfig {
  std::uint32_t windows = 1024;        // per worker: directions that may hold data at once
  std::uint32_t window_bytes = 16384;  // held bytes past a direction's first missing byte
  // Long enough for a retransmission after a few RTO backoffs, which a real capture holds
  // (ndpi__soap: 2.2 s); events of a flow with a hole wait at most this long.
  TimestampNs hole_timeout = 5 * kNsPerSecond;
};

// A direction's sequence state. Lives in the flow; the window, when one is open, in the pool.
struct TcpStreamState {
  static constexpr std::uint32_t kNoWindow = 0xffffffffu;
  std::uint32_t next_seq = 0;  // first byte not yet delivered
  std::uint32_t window = kNoWindow;
  bool seq_known = false;
};

// Where reassembled bytes go (the flow stage's parser for one direction).
class StreamReceiver {
 public:
  virtual void on_stream_bytes(ByteSpan data) = 0;
  // Bytes are missing before the next ones delivered.
  virtual void on_stream_gap() = 0;

 protected:
  ~StreamReceiver() = default;
};

class TcpReassembler {
 public:
  static constexpr std::uint32_t kMaxHeldRanges = 8;

  explicit TcpReassembler(const TcpReassemblyConfig& config);
  TcpReassembler(const TcpReassembler&) = delete;
  TcpReassembler& operator=(const TcpReassembler&) = delete;

  // One segment's payload; `seq` is the sequence number of its first byte (after the SYN's).
  // `owner` and `direction` identify the stream for expire(). Delivers to `receiver` what is now
  // in order, holds what is ahead of a hole.
  void on_segment(TcpStreamState& state, std::uint32_t owner, int direction, std::uint32_t seq,
                  ByteSpan payload, TimestampNs ts, StreamReceiver& receiver);
  enum class FlushReason : std::uint8_t { kConnectionEnd, kTimeout };
  // Gives up every hole of the direction: held bytes are delivered in order, a gap before each
  // range (the connection or the flow ending, or the hole timing out).
  void flush(TcpStreamState& state, StreamReceiver& receiver, FlushReason reason);
  // Forgets what the direction holds without delivering it (its parser is done).
  void discard(TcpStreamState& state);
  bool holding(const TcpStreamState& state) const {
    return state.window != TcpStreamState::kNoWindow;
  }

  // Calls `visit(owner, direction)` for each direction whose oldest hole is older than the
  // timeout at `now`; the caller then flushes it (FlushReason::kTimeout).
  template <typename Visit>
  void for_each_expired(TimestampNs now, Visit&& visit) const {
    for (std::uint32_t i = 0; i < windows_.size(); ++i) {
      const Window& window = windows_[i];
      if (window.in_use && window.hole_since + config_.hole_timeout <= now) {
        visit(window.owner, window.direction);
      }
    }
  }

  const TcpReassemblyCounters& counters() const { return counters_; }
  std::uint32_t windows_in_use() const { return in_use_; }

 private:
  struct Range {
    std::uint32_t begin;  // offsets from the window's base sequence number
    std::uint32_t end;
  };
  struct Window {
    std::uint32_t base_seq = 0;  // sequence number of bytes()[0]
    std::uint32_t owner = 0;
    TimestampNs hole_since = 0;  // packet time the current first hole opened
    Range ranges[kMaxHeldRanges] = {};
    std::uint8_t range_count = 0;
    std::uint8_t direction = 0;
    bool in_use = false;
  };

  // A window for a segment that arrived ahead of `state.next_seq`; false when the pool is empty.
  bool open_window(TcpStreamState& state, std::uint32_t owner, int direction, TimestampNs ts);
  void close_window(TcpStreamState& state);
  // Moves the window's bytes so that its base is the next byte to deliver.
  void rebase(Window& window, std::uint8_t* bytes, std::uint32_t next_seq);
  // Copies what the window does not hold yet of [offset, offset + data.size()) into it (first
  // wins), merging ranges. False when that would need more than kMaxHeldRanges ranges.
  bool store(Window& window, std::uint8_t* bytes, std::uint32_t offset, ByteSpan data);
  // Delivers every held range in order, a gap before each that does not start at next_seq.
  void give_up(TcpStreamState& state, StreamReceiver& receiver);
  // Delivers the held range that starts at next_seq, if any.
  void deliver_ready(TcpStreamState& state, StreamReceiver& receiver, TimestampNs ts);
  std::uint8_t* bytes_of(std::uint32_t window) {
    return storage_.get() + std::size_t{window} * config_.window_bytes;
  }

  TcpReassemblyConfig config_;
  std::vector<Window> windows_;
  // Default-initialised: a window's pages are committed only once a reordered segment uses it.
  std::unique_ptr<std::uint8_t[]> storage_;
  std::vector<std::uint32_t> free_;
  std::uint32_t in_use_ = 0;
  TcpReassemblyCounters counters_;
};

}  // namespace bw::flow
