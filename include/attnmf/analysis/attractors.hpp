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
  // Periodic orbits (period > 0): the same attractor when the periods are equal and, for the best
  // cyclic shift s ∈ [0, p) of one orbit's phase, each of the last p samples of one is within this
  // max-norm distance (over the M features) of the sample s phases later among the other's last p.
  // Both starts' recurrences were found to 10⁻⁹ in the attention window (analysis.period_tolerance),
  // and samples of one orbit reached from different starts agree far closer than that: at the
  // paper's β = 1.27, 16 starts (the checkpoint and random windows, 10⁵ steps or 10⁶) find the
  // period-28 orbit 13 times, to within 10⁻¹⁵ of each other, and a coexisting period-56 orbit 3
  // times, 0.097 from the period-28 orbit traversed twice. The tolerance leaves a factor 10³ above
  // the recurrence tolerance and 10⁵ below that distance.
  double periodic_tolerance = 1e-6;
  // Aperiodic orbits (period 0): the same attractor when the regimes are equal and at least
  // `cover_fraction` of each one's samples lie within `aperiodic_tolerance` (max norm) of a sample
  // of the other. Two finite samples of one chaotic set never cover each other wholly, and cover
  // each other the better, the coarser the tolerance: at the paper's chaotic points (β = 1.266,
  // 1.28, 1.4), between the checkpoint start and random starts, 2·10⁴ samples each after 5·10⁴ to
  // 3·10⁵ steps, the fractions measured are 0.29–0.68 at 2·10⁻³, 0.79–0.89 at 5·10⁻³ and
  // 0.965–0.994 at 10⁻²; its tori (β = 1.255, 1.26405) cover each other wholly at any of these.
  // 10⁻² with 0.9 groups them all with a margin of 0.065 and more. The price is resolution: sets
  // that differ by less than about 10⁻² are one attractor here. The mirror image m^o_se → −m^o_se
  // of the β = 1.4 attractor, a distinct set that covers 14% of it at 2·10⁻³, covers 94% at 10⁻²,
  // and the tori, which span only ±0.13, are covered to 96–100% by their mirror images at 10⁻².
  // Fewer samples need a coarser tolerance.
  double aperiodic_tolerance = 1e-2;
  double cover_fraction = 0.9;
};

// The attractor of each start: labels 0, 1, … in the order of the first start on each, −1 for a
// start that is not usable. Starts are compared, in start order, with the first start of every
// attractor found so far (its representative) and take the label of the first that matches, or a
// new one: the labels depend on the evidence and its order alone, and a start is never joined to
// an attractor through a chain of near neighbours. A periodic and an aperiodic start never match.
// A periodic record of fewer than p rows is compared on the phases both records hold (its last
// rows are consecutive phases of the orbit). A usable start without samples matches nothing.
// Only usable starts are looked at. Throws std::invalid_argument when a usable start's samples are
// not a whole number of rows of `features` (≥ 1) values, when two usable starts have different
// `features`, a period is negative or a sample is not finite, and for settings out of range
// (tolerances negative or not finite, aperiodic_tolerance 0, cover_fraction outside [0, 1]).
//
// Cost: a periodic pair about 2p distance evaluations, since a shift is dropped at its first pair
// beyond the tolerance (p² at worst, for an orbit that nearly repeats within its period); an
// aperiodic pair about 2·S look-ups in grids of cells of side aperiodic_tolerance over the first
// min(M, 3) features (src/analysis/attractors.cpp), not S².
std::vector<int> group_attractors(std::span<const StartEvidence> starts, const GroupingSettings& settings = {});

}  // namespace attnmf::analysis
