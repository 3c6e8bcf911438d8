// Floquet exponents of periodic orbits (dynamics/floquet.hpp), against the running estimate of
// Benettin's method over a long window on the same orbit, and against themselves over two periods.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "attnmf/dynamics/floquet.hpp"
#include "attnmf/dynamics/integrator.hpp"
#include "attnmf/dynamics/lyapunov.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"

namespace {

using namespace attnmf::model;
using attnmf::dynamics::floquet_spectrum;
using attnmf::dynamics::Integrator;
using attnmf::dynamics::LyapunovEstimator;

struct Orbit {
  ModelParameters parameters;
  Weights weights;
  MeanFieldMap map;
  Window window;  // on the orbit
  explicit Orbit(double beta, long long settle)
      : parameters([beta] {
          ModelParameters p;
          p.beta = beta;
          return p;
        }()),
        weights(draw_weights(parameters)),
        map(parameters, weights) {
    Integrator integrator(map, read_window_file(ATTNMF_REFERENCE_DIR "/checkpoint_window.txt", map));
    integrator.run(settle);
    window = integrator.window();
  }
  // The window after `steps` more steps.
  Window after(long long steps) const {
    Integrator integrator(map, window);
    integrator.run(steps);
    return integrator.window();
  }
};

double distance(const Window& a, const Window& b) {
  double d = a.positions == b.positions ? 0.0 : INFINITY;
  for (std::size_t i = 0; i < a.attention.size(); ++i) d = std::max(d, std::abs(a.attention[i] - b.attention[i]));
  return d;
}

// β = 1.27 of the paper's Fig. 3: the period-28 orbit, reached well within 10⁶ steps.
TEST(Floquet, PeriodicOrbitMatchesTheLongRunningEstimate) {
  const Orbit orbit(1.27, 1'000'000);
  ASSERT_LT(distance(orbit.window, orbit.after(28)), 1e-12) << "not on the period-28 orbit";
  const auto spectrum = floquet_spectrum(orbit.map, orbit.window, 28);
  ASSERT_EQ(spectrum.exponents.size(), 12u);
  EXPECT_TRUE(std::is_sorted(spectrum.exponents.rbegin(), spectrum.exponents.rend()));
  EXPECT_LT(spectrum.exponents[0], 0.0) << "an attracting orbit has negative exponents";
  // The running estimate converges like 1/T: over 100000 periods it is within 1e-6.
  LyapunovEstimator running(orbit.map, orbit.window, 3);
  for (long long t = 0; t < 28LL * 100'000; ++t) running.advance();
  const std::vector<double> estimate = running.result().exponents;
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(spectrum.exponents[static_cast<std::size_t>(i)], estimate[static_cast<std::size_t>(i)], 1e-6)
        << "exponent " << i;
}

// Two periods are a period too: the leading exponents do not depend on how many are multiplied.
// (The lower ones lose accuracy with the product's dynamic range, floquet.hpp: at β = 1.27 the
// fifth and sixth differ by ~2e-6 between one period and two.)
TEST(Floquet, TwoPeriodsGiveTheSameLeadingExponents) {
  const Orbit orbit(1.27, 1'000'000);
  const auto one = floquet_spectrum(orbit.map, orbit.window, 28);
  const auto two = floquet_spectrum(orbit.map, orbit.window, 56);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(one.exponents[i], two.exponents[i], 1e-10) << "exponent " << i;
}

// β = 0.5: the attention follows the positional code alone (period L = 4, the paper's fixed point).
TEST(Floquet, FixedPointOfThePositionalCycle) {
  const Orbit orbit(0.5, 100'000);
  ASSERT_LT(distance(orbit.window, orbit.after(4)), 1e-12);
  const auto spectrum = floquet_spectrum(orbit.map, orbit.window, 4);
  EXPECT_LT(spectrum.exponents[0], 0.0);
  // Complex multipliers come in conjugate pairs, whose exponents are equal.
  for (std::size_t i = 0; i < spectrum.multipliers.size(); ++i)
    if (spectrum.multipliers[i].imag() != 0.0) {
      const auto conjugate = std::conj(spectrum.multipliers[i]);
      EXPECT_TRUE(std::any_of(spectrum.multipliers.begin(), spectrum.multipliers.end(),
                              [&](auto m) { return std::abs(m - conjugate) < 1e-12 * std::abs(conjugate); }));
    }
}

TEST(Floquet, RefusesAPeriodBelowOne) {
  const Orbit orbit(0.5, 10);
  EXPECT_THROW(floquet_spectrum(orbit.map, orbit.window, 0), std::invalid_argument);
}

}  // namespace
