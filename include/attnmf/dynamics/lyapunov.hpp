#pragma once
// The tangent map of the mean-field map and its Lyapunov exponents (docs/model.md §2 and §5), for one
// point: the scalar engine's tangent dynamics (engine.hpp, src/dynamics/kernel.inc) behind the
// interface of a single trajectory, with the dense Jacobian formed on demand for tests and analyses.
//
// The state of the map as a dynamical system is the attention window x_t = (A_{t−1}, …, A_{t−L}),
// newest first, M·L numbers. The positional window only rotates (its exponents are exactly 0), so
// it is not part of the tangent space. One step replaces the newest slot by
//
//   A_t = Σ_d softmax_d(z) m^v(d),   z_d = γ_eff m^q(0)·m^k(d),
//
// where m^α(d) = m^α(A_{t−1−d}, p(d)) and only the slots that hold a token take part, and shifts the
// others by one. Its Jacobian is therefore a block companion matrix: a dense first block row
// ∂A_t/∂A_{t−1−e} (e = 0 … L−1) above identity blocks,
//
//   B_e = w_e [D^v(e) + γ_eff (m^v(e) − A_t) (D^k(e)ᵀ m^q(0))ᵀ] + δ_{e0} γ_eff G D^q(0),
//   G   = Σ_d w_d (m^v(d) − A_t) m^k(d)ᵀ
//
// (the bracket from slot e's value and key, G D^q(0) from the newest slot's query), with w = softmax(z) and D^α(e) = ∂m^α/∂A at slot e's own attention: from docs/model.md §2,
// D^α[a][b] = (1 − ε) β Σ_j K^α[σ_j][a] (1 − tanh²(β σ_j·A)) σ_j[b]. An older slot's D^v and D^k are
// those computed when it was newest, so a step evaluates the 2^(M−1) tanh of the new slot only.
//
// Because det J = ± det B_{L−1}, the sum of all M·L exponents is ⟨log |det B_{L−1}|⟩: the oldest
// slot's softmax weight sets the volume contraction.

#include <memory>
#include <vector>

#include "attnmf/dynamics/engine.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/window.hpp"

namespace attnmf::dynamics {

// One trajectory with its tangent dynamics: each advance() is a step of the map and of `vectors`
// tangent vectors, after which the step's Jacobian can be read.
class TangentDynamics {
 public:
  // The map must outlive this object.
  TangentDynamics(const model::MeanFieldMap& map, const model::Window& window, int vectors = 1);
  TangentDynamics(const TangentDynamics& other);
  TangentDynamics(TangentDynamics&&) noexcept = default;

  // One step from the present window.
  void advance() { engine_->run(1); }

  // The last step's Jacobian ∂x_{t+1}/∂x_t, dense, row-major [M·L][M·L], slots newest first.
  std::vector<double> jacobian() const;
  // The first block row [B_0 … B_{L−1}], row-major [M][M·L]: the only part of the Jacobian that is
  // not a shift.
  std::vector<double> first_block_row() const { return engine_->first_block_row(0); }
  // Multiplies the tangent vectors, the k columns of a row-major [M·L][k] matrix (slots newest
  // first), by the last step's Jacobian in place, in O(M²·L·k): the first block row gives the new
  // top block, the rest is a shift by one slot.
  void apply(std::vector<double>& vectors, int k) const;

  // A_t of the last step.
  std::vector<double> attention() const;
  int features() const { return engine_->features(); }
  int context() const { return engine_->context(); }
  int dimension() const { return features() * context(); }
  const Engine& engine() const { return *engine_; }
  Engine& engine() { return *engine_; }

 private:
  std::unique_ptr<Engine> engine_;
};

// The running estimates of the k largest Lyapunov exponents, natural log per step.
struct LyapunovSpectrum {
  std::vector<double> exponents;  // descending; NaN before the first step
  long long steps = 0;            // tangent steps averaged over
  // trace[i]: the running estimates (descending) after (i + 1) · trace_every steps.
  std::vector<std::vector<double>> trace;
};

// Benettin's method on one trajectory (Engine::start_tangent).
//
// Double precision resolves an exponent only while the per-step contraction of its direction,
// relative to the leading one, stays well above the rounding of 1e-16: the leading exponents a
// sweep asks for always are; the lowest ones of the full spectrum, set by old slots with tiny
// softmax weights, may not be (at the paper's β = 1.4 the lowest six come out too high).
class LyapunovEstimator {
 public:
  // k: how many of the largest exponents (1 … M·L). trace_every > 0 keeps the running estimates
  // every trace_every steps.
  LyapunovEstimator(const model::MeanFieldMap& map, const model::Window& window, int k, long long trace_every = 0);

  // One step of the map and of the tangent vectors.
  void advance();

  LyapunovSpectrum result() const;
  const TangentDynamics& tangent() const { return tangent_; }
  int exponent_count() const { return k_; }

  // The running state, for a point stopped mid-trajectory: an estimator constructed again from the
  // same window and given this state continues bit for bit. The convergence trace is not kept.
  using State = TangentState;
  State state() const { return tangent_.engine().tangent_state(0); }
  void restore(const State& state);

 private:
  TangentDynamics tangent_;
  int k_;
  long long trace_every_;
  std::vector<std::vector<double>> trace_;
};

}  // namespace attnmf::dynamics
