// The service watchdog: WATCHDOG=1 goes to the manager only while every pipeline thread makes
// progress, so a wedged thread (stuck in a parser, deadlocked) gets the sensor restarted by
// systemd instead of leaving it up and blind.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sensor/service/heartbeat.h"
#include "sensor/service/service_notifier.h"

namespace bw::service {

// The decision, apart from any thread or clock: fed the time, it checks the heartbeats every
// half interval (as sd_watchdog_enabled(3) advises) and sends one message per check through
// `send`: "WATCHDOG=1" when every stage is alive, otherwise "STATUS=stalled: NAME[, NAME]"; the
// first ping after a stall is preceded by an empty "STATUS=", which clears that text.
//
// A stage is alive when its heartbeat moved since either of the last two checks. The threads
// wake on cadences of their own (the capture thread polls every 100 ms) that may be as long as
// a check period, so one quiet period alone is not a stall; two are. A wedged thread therefore
// stops the pings within a whole interval of its last beat, and systemd acts one interval later.
class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;
  using Send = std::function<void(std::string_view message)>;

  // `interval`: WATCHDOG_USEC. `log` gets one line when a stage is first found stalled and one
  // when it recovers (stderr in the product).
  Watchdog(std::vector<StageHeartbeat> stages, std::chrono::microseconds interval, Send send,
           Send log, Clock::time_point now);

  // Checks if a check is due at `now`; returns when the next one is.
  Clock::time_point poll(Clock::time_point now);

  std::chrono::microseconds check_period() const { return period_; }

 private:
  struct Watched {
    StageHeartbeat stage;
    std::uint64_t last_count = 0;
    bool moved_last_period = true;  // the start counts as a move
    bool reported = false;          // stalled and logged
  };

  void check();

  std::vector<Watched> stages_;
  std::chrono::microseconds period_;
  Send send_;
  Send log_;
  Clock::time_point next_check_;
  bool status_shown_ = false;  // the last STATUS= named a stalled stage
};

// Runs a Watchdog on a thread of its own, `bw-watchdog`, sending through `notifier`, until
// stop() or destruction.
class WatchdogThread {
 public:
  WatchdogThread(std::vector<StageHeartbeat> stages, const ServiceNotifier& notifier);
  ~WatchdogThread();
  WatchdogThread(const WatchdogThread&) = delete;
  WatchdogThread& operator=(const WatchdogThread&) = delete;

  // Returns once the thread has ended; the heartbeats are not read after that.
  void stop();

 private:
  void run();

  Watchdog watchdog_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace bw::service
