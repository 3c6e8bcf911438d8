#include "attnmf/dynamics/integrator.hpp"

namespace attnmf::dynamics {

Integrator::Integrator(const model::MeanFieldMap& map, const model::Window& window)
    : map_(&map), engine_(make_scalar_engine(map, window)) {}

Integrator Integrator::from_token(const model::MeanFieldMap& map, std::span<const int> token) {
  return Integrator(map, model::token_window(map, token));
}

Integrator::Integrator(const Integrator& other) : map_(other.map_), engine_(other.engine_->clone()) {}

Integrator& Integrator::operator=(const Integrator& other) {
  if (this != &other) {
    map_ = other.map_;
    engine_ = other.engine_->clone();
  }
  return *this;
}

std::vector<double> Integrator::attention() const {
  const model::Window w = engine_->window(0);
  return {w.attention.begin(), w.attention.begin() + w.features};
}

}  // namespace attnmf::dynamics
