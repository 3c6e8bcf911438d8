// Continuation chains (sweep/continuation.hpp) as lists of points, and the runs of a point's starts
// (sweep/point.hpp): a start's result depends on the point, the start and where it begins alone.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "attnmf/config/config.hpp"
#include "attnmf/config/grid.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/sweep/continuation.hpp"
#include "attnmf/sweep/point.hpp"

namespace {

using namespace attnmf;

config::Config chain_config(const std::string& beta, const std::string& from, const std::string& direction,
                            const std::vector<std::string>& more = {}) {
  const std::string window = std::string(ATTNMF_REFERENCE_DIR) + "/checkpoint_window.txt";
  std::vector<std::string> args = {"--init.checkpoint", window, "--sweep.beta", beta, "--sweep.mode", "continuation",
                                   "--continuation.direction", direction, "--output.file", "unused.h5",
                                   "--run.steps", "3000", "--run.transient", "2000", "--continuation.transient", "500",
                                   "--analysis.samples", "200"};
  if (!from.empty()) args.insert(args.end(), {"--continuation.from", from});
  args.insert(args.end(), more.begin(), more.end());
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return config::parse(config::Command::sweep, static_cast<int>(argv.size()), argv.data()).config;
}

std::vector<long long> points(const sweep::ChainSegment& s) { return s.points; }

TEST(ChainSegments, UpFromTheLowestBetaIsOneSegment) {
  const config::Config c = chain_config("1:2:5", "", "up");
  const config::SweepGrid grid(c.sweep);
  const auto segments = sweep::chain_segments(grid, c, 0);
  ASSERT_EQ(segments.size(), 1U);
  EXPECT_EQ(segments[0].start, 0);
  EXPECT_EQ(points(segments[0]), (std::vector<long long>{0, 1, 2, 3, 4}));
}

TEST(ChainSegments, FromTheMiddleEachDirectionHasTwoSegmentsCoveringTheRowOnce) {
  const config::Config c = chain_config("1:2:5", "1.49", "both");  // nearest beta: 1.5, position 2
  const config::SweepGrid grid(c.sweep);
  EXPECT_EQ(c.init.starts, 2);  // both: one start per direction by default
  const auto segments = sweep::chain_segments(grid, c, 0);
  ASSERT_EQ(segments.size(), 4U);
  EXPECT_EQ(segments[0].start, 0);
  EXPECT_EQ(points(segments[0]), (std::vector<long long>{2, 3, 4}));
  EXPECT_EQ(points(segments[1]), (std::vector<long long>{0, 1}));
  EXPECT_EQ(segments[2].start, 1);
  EXPECT_EQ(points(segments[2]), (std::vector<long long>{2, 1, 0}));
  EXPECT_EQ(points(segments[3]), (std::vector<long long>{4, 3}));
}

TEST(ChainSegments, RowsOfAGridAreSeparateChainsAlongAnUnsortedBetaList) {
  const config::Config c = chain_config("1.3,1.1,1.2", "", "down", {"--sweep.epsilon", "0.02,0.03"});
  const config::SweepGrid grid(c.sweep);
  ASSERT_EQ(sweep::grid_rows(grid), 2);
  const auto segments = sweep::chain_segments(grid, c, 1);  // row 1: points 3, 4, 5
  // from = lowest beta (1.1, point 4): down visits it alone, then 1.3, 1.2 from the top.
  ASSERT_EQ(segments.size(), 2U);
  EXPECT_EQ(points(segments[0]), (std::vector<long long>{4}));
  EXPECT_EQ(points(segments[1]), (std::vector<long long>{3, 5}));
  EXPECT_THROW(sweep::chain_segments(grid, c, 2), std::out_of_range);
}

TEST(ContinuationConfig, BadCombinationsAreClearErrors) {
  try {
    chain_config("1:2:5", "2.5", "up");
    FAIL() << "continuation.from outside the grid accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("continuation.from"), std::string::npos) << e.what();
  }
  try {
    chain_config("1:2:5", "", "both", {"--init.starts", "1"});
    FAIL() << "both with one start accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("init.starts"), std::string::npos) << e.what();
  }
}

TEST(Starts, AStartsResultIsTheSameAloneAndInABlockWithOthers) {
  const config::Config c = chain_config("1.25,1.3", "", "up", {"--init.starts", "5"});
  const model::Weights weights = model::draw_weights(c.model);
  const sweep::PointComputer computer(c, weights);
  EXPECT_EQ(computer.chain_starts(), 1);
  EXPECT_EQ(computer.origin(0), records::StartOrigin::up_chain);
  EXPECT_EQ(computer.origin(3), records::StartOrigin::random);
  std::vector<sweep::RunSpec> runs;
  for (long long p = 0; p < 2; ++p)
    for (int s = 0; s < 5; ++s) runs.push_back({.index = p, .start = s});
  const auto together = computer.compute_runs(runs, nullptr);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto alone = computer.compute_runs({&runs[i], 1}, nullptr);
    const auto& a = std::get<records::PointResult>(together[i]);
    const auto& b = std::get<records::PointResult>(alone[0]);
    ASSERT_EQ(a.status, records::PointStatus::done) << a.error;
    EXPECT_EQ(a.index, runs[i].index);
    EXPECT_EQ(a.start, runs[i].start);
    EXPECT_EQ(a.analysis.samples, b.analysis.samples);
    EXPECT_EQ(a.final_window.attention, b.final_window.attention);
  }
  // Different starts of a point begin from different windows, so their samples differ.
  EXPECT_NE(std::get<records::PointResult>(together[1]).analysis.samples,
            std::get<records::PointResult>(together[2]).analysis.samples);
}

TEST(Starts, AContinuedRunUsesTheGivenWindowAndTheShorterTransient) {
  const config::Config c = chain_config("1.25,1.3", "", "up");
  const model::Weights weights = model::draw_weights(c.model);
  const sweep::PointComputer computer(c, weights);
  const sweep::RunSpec first{.index = 0};
  const auto r0 = std::get<records::PointResult>(computer.compute_runs({&first, 1}, nullptr)[0]);
  ASSERT_EQ(r0.status, records::PointStatus::done) << r0.error;
  const sweep::RunSpec next{.index = 1, .window = &r0.final_window, .continued = true};
  const auto r1 = std::get<records::PointResult>(computer.compute_runs({&next, 1}, nullptr)[0]);
  ASSERT_EQ(r1.status, records::PointStatus::done) << r1.error;
  EXPECT_EQ(r1.analysis.samples.size(), r0.analysis.samples.size());
  // Not the fresh start's numbers.
  const sweep::RunSpec fresh{.index = 1};
  const auto r1_fresh = std::get<records::PointResult>(computer.compute_runs({&fresh, 1}, nullptr)[0]);
  EXPECT_NE(r1.analysis.samples, r1_fresh.analysis.samples);
}

}  // namespace
