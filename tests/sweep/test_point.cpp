// A sweep point: stopped mid-trajectory and continued, it ends with the numbers of an
// uninterrupted run, bit for bit.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <thread>

#include "attnmf/config/config.hpp"
#include "attnmf/config/grid.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/sweep/point.hpp"

namespace {

using namespace attnmf;

config::Config long_point(const char* steps, const char* transient) {
  const std::string window = std::string(ATTNMF_REFERENCE_DIR) + "/checkpoint_window.txt";
  const char* argv[] = {"--init.checkpoint", window.c_str(), "--sweep.beta", "1.266,1.4", "--run.steps", steps,
                        "--run.transient", transient, "--analysis.samples", "500", "--output.file", "unused.h5"};
  return config::parse(config::Command::sweep, static_cast<int>(std::size(argv)), argv).config;
}

void expect_same(const records::PointResult& a, const records::PointResult& b) {
  ASSERT_EQ(a.status, records::PointStatus::done) << a.error;
  ASSERT_EQ(b.status, records::PointStatus::done) << b.error;
  EXPECT_EQ(a.analysis.samples, b.analysis.samples);
  EXPECT_EQ(a.analysis.crossings, b.analysis.crossings);
  EXPECT_EQ(a.analysis.section, b.analysis.section);
  EXPECT_EQ(a.analysis.crossings_total, b.analysis.crossings_total);
  EXPECT_EQ(a.analysis.distinct_values, b.analysis.distinct_values);
  EXPECT_EQ(a.period, b.period);
  EXPECT_EQ(a.final_window.attention, b.final_window.attention);
  EXPECT_EQ(a.lyapunov, b.lyapunov);
}

// Stops the point `stops` times at irregular moments (in the transient and after it), continuing
// each time from the saved state.
records::PointResult interrupted(const sweep::PointComputer& computer, long long index, int stops) {
  std::optional<records::PartialPoint> partial;
  for (int attempt = 0;; ++attempt) {
    std::atomic<bool> stop{false};
    std::jthread stopper;
    if (attempt < stops)
      stopper = std::jthread([&, attempt] {
        std::this_thread::sleep_for(std::chrono::milliseconds(15 + 20 * attempt));
        stop = true;
      });
    auto outcome = computer.compute(index, &stop, partial ? &*partial : nullptr);
    if (auto* result = std::get_if<records::PointResult>(&outcome)) return *result;
    partial = std::get<records::PartialPoint>(outcome);
  }
}

TEST(PointContinuation, StoppedAndContinuedEqualsUninterrupted) {
  const config::Config cfg = long_point("1500000", "700000");
  const model::Weights weights = model::draw_weights(cfg.model);
  const sweep::PointComputer computer(cfg, weights);
  for (long long index : {0LL, 1LL}) {
    const records::PointResult straight = computer.compute(index);
    expect_same(interrupted(computer, index, 5), straight);
  }
}

TEST(PointContinuation, AStopRequestedBeforeTheStartReturnsTheStartingState) {
  const config::Config cfg = long_point("200000", "100000");
  const model::Weights weights = model::draw_weights(cfg.model);
  const sweep::PointComputer computer(cfg, weights);
  std::atomic<bool> stop{true};
  const auto outcome = computer.compute(0, &stop, nullptr);
  ASSERT_TRUE(std::holds_alternative<records::PartialPoint>(outcome));
  const auto& partial = std::get<records::PartialPoint>(outcome);
  EXPECT_EQ(partial.steps_done, 0);
  EXPECT_EQ(partial.index, 0);
}

TEST(SweepGrid, IndexesBetaFastest) {
  const config::SweepGrid grid({1, 2, 3}, {10, 20}, {0.1, 0.2});
  EXPECT_EQ(grid.size(), 12);
  const auto p = grid.point((1 * 2 + 1) * 3 + 2);
  EXPECT_EQ(p.beta, 3);
  EXPECT_EQ(p.gamma, 20);
  EXPECT_EQ(p.epsilon, 0.2);
  EXPECT_THROW(grid.point(12), std::out_of_range);
}

}  // namespace

namespace {

// The paper's trajectory figure: at its settings, from its checkpoint window, 1.2e6 steps with 1e6
// discarded, the six β values are classified as the paper finds them. The map is multistable near
// some of them: this is the attractor reached from the paper's window with this arithmetic.
class PaperRegimes : public ::testing::TestWithParam<std::string> {};

// Both engines classify the paper's six β values as the paper does (Fig. 2).
TEST_P(PaperRegimes, TheSixBetaValuesOfTheTrajectoryFigure) {
  const std::string window = std::string(ATTNMF_REFERENCE_DIR) + "/checkpoint_window.txt";
  const std::string engine = GetParam();
  const char* argv[] = {"--init.checkpoint", window.c_str(), "--sweep.beta", "1.255,1.26405,1.266,1.27,1.28,1.4",
                        "--output.file", "unused.h5", "--run.engine", engine.c_str()};
  const config::Config cfg = config::parse(config::Command::sweep, static_cast<int>(std::size(argv)), argv).config;
  const model::Weights weights = model::draw_weights(cfg.model);
  const sweep::PointComputer computer(cfg, weights);
  const int expected[] = {2, 2, 3, 1, 3, 3};  // quasi-periodic, quasi-periodic, chaotic, periodic, chaotic, chaotic
  for (long long p = 0; p < 6; ++p) {
    const records::PointResult r = computer.compute(p);
    ASSERT_EQ(r.status, records::PointStatus::done) << r.error;
    EXPECT_EQ(r.regime, attnmf::analysis::regime_of_code(expected[p])) << "beta = " << computer.grid().point(p).beta << ", lambda_1 = " << r.lyapunov[0]
                                     << ", K = " << r.zero_one;
    if (p == 3) {
      EXPECT_EQ(r.period, 28);  // the authors' code finds period 28
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, PaperRegimes, ::testing::Values("simd", "scalar"),
                         [](const auto& param_info) { return param_info.param; });

// At β = 0 the mean fields do not depend on the window: the orbit is the positional cycle and every
// tangent vector vanishes after L steps. The exponents are −∞, and that is a result, not a failure.
TEST(ZeroBeta, IsAFixedPointWithExponentsMinusInfinity) {
  const std::string window = std::string(ATTNMF_REFERENCE_DIR) + "/checkpoint_window.txt";
  for (const char* engine : {"simd", "scalar"}) {
    const char* argv[] = {"--init.checkpoint", window.c_str(), "--sweep.beta", "0", "--run.steps", "3000",
                          "--run.transient", "1000", "--analysis.samples", "500", "--output.file", "unused.h5",
                          "--run.engine", engine};
    const config::Config cfg = config::parse(config::Command::sweep, static_cast<int>(std::size(argv)), argv).config;
    const model::Weights weights = model::draw_weights(cfg.model);
    const records::PointResult r = sweep::PointComputer(cfg, weights).compute(0);
    ASSERT_EQ(r.status, records::PointStatus::done) << engine << ": " << r.error;
    EXPECT_EQ(r.regime, attnmf::analysis::regime_of_code(0)) << engine;
    ASSERT_EQ(r.lyapunov.size(), 3U);
    for (double exponent : r.lyapunov) EXPECT_EQ(exponent, -std::numeric_limits<double>::infinity()) << engine;
  }
}

}  // namespace
