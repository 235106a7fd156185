// Real protocol bytes for the micro-benchmarks, taken from captures the traffic generator builds
// in-process, so every benchmark measures the parsers on the same traffic the sensor replays.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sensor/common/bytes.h"
#include "sensor/decode/decoded_packet.h"

namespace bw::benchmarks {

struct Frame {
  std::uint32_t linktype = 0;
  ByteSpan bytes;
};

// One generated capture, kept alive for the process so spans into it stay valid.
struct Corpus {
  std::vector<std::uint8_t> capture;
  std::vector<Frame> frames;
  std::vector<decode::DecodedPacket> packets;  // frames that decoded to IP, in order
};

// Generates `profile` (seed 1, scale 1) once and decodes every frame. Aborts with a message when
// generation fails: a benchmark without its input has nothing to measure.
const Corpus& corpus(std::string_view profile);

// The first decoded packet matching, or nullptr.
template <typename Predicate>
const decode::DecodedPacket* first_packet(const Corpus& corpus, Predicate&& matches) {
  for (const auto& packet : corpus.packets) {
    if (matches(packet)) return &packet;
  }
  return nullptr;
}

// First TCP or UDP payload sent to / from `port` that starts with `prefix` (empty: any payload).
ByteSpan first_payload_to_port(const Corpus& corpus, std::uint8_t ip_protocol, std::uint16_t port,
                               std::string_view prefix);
ByteSpan first_payload_from_port(const Corpus& corpus, std::uint8_t ip_protocol, std::uint16_t port,
                                 std::string_view prefix);

}  // namespace bw::benchmarks
