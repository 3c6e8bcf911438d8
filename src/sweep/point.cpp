#include "attnmf/sweep/point.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <tuple>
#include <variant>

#include "attnmf/dynamics/engine.hpp"
#include "attnmf/dynamics/network_engine.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/network.hpp"

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
  switch (config.run.engine) {
    case config::RunConfig::Engine::scalar: return dynamics::kScalarEngine;
    case config::RunConfig::Engine::network: return kNetworkEngine;
    case config::RunConfig::Engine::simd: break;
  }
  return simd_kernel(config);
}

model::NetworkAlgorithm network_algorithm(const config::Config& config, const model::NetworkLayout& layout) {
  switch (config.network.algorithm) {
    case config::NetworkConfig::Algorithm::direct: return model::NetworkAlgorithm::direct;
    case config::NetworkConfig::Algorithm::reduced: return model::NetworkAlgorithm::reduced;
    case config::NetworkConfig::Algorithm::automatic: break;
  }
  return model::faster_algorithm(layout);
}

namespace {

records::NetworkSummary summarise_network(const PointResult& reference, const std::vector<PointResult>& replicas,
                                          long long size, model::NetworkAlgorithm algorithm, int features) {
  records::NetworkSummary s;
  s.size = size;
  s.algorithm = static_cast<std::uint8_t>(algorithm);
  s.reference_regime = reference.regime;
  s.reference_period = reference.period;
  s.reference_samples = reference.analysis.samples;
  const bool comparable = !reference.analysis.samples.empty();
  for (const PointResult& replica : replicas) {
    analysis::NetworkComparison c;
    if (comparable && !replica.analysis.samples.empty())
      c = analysis::compare_network(replica.analysis.samples, reference.analysis.samples, features, reference.regime,
                                    reference.period);
    else
      c.mean = c.deviation = c.bias = std::vector<double>(static_cast<std::size_t>(features), std::numeric_limits<double>::quiet_NaN());
    s.kind = c.kind;
    s.distance.push_back(c.distance);
    s.tracking.push_back(c.tracking);
    s.recognised.push_back(c.recognised ? 1 : 0);
    s.mean.insert(s.mean.end(), c.mean.begin(), c.mean.end());
    s.deviation.insert(s.deviation.end(), c.deviation.begin(), c.deviation.end());
    s.bias.insert(s.bias.end(), c.bias.begin(), c.bias.end());
  }
  if (s.kind == analysis::DistanceKind::distribution) s.floor = analysis::sampling_floor(reference.analysis.samples, features);
  return s;
}

}  // namespace

PointResult combine_network(const PointResult& reference, std::vector<PointResult> replicas, long long size,
                            model::NetworkAlgorithm algorithm, int features) {
  if (replicas.empty()) throw std::invalid_argument("combine_network: no replicas");
  records::NetworkSummary summary = summarise_network(reference, replicas, size, algorithm, features);
  PointResult result = std::move(replicas.front());
  result.network = std::move(summary);
  const bool recognised = result.network.recognised.front() != 0;
  result.regime = recognised ? reference.regime : analysis::Regime::undetermined;
  result.period = recognised && result.network.kind != analysis::DistanceKind::distribution ? reference.period : 0;
  return result;
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

int PointComputer::points_per_task() const {
  return engine_ == kNetworkEngine ? 1 : dynamics::engine_lanes(engine_);
}

std::string PointComputer::engine_description() const {
  if (engine_ == dynamics::kScalarEngine) return dynamics::kScalarEngine;
  if (engine_ == kNetworkEngine)
    return "network: the finite network, network.algorithm = " + std::string(config::to_string(config_.network.algorithm)) +
           ", " + std::to_string(config_.network.replicas) + " replicas per point; mean-field reference: scalar";
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
  if (engine_ == kNetworkEngine) {
    std::vector<Outcome> outcomes;
    for (const RunSpec& run : runs) outcomes.push_back(compute_network(run, stop));
    return outcomes;
  }
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

Outcome run_network_point(const config::Config& config, const model::Weights& weights, const model::MeanFieldMap& map,
                          const model::Window& start, long long index, long long size, const PipelineOptions& options,
                          const PipelineControl& control, const NetworkHooks& hooks) {
  PointResult failed;
  failed.index = index;
  failed.status = PointStatus::failed;
  // Stopped: the point starts again from its first step (its replicas' generators are not saved).
  const auto stopped = [&] {
    PartialPoint partial;
    partial.index = index;
    partial.window = start;
    return Outcome{std::move(partial)};
  };
  const long long indices[1] = {index};
  // One run: its result, or the point's outcome when it stopped or failed.
  const auto run = [&](dynamics::Engine& engine, const PipelineOptions& o, const std::string& what,
                       PipelineControl::RowSink rows) -> std::variant<PointResult, Outcome> {
    if (hooks.begin) hooks.begin(what);
    PipelineControl c = control;
    c.rows = std::move(rows);
    Outcome outcome = std::move(run_pipeline(engine, indices, {}, o, c).front());
    if (std::holds_alternative<PartialPoint>(outcome)) return stopped();
    PointResult& r = std::get<PointResult>(outcome);
    if (r.status == PointStatus::done) return std::move(r);
    failed.error = what + ": " + r.error;
    return Outcome{failed};
  };
  // The mean-field reference: the scalar engine from the same start, with the configured exponents.
  auto reference_engine = dynamics::make_scalar_engine(map, start);
  auto reference = run(*reference_engine, options, "the mean-field reference", {});
  if (auto* ended = std::get_if<Outcome>(&reference)) return std::move(*ended);
  const PointResult& mean_field = std::get<PointResult>(reference);
  const model::NetworkLayout layout = model::network_layout(weights, size);
  const model::NetworkAlgorithm algorithm = network_algorithm(config, layout);
  if (hooks.reference_done) hooks.reference_done(mean_field, algorithm, layout);
  PipelineOptions network_options = options;
  network_options.lyapunov = 0;
  network_options.lyapunov_trace = 0;
  std::vector<PointResult> replicas;
  for (int r = 0; r < config.network.replicas; ++r) {
    const dynamics::NetworkSpec spec{.size = size,
                                     .algorithm = algorithm,
                                     .seed = static_cast<unsigned long long>(config.network.seed),
                                     .point = index,
                                     .replica = r};
    auto engine = dynamics::make_network_engine(map, weights, start, spec);
    auto replica = run(*engine, network_options, "network replica " + std::to_string(r), hooks.rows ? hooks.rows(r) : nullptr);
    if (auto* ended = std::get_if<Outcome>(&replica)) return std::move(*ended);
    replicas.push_back(std::move(std::get<PointResult>(replica)));
  }
  return combine_network(mean_field, std::move(replicas), size, algorithm, map.features());
}

Outcome PointComputer::compute_network(const RunSpec& run, const std::atomic<bool>* stop) const {
  const auto started = std::chrono::steady_clock::now();
  const double earlier = run.from ? run.from->seconds : 0.0;
  const GridPoint point = grid_.point(run.index);
  Outcome outcome;
  try {
    const model::MeanFieldMap map(point_parameters(config_, point), *weights_);
    const model::Window start = run.window ? *run.window : start_window(map, run.index, run.start);
    PipelineControl control;
    control.stop = stop;
    outcome = run_network_point(config_, *weights_, map, start, run.index, point.size, options_, control);
  } catch (const std::exception& e) {
    PointResult failed;
    failed.index = run.index;
    failed.status = PointStatus::failed;
    failed.error = e.what();
    outcome = std::move(failed);
  }
  const double seconds = earlier + std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::visit(
      [&](auto& o) {
        o.start = run.start;
        o.seconds = seconds;
      },
      outcome);
  return outcome;
}

}  // namespace attnmf::sweep
