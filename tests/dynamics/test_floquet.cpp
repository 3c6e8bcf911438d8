// Floquet exponents of periodic orbits (dynamics/floquet.hpp), against the running estimate of
// Benettin's method over a long window on the same orbit, against themselves over two periods, and
// the spectra of a simd engine's lanes against the scalar engine's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "attnmf/dynamics/engine.hpp"
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

// Two periods are a period too: no exponent depends on how many periods go round. (The eigenvalues
// of the formed monodromy matrix would not pass this: at β = 1.27 its fifth and sixth exponents
// differ by ~2e-6 between one period and two, its lowest by ~1e-2.)
TEST(Floquet, TwoPeriodsGiveTheSameExponents) {
  const Orbit orbit(1.27, 1'000'000);
  const auto one = floquet_spectrum(orbit.map, orbit.window, 28);
  const auto two = floquet_spectrum(orbit.map, orbit.window, 56);
  EXPECT_TRUE(one.converged);
  EXPECT_TRUE(two.converged);
  ASSERT_EQ(two.exponents.size(), one.exponents.size());
  for (std::size_t i = 0; i < one.exponents.size(); ++i)
    EXPECT_NEAR(one.exponents[i], two.exponents[i], 1e-10) << "exponent " << i;
}

// β = 1.24342: an orbit of period 248 whose multipliers span e^(0.48 · 248) ≈ 1e52, beyond what the
// eigenvalues of the formed monodromy matrix resolve (they would put every exponent below
// λ₁ − 36/248 near λ₁ − 0.15: λ₃ at −0.15 instead of −0.30). Every exponent agrees with Benettin's
// estimate of all twelve over 4000 periods.
TEST(Floquet, ResolvesEveryExponentOfALongPeriod) {
  const Orbit orbit(1.24342, 1'200'000);
  ASSERT_LT(distance(orbit.window, orbit.after(248)), 1e-9) << "not on the period-248 orbit";
  const auto spectrum = floquet_spectrum(orbit.map, orbit.window, 248);
  EXPECT_TRUE(spectrum.converged);
  ASSERT_EQ(spectrum.exponents.size(), 12u);
  EXPECT_LT(spectrum.exponents[2], -0.25);
  LyapunovEstimator running(orbit.map, orbit.window, 12);
  for (long long t = 0; t < 248LL * 4000; ++t) running.advance();
  const std::vector<double> estimate = running.result().exponents;
  for (std::size_t i = 0; i < 12; ++i) EXPECT_NEAR(spectrum.exponents[i], estimate[i], 1e-5) << "exponent " << i;
  // The three largest alone (what a sweep asks for), from fewer directions: the same numbers.
  const auto engine = attnmf::dynamics::make_scalar_engine(orbit.map, orbit.window);
  const int period[1] = {248};
  const auto leading = attnmf::dynamics::floquet_spectra(*engine, period, 3).front();
  ASSERT_EQ(leading.exponents.size(), 3u);
  EXPECT_TRUE(leading.converged);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(leading.exponents[i], spectrum.exponents[i], 1e-12) << "exponent " << i;
  EXPECT_THROW(attnmf::dynamics::floquet_spectra(*engine, period, 13), std::invalid_argument);
}

// The spectra of a block of simd lanes, each from its own window with the simd kernel's arithmetic,
// are those of the scalar engine from the same windows to rounding; lanes not asked for stay empty,
// and the engine does not move.
TEST(Floquet, SimdLanesAgreeWithTheScalarEngine) {
  const Orbit periodic(1.27, 1'000'000), fixed(0.5, 100'000);
  std::vector<const MeanFieldMap*> maps(attnmf::dynamics::kLanes, &periodic.map);
  std::vector<Window> windows(attnmf::dynamics::kLanes, periodic.window);
  maps[1] = &fixed.map;
  windows[1] = fixed.window;
  const auto engine = attnmf::dynamics::make_engine(maps, windows);
  const int periods[3] = {28, 4, 0};
  const auto spectra = attnmf::dynamics::floquet_spectra(*engine, periods);
  ASSERT_EQ(spectra.size(), 3u);
  EXPECT_TRUE(spectra[2].exponents.empty());
  EXPECT_EQ(engine->window(0).attention, periodic.window.attention) << "the engine moved";
  const auto scalar_periodic = floquet_spectrum(periodic.map, periodic.window, 28);
  const auto scalar_fixed = floquet_spectrum(fixed.map, fixed.window, 4);
  for (std::size_t i = 0; i < 12; ++i) {
    EXPECT_NEAR(spectra[0].exponents[i], scalar_periodic.exponents[i], 1e-9) << "exponent " << i;
    EXPECT_NEAR(spectra[1].exponents[i], scalar_fixed.exponents[i], 1e-9) << "exponent " << i;
  }
  EXPECT_LT(spectra[0].closure, 1e-12);
  EXPECT_THROW(attnmf::dynamics::floquet_spectra(*engine, std::vector<int>(attnmf::dynamics::kLanes + 1, 1)),
               std::invalid_argument);
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
