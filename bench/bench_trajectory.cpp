// Steps per second of one trajectory at the paper's settings (docs/model.md, tests/reference/README.md):
// M = 3, L = 4, P = 2, 99 semantic bits, segments mode, seed 1, from the paper's checkpoint window.
//
//   build/bin/attnmf-bench --benchmark_filter=Trajectory
//
// The time per iteration is the time per step; items_per_second is steps per second.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "attnmf/dynamics/integrator.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"
#include "slot_mean_fields.hpp"

namespace {

using namespace attnmf::model;
using attnmf::dynamics::Integrator;
using attnmf::dynamics::StepRecord;

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
    benchmark::DoNotOptimize(integrator.steps_done());
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
    integrator.step(record);
    benchmark::DoNotOptimize(row.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(TrajectoryStepRecorded);

// The yardstick of the performance target: the same map written as a plain loop with M = 3 and
// L = 4 fixed at compile time, the window shifted by copying, nothing else. The engine's step
// should stay within 1.3x of it.
void PlainLoopBaseline(benchmark::State& state) {
  const PaperPoint point(static_cast<double>(state.range(0)) / 1000.0);
  const MeanFieldMap& map = point.map;
  double table[4][4][3], pe[4][4][3];
  for (int f = 0; f < 4; ++f)
    for (int j = 0; j < 4; ++j)
      for (int a = 0; a < 3; ++a) {
        table[f][j][a] = map.corr_signed(static_cast<Feature>(f))[j * 3 + a];
        pe[f][j][a] = map.positional_term(static_cast<Feature>(f), j)[a];
      }
  const double sign[4][3] = {{1, 1, 1}, {1, 1, -1}, {1, -1, 1}, {1, -1, -1}};
  double value[4][3], key[4][3], attention[3];
  int position[4];
  {
    // The paper's window, laid out so that the loop's first shift produces the engine's state:
    // slots 1..3 hold the mean fields of the older tokens, attention is the newest A.
    const Window& w = point.window;
    for (int d = 1; d < 4; ++d) {
      const MeanFields fields = attnmf::bench::slot_mean_fields(map, w, d);
      for (int a = 0; a < 3; ++a) {
        value[d - 1][a] = fields.value[a];
        key[d - 1][a] = fields.key[a];
      }
      position[d - 1] = w.positions[d];
    }
    position[3] = w.positions[0];
    for (int a = 0; a < 3; ++a) attention[a] = w.slot(0)[a];
  }
  const double beta = map.beta(), gamma = map.gamma_eff(), keep = map.one_minus_epsilon();
  for (auto _ : state) {
    double th[4];
    for (int j = 0; j < 4; ++j)
      th[j] = std::tanh(beta * (sign[j][0] * attention[0] + sign[j][1] * attention[1] + sign[j][2] * attention[2]));
    const int p = position[3];
    for (int d = 3; d > 0; --d) {
      position[d] = position[d - 1];
      for (int a = 0; a < 3; ++a) {
        value[d][a] = value[d - 1][a];
        key[d][a] = key[d - 1][a];
      }
    }
    position[0] = p;
    double query[3];
    for (int a = 0; a < 3; ++a) {
      double sv = 0, sq = 0, sk = 0;
      for (int j = 0; j < 4; ++j) {
        sv += table[v][j][a] * th[j];
        sq += table[q][j][a] * th[j];
        sk += table[k][j][a] * th[j];
      }
      value[0][a] = keep * sv * 0.25 + pe[v][p][a];
      query[a] = keep * sq * 0.25 + pe[q][p][a];
      key[0][a] = keep * sk * 0.25 + pe[k][p][a];
    }
    double z[4], top = -1e300;
    for (int d = 0; d < 4; ++d) {
      z[d] = gamma * (query[0] * key[d][0] + query[1] * key[d][1] + query[2] * key[d][2]);
      top = std::max(top, z[d]);
    }
    double e[4], sum = 0;
    for (int d = 0; d < 4; ++d) sum += (e[d] = std::exp(z[d] - top + 10.0));
    for (int a = 0; a < 3; ++a) {
      double x = 0;
      for (int d = 0; d < 4; ++d) x += value[d][a] * (e[d] / sum);
      attention[a] = x;
    }
    benchmark::DoNotOptimize(attention);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(PlainLoopBaseline)->Arg(1270)->Arg(1400)->Arg(500);

}  // namespace

BENCHMARK_MAIN();
