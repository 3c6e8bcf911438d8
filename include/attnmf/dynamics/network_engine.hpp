#pragma once
// The finite network as an engine (docs/network.md): one replica of one point, stepped as the
// mean-field map is (docs/model.md §2) but with every token drawn. From the newest attention it
// draws a token (model::TokenSampler), whose mean fields are (1 − ε) S^α / N plus the positional
// term of its position; the window keeps every slot's value and key mean fields, the attention is
// the softmax of γ_eff q·k over the slots holding a token, weighting their value mean fields —
// the attention of the actual tokens, which depends on them only through these projections.
//
// Started from a window of attention values, the older slots' tokens are drawn from them as the
// mean-field engine computes their mean fields (every start is a state of the network). It has no
// tangent dynamics: a stochastic map has no Lyapunov exponents (start_tangent throws).
#include <memory>

#include "attnmf/dynamics/engine.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/network.hpp"

namespace attnmf::dynamics {

struct NetworkSpec {
  long long size = 0;
  model::NetworkAlgorithm algorithm = model::NetworkAlgorithm::reduced;
  unsigned long long seed = 1;
  long long point = 0;
  int replica = 0;
};

// Throws std::invalid_argument for a size that is not a multiple of the semantic bits, a window of
// another shape, or the direct algorithm where its packed weights would not fit (model/network.hpp).
std::unique_ptr<Engine> make_network_engine(const model::MeanFieldMap& map, const model::Weights& weights,
                                            const model::Window& window, const NetworkSpec& spec);

}  // namespace attnmf::dynamics
