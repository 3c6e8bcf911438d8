// The 0-1 test and the correlation dimension on series of known character, and the rules that turn
// indicators into a regime.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <numbers>
#include <vector>

#include "attnmf/analysis/classification.hpp"

namespace {

using namespace attnmf::analysis;

TEST(ZeroOneTest, RegularSeriesGiveZeroAndChaosGivesOne) {
  std::vector<double> periodic, torus, chaos, constant(5000, 0.3);
  double x = 0.3;
  const double golden = (std::sqrt(5.0) - 1.0) / 2.0;
  for (int n = 0; n < 20000; ++n) {
    periodic.push_back(std::sin(2 * std::numbers::pi * n / 7.0) + 0.3 * std::cos(2 * std::numbers::pi * n / 3.0));
    torus.push_back(std::sin(2 * std::numbers::pi * golden * n) + 0.5 * std::sin(2 * std::numbers::pi * std::sqrt(2.0) * n));
    x = 3.97 * x * (1 - x);  // the logistic map in its chaotic band
    chaos.push_back(x);
  }
  EXPECT_LT(zero_one_test(periodic), 0.1);
  EXPECT_LT(zero_one_test(torus), 0.2);
  EXPECT_GT(zero_one_test(chaos), 0.8);
  EXPECT_EQ(zero_one_test(constant), 0.0);
  EXPECT_TRUE(std::isnan(zero_one_test({1.0, 2.0})));  // too short to say
}

TEST(Classify, RecurrenceDecides) {
  EXPECT_EQ(classify(28, attnmf::analysis::regime_of_code(1), {0.3, 0.1}, 200000, 0.9).regime, attnmf::analysis::regime_of_code(1));
  EXPECT_EQ(classify(4, attnmf::analysis::regime_of_code(0), {}, 200000, NAN).regime, attnmf::analysis::regime_of_code(0));
}

TEST(Classify, ExponentsAgainstAZeroBandThatShrinksWithTime) {
  const double band_short = classify(0, attnmf::analysis::regime_of_code(-1), {0.0}, 1000, 0.0).zero_band;
  const double band_long = classify(0, attnmf::analysis::regime_of_code(-1), {0.0}, 200000, 0.0).zero_band;
  EXPECT_GT(band_short, band_long);
  EXPECT_NEAR(band_long, 50.0 * std::log(200000.0) / 200000.0, 1e-15);
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {0.05, -0.1, -0.5}, 200000, 0.9).regime, attnmf::analysis::regime_of_code(3));   // chaotic
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {0.05, 0.02, -0.5}, 200000, 0.9).regime, attnmf::analysis::regime_of_code(4));   // hyperchaotic
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {-0.05, -0.1, -0.5}, 200000, 0.0).regime, attnmf::analysis::regime_of_code(1));  // attracting orbit
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {1e-5, -0.1, -0.5}, 200000, 0.02).regime, attnmf::analysis::regime_of_code(2));  // torus
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {1e-5, -0.1, -0.5}, 200000, 0.95).regime, attnmf::analysis::regime_of_code(3));  // weak chaos seen by the 0-1 test
  // The same exponent is zero over a short record and positive over a long one.
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {0.004}, 2000, 0.0).regime, attnmf::analysis::regime_of_code(2));
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {0.004}, 2000000, 0.0).regime, attnmf::analysis::regime_of_code(3));
}

// The evidence of β = 1.27, γ = 10⁶, ε = 0: a softmax saturated to one slot maps every tangent
// vector exactly onto zero (all exponents −∞), the orbit drifts without recurring, and the 0-1 test
// reads the drift as diffusion. A contracting orbit is never chaotic: the rule for λ₁ < −δ holds.
TEST(Classify, MinusInfiniteExponentsAreContractionNotChaos) {
  const std::vector<double> superstable(3, -INFINITY);
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), superstable, 10000, 0.991).regime, attnmf::analysis::regime_of_code(1));
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), superstable, 10000, 0.02).regime, attnmf::analysis::regime_of_code(1));
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), superstable, 10000, NAN).regime, attnmf::analysis::regime_of_code(1));
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {-INFINITY}, 200000, 0.9).regime, attnmf::analysis::regime_of_code(1));
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {-0.05, -INFINITY, -INFINITY}, 200000, 0.9).regime, attnmf::analysis::regime_of_code(1));
  // A recurrence still decides.
  EXPECT_EQ(classify(4, attnmf::analysis::regime_of_code(0), superstable, 10000, 0.991).regime, attnmf::analysis::regime_of_code(0));
  EXPECT_EQ(classify(28, attnmf::analysis::regime_of_code(1), superstable, 10000, 0.991).regime, attnmf::analysis::regime_of_code(1));
  // A NaN exponent is no estimate: the 0-1 test alone, as without exponents.
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {NAN, NAN}, 200000, 0.9).regime, attnmf::analysis::regime_of_code(3));
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {NAN}, 200000, 0.1).regime, attnmf::analysis::regime_of_code(2));
}

TEST(Classify, WithoutExponentsTheZeroOneTestAlone) {
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {}, 200000, 0.9).regime, attnmf::analysis::regime_of_code(3));
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {}, 200000, 0.1).regime, attnmf::analysis::regime_of_code(2));
  EXPECT_EQ(classify(0, attnmf::analysis::regime_of_code(-1), {}, 200000, NAN).regime, attnmf::analysis::regime_of_code(-1));
}

// Rows [n][3] of m^o_se-like samples: x(n) for n = 0 … rows−1, with the rotations of an invariant
// circle (golden mean) and of a second angle (√2 − 1), incommensurate with each other.
template <class Point>
std::vector<double> orbit(int rows, Point point) {
  std::vector<double> samples;
  const double golden = (std::sqrt(5.0) - 1.0) / 2.0, silver = std::sqrt(2.0) - 1.0;
  for (int n = 0; n < rows; ++n) {
    const auto [x, y, z] = point(2 * std::numbers::pi * std::fmod(golden * n, 1.0), 2 * std::numbers::pi * std::fmod(silver * n, 1.0));
    samples.insert(samples.end(), {x, y, z});
  }
  return samples;
}

TEST(CorrelationDimension, CircleCurveTorusPeriodicPoint) {
  using Triple = std::array<double, 3>;
  const auto circle = orbit(20000, [](double t, double) { return Triple{std::cos(t), std::sin(t), 0.0}; });
  // An invariant curve with harmonics, as a projection of one onto m^o_se looks.
  const auto curve = orbit(20000, [](double t, double) {
    return Triple{std::cos(t) + 0.3 * std::cos(3 * t), std::sin(t) + 0.2 * std::sin(5 * t), 0.2 * std::cos(2 * t)};
  });
  // 2-tori: the brief's embedding (x = cos θ₁, y = sin θ₁ (1 + a cos θ₂), z = a sin θ₂) and a ring torus.
  const auto torus = orbit(20000, [](double t, double u) {
    return Triple{std::cos(t), std::sin(t) * (1 + 0.3 * std::cos(u)), 0.3 * std::sin(u)};
  });
  const auto ring = orbit(20000, [](double t, double u) {
    return Triple{(1 + 0.3 * std::cos(u)) * std::cos(t), (1 + 0.3 * std::cos(u)) * std::sin(t), 0.3 * std::sin(u)};
  });
  const auto point = orbit(20000, [](double, double) { return Triple{0.2, -0.1, 0.4}; });
  std::vector<double> cycle;
  for (int n = 0; n < 20000; ++n)
    cycle.insert(cycle.end(), {std::cos(2 * std::numbers::pi * n / 28), std::sin(2 * std::numbers::pi * n / 28), 0.0});
  const double d_circle = correlation_dimension(circle, 3, 4), d_curve = correlation_dimension(curve, 3, 4);
  const double d_torus = correlation_dimension(torus, 3, 4), d_ring = correlation_dimension(ring, 3, 4);
  EXPECT_NEAR(d_circle, 1.0, 0.05);
  EXPECT_NEAR(d_curve, 1.0, 0.05);
  EXPECT_NEAR(d_torus, 1.8, 0.1);
  EXPECT_NEAR(d_ring, 2.0, 0.1);
  EXPECT_EQ(correlation_dimension(cycle, 3, 4), 0.0);      // finitely many points
  EXPECT_EQ(correlation_dimension(point, 3, 4), 0.0);  // all the same point
  std::vector<double> at_rest(3 * 4000);  // a point at rest, up to rounding
  for (std::size_t i = 0; i < at_rest.size(); ++i) at_rest[i] = 0.3 + 3e-16 * std::sin(0.7 * static_cast<double>(i));
  EXPECT_EQ(correlation_dimension(at_rest, 3, 4), 0.0);
  EXPECT_TRUE(std::isnan(correlation_dimension(std::vector<double>(3 * 300, 0.5), 3, 4)));  // 75 rows: too few
  RecordProperty("circle", std::to_string(d_circle));
  RecordProperty("torus", std::to_string(d_torus));
  RecordProperty("ring_torus", std::to_string(d_ring));
}

// The positional code forces the map with period L: rows of L phases lie on L copies of the
// attractor. A stride that is a multiple of L keeps one phase; one that is not mixes them, and the
// copies' spacing reads as extra dimension.
TEST(CorrelationDimension, KeepsOnePhaseOfThePositionalCycle) {
  std::vector<double> four_copies;
  const double golden = (std::sqrt(5.0) - 1.0) / 2.0;
  for (int n = 0; n < 20000; ++n) {
    const double t = 2 * std::numbers::pi * std::fmod(golden * n, 1.0), shift = 0.03 * (n % 4);
    four_copies.insert(four_copies.end(), {std::cos(t) + shift, std::sin(t), shift});
  }
  EXPECT_NEAR(correlation_dimension(four_copies, 3, 4), 1.0, 0.05);
  EXPECT_GT(correlation_dimension(four_copies, 3, 1), 1.1);
}

// A 2-torus needs both indicators: λ₁ and λ₂ in the zero band, and a dimension from 1.5.
TEST(Classify, TwoTorusNeedsTwoZeroExponentsAndADimensionOfTwo) {
  const auto torus_regime = [](std::vector<double> lyapunov, double k, double dimension) {
    return classify(0, Regime::undetermined, lyapunov, 200000, k, dimension).regime;
  };
  EXPECT_EQ(torus_regime({1e-5, -2e-4, -0.3}, 0.01, 1.9), Regime::two_torus);
  EXPECT_EQ(torus_regime({1e-5, -2e-4, -0.3}, 0.01, 1.5), Regime::two_torus);
  EXPECT_EQ(torus_regime({1e-5, -2e-4, -0.3}, 0.01, 1.05), Regime::quasi_periodic);  // an invariant circle
  EXPECT_EQ(torus_regime({1e-5, -2e-4, -0.3}, 0.01, NAN), Regime::quasi_periodic);   // no dimension
  EXPECT_EQ(torus_regime({1e-5, -0.1, -0.3}, 0.01, 1.9), Regime::quasi_periodic);    // λ₂ < −δ
  EXPECT_EQ(torus_regime({1e-5}, 0.01, 1.9), Regime::quasi_periodic);                // λ₂ not computed
  EXPECT_EQ(torus_regime({1e-5, -2e-4, -0.3}, 0.9, 1.9), Regime::chaotic);           // weak chaos
  EXPECT_EQ(torus_regime({1e-5, -2e-4, -0.3}, NAN, 1.9), Regime::quasi_periodic);    // no 0-1 test
  EXPECT_EQ(torus_regime({0.05, 1e-5, -0.3}, 0.9, 1.9), Regime::chaotic);
  EXPECT_EQ(torus_regime({}, 0.01, 1.9), Regime::quasi_periodic);  // the 0-1 test alone
  EXPECT_EQ(classify(28, Regime::periodic, {1e-5, -2e-4}, 200000, 0.01, 1.9).regime, Regime::periodic);
}

TEST(PaperRegime, TheAuthorsThresholds) {
  EXPECT_EQ(paper_regime(28), attnmf::analysis::regime_of_code(1));
  EXPECT_EQ(paper_regime(331), attnmf::analysis::regime_of_code(2));
  EXPECT_EQ(paper_regime(2829), attnmf::analysis::regime_of_code(3));
  EXPECT_EQ(paper_regime(0), attnmf::analysis::regime_of_code(-1));
}

}  // namespace
