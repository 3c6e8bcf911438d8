#pragma once
// The grid points of a sweep, computed serially: plain values in, plain values out. A point's result
// depends on the configuration and its index alone, never on which rank or thread ran it, nor on
// which points shared its block.

#include <atomic>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "attnmf/config/config.hpp"
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
// The instruction set of the simd engine alone (as engine_name for run.engine = simd).
std::string simd_kernel(const config::Config& config);

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
  // How many points a compute thread should take at a time: the engine's lanes.
  int points_per_task() const;
  // What /provenance records of the engine: "scalar", or "simd: avx512, 16 lanes, ...".
  std::string engine_description() const;

  const SweepGrid& grid() const { return grid_; }
  long long steps_per_point() const { return config_.run.steps; }

 private:
  // At most points_per_task() points that share their step count and positional window.
  std::vector<Outcome> compute_block(std::span<const long long> indices, const std::atomic<bool>* stop,
                                     std::span<const PartialPoint* const> from) const;
  // The window a point starts from: the checkpoint, or the window of the initial token.
  model::Window start_window(const model::MeanFieldMap& map) const;

  config::Config config_;
  const model::Weights* weights_;
  SweepGrid grid_;
  std::string engine_;
  PipelineOptions options_;
  std::optional<model::Window> start_window_;
  std::vector<int> start_token_;
};

}  // namespace attnmf::sweep
