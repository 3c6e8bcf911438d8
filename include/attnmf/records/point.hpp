#pragma once
// What a grid point's computation produces: its result, or the state it was stopped in. Plain
// values that cross threads, ranks and restarts (the journal stores them: records/serialization.hpp);
// nothing here computes.

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "attnmf/analysis/finite_size.hpp"
#include "attnmf/analysis/point_analysis.hpp"
#include "attnmf/model/window.hpp"

namespace attnmf::records {

// A point's status in /points/status (docs/file-format.md).
enum class PointStatus : std::uint8_t { pending = 0, done = 1, failed = 2 };
inline constexpr std::array<std::string_view, 3> kPointStatusNames = {"pending", "done", "failed"};
std::string_view to_string(PointStatus status);

// Where a start of a point begins (/starts/origin, docs/attractors.md).
enum class StartOrigin : std::int8_t { configured = 0, random = 1, up_chain = 2, down_chain = 3 };
inline constexpr std::array<std::string_view, 4> kStartOriginNames = {"configured", "random", "up chain", "down chain"};

// Where a result's Lyapunov exponents come from (/points/lyapunov_source).
enum class LyapunovSource : std::uint8_t { none = 0, running = 1, floquet = 2 };
inline constexpr std::array<std::string_view, 3> kLyapunovSourceNames = {"none", "running estimate", "floquet"};

// A finite-network point's own results (run.engine = network, docs/network.md): its replicas, each
// compared with the mean-field reference at the same (β, γ, ε) (analysis::compare_network).
struct NetworkSummary {
  long long size = 0;         // N; 0 for a point of the mean-field map
  std::uint8_t algorithm = 0;  // model::NetworkAlgorithm that ran
  analysis::Regime reference_regime = analysis::Regime::undetermined;
  int reference_period = 0;
  std::vector<double> reference_samples;  // [S][M], oldest first
  analysis::DistanceKind kind = analysis::DistanceKind::none;
  // For a distribution, the distance sampling alone makes (analysis::sampling_floor); NaN otherwise.
  double floor = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> distance, tracking;     // [R]
  std::vector<std::int8_t> recognised;        // [R]: 1 or 0
  std::vector<double> mean, deviation, bias;  // [R][M]
};
// One start's result. A grid point has init.starts of them (docs/attractors.md); start 0 is the
// configured initial condition (or, in a continuation, the chain's), and its result is what
// /points holds.
struct PointResult {
  long long index = -1;
  int start = 0;
  PointStatus status = PointStatus::pending;
  std::string error;                 // why, when failed
  analysis::PointAnalysis analysis;  // samples, section, crossings, counting, recurrence
  std::vector<double> lyapunov;      // the largest exponents, descending (empty when not computed)
  // The running (Benettin) estimate over the recorded steps; equal to `lyapunov` unless the
  // exponents came from the Floquet multipliers of a periodic orbit.
  std::vector<double> lyapunov_estimate;
  LyapunovSource lyapunov_source = LyapunovSource::none;
  double zero_one = 0.0;             // K of the 0-1 test for chaos on the recorded m^o_se (NaN: too short)
  double zero_band = 0.0;            // the band around 0 within which an exponent counts as zero
  // The correlation dimension of the recorded samples (analysis::correlation_dimension; NaN: too few).
  double correlation_dimension = std::numeric_limits<double>::quiet_NaN();
  analysis::Regime regime = analysis::Regime::undetermined;
  analysis::Regime paper_regime = analysis::Regime::undetermined;  // the paper's label, from its count of distinct values
  int period = 0;
  model::Window final_window;
  double seconds = 0.0;  // compute time: provenance, not a result
  NetworkSummary network;  // a finite-network point's replicas (network.size > 0)
  // The running exponent estimates every PipelineOptions::lyapunov_trace tangent steps (attnmf
  // trajectory); not journalled.
  std::vector<std::vector<double>> lyapunov_trace;
};

// A point stopped mid-trajectory by a stop request: enough to continue it later with the very
// numbers an uninterrupted run gives (the engine restarts bit for bit from its window).
struct PartialPoint {
  long long index = -1;
  int start = 0;
  long long steps_done = 0;
  model::Window window;
  std::string analyzer_state;  // the PointAnalyzer's running state, once past the transient
  std::string lyapunov_state;  // the tangent dynamics' running state, once past the transient
  double seconds = 0.0;        // compute time so far
};

using Outcome = std::variant<PointResult, PartialPoint>;

// One attractor a point's starts reached (/attractors, docs/attractors.md).
struct Attractor {
  long long point = -1;
  int label = 0;           // 0, 1, … within the point, in the order of the first start on each
  int representative = 0;  // that first start: the values below are its
  int starts = 0;          // how many starts reached it
  double basin_fraction = 0.0;  // starts / init.starts
  analysis::Regime regime = analysis::Regime::undetermined;
  int period = 0;
  std::vector<double> lyapunov;
  std::vector<double> samples;  // [S][M], oldest first
  model::Window final_window;
};

}  // namespace attnmf::records
