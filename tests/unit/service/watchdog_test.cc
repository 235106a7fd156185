#include "sensor/service/watchdog.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace bw::service {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using Clock = Watchdog::Clock;

// Three stages whose heartbeats the test moves by hand, a clock the test sets, and every
// message the watchdog sends.
class WatchdogLogic : public ::testing::Test {
 protected:
  static constexpr microseconds kInterval{200000};  // WATCHDOG_USEC=200000: a check each 100 ms

  WatchdogLogic()
      : start_(Clock::time_point{} + std::chrono::hours(1)),
        watchdog_(
            {{"bw-capture", &capture_}, {"bw-worker-0", &worker_}, {"bw-export", &export_}},
            kInterval, [this](std::string_view m) { sent_.emplace_back(m); },
            [this](std::string_view m) { logged_.emplace_back(m); }, start_) {}

  void beat_all() {
    capture_.beat();
    worker_.beat();
    export_.beat();
  }
  // Polls every millisecond from the last time up to `until`, as a thread that wakes often
  // would; returns the messages sent meanwhile.
  std::vector<std::string> run_until(Clock::time_point until, bool beat_worker = true) {
    sent_.clear();
    for (; now_ <= until; now_ += milliseconds(1)) {
      capture_.beat();
      export_.beat();
      if (beat_worker) worker_.beat();
      watchdog_.poll(now_);
    }
    return sent_;
  }

  Heartbeat capture_;
  Heartbeat worker_;
  Heartbeat export_;
  std::vector<std::string> sent_;
  std::vector<std::string> logged_;
  Clock::time_point start_;
  Clock::time_point now_ = start_;
  Watchdog watchdog_;
};

TEST_F(WatchdogLogic, ChecksEveryHalfInterval) {
  EXPECT_EQ(watchdog_.check_period(), microseconds(100000));
  // Nothing before the first half interval; the next check is due exactly then.
  EXPECT_EQ(watchdog_.poll(start_ + milliseconds(99)), start_ + milliseconds(100));
}

TEST_F(WatchdogLogic, PingsAtHalfTheIntervalWhileEveryStageMoves) {
  // 1 s at 1 ms steps: checks at 100, 200, ... 1000 ms.
  const std::vector<std::string> sent = run_until(start_ + milliseconds(1000));
  EXPECT_EQ(sent, std::vector<std::string>(10, "WATCHDOG=1"));
  EXPECT_TRUE(logged_.empty());
}

TEST_F(WatchdogLogic, AStalledStageStopsThePingsAndIsNamed) {
  run_until(start_ + milliseconds(300));
  // The worker's last beat was at 300 ms. The check at 400 ms still counts its move in the
  // period before (one quiet period is allowed); from 500 ms on it is stalled.
  const std::vector<std::string> sent = run_until(start_ + milliseconds(800), false);
  EXPECT_EQ(sent, (std::vector<std::string>{
                      "WATCHDOG=1", "STATUS=stalled: bw-worker-0", "STATUS=stalled: bw-worker-0",
                      "STATUS=stalled: bw-worker-0", "STATUS=stalled: bw-worker-0"}));
  // Logged once, not at every check.
  ASSERT_EQ(logged_.size(), 1u);
  EXPECT_NE(logged_[0].find("bw-worker-0"), std::string::npos);
}

TEST_F(WatchdogLogic, PingsResumeWhenTheStageMovesAgain) {
  run_until(start_ + milliseconds(300));
  run_until(start_ + milliseconds(600), false);
  const std::vector<std::string> sent = run_until(start_ + milliseconds(900));
  // The stall text is cleared once, with the first ping.
  EXPECT_EQ(sent, (std::vector<std::string>{"STATUS=", "WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1"}));
  ASSERT_EQ(logged_.size(), 2u);
  EXPECT_EQ(logged_[1], "bw-worker-0 makes progress again");
}

TEST_F(WatchdogLogic, NamesEveryStalledStage) {
  run_until(start_ + milliseconds(100));
  // Nothing moves at all.
  for (int check = 2; check <= 4; ++check)
    watchdog_.poll(start_ + milliseconds(100 * check));
  EXPECT_EQ(sent_.back(), "STATUS=stalled: bw-capture, bw-worker-0, bw-export");
}

TEST_F(WatchdogLogic, AStageThatNeverBeatsIsStalledAfterOneQuietPeriod) {
  // The start counts as a move: the first check pings, the second names the worker.
  const std::vector<std::string> sent = run_until(start_ + milliseconds(200), false);
  EXPECT_EQ(sent, (std::vector<std::string>{"WATCHDOG=1", "STATUS=stalled: bw-worker-0"}));
}

TEST_F(WatchdogLogic, ALateWakeUpDoesNotSendABurst) {
  beat_all();
  sent_.clear();
  // Suspended for 10 s: one check, and the next a whole period later.
  EXPECT_EQ(watchdog_.poll(start_ + std::chrono::seconds(10)),
            start_ + std::chrono::seconds(10) + milliseconds(100));
  EXPECT_EQ(sent_.size(), 1u);
}

// The thread against a real notify socket is covered end to end
// (tests/live/service_notify_test.py); here only that it stops promptly even with a long interval.
TEST(WatchdogThread, StopsWithoutWaitingForTheNextCheck) {
  Heartbeat beat;
  const ServiceNotifier notifier("/nonexistent/bw-notify", std::chrono::seconds(3600));
  const auto started = Clock::now();
  { WatchdogThread thread({{"bw-capture", &beat}}, notifier); }
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
}

}  // namespace
}  // namespace bw::service
