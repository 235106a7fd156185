// Fuzzes PacketDecoder, reassembly state included.
//
// Input: one byte choosing the link type among PacketDecoder::supported_linktypes(), then frames
// as [16-bit big-endian length][bytes]; a length running past the input takes what is left.
// Frames are one second apart so that fragments also time out. Each frame is decoded from its
// own exactly-sized heap copy so AddressSanitizer sees any read past its end.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sensor/decode/packet_decoder.h"

namespace {

using bw::decode::DecodedPacket;
using bw::decode::DecodeResult;
using bw::decode::PacketDecoder;

// Written so that the reads feeding it cannot be optimised away.
volatile unsigned g_byte_sum = 0;

bw::decode::DecoderConfig fuzz_config() {
  bw::decode::DecoderConfig config;
  config.max_fragment_datagrams = 8;  // small enough for exhaustion to be reachable
  config.fragment_timeout_ns = 3 * bw::kNsPerSecond;
  return config;
}

void check_invariants(const DecodedPacket& out) {
  if (std::size_t{out.payload_offset} + out.payload_length > out.datagram.size()) {
    __builtin_trap();
  }
  // Reading every byte lets the sanitizer vouch for the spans.
  unsigned sum = 0;
  for (std::uint8_t b : out.datagram)
    sum += b;
  for (std::uint8_t b : out.payload())
    sum += b;
  g_byte_sum = sum;

  DecodedPacket reverse = out;
  reverse.src_ip = out.dst_ip;
  reverse.dst_ip = out.src_ip;
  reverse.src_port = out.dst_port;
  reverse.dst_port = out.src_port;
  if (bw::decode::symmetric_flow_hash(out) != bw::decode::symmetric_flow_hash(reverse)) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto linktypes = PacketDecoder::supported_linktypes();
  const std::uint32_t linktype = linktypes[data[0] % linktypes.size()];
  PacketDecoder decoder(fuzz_config());
  DecodedPacket out;
  bw::TimestampNs ts = 0;
  std::size_t offset = 1;
  while (offset < size) {
    std::size_t length = size - offset;
    if (length >= 2) {
      length = std::min<std::size_t>((std::size_t{data[offset]} << 8) | data[offset + 1],
                                     size - offset - 2);
      offset += 2;
    }
    const std::vector<std::uint8_t> frame(data + offset, data + offset + length);
    offset += length;
    if (decoder.decode(linktype, frame, ts, out) == DecodeResult::kOk) check_invariants(out);
    ts += bw::kNsPerSecond;
    if (ts % (4 * bw::kNsPerSecond) == 0) decoder.expire(ts);
  }
  return 0;
}
