#include "attnmf/analysis/finite_size.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace attnmf::analysis {
namespace {

std::size_t rows_of(const std::vector<double>& samples, int features, const char* what) {
  if (features <= 0 || samples.empty() || samples.size() % static_cast<std::size_t>(features) != 0)
    throw std::invalid_argument(std::string("compare_network: the ") + what + " samples are empty or not [S][M]");
  return samples.size() / static_cast<std::size_t>(features);
}

double squared_distance(const double* x, const double* y, int features) {
  double sum = 0.0;
  for (int a = 0; a < features; ++a) sum += (x[a] - y[a]) * (x[a] - y[a]);
  return sum;
}

// The reference's last `period` samples: one pass of its orbit.
std::vector<double> orbit_points(const std::vector<double>& reference, int features, int period) {
  const std::size_t rows = reference.size() / static_cast<std::size_t>(features);
  const std::size_t p = std::min(static_cast<std::size_t>(std::max(period, 1)), rows);
  return {reference.end() - static_cast<std::ptrdiff_t>(p * static_cast<std::size_t>(features)), reference.end()};
}

// W1 between two sets of values (sorted here): the mean absolute difference of the smaller set's
// values and the larger set's at the same quantiles (i + 1/2) / n.
double wasserstein(std::vector<double> x, std::vector<double> y) {
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  const std::vector<double>& small = x.size() <= y.size() ? x : y;
  const std::vector<double>& large = x.size() <= y.size() ? y : x;
  double sum = 0.0;
  for (std::size_t i = 0; i < small.size(); ++i) {
    const auto j = static_cast<std::size_t>((static_cast<double>(i) + 0.5) / static_cast<double>(small.size()) *
                                            static_cast<double>(large.size()));
    sum += std::abs(small[i] - large[std::min(j, large.size() - 1)]);
  }
  return sum / static_cast<double>(small.size());
}

}  // namespace

double sampling_floor(const std::vector<double>& reference, int features) {
  if (features <= 0) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t rows = reference.size() / static_cast<std::size_t>(features);
  if (rows < 2) return std::numeric_limits<double>::quiet_NaN();
  std::vector<double> first, second;
  for (std::size_t r = 0; r < rows; ++r)
    (r < rows / 2 ? first : second).push_back(reference[r * static_cast<std::size_t>(features)]);
  return wasserstein(std::move(first), std::move(second));
}

DistanceKind distance_kind(Regime reference_regime, int reference_period, const std::vector<double>& reference_samples,
                           int features) {
  switch (reference_regime) {
    case Regime::fixed_point: return DistanceKind::fixed_point;
    case Regime::periodic: {
      if (reference_period <= 0 || features <= 0 || reference_samples.empty()) return DistanceKind::none;
      const std::vector<double> orbit = orbit_points(reference_samples, features, reference_period);
      for (std::size_t i = 0; i < orbit.size(); ++i)
        if (std::abs(orbit[i] - orbit[i % static_cast<std::size_t>(features)]) > 1e-9) return DistanceKind::orbit;
      return DistanceKind::fixed_point;
    }
    case Regime::quasi_periodic:
    case Regime::chaotic:
    case Regime::hyperchaotic:
    case Regime::two_torus: return DistanceKind::distribution;
    case Regime::undetermined: return DistanceKind::none;
  }
  return DistanceKind::none;
}

NetworkComparison compare_network(const std::vector<double>& network, const std::vector<double>& reference,
                                  int features, Regime reference_regime, int reference_period,
                                  const FiniteSizeSettings& settings) {
  const std::size_t rows = rows_of(network, features, "network");
  const std::size_t reference_rows = rows_of(reference, features, "reference");
  const auto M = static_cast<std::size_t>(features);
  NetworkComparison c;
  c.kind = distance_kind(reference_regime, reference_period, reference, features);
  c.mean.assign(M, 0.0);
  c.deviation.assign(M, 0.0);
  c.bias.assign(M, 0.0);
  std::vector<double> reference_mean(M, 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t a = 0; a < M; ++a) c.mean[a] += network[r * M + a];
  for (std::size_t r = 0; r < reference_rows; ++r)
    for (std::size_t a = 0; a < M; ++a) reference_mean[a] += reference[r * M + a];
  for (std::size_t a = 0; a < M; ++a) {
    c.mean[a] /= static_cast<double>(rows);
    reference_mean[a] /= static_cast<double>(reference_rows);
    double square = 0.0;
    for (std::size_t r = 0; r < rows; ++r) square += (network[r * M + a] - c.mean[a]) * (network[r * M + a] - c.mean[a]);
    c.deviation[a] = std::sqrt(square / static_cast<double>(rows));
    c.bias[a] = c.mean[a] - reference_mean[a];
  }

  switch (c.kind) {
    case DistanceKind::none: break;
    case DistanceKind::fixed_point:
    case DistanceKind::orbit: {
      // A fixed point of the map may still turn with the positional code (period L in the window):
      // its points, like an orbit's, are the reference's last period.
      const std::vector<double> orbit = orbit_points(reference, features, reference_period);
      const std::size_t p = orbit.size() / M;
      // Each sample's nearest orbit point, and its squared distance.
      std::vector<std::size_t> nearest(rows);
      double square_sum = 0.0;
      const auto distance_to = [&](std::size_t r, std::size_t k) {
        return squared_distance(network.data() + r * M, orbit.data() + k * M, features);
      };
      for (std::size_t r = 0; r < rows; ++r) {
        std::size_t best = 0;
        double best_distance = distance_to(r, 0);
        for (std::size_t k = 1; k < p; ++k)
          if (const double d = distance_to(r, k); d < best_distance) {
            best = k;
            best_distance = d;
          }
        nearest[r] = best;
        square_sum += best_distance;
      }
      c.distance = std::sqrt(square_sum / static_cast<double>(rows));
      if (rows >= 2) {
        long long followed = 0;
        for (std::size_t r = 0; r + 1 < rows; ++r) {
          const std::size_t predicted = (nearest[r] + 1) % p;
          if (distance_to(r + 1, predicted) <= distance_to(r + 1, nearest[r + 1])) ++followed;
        }
        c.tracking = static_cast<double>(followed) / static_cast<double>(rows - 1);
      }
      if (c.kind == DistanceKind::orbit) {
        c.recognised = c.tracking >= settings.tracking_threshold;
      } else {
        // Noise around a point, not another state: the mean within one deviation of it.
        double bias = 0.0, deviation = 0.0;
        for (std::size_t a = 0; a < M; ++a) {
          bias += c.bias[a] * c.bias[a];
          deviation += c.deviation[a] * c.deviation[a];
        }
        c.recognised = bias <= deviation;
      }
      break;
    }
    case DistanceKind::distribution: {
      std::vector<double> x(rows), y(reference_rows);
      for (std::size_t r = 0; r < rows; ++r) x[r] = network[r * M];
      for (std::size_t r = 0; r < reference_rows; ++r) y[r] = reference[r * M];
      c.distance = wasserstein(x, y);
      double spread = 0.0;
      for (double v : y) spread += (v - reference_mean[0]) * (v - reference_mean[0]);
      spread = std::sqrt(spread / static_cast<double>(y.size()));
      c.recognised = c.distance <= settings.distribution_threshold * spread;
      break;
    }
  }
  return c;
}

}  // namespace attnmf::analysis
