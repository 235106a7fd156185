// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of spool records.
//
// Plain software tables, no CPU intrinsics: the sensor also runs on aarch64 boards, and the
// spool checksums a few megabytes per second at most.
#pragma once

#include <cstdint>

#include "sensor/common/bytes.h"

namespace bw::stream {

// Continues a CRC-32C over `data`: crc32c_extend(crc32c(a), b) == crc32c(a followed by b).
std::uint32_t crc32c_extend(std::uint32_t crc, ByteSpan data);

inline std::uint32_t crc32c(ByteSpan data) {
  return crc32c_extend(0, data);
}

}  // namespace bw::stream
