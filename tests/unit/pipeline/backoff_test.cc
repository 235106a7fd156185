#include "sensor/pipeline/backoff.h"

#include <gtest/gtest.h>

namespace bw::pipeline {
namespace {

TEST(BoundedWait, SucceedsAtOnceWithoutCountingAWait) {
  BoundedWait wait(std::chrono::milliseconds(5));
  std::uint64_t waits = 0;
  EXPECT_TRUE(wait.attempt([] { return true; }, waits));
  EXPECT_EQ(waits, 0u);
}

TEST(BoundedWait, WaitsUntilRoomAppears) {
  BoundedWait wait(std::chrono::seconds(30));
  std::uint64_t waits = 0;
  int tries = 0;
  EXPECT_TRUE(wait.attempt([&] { return ++tries == 100; }, waits));
  EXPECT_EQ(waits, 99u);
  EXPECT_FALSE(wait.gave_up());
}

TEST(BoundedWait, GivesUpAfterTheLimitThenFailsAtOnceUntilASuccess) {
  BoundedWait wait(std::chrono::milliseconds(2));
  std::uint64_t waits = 0;
  bool room = false;
  auto try_once = [&] { return room; };

  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(wait.attempt(try_once, waits));  // a stuck consumer: the wait runs out
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2));
  EXPECT_TRUE(wait.gave_up());
  EXPECT_GT(waits, 0u);

  const std::uint64_t waits_at_give_up = waits;
  EXPECT_FALSE(wait.attempt(try_once, waits));  // still stuck: no second wait
  EXPECT_EQ(waits, waits_at_give_up);

  room = true;  // the consumer moved: the next attempt succeeds and waiting is allowed again
  EXPECT_TRUE(wait.attempt(try_once, waits));
  EXPECT_FALSE(wait.gave_up());
  int tries = 0;
  EXPECT_TRUE(wait.attempt([&] { return ++tries == 3; }, waits));
  EXPECT_EQ(waits, waits_at_give_up + 2);
}

}  // namespace
}  // namespace bw::pipeline
