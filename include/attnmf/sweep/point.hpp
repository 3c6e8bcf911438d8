#pragma once
// The grid points of a sweep, computed serially: plain values in, plain values out. A point's result
// depends on the configuration and its index alone, never on which rank or thread ran it, nor on
// which points shared its block.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "attnmf/config/config.hpp"
#include "attnmf/model/network.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"
#include "attnmf/records/point.hpp"
#include "attnmf/config/grid.hpp"
#include "attnmf/sweep/pipeline.hpp"

namespace attnmf::sweep {

using records::Outcome;
using records::PartialPoint;
using records::PointResult;
using records::PointStatus;
using config::GridPoint;
using config::SweepGrid;

// The engine a sweep runs with `config` (dynamics/engine.hpp): "scalar", or the simd engine's
// instruction set run.simd_kernel, where "auto" means this CPU's best (attnmf sweep resolves "auto"
// for all its ranks together before computing).
std::string engine_name(const config::Config& config);
// engine_name's value for run.engine = network.
inline constexpr const char* kNetworkEngine = "network";
// The algorithm a finite-network point of `layout` runs with: network.algorithm, auto resolved by
// model::faster_algorithm.
model::NetworkAlgorithm network_algorithm(const config::Config& config, const model::NetworkLayout& layout);
// A finite-network point's result (docs/network.md): replica 0's, with every replica compared with
// the mean-field reference (records::NetworkSummary), and as its regime the reference's when replica 0
// is recognised on that attractor (undetermined otherwise), as its period the reference's for a
// recognised fixed point or orbit.
records::PointResult combine_network(const records::PointResult& reference, std::vector<records::PointResult> replicas,
                                     long long size, model::NetworkAlgorithm algorithm, int features);
// What a caller of run_network_point may watch: each run beginning ("the mean-field reference",
// "network replica r"), the reference's result with the algorithm the replicas will use, and where
// replica r's recorded rows go (one-lane engines: every replica is one; null for none).
struct NetworkHooks {
  std::function<void(const std::string& what)> begin;
  std::function<void(const records::PointResult& reference, model::NetworkAlgorithm, const model::NetworkLayout&)>
      reference_done;
  std::function<PipelineControl::RowSink(int replica)> rows;
};
// One finite-network point (docs/network.md) through the pipeline: the mean-field reference (the
// scalar engine from `start`, with `options`' exponents), then network.replicas replicas of size
// `size` (no exponents), combined by combine_network. Stopped (control.stop, or control.progress
// returning false), a PartialPoint at step 0 of `start`: the point starts again, with the same
// numbers, next time. A run that fails makes the point fail, naming the run. Throws
// std::invalid_argument for a size or algorithm the weights cannot take.
records::Outcome run_network_point(const config::Config& config, const model::Weights& weights,
                                   const model::MeanFieldMap& map, const model::Window& start, long long index,
                                   long long size, const PipelineOptions& options, const PipelineControl& control,
                                   const NetworkHooks& hooks = {});
// The instruction set of the simd engine alone (as engine_name for run.engine = simd).
std::string simd_kernel(const config::Config& config);

using records::StartOrigin;

// One trajectory of a sweep: a start of a grid point, and where it begins.
struct RunSpec {
  long long index = 0;  // the grid point
  int start = 0;        // 0 … init.starts − 1
  // The window it begins from; null: the start's own (the configured start, or its random window).
  const model::Window* window = nullptr;
  // Begun from a chain neighbour's final window: continuation.transient steps before the recording
  // instead of run.transient.
  bool continued = false;
  // A saved state to continue from (a stopped run), or null.
  const PartialPoint* from = nullptr;
};

class PointComputer {
 public:
  // Checks the start (the checkpoint window's shape) once, so that a point can only fail for
  // numerical reasons; throws std::invalid_argument / std::runtime_error otherwise.
  PointComputer(const config::Config& config, const model::Weights& weights);

  // Thread-safe: every call builds its own maps and engine. Never throws: a failure is returned as
  // a failed result with its reason.
  PointResult compute(long long index) const;
  // The same, checking `stop` about ten times a second: when it is set, the point stops and its
  // state is returned instead of a result. `from` continues a point stopped earlier.
  Outcome compute(long long index, const std::atomic<bool>* stop, const PartialPoint* from) const;
  // Several points, each continued from from[i] when that is non-null (`from` is empty or as long as
  // `indices`); the outcomes in the order of `indices`. The engine integrates them points_per_task()
  // at a time, grouping points at the same step; every point's outcome is what compute() gives it
  // alone.
  std::vector<Outcome> compute_many(std::span<const long long> indices, const std::atomic<bool>* stop,
                                    std::span<const PartialPoint* const> from) const;
  // Any runs: the outcomes in the order of `runs`, each what the run gives alone. Runs share an
  // engine only when they are at the same stage (the same transient, the same saved step and
  // positions); each outcome carries its start.
  std::vector<Outcome> compute_runs(std::span<const RunSpec> runs, const std::atomic<bool>* stop) const;

  // Starts per point (init.starts) and how many of them follow a continuation chain (0 in a grid
  // sweep, 1 for up or down, 2 for both: start 0 up, start 1 down).
  int starts() const { return config_.init.starts; }
  int chain_starts() const;
  StartOrigin origin(int start) const;
  // How many points a compute thread should take at a time: the engine's lanes.
  int points_per_task() const;
  // What /provenance records of the engine: "scalar", or "simd: avx512, 16 lanes, ...".
  std::string engine_description() const;

  const SweepGrid& grid() const { return grid_; }
  long long steps_per_point() const { return config_.run.steps; }

 private:
  // At most points_per_task() points that share their step count and positional window.
  // At most points_per_task() runs at the same stage.
  std::vector<Outcome> compute_block(std::span<const RunSpec> runs, const std::atomic<bool>* stop) const;
  // A finite-network run (run.engine = network): run_network_point at the run's grid point.
  Outcome compute_network(const RunSpec& run, const std::atomic<bool>* stop) const;
  // The window a run of a point begins from when nothing else is given: the checkpoint, or the
  // window of the initial token, for start 0 and the chains; its random window for the others.
  model::Window start_window(const model::MeanFieldMap& map, long long index, int start) const;

  config::Config config_;
  const model::Weights* weights_;
  SweepGrid grid_;
  std::string engine_;
  PipelineOptions options_, continued_options_;
  std::optional<model::Window> start_window_;
  std::vector<int> start_token_;
};

}  // namespace attnmf::sweep
