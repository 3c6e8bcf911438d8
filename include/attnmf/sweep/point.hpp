#pragma once
// One grid point of a sweep, computed serially: a plain value in, a plain value out. The result
// depends on the configuration and the point's index alone, never on which rank or thread ran it.

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "attnmf/analysis/point_analysis.hpp"
#include "attnmf/config/config.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"
#include "attnmf/sweep/grid.hpp"

namespace attnmf::sweep {

enum class PointStatus : std::uint8_t { pending = 0, done = 1, failed = 2 };

struct PointResult {
  long long index = -1;
  PointStatus status = PointStatus::pending;
  std::string error;                 // why, when failed
  analysis::PointAnalysis analysis;  // samples, section, crossings, counting, recurrence
  std::vector<double> lyapunov;      // the largest exponents, descending (empty when not computed)
  double zero_one = 0.0;             // K of the 0-1 test for chaos on the recorded m^o_se (NaN: too short)
  double zero_band = 0.0;            // the band around 0 within which an exponent counts as zero
  int regime = -1;                   // docs/file-format.md: −1 undetermined, 0 fixed point, 1 periodic, …
  int paper_regime = -1;             // the paper's label from its count of distinct values
  int period = 0;
  model::Window final_window;
  double seconds = 0.0;  // compute time: provenance, not a result
};

// A point stopped mid-trajectory by a stop request: enough to continue it later with the very
// numbers an uninterrupted run gives (the integrator restarts bit for bit from its window).
struct PartialPoint {
  long long index = -1;
  long long steps_done = 0;
  model::Window window;
  std::string analyzer_state;  // the PointAnalyzer's running state, once past the transient
  std::string lyapunov_state;  // the tangent dynamics' running state, once past the transient
  double seconds = 0.0;        // compute time so far
};

using Outcome = std::variant<PointResult, PartialPoint>;

analysis::AnalysisSettings analysis_settings(const config::Config& config);
// The instruction set the simd engine runs with `config`: run.simd_kernel, where "auto" means this
// CPU's best (attnmf sweep resolves "auto" for all its ranks together before computing).
std::string simd_kernel(const config::Config& config);

class PointComputer {
 public:
  // Checks the start (the checkpoint window's shape) once, so that a point can only fail for
  // numerical reasons; throws std::invalid_argument / std::runtime_error otherwise.
  PointComputer(const config::Config& config, const model::Weights& weights);

  // Thread-safe: every point builds its own map and integrator. Never throws: a failure is
  // returned as a failed result with its reason.
  PointResult compute(long long index) const;
  // The same, checking `stop` every few thousand steps: when it is set, the point stops and its
  // state is returned instead of a result. `from` continues a point stopped earlier.
  Outcome compute(long long index, const std::atomic<bool>* stop, const PartialPoint* from) const;
  // Several points, each continued from from[i] when that is non-null (`from` is empty or as long as
  // `indices`); the outcomes in the order of `indices`. The simd engine integrates them
  // simd::kLanes at a time, grouping points at the same step; every point's outcome is what
  // compute() gives it alone.
  std::vector<Outcome> compute_many(std::span<const long long> indices, const std::atomic<bool>* stop,
                                    std::span<const PartialPoint* const> from) const;
  // How many points a compute thread should take at a time: simd::kLanes, or 1 for the scalar engine.
  int points_per_task() const;
  // What /provenance records of the engine: "scalar", or "simd: avx512, 16 lanes, ...".
  std::string engine_description() const;

  const SweepGrid& grid() const { return grid_; }
  long long steps_per_point() const { return config_.run.steps; }

 private:
  Outcome compute_scalar(long long index, const std::atomic<bool>* stop, const PartialPoint* from) const;
  // At most simd::kLanes points that share their step count and positional window.
  std::vector<Outcome> compute_lanes(std::span<const long long> indices, const std::atomic<bool>* stop,
                                     std::span<const PartialPoint* const> from) const;
  // The window a point starts from: the checkpoint, or the window of the initial token.
  model::Window start_window(const model::MeanFieldMap& map) const;

  config::Config config_;
  const model::Weights* weights_;
  SweepGrid grid_;
  std::optional<model::Window> start_window_;
  std::vector<int> start_token_;
};

}  // namespace attnmf::sweep
