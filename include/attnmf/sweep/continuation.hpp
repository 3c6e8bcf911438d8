#pragma once
// The chains of a continuation sweep (sweep.mode = continuation, docs/attractors.md), as plain lists
// of grid points. Every (γ, ε) row of the grid is continued on its own along β:
//  * the pivot is the row's point whose β is nearest continuation.from (the lower on a tie);
//  * the up chain (start 0 with direction up or both) visits the pivot and the points above it in
//    increasing β, and, as a second segment, the points below the pivot from the row's lowest β
//    upward; the down chain (start 0 with down, start 1 with both) the pivot and the points below it
//    in decreasing β, and then the points above it from the row's highest β downward;
//  * a segment's first point starts from the configured initial condition (run.transient steps);
//    every later point from the final window of the point before it (continuation.transient steps),
//    or afresh when that point failed.
// So every point of a row is reached once by each chain direction it has, from its lower neighbour
// going up and from its upper neighbour going down; the segments are independent of each other.

#include <vector>

#include "attnmf/config/config.hpp"
#include "attnmf/config/grid.hpp"

namespace attnmf::sweep {

struct ChainSegment {
  int start = 0;                  // the start of every point it visits
  std::vector<long long> points;  // grid indices, in chain order
};

// Rows of the grid: n_gamma · n_epsilon; row r holds the points r · n_beta … r · n_beta + n_beta − 1.
long long grid_rows(const config::SweepGrid& grid);
// The segments of row `row`, one or two per chain direction (none empty), up before down.
std::vector<ChainSegment> chain_segments(const config::SweepGrid& grid, const config::Config& config, long long row);

}  // namespace attnmf::sweep
