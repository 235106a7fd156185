#include "sensor/stream/stream_backoff.h"

#include <gtest/gtest.h>

namespace bw::stream {
namespace {

using std::chrono::milliseconds;

TEST(RetryBackoff, DoublesUpToTheCapWithJitterInTheUpperHalf) {
  RetryBackoff backoff(milliseconds(100), milliseconds(1000), 42);
  for (const std::int64_t ceiling : {100, 200, 400, 800, 1000, 1000, 1000}) {
    const milliseconds delay = backoff.next();
    EXPECT_GE(delay.count(), ceiling / 2) << "ceiling " << ceiling;
    EXPECT_LE(delay.count(), ceiling) << "ceiling " << ceiling;
  }
}

TEST(RetryBackoff, ResetStartsFromTheInitialDelay) {
  RetryBackoff backoff(milliseconds(100), milliseconds(10000), 1);
  for (int i = 0; i < 6; ++i)
    backoff.next();
  EXPECT_GT(backoff.next().count(), 100);  // ceiling 6400 by now: at least 3200
  backoff.reset();
  EXPECT_LE(backoff.next().count(), 100);
}

TEST(RetryBackoff, JitterSpreadsSensorsThatFailedTogether) {
  RetryBackoff a(milliseconds(1000), milliseconds(1000), 1);
  RetryBackoff b(milliseconds(1000), milliseconds(1000), 2);
  int differ = 0;
  for (int i = 0; i < 20; ++i)
    differ += a.next() != b.next() ? 1 : 0;
  EXPECT_GT(differ, 10);
}

TEST(RetryBackoff, DegenerateBoundsStillGiveAPositiveCappedDelay) {
  RetryBackoff zero(milliseconds(0), milliseconds(0), 3);
  EXPECT_LE(zero.next().count(), 1);
  RetryBackoff inverted(milliseconds(500), milliseconds(100), 3);  // max below initial
  for (int i = 0; i < 4; ++i)
    EXPECT_LE(inverted.next().count(), 500);
}

}  // namespace
}  // namespace bw::stream
