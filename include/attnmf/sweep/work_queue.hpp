#pragma once
// A rank's work between its main thread and its compute threads (see sweep/driver.hpp).
//
// WorkQueues holds the grid points waiting for a compute thread, the outcomes waiting for the main
// thread, and the first exception a compute thread could not turn into a point's result.
// ComputeThreads owns the compute threads and makes sure they end, however the main thread leaves.
//
// Thread safety: every WorkQueues member may be called from any thread at the same time (one mutex
// guards everything). The intended use: the main thread alone calls push_points, push_chains, close,
// take_results, take_fault, drop_pending, queued and idle; the compute threads call next_work,
// push_result, push_chain_result, finish_chains and push_fault. ComputeThreads is used by the main
// thread alone.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "attnmf/sweep/point.hpp"

namespace attnmf::sweep {

// What is left of a continuation segment (sweep/continuation.hpp): its points from `next` on, and
// where the next one begins.
struct ChainTask {
  int start = 0;
  std::vector<long long> points;
  std::size_t next = 0;
  std::optional<model::Window> window;  // the previous point's final window; none: the configured start
  bool continued = false;               // window is a neighbour's (continuation.transient)
  const PartialPoint* from = nullptr;   // the next point's saved state, if it was stopped
};

// Work waiting for a compute thread — runs (by id: grid index · starts + start) and continuation
// segments — and results waiting for the main thread.
class WorkQueues {
 public:
  // Queues the runs first … first + count − 1 and wakes the compute threads.
  void push_points(long long first, long long count);
  // All at once, so that a thread taking segments sees every one of them and takes its share.
  void push_chains(std::vector<ChainTask> chains);
  // For compute threads: up to `most` segments when any wait — an even share of them among this
  // thread and the others waiting for work — else up to `most` runs; nothing once closed and empty.
  // Segments taken are finished with finish_chains.
  struct Work {
    std::vector<ChainTask> chains;
    std::vector<long long> runs;
    bool empty() const { return chains.empty() && runs.empty(); }
  };
  Work next_work(std::size_t most);
  // A result of a segment: does not count as a finished run.
  void push_chain_result(Outcome result);
  void finish_chains(std::size_t count);
  // No more points will come: next_work returns nothing once the queues are empty.
  void close();
  // For compute threads: the outcome of a run taken with next_work.
  void push_result(Outcome result);
  // For the main thread: finished results, waiting at most `timeout` for one.
  std::vector<Outcome> take_results(std::chrono::milliseconds timeout);
  // A compute thread's exception: the main thread rethrows it (take_fault) and the sweep stops.
  void push_fault(std::exception_ptr failure);
  std::exception_ptr take_fault();
  // Drops the points no thread has started: a stopping sweep computes them another time.
  void drop_pending();
  // How many runs and segments wait for a compute thread.
  long long queued();
  // Whether no point waits, none is being computed and no result waits.
  bool idle();

 private:
  std::mutex mutex_;
  std::condition_variable work_ready_, result_ready_;
  std::deque<long long> pending_;
  std::deque<ChainTask> chains_;
  long long chains_in_progress_ = 0;
  int waiting_ = 0;  // compute threads inside next_work
  std::deque<Outcome> results_;
  std::exception_ptr fault_;
  long long in_progress_ = 0;
  bool closed_ = false;
};

// The compute threads of a rank. However the main thread leaves run_sweep, the threads are told
// to stop, their queue is closed and they are joined: none is left waiting for work that will not
// come (a std::jthread alone would join a thread blocked in next_work forever).
class ComputeThreads {
 public:
  ComputeThreads(WorkQueues& queues, std::atomic<bool>& stop) : queues_(queues), stop_(stop) {}
  ComputeThreads(const ComputeThreads&) = delete;
  ComputeThreads& operator=(const ComputeThreads&) = delete;
  ~ComputeThreads() { join(); }
  // Starts `count` threads, each running `body` (which takes its points from the queues).
  template <class Body>
  void start(int count, Body body) {
    for (int t = 0; t < count; ++t) threads_.emplace_back(body);
  }
  // Sets the stop flag, drops the pending points, closes the queues and joins every thread.
  void join();

 private:
  WorkQueues& queues_;
  std::atomic<bool>& stop_;
  std::vector<std::jthread> threads_;
};

}  // namespace attnmf::sweep
