#include "attnmf/dynamics/trajectory.hpp"

#include <algorithm>
#include <chrono>
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

namespace {

// How many steps to make between two looks at the progress callback (which also carries stop
// requests): about ten looks a second whatever a step costs, from a few hundred nanoseconds at
// M = 3 to milliseconds at M = 16. Only when the callback runs depends on the speed, never what
// is computed.
class Pacer {
 public:
  long long steps() const { return steps_; }
  void measured(long long steps, std::chrono::steady_clock::duration took) {
    const double seconds = std::chrono::duration<double>(took).count();
    const double per_step = seconds / static_cast<double>(std::max(steps, 1LL));
    const double wanted = per_step > 0 ? 0.1 / per_step : static_cast<double>(most);
    steps_ = static_cast<long long>(std::clamp(wanted, 1.0, static_cast<double>(most)));
  }

 private:
  static constexpr long long most = 1 << 18;
  long long steps_ = 64;
};

}  // namespace

bool run_trajectory(model::Integrator& integrator, const TrajectoryPlan& plan, const RowSink& sink,
                    const Progress& progress, const StepHooks& hooks) {
  if (plan.transient < 0 || plan.transient >= plan.steps) throw std::invalid_argument("transient must be in [0, steps)");
  using Clock = std::chrono::steady_clock;
  Pacer pacer;
  auto look_started = Clock::now();
  long long since_look = 0;
  // After every chunk of steps: measure, and ask the callback whether to go on.
  const auto look = [&] {
    const auto now = Clock::now();
    pacer.measured(since_look, now - look_started);
    look_started = now;
    since_look = 0;
    return !progress || progress(integrator.steps_done());
  };
  while (integrator.steps_done() < plan.transient) {
    const long long chunk = std::min(pacer.steps(), plan.transient - integrator.steps_done());
    integrator.run(chunk);
    since_look += chunk;
    if (!look()) return false;
  }
  RecordedRows rows(integrator.map().features(), plan.block_rows);
  long long first_row = integrator.steps_done() - plan.transient;
  while (integrator.steps_done() < plan.steps) {
    const auto block = static_cast<std::size_t>(
        std::min<long long>(static_cast<long long>(plan.block_rows), plan.steps - integrator.steps_done()));
    for (std::size_t r = 0; r < block; ++r) {
      const model::StepRecord record = rows.record(r);
      if (hooks.before) hooks.before(integrator);
      integrator.step(&record);
      if (hooks.after) hooks.after(integrator, record);
      if (++since_look >= pacer.steps() && r + 1 < block && !look()) return false;
    }
    rows.rows = block;
    sink(first_row, rows);
    first_row += static_cast<long long>(block);
    if (!look() && integrator.steps_done() < plan.steps) return false;  // a stop after the last step is too late
  }
  return true;
}

}  // namespace attnmf::dynamics
