#include "sensor/stream/stream_backoff.h"

#include <algorithm>

namespace bw::stream {

RetryBackoff::RetryBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                           std::uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      ceiling_(initial_),
      random_(seed != 0 ? seed : std::random_device{}()) {}

std::chrono::milliseconds RetryBackoff::next() {
  const std::int64_t ceiling = ceiling_.count();
  std::uniform_int_distribution<std::int64_t> pick(ceiling / 2, ceiling);
  const std::chrono::milliseconds delay(pick(random_));
  ceiling_ = std::min(max_, ceiling_ * 2);
  return delay;
}

}  // namespace bw::stream
