// The cost of the tangent dynamics at the paper's settings (M = 3, L = 4, P = 2, segments mode,
// seed 1, from the paper's checkpoint window, past a transient of 10^5 steps):
//
//   build/bin/attnmf-bench --benchmark_filter=Lyapunov --benchmark_repetitions=5
//       --benchmark_enable_random_interleaving=true
//
// LyapunovPlainStep is the Integrator's step alone; LyapunovTangentStep adds the top-3 estimator's
// advance (forward state, Jacobian, tangent vectors, Gram–Schmidt). The target: the tangent step
// costs at most 2.5x a plain one, so that the top-3 exponents over the last 2·10^5 of 1.2·10^6
// steps add at most 50% to a sweep point.
#include <benchmark/benchmark.h>

#include "attnmf/dynamics/lyapunov.hpp"
#include "attnmf/dynamics/integrator.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"

namespace {

using namespace attnmf::model;
using attnmf::dynamics::Integrator;
using attnmf::dynamics::StepRecord;
using attnmf::dynamics::LyapunovEstimator;

struct AttractorPoint {
  ModelParameters parameters;
  Weights weights;
  MeanFieldMap map;
  Integrator integrator;
  explicit AttractorPoint(double beta)
      : parameters(with_beta(beta)),
        weights(draw_weights(parameters)),
        map(parameters, weights),
        integrator(map, read_window_file(ATTNMF_REFERENCE_DIR "/checkpoint_window.txt", map)) {
    integrator.run(100'000);
  }
  static ModelParameters with_beta(double beta) {
    ModelParameters p;
    p.beta = beta;
    return p;
  }
};

void LyapunovPlainStep(benchmark::State& state) {
  AttractorPoint point(static_cast<double>(state.range(0)) / 1000.0);
  for (auto _ : state) {
    point.integrator.step();
    benchmark::DoNotOptimize(point.integrator.steps_done());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(LyapunovPlainStep)->Arg(1270)->Arg(1400);

void LyapunovTangentStep(benchmark::State& state) {
  AttractorPoint point(static_cast<double>(state.range(0)) / 1000.0);
  LyapunovEstimator lyapunov(point.map, point.integrator.window(), static_cast<int>(state.range(1)));
  for (auto _ : state) {
    lyapunov.advance();
    point.integrator.step();
    benchmark::DoNotOptimize(point.integrator.steps_done());
  }
  benchmark::DoNotOptimize(lyapunov.result());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(LyapunovTangentStep)->Args({1270, 3})->Args({1400, 3});

}  // namespace
