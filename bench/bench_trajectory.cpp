// Steps per second of one trajectory at the paper's settings (MODEL.md, reference/README.md):
// M = 3, L = 4, P = 2, 99 semantic bits, segments mode, seed 1, from the paper's checkpoint window.
//
//   build/bin/attnmf-bench --benchmark_filter=Trajectory
//
// The time per iteration is the time per step; items_per_second is steps per second.
#include <benchmark/benchmark.h>

#include <vector>

#include "attnmf/model/integrator.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"

namespace {

using namespace attnmf::model;

struct PaperPoint {
  ModelParameters parameters;
  Weights weights;
  MeanFieldMap map;
  Window window;
  explicit PaperPoint(double beta)
      : parameters(with_beta(beta)),
        weights(draw_weights(parameters)),
        map(parameters, weights),
        window(read_window_file(ATTNMF_REFERENCE_DIR "/checkpoint_window.txt", map)) {}
  static ModelParameters with_beta(double beta) {
    ModelParameters p;
    p.beta = beta;
    return p;
  }
};

// The dynamics alone, as during a transient.
void TrajectoryStep(benchmark::State& state) {
  const PaperPoint point(static_cast<double>(state.range(0)) / 1000.0);
  Integrator integrator(point.map, point.window);
  for (auto _ : state) {
    integrator.step();
    benchmark::DoNotOptimize(integrator.attention().data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(TrajectoryStep)->Arg(1270)->Arg(1400)->Arg(500);

// A step that also records every mean field (the recorded part of a trajectory).
void TrajectoryStepRecorded(benchmark::State& state) {
  const PaperPoint point(1.27);
  Integrator integrator(point.map, point.window);
  std::vector<double> row(18);
  const StepRecord record{row.data(), row.data() + 3, row.data() + 6, row.data() + 9, row.data() + 12, row.data() + 15};
  for (auto _ : state) {
    integrator.step(&record);
    benchmark::DoNotOptimize(row.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(TrajectoryStepRecorded);

}  // namespace

BENCHMARK_MAIN();
