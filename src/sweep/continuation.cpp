#include "attnmf/sweep/continuation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace attnmf::sweep {

long long grid_rows(const config::SweepGrid& grid) {
  return static_cast<long long>(grid.gamma().size() * grid.epsilon().size() * grid.sizes().size());
}

std::vector<ChainSegment> chain_segments(const config::SweepGrid& grid, const config::Config& config, long long row) {
  if (row < 0 || row >= grid_rows(grid)) throw std::out_of_range("chain_segments: no row " + std::to_string(row));
  const std::vector<double>& beta = grid.beta();
  const auto n = static_cast<long long>(beta.size());
  // The row's points in increasing β (a list axis need not be sorted); equal β keep grid order.
  std::vector<long long> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0LL);
  std::stable_sort(order.begin(), order.end(), [&](long long a, long long b) {
    return beta[static_cast<std::size_t>(a)] < beta[static_cast<std::size_t>(b)];
  });
  std::size_t pivot = 0;
  for (std::size_t i = 1; i < order.size(); ++i)
    if (std::abs(beta[static_cast<std::size_t>(order[i])] - config.continuation.from) <
        std::abs(beta[static_cast<std::size_t>(order[pivot])] - config.continuation.from))
      pivot = i;
  const auto point = [&](std::size_t sorted) { return row * n + order[sorted]; };
  const auto segment = [&](int start, long long from, long long to) {  // sorted positions, both included
    ChainSegment s;
    s.start = start;
    for (long long i = from;; i += from <= to ? 1 : -1) {
      s.points.push_back(point(static_cast<std::size_t>(i)));
      if (i == to) break;
    }
    return s;
  };
  const long long q = static_cast<long long>(pivot), last = n - 1;
  using Direction = config::ContinuationConfig::Direction;
  const Direction d = config.continuation.direction;
  std::vector<ChainSegment> segments;
  if (d == Direction::up || d == Direction::both) {
    segments.push_back(segment(0, q, last));
    if (q > 0) segments.push_back(segment(0, 0, q - 1));
  }
  if (d == Direction::down || d == Direction::both) {
    const int start = d == Direction::both ? 1 : 0;
    segments.push_back(segment(start, q, 0));
    if (q < last) segments.push_back(segment(start, last, q + 1));
  }
  return segments;
}

}  // namespace attnmf::sweep
