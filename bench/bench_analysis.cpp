// The analysis of one sweep point after its trajectory, at the sizes of the paper's Fig. 3 (the
// last S = 2·10^4 of the recorded steps kept, M = 3, L = 4), on a chaotic series:
//
//   build/bin/attnmf-bench --benchmark_filter=Analysis --benchmark_repetitions=5
//       --benchmark_enable_random_interleaving=true
//
// AnalysisZeroOneTest and AnalysisCorrelationDimension are the two indicators that judge()
// computes; AnalysisFinish is PointAnalyzer::finish (the samples in order, the distinct-value count,
// the period search); AnalysisPoint is the whole: finish() and judge(). The time per iteration is
// the time per point. AnalysisObserveSteps is what comes before, the analyzers taking the recorded
// steps, for a vector of points at a time.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "attnmf/analysis/classification.hpp"
#include "attnmf/analysis/point_analysis.hpp"
#include "attnmf/dynamics/engine.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"

namespace {

using namespace attnmf::analysis;

constexpr int kFeatures = 3, kContext = 4;

// The Hénon map in its chaotic band, scaled into [−1, 1] as mean fields are: S rows of
// 0.75 · (x_n, x_{n−1}, x_n x_{n−1}), a strange attractor whose first coordinate visits some 4500
// bins of the counting classifier (a chaotic point of the paper's visits from 2500).
std::vector<double> chaotic_rows(long long rows) {
  std::vector<double> samples;
  double x = 0.1, previous = 0.0;
  for (long long n = 0; n < 1000 + rows; ++n) {
    const double next = 1.0 - 1.4 * x * x + 0.3 * previous;
    previous = x;
    x = next;
    if (n >= 1000) samples.insert(samples.end(), {0.75 * x, 0.75 * previous, 0.75 * x * previous});
  }
  return samples;
}

// An analyzer that observed the rows, each as m^o_se and as the attention, in the standard
// rotating window.
PointAnalyzer observed(const std::vector<double>& samples) {
  const auto rows = static_cast<long long>(samples.size() / kFeatures);
  AnalysisSettings settings;
  settings.samples = rows;
  PointAnalyzer analyzer(kFeatures, kContext, rows, settings);
  analyzer.promise_every_step();
  for (long long t = 0; t < rows; ++t) {
    const double* row = samples.data() + t * kFeatures;
    analyzer.observe(row, row, static_cast<int>((t + 1) % kContext));
  }
  return analyzer;
}

constexpr long long kSamples = 20000;

void AnalysisZeroOneTest(benchmark::State& state) {
  const auto samples = chaotic_rows(kSamples);
  std::vector<double> series;
  for (std::size_t r = 0; r < samples.size() / kFeatures; ++r) series.push_back(samples[r * kFeatures]);
  for (auto _ : state) benchmark::DoNotOptimize(zero_one_test(series));
}
BENCHMARK(AnalysisZeroOneTest)->Unit(benchmark::kMillisecond);

void AnalysisCorrelationDimension(benchmark::State& state) {
  const auto samples = chaotic_rows(kSamples);
  for (auto _ : state) benchmark::DoNotOptimize(correlation_dimension(samples, kFeatures, kContext));
}
BENCHMARK(AnalysisCorrelationDimension)->Unit(benchmark::kMillisecond);

void AnalysisFinish(benchmark::State& state) {
  const PointAnalyzer analyzer = observed(chaotic_rows(kSamples));
  for (auto _ : state) benchmark::DoNotOptimize(analyzer.finish().distinct_values);
}
BENCHMARK(AnalysisFinish)->Unit(benchmark::kMillisecond);

void AnalysisPoint(benchmark::State& state) {
  const PointAnalyzer analyzer = observed(chaotic_rows(kSamples));
  const std::vector<double> lyapunov{0.05, -0.01, -0.3};
  for (auto _ : state) {
    const PointAnalysis analysis = analyzer.finish();
    benchmark::DoNotOptimize(judge(analysis, lyapunov, 200000, kContext).regime);
  }
}
BENCHMARK(AnalysisPoint)->Unit(benchmark::kMillisecond);

// PointAnalyzer::observe_steps as a sweep calls it (src/sweep/pipeline.cpp): the 2·10^5 recorded
// steps of kLanes points of Fig. 3a spread over its β range, in blocks of 64 steps of [step][M][lanes]
// arrays, each lane's analyzer reading its column, every step promised; the analyzers constructed
// too. What the simd engine recorded over 1024 steps past a transient is fed over and over. The time
// per iteration is that of the kLanes points (items: point-steps).
void AnalysisObserveSteps(benchmark::State& state) {
  using attnmf::dynamics::kLanes;
  using namespace attnmf::model;
  const ModelParameters parameters;
  const Weights weights = draw_weights(parameters);
  std::vector<std::unique_ptr<MeanFieldMap>> maps;
  std::vector<const MeanFieldMap*> pointers;
  for (int i = 0; i < kLanes; ++i) {
    ModelParameters p = parameters;
    p.beta = 3.0 * (i + 0.5) / kLanes;
    maps.push_back(std::make_unique<MeanFieldMap>(p, weights));
    pointers.push_back(maps.back().get());
  }
  const Window window = read_window_file(ATTNMF_REFERENCE_DIR "/checkpoint_window.txt", *maps[0]);
  const auto engine = attnmf::dynamics::make_engine(pointers, std::vector<Window>(kLanes, window));
  engine->run(200000);
  constexpr long long kBlockSteps = 64, kBlocks = 16, kRecorded = 200000;
  const int m = parameters.features;
  const auto row = static_cast<std::ptrdiff_t>(m * kLanes);
  std::vector<double> semantic(static_cast<std::size_t>(kBlocks * kBlockSteps * row)), attention(semantic.size());
  std::vector<int> positions(static_cast<std::size_t>(kBlocks * kBlockSteps));
  engine->record(kBlocks * kBlockSteps, {attention.data(), semantic.data(), positions.data()});
  const AnalysisSettings settings;
  for (auto _ : state) {
    std::vector<PointAnalyzer> analyzers;
    for (int i = 0; i < kLanes; ++i) {
      analyzers.emplace_back(m, parameters.context, kRecorded, settings);
      analyzers.back().promise_every_step();
    }
    for (long long done = 0; done < kRecorded; done += kBlockSteps) {
      const long long first = done / kBlockSteps % kBlocks * kBlockSteps;
      for (int i = 0; i < kLanes; ++i)
        analyzers[static_cast<std::size_t>(i)].observe_steps(semantic.data() + first * row + i,
                                                             attention.data() + first * row + i, kLanes, row,
                                                             positions.data() + first, kBlockSteps);
    }
    benchmark::DoNotOptimize(analyzers.back().observed_steps());
  }
  state.SetItemsProcessed(state.iterations() * kLanes * kRecorded);
}
BENCHMARK(AnalysisObserveSteps)->Unit(benchmark::kMillisecond);

}  // namespace
