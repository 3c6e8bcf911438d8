#pragma once
// The master's handing out of work (see sweep/driver.hpp): blocks of consecutive grid points still
// to compute, in grid order, skipping the points earlier runs finished (the journal's).
//
// Thread safety: none; a Scheduler belongs to the master rank's main thread, which alone calls it.

#include <utility>
#include <vector>

namespace attnmf::sweep {

// Blocks of at most `block` consecutive points still to compute. A block never spans a point that
// is already done, so every block is a run of consecutive indices.
class Scheduler {
 public:
  // done[i]: point i needs no computing. The grid is done.size() points.
  Scheduler(std::vector<bool> done, long long block);
  // The next block {first, count}; count is 0 once exhausted (first is then the grid's size).
  std::pair<long long, long long> next();
  // Whether every point still to compute has been handed out.
  bool exhausted() const;
  // Hands out nothing more: the sweep is stopping.
  void stop();

 private:
  long long size() const { return static_cast<long long>(done_.size()); }
  void skip();
  std::vector<bool> done_;
  long long block_, next_ = 0;
};

}  // namespace attnmf::sweep
