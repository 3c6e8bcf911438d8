#include "attnmf/dynamics/trajectory.hpp"

#include <algorithm>
#include <stdexcept>

namespace attnmf::dynamics {

RecordedRows::RecordedRows(int m, std::size_t capacity)
    : features(m),
      attention(capacity * m),
      output(capacity * m),
      output_semantic(capacity * m),
      value(capacity * m),
      query(capacity * m),
      key(capacity * m) {}

model::StepRecord RecordedRows::record(std::size_t row) {
  const std::size_t offset = row * features;
  return {attention.data() + offset, output.data() + offset, output_semantic.data() + offset,
          value.data() + offset,     query.data() + offset,  key.data() + offset};
}

const std::vector<double>& RecordedRows::quantity(int index) const {
  switch (index) {
    case 0: return attention;
    case 1: return output;
    case 2: return output_semantic;
    case 3: return value;
    case 4: return query;
    case 5: return key;
    default: throw std::out_of_range("no recorded quantity with this index");
  }
}

bool run_trajectory(model::Integrator& integrator, const TrajectoryPlan& plan, const RowSink& sink,
                    const Progress& progress, const StepHooks& hooks) {
  if (plan.transient < 0 || plan.transient >= plan.steps) throw std::invalid_argument("transient must be in [0, steps)");
  // Progress is reported every 2^18 steps: often enough for a person, rarely enough to cost nothing.
  constexpr long long report_every = 1 << 18;
  while (integrator.steps_done() < plan.transient) {
    const long long chunk = std::min(report_every, plan.transient - integrator.steps_done());
    integrator.run(chunk);
    if (progress && !progress(integrator.steps_done())) return false;
  }
  RecordedRows rows(integrator.map().features(), plan.block_rows);
  long long first_row = integrator.steps_done() - plan.transient;
  long long next_report = integrator.steps_done() + report_every;
  while (integrator.steps_done() < plan.steps) {
    const auto block = static_cast<std::size_t>(
        std::min<long long>(static_cast<long long>(plan.block_rows), plan.steps - integrator.steps_done()));
    for (std::size_t r = 0; r < block; ++r) {
      const model::StepRecord record = rows.record(r);
      if (hooks.before) hooks.before(integrator);
      integrator.step(&record);
      if (hooks.after) hooks.after(integrator, record);
    }
    rows.rows = block;
    sink(first_row, rows);
    first_row += static_cast<long long>(block);
    if (progress && integrator.steps_done() >= next_report) {
      next_report = integrator.steps_done() + report_every;
      if (!progress(integrator.steps_done())) return false;
    }
  }
  if (progress) progress(integrator.steps_done());
  return true;
}

}  // namespace attnmf::dynamics
