#include "attnmf/sweep/attractors.hpp"

namespace attnmf::sweep {

analysis::GroupingSettings grouping_settings(const config::Config& config) {
  analysis::GroupingSettings s;
  s.periodic_tolerance = config.attractors.periodic_tolerance;
  s.aperiodic_tolerance = config.attractors.tolerance;
  s.cover_fraction = config.attractors.cover_fraction;
  return s;
}

PointAttractors group_point(std::span<const records::PointResult> runs, const analysis::GroupingSettings& settings) {
  std::vector<analysis::StartEvidence> evidence(runs.size());
  for (std::size_t s = 0; s < runs.size(); ++s) {
    const records::PointResult& r = runs[s];
    evidence[s].usable = r.status == records::PointStatus::done;
    evidence[s].period = r.period;
    evidence[s].regime = r.regime;
    evidence[s].features = r.analysis.features;
    evidence[s].samples = r.analysis.samples;
  }
  PointAttractors found;
  found.labels = analysis::group_attractors(evidence, settings);
  for (std::size_t s = 0; s < runs.size(); ++s) {
    const int label = found.labels[s];
    if (label < 0) continue;
    if (label == static_cast<int>(found.attractors.size())) {
      const records::PointResult& r = runs[s];
      records::Attractor a;
      a.point = r.index;
      a.label = label;
      a.representative = static_cast<int>(s);
      a.regime = r.regime;
      a.period = r.period;
      a.lyapunov = r.lyapunov;
      a.samples = r.analysis.samples;
      a.final_window = r.final_window;
      found.attractors.push_back(std::move(a));
    }
    ++found.attractors[static_cast<std::size_t>(label)].starts;
  }
  for (records::Attractor& a : found.attractors)
    a.basin_fraction = static_cast<double>(a.starts) / static_cast<double>(runs.size());
  return found;
}

}  // namespace attnmf::sweep
