// The finite network's distance from the mean-field attractor (analysis/finite_size.hpp), on
// samples whose answer is known.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "attnmf/analysis/finite_size.hpp"

namespace {

using attnmf::analysis::compare_network;
using attnmf::analysis::DistanceKind;
using attnmf::analysis::Regime;

// `rows` rows of M = 2 features cycling through `orbit` ([p][2]) from phase 0, plus Gaussian noise.
std::vector<double> around(const std::vector<double>& orbit, std::size_t rows, double noise, unsigned seed,
                           double shift = 0.0) {
  std::mt19937 random(seed);
  std::normal_distribution<double> gauss(0.0, noise);
  const std::size_t p = orbit.size() / 2;
  std::vector<double> x;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t a = 0; a < 2; ++a) x.push_back(orbit[(r % p) * 2 + a] + shift + (noise > 0 ? gauss(random) : 0.0));
  return x;
}

TEST(FiniteSize, AFixedPointsDistanceIsTheNoise) {
  const std::vector<double> point = {0.3, -0.2};
  const auto reference = around(point, 100, 0.0, 1);
  const auto network = around(point, 20000, 0.01, 2);
  const auto c = compare_network(network, reference, 2, Regime::fixed_point, 1);
  EXPECT_EQ(c.kind, DistanceKind::fixed_point);
  EXPECT_NEAR(c.distance, 0.01 * std::sqrt(2.0), 2e-4);  // the rms of two features' noise
  EXPECT_NEAR(c.deviation[0], 0.01, 2e-4);
  EXPECT_NEAR(c.mean[1], -0.2, 1e-3);
  EXPECT_TRUE(c.recognised);
  // Away from the point, not noise around it: not recognised.
  const auto elsewhere = compare_network(around(point, 20000, 0.01, 2, 0.05), reference, 2, Regime::fixed_point, 1);
  EXPECT_FALSE(elsewhere.recognised);
  EXPECT_NEAR(elsewhere.bias[0], 0.05, 1e-3);
}

TEST(FiniteSize, AnOrbitIsTrackedOrNot) {
  const std::vector<double> orbit = {0.0, 0.5, 0.5, 0.0, 0.0, -0.5, -0.5, 0.0, 0.25, 0.25};  // p = 5
  const auto reference = around(orbit, 200, 0.0, 1);
  // The reference's last period starts at phase 200 % 5 = 0: the network may start anywhere.
  const auto network = around(orbit, 10000, 0.02, 3);
  const auto c = compare_network(network, reference, 2, Regime::periodic, 5);
  EXPECT_EQ(c.kind, DistanceKind::orbit);
  EXPECT_NEAR(c.distance, 0.02 * std::sqrt(2.0), 1e-3);
  EXPECT_GT(c.tracking, 0.99);
  EXPECT_TRUE(c.recognised);
  // The same points in another order: near the orbit's points, but not following it.
  std::vector<double> shuffled;
  std::mt19937 random(4);
  for (int r = 0; r < 10000; ++r) {
    const std::size_t k = random() % 5;
    shuffled.push_back(orbit[2 * k]);
    shuffled.push_back(orbit[2 * k + 1]);
  }
  const auto d = compare_network(shuffled, reference, 2, Regime::periodic, 5);
  EXPECT_NEAR(d.distance, 0.0, 1e-12);
  EXPECT_LT(d.tracking, 0.3);
  EXPECT_FALSE(d.recognised);
}

TEST(FiniteSize, APeriodicOrbitWhosePointsCoincideIsAFixedPoint) {
  const std::vector<double> point = {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1};  // period 4, one point
  const auto c = compare_network(around(point, 1000, 0.01, 5), around(point, 100, 0.0, 1), 2, Regime::periodic, 4);
  EXPECT_EQ(c.kind, DistanceKind::fixed_point);
  EXPECT_TRUE(c.recognised);
}

TEST(FiniteSize, ADistributionsDistanceIsWassersteinOne) {
  std::mt19937 random(6);
  std::uniform_real_distribution<double> uniform(-0.5, 0.5);
  std::vector<double> reference, same, shifted;
  for (int r = 0; r < 20000; ++r) {
    const double x = uniform(random), y = uniform(random);
    reference.insert(reference.end(), {x, y});
    same.insert(same.end(), {uniform(random), 0.0});
    shifted.insert(shifted.end(), {x + 0.1, y});
  }
  const auto c = compare_network(same, reference, 2, Regime::chaotic, 0);
  EXPECT_EQ(c.kind, DistanceKind::distribution);
  EXPECT_LT(c.distance, 0.01);  // two samples of one distribution: ~n^(-1/2)
  EXPECT_TRUE(c.recognised);
  const auto d = compare_network(shifted, reference, 2, Regime::quasi_periodic, 0);
  EXPECT_NEAR(d.distance, 0.1, 1e-9);  // a translation by 0.1
  EXPECT_FALSE(d.recognised);          // 0.1 > 0.1 · 0.29, the reference's standard deviation
  // Sampling alone: two halves of one sample set of uniform values are ~n^(-1/2) apart.
  const double floor = attnmf::analysis::sampling_floor(reference, 2);
  EXPECT_GT(floor, 0.0);
  EXPECT_LT(floor, 0.01);
  EXPECT_TRUE(std::isnan(attnmf::analysis::sampling_floor({1.0, 2.0}, 2)));
  // Samples of another length: the smaller set's quantiles.
  const std::vector<double> half(shifted.begin(), shifted.begin() + 20000);
  EXPECT_NEAR(compare_network(half, reference, 2, Regime::chaotic, 0).distance, 0.1, 0.01);
}

TEST(FiniteSize, UndeterminedReferencesAndBadSamples) {
  const std::vector<double> x = {0.0, 1.0, 2.0, 3.0};
  const auto c = compare_network(x, x, 2, Regime::undetermined, 0);
  EXPECT_EQ(c.kind, DistanceKind::none);
  EXPECT_TRUE(std::isnan(c.distance));
  EXPECT_FALSE(c.recognised);
  EXPECT_THROW(compare_network({}, x, 2, Regime::chaotic, 0), std::invalid_argument);
  EXPECT_THROW(compare_network({1.0, 2.0, 3.0}, x, 2, Regime::chaotic, 0), std::invalid_argument);
}

}  // namespace
