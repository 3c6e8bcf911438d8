#include "attnmf/sweep/point.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>

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
    const int columns = weights.columns();
    start_token_.assign(weights.matrix[model::o].begin() + config_.init.token * columns,
                        weights.matrix[model::o].begin() + (config_.init.token + 1) * columns);
    for (int i = 0; i < weights.positional_bits; ++i) start_token_[weights.semantic_bits + i] = -1;
  }
}

PointResult PointComputer::compute(long long index) const {
  const auto started = std::chrono::steady_clock::now();
  PointResult result;
  result.index = index;
  try {
    const GridPoint point = grid_.point(index);
    const model::MeanFieldMap map(point_parameters(config_, point), *weights_);
    model::Integrator integrator =
        start_window_ ? model::Integrator(map, *start_window_) : model::Integrator::from_token(map, start_token_);
    integrator.run(config_.run.transient);
    if (!finite(integrator.attention()))
      throw std::runtime_error("non-finite attention after the transient (step " + std::to_string(config_.run.transient) + ")");

    const int M = map.features();
    const long long recorded = config_.run.steps - config_.run.transient;
    analysis::PointAnalyzer analyzer(M, map.context(), recorded, analysis_settings(config_));
    std::vector<double> row(static_cast<std::size_t>(6 * M));
    const model::StepRecord record{row.data(), row.data() + M, row.data() + 2 * M,
                                   row.data() + 3 * M, row.data() + 4 * M, row.data() + 5 * M};
    for (long long s = 0; s < recorded; ++s) {
      integrator.step(&record);
      if (!finite({record.attention, static_cast<std::size_t>(M)}))
        throw std::runtime_error("non-finite attention at step " + std::to_string(integrator.steps_done() - 1));
      analyzer.observe(record.output_semantic, record.attention, integrator.newest_position());
    }
    result.analysis = analyzer.finish();
    result.period = result.analysis.period;
    result.regime = result.analysis.regime;
    result.final_window = integrator.window();
    result.status = PointStatus::done;
  } catch (const std::exception& e) {
    result.status = PointStatus::failed;
    result.error = e.what();
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace attnmf::sweep
