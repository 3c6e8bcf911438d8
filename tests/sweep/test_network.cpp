// The finite network through the point pipeline (run.engine = network, docs/network.md): how it
// approaches the mean field as N grows, the two algorithms in the full dynamics, determinism, and
// the engine's own contract.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "attnmf/config/config.hpp"
#include "attnmf/config/grid.hpp"
#include "attnmf/dynamics/engine.hpp"
#include "attnmf/dynamics/network_engine.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/sweep/point.hpp"

namespace {

using namespace attnmf;

config::Config network_config(std::vector<std::string> extra) {
  const std::string window = std::string(ATTNMF_REFERENCE_DIR) + "/checkpoint_window.txt";
  // These defaults unless `extra` gives the key.
  std::vector<std::string> args;
  for (const std::vector<std::string>& given : std::vector<std::vector<std::string>>{
           {"--init.checkpoint", window}, {"--run.engine", "network"}, {"--run.steps", "30000"},
           {"--run.transient", "10000"}, {"--analysis.samples", "20000"}, {"--output.file", "unused.h5"}})
    if (std::find(extra.begin(), extra.end(), given[0]) == extra.end()) args.insert(args.end(), given.begin(), given.end());
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return config::parse(config::Command::sweep, static_cast<int>(argv.size()), argv.data()).config;
}

std::vector<records::PointResult> compute_all(const config::Config& cfg) {
  const model::Weights weights = model::draw_weights(cfg.model);
  const sweep::PointComputer computer(cfg, weights);
  std::vector<records::PointResult> results;
  for (long long p = 0; p < computer.grid().size(); ++p) {
    results.push_back(computer.compute(p));
    EXPECT_EQ(results.back().status, records::PointStatus::done) << results.back().error;
  }
  return results;
}

double mean_of(const std::vector<double>& x) { return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size()); }

// Least-squares slope of log y on log x.
double log_slope(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> lx, ly;
  for (std::size_t i = 0; i < x.size(); ++i) {
    lx.push_back(std::log10(x[i]));
    ly.push_back(std::log10(y[i]));
  }
  const double mx = mean_of(lx), my = mean_of(ly);
  double sxy = 0.0, sxx = 0.0;
  for (std::size_t i = 0; i < lx.size(); ++i) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) * (lx[i] - mx);
  }
  return sxy / sxx;
}

// At β = 1.1 the mean field rests at a fixed point (turning with the positional code); the
// network's m^o_se fluctuates around it, and the fluctuations shrink as N^(−1/2) over four decades.
TEST(FiniteNetwork, FluctuationsAroundAFixedPointDecayAsTheInverseSquareRootOfN) {
  const config::Config cfg =
      network_config({"--sweep.beta", "1.1", "--sweep.size", "990,9900,99000,990000,9900000", "--network.replicas", "2"});
  const auto results = compute_all(cfg);
  std::vector<double> sizes, deviation, distance;
  for (const auto& r : results) {
    ASSERT_EQ(r.network.reference_regime, analysis::Regime::fixed_point);
    ASSERT_EQ(r.network.kind, analysis::DistanceKind::fixed_point);
    EXPECT_EQ(r.regime, analysis::Regime::fixed_point) << "N = " << r.network.size << ": recognised";
    EXPECT_EQ(r.network.recognised, (std::vector<std::int8_t>{1, 1}));
    sizes.push_back(static_cast<double>(r.network.size));
    deviation.push_back(mean_of(r.network.deviation));
    distance.push_back(mean_of(r.network.distance));
  }
  // The distance from the fixed point's cycle: the deviation of m^o_se also holds the cycle's own
  // small turn with the positions (~1e-4 here), which the largest N's noise comes down to.
  EXPECT_NEAR(log_slope(sizes, distance), -0.5, 0.1) << "the rms distance from the fixed point against N";
  EXPECT_NEAR(log_slope(std::vector<double>(sizes.begin(), sizes.end() - 1),
                        std::vector<double>(deviation.begin(), deviation.end() - 1)),
              -0.5, 0.1)
      << "the standard deviation of m^o_se against N, N <= 990000";
  // And the law, not only its exponent: sqrt(N) times the distance is about constant.
  for (std::size_t i = 0; i < sizes.size(); ++i)
    EXPECT_NEAR(distance[i] * std::sqrt(sizes[i]) / (distance[0] * std::sqrt(sizes[0])), 1.0, 0.25) << sizes[i];
}

// The whole dynamics with either token draw: the stationary statistics of m^o_se agree.
TEST(FiniteNetwork, DirectAndReducedGiveTheSameStationaryStatistics) {
  for (const char* size : {"990", "9900"}) {
    std::vector<records::PointResult> by[2];
    int k = 0;
    for (const char* algorithm : {"direct", "reduced"})
      by[k++] = compute_all(network_config({"--sweep.beta", "1.1,1.4", "--sweep.size", size, "--network.replicas", "3",
                                            "--network.algorithm", algorithm}));
    for (std::size_t p = 0; p < by[0].size(); ++p) {
      const auto& direct = by[0][p].network;
      const auto& reduced = by[1][p].network;
      EXPECT_EQ(direct.algorithm, 0);
      EXPECT_EQ(reduced.algorithm, 1);
      // The replicas' spread of the mean and deviation sets the tolerance.
      const double d_dev = mean_of(direct.deviation), r_dev = mean_of(reduced.deviation);
      EXPECT_NEAR(d_dev / r_dev, 1.0, 0.1) << "N = " << size << ", point " << p;
      const double d_mean = mean_of(direct.mean), r_mean = mean_of(reduced.mean);
      EXPECT_NEAR(d_mean, r_mean, 0.1 * d_dev + 0.02) << "N = " << size << ", point " << p;
      // The distributions of m^o_se,0 of replica 0 (20000 samples each): a Kolmogorov distance
      // below 0.08, where N = 990 and N = 9900 differ by more (checked below).
      std::vector<double> a, b;
      for (std::size_t i = 0; i < by[0][p].analysis.samples.size(); i += 3) a.push_back(by[0][p].analysis.samples[i]);
      for (std::size_t i = 0; i < by[1][p].analysis.samples.size(); i += 3) b.push_back(by[1][p].analysis.samples[i]);
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      double ks = 0.0;
      std::size_t i = 0, j = 0;
      while (i < a.size() && j < b.size()) {
        const double x = std::min(a[i], b[j]);
        while (i < a.size() && a[i] <= x) ++i;
        while (j < b.size() && b[j] <= x) ++j;
        ks = std::max(ks, std::abs(static_cast<double>(i) / a.size() - static_cast<double>(j) / b.size()));
      }
      EXPECT_LT(ks, 0.08) << "N = " << size << ", point " << p;
    }
  }
  // The same statistics tell sizes apart: the deviation at N = 990 is about sqrt(10) that at 9900.
  const auto small = compute_all(network_config({"--sweep.beta", "1.1", "--sweep.size", "990"}));
  const auto large = compute_all(network_config({"--sweep.beta", "1.1", "--sweep.size", "9900"}));
  EXPECT_GT(mean_of(small[0].network.deviation) / mean_of(large[0].network.deviation), 2.5);
}

TEST(FiniteNetwork, APointDependsOnItsIndexAloneAndReplicasDiffer) {
  const config::Config cfg = network_config({"--sweep.beta", "1.27,1.4", "--sweep.size", "990", "--network.replicas", "2",
                                             "--run.steps", "3000", "--run.transient", "1000", "--analysis.samples", "500"});
  const auto once = compute_all(cfg);
  const auto again = compute_all(cfg);
  for (std::size_t p = 0; p < once.size(); ++p) {
    EXPECT_EQ(once[p].analysis.samples, again[p].analysis.samples);
    EXPECT_EQ(once[p].network.distance, again[p].network.distance);
    EXPECT_NE(once[p].network.mean[0], once[p].network.mean[3]) << "replicas 0 and 1 drew the same noise";
  }
  EXPECT_NE(once[0].analysis.samples, once[1].analysis.samples);
  // Another noise seed, other numbers; the reference is the same.
  auto reseeded = cfg;
  reseeded.network.seed = 2;
  const auto other = compute_all(reseeded);
  EXPECT_NE(other[0].analysis.samples, once[0].analysis.samples);
  EXPECT_EQ(other[0].network.reference_samples, once[0].network.reference_samples);
}

TEST(FiniteNetwork, AStoppedPointStartsAfreshAndEndsWithTheSameNumbers) {
  const config::Config cfg = network_config({"--sweep.beta", "1.27", "--sweep.size", "9900"});
  const model::Weights weights = model::draw_weights(cfg.model);
  const sweep::PointComputer computer(cfg, weights);
  std::atomic<bool> stop{true};
  const auto stopped = computer.compute(0, &stop, nullptr);
  ASSERT_TRUE(std::holds_alternative<records::PartialPoint>(stopped));
  const auto& partial = std::get<records::PartialPoint>(stopped);
  EXPECT_EQ(partial.steps_done, 0);
  const auto resumed = computer.compute(0, nullptr, &partial);
  ASSERT_TRUE(std::holds_alternative<records::PointResult>(resumed));
  EXPECT_EQ(std::get<records::PointResult>(resumed).analysis.samples, computer.compute(0).analysis.samples);
}

// At an N far beyond every other scale the network follows the mean-field map, its difference the
// noise of a mean field, N^(−1/2), amplified by the map along the way (×60 over the first steps at
// β = 1.27): a hundred times the bits, a tenth of the difference, step by step.
TEST(NetworkEngine, FollowsTheMeanFieldMapAtLargeN) {
  const config::Config cfg = network_config({"--model.beta", "1.27"});
  const model::Weights weights = model::draw_weights(cfg.model);
  const model::MeanFieldMap map(cfg.model, weights);
  const model::Window window = model::read_window_file(cfg.init.checkpoint, map);
  const auto differences = [&](long long size) {
    auto mean_field = dynamics::make_scalar_engine(map, window);
    auto network = dynamics::make_network_engine(map, weights, window, {.size = size});
    std::vector<double> a(3), b(3), sa(3), sb(3), largest;
    for (int t = 0; t < 12; ++t) {
      mean_field->step({.attention = a.data(), .output_semantic = sa.data()});
      network->step({.attention = b.data(), .output_semantic = sb.data()});
      double d = 0.0;
      for (std::size_t f = 0; f < 3; ++f) d = std::max({d, std::abs(a[f] - b[f]), std::abs(sa[f] - sb[f])});
      largest.push_back(d);
    }
    EXPECT_EQ(network->newest_position(), mean_field->newest_position());
    EXPECT_EQ(network->window(0).positions, mean_field->window(0).positions);
    return largest;
  };
  const long long size = 99'000'000'000LL;
  const auto near = differences(size), nearer = differences(100 * size);
  for (std::size_t t = 0; t < near.size(); ++t) {
    EXPECT_LT(near[t], 200.0 / std::sqrt(static_cast<double>(size))) << "step " << t;
    EXPECT_NEAR(near[t] / nearer[t], 10.0, 1.0) << "step " << t;
  }
  EXPECT_LT(near[0], 5.0 / std::sqrt(static_cast<double>(size)));
  auto network = dynamics::make_network_engine(map, weights, window, {.size = size});
  EXPECT_THROW(network->start_tangent(1), std::invalid_argument);
  EXPECT_EQ(network->lanes(), 1);
}

TEST(NetworkEngine, AClonedEngineDrawsOnAsTheOriginalDoes) {
  const config::Config cfg = network_config({});
  const model::Weights weights = model::draw_weights(cfg.model);
  const model::MeanFieldMap map(cfg.model, weights);
  const model::Window window = model::read_window_file(cfg.init.checkpoint, map);
  for (const auto algorithm : {model::NetworkAlgorithm::direct, model::NetworkAlgorithm::reduced}) {
    auto engine = dynamics::make_network_engine(map, weights, window, {.size = 990, .algorithm = algorithm, .replica = 3});
    engine->run(100);
    auto copy = engine->clone();
    engine->run(50);
    copy->run(50);
    EXPECT_EQ(engine->window(0).attention, copy->window(0).attention);
    EXPECT_EQ(copy->steps_done(), 150);
  }
}

TEST(FiniteNetwork, RefusesWhatItCannotDo) {
  const auto problems = [](std::vector<std::string> extra) {
    try {
      network_config(std::move(extra));
    } catch (const config::ConfigError& e) {
      std::string all;
      for (const auto& p : e.problems()) all += p + "\n";
      return all;
    }
    return std::string();
  };
  EXPECT_NE(problems({"--network.size", "1000"}).find("must be a multiple of model.semantic_bits = 99"), std::string::npos);
  EXPECT_NE(problems({"--sweep.size", "990,1000"}).find("every value must be a multiple"), std::string::npos);
  EXPECT_NE(problems({"--init.starts", "2"}).find("one start per point"), std::string::npos);
  EXPECT_NE(problems({"--sweep.mode", "continuation"}).find("grid sweeps only"), std::string::npos);
  EXPECT_NE(problems({"--run.engine", "simd", "--sweep.size", "990,9900"}).find("needs run.engine = network"),
            std::string::npos);
  EXPECT_EQ(problems({"--sweep.size", "990:99000:3"}), "");
}

}  // namespace
