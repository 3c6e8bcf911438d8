#pragma once
// Regime labels (analysis/regime.hpp) from the evidence a point collects.
//
// Three indicators, each stored with the label:
//  * exact recurrence of the window state (PointAnalysis::period) — decisive when found;
//  * the largest Lyapunov exponents over the T recorded steps, compared with a zero band δ(T);
//  * the 0-1 test for chaos (Gottwald & Melbourne 2004/2009) on the recorded m^o_se series: K ≈ 0
//    for regular motion, periodic or quasi-periodic, K ≈ 1 for chaos. It separates a torus from
//    weak chaos where a finite-time exponent cannot.
//
// The zero band. A finite-time estimate of an exponent that is exactly zero (the flow direction of
// a torus, or an orbit at a bifurcation) does not converge like a random walk: on a quasi-periodic
// attractor the stretching along the orbit is bounded, so log‖δx_T‖ stays O(1) and the estimate
// decays like C/T, with C of the order of the logarithm of the largest stretch met along the
// orbit; near a bifurcation or with slow transients it decays like ln T / T. Hence
//   δ(T) = zero_band_scale · ln(T) / T,
// which shrinks with the number of recorded steps and, for the paper's T = 2·10⁵ and the default
// scale 50, is 3·10⁻³, an order of magnitude below the exponents of the paper's chaotic points
// (≳ 2·10⁻²) and above the |λ₁| ≲ 10⁻⁴ we measure on its tori.

#include <vector>

#include "attnmf/analysis/regime.hpp"

namespace attnmf::analysis {

// K of the 0-1 test (correlation method, median over `frequencies` values of c spread
// deterministically over (π/5, 4π/5), which avoids resonances at 0 and π). Uses at most
// `max_points` of the series (a subsample taken with a stride, the test needs no more).
double zero_one_test(const std::vector<double>& series, int frequencies = 16, long long max_points = 2000);

struct ClassificationSettings {
  double zero_band_scale = 50.0;
  double zero_one_threshold = 0.5;  // K above: chaotic
};

struct Classification {
  Regime regime = Regime::undetermined;
  double zero_band = 0.0;  // δ(T) used
};

// `period` and `recurrence_regime` from PointAnalysis; `lyapunov` descending (may be empty);
// `recorded_steps` T; `zero_one_k` NaN when not computed. The rules are those of docs/regimes.md:
// a recurrence decides; else λ₁ > δ chaotic (hyperchaotic with λ₂ > δ), λ₁ < −δ periodic — λ₁ = −∞,
// tangent vectors mapped exactly to zero, included —, |λ₁| ≤ δ quasi-periodic unless K > threshold;
// a NaN λ₁ or no exponents leave the 0-1 test alone.
Classification classify(int period, Regime recurrence_regime, const std::vector<double>& lyapunov, long long recorded_steps,
                        double zero_one_k, const ClassificationSettings& settings = {});

// Everything a point concludes from its evidence: the 0-1 test on the plotted coordinate of the
// recorded samples, the regime, the zero band used, and the paper's own label.
struct Verdict {
  double zero_one = 0.0;
  double zero_band = 0.0;
  Regime regime = Regime::undetermined;
  Regime paper_regime = Regime::undetermined;
};
struct PointAnalysis;
Verdict judge(const PointAnalysis& analysis, const std::vector<double>& lyapunov, long long recorded_steps);

// The paper's own labels from its count of distinct values (the authors' thresholds: periodic
// below 80 distinct values, quasi-periodic below 2500, chaotic above).
Regime paper_regime(int distinct_values);

}  // namespace attnmf::analysis
