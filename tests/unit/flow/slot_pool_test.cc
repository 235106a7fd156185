#include <gtest/gtest.h>

#include <cstdint>

#include "sensor/flow/pools.h"

namespace bw::flow {
namespace {

// Counts constructions and destructions, and carries a value that survives only if the object is
// kept between uses.
struct Tracked {
  static inline int constructed = 0;
  static inline int destroyed = 0;
  Tracked() { ++constructed; }
  ~Tracked() { ++destroyed; }
  std::uint32_t value = 0;
};

class SlotPoolTest : public ::testing::Test {
 protected:
  void SetUp() override { Tracked::constructed = Tracked::destroyed = 0; }
};

TEST_F(SlotPoolTest, FreshPoolConstructsOnEveryAcquireAndDestroysOnRelease) {
  {
    SlotPool<Tracked> pool(2);
    const std::uint32_t a = pool.acquire();
    pool[a].value = 7;
    pool.release(a);
    EXPECT_EQ(Tracked::destroyed, 1);
    const std::uint32_t b = pool.acquire();
    EXPECT_EQ(b, a);  // the slot just returned is taken first
    EXPECT_EQ(pool[b].value, 0u);
    EXPECT_EQ(Tracked::constructed, 2);
  }
  EXPECT_EQ(Tracked::destroyed, 2);  // the one still held, at pool destruction
}

TEST_F(SlotPoolTest, CallerResetsPoolConstructsEachSlotOnceAndKeepsIt) {
  {
    SlotPool<Tracked, SlotReuse::kCallerResets> pool(2);
    const std::uint32_t a = pool.acquire();
    pool[a].value = 7;
    pool.release(a);
    EXPECT_EQ(Tracked::destroyed, 0);
    const std::uint32_t b = pool.acquire();
    EXPECT_EQ(b, a);
    EXPECT_EQ(pool[b].value, 7u);  // not rebuilt: resetting is the caller's job
    const std::uint32_t c = pool.acquire();
    EXPECT_NE(c, b);
    EXPECT_EQ(Tracked::constructed, 2);  // once per slot ever used
    EXPECT_EQ(pool.acquire(), SlotPool<Tracked>::kNone);
    EXPECT_EQ(pool.in_use(), 2u);
    pool.release(b);
    pool.release(c);
    EXPECT_EQ(pool.in_use(), 0u);
  }
  EXPECT_EQ(Tracked::destroyed, 2);  // every constructed slot, free or not, at pool destruction
}

TEST_F(SlotPoolTest, UnusedSlotsAreNeverConstructed) {
  { SlotPool<Tracked, SlotReuse::kCallerResets> pool(1000); }
  EXPECT_EQ(Tracked::constructed, 0);
  EXPECT_EQ(Tracked::destroyed, 0);
}

}  // namespace
}  // namespace bw::flow
