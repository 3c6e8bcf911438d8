#pragma once
// Running one trajectory: a transient, then recorded steps handed out in blocks of rows, so that
// memory stays bounded however long the trajectory is.

#include <functional>
#include <vector>

#include "attnmf/model/integrator.hpp"

namespace attnmf::dynamics {

// Recorded rows, each quantity row-major [rows][M] (docs/model.md §3).
struct RecordedRows {
  int features = 0;
  std::size_t rows = 0;
  std::vector<double> attention, output, output_semantic, value, query, key;

  RecordedRows(int m, std::size_t capacity);
  model::StepRecord record(std::size_t row);
  // The quantities by the names files use: att, mo, mo_se, mv, mq, mk.
  static constexpr const char* names[6] = {"att", "mo", "mo_se", "mv", "mq", "mk"};
  const std::vector<double>& quantity(int index) const;
};

struct TrajectoryPlan {
  long long steps = 0;      // total steps
  long long transient = 0;  // steps before the first recorded one
  std::size_t block_rows = 1 << 16;
};

// Called with each block of recorded rows and the index of its first row (row r is step transient + r).
using RowSink = std::function<void(long long first_row, const RecordedRows& rows)>;
// Called now and then with the number of steps done; returning false stops the run early.
using Progress = std::function<bool(long long steps_done)>;

// Per-step hooks over the recorded steps, for analyses that follow the trajectory (tangent
// dynamics before a step, observers after it).
struct StepHooks {
  std::function<void(const model::Integrator&)> before;
  std::function<void(const model::Integrator&, const model::StepRecord&)> after;
};

// Runs `plan.steps − integrator.steps_done()` more steps. Returns false when `progress` stopped it.
bool run_trajectory(model::Integrator& integrator, const TrajectoryPlan& plan, const RowSink& sink,
                    const Progress& progress = {}, const StepHooks& hooks = {});

}  // namespace attnmf::dynamics
