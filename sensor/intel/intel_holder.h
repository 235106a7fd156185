// Hot reload of the intelligence set while packets keep flowing.
//
// A reload builds a complete new IntelSet on the reloading thread, then publishes it with one
// atomic shared_ptr store; readers never see a half-built set and never wait for the build.
// GCC 12's atomic shared_ptr operations take a small internal lock, so workers do not call
// current() per packet: an IntelReader checks a generation number (one lock-free atomic load) and
// fetches the new snapshot only after a reload.
//
// The holder keeps the previous set alive until the next reload, so the last reference to a
// replaced set is normally dropped here, on the reloading thread, and its memory is not freed on
// a worker's data path.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sensor/intel/intel_set.h"

namespace bw::intel {

class IntelHolder {
 public:
  // Starts with a set that matches nothing.
  IntelHolder();
  explicit IntelHolder(std::shared_ptr<const IntelSet> initial);
  IntelHolder(const IntelHolder&) = delete;
  IntelHolder& operator=(const IntelHolder&) = delete;

  // The set as of now; never null. Thread-safe.
  std::shared_ptr<const IntelSet> current() const;
  // Bumped by every successful reload or replace.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // Loads `feed_paths` into a new set and publishes it. On failure (a file unreadable, a header
  // unusable) the current set stays and `problems` says why; bad lines are reported either way.
  // Reloads are serialised; readers are never blocked.
  bool reload(const std::vector<std::string>& feed_paths, std::vector<std::string>& problems);
  // Publishes a set built elsewhere (e.g. from texts). A null set is refused.
  bool replace(std::shared_ptr<const IntelSet> next);

 private:
  mutable std::shared_ptr<const IntelSet> set_;  // accessed only through std::atomic_load/store
  std::shared_ptr<const IntelSet> retired_;      // guarded by reload_mutex_
  std::atomic<std::uint64_t> generation_{0};
  std::mutex reload_mutex_;
};

// One worker's view of a holder: a cached snapshot refreshed when the generation moves. Not
// thread-safe; each worker owns its reader.
class IntelReader {
 public:
  explicit IntelReader(const IntelHolder& holder);

  // The current set; a generation check per call, a snapshot copy only after a reload.
  const IntelSet& set();
  std::uint64_t generation() const { return generation_; }

 private:
  const IntelHolder* holder_;
  std::uint64_t generation_ = 0;
  std::shared_ptr<const IntelSet> snapshot_;
};

}  // namespace bw::intel
