#include "attnmf/sweep/scheduler.hpp"

#include <cstddef>

namespace attnmf::sweep {

Scheduler::Scheduler(std::vector<bool> done, long long block) : done_(std::move(done)), block_(block) { skip(); }

std::pair<long long, long long> Scheduler::next() {
  const long long first = next_;
  long long count = 0;
  while (next_ < size() && !done_[static_cast<std::size_t>(next_)] && count < block_) {
    ++next_;
    ++count;
  }
  skip();
  return {first, count};
}

bool Scheduler::exhausted() const { return next_ >= size(); }

void Scheduler::stop() { next_ = size(); }

void Scheduler::skip() {
  while (next_ < size() && done_[static_cast<std::size_t>(next_)]) ++next_;
}

}  // namespace attnmf::sweep
