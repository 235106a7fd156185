// A pipeline thread's sign of life, for the service watchdog (sensor/service/watchdog.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace bw::service {

// Each heartbeat sits on a cache line of its own (64 bytes, as in sensor/pipeline/spsc_ring.h):
// its thread writes it on every round of its loop, and a neighbour written by another thread
// would make the two cores trade the line on each of those writes (false sharing). Only the
// watchdog reads it, a few times a second.
struct alignas(64) Heartbeat {
  // Owner thread only: one writer, so a relaxed load and store is enough (no locked add).
  void beat() { beats.store(beats.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  std::uint64_t read() const { return beats.load(std::memory_order_relaxed); }

  std::atomic<std::uint64_t> beats{0};
};

// One stage the watchdog watches: the thread's name as in top -H ("bw-worker-0") and its
// heartbeat, which must outlive the watching.
struct StageHeartbeat {
  std::string name;
  const Heartbeat* heartbeat = nullptr;
};

}  // namespace bw::service
