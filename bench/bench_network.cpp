// The finite network's cost per step (docs/network.md): one replica at β = 1.27 from the paper's
// window, the whole step (token draw, scores, softmax), with either algorithm, against N.
//
//   build/bin/attnmf-bench --benchmark_filter=Network
//
// NetworkReduced/N: one binomial draw per class of bits (the paper's weights have 3 classes), whose
// cost must not grow with N, from 10^3 to 10^9 (N = 99 · 10^k, a multiple of the 99 drawn bits).
// NetworkDirect/N: N uniform numbers per token, packed and summed by popcount, up to 10^6.
// NetworkReducedRandomWeights/N: the same with weights.correlations = weights, whose 99 columns are
// nearly all distinct classes: the reduced draw's worst case. MeanFieldScalarStep: the scalar engine
// of the mean-field map, for scale. items_per_second is steps per second.
#include <benchmark/benchmark.h>

#include <memory>

#include "attnmf/dynamics/engine.hpp"
#include "attnmf/dynamics/network_engine.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/network.hpp"
#include "attnmf/model/weights.hpp"

namespace {

using namespace attnmf;

struct Setting {
  model::ModelParameters parameters;
  model::Weights weights;
  model::MeanFieldMap map;
  model::Window window;
  explicit Setting(model::CorrelationMode correlations)
      : parameters([&] {
          model::ModelParameters p;
          p.beta = 1.27;
          p.weights.correlations = correlations;
          return p;
        }()),
        weights(model::draw_weights(parameters)),
        map(parameters, weights),
        window(model::read_window_file(ATTNMF_REFERENCE_DIR "/checkpoint_window.txt", map)) {}
};

const Setting& paper() {
  static const Setting setting(model::CorrelationMode::segments);
  return setting;
}
const Setting& random_weights() {
  static const Setting setting(model::CorrelationMode::weights);
  return setting;
}

void run_network(benchmark::State& state, const Setting& s, model::NetworkAlgorithm algorithm) {
  const long long size = state.range(0);
  auto engine = dynamics::make_network_engine(s.map, s.weights, s.window, {.size = size, .algorithm = algorithm});
  const long long steps = algorithm == model::NetworkAlgorithm::direct ? 1 + 20'000'000 / size : 1000;
  for (auto _ : state) engine->run(steps);
  state.SetItemsProcessed(state.iterations() * steps);
  state.counters["classes"] = model::network_layout(s.weights, size).classes();
}

void NetworkReduced(benchmark::State& state) { run_network(state, paper(), model::NetworkAlgorithm::reduced); }
void NetworkDirect(benchmark::State& state) { run_network(state, paper(), model::NetworkAlgorithm::direct); }
void NetworkReducedRandomWeights(benchmark::State& state) {
  run_network(state, random_weights(), model::NetworkAlgorithm::reduced);
}
void NetworkDirectRandomWeights(benchmark::State& state) {
  run_network(state, random_weights(), model::NetworkAlgorithm::direct);
}

void MeanFieldScalarStep(benchmark::State& state) {
  auto engine = dynamics::make_scalar_engine(paper().map, paper().window);
  for (auto _ : state) engine->run(1000);
  state.SetItemsProcessed(state.iterations() * 1000);
}

BENCHMARK(NetworkReduced)->Arg(990)->Arg(99'000)->Arg(9'900'000)->Arg(990'000'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(NetworkReducedRandomWeights)->Arg(990)->Arg(99'000)->Arg(9'900'000)->Arg(990'000'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(NetworkDirect)->Arg(99)->Arg(990)->Arg(9'900)->Arg(99'000)->Arg(990'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(NetworkDirectRandomWeights)->Arg(99)->Arg(990)->Arg(9'900)->Unit(benchmark::kMicrosecond);
BENCHMARK(MeanFieldScalarStep)->Unit(benchmark::kMicrosecond);

}  // namespace
