#pragma once
// The tangent map of the mean-field map and its Lyapunov exponents (docs/model.md §2 and §5).
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

#include <span>
#include <vector>

#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/window.hpp"

namespace attnmf::dynamics {

// The map's forward step and its Jacobian, following an Integrator step by step.
class TangentDynamics {
 public:
  // Caches the value and key mean fields, and their derivative blocks, of every older slot of the
  // window that holds a token. The map must outlive this object.
  TangentDynamics(const model::MeanFieldMap& map, const model::Window& window);

  // One step from A_{t−1} at the newest slot's position: exactly what the Integrator steps from,
  // `integrator.attention().data()` and `integrator.newest_position()` read before `integrator.step()`.
  // The new slot's mean fields are computed with the Integrator's arithmetic, so attention() is then
  // bit for bit the Integrator's A_t and the cached window follows the Integrator's.
  void advance(const double* previous_attention, int position);

  // The last step's Jacobian ∂x_{t+1}/∂x_t, dense, row-major [M·L][M·L], slots newest first.
  // Formed on demand (for tests and small analyses; apply() never forms it).
  const std::vector<double>& jacobian() const;
  // The first block row [B_0 … B_{L−1}], row-major [M][M·L]: the only part of the Jacobian that is
  // not a shift. Formed on demand.
  const std::vector<double>& first_block_row() const;
  // Multiplies the tangent vectors, the k columns of a row-major [M·L][k] matrix (slots newest
  // first), by the last step's Jacobian in place, in O(M²·L·k): the first block row gives the new
  // top block, the rest is a shift by one slot.
  void apply(std::vector<double>& vectors, int k) const;

  // A_t of the last step.
  std::span<const double> attention() const { return attention_; }
  int features() const { return features_; }
  int context() const { return context_; }
  int dimension() const { return features_ * context_; }

 private:
  friend class LyapunovEstimator;

  // The step for M known at compile time (0: taken at run time), so that the loops over features
  // and sign vectors unroll, as in the Integrator; the arithmetic is the same for every M.
  using StepKernel = void (TangentDynamics::*)(const double*, int);
  template <int kFeatures>
  void step_kernel(const double* previous_attention, int position);
  // Mean fields m^v, m^k (into the ring at `index`) and m^q, and the blocks D^v, D^k, D^q, of the
  // token produced by `attention` at `position`.
  template <int kFeatures>
  void newest_slot(const double* attention, int position, int index);
  // The tangent step on k vectors stored one after another ([k][M·L]) with their slots in ring
  // order, as this object stores its window: the shift is then free (the new top block overwrites
  // the dropped oldest slot) and the first block row is one dense M × M·L product. The estimator
  // keeps its vectors this way from the start, when ring and window order coincide.
  // M and k are template parameters for the common small cases (0: taken at run time).
  template <int kFeatures, int kVectors>
  void apply_in_ring_order(double* vectors, int k) const;

  const model::MeanFieldMap* map_;
  int features_, context_, sign_vectors_;
  int head_ = 0;     // ring index of the newest slot
  int history_ = 0;  // older slots holding a token, as in the Integrator
  // Per slot, in rings of L indexed from head_: m^v, m^k [L][M] and D^v, D^k [L][M][M].
  std::vector<double> value_, key_, value_derivative_, key_derivative_;
  // Of the newest token only: m^q, D^q, tanh(β σ_j·A) and 1 − tanh².
  std::vector<double> query_, query_derivative_, tanh_, sech2_;
  // For α = v, k, q: (1 − ε) β K^α[σ_j][a] σ_j[b] / 2^(M−1), [3][M][M][J], so that
  // D^α[a][b] = Σ_j derivative_table_[α][a][b][j] (1 − tanh²_j), a dot product per entry.
  std::vector<double> derivative_table_;
  // The last step: softmax weights over the slots newest first, and A_t.
  std::vector<double> weights_, attention_;
  // The last step's first block row [M][M·L] with its column blocks in ring order: slot e of the
  // window before the step at ring index (head_ + 1 + e) mod L (head_ has moved on by then).
  std::vector<double> ring_row_;
  // Scratch: D^k(d)ᵀ m^q and D^q(0)ᵀ m^k(d) [2][L][M], and the query part of B_0 [M][M].
  std::vector<double> score_gradient_, query_part_;
  int slots_ = 0;  // slots that took part in the last step
  StepKernel step_kernel_;
  // Caches of the const accessors and their scratch: one object serves one thread.
  mutable std::vector<double> first_row_, dense_, apply_scratch_;
  mutable bool first_row_current_ = false, dense_current_ = false;
};

// The running estimates of the k largest Lyapunov exponents, natural log per step.
struct LyapunovSpectrum {
  std::vector<double> exponents;  // descending; NaN before the first step
  long long steps = 0;            // tangent steps averaged over
  // trace[i]: the running estimates (descending) after (i + 1) · trace_every steps.
  std::vector<std::vector<double>> trace;
};

// Benettin's method: k tangent vectors pushed through the tangent map and re-orthonormalised after
// every step (modified Gram–Schmidt, the QR of the M·L × k matrix); λ_i is the average of log |R_ii|.
//
// Double precision resolves an exponent only while the per-step contraction of its direction,
// relative to the leading one, stays well above the rounding of 1e-16: the leading exponents a
// sweep asks for always are; the lowest ones of the full spectrum, set by old slots with tiny
// softmax weights, may not be (at the paper's β = 1.4 the lowest six come out too high).
class LyapunovEstimator {
 public:
  // k: how many of the largest exponents (1 … M·L). trace_every > 0 keeps the running estimates
  // every trace_every steps. The initial tangent vectors are the first k columns of the identity,
  // so that a result is reproducible bit for bit.
  LyapunovEstimator(const model::MeanFieldMap& map, const model::Window& window, int k, long long trace_every = 0);

  // One step of the map and of the tangent vectors; same arguments as TangentDynamics::advance.
  void advance(const double* previous_attention, int position);

  LyapunovSpectrum result() const;
  const TangentDynamics& tangent() const { return tangent_; }
  int exponent_count() const { return k_; }

  // The running state, for a point stopped mid-trajectory (sweep checkpoints). The tangent vectors
  // are kept in window order (newest slot first), so that an estimator constructed again from the
  // same window and given this state continues bit for bit. The convergence trace is not kept.
  struct State {
    long long steps = 0;
    std::vector<double> vectors, log_sum, stretch;
    template <class Archive>
    void serialize(Archive& archive, unsigned /*version*/) {
      archive& steps& vectors& log_sum& stretch;
    }
  };
  State state() const;
  void restore(const State& state);

 private:
  // The tangent step and Gram–Schmidt for M and k known at compile time (0: taken at run time).
  using StepKernel = void (LyapunovEstimator::*)(const double*, int);
  template <int kFeatures, int kVectors>
  void step_kernel(const double* previous_attention, int position);
  static StepKernel select_kernel(int features, int k);
  std::vector<double> running_estimates() const;

  TangentDynamics tangent_;
  int k_;
  long long trace_every_;
  StepKernel step_kernel_;
  long long steps_ = 0;
  std::vector<double> vectors_;  // [k][M·L], orthonormal, slots in the tangent map's ring order
  // log Π_t |R_ii(t)| is kept as log_sum_[i] + log(stretch_[i]): the product of the latest |R_ii| is
  // folded into the sum only when it leaves [2^−300, 2^300], so that a step needs no logarithm.
  std::vector<double> log_sum_, stretch_;
  std::vector<std::vector<double>> trace_;
};

}  // namespace attnmf::dynamics
