#include "attnmf/sweep/point.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>

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
      options_(pipeline_options(config)) {
  // The weights do not depend on β, γ or ε, so one draw serves every point; the start is read once.
  const model::MeanFieldMap map(point_parameters(config_, grid_.point(0)), weights);
  if (config_.init.mode == config::InitConfig::Mode::checkpoint) {
    start_window_ = model::read_window_file(config_.init.checkpoint, map);
  } else {
    start_token_ = model::initial_token(weights, config_.init.token);
  }
}

PointResult PointComputer::compute(long long index) const {
  return std::get<PointResult>(compute(index, nullptr, nullptr));
}

Outcome PointComputer::compute(long long index, const std::atomic<bool>* stop, const PartialPoint* from) const {
  const long long indices[1] = {index};
  const PartialPoint* froms[1] = {from};
  return std::move(compute_block(indices, stop, froms).front());
}

int PointComputer::points_per_task() const { return dynamics::engine_lanes(engine_); }

std::string PointComputer::engine_description() const {
  if (engine_ == dynamics::kScalarEngine) return dynamics::kScalarEngine;
  return "simd: " + dynamics::engine_description(engine_);
}

model::Window PointComputer::start_window(const model::MeanFieldMap& map) const {
  if (start_window_) return *start_window_;
  return model::token_window(map, start_token_);
}

std::vector<Outcome> PointComputer::compute_many(std::span<const long long> indices, const std::atomic<bool>* stop,
                                                 std::span<const PartialPoint* const> from) const {
  if (!from.empty() && from.size() != indices.size())
    throw std::invalid_argument("compute_many: one saved state (or none) per point");
  const auto saved = [&](std::size_t i) { return from.empty() ? nullptr : from[i]; };
  // Points run in lockstep only when they are at the same step of the same positional window: new
  // points together, points continued from a stop with those stopped at the same step.
  std::map<std::pair<long long, std::vector<int>>, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const PartialPoint* p = saved(i);
    std::vector<int> key = p ? p->window.positions : std::vector<int>{};
    if (p) key.push_back(p->window.history);
    groups[{p ? p->steps_done : -1, std::move(key)}].push_back(i);
  }
  const std::size_t lanes = static_cast<std::size_t>(points_per_task());
  std::vector<Outcome> outcomes(indices.size());
  for (const auto& [key, members] : groups) {
    for (std::size_t first = 0; first < members.size(); first += lanes) {
      const std::size_t count = std::min(lanes, members.size() - first);
      std::vector<long long> block_indices(count);
      std::vector<const PartialPoint*> block_from(count);
      for (std::size_t j = 0; j < count; ++j) {
        block_indices[j] = indices[members[first + j]];
        block_from[j] = saved(members[first + j]);
      }
      std::vector<Outcome> block_outcomes = compute_block(block_indices, stop, block_from);
      for (std::size_t j = 0; j < count; ++j) outcomes[members[first + j]] = std::move(block_outcomes[j]);
    }
  }
  return outcomes;
}

std::vector<Outcome> PointComputer::compute_block(std::span<const long long> indices, const std::atomic<bool>* stop,
                                                  std::span<const PartialPoint* const> from) const {
  const std::size_t n = indices.size();
  const std::size_t lanes = static_cast<std::size_t>(points_per_task());
  std::unique_ptr<dynamics::Engine> engine;
  std::vector<std::unique_ptr<model::MeanFieldMap>> maps;
  try {
    // Lanes past the real points repeat the first one.
    std::vector<const model::MeanFieldMap*> lane_maps(lanes);
    std::vector<model::Window> windows(lanes);
    for (std::size_t i = 0; i < n; ++i) {
      maps.push_back(std::make_unique<model::MeanFieldMap>(point_parameters(config_, grid_.point(indices[i])), *weights_));
      lane_maps[i] = maps.back().get();
      windows[i] = from[i] ? from[i]->window : start_window(*maps.back());
    }
    for (std::size_t w = n; w < lanes; ++w) {
      lane_maps[w] = lane_maps[0];
      windows[w] = windows[0];
    }
    engine = dynamics::make_engine(lane_maps, windows, engine_);
    engine->set_steps_done(from[0] ? from[0]->steps_done : 0);
  } catch (const std::exception& e) {
    // A point that cannot even start (a saved window of another shape): failed, with the reason.
    std::vector<Outcome> outcomes(n);
    for (std::size_t i = 0; i < n; ++i) {
      PointResult failed;
      failed.index = indices[i];
      failed.status = PointStatus::failed;
      failed.error = e.what();
      failed.seconds = from[i] ? from[i]->seconds : 0.0;
      outcomes[i] = std::move(failed);
    }
    return outcomes;
  }
  PipelineControl control;
  control.stop = stop;
  return run_pipeline(*engine, indices, from, options_, control);
}

}  // namespace attnmf::sweep
