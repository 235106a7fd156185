// Drives one TcpReassembler direction with segments of a known stream in any order, with
// overlaps, duplicates, gaps, timeouts and conflicting copies. The input is a header byte (the
// window size and whether copies may conflict), then commands of 4 bytes:
//   offset (2 bytes, big-endian, from the stream start), length (1 byte), op (1 byte):
//   op % 8 == 7: a hole timeout (flush), == 6: a copy with other bytes (when allowed), else a
//   segment of the stream at [offset, offset + length).
// Invariants checked (trap when broken): every delivered chunk sits right after the previous one
// or after a reported gap, never before it; and, when no conflicting copy was ever sent, every
// delivered byte equals the stream's byte at its position. Memory safety is the sanitizers'.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "sensor/flow/tcp_reassembler.h"

namespace {

using bw::ByteSpan;
using bw::flow::TcpReassembler;
using bw::flow::TcpReassemblyConfig;
using bw::flow::TcpStreamState;

constexpr std::uint32_t kIsn = 0xfffff000u;  // the stream crosses the sequence-number wrap
constexpr std::size_t kStreamBytes = 65536 + 256;

std::uint8_t stream_byte(std::size_t position) {
  return static_cast<std::uint8_t>((position * 131u + (position >> 8)) & 0xff);
}

class CheckingReceiver final : public bw::flow::StreamReceiver {
 public:
  explicit CheckingReceiver(const TcpStreamState& state) : state_(state) {}
  void on_stream_bytes(ByteSpan data) override {
    // next_seq is already past the chunk when it is handed over.
    const std::uint32_t end = state_.next_seq - kIsn;
    const std::uint32_t begin = end - static_cast<std::uint32_t>(data.size());
    if (data.empty() || end < data.size()) __builtin_trap();
    if (after_gap_ ? begin < delivered_ : begin != delivered_) __builtin_trap();
    if (exact) {
      for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] != stream_byte(begin + i)) __builtin_trap();
      }
    }
    delivered_ = end;
    after_gap_ = false;
  }
  void on_stream_gap() override { after_gap_ = true; }
  bool exact = true;

 private:
  const TcpStreamState& state_;
  std::uint32_t delivered_ = 0;
  bool after_gap_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto stream = [] {
    auto bytes = std::make_unique<std::uint8_t[]>(kStreamBytes);
    for (std::size_t i = 0; i < kStreamBytes; ++i)
      bytes[i] = stream_byte(i);
    return bytes;
  }();
  if (size < 1) return 0;
  TcpReassemblyConfig config;
  config.windows = 2;
  config.window_bytes = 2048u << (data[0] % 4);  // 2..16 KiB
  config.hole_timeout = 10;
  const bool conflicts_allowed = (data[0] & 0x80) != 0;
  TcpReassembler reassembler(config);
  TcpStreamState state;
  state.next_seq = kIsn;
  state.seq_known = true;
  CheckingReceiver receiver(state);
  std::uint8_t other[256];
  bw::TimestampNs now = 0;
  for (std::size_t pos = 1; pos + 4 <= size; pos += 4) {
    const std::uint32_t offset = static_cast<std::uint32_t>(data[pos]) << 8 | data[pos + 1];
    const std::uint32_t length = data[pos + 2];
    const std::uint8_t op = data[pos + 3];
    ++now;
    if (op % 8 == 7) {
      reassembler.for_each_expired(now, [&](std::uint32_t, int) {
        reassembler.flush(state, receiver, TcpReassembler::FlushReason::kTimeout);
      });
      continue;
    }
    if (length == 0) continue;
    ByteSpan payload(stream.get() + offset, length);
    if (op % 8 == 6 && conflicts_allowed) {
      std::memcpy(other, payload.data(), length);
      other[0] ^= 0x5a;
      payload = ByteSpan(other, length);
      receiver.exact = false;
    }
    reassembler.on_segment(state, 1, 0, kIsn + offset, payload, now, receiver);
    if (reassembler.windows_in_use() > 1) __builtin_trap();
  }
  reassembler.flush(state, receiver, TcpReassembler::FlushReason::kConnectionEnd);
  if (reassembler.windows_in_use() != 0) __builtin_trap();
  return 0;
}
