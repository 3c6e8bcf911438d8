#pragma once
// The point pipeline: what every computation of a parameter point goes through, for attnmf sweep
// (a block of points on one engine) and attnmf trajectory (one point, every step recorded) alike:
//  1. the transient, unrecorded;
//  2. the finite-value rule: a point whose window is not finite after the transient, or whose
//     attention is not finite at a recorded step, fails with the step named (the other points of its
//     block go on);
//  3. the recorded steps: the point analysis (analysis::PointAnalyzer) on m^o_se and the attention,
//     and the tangent dynamics for the Lyapunov exponents, started from the window the recording
//     starts from;
//  4. the verdict (conclude): the exponents checked; for an orbit that recurred (and exponents asked
//     for), its Floquet exponents (dynamics/floquet.hpp) from the final window replace the running
//     estimate, which is kept beside them (PointResult::lyapunov_estimate, lyapunov_source); the
//     regime judged (docs/model.md §5); the final window kept.
// A stop request is honoured between steps, about ten times a second whatever a step costs: every
// point of the block is then returned as a records::PartialPoint, from which a later run continues
// with the very numbers of an uninterrupted one.

#include <atomic>
#include <functional>
#include <span>
#include <vector>

#include "attnmf/analysis/point_analysis.hpp"
#include "attnmf/config/config.hpp"
#include "attnmf/dynamics/engine.hpp"
#include "attnmf/records/point.hpp"
#include "attnmf/records/recorded_rows.hpp"

namespace attnmf::sweep {

struct PipelineOptions {
  long long steps = 0;      // total steps of a point
  long long transient = 0;  // steps before the first recorded one, 0 ≤ transient < steps
  int lyapunov = 0;         // how many of the largest exponents (0: none)
  long long lyapunov_trace = 0;  // keep the running estimates every this many tangent steps (0: none)
  analysis::AnalysisSettings analysis;
};
// The options of `config`: run.steps, run.transient, analysis.*.
PipelineOptions pipeline_options(const config::Config& config);
analysis::AnalysisSettings analysis_settings(const config::Config& config);

// What the caller tells a running pipeline, and what it hands back along the way.
struct PipelineControl {
  // Checked about ten times a second; when set, the points stop and their state is returned.
  const std::atomic<bool>* stop = nullptr;
  // Called about ten times a second with the steps done; returning false stops as `stop` does.
  std::function<bool(long long steps_done)> progress;
  // One-lane engines only: every recorded step's full record (records::RecordedRows), handed over
  // in blocks of `block_rows` rows with the index of the block's first row (row r is step
  // transient + r).
  using RowSink = std::function<void(long long first_row, const records::RecordedRows& rows)>;
  RowSink rows;
  std::size_t block_rows = 1 << 16;
};

// Runs the points indices[i] in the first indices.size() lanes of `engine` (the lanes beyond repeat
// a real point: a short block is padded, never finished with other code). `engine` is built from
// the lanes' start windows, or from the saved windows of `from` (empty, or one entry per point,
// null for a point started afresh), whose analyser and tangent states are restored here. Never
// throws for a point's numerical failure: that point's outcome is a failed result with its reason.
// What the callbacks of `control` throw leaves run_pipeline unchanged.
std::vector<records::Outcome> run_pipeline(dynamics::Engine& engine, std::span<const long long> indices,
                                           std::span<const records::PartialPoint* const> from,
                                           const PipelineOptions& options, const PipelineControl& control = {});

}  // namespace attnmf::sweep
