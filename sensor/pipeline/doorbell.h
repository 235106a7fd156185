// Sleeping until another pipeline thread has something for us, instead of polling for it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "sensor/pipeline/spsc_ring.h"

namespace bw::pipeline {

// One waiting thread, any number of ringing ones.
//
// Why not poll: a thread that polls an empty or full queue (spin, yield, short sleeps) pays a
// context switch for every poll, and on a two-core appliance running three pipeline threads each
// of those is taken from a thread that has work. Measured on the mass-wave replay, polling made
// 230,000 involuntary context switches. A doorbell lets the waiter sleep in the kernel until the
// other side says there is enough for it to do, and costs the other side one fence and one load of
// a flag that stays in its cache while nobody sleeps.
//
// Every wait is bounded by `max_wait`: a ring lost to a race costs at most that much latency, never
// progress, and a waiting thread still wakes to beat its watchdog heartbeat.
//
// The padding the analyzer reports is the point: the flag sits on a line of its own.
// NOLINTNEXTLINE(clang-analyzer-optin.performance.Padding)
class Doorbell {
 public:
  // Waiter: returns at once if `ready()`, else sleeps until a ring, `ready()` or `max_wait`.
  // Returns what `ready()` said last (false after a ring or timeout with nothing ready); callers
  // re-check their own state either way. `ready` runs on this thread, under the doorbell's mutex.
  template <typename Ready>
  bool wait(Ready&& ready, std::chrono::nanoseconds max_wait) {
    if (ready()) return true;
    std::unique_lock<std::mutex> lock(mutex_);
    const std::uint64_t seen = rings_;
    sleeping_.store(true, std::memory_order_relaxed);
    // Pairs with the fence in ring(): either the ringer sees `sleeping_`, or this thread's
    // `ready()` below sees what the ringer published before ringing (a store-load order, which
    // only a full fence gives).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    bool is_ready = false;
    condition_.wait_for(lock, max_wait, [&] {
      is_ready = ready();
      return is_ready || rings_ != seen;
    });
    sleeping_.store(false, std::memory_order_relaxed);
    return is_ready;
  }

  // Ringer: wakes the waiter if it sleeps. Call after publishing what the waiter waits for.
  void ring() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!sleeping_.load(std::memory_order_relaxed)) return;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      ++rings_;
    }
    condition_.notify_one();
  }

  // Whether the waiter sleeps now: a cheap test a ringer may make before working out whether
  // the waiter's condition holds (a stale answer costs at most one `max_wait`).
  bool sleeping() const { return sleeping_.load(std::memory_order_relaxed); }

 private:
  // The flag every ringer reads is on a line of its own, away from the mutex the waiter takes.
  alignas(kCacheLine) std::atomic<bool> sleeping_{false};
  alignas(kCacheLine) std::mutex mutex_;
  std::condition_variable condition_;
  std::uint64_t rings_ = 0;  // under mutex_
};

}  // namespace bw::pipeline
