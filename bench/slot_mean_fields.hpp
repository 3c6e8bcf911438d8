#pragma once
// For the hand-written yardsticks: the mean fields of a window's slot d, m^α(A_{t−1−d}, p(d)), as
// the scalar engine computes them when that slot is the newest (one step from a window holding it
// alone records them).

#include <memory>

#include "attnmf/dynamics/engine.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/window.hpp"

namespace attnmf::bench {

inline model::MeanFields slot_mean_fields(const model::MeanFieldMap& map, const model::Window& window, int d) {
  model::Window alone = window;
  alone.history = 0;
  const int M = window.features, L = window.context;
  for (int s = 0; s < L; ++s) {
    const int from = (d + s) % L;
    for (int a = 0; a < M; ++a) alone.attention[static_cast<std::size_t>(s * M + a)] = window.slot(from)[a];
    alone.positions[static_cast<std::size_t>(s)] = window.positions[static_cast<std::size_t>(from)];
  }
  model::MeanFields fields(M);
  const std::unique_ptr<dynamics::Engine> engine = dynamics::make_scalar_engine(map, alone);
  engine->step({nullptr, fields.output.data(), fields.output_semantic.data(), fields.value.data(), fields.query.data(),
                fields.key.data()});
  return fields;
}

}  // namespace attnmf::bench
