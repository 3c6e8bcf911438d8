// Point-steps per second of the two sweep engines at the paper's settings (M = 3, L = 4, from the
// paper's checkpoint window, β spread over Fig. 3a's [0, 3]), with and without the tangent dynamics
// of the top-3 Lyapunov exponents (recorded steps, as a sweep's), at 1 and 2 threads (each thread its
// own points, as in a sweep).
//
//   build/bin/attnmf-bench --benchmark_filter=Engine
//
// items_per_second is point-steps per second summed over the threads (wall-clock time).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "attnmf/dynamics/lyapunov.hpp"
#include "attnmf/dynamics/integrator.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"
#include "attnmf/dynamics/engine.hpp"

namespace {

using namespace attnmf;
using dynamics::kLanes;

// kLanes points of Fig. 3a's β range, the thread's own.
struct Points {
  model::ModelParameters parameters;
  model::Weights weights{model::draw_weights(parameters)};
  std::vector<std::unique_ptr<model::MeanFieldMap>> maps;
  std::vector<const model::MeanFieldMap*> pointers;
  model::Window window;
  explicit Points(int thread) {
    for (int i = 0; i < kLanes; ++i) {
      model::ModelParameters p = parameters;
      p.beta = 3.0 * (thread * kLanes + i + 0.5) / (4.0 * kLanes);
      maps.push_back(std::make_unique<model::MeanFieldMap>(p, weights));
      pointers.push_back(maps.back().get());
    }
    window = model::read_window_file(ATTNMF_REFERENCE_DIR "/checkpoint_window.txt", *maps[0]);
  }
};

// state.range(0): 0 plain steps (a transient), 3 steps with the top-3 tangent vectors.
void EngineScalar(benchmark::State& state) {
  const Points points(state.thread_index());
  const int k = static_cast<int>(state.range(0));
  // The scalar engine of each point, with its tangent dynamics when k > 0, as a sweep runs it.
  std::vector<std::unique_ptr<dynamics::Engine>> engines;
  for (const auto* map : points.pointers) {
    engines.push_back(dynamics::make_scalar_engine(*map, points.window));
    engines.back()->run(2000);
    if (k > 0) engines.back()->start_tangent(k);
  }
  constexpr int chunk = 64;
  for (auto _ : state) {
    for (auto& engine : engines) {
      engine->run(chunk);
      benchmark::DoNotOptimize(engine->steps_done());
    }
  }
  state.SetItemsProcessed(state.iterations() * kLanes * chunk);
}
BENCHMARK(EngineScalar)->Arg(0)->Arg(3)->Threads(1)->Threads(2)->UseRealTime();

// One registration per instruction set this CPU runs (EngineSimd/avx512, /avx2, /sse2).
void EngineSimd(benchmark::State& state, const std::string& isa) {
  const Points points(state.thread_index());
  const int k = static_cast<int>(state.range(0));
  auto block = dynamics::make_engine(points.pointers, std::vector<model::Window>(kLanes, points.window), isa);
  block->run(2000);
  // As a sweep runs its recorded steps: blocks of recorded steps, re-orthonormalising every
  // kSweepOrthonormaliseEvery steps.
  if (k > 0) block->start_tangent(k, dynamics::kSweepOrthonormaliseEvery);
  constexpr int chunk = 64;
  std::vector<double> semantic(3 * kLanes * chunk), attention(3 * kLanes * chunk);
  std::vector<int> positions(chunk);
  for (auto _ : state) {
    if (k > 0) {
      block->record(chunk, {attention.data(), semantic.data(), positions.data()});
    } else {
      block->run(chunk);
    }
    benchmark::DoNotOptimize(attention.data());
  }
  state.SetItemsProcessed(state.iterations() * kLanes * chunk);
  state.SetLabel(dynamics::engine_description(isa));
}

const bool registered = [] {
  for (const std::string& isa : dynamics::instruction_sets())
    benchmark::RegisterBenchmark(("EngineSimd/" + isa).c_str(), EngineSimd, isa)
        ->Arg(0)->Arg(3)->Threads(1)->Threads(2)->UseRealTime();
  return true;
}();

}  // namespace
