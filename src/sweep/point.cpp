#include "attnmf/sweep/point.hpp"

#include <chrono>
#include <cmath>
#include <sstream>
#include <stdexcept>



#include "attnmf/analysis/classification.hpp"
#include "attnmf/dynamics/lyapunov.hpp"
#include "attnmf/io/serialization.hpp"
#include "attnmf/model/integrator.hpp"
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

std::variant<PointResult, PartialPoint> PointComputer::compute(long long index, const std::atomic<bool>* stop,
                                                               const PartialPoint* from) const {
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
    result.analysis = analyzer.finish();
    result.period = result.analysis.period;
    if (lyapunov) {
      result.lyapunov = lyapunov->result().exponents;
      for (double exponent : result.lyapunov)
        if (!std::isfinite(exponent)) throw std::runtime_error("a Lyapunov exponent is not finite");
    }
    const analysis::Verdict verdict = analysis::judge(result.analysis, result.lyapunov, steps - transient);
    result.zero_one = verdict.zero_one;
    result.zero_band = verdict.zero_band;
    result.regime = verdict.regime;
    result.paper_regime = verdict.paper_regime;
    result.final_window = integrator.window();
    result.status = PointStatus::done;
  } catch (const std::exception& e) {
    result.status = PointStatus::failed;
    result.error = e.what();
  }
  result.seconds = seconds();
  return result;
}

}  // namespace attnmf::sweep
