// Internet checksum (RFC 1071) and the TCP/UDP pseudo-header sums for IPv4 and IPv6.
#pragma once

#include <cstdint>

#include "sensor/common/bytes.h"
#include "sensor/common/ip_address.h"

namespace bw::gen {

// One's-complement sum of 16-bit big-endian words, not yet folded; an odd trailing byte is
// padded with zero as the RFC prescribes.
std::uint32_t checksum_partial(ByteSpan data, std::uint32_t sum = 0);
std::uint16_t checksum_fold(std::uint32_t sum);
std::uint16_t internet_checksum(ByteSpan data);

// Checksum of a TCP or UDP segment (its checksum field zeroed) with the pseudo-header of the
// given addresses, which must be of the same family.
std::uint16_t transport_checksum(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                                 ByteSpan segment);

// CRC-32 (IEEE 802.3, as PNG and zlib use it) and Adler-32 (zlib).
std::uint32_t crc32(ByteSpan data, std::uint32_t crc = 0);
std::uint32_t adler32(ByteSpan data);

}  // namespace bw::gen
