#include "attnmf/sweep/work_queue.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace attnmf::sweep {

void WorkQueues::push_points(long long first, long long count) {
  {
    std::lock_guard lock(mutex_);
    for (long long p = first; p < first + count; ++p) pending_.push_back(p);
  }
  work_ready_.notify_all();
}

void WorkQueues::push_chains(std::vector<ChainTask> chains) {
  if (chains.empty()) return;
  {
    std::lock_guard lock(mutex_);
    for (ChainTask& chain : chains) chains_.push_back(std::move(chain));
  }
  work_ready_.notify_all();
}

WorkQueues::Work WorkQueues::next_work(std::size_t most) {
  std::unique_lock lock(mutex_);
  ++waiting_;
  work_ready_.wait(lock, [&] { return !pending_.empty() || !chains_.empty() || closed_; });
  // This thread and those still waiting share the segments there are.
  const std::size_t share = static_cast<std::size_t>(waiting_);
  --waiting_;
  Work work;
  if (!chains_.empty()) {
    // Segments are long and sequential: a thread takes its share of them and integrates them side
    // by side in its lanes, so that the threads waiting with it get theirs.
    const std::size_t take = std::max<std::size_t>(1, std::min(most, (chains_.size() + share - 1) / share));
    while (!chains_.empty() && work.chains.size() < take) {
      work.chains.push_back(std::move(chains_.front()));
      chains_.pop_front();
      ++chains_in_progress_;
    }
    return work;
  }
  while (!pending_.empty() && work.runs.size() < most) {
    work.runs.push_back(pending_.front());
    pending_.pop_front();
    ++in_progress_;
  }
  return work;
}

void WorkQueues::push_chain_result(Outcome result) {
  {
    std::lock_guard lock(mutex_);
    results_.push_back(std::move(result));
  }
  result_ready_.notify_all();
}

void WorkQueues::finish_chains(std::size_t count) {
  {
    std::lock_guard lock(mutex_);
    chains_in_progress_ -= static_cast<long long>(count);
  }
  result_ready_.notify_all();
}

void WorkQueues::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  work_ready_.notify_all();
}

void WorkQueues::push_result(Outcome result) {
  {
    std::lock_guard lock(mutex_);
    results_.push_back(std::move(result));
    --in_progress_;
  }
  result_ready_.notify_all();
}

std::vector<Outcome> WorkQueues::take_results(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  result_ready_.wait_for(lock, timeout, [&] { return !results_.empty(); });
  std::vector<Outcome> taken(std::make_move_iterator(results_.begin()), std::make_move_iterator(results_.end()));
  results_.clear();
  return taken;
}

void WorkQueues::push_fault(std::exception_ptr failure) {
  {
    std::lock_guard lock(mutex_);
    if (!fault_) fault_ = std::move(failure);
  }
  result_ready_.notify_all();
}

std::exception_ptr WorkQueues::take_fault() {
  std::lock_guard lock(mutex_);
  return std::exchange(fault_, nullptr);
}

void WorkQueues::drop_pending() {
  std::lock_guard lock(mutex_);
  pending_.clear();
  chains_.clear();
}

long long WorkQueues::queued() {
  std::lock_guard lock(mutex_);
  return static_cast<long long>(pending_.size() + chains_.size());
}

bool WorkQueues::idle() {
  std::lock_guard lock(mutex_);
  return pending_.empty() && chains_.empty() && in_progress_ == 0 && chains_in_progress_ == 0 && results_.empty();
}

void ComputeThreads::join() {
  if (threads_.empty()) return;
  stop_ = true;
  queues_.drop_pending();
  queues_.close();
  threads_.clear();
}

}  // namespace attnmf::sweep
