#pragma once
// The starts of one grid point grouped into attractors, as a sweep writes them (docs/attractors.md):
// serial and pure, run by the rank that holds all the starts of the point.

#include <span>
#include <vector>

#include "attnmf/analysis/attractors.hpp"
#include "attnmf/config/config.hpp"
#include "attnmf/records/point.hpp"

namespace attnmf::sweep {

struct PointAttractors {
  std::vector<int> labels;  // per start: its attractor's label within the point, −1 for a failed start
  std::vector<records::Attractor> attractors;  // by label
};

analysis::GroupingSettings grouping_settings(const config::Config& config);

// `runs[s]` is start s of one point (all of its starts, in order). Each attractor takes its
// regime, period, exponents, samples and final window from its first start (the representative).
PointAttractors group_point(std::span<const records::PointResult> runs, const analysis::GroupingSettings& settings);

}  // namespace attnmf::sweep
