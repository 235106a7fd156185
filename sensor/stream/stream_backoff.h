// Delay before reconnecting to the collector: exponential, capped, with jitter so sensors that
// lost the collector together do not all come back in the same instant.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace bw::stream {

class RetryBackoff {
 public:
  // `seed` 0 draws one from std::random_device.
  RetryBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
               std::uint64_t seed = 0);

  // The next delay: the k-th call after a reset picks uniformly from [d/2, d] where
  // d = min(max, initial * 2^k).
  std::chrono::milliseconds next();
  // After a healthy stream, start again from the initial delay.
  void reset() { ceiling_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds ceiling_;
  std::mt19937_64 random_;
};

}  // namespace bw::stream
