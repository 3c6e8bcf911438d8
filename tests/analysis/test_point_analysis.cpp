// PointAnalyzer: samples, Poincaré section, counting classifier, period and regime (docs/model.md §5).
// Synthetic sequences whose answers are known by construction, then the real map at the paper's
// settings, where the authors' implementation finds period 28 at β = 1.27, a fixed point at β = 0.5
// (reference/traj_checkpoint_beta0.5.txt) and chaos at β = 1.4.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "attnmf/analysis/point_analysis.hpp"
#include "attnmf/dynamics/integrator.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"
#include "attnmf/records/serialization.hpp"

namespace {

using attnmf::analysis::AnalysisSettings;
using attnmf::analysis::PointAnalysis;
using attnmf::analysis::PointAnalyzer;

constexpr int kFeatures = 3;
constexpr int kContext = 4;

// A row of M values for step t; the same row is fed as m^o_se and as A_t unless a test says otherwise.
using RowOf = std::function<std::vector<double>(long long t)>;

// The standard rotating window: step t makes the newest position (t + 1) mod L (docs/model.md §2).
int standard_position(long long t, int context = kContext) { return static_cast<int>((t + 1) % context); }

PointAnalysis analyse(long long steps, const AnalysisSettings& settings, const RowOf& row,
                      const std::function<int(long long)>& position = [](long long t) { return standard_position(t); }) {
  PointAnalyzer analyzer(kFeatures, kContext, steps, settings);
  for (long long t = 0; t < steps; ++t) {
    const auto x = row(t);
    analyzer.observe(x.data(), x.data(), position(t));
  }
  return analyzer.finish();
}

// A fixed orbit of `period` random rows, distinct from each other by far more than any tolerance.
std::vector<std::vector<double>> random_orbit(int period, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<double> uniform(-0.9, 0.9);
  std::vector<std::vector<double>> orbit(static_cast<std::size_t>(period), std::vector<double>(kFeatures));
  for (auto& r : orbit)
    for (auto& v : r) v = uniform(generator);
  return orbit;
}

AnalysisSettings small_settings() {
  AnalysisSettings s;
  s.samples = 100;
  s.period_max = 256;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Period and regime on synthetic sequences.

TEST(PointAnalysisPeriod, AttentionFollowingThePositionalCodeIsAFixedPoint) {
  // A_t depends on the position only: the semantic part is at rest.
  const auto r = analyse(1000, small_settings(), [](long long t) {
    const double p = standard_position(t);
    return std::vector<double>{0.3 + 0.01 * p, -0.2 - 0.02 * p, 0.1 * p};
  });
  EXPECT_EQ(r.period, kContext);
  EXPECT_EQ(r.regime, attnmf::analysis::regime_of_code(0));
}

TEST(PointAnalysisPeriod, ConstantAttentionStillNeedsThePositionsToRecur) {
  const auto r = analyse(1000, small_settings(), [](long long) { return std::vector<double>{0.5, -0.25, 0.125}; });
  EXPECT_EQ(r.period, kContext) << "a period shorter than the positional cycle is not a recurrence of the window";
  EXPECT_EQ(r.regime, attnmf::analysis::regime_of_code(0));
}

TEST(PointAnalysisPeriod, PositionsAreCheckedNotAssumed) {
  // Constant attention and a window whose positions never repeat within period_max: no recurrence.
  const auto r = analyse(1000, small_settings(), [](long long) { return std::vector<double>{0.5, -0.25, 0.125}; },
                         [](long long t) { return static_cast<int>(t); });
  EXPECT_EQ(r.period, 0);
  EXPECT_EQ(r.regime, attnmf::analysis::regime_of_code(-1));
}

TEST(PointAnalysisPeriod, FindsAPeriod28OrbitAsPeriodic) {
  const auto orbit = random_orbit(28, 1);
  const auto r = analyse(5000, small_settings(), [&](long long t) { return orbit[static_cast<std::size_t>(t % 28)]; });
  EXPECT_EQ(r.period, 28);
  EXPECT_EQ(r.regime, attnmf::analysis::regime_of_code(1));
}

TEST(PointAnalysisPeriod, SemanticPeriodCommensurateWithThePositionalCycle) {
  // A period-6 sequence with L = 4: the window recurs only after lcm(6, 4) = 12 steps.
  const auto orbit = random_orbit(6, 2);
  const auto r = analyse(5000, small_settings(), [&](long long t) { return orbit[static_cast<std::size_t>(t % 6)]; });
  EXPECT_EQ(r.period, 12);
  EXPECT_EQ(r.regime, attnmf::analysis::regime_of_code(1));
}

TEST(PointAnalysisPeriod, QuasiPeriodicRotationHasNoPeriodAndManyValues) {
  const double omega = (std::sqrt(5.0) - 1.0) / 2.0;  // the golden mean, badly approximable
  AnalysisSettings s;  // the defaults: S = 20000, period_max = 4096
  const auto r = analyse(40000, s, [&](long long t) {
    const double phase = 2.0 * std::numbers::pi * omega * static_cast<double>(t);
    return std::vector<double>{std::cos(phase), std::sin(phase), 0.0};
  });
  EXPECT_EQ(r.period, 0);
  EXPECT_EQ(r.regime, attnmf::analysis::regime_of_code(-1));
  // cos of an equidistributed phase fills [−1, 1] densely: most of its 5001 bins are visited.
  EXPECT_GT(r.distinct_values, 2500);
}

TEST(PointAnalysisPeriod, NoiseBelowTheToleranceKeepsThePeriod) {
  const auto orbit = random_orbit(28, 3);
  std::mt19937 generator(7);
  std::uniform_real_distribution<double> noise(-1e-10, 1e-10);  // |difference| ≤ 2e-10 < 1e-9
  const auto r = analyse(5000, small_settings(), [&](long long t) {
    auto x = orbit[static_cast<std::size_t>(t % 28)];
    for (auto& v : x) v += noise(generator);
    return x;
  });
  EXPECT_EQ(r.period, 28);
  EXPECT_EQ(r.regime, attnmf::analysis::regime_of_code(1));
}

TEST(PointAnalysisPeriod, NoiseAboveTheToleranceHidesThePeriod) {
  const auto orbit = random_orbit(28, 3);
  std::mt19937 generator(7);
  std::uniform_real_distribution<double> noise(-1e-7, 1e-7);
  const auto r = analyse(5000, small_settings(), [&](long long t) {
    auto x = orbit[static_cast<std::size_t>(t % 28)];
    for (auto& v : x) v += noise(generator);
    return x;
  });
  EXPECT_EQ(r.period, 0);
  EXPECT_EQ(r.regime, attnmf::analysis::regime_of_code(-1));
  // A looser tolerance finds it again.
  auto loose = small_settings();
  loose.period_tolerance = 1e-6;
  std::mt19937 again(7);
  const auto r2 = analyse(5000, loose, [&](long long t) {
    auto x = orbit[static_cast<std::size_t>(t % 28)];
    for (auto& v : x) v += noise(again);
    return x;
  });
  EXPECT_EQ(r2.period, 28);
}

TEST(PointAnalysisPeriod, PeriodLongerThanPeriodMaxIsNotFound) {
  const auto orbit = random_orbit(28, 4);
  const RowOf row = [&](long long t) { return orbit[static_cast<std::size_t>(t % 28)]; };
  auto s = small_settings();
  s.period_max = 27;
  EXPECT_EQ(analyse(5000, s, row).period, 0);
  s.period_max = 28;
  EXPECT_EQ(analyse(5000, s, row).period, 28);
}

TEST(PointAnalysisPeriod, PeriodNeedsTwoPeriodsAndAWindowOfRecordedSteps) {
  const auto orbit = random_orbit(28, 5);
  const RowOf row = [&](long long t) { return orbit[static_cast<std::size_t>(t % 28)]; };
  auto s = small_settings();
  s.samples = 10;
  EXPECT_EQ(analyse(2 * 28 + kContext, s, row).period, 28);
  EXPECT_EQ(analyse(2 * 28 + kContext - 1, s, row).period, 0);
}

TEST(PointAnalysisPeriod, OnlyTheEndOfTheTrajectoryDecides) {
  // A long aperiodic start, then the period-28 orbit: the recurrence is judged at the last step.
  const auto orbit = random_orbit(28, 6);
  const auto r = analyse(20000, small_settings(), [&](long long t) {
    if (t < 15000) {
      const double phase = 2.0 * std::numbers::pi * std::sqrt(2.0) * static_cast<double>(t);
      return std::vector<double>{std::cos(phase), std::sin(phase), 0.1};
    }
    return orbit[static_cast<std::size_t>(t % 28)];
  });
  EXPECT_EQ(r.period, 28);
}

// ---------------------------------------------------------------------------------------------
// Samples.

std::vector<double> ramp_row(long long t) {
  const double x = static_cast<double>(t);
  return {x, -x, 0.5 * x};
}

TEST(PointAnalysisSamples, HoldTheLastSRowsOldestFirst) {
  for (const long long samples : {0LL, 1LL, 37LL, 999LL, 1000LL}) {
    auto s = small_settings();
    s.samples = samples;
    const auto r = analyse(1000, s, ramp_row);
    ASSERT_EQ(r.features, kFeatures);
    ASSERT_EQ(r.samples.size(), static_cast<std::size_t>(samples * kFeatures)) << "S = " << samples;
    for (long long k = 0; k < samples; ++k) {
      const auto expected = ramp_row(1000 - samples + k);
      for (int a = 0; a < kFeatures; ++a)
        ASSERT_EQ(r.samples[static_cast<std::size_t>(k * kFeatures + a)], expected[static_cast<std::size_t>(a)])
            << "S = " << samples << " row " << k << " feature " << a;
    }
  }
}

TEST(PointAnalysisSamples, FewerObservedThanSGivesTheObservedRows) {
  auto s = small_settings();
  s.samples = 50;
  PointAnalyzer analyzer(kFeatures, kContext, 1000, s);
  for (long long t = 0; t < 20; ++t) {
    const auto x = ramp_row(t);
    analyzer.observe(x.data(), x.data(), standard_position(t));
  }
  const auto r = analyzer.finish();
  ASSERT_EQ(r.samples.size(), 20U * kFeatures);
  EXPECT_EQ(r.samples.front(), 0.0);
  EXPECT_EQ(r.samples[19 * kFeatures], 19.0);
}

TEST(PointAnalysisSamples, MoreThanRecordedStepsIsRejected) {
  // S beyond the recorded steps is a configuration error; observing beyond them a caller's bug.
  auto s = small_settings();
  s.samples = 101;
  EXPECT_THROW(PointAnalyzer(kFeatures, kContext, 100, s), std::invalid_argument);
  s.samples = 3;
  PointAnalyzer analyzer(kFeatures, kContext, 3, s);
  const std::vector<double> x{0.0, 0.0, 0.0};
  for (int t = 0; t < 3; ++t) analyzer.observe(x.data(), x.data(), standard_position(t));
  EXPECT_THROW(analyzer.observe(x.data(), x.data(), 0), std::logic_error);
}

// ---------------------------------------------------------------------------------------------
// Counting classifier.

TEST(PointAnalysisCounting, CountsBinsOfWidthCountResolution) {
  const double w = 2.0 / 5001.0;
  // Bins floor(x / w): 0, 0, 0, 1, −1, −1, 2 → four distinct.
  const std::vector<double> values{0.0, 1e-5, 0.9 * w, 1.5 * w, -1e-5, -0.5 * w, 2.0 * w + 1e-12};
  auto s = small_settings();
  s.samples = static_cast<long long>(values.size());
  s.plotted_feature = 2;
  const auto r = analyse(s.samples, s, [&](long long t) {
    return std::vector<double>{7.0 * static_cast<double>(t), 1.0, values[static_cast<std::size_t>(t)]};
  });
  EXPECT_EQ(r.distinct_values, 4);
}

TEST(PointAnalysisCounting, OnlyTheSamplesAreCounted) {
  // 1000 distinct values, of which only the last 10 are samples.
  auto s = small_settings();
  s.samples = 10;
  const auto r = analyse(1000, s, ramp_row);
  EXPECT_EQ(r.distinct_values, 10);
}

// ---------------------------------------------------------------------------------------------
// Poincaré section.

TEST(PointAnalysisSection, SawtoothHittingZeroExactly) {
  // Section coordinate x1 = ((t mod 10) − 5)/10: exactly 0 at t ≡ 5 (mod 10), a jump from 0.4 to
  // −0.5 at t ≡ 0. Hence section points exactly at t ≡ 5, an upward crossing landing on the plane
  // there, and a downward crossing interpolated 0.4/0.9 of the way from t ≡ 9 to t ≡ 0.
  auto s = small_settings();
  s.section_tolerance = 0.05;
  const auto row = [](long long t) {
    return std::vector<double>{static_cast<double>(t), static_cast<double>(t % 10 - 5) / 10.0, 2.0 * static_cast<double>(t) + 1.0};
  };
  const auto r = analyse(100, s, row);
  ASSERT_EQ(r.section_total, 10);
  ASSERT_EQ(r.section.size(), 10U * kFeatures);
  for (int k = 0; k < 10; ++k) {
    EXPECT_EQ(r.section[static_cast<std::size_t>(k * kFeatures)], 10.0 * k + 5.0);
    EXPECT_EQ(r.section[static_cast<std::size_t>(k * kFeatures + 1)], 0.0);
  }
  // Crossings: up at t = 5, 15, …, 95 and down between t = 10k − 1 and 10k for k = 1..9.
  ASSERT_EQ(r.crossings_total, 19);
  ASSERT_EQ(r.crossing_direction.size(), 19U);
  ASSERT_EQ(r.crossings.size(), 19U * kFeatures);
  for (int c = 0; c < 19; ++c) {
    const bool up = c % 2 == 0;
    EXPECT_EQ(r.crossing_direction[static_cast<std::size_t>(c)], up ? 1 : -1) << "crossing " << c;
    const double t = up ? 10.0 * (c / 2) + 5.0 : 10.0 * (c / 2 + 1) - 1.0 + 0.4 / 0.9;
    const double* x = r.crossings.data() + static_cast<std::size_t>(c) * kFeatures;
    EXPECT_NEAR(x[0], t, 1e-12) << "crossing " << c;
    EXPECT_EQ(x[1], 0.0);
    EXPECT_NEAR(x[2], 2.0 * t + 1.0, 1e-12) << "crossing " << c;
  }
}

TEST(PointAnalysisSection, SineCrossingsAtTheInterpolatedZeros) {
  // x1 = sin(ω t + φ) with an incommensurate period of 50.3 steps: crossings at t_k = (kπ − φ)/ω,
  // alternately upward (k even) and downward. Interpolating linearly between the steps a < t_k < b
  // = a + 1 misses the zero of a sine by ≈ |(a − t_k)(b − t_k)(a + b − 2t_k)|·ω²/6 ≤ ω²/24 steps
  // (≈ 6.5e-4 here).
  const double omega = 2.0 * std::numbers::pi / 50.3;
  const double phi = 0.3;
  const long long steps = 2000;
  auto s = small_settings();
  s.section_max = 5;
  s.section_tolerance = 0.02;
  const auto row = [&](long long t) {
    const double x = static_cast<double>(t);
    return std::vector<double>{x, std::sin(omega * x + phi), 1.0 - 3.0 * x};
  };
  const auto r = analyse(steps, s, row);

  // Every sign change of sin(ω t + φ) over t ∈ [0, steps − 1] is one crossing.
  const long long expected_crossings = static_cast<long long>(std::floor((omega * (steps - 1) + phi) / std::numbers::pi));
  EXPECT_EQ(r.crossings_total, expected_crossings);
  ASSERT_EQ(r.crossing_direction.size(), 5U);
  ASSERT_EQ(r.crossings.size(), 5U * kFeatures);
  for (int c = 0; c < 5; ++c) {
    const int k = c + 1;  // sin(φ) > 0: the first zero is at ω t + φ = π, a downward crossing
    const double t = (k * std::numbers::pi - phi) / omega;
    EXPECT_EQ(r.crossing_direction[static_cast<std::size_t>(c)], k % 2 == 0 ? 1 : -1) << "crossing " << c;
    const double* x = r.crossings.data() + static_cast<std::size_t>(c) * kFeatures;
    EXPECT_NEAR(x[0], t, omega * omega / 24.0) << "crossing " << c;
    EXPECT_EQ(x[1], 0.0);
    EXPECT_NEAR(x[2], 1.0 - 3.0 * x[0], 1e-12) << "all coordinates interpolated alike";
  }

  // The paper's section: the steps within the tolerance of the plane. Only the first 5 are kept.
  long long within = 0;
  for (long long t = 0; t < steps; ++t) within += std::abs(row(t)[1]) < s.section_tolerance;
  EXPECT_GT(within, 5);
  EXPECT_EQ(r.section_total, within);
  ASSERT_EQ(r.section.size(), 5U * kFeatures);
  for (int k = 0; k < 5; ++k) {
    const double* x = r.section.data() + static_cast<std::size_t>(k) * kFeatures;
    EXPECT_LT(std::abs(x[1]), s.section_tolerance);
    EXPECT_EQ(x[1], row(static_cast<long long>(x[0]))[1]) << "a section point is a recorded step, not interpolated";
  }
}

TEST(PointAnalysisSection, ZeroSectionMaxKeepsOnlyTotals) {
  auto s = small_settings();
  s.section_max = 0;
  s.section_tolerance = 0.05;
  const auto r = analyse(100, s, [](long long t) {
    return std::vector<double>{0.0, static_cast<double>(t % 10 - 5) / 10.0, 0.0};
  });
  EXPECT_TRUE(r.section.empty());
  EXPECT_TRUE(r.crossings.empty());
  EXPECT_TRUE(r.crossing_direction.empty());
  EXPECT_EQ(r.section_total, 10);
  EXPECT_EQ(r.crossings_total, 19);
}

// ---------------------------------------------------------------------------------------------
// Validation.

void expect_rejected(int features, int context, long long recorded, const AnalysisSettings& s, const std::string& name) {
  try {
    PointAnalyzer analyzer(features, context, recorded, s);
    ADD_FAILURE() << name << " was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

TEST(PointAnalysisValidation, NamesTheOffendingSetting) {
  const AnalysisSettings ok = small_settings();
  EXPECT_NO_THROW(PointAnalyzer(kFeatures, kContext, 1000, ok));
  expect_rejected(0, kContext, 1000, ok, "features");
  expect_rejected(kFeatures, 0, 1000, ok, "context");
  auto s = ok;
  s.samples = -1;
  expect_rejected(kFeatures, kContext, 1000, s, "samples = -1");
  s = ok;
  s.plotted_feature = 3;
  expect_rejected(kFeatures, kContext, 1000, s, "plotted_feature = 3");
  s = ok;
  s.section_feature = -1;
  expect_rejected(kFeatures, kContext, 1000, s, "section_feature = -1");
  s = ok;
  s.section_tolerance = 0.0;
  expect_rejected(kFeatures, kContext, 1000, s, "section_tolerance");
  s = ok;
  s.period_tolerance = -1e-9;
  expect_rejected(kFeatures, kContext, 1000, s, "period_tolerance");
  s = ok;
  s.count_resolution = std::nan("");
  expect_rejected(kFeatures, kContext, 1000, s, "count_resolution");
  s = ok;
  s.section_max = -1;
  expect_rejected(kFeatures, kContext, 1000, s, "section_max");
  s = ok;
  s.period_max = 0;
  expect_rejected(kFeatures, kContext, 1000, s, "period_max");
}

TEST(PointAnalysisValidation, OneFeatureNeedsSectionFeatureZero) {
  auto s = small_settings();
  expect_rejected(1, kContext, 1000, s, "section_feature = 1");
  s.section_feature = 0;
  EXPECT_NO_THROW(PointAnalyzer(1, kContext, 1000, s));
}

TEST(PointAnalysisValidation, ReportsEveryProblemAtOnce) {
  auto s = small_settings();
  s.period_max = 0;
  s.section_max = -3;
  try {
    PointAnalyzer analyzer(kFeatures, kContext, 1000, s);
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("period_max = 0"), std::string::npos) << message;
    EXPECT_NE(message.find("section_max = -3"), std::string::npos) << message;
  }
}

// ---------------------------------------------------------------------------------------------
// The real map at the paper's settings, from the checkpoint window the paper's sweeps start from.

PointAnalysis analyse_model(double beta, long long steps, long long transient) {
  using namespace attnmf::model;
  using attnmf::dynamics::Integrator;
  using attnmf::dynamics::StepRecord;
  ModelParameters parameters;
  parameters.beta = beta;
  const Weights weights = draw_weights(parameters);
  const MeanFieldMap map(parameters, weights);
  Integrator integrator(map, read_window_file(ATTNMF_REFERENCE_DIR "/checkpoint_window.txt", map));
  integrator.run(transient);

  const int m = parameters.features;
  PointAnalyzer analyzer(m, parameters.context, steps - transient, AnalysisSettings{});
  std::vector<double> rows(6 * static_cast<std::size_t>(m));
  const StepRecord record{&rows[0], &rows[m], &rows[2 * m], &rows[3 * m], &rows[4 * m], &rows[5 * m]};
  for (long long t = transient; t < steps; ++t) {
    integrator.step(record);
    // After the step the newest slot is the one A_t now occupies.
    analyzer.observe(record.output_semantic, record.attention, integrator.newest_position());
  }
  return analyzer.finish();
}

TEST(PointAnalysisModel, Beta1_27IsPeriod28) {
  const auto r = analyse_model(1.27, 1'200'000, 1'000'000);
  EXPECT_EQ(r.period, 28);
  EXPECT_EQ(r.regime, attnmf::analysis::regime_of_code(1));
  // 28 points at most, and the counting classifier of the paper calls it periodic (< 80).
  EXPECT_GE(r.distinct_values, 2);
  EXPECT_LE(r.distinct_values, 28);
  EXPECT_EQ(r.samples.size(), 20000U * 3);
}

TEST(PointAnalysisModel, Beta0_5IsAFixedPoint) {
  const auto r = analyse_model(0.5, 300'000, 200'000);
  EXPECT_EQ(r.period, 4);
  EXPECT_EQ(r.regime, attnmf::analysis::regime_of_code(0));
  EXPECT_LE(r.distinct_values, 4);
}

TEST(PointAnalysisModel, Beta1_4HasNoPeriod) {
  const auto r = analyse_model(1.4, 300'000, 200'000);
  EXPECT_EQ(r.period, 0);
  EXPECT_EQ(r.regime, attnmf::analysis::regime_of_code(-1));
  // The paper's counting classifier calls a point chaotic from 2500 distinct bins (over 2·10^5
  // steps); over our 2·10^4 samples a chaotic attractor still visits well over a thousand.
  EXPECT_GT(r.distinct_values, 1000);
  EXPECT_GT(r.crossings_total, 0);
}

}  // namespace

namespace {

// With every step promised, the analyzer skips the ring writes that later steps overwrite: the
// result is the same as without the promise, and finishing early is an error.
TEST(PointAnalysisPromise, EveryStepPromisedGivesTheSameResult) {
  auto s = small_settings();
  s.samples = 40;
  s.period_max = 20;
  PointAnalyzer plain(kFeatures, kContext, 1000, s), promised(kFeatures, kContext, 1000, s);
  promised.promise_every_step();
  for (long long t = 0; t < 1000; ++t) {
    const auto x = ramp_row(t % 24);
    plain.observe(x.data(), x.data(), standard_position(t));
    promised.observe(x.data(), x.data(), standard_position(t));
  }
  const auto a = plain.finish(), b = promised.finish();
  EXPECT_EQ(a.samples, b.samples);
  EXPECT_EQ(a.period, b.period);
  EXPECT_EQ(a.distinct_values, b.distinct_values);
  EXPECT_EQ(a.crossings, b.crossings);

  PointAnalyzer early(kFeatures, kContext, 1000, s);
  early.promise_every_step();
  const auto x = ramp_row(0);
  early.observe(x.data(), x.data(), standard_position(0));
  EXPECT_THROW(early.finish(), std::logic_error);
}

}  // namespace

namespace {

// observe_steps takes a block of steps as observe() takes them one at a time (a single step goes
// through the section alone, the way it always did): the same saved state after every block and the
// same result, for a column of a [step][M][lanes] array, blocks of any length, with and without the
// promise, and a section coordinate that lands on the plane, stays within the tolerance for
// stretches, underflows when multiplied and is sometimes NaN.
TEST(PointAnalysisBlocks, ObserveStepsAsObserveOneStepAtATime) {
  constexpr int kLanes = 5, kLane = 2;
  constexpr long long kSteps = 3000;
  constexpr auto kRow = static_cast<std::ptrdiff_t>(kFeatures * kLanes);
  std::mt19937 generator(21);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::uniform_int_distribution<long long> length(1, 150);
  for (int kind = 0; kind < 5; ++kind)
    for (long long section_max : {0LL, 3LL, 1000LL})
      for (bool promise : {false, true}) {
        std::vector<double> semantic(static_cast<std::size_t>(kSteps * kRow)), attention(semantic.size());
        std::vector<int> positions;
        for (long long t = 0; t < kSteps; ++t) {
          positions.push_back(standard_position(t));
          for (std::ptrdiff_t v = 0; v < kRow; ++v) {
            double x = uniform(generator);
            if (kind == 1) x = static_cast<double>(t % 7 - 3) / 3.0;
            if (kind == 2 && t / 100 % 2 == 1) x *= 1e-4;
            if (kind == 3) x *= 1e-200;
            if (kind == 4 && t % 13 == 0) x = NAN;
            semantic[static_cast<std::size_t>(t * kRow + v)] = x;
            attention[static_cast<std::size_t>(t * kRow + v)] = uniform(generator);
          }
        }
        auto s = small_settings();
        s.samples = 700;
        s.section_max = section_max;
        PointAnalyzer by_step(kFeatures, kContext, kSteps, s), by_block(kFeatures, kContext, kSteps, s);
        if (promise) {
          by_step.promise_every_step();
          by_block.promise_every_step();
        }
        for (long long done = 0; done < kSteps;) {
          const long long block = std::min(kSteps - done, length(generator));
          for (long long t = done; t < done + block; ++t) {
            double x[kFeatures], a[kFeatures];
            for (int f = 0; f < kFeatures; ++f) {
              x[f] = semantic[static_cast<std::size_t>(t * kRow + f * kLanes + kLane)];
              a[f] = attention[static_cast<std::size_t>(t * kRow + f * kLanes + kLane)];
            }
            by_step.observe(x, a, positions[static_cast<std::size_t>(t)]);
          }
          by_block.observe_steps(semantic.data() + done * kRow + kLane, attention.data() + done * kRow + kLane, kLanes,
                                 kRow, positions.data() + done, block);
          done += block;
          ASSERT_EQ(attnmf::records::to_bytes(by_block), attnmf::records::to_bytes(by_step))
              << "kind " << kind << ", section_max " << section_max << ", promise " << promise << ", after " << done;
        }
        const PointAnalysis a = by_step.finish(), b = by_block.finish();
        EXPECT_EQ(attnmf::records::to_bytes(b), attnmf::records::to_bytes(a))
            << "kind " << kind << ", section_max " << section_max << ", promise " << promise;
        // What the kinds are made to show: an underflowing product is no crossing.
        if (kind == 3) {
          EXPECT_EQ(a.crossings_total, 0);
          EXPECT_EQ(a.section_total, kSteps);
        } else {
          EXPECT_GT(a.crossings_total, 100);
        }
        if (kind == 1 || kind == 2) {
          EXPECT_GT(a.section_total, 100);
        }
      }
}

}  // namespace
