#include "attnmf/dynamics/lyapunov.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace attnmf::dynamics {

namespace {
std::unique_ptr<Engine> tangent_engine(const model::MeanFieldMap& map, const model::Window& window, int vectors) {
  std::unique_ptr<Engine> engine = make_scalar_engine(map, window);
  engine->start_tangent(vectors);
  return engine;
}
}  // namespace

TangentDynamics::TangentDynamics(const model::MeanFieldMap& map, const model::Window& window, int vectors)
    : engine_(tangent_engine(map, window, vectors)) {}

TangentDynamics::TangentDynamics(const TangentDynamics& other) : engine_(other.engine_->clone()) {}

std::vector<double> TangentDynamics::attention() const {
  const model::Window w = engine_->window(0);
  return {w.attention.begin(), w.attention.begin() + w.features};
}

std::vector<double> TangentDynamics::jacobian() const {
  const std::size_t M = static_cast<std::size_t>(features()), n = M * static_cast<std::size_t>(context());
  const std::vector<double> first_row = first_block_row();
  std::vector<double> dense(n * n, 0.0);
  std::copy(first_row.begin(), first_row.end(), dense.begin());
  // The shift: slot d + 1 of the new window is slot d of the old one.
  for (std::size_t i = M; i < n; ++i) dense[i * n + (i - M)] = 1.0;
  return dense;
}

void TangentDynamics::apply(std::vector<double>& vectors, int k) const {
  const std::size_t M = static_cast<std::size_t>(features()), n = M * static_cast<std::size_t>(context());
  const std::size_t columns = static_cast<std::size_t>(k);
  if (k < 1 || vectors.size() != n * columns)
    throw std::invalid_argument("apply() needs k >= 1 tangent vectors of length M*L, as [M*L][k]");
  const std::vector<double> first_row = first_block_row();
  std::vector<double> top(M * columns, 0.0);
  for (std::size_t a = 0; a < M; ++a)
    for (std::size_t i = 0; i < n; ++i) {
      const double entry = first_row[a * n + i];
      for (std::size_t c = 0; c < columns; ++c) top[a * columns + c] += entry * vectors[i * columns + c];
    }
  std::copy_backward(vectors.begin(), vectors.end() - static_cast<std::ptrdiff_t>(M * columns), vectors.end());
  std::copy(top.begin(), top.end(), vectors.begin());
}

LyapunovEstimator::LyapunovEstimator(const model::MeanFieldMap& map, const model::Window& window, int k,
                                     long long trace_every)
    : tangent_(map, window, k), k_(k), trace_every_(trace_every) {
  if (trace_every < 0) throw std::invalid_argument("trace_every must be >= 0");
}

void LyapunovEstimator::advance() {
  tangent_.advance();
  if (trace_every_ > 0 && tangent_.engine().tangent_steps() % trace_every_ == 0)
    trace_.push_back(tangent_.engine().exponents(0));
}

void LyapunovEstimator::restore(const State& state) {
  tangent_.engine().restore_tangent(0, state);
}

LyapunovSpectrum LyapunovEstimator::result() const {
  LyapunovSpectrum spectrum;
  spectrum.exponents = tangent_.engine().exponents(0);
  spectrum.steps = tangent_.engine().tangent_steps();
  spectrum.trace = trace_;
  return spectrum;
}

}  // namespace attnmf::dynamics
