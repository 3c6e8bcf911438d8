// The exponents of a point whose orbit recurred are its Floquet exponents (sweep/pipeline.hpp): they
// agree with a running estimate over a window long enough to average out the start of the tangent
// dynamics, and they never contradict the label, where the running estimate over the recorded steps
// does when those still hold the end of a transient.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "attnmf/config/config.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/sweep/point.hpp"

namespace {

using namespace attnmf;

config::Config paper_config(std::vector<std::string> options) {
  const std::string window = std::string(ATTNMF_REFERENCE_DIR) + "/checkpoint_window.txt";
  std::vector<std::string> args = {"--init.checkpoint", window, "--output.file", "unused.h5"};
  args.insert(args.end(), options.begin(), options.end());
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  return config::parse(config::Command::sweep, static_cast<int>(argv.size()), argv.data()).config;
}

class FloquetPoint : public ::testing::TestWithParam<std::string> {};

// β = 1.27 of the paper's Fig. 3: period 28 after 10⁶ steps. Recorded over 2.8·10⁶ steps (10⁵
// periods), the running estimate is within 1e-6 of the Floquet exponents (as tests/dynamics
// test_floquet shows for the scalar engine alone); the point keeps both and says which it labels by.
TEST_P(FloquetPoint, PeriodicPointGetsItsFloquetExponents) {
  const config::Config cfg = paper_config({"--sweep.beta", "1.27", "--run.steps", "3800000", "--run.transient", "1000000",
                                           "--analysis.samples", "2000", "--run.engine", GetParam()});
  const model::Weights weights = model::draw_weights(cfg.model);
  const records::PointResult r = sweep::PointComputer(cfg, weights).compute(0);
  ASSERT_EQ(r.status, records::PointStatus::done) << r.error;
  EXPECT_EQ(r.period, 28);
  EXPECT_EQ(r.regime, analysis::Regime::periodic);
  EXPECT_EQ(r.lyapunov_source, records::LyapunovSource::floquet);
  ASSERT_EQ(r.lyapunov.size(), 3u);
  ASSERT_EQ(r.lyapunov_estimate.size(), 3u);
  EXPECT_NE(r.lyapunov, r.lyapunov_estimate) << "the Floquet exponents are not the running estimate";
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(r.lyapunov[i], r.lyapunov_estimate[i], 1e-6) << "exponent " << i;
  EXPECT_NEAR(r.lyapunov[0], -4.78e-2, 1e-4);  // docs/regimes.md
  EXPECT_EQ(r.lyapunov[0], r.lyapunov[1]) << "a complex pair of multipliers has one modulus";
}

// A point without a recurrence keeps the running estimate.
TEST_P(FloquetPoint, ChaoticPointKeepsTheRunningEstimate) {
  const config::Config cfg = paper_config({"--sweep.beta", "1.28", "--run.steps", "300000", "--run.transient", "200000",
                                           "--analysis.samples", "2000", "--run.engine", GetParam()});
  const model::Weights weights = model::draw_weights(cfg.model);
  const records::PointResult r = sweep::PointComputer(cfg, weights).compute(0);
  ASSERT_EQ(r.status, records::PointStatus::done) << r.error;
  EXPECT_EQ(r.period, 0);
  EXPECT_EQ(r.lyapunov_source, records::LyapunovSource::running);
  EXPECT_EQ(r.lyapunov, r.lyapunov_estimate);
}

// The period-28 window of Fig. 3b, β ∈ [1.2736, 1.2740], where single trajectories from the paper's
// window end on period 28, 32 or 64 or are still chaotic, recorded over short runs (10⁵ steps after
// 2·10⁵, and 10⁵ after 5·10⁴) so that some points recur only near the end of their recorded steps:
// the running estimate then averages in the chaotic transient and is positive on orbits labelled
// periodic (3 to 5 of the 24 points, depending on the kernel). With the Floquet exponents no point
// labelled fixed point or periodic has λ₁ > 0. A few seconds per engine.
TEST_P(FloquetPoint, NoPeriodicLabelWithAPositiveExponentInThePeriod28Window) {
  int contradicted_estimates = 0, periodic = 0;
  for (const auto& [steps, transient] : {std::pair{"300000", "100000"}, std::pair{"150000", "50000"}}) {
    const config::Config cfg = paper_config({"--sweep.beta", "1.2736:1.2740:24", "--run.steps", steps, "--run.transient",
                                             transient, "--analysis.samples", "2000", "--run.engine", GetParam()});
    const model::Weights weights = model::draw_weights(cfg.model);
    const sweep::PointComputer computer(cfg, weights);
    std::vector<long long> indices(24);
    for (long long p = 0; p < 24; ++p) indices[static_cast<std::size_t>(p)] = p;
    for (const records::Outcome& outcome : computer.compute_many(indices, nullptr, {})) {
      const auto& r = std::get<records::PointResult>(outcome);
      ASSERT_EQ(r.status, records::PointStatus::done) << r.error;
      const double beta = computer.grid().point(r.index).beta;
      if (r.period > 0) {
        EXPECT_EQ(r.lyapunov_source, records::LyapunovSource::floquet) << "beta = " << beta;
        if (r.lyapunov_estimate[0] > 0) ++contradicted_estimates;
      }
      if (r.regime == analysis::Regime::fixed_point || r.regime == analysis::Regime::periodic) {
        ++periodic;
        EXPECT_LE(r.lyapunov[0], 1e-12) << "beta = " << beta << " (steps " << steps << "), period " << r.period
                                        << ", labelled " << analysis::to_string(r.regime);
      }
    }
  }
  EXPECT_GT(periodic, 30);
  // What makes the test able to fail: the running estimate alone would contradict some labels.
  EXPECT_GT(contradicted_estimates, 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, FloquetPoint, ::testing::Values("simd", "scalar"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
