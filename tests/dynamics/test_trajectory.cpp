// Trajectories against the authors' implementation (tests/reference/traj_*): the first 60 rows of
// every recorded quantity to 1e-9, and all 200 rows at β = 0.5 where the map settles on a fixed
// point. Later rows of a chaotic trajectory diverge from any other implementation's rounding, so
// beyond row 60 the chaotic case is judged statistically: the same attractor, not the same points.
#include <gtest/gtest.h>

#include <algorithm>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "attnmf/dynamics/integrator.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"
#include "../model/reference_fixtures.hpp"

namespace {

using namespace attnmf::model;
using attnmf::dynamics::Integrator;
using attnmf::dynamics::StepRecord;

struct Fixture {
  std::string file;
  bool from_token;
  double beta;
  int tight_rows;
};

std::vector<std::vector<double>> simulate(const Fixture& f, int steps) {
  ModelParameters p;
  p.beta = f.beta;
  const Weights w = draw_weights(p);
  const MeanFieldMap map(p, w);
  const int M = p.features;
  Integrator integrator = [&] {
    if (!f.from_token) return Integrator(map, read_window_file(attnmf::testing::reference_path("checkpoint_window.txt"), map));
    // The reference's initial token: row 0 of W^o with its positional bits set to −1.
    return Integrator::from_token(map, initial_token(w, 0));
  }();
  std::vector<std::vector<double>> rows;
  for (int t = 0; t < steps; ++t) {
    std::vector<double> row(1 + 6 * M);
    row[0] = t;
    const StepRecord record{&row[1], &row[1 + M], &row[1 + 2 * M], &row[1 + 3 * M], &row[1 + 4 * M], &row[1 + 5 * M]};
    integrator.step(record);
    rows.push_back(row);
  }
  return rows;
}

std::string fixture_name(const ::testing::TestParamInfo<Fixture>& param_info) {
  std::string name = param_info.param.file.substr(5, param_info.param.file.size() - 9);
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

class ReferenceTrajectoryTest : public ::testing::TestWithParam<Fixture> {};

TEST_P(ReferenceTrajectoryTest, EarlyRowsMatchTightly) {
  const Fixture f = GetParam();
  const auto expected = attnmf::testing::read_reference_trajectory(f.file);
  ASSERT_EQ(expected.size(), 200U);
  const auto rows = simulate(f, 200);
  for (int t = 0; t < f.tight_rows; ++t) {
    ASSERT_EQ(rows[t].size(), expected[t].size());
    for (std::size_t c = 0; c < rows[t].size(); ++c)
      ASSERT_NEAR(rows[t][c], expected[t][c], 1e-9) << f.file << " row " << t << " column " << c;
  }
}

TEST_P(ReferenceTrajectoryTest, LateRowsStayOnTheSameAttractor) {
  const Fixture f = GetParam();
  const auto expected = attnmf::testing::read_reference_trajectory(f.file);
  const auto rows = simulate(f, 200);
  // Range and mean of every column over rows 100–199 agree: the same attractor, visited alike.
  for (std::size_t c = 1; c < rows[0].size(); ++c) {
    double lo_a = 1e9, hi_a = -1e9, lo_b = 1e9, hi_b = -1e9, mean_a = 0, mean_b = 0;
    for (int t = 100; t < 200; ++t) {
      lo_a = std::min(lo_a, rows[t][c]);
      hi_a = std::max(hi_a, rows[t][c]);
      lo_b = std::min(lo_b, expected[t][c]);
      hi_b = std::max(hi_b, expected[t][c]);
      mean_a += rows[t][c] / 100;
      mean_b += expected[t][c] / 100;
    }
    const double span = std::max(hi_b - lo_b, 1e-12);
    EXPECT_NEAR(lo_a, lo_b, 0.1 * span + 1e-9) << "column " << c;
    EXPECT_NEAR(hi_a, hi_b, 0.1 * span + 1e-9) << "column " << c;
    EXPECT_NEAR(mean_a, mean_b, 0.1 * span + 1e-9) << "column " << c;
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllFixtures, ReferenceTrajectoryTest,
    ::testing::Values(Fixture{"traj_checkpoint_beta0.5.txt", false, 0.5, 200}, Fixture{"traj_checkpoint_beta1.27.txt", false, 1.27, 60},
                      Fixture{"traj_token_beta0.5.txt", true, 0.5, 200}, Fixture{"traj_token_beta1.27.txt", true, 1.27, 60}),
    fixture_name);

TEST(Integrator, RestartFromItsOwnWindowContinuesBitForBit) {
  ModelParameters p;
  p.beta = 1.4;
  const Weights w = draw_weights(p);
  const MeanFieldMap map(p, w);
  const Window start = read_window_file(attnmf::testing::reference_path("checkpoint_window.txt"), map);
  Integrator straight(map, start);
  straight.run(1000);
  Integrator first(map, start);
  first.run(400);
  Integrator second(map, first.window());
  second.run(600);
  const auto a = straight.window(), b = second.window();
  EXPECT_EQ(a.attention, b.attention);
  EXPECT_EQ(a.positions, b.positions);
}

TEST(Integrator, PositionalWindowRotatesCyclically) {
  ModelParameters p;
  const Weights w = draw_weights(p);
  const MeanFieldMap map(p, w);
  const Window start = read_window_file(attnmf::testing::reference_path("checkpoint_window.txt"), map);
  EXPECT_EQ(start.positions, (std::vector<int>{3, 2, 1, 0}));
  Integrator integrator(map, start);
  integrator.step();
  EXPECT_EQ(integrator.window().positions, (std::vector<int>{0, 3, 2, 1}));
}

TEST(WindowFile, RejectsMalformedFiles) {
  ModelParameters p;
  const Weights w = draw_weights(p);
  const MeanFieldMap map(p, w);
  const auto dir = std::filesystem::temp_directory_path() / ("attnmf-window-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& text) {
    std::ofstream(dir / "w.txt") << text;
    return dir / "w.txt";
  };
  EXPECT_THROW(read_window_file(dir / "missing.txt", map), std::runtime_error);
  EXPECT_THROW(read_window_file(write("att 1 2\n"), map), std::runtime_error);                       // M values
  EXPECT_THROW(read_window_file(write("att 1 2 x\n"), map), std::runtime_error);                     // not a number
  EXPECT_THROW(read_window_file(write("att 0 0 0\natt 0 0 0\natt 0 0 0\natt 0 0 0\npe 1 1\npe 1 -1\npe -1 1\npe 1 0.5\n"), map),
               std::runtime_error);  // a positional bit that is not ±1
  EXPECT_THROW(read_window_file(write("att 0 0 0\npe 1 1\n"), map), std::runtime_error);  // too few rows
  const Window round = read_window_file(attnmf::testing::reference_path("checkpoint_window.txt"), map);
  write_window_file(dir / "again.txt", round, map);
  const Window again = read_window_file(dir / "again.txt", map);
  EXPECT_EQ(round.attention, again.attention);
  EXPECT_EQ(round.positions, again.positions);
  std::filesystem::remove_all(dir);
}

}  // namespace
