#pragma once

#include <cstdint>

namespace bw {

// Packet time, nanoseconds since the Unix epoch. Every timeout in the sensor runs on packet time,
// never wall-clock time, which is what makes replay deterministic.
using TimestampNs = std::int64_t;

constexpr TimestampNs kNsPerSecond = 1'000'000'000;
constexpr TimestampNs seconds_to_ns(double s) {
  return static_cast<TimestampNs>(s * 1e9);
}

}  // namespace bw
