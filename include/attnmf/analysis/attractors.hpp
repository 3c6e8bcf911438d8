#pragma once
// Which starts of a grid point reached the same attractor (docs/attractors.md): the grouping rule
// and its tolerances, on the evidence each start's analysis collected. Pure and serial.

#include <span>
#include <vector>

#include "attnmf/analysis/regime.hpp"

namespace attnmf::analysis {

// What the grouping looks at of one start.
struct StartEvidence {
  bool usable = false;  // false: the start failed (no attractor); it is left out of every group
  int period = 0;       // the recurrence period, 0 when none was found
  Regime regime = Regime::undetermined;
  int features = 0;                // M
  std::span<const double> samples;  // m^o_se of the last recorded steps, [rows][M], oldest first
};

struct GroupingSettings {
  // Periodic orbits (period > 0): the same attractor when the periods are equal and, after the best
  // shift of one orbit's phase, every sample of one is within this max-norm distance of the other's.
  double periodic_tolerance = 1e-6;
  // Aperiodic orbits (period 0): the same attractor when the regimes are equal and at least
  // `cover_fraction` of each one's samples lie within `aperiodic_tolerance` (max-norm) of a sample
  // of the other.
  double aperiodic_tolerance = 1e-2;
  double cover_fraction = 0.9;
};

// The attractor of each start: labels 0, 1, … in the order of the first start on each, −1 for a
// start that is not usable. Starts are compared with the first start of every attractor found so
// far (its representative), in start order, so the labels depend on the evidence alone. Throws
// std::invalid_argument when samples are not a whole number of rows of `features` values.
std::vector<int> group_attractors(std::span<const StartEvidence> starts, const GroupingSettings& settings = {});

}  // namespace attnmf::analysis
