// Small helpers shared by the layer implementations of PacketDecoder.
#pragma once

#include <cstdint>

#include "sensor/common/bytes.h"
#include "sensor/decode/decoded_packet.h"
#include "sensor/decode/packet_decoder.h"

namespace bw::decode {

inline DecodeResult malformed(std::uint64_t& weird) {
  ++weird;
  return DecodeResult::kMalformed;
}

// `payload` must lie inside out.datagram.
inline void set_payload(DecodedPacket& out, ByteSpan payload) {
  out.payload_offset = static_cast<std::uint32_t>(payload.data() - out.datagram.data());
  out.payload_length = static_cast<std::uint32_t>(payload.size());
}

}  // namespace bw::decode
