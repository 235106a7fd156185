#include "sensor/service/watchdog.h"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <utility>

namespace bw::service {

Watchdog::Watchdog(std::vector<StageHeartbeat> stages, std::chrono::microseconds interval,
                   Send send, Send log, Clock::time_point now)
    : period_(std::max<std::chrono::microseconds>(interval / 2, std::chrono::microseconds(1))),
      send_(std::move(send)),
      log_(std::move(log)),
      next_check_(now + period_) {
  stages_.reserve(stages.size());
  for (StageHeartbeat& stage : stages) {
    const std::uint64_t count = stage.heartbeat->read();
    stages_.push_back(Watched{std::move(stage), count});
  }
}

Watchdog::Clock::time_point Watchdog::poll(Clock::time_point now) {
  if (now < next_check_) return next_check_;
  check();
  // From the planned time, so the cadence does not drift with late wake-ups; a check that came
  // very late (a suspended machine) does not make up for the missed ones in a burst.
  next_check_ += period_;
  if (next_check_ <= now) next_check_ = now + period_;
  return next_check_;
}

void Watchdog::check() {
  std::string stalled;
  for (Watched& watched : stages_) {
    const std::uint64_t count = watched.stage.heartbeat->read();
    const bool moved = count != watched.last_count;
    const bool alive = moved || watched.moved_last_period;
    watched.last_count = count;
    watched.moved_last_period = moved;
    if (alive) {
      if (watched.reported && moved) {
        watched.reported = false;
        log_(watched.stage.name + " makes progress again");
      }
      continue;
    }
    if (!stalled.empty()) stalled += ", ";
    stalled += watched.stage.name;
    if (!watched.reported) {
      watched.reported = true;
      log_(watched.stage.name + " makes no progress: the service watchdog is no longer fed");
    }
  }
  if (stalled.empty()) {
    // An empty STATUS= clears the stall text `systemctl status` would otherwise keep showing.
    if (status_shown_) send_("STATUS=");
    status_shown_ = false;
    send_("WATCHDOG=1");
  } else {
    send_("STATUS=stalled: " + stalled);
    status_shown_ = true;
  }
}

WatchdogThread::WatchdogThread(std::vector<StageHeartbeat> stages, const ServiceNotifier& notifier)
    : watchdog_(
          std::move(stages), notifier.watchdog_interval(),
          [&notifier](std::string_view message) { notifier.send(message); },
          [](std::string_view line) {
            std::fprintf(stderr, "bw-sensor: watchdog: %.*s\n", static_cast<int>(line.size()),
                         line.data());
          },
          Watchdog::Clock::now()),
      thread_([this] { run(); }) {}

WatchdogThread::~WatchdogThread() {
  stop();
}

void WatchdogThread::stop() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WatchdogThread::run() {
#if defined(__linux__)
  pthread_setname_np(pthread_self(), "bw-watchdog");
#endif
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    const Watchdog::Clock::time_point next = watchdog_.poll(Watchdog::Clock::now());
    wake_.wait_until(lock, next, [this] { return stopping_; });
  }
}

}  // namespace bw::service
