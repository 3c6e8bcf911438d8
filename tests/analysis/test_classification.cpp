// The 0-1 test on series of known character, and the rules that turn indicators into a regime.
#include <gtest/gtest.h>

#include <cmath>
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

TEST(PaperRegime, TheAuthorsThresholds) {
  EXPECT_EQ(paper_regime(28), attnmf::analysis::regime_of_code(1));
  EXPECT_EQ(paper_regime(331), attnmf::analysis::regime_of_code(2));
  EXPECT_EQ(paper_regime(2829), attnmf::analysis::regime_of_code(3));
  EXPECT_EQ(paper_regime(0), attnmf::analysis::regime_of_code(-1));
}

}  // namespace
