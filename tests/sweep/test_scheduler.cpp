// The master's Scheduler: blocks of consecutive points still to compute, in grid order.
#include <gtest/gtest.h>

#include <random>
#include <utility>
#include <vector>

#include "attnmf/sweep/scheduler.hpp"

namespace {

using attnmf::sweep::Scheduler;
using Block = std::pair<long long, long long>;

std::vector<Block> every_block(Scheduler& scheduler) {
  std::vector<Block> blocks;
  while (!scheduler.exhausted()) blocks.push_back(scheduler.next());
  return blocks;
}

TEST(Scheduler, BlocksSkipDonePointsAndNeverSpanOne) {
  //                    0     1     2      3      4      5     6      7      8      9
  std::vector<bool> done{true, true, false, false, false, true, false, false, false, false};
  Scheduler scheduler(done, 3);
  EXPECT_EQ(every_block(scheduler), (std::vector<Block>{{2, 3}, {6, 3}, {9, 1}}));

  Scheduler pairs(done, 2);
  EXPECT_EQ(every_block(pairs), (std::vector<Block>{{2, 2}, {4, 1}, {6, 2}, {8, 2}}));
}

TEST(Scheduler, EveryPointToComputeIsHandedOutOnceInRunsOfConsecutivePoints) {
  std::mt19937 random(13);
  for (int trial = 0; trial < 200; ++trial) {
    const auto size = static_cast<std::size_t>(random() % 40);
    std::vector<bool> done(size);
    for (std::size_t i = 0; i < size; ++i) done[i] = random() % 3 == 0;
    const long long block = 1 + static_cast<long long>(random() % 5);
    Scheduler scheduler(done, block);
    std::vector<int> handed_out(size, 0);
    for (const auto& [first, count] : every_block(scheduler)) {
      EXPECT_GT(count, 0);
      EXPECT_LE(count, block);
      for (long long p = first; p < first + count; ++p) {
        ASSERT_LT(static_cast<std::size_t>(p), size);
        EXPECT_FALSE(done[static_cast<std::size_t>(p)]) << "a block spans done point " << p;
        ++handed_out[static_cast<std::size_t>(p)];
      }
    }
    for (std::size_t i = 0; i < size; ++i) EXPECT_EQ(handed_out[i], done[i] ? 0 : 1) << "point " << i;
  }
}

TEST(Scheduler, ExhaustedOnceEveryPointIsHandedOut) {
  Scheduler empty({}, 4);
  EXPECT_TRUE(empty.exhausted());
  EXPECT_EQ(empty.next().second, 0);

  Scheduler all_done({true, true, true}, 4);
  EXPECT_TRUE(all_done.exhausted());
  EXPECT_EQ(all_done.next(), (Block{3, 0}));

  // Done points after the last block leave nothing to hand out: exhausted at once.
  Scheduler tail_done({false, false, true, true}, 2);
  EXPECT_FALSE(tail_done.exhausted());
  EXPECT_EQ(tail_done.next(), (Block{0, 2}));
  EXPECT_TRUE(tail_done.exhausted());
  EXPECT_EQ(tail_done.next().second, 0);
}

TEST(Scheduler, StopHandsOutNothingMore) {
  Scheduler scheduler(std::vector<bool>(10, false), 3);
  EXPECT_EQ(scheduler.next(), (Block{0, 3}));
  scheduler.stop();
  EXPECT_TRUE(scheduler.exhausted());
  EXPECT_EQ(scheduler.next().second, 0);
  EXPECT_EQ(scheduler.next().second, 0);
}

}  // namespace
