#pragma once
// Regime labels (analysis/regime.hpp) from the evidence a point collects.
//
// Four indicators, each stored with the label:
//  * exact recurrence of the window state (PointAnalysis::period) — decisive when found;
//  * the largest Lyapunov exponents over the T recorded steps, compared with a zero band δ(T);
//  * the 0-1 test for chaos (Gottwald & Melbourne 2004/2009) on the recorded m^o_se series: K ≈ 0
//    for regular motion, periodic or quasi-periodic, K ≈ 1 for chaos. It separates a torus from
//    weak chaos where a finite-time exponent cannot;
//  * the correlation dimension of the recorded samples (Grassberger & Procaccia 1983), ≈ 1 on an
//    invariant circle and ≈ 2 on a 2-torus: it tells the two apart where a second exponent in the
//    zero band cannot (a finite-time λ₂ of an invariant circle is often within it).
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

#include <limits>
#include <vector>

#include "attnmf/analysis/regime.hpp"

namespace attnmf::analysis {

// K of the 0-1 test (correlation method, median over `frequencies` values of c spread
// deterministically over (π/5, 4π/5), which avoids resonances at 0 and π). Uses at most
// `max_points` of the series (a subsample taken with a stride, the test needs no more).
double zero_one_test(const std::vector<double>& series, int frequencies = 16, long long max_points = 2000);

// The correlation dimension of the rows of `samples` ([rows][features], oldest first), by the
// Grassberger–Procaccia correlation sum on a deterministic subsample: every s-th row back from the
// newest, s the smallest multiple of `cycle` that leaves at most `max_points` rows. With the
// positional period L as `cycle` the rows share the phase of the positional code: the map is forced
// with period L, so rows of mixed phases lie on L copies of the attractor side by side, whose
// spacing reads as extra dimension. C(r) is the fraction of pairs of subsample rows closer than r
// (Euclidean, over the features) and the dimension is the slope of log C between two radii set by
// the spread of the subsample, D = the root-mean-square distance of its rows from their centroid:
//   dimension = ln(C(0.2 D) / C(0.02 D)) / ln 10.
// Above 0.2 D the attractor's own extent bends the curve; below 0.02 D, at 2000 rows, a 2-torus has
// too few pairs (rows on it are ~0.08 D apart). 1.0 on an invariant circle, 1.7 to 2.0 on the 2-tori
// of tests/analysis (minor radii 0.03 to 0.5 of the major), 0 on a periodic orbit whose points are
// farther apart than 0.2 D. An indicator for a threshold, not a measurement: the rows of a
// quasi-periodic orbit are a rotation, not independent draws, and a circle near a resonance of the
// stride reads below 1 (docs/regimes.md). NaN below 100 rows or with no pair within 0.02 D; 0 when
// D ≤ 1e-12, rows that differ by rounding alone (a point at rest).
double correlation_dimension(const std::vector<double>& samples, int features, int cycle = 1,
                             long long max_points = 2000);

struct ClassificationSettings {
  double zero_band_scale = 50.0;
  double zero_one_threshold = 0.5;  // K above: chaotic
  double torus_dimension = 1.5;     // correlation dimension from which a torus is a 2-torus
};

struct Classification {
  Regime regime = Regime::undetermined;
  double zero_band = 0.0;  // δ(T) used
};

// `period` and `recurrence_regime` from PointAnalysis; `lyapunov` descending (may be empty);
// `recorded_steps` T; `zero_one_k` and `dimension` (correlation_dimension) NaN when not computed.
// The rules are those of docs/regimes.md: a recurrence decides; else λ₁ > δ chaotic (hyperchaotic
// with λ₂ > δ), λ₁ < −δ periodic — λ₁ = −∞, tangent vectors mapped exactly to zero, included —,
// |λ₁| ≤ δ quasi-periodic unless K > threshold, and a 2-torus when |λ₂| ≤ δ too, K is known and
// regular and the dimension is at least settings.torus_dimension; a NaN λ₁ or no exponents leave the
// 0-1 test alone.
Classification classify(int period, Regime recurrence_regime, const std::vector<double>& lyapunov, long long recorded_steps,
                        double zero_one_k, double dimension = std::numeric_limits<double>::quiet_NaN(),
                        const ClassificationSettings& settings = {});

// Everything a point concludes from its evidence: the 0-1 test on the plotted coordinate of the
// recorded samples, their correlation dimension, the regime, the zero band used, and the paper's
// own label.
struct Verdict {
  double zero_one = 0.0;
  double zero_band = 0.0;
  Regime regime = Regime::undetermined;
  Regime paper_regime = Regime::undetermined;
  double correlation_dimension = std::numeric_limits<double>::quiet_NaN();
};
struct PointAnalysis;
// `positional_cycle`: the period of the positional code (L), the subsample stride's unit for the
// correlation dimension.
Verdict judge(const PointAnalysis& analysis, const std::vector<double>& lyapunov, long long recorded_steps,
              int positional_cycle);

// The paper's own labels from its count of distinct values (the authors' thresholds: periodic
// below 80 distinct values, quasi-periodic below 2500, chaotic above).
Regime paper_regime(int distinct_values);

}  // namespace attnmf::analysis
