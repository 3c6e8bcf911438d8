// The analysis of one sweep point after its trajectory, at the sizes of the paper's Fig. 3 (the
// last S = 2·10^4 of the recorded steps kept, M = 3, L = 4), on a chaotic series:
//
//   build/bin/attnmf-bench --benchmark_filter=Analysis --benchmark_repetitions=5
//       --benchmark_enable_random_interleaving=true
//
// AnalysisZeroOneTest and AnalysisCorrelationDimension are the two indicators that judge()
// computes; AnalysisFinish is PointAnalyzer::finish (the samples in order, the distinct-value count,
// the period search); AnalysisPoint is the whole: finish() and judge(). The time per iteration is
// the time per point.
#include <benchmark/benchmark.h>

#include <vector>

#include "attnmf/analysis/classification.hpp"
#include "attnmf/analysis/point_analysis.hpp"

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

}  // namespace
