// Waiting between pipeline threads: how a producer waits for room in a full queue.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>

namespace bw::pipeline {

// Waiting without burning a core that another pipeline thread needs: spin briefly, then yield,
// then sleep. Appliances have few cores and every thread of ours may share one.
class Backoff {
 public:
  void pause() {
    if (++rounds_ < 64) return;
    if (rounds_ < 72) {
      std::this_thread::yield();
      return;
    }
    // A thread that keeps finding nothing sleeps longer, up to 400 us, so an idle exporter does
    // not wake 20,000 times a second on the core the capture thread needs.
    const std::uint32_t doublings = std::min<std::uint32_t>((rounds_ - 72) / 16, 3);
    std::this_thread::sleep_for(std::chrono::microseconds(50u << doublings));
  }
  void reset() { rounds_ = 0; }

 private:
  std::uint32_t rounds_ = 0;
};

// Live capture's wait for room in one worker's queue. Waiting leaves the packets behind the
// current one in the kernel ring, which is far larger than a worker queue, so a burst is absorbed
// instead of dropped. The wait is bounded so that a stuck worker cannot stop capture: once a wait
// has run out, the next attempts for that worker fail at once, without waiting, until one
// succeeds again.
class BoundedWait {
 public:
  explicit BoundedWait(std::chrono::nanoseconds limit) : limit_(limit) {}

  // Calls `try_once` until it returns true or the limit has passed; adds each failed try after
  // the first to `waits`. False: give up (drop and count).
  template <typename TryOnce>
  bool attempt(TryOnce&& try_once, std::uint64_t& waits) {
    if (try_once()) {
      gave_up_ = false;
      return true;
    }
    if (gave_up_) return false;
    const auto deadline = std::chrono::steady_clock::now() + limit_;
    Backoff backoff;
    do {
      ++waits;
      backoff.pause();
      if (try_once()) return true;
    } while (std::chrono::steady_clock::now() < deadline);
    gave_up_ = true;
    return false;
  }

  bool gave_up() const { return gave_up_; }

 private:
  std::chrono::nanoseconds limit_;
  bool gave_up_ = false;
};

}  // namespace bw::pipeline
