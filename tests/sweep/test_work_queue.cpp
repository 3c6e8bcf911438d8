// A rank's WorkQueues between its main thread and its compute threads, and ComputeThreads.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <variant>
#include <vector>

#include "attnmf/sweep/point.hpp"
#include "attnmf/sweep/work_queue.hpp"

namespace {

using namespace attnmf::sweep;
using namespace std::chrono_literals;

Outcome result_of(long long index) {
  PointResult result;
  result.index = index;
  result.status = PointStatus::done;
  return result;
}

TEST(WorkQueues, PointsComeOutInOrderAtMostSoManyAtATime) {
  WorkQueues queues;
  EXPECT_TRUE(queues.idle());
  queues.push_points(5, 4);
  EXPECT_EQ(queues.queued(), 4);
  EXPECT_FALSE(queues.idle());
  EXPECT_EQ(queues.next_work(3).runs, (std::vector<long long>{5, 6, 7}));
  EXPECT_EQ(queues.queued(), 1);
  EXPECT_EQ(queues.next_work(3).runs, (std::vector<long long>{8}));
  EXPECT_EQ(queues.queued(), 0);
  EXPECT_FALSE(queues.idle());  // four points in progress
  for (long long p = 5; p < 9; ++p) queues.push_result(result_of(p));
  EXPECT_FALSE(queues.idle());  // their results wait
  const std::vector<Outcome> results = queues.take_results(0ms);
  ASSERT_EQ(results.size(), 4u);
  for (std::size_t i = 0; i < results.size(); ++i)
    EXPECT_EQ(std::get<PointResult>(results[i]).index, 5 + static_cast<long long>(i));
  EXPECT_TRUE(queues.idle());
}

TEST(WorkQueues, ClosedAndEmptyGivesNoPoints) {
  WorkQueues queues;
  queues.push_points(0, 2);
  queues.close();
  EXPECT_EQ(queues.next_work(1).runs, (std::vector<long long>{0}));  // what is queued still comes out
  EXPECT_EQ(queues.next_work(1).runs, (std::vector<long long>{1}));
  EXPECT_TRUE(queues.next_work(1).runs.empty());  // and then nothing, without waiting
}

TEST(WorkQueues, CloseWakesAWaitingThread) {
  WorkQueues queues;
  std::vector<long long> taken{-1};
  std::thread waiter([&] { taken = queues.next_work(4).runs; });
  std::this_thread::sleep_for(20ms);
  queues.close();
  waiter.join();
  EXPECT_TRUE(taken.empty());
}

TEST(WorkQueues, DropPendingKeepsWhatIsInProgress) {
  WorkQueues queues;
  queues.push_points(0, 5);
  EXPECT_EQ(queues.next_work(2).runs.size(), 2u);
  queues.drop_pending();
  EXPECT_EQ(queues.queued(), 0);
  EXPECT_FALSE(queues.idle());
  queues.push_result(result_of(0));
  queues.push_result(result_of(1));
  EXPECT_EQ(queues.take_results(0ms).size(), 2u);
  EXPECT_TRUE(queues.idle());
}

TEST(WorkQueues, TakeResultsWaitsAtMostTheTimeout) {
  WorkQueues queues;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(queues.take_results(30ms).empty());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 25ms);

  // A result that comes while it waits ends the wait early.
  queues.push_points(7, 1);
  ASSERT_EQ(queues.next_work(1).runs.size(), 1u);
  std::thread computer([&] {
    std::this_thread::sleep_for(20ms);
    queues.push_result(result_of(7));
  });
  const auto waited_from = std::chrono::steady_clock::now();
  std::vector<Outcome> results = queues.take_results(10s);
  const auto waited = std::chrono::steady_clock::now() - waited_from;
  computer.join();
  if (results.empty()) results = queues.take_results(0ms);  // a spurious early return is allowed
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(std::get<PointResult>(results[0]).index, 7);
  EXPECT_LT(waited, 5s);
}

TEST(WorkQueues, TheFirstFaultIsKeptAndTakenOnce) {
  WorkQueues queues;
  EXPECT_EQ(queues.take_fault(), nullptr);
  queues.push_fault(std::make_exception_ptr(std::runtime_error("first")));
  queues.push_fault(std::make_exception_ptr(std::runtime_error("second")));
  const std::exception_ptr fault = queues.take_fault();
  ASSERT_NE(fault, nullptr);
  try {
    std::rethrow_exception(fault);
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "first");
  }
  EXPECT_EQ(queues.take_fault(), nullptr);
}

// A fault is no result: take_results still returns by its timeout (the driver looks every 2 ms),
// with nothing, and the fault waits for take_fault.
TEST(WorkQueues, AFaultWaitsForTakeFault) {
  WorkQueues queues;
  std::thread failing([&] { queues.push_fault(std::make_exception_ptr(std::runtime_error("compute thread"))); });
  failing.join();
  EXPECT_TRUE(queues.take_results(20ms).empty());
  EXPECT_NE(queues.take_fault(), nullptr);
}

TEST(ComputeThreads, JoinEndsThreadsWaitingForWork) {
  WorkQueues queues;
  std::atomic<bool> stop{false};
  std::atomic<int> points{0};
  {
    ComputeThreads threads(queues, stop);
    threads.start(2, [&] {
      while (!queues.next_work(1).runs.empty()) ++points;
    });
    queues.push_points(0, 3);
    while (points < 3) std::this_thread::sleep_for(1ms);
    threads.join();  // both threads wait in next_work: join closes the queues and they end
    EXPECT_TRUE(stop);
  }
  EXPECT_EQ(points, 3);
}

TEST(ComputeThreads, TheDestructorJoinsToo) {
  WorkQueues queues;
  std::atomic<bool> stop{false};
  {
    ComputeThreads threads(queues, stop);
    threads.start(1, [&] {
      while (!queues.next_work(1).runs.empty()) {
      }
    });
  }
  EXPECT_TRUE(stop);
}

}  // namespace
