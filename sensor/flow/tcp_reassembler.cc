#include "sensor/flow/tcp_reassembler.h"

#include <algorithm>
#include <cstring>

namespace bw::flow {

TcpReassembler::TcpReassembler(const TcpReassemblyConfig& config)
    : config_(config),
      windows_(config.windows),
      storage_(new std::uint8_t[std::size_t{config.windows} * config.window_bytes]) {
  free_.reserve(config.windows);
  for (std::uint32_t i = config.windows; i > 0; --i)
    free_.push_back(i - 1);
}

void TcpReassembler::on_segment(TcpStreamState& state, std::uint32_t owner, int direction,
                                std::uint32_t seq, ByteSpan payload, TimestampNs ts,
                                StreamReceiver& receiver) {
  if (payload.empty()) return;
  // Serial-number arithmetic: offsets within +-2 GiB of the next byte are meaningful.
  auto offset = static_cast<std::int32_t>(seq - state.next_seq);
  if (offset < 0) {
    const auto delivered = static_cast<std::size_t>(-static_cast<std::int64_t>(offset));
    if (delivered >= payload.size()) {
      ++counters_.tcp_retransmitted_segments;
      return;
    }
    payload = payload.subspan(delivered);  // what was delivered is final (first wins)
    seq = state.next_seq;
    offset = 0;
  }
  const auto size = static_cast<std::uint32_t>(payload.size());

  if (!holding(state)) {
    if (offset == 0) {
      state.next_seq += size;
      receiver.on_stream_bytes(payload);
      return;
    }
    const bool fits = static_cast<std::uint64_t>(offset) + size <= config_.window_bytes;
    if (fits && open_window(state, owner, direction, ts)) {
      Window& window = windows_[state.window];
      store(window, bytes_of(state.window), static_cast<std::uint32_t>(offset), payload);
      ++counters_.tcp_segments_held;
      return;
    }
    if (!fits) ++counters_.tcp_reorder_window_exceeded;
    // Not held: the bytes before it count as lost, as without reordering support.
    ++counters_.tcp_sequence_gaps;
    receiver.on_stream_gap();
    state.next_seq = seq + size;
    receiver.on_stream_bytes(payload);
    return;
  }

  Window& window = windows_[state.window];
  // The common end of a reordering: the missing segment itself, ending where held bytes begin.
  if (offset == 0 &&
      static_cast<std::int32_t>(window.base_seq + window.ranges[0].begin - (seq + size)) >= 0) {
    state.next_seq += size;
    receiver.on_stream_bytes(payload);
    deliver_ready(state, receiver, ts);
    return;
  }
  std::uint8_t* bytes = bytes_of(state.window);
  rebase(window, bytes, state.next_seq);
  const bool fits = static_cast<std::uint64_t>(offset) + size <= config_.window_bytes;
  if (!fits || !store(window, bytes, static_cast<std::uint32_t>(offset), payload)) {
    ++(fits ? counters_.tcp_reorder_ranges_exceeded : counters_.tcp_reorder_window_exceeded);
    // Give the holes up, then take this segment against the stream as it now stands.
    give_up(state, receiver);
    on_segment(state, owner, direction, seq, payload, ts, receiver);
    return;
  }
  if (offset != 0) ++counters_.tcp_segments_held;
  deliver_ready(state, receiver, ts);
}

void TcpReassembler::flush(TcpStreamState& state, StreamReceiver& receiver, FlushReason reason) {
  if (!holding(state)) return;
  ++(reason == FlushReason::kTimeout ? counters_.tcp_reorder_timeouts
                                     : counters_.tcp_reorder_flushed);
  give_up(state, receiver);
}

void TcpReassembler::discard(TcpStreamState& state) {
  if (holding(state)) close_window(state);
}

bool TcpReassembler::open_window(TcpStreamState& state, std::uint32_t owner, int direction,
                                 TimestampNs ts) {
  if (free_.empty()) {
    ++counters_.tcp_reorder_pool_exhausted;
    return false;
  }
  const std::uint32_t index = free_.back();
  free_.pop_back();
  Window& window = windows_[index];
  window.base_seq = state.next_seq;
  window.owner = owner;
  window.direction = static_cast<std::uint8_t>(direction);
  window.hole_since = ts;
  window.range_count = 0;
  window.in_use = true;
  state.window = index;
  ++in_use_;
  return true;
}

void TcpReassembler::close_window(TcpStreamState& state) {
  windows_[state.window].in_use = false;
  free_.push_back(state.window);
  state.window = TcpStreamState::kNoWindow;
  --in_use_;
}

void TcpReassembler::rebase(Window& window, std::uint8_t* bytes, std::uint32_t next_seq) {
  const std::uint32_t shift = next_seq - window.base_seq;
  if (shift == 0) return;
  // Held ranges all lie at or past next_seq: what is before it was delivered and dropped.
  const std::uint32_t end = window.ranges[window.range_count - 1].end;
  std::memmove(bytes, bytes + shift, end - shift);
  for (std::uint8_t i = 0; i < window.range_count; ++i) {
    window.ranges[i].begin -= shift;
    window.ranges[i].end -= shift;
  }
  window.base_seq = next_seq;
}

bool TcpReassembler::store(Window& window, std::uint8_t* bytes, std::uint32_t offset,
                           ByteSpan data) {
  const std::uint32_t end = offset + static_cast<std::uint32_t>(data.size());
  // The ranges after the merge, checked against the bound before anything changes.
  Range merged[kMaxHeldRanges + 1];
  std::uint32_t count = 0;
  Range added{offset, end};
  bool placed = false;
  for (std::uint8_t i = 0; i < window.range_count; ++i) {
    const Range held = window.ranges[i];
    if (held.end < added.begin) {
      merged[count++] = held;
    } else if (held.begin > added.end) {
      if (!placed) merged[count++] = added;
      placed = true;
      merged[count++] = held;
    } else {
      added.begin = std::min(added.begin, held.begin);
      added.end = std::max(added.end, held.end);
    }
  }
  if (!placed) merged[count++] = added;
  if (count > kMaxHeldRanges) return false;

  // First wins: copy only what no held range covers; compare what they do.
  std::uint32_t position = offset;
  for (std::uint8_t i = 0; i < window.range_count && position < end; ++i) {
    const Range held = window.ranges[i];
    if (held.end <= position) continue;
    if (held.begin >= end) break;
    if (held.begin > position) {
      std::memcpy(bytes + position, data.data() + (position - offset), held.begin - position);
    }
    const std::uint32_t overlap_begin = std::max(position, held.begin);
    const std::uint32_t overlap_end = std::min(end, held.end);
    if (std::memcmp(bytes + overlap_begin, data.data() + (overlap_begin - offset),
                    overlap_end - overlap_begin) != 0) {
      ++counters_.tcp_overlap_conflicts;
    }
    position = overlap_end;
  }
  if (position < end)
    std::memcpy(bytes + position, data.data() + (position - offset), end - position);

  std::copy(merged, merged + count, window.ranges);
  window.range_count = static_cast<std::uint8_t>(count);
  return true;
}

void TcpReassembler::deliver_ready(TcpStreamState& state, StreamReceiver& receiver,
                                   TimestampNs ts) {
  Window& window = windows_[state.window];
  const Range first = window.ranges[0];
  if (window.base_seq + first.begin != state.next_seq) return;
  std::copy(window.ranges + 1, window.ranges + window.range_count, window.ranges);
  --window.range_count;
  state.next_seq = window.base_seq + first.end;
  window.hole_since = ts;  // the next hole, if any, opened now
  ++counters_.tcp_holes_filled;
  // The window is returned only after the call: the receiver reads its bytes.
  receiver.on_stream_bytes(ByteSpan(bytes_of(state.window) + first.begin, first.end - first.begin));
  if (window.range_count == 0) close_window(state);
}

void TcpReassembler::give_up(TcpStreamState& state, StreamReceiver& receiver) {
  Window& window = windows_[state.window];
  const std::uint8_t* bytes = bytes_of(state.window);
  for (std::uint8_t i = 0; i < window.range_count; ++i) {
    const Range held = window.ranges[i];
    if (window.base_seq + held.begin != state.next_seq) {
      ++counters_.tcp_sequence_gaps;
      receiver.on_stream_gap();
    }
    state.next_seq = window.base_seq + held.end;
    receiver.on_stream_bytes(ByteSpan(bytes + held.begin, held.end - held.begin));
  }
  close_window(state);
}

}  // namespace bw::flow
