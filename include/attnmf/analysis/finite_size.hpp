#pragma once
// How far a finite network is from the mean-field attractor of the same point (docs/network.md):
// pure functions of two sets of recorded m^o_se samples, the network's and the mean field's.
//
// The distance depends on the reference's attractor:
//  * fixed point (the reference's regime, or a recurrence whose points all coincide in m^o_se, to
//    1e-9): the root-mean-square distance of the network's samples from it — bias and fluctuations
//    together, ~N^(−1/2). A fixed point of the map may turn with the positional code (a recurrence
//    of period L): the distance is then to the nearest of its points, as for an orbit;
//  * orbit (a recurrence of period p > 1 through distinct points): the root-mean-square distance of
//    each sample from the nearest of the orbit's p points (the reference's last p samples);
//  * distribution (an aperiodic reference: quasi-periodic, chaotic, …): the Wasserstein-1 distance
//    between the two sample distributions of m^o_se,0 (the mean absolute difference of the sorted
//    samples, the smaller set's quantiles matched in the larger one).
// Recognised: an orbit when at least `tracking_threshold` of the network's steps follow it — the
// sample after a step lies nearest (ties allowed) to the orbit point after the one nearest the sample
// before (`tracking`, also given for a fixed point); a fixed point when the network's mean lies
// within its standard deviation of it (|bias| ≤ |deviation|, over the features: noise around the
// point, not another state); a distribution when its distance is at most `distribution_threshold`
// times the standard deviation of the reference's m^o_se,0.
#include <array>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "attnmf/analysis/regime.hpp"

namespace attnmf::analysis {

enum class DistanceKind : std::int8_t { none = -1, fixed_point = 0, orbit = 1, distribution = 2 };
inline constexpr std::array<std::string_view, 3> kDistanceKindNames = {"fixed point", "orbit", "distribution"};

struct FiniteSizeSettings {
  double tracking_threshold = 0.9;
  double distribution_threshold = 0.1;
};

// What the reference's samples [S][M] and its regime and period call for.
DistanceKind distance_kind(Regime reference_regime, int reference_period, const std::vector<double>& reference_samples,
                           int features);

struct NetworkComparison {
  DistanceKind kind = DistanceKind::none;
  double distance = std::numeric_limits<double>::quiet_NaN();
  double tracking = std::numeric_limits<double>::quiet_NaN();  // fixed point and orbit only
  bool recognised = false;
  std::vector<double> mean, deviation, bias;  // [M]: the network's samples; bias = mean − reference mean
};

// `network` and `reference` are [S][M] samples, oldest first (the reference needs at least its
// period's worth). Throws std::invalid_argument for empty or ragged samples.
NetworkComparison compare_network(const std::vector<double>& network, const std::vector<double>& reference,
                                  int features, Regime reference_regime, int reference_period,
                                  const FiniteSizeSettings& settings = {});

// The distance that sampling alone makes for a distribution (DistanceKind::distribution): the
// Wasserstein-1 distance between the first and the second half of the reference's m^o_se,0 samples,
// under which two sample sets of that length do not tell distributions apart. NaN below 2 rows.
double sampling_floor(const std::vector<double>& reference, int features);

}  // namespace attnmf::analysis
