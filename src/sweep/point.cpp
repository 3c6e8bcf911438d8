#include "attnmf/sweep/point.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "attnmf/analysis/classification.hpp"
#include "attnmf/dynamics/lyapunov.hpp"
#include "attnmf/io/serialization.hpp"
#include "attnmf/model/integrator.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/simd/lane_block.hpp"

namespace attnmf::sweep {
namespace {

model::ModelParameters point_parameters(const config::Config& config, const GridPoint& point) {
  model::ModelParameters p = config.model;
  p.beta = point.beta;
  p.gamma = point.gamma;
  p.epsilon = point.epsilon;
  return p;
}

// −∞ is a legitimate exponent: where the mean fields do not depend on the window (β = 0) the tangent
// map is nilpotent and every tangent vector vanishes after L steps. NaN or +∞ is a failure.
void check_exponents(const std::vector<double>& exponents) {
  for (double exponent : exponents)
    if (std::isnan(exponent) || exponent == std::numeric_limits<double>::infinity())
      throw std::runtime_error("a Lyapunov exponent is NaN or +infinity");
}

// A point's result from its analysis and exponents: the verdict of docs/model.md §5, the final window.
void conclude(PointResult& result, analysis::PointAnalysis found, std::vector<double> exponents, model::Window window,
              long long recorded_steps) {
  check_exponents(exponents);
  result.analysis = std::move(found);
  result.period = result.analysis.period;
  result.lyapunov = std::move(exponents);
  const analysis::Verdict verdict = analysis::judge(result.analysis, result.lyapunov, recorded_steps);
  result.zero_one = verdict.zero_one;
  result.zero_band = verdict.zero_band;
  result.regime = verdict.regime;
  result.paper_regime = verdict.paper_regime;
  result.final_window = std::move(window);
  result.status = PointStatus::done;
}

bool finite(std::span<const double> values) {
  for (double x : values)
    if (!std::isfinite(x)) return false;
  return true;
}

}  // namespace

analysis::AnalysisSettings analysis_settings(const config::Config& config) {
  analysis::AnalysisSettings s;
  s.samples = config.analysis.samples;
  s.plotted_feature = 0;
  s.section_feature = config.analysis.section_feature;
  s.section_tolerance = config.analysis.section_tolerance;
  s.section_max = config.analysis.section_max;
  s.period_max = config.analysis.period_max;
  s.period_tolerance = config.analysis.period_tolerance;
  s.count_resolution = config.analysis.count_resolution;
  return s;
}

std::string simd_kernel(const config::Config& config) {
  return config.run.simd_kernel == "auto" ? simd::instruction_set() : config.run.simd_kernel;
}

PointComputer::PointComputer(const config::Config& config, const model::Weights& weights)
    : config_(config), weights_(&weights), grid_(config.sweep) {
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

Outcome PointComputer::compute_scalar(long long index, const std::atomic<bool>* stop, const PartialPoint* from) const {
  const auto started = std::chrono::steady_clock::now();
  const double earlier_seconds = from ? from->seconds : 0.0;
  const auto seconds = [&] {
    return earlier_seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  PointResult result;
  result.index = index;
  try {
    const GridPoint point = grid_.point(index);
    const model::MeanFieldMap map(point_parameters(config_, point), *weights_);
    model::Integrator integrator = from ? model::Integrator(map, from->window)
                                   : start_window_ ? model::Integrator(map, *start_window_)
                                                   : model::Integrator::from_token(map, start_token_);
    if (from) integrator.set_steps_done(from->steps_done);
    // Stop requests are honoured between chunks of 2^16 steps: well under a millisecond each.
    constexpr long long chunk = 1 << 16;
    const auto stopping = [&] { return stop && stop->load(std::memory_order_relaxed); };
    const std::optional<dynamics::LyapunovEstimator>* lyapunov_now = nullptr;
    const auto stopped_here = [&](const analysis::PointAnalyzer* analyzer) {
      PartialPoint partial;
      partial.index = index;
      partial.steps_done = integrator.steps_done();
      partial.window = integrator.window();
      if (analyzer) partial.analyzer_state = io::to_bytes(*analyzer);
      if (lyapunov_now && *lyapunov_now) partial.lyapunov_state = io::to_bytes((*lyapunov_now)->state());
      partial.seconds = seconds();
      return partial;
    };

    const long long transient = config_.run.transient, steps = config_.run.steps;
    while (integrator.steps_done() < transient) {
      if (stopping()) return stopped_here(nullptr);
      integrator.run(std::min(chunk, transient - integrator.steps_done()));
    }
    if (!finite(integrator.attention()))
      throw std::runtime_error("non-finite attention after the transient (step " + std::to_string(transient) + ")");

    const int M = map.features();
    analysis::PointAnalyzer analyzer(M, map.context(), steps - transient, analysis_settings(config_));
    analyzer.promise_every_step();
    if (from && !from->analyzer_state.empty()) io::from_bytes(from->analyzer_state, analyzer);
    // The tangent dynamics over the recorded steps, started from the window the recording starts
    // from (or restored with it).
    std::optional<dynamics::LyapunovEstimator> lyapunov;
    if (config_.analysis.lyapunov > 0) {
      lyapunov.emplace(map, integrator.window(), config_.analysis.lyapunov);
      if (from && !from->lyapunov_state.empty()) {
        dynamics::LyapunovEstimator::State state;
        io::from_bytes(from->lyapunov_state, state);
        lyapunov->restore(state);
      }
    }
    lyapunov_now = &lyapunov;
    std::vector<double> row(static_cast<std::size_t>(6 * M));
    const model::StepRecord record{row.data(), row.data() + M, row.data() + 2 * M,
                                   row.data() + 3 * M, row.data() + 4 * M, row.data() + 5 * M};
    while (integrator.steps_done() < steps) {
      if (stopping()) return stopped_here(&analyzer);
      const long long n = std::min(chunk, steps - integrator.steps_done());
      for (long long s = 0; s < n; ++s) {
        if (lyapunov) lyapunov->advance(integrator.attention().data(), integrator.newest_position());
        integrator.step(&record);
        if (!finite({record.attention, static_cast<std::size_t>(M)}))
          throw std::runtime_error("non-finite attention at step " + std::to_string(integrator.steps_done() - 1));
        analyzer.observe(record.output_semantic, record.attention, integrator.newest_position());
      }
    }
    conclude(result, analyzer.finish(), lyapunov ? lyapunov->result().exponents : std::vector<double>{},
             integrator.window(), steps - transient);
  } catch (const std::exception& e) {
    result.status = PointStatus::failed;
    result.error = e.what();
  }
  result.seconds = seconds();
  return result;
}

Outcome PointComputer::compute(long long index, const std::atomic<bool>* stop, const PartialPoint* from) const {
  if (config_.run.engine == config::RunConfig::Engine::scalar) return compute_scalar(index, stop, from);
  const long long indices[1] = {index};
  const PartialPoint* froms[1] = {from};
  return std::move(compute_lanes(indices, stop, froms).front());
}

int PointComputer::points_per_task() const {
  return config_.run.engine == config::RunConfig::Engine::simd ? simd::kLanes : 1;
}

std::string PointComputer::engine_description() const {
  if (config_.run.engine == config::RunConfig::Engine::scalar) return "scalar";
  return "simd: " + simd::engine_description(simd_kernel(config_));
}

model::Window PointComputer::start_window(const model::MeanFieldMap& map) const {
  if (start_window_) return *start_window_;
  return model::Integrator::from_token(map, start_token_).window();
}

std::vector<Outcome> PointComputer::compute_many(std::span<const long long> indices, const std::atomic<bool>* stop,
                                                 std::span<const PartialPoint* const> from) const {
  if (!from.empty() && from.size() != indices.size())
    throw std::invalid_argument("compute_many: one saved state (or none) per point");
  const auto saved = [&](std::size_t i) { return from.empty() ? nullptr : from[i]; };
  std::vector<Outcome> outcomes(indices.size());
  if (config_.run.engine == config::RunConfig::Engine::scalar) {
    for (std::size_t i = 0; i < indices.size(); ++i) outcomes[i] = compute_scalar(indices[i], stop, saved(i));
    return outcomes;
  }
  // Points run in lockstep only when they are at the same step of the same positional window: new
  // points together, points continued from a stop with those stopped at the same step.
  std::map<std::pair<long long, std::vector<int>>, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const PartialPoint* p = saved(i);
    std::vector<int> key = p ? p->window.positions : std::vector<int>{};
    if (p) key.push_back(p->window.history);
    groups[{p ? p->steps_done : -1, std::move(key)}].push_back(i);
  }
  for (const auto& [key, members] : groups) {
    for (std::size_t first = 0; first < members.size(); first += simd::kLanes) {
      const std::size_t count = std::min<std::size_t>(simd::kLanes, members.size() - first);
      std::vector<long long> lane_indices(count);
      std::vector<const PartialPoint*> lane_from(count);
      for (std::size_t j = 0; j < count; ++j) {
        lane_indices[j] = indices[members[first + j]];
        lane_from[j] = saved(members[first + j]);
      }
      std::vector<Outcome> lane_outcomes = compute_lanes(lane_indices, stop, lane_from);
      for (std::size_t j = 0; j < count; ++j) outcomes[members[first + j]] = std::move(lane_outcomes[j]);
    }
  }
  return outcomes;
}

std::vector<Outcome> PointComputer::compute_lanes(std::span<const long long> indices, const std::atomic<bool>* stop,
                                                  std::span<const PartialPoint* const> from) const {
  const auto started = std::chrono::steady_clock::now();
  const std::size_t n = indices.size();
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  // Each point's compute time: its share of the block's, on top of what earlier runs spent.
  const auto seconds = [&](std::size_t i) {
    return (from[i] ? from[i]->seconds : 0.0) + elapsed() / static_cast<double>(n);
  };
  std::vector<PointResult> results(n);
  std::vector<bool> failed(n, false);
  const auto fail = [&](std::size_t i, const std::string& why) {
    if (failed[i]) return;
    failed[i] = true;
    results[i].status = PointStatus::failed;
    results[i].error = why;
  };
  for (std::size_t i = 0; i < n; ++i) results[i].index = indices[i];
  try {
    // Lanes past the real points repeat the first one: a short block is padded, never finished with
    // other code, so a point's numbers do not depend on how many points share its block.
    std::vector<std::unique_ptr<model::MeanFieldMap>> maps;
    std::vector<const model::MeanFieldMap*> lane_maps(simd::kLanes);
    std::vector<model::Window> windows(simd::kLanes);
    for (std::size_t i = 0; i < n; ++i) {
      maps.push_back(std::make_unique<model::MeanFieldMap>(point_parameters(config_, grid_.point(indices[i])), *weights_));
      lane_maps[i] = maps.back().get();
      windows[i] = from[i] ? from[i]->window : start_window(*maps.back());
    }
    for (std::size_t w = n; w < static_cast<std::size_t>(simd::kLanes); ++w) {
      lane_maps[w] = lane_maps[0];
      windows[w] = windows[0];
    }
    const std::unique_ptr<simd::LaneBlock> block = simd::make_lane_block(lane_maps, windows, simd_kernel(config_));
    block->set_steps_done(from[0] ? from[0]->steps_done : 0);

    constexpr long long chunk = 1 << 16;  // stop requests are honoured between chunks
    const auto stopping = [&] { return stop && stop->load(std::memory_order_relaxed); };
    std::vector<analysis::PointAnalyzer> analyzers;
    bool tangent = false;
    const auto stopped_here = [&] {
      std::vector<Outcome> outcomes(n);
      for (std::size_t i = 0; i < n; ++i) {
        PartialPoint partial;
        partial.index = indices[i];
        partial.steps_done = block->steps_done();
        partial.window = block->window(static_cast<int>(i));
        if (!analyzers.empty()) partial.analyzer_state = io::to_bytes(analyzers[i]);
        if (tangent) partial.lyapunov_state = io::to_bytes(block->tangent_state(static_cast<int>(i)));
        partial.seconds = seconds(i);
        outcomes[i] = std::move(partial);
      }
      return outcomes;
    };

    const long long transient = config_.run.transient, steps = config_.run.steps;
    while (block->steps_done() < transient) {
      if (stopping()) return stopped_here();
      block->run(std::min(chunk, transient - block->steps_done()));
    }
    const int M = block->features();
    for (std::size_t i = 0; i < n; ++i)
      if (!finite(block->window(static_cast<int>(i)).attention))
        fail(i, "non-finite attention after the transient (step " + std::to_string(transient) + ")");

    for (std::size_t i = 0; i < n; ++i) {
      analyzers.emplace_back(M, lane_maps[0]->context(), steps - transient, analysis_settings(config_));
      analyzers.back().promise_every_step();
      if (from[i] && !from[i]->analyzer_state.empty()) io::from_bytes(from[i]->analyzer_state, analyzers[i]);
    }
    // The tangent dynamics over the recorded steps, started from the window the recording starts
    // from (or restored with it), as in the scalar engine.
    if (config_.analysis.lyapunov > 0) {
      block->start_tangent(config_.analysis.lyapunov);
      tangent = true;
      for (std::size_t i = 0; i < n; ++i)
        if (from[i] && !from[i]->lyapunov_state.empty()) {
          dynamics::LyapunovEstimator::State state;
          io::from_bytes(from[i]->lyapunov_state, state);
          block->restore_tangent(static_cast<int>(i), state);
        }
    }
    std::vector<double> semantic(static_cast<std::size_t>(M) * simd::kLanes), attention(semantic.size());
    std::vector<double> lane_semantic(static_cast<std::size_t>(M)), lane_attention(static_cast<std::size_t>(M));
    while (block->steps_done() < steps) {
      if (stopping()) return stopped_here();
      const long long count = std::min(chunk, steps - block->steps_done());
      for (long long s = 0; s < count; ++s) {
        block->step_recorded(semantic.data(), attention.data());
        const int position = block->newest_position();
        // One pass over the block tells that every lane's attention is finite (no value has all its
        // exponent bits set); only otherwise are the lanes looked at one by one.
        constexpr std::uint64_t exponent = 0x7ff0000000000000ULL;
        bool any_nonfinite = false;
        for (double x : attention) any_nonfinite |= (std::bit_cast<std::uint64_t>(x) & exponent) == exponent;
        const bool all_finite = !any_nonfinite;
        for (std::size_t i = 0; i < n; ++i) {
          if (failed[i]) continue;
          for (int a = 0; a < M; ++a) {
            lane_semantic[static_cast<std::size_t>(a)] = semantic[static_cast<std::size_t>(a) * simd::kLanes + i];
            lane_attention[static_cast<std::size_t>(a)] = attention[static_cast<std::size_t>(a) * simd::kLanes + i];
          }
          if (!all_finite && !finite(lane_attention)) {
            fail(i, "non-finite attention at step " + std::to_string(block->steps_done() - 1));
            continue;
          }
          analyzers[i].observe(lane_semantic.data(), lane_attention.data(), position);
        }
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (failed[i]) continue;
      try {
        const int lane = static_cast<int>(i);
        conclude(results[i], analyzers[i].finish(), tangent ? block->exponents(lane) : std::vector<double>{},
                 block->window(lane), steps - transient);
      } catch (const std::exception& e) {
        fail(i, e.what());
      }
    }
  } catch (const std::exception& e) {
    for (std::size_t i = 0; i < n; ++i) fail(i, e.what());
  }
  std::vector<Outcome> outcomes(n);
  for (std::size_t i = 0; i < n; ++i) {
    results[i].seconds = seconds(i);
    outcomes[i] = std::move(results[i]);
  }
  return outcomes;
}

}  // namespace attnmf::sweep
