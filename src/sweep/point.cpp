#include "attnmf/sweep/point.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>
#include <tuple>

#include "attnmf/dynamics/engine.hpp"
#include "attnmf/model/mean_field_map.hpp"

namespace attnmf::sweep {
namespace {

model::ModelParameters point_parameters(const config::Config& config, const GridPoint& point) {
  model::ModelParameters p = config.model;
  p.beta = point.beta;
  p.gamma = point.gamma;
  p.epsilon = point.epsilon;
  return p;
}

}  // namespace

std::string simd_kernel(const config::Config& config) {
  return config.run.simd_kernel == "auto" ? dynamics::instruction_set() : config.run.simd_kernel;
}

std::string engine_name(const config::Config& config) {
  return config.run.engine == config::RunConfig::Engine::scalar ? dynamics::kScalarEngine : simd_kernel(config);
}

PointComputer::PointComputer(const config::Config& config, const model::Weights& weights)
    : config_(config),
      weights_(&weights),
      grid_(config.sweep),
      engine_(engine_name(config)),
      options_(pipeline_options(config)),
      continued_options_(options_) {
  // A continued point records as many steps as any other, after its own, shorter transient.
  continued_options_.transient = config_.continuation.transient;
  continued_options_.steps = config_.continuation.transient + (options_.steps - options_.transient);
  // The weights do not depend on β, γ or ε, so one draw serves every point; the start is read once.
  const model::MeanFieldMap map(point_parameters(config_, grid_.point(0)), weights);
  if (config_.init.mode == config::InitConfig::Mode::checkpoint) {
    start_window_ = model::read_window_file(config_.init.checkpoint, map);
  } else {
    start_token_ = model::initial_token(weights, config_.init.token);
  }
}

int PointComputer::chain_starts() const {
  if (config_.sweep.mode != config::SweepConfig::Mode::continuation) return 0;
  return config_.continuation.direction == config::ContinuationConfig::Direction::both ? 2 : 1;
}

StartOrigin PointComputer::origin(int start) const {
  if (start >= chain_starts()) return start == 0 ? StartOrigin::configured : StartOrigin::random;
  using Direction = config::ContinuationConfig::Direction;
  const Direction d = config_.continuation.direction;
  if (d == Direction::up || (d == Direction::both && start == 0)) return StartOrigin::up_chain;
  return StartOrigin::down_chain;
}

PointResult PointComputer::compute(long long index) const {
  return std::get<PointResult>(compute(index, nullptr, nullptr));
}

Outcome PointComputer::compute(long long index, const std::atomic<bool>* stop, const PartialPoint* from) const {
  const RunSpec run{.index = index, .from = from};
  return std::move(compute_runs({&run, 1}, stop).front());
}

int PointComputer::points_per_task() const { return dynamics::engine_lanes(engine_); }

std::string PointComputer::engine_description() const {
  if (engine_ == dynamics::kScalarEngine) return dynamics::kScalarEngine;
  return "simd: " + dynamics::engine_description(engine_);
}

model::Window PointComputer::start_window(const model::MeanFieldMap& map, long long index, int start) const {
  model::Window configured = start_window_ ? *start_window_ : model::token_window(map, start_token_);
  if (origin(start) != StartOrigin::random) return configured;
  return model::random_window(configured, config_.model.weights.seed, index, start);
}

std::vector<Outcome> PointComputer::compute_many(std::span<const long long> indices, const std::atomic<bool>* stop,
                                                 std::span<const PartialPoint* const> from) const {
  if (!from.empty() && from.size() != indices.size())
    throw std::invalid_argument("compute_many: one saved state (or none) per point");
  std::vector<RunSpec> runs(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    runs[i].index = indices[i];
    runs[i].from = from.empty() ? nullptr : from[i];
  }
  return compute_runs(runs, stop);
}

std::vector<Outcome> PointComputer::compute_runs(std::span<const RunSpec> runs, const std::atomic<bool>* stop) const {
  // Runs go in lockstep only when they are at the same stage: the same transient, and the same
  // step of the same positional window (new runs together, runs continued from a stop with those
  // stopped at the same step).
  using Stage = std::tuple<bool, long long, std::vector<int>>;
  std::map<Stage, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const PartialPoint* p = runs[i].from;
    std::vector<int> key = p ? p->window.positions : std::vector<int>{};
    if (p) key.push_back(p->window.history);
    groups[{runs[i].continued, p ? p->steps_done : -1, std::move(key)}].push_back(i);
  }
  const std::size_t lanes = static_cast<std::size_t>(points_per_task());
  std::vector<Outcome> outcomes(runs.size());
  for (const auto& [stage, members] : groups) {
    for (std::size_t first = 0; first < members.size(); first += lanes) {
      const std::size_t count = std::min(lanes, members.size() - first);
      std::vector<RunSpec> block(count);
      for (std::size_t j = 0; j < count; ++j) block[j] = runs[members[first + j]];
      std::vector<Outcome> block_outcomes = compute_block(block, stop);
      for (std::size_t j = 0; j < count; ++j) outcomes[members[first + j]] = std::move(block_outcomes[j]);
    }
  }
  return outcomes;
}

std::vector<Outcome> PointComputer::compute_block(std::span<const RunSpec> runs, const std::atomic<bool>* stop) const {
  const std::size_t n = runs.size();
  const std::size_t lanes = static_cast<std::size_t>(points_per_task());
  std::vector<long long> indices(n);
  std::vector<const PartialPoint*> from(n);
  for (std::size_t i = 0; i < n; ++i) {
    indices[i] = runs[i].index;
    from[i] = runs[i].from;
  }
  const auto with_starts = [&](std::vector<Outcome> outcomes) {
    for (std::size_t i = 0; i < n; ++i) std::visit([&](auto& o) { o.start = runs[i].start; }, outcomes[i]);
    return outcomes;
  };
  std::unique_ptr<dynamics::Engine> engine;
  std::vector<std::unique_ptr<model::MeanFieldMap>> maps;
  try {
    // Lanes past the real runs repeat the first one.
    std::vector<const model::MeanFieldMap*> lane_maps(lanes);
    std::vector<model::Window> windows(lanes);
    for (std::size_t i = 0; i < n; ++i) {
      maps.push_back(std::make_unique<model::MeanFieldMap>(point_parameters(config_, grid_.point(indices[i])), *weights_));
      lane_maps[i] = maps.back().get();
      windows[i] = from[i]      ? from[i]->window
                   : runs[i].window ? *runs[i].window
                                    : start_window(*maps.back(), indices[i], runs[i].start);
    }
    for (std::size_t w = n; w < lanes; ++w) {
      lane_maps[w] = lane_maps[0];
      windows[w] = windows[0];
    }
    engine = dynamics::make_engine(lane_maps, windows, engine_);
    engine->set_steps_done(from[0] ? from[0]->steps_done : 0);
  } catch (const std::exception& e) {
    // A run that cannot even start (a saved window of another shape): failed, with the reason.
    std::vector<Outcome> outcomes(n);
    for (std::size_t i = 0; i < n; ++i) {
      PointResult failed;
      failed.index = indices[i];
      failed.status = PointStatus::failed;
      failed.error = e.what();
      failed.seconds = from[i] ? from[i]->seconds : 0.0;
      outcomes[i] = std::move(failed);
    }
    return with_starts(std::move(outcomes));
  }
  PipelineControl control;
  control.stop = stop;
  return with_starts(run_pipeline(*engine, indices, from, runs[0].continued ? continued_options_ : options_, control));
}

}  // namespace attnmf::sweep
