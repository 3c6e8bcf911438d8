// The cost of several starts per point (init.starts, docs/attractors.md): 16 points of the period-28
// window near β = 1.2738 with K starts each, every start through the sweep's pipeline (top-3
// exponents, 5000 samples) and each point's starts grouped into attractors, on one thread. The vector
// lanes hold starts of one point or of several, so K starts should cost K times one start, not more:
// compare the time per point of K = 16 and 32 with K = 1.
//
//   build/bin/attnmf-bench --benchmark_filter=Multistart
//
// items_per_second is grid points per second; the counter start_steps_per_second is what the
// engine integrated (starts · steps).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "attnmf/config/config.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/sweep/attractors.hpp"
#include "attnmf/sweep/point.hpp"

namespace {

using namespace attnmf;

constexpr int kPoints = 16;
constexpr long long kSteps = 60000;

config::Config multistart_config(int starts) {
  const std::string window = std::string(ATTNMF_REFERENCE_DIR) + "/checkpoint_window.txt";
  const std::string k = std::to_string(starts), steps = std::to_string(kSteps);
  const char* argv[] = {"--init.checkpoint", window.c_str(), "--sweep.beta", "1.27378:1.273825:16", "--run.steps",
                        steps.c_str(), "--run.transient", "40000", "--analysis.samples", "5000", "--init.starts",
                        k.c_str(), "--output.file", "unused.h5"};
  return config::parse(config::Command::sweep, static_cast<int>(std::size(argv)), argv).config;
}

void Multistart(benchmark::State& state) {
  const int K = static_cast<int>(state.range(0));
  const config::Config config = multistart_config(K);
  const model::Weights weights = model::draw_weights(config.model);
  const sweep::PointComputer computer(config, weights);
  std::vector<sweep::RunSpec> runs;
  for (long long p = 0; p < kPoints; ++p)
    for (int s = 0; s < K; ++s) runs.push_back({.index = p, .start = s});
  const analysis::GroupingSettings grouping = sweep::grouping_settings(config);
  for (auto _ : state) {
    std::vector<records::Outcome> outcomes = computer.compute_runs(runs, nullptr);
    for (long long p = 0; p < kPoints; ++p) {
      std::vector<records::PointResult> starts;
      for (int s = 0; s < K; ++s) starts.push_back(std::get<records::PointResult>(outcomes[static_cast<std::size_t>(p * K + s)]));
      benchmark::DoNotOptimize(sweep::group_point(starts, grouping).attractors.size());
    }
  }
  state.SetItemsProcessed(state.iterations() * kPoints);
  state.counters["start_steps_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kPoints * K * kSteps, benchmark::Counter::kIsRate);
}
BENCHMARK(Multistart)->Arg(1)->Arg(16)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
