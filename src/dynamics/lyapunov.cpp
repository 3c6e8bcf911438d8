#include "attnmf/dynamics/lyapunov.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

namespace attnmf::dynamics {

using model::Feature;

TangentDynamics::TangentDynamics(const model::MeanFieldMap& map, const model::Window& window)
    : map_(&map),
      features_(map.features()),
      context_(map.context()),
      sign_vectors_(map.sign_vectors()),
      history_(window.history) {
  if (window.features != features_ || window.context != context_)
    throw std::invalid_argument("the window does not have the map's M and L");
  if (window.history < 0 || window.history > context_ - 1)
    throw std::invalid_argument("window history must be between 0 and L-1");
  if (static_cast<int>(window.attention.size()) != features_ * context_ ||
      static_cast<int>(window.positions.size()) != context_)
    throw std::invalid_argument("the window's attention and positions do not have L slots");
  const std::size_t M = features_, L = context_, J = sign_vectors_;
  value_.assign(L * M, 0.0);
  key_.assign(L * M, 0.0);
  value_derivative_.assign(L * M * M, 0.0);
  key_derivative_.assign(L * M * M, 0.0);
  query_.assign(M, 0.0);
  query_derivative_.assign(M * M, 0.0);
  tanh_.assign(J, 0.0);
  sech2_.assign(J, 0.0);
  derivative_table_.resize(3 * M * M * J);
  const double factor = map.one_minus_epsilon() * map.table_scale() * map.beta();
  for (std::size_t f = 0; f < 3; ++f) {
    const double* table = map.corr_signed(static_cast<Feature>(model::v + f));
    for (std::size_t a = 0; a < M; ++a)
      for (std::size_t b = 0; b < M; ++b)
        for (std::size_t j = 0; j < J; ++j)
          derivative_table_[((f * M + a) * M + b) * J + j] = factor * table[j * M + a] * map.signs()[j * M + b];
  }
  weights_.assign(L, 0.0);
  attention_.assign(M, 0.0);
  ring_row_.assign(M * M * L, 0.0);
  score_gradient_.assign(2 * L * M, 0.0);
  query_part_.assign(M * M, 0.0);
  switch (features_) {
    case 1: step_kernel_ = &TangentDynamics::step_kernel<1>; break;
    case 2: step_kernel_ = &TangentDynamics::step_kernel<2>; break;
    case 3: step_kernel_ = &TangentDynamics::step_kernel<3>; break;
    case 4: step_kernel_ = &TangentDynamics::step_kernel<4>; break;
    default: step_kernel_ = &TangentDynamics::step_kernel<0>; break;
  }
  // Slot d of the window sits at ring index d (head_ = 0). The older slots' mean fields and blocks
  // are those they had when they were newest, as in the Integrator's constructor; slot 0's are
  // computed by the first advance(), from the attention it is given.
  for (int d = 1; d <= history_; ++d) newest_slot<0>(window.slot(d), window.positions[d], d);
}

template <int kFeatures>
void TangentDynamics::newest_slot(const double* attention, int position, int index) {
  const int M = kFeatures ? kFeatures : features_;
  const int J = kFeatures ? 1 << (kFeatures - 1) : sign_vectors_;
  const double* __restrict signs = map_->signs();
  const double beta = map_->beta();
  const double one_minus_epsilon = map_->one_minus_epsilon(), scale = map_->table_scale();
  double* __restrict th = tanh_.data();
  double* __restrict sech2 = sech2_.data();
  // tanh(β σ_j·A) with the Integrator's arithmetic (the same products summed in the same order),
  // so that the mean fields below are bit for bit the Integrator's.
  for (int j = 0; j < J; ++j) {
    const double* sigma = signs + static_cast<std::size_t>(j) * M;
    double dot = 0.0;
    for (int b = 0; b < M; ++b) dot += sigma[b] * attention[b];
    const double t = std::tanh(beta * dot);
    th[j] = t;
    sech2[j] = 1.0 - t * t;
  }
  const auto mean_field = [&](Feature f, double* __restrict total, double* __restrict derivative) {
    const double* __restrict table = map_->corr_signed(f);
    const double* __restrict pe = map_->positional_term(f, position);
    for (int a = 0; a < M; ++a) {
      double sum = 0.0;
      for (int j = 0; j < J; ++j) sum += table[static_cast<std::size_t>(j) * M + a] * th[j];
      total[a] = one_minus_epsilon * sum * scale + pe[a];
    }
    // D^α[a][b] = (1 − ε) β Σ_j K^α[σ_j][a] σ_j[b] (1 − tanh²_j); the positional term does not depend on A.
    const double* __restrict coefficients =
        derivative_table_.data() + static_cast<std::size_t>(f - model::v) * M * M * J;
    for (int ab = 0; ab < M * M; ++ab) {
      const double* c = coefficients + static_cast<std::size_t>(ab) * J;
      double sum = 0.0;
      for (int j = 0; j < J; ++j) sum += c[j] * sech2[j];
      derivative[ab] = sum;
    }
  };
  const std::size_t slot = static_cast<std::size_t>(index) * M;
  mean_field(model::v, value_.data() + slot, value_derivative_.data() + slot * M);
  mean_field(model::k, key_.data() + slot, key_derivative_.data() + slot * M);
  mean_field(model::q, query_.data(), query_derivative_.data());
}

void TangentDynamics::advance(const double* previous_attention, int position) {
  (this->*step_kernel_)(previous_attention, position);
}

template <int kFeatures>
void TangentDynamics::step_kernel(const double* previous_attention, int position) {
  const int M = kFeatures ? kFeatures : features_;
  const int L = context_;
  const std::size_t n = static_cast<std::size_t>(M) * L;
  newest_slot<kFeatures>(previous_attention, position, head_);
  const auto ring = [&](int d) {
    const int index = head_ + d;
    return static_cast<std::size_t>(index >= L ? index - L : index);
  };
  const double* __restrict query = query_.data();
  const double* __restrict values = value_.data();
  const double* __restrict keys = key_.data();
  double* __restrict weights = weights_.data();
  double* __restrict attention = attention_.data();

  // The forward step of docs/model.md §2 (steps 2–3) exactly as the Integrator computes it, the softmax
  // shift by +10 included, so that A_t and the weights are its numbers.
  const int slots = history_ + 1;
  const double gamma_eff = map_->gamma_eff();
  double max_score = -std::numeric_limits<double>::infinity();
  for (int d = 0; d < slots; ++d) {
    const double* key = keys + ring(d) * M;
    double dot = 0.0;
    for (int b = 0; b < M; ++b) dot += query[b] * key[b];
    weights[d] = gamma_eff * dot;
    max_score = std::max(max_score, weights[d]);
  }
  // The gradients of z_d / γ_eff, through slot d's key, D^k(d)ᵀ q, and through the newest slot's
  // query, D^q(0)ᵀ k_d. They do not depend on the softmax, so they are computed while its
  // exponentials are.
  double* __restrict key_gradient = score_gradient_.data();
  double* __restrict query_gradient = key_gradient + static_cast<std::size_t>(L) * M;
  const double* __restrict query_derivative = query_derivative_.data();
  for (int d = 0; d < slots; ++d) {
    const std::size_t slot = ring(d);
    const double* __restrict key = keys + slot * M;
    const double* __restrict key_derivative = key_derivative_.data() + slot * M * M;
    double* __restrict through_key = key_gradient + static_cast<std::size_t>(d) * M;
    double* __restrict through_query = query_gradient + static_cast<std::size_t>(d) * M;
    for (int b = 0; b < M; ++b) {
      double sum_key = 0.0, sum_query = 0.0;
      for (int a = 0; a < M; ++a) {
        sum_key += query[a] * key_derivative[static_cast<std::size_t>(a) * M + b];
        sum_query += key[a] * query_derivative[static_cast<std::size_t>(a) * M + b];
      }
      through_key[b] = sum_key;
      through_query[b] = sum_query;
    }
  }
  for (int d = 0; d < slots; ++d) weights[d] = std::exp(weights[d] - max_score + 10.0);
  double normalisation = 0.0;
  if (slots < 8) {
    for (int d = 0; d < slots; ++d) normalisation += weights[d];
  } else {
    normalisation = model::numpy_pairwise_sum(weights, static_cast<std::size_t>(slots));
  }
  for (int a = 0; a < M; ++a) attention[a] = 0.0;
  for (int d = 0; d < slots; ++d) {
    weights[d] = weights[d] / normalisation;
    const double* value = values + ring(d) * M;
    for (int a = 0; a < M; ++a) attention[a] += value[a] * weights[d];
  }

  // The first block row B_e of the header, each block stored at its slot's ring index. From the
  // softmax, ∂A_t = Σ_d w_d ∂m^v(d) + Σ_d w_d (m^v(d) − A_t) ∂z_d with
  // ∂z_d = γ_eff (D^q(0)ᵀ k_d · ∂A_{t−1} + D^k(d)ᵀ q · ∂A_{t−1−d}): the key part stays in slot d's
  // block, the query part of every slot goes to the newest slot's block (the header's G D^q(0)).
  double* __restrict row_blocks = ring_row_.data();
  double query_part_local[kFeatures ? kFeatures * kFeatures : 1];
  double* __restrict query_part = kFeatures ? query_part_local : query_part_.data();
  for (int i = 0; i < M * M; ++i) query_part[i] = 0.0;
  for (int e = 0; e < slots; ++e) {
    const std::size_t slot = ring(e);
    const double* __restrict value = values + slot * M;
    const double* __restrict value_derivative = value_derivative_.data() + slot * M * M;
    const double* __restrict through_key = key_gradient + static_cast<std::size_t>(e) * M;
    const double* __restrict through_query = query_gradient + static_cast<std::size_t>(e) * M;
    const double w = weights[e], w_gamma = w * gamma_eff;
    for (int a = 0; a < M; ++a) {
      const double deviation = value[a] - attention[a];
      const double along = w_gamma * deviation;
      double* __restrict row = row_blocks + static_cast<std::size_t>(a) * n + slot * M;
      double* __restrict part = query_part + static_cast<std::size_t>(a) * M;
      for (int b = 0; b < M; ++b) {
        row[b] = w * value_derivative[static_cast<std::size_t>(a) * M + b] + along * through_key[b];
        part[b] += along * through_query[b];
      }
    }
  }
  for (int a = 0; a < M; ++a) {
    double* __restrict row = row_blocks + static_cast<std::size_t>(a) * n + static_cast<std::size_t>(head_) * M;
    for (int b = 0; b < M; ++b) row[b] += query_part[static_cast<std::size_t>(a) * M + b];
  }
  // Slots that hold no token yet take no part: zero blocks.
  for (int e = slots; e < L; ++e)
    for (int a = 0; a < M; ++a)
      for (int b = 0; b < M; ++b) row_blocks[static_cast<std::size_t>(a) * n + ring(e) * M + b] = 0.0;
  slots_ = slots;
  first_row_current_ = dense_current_ = false;

  // Step 4: shift, as the Integrator does; the next advance() fills the freed slot.
  head_ = head_ == 0 ? L - 1 : head_ - 1;
  history_ = std::min(slots, L - 1);
}

const std::vector<double>& TangentDynamics::first_block_row() const {
  if (!first_row_current_) {
    const std::size_t M = features_, L = context_, n = M * L;
    first_row_.assign(M * n, 0.0);
    // Slot e of the window before the step sits at ring index head_ + 1 + e.
    for (std::size_t e = 0; e < L; ++e) {
      const std::size_t slot = (static_cast<std::size_t>(head_) + 1 + e) % L;
      for (std::size_t a = 0; a < M; ++a)
        for (std::size_t b = 0; b < M; ++b) first_row_[a * n + e * M + b] = ring_row_[a * n + slot * M + b];
    }
    first_row_current_ = true;
  }
  return first_row_;
}

const std::vector<double>& TangentDynamics::jacobian() const {
  if (!dense_current_) {
    const std::size_t M = features_, n = M * context_;
    const std::vector<double>& first_row = first_block_row();
    dense_.assign(n * n, 0.0);
    std::copy(first_row.begin(), first_row.end(), dense_.begin());
    // The shift: slot d + 1 of the new window is slot d of the old one.
    for (std::size_t i = M; i < n; ++i) dense_[i * n + (i - M)] = 1.0;
    dense_current_ = true;
  }
  return dense_;
}

void TangentDynamics::apply(std::vector<double>& vectors, int k) const {
  const std::size_t M = features_, n = M * context_, columns = static_cast<std::size_t>(k);
  if (k < 1 || vectors.size() != n * columns)
    throw std::invalid_argument("apply() needs k >= 1 tangent vectors of length M*L, as [M*L][k]");
  const std::vector<double>& first_row = first_block_row();
  const std::size_t used = M * static_cast<std::size_t>(slots_);
  apply_scratch_.assign(M * columns, 0.0);
  for (std::size_t a = 0; a < M; ++a) {
    const double* row = first_row.data() + a * n;
    double* top = apply_scratch_.data() + a * columns;
    for (std::size_t i = 0; i < used; ++i) {
      const double entry = row[i];
      const double* source = vectors.data() + i * columns;
      for (std::size_t c = 0; c < columns; ++c) top[c] += entry * source[c];
    }
  }
  std::copy_backward(vectors.begin(), vectors.end() - static_cast<std::ptrdiff_t>(M * columns), vectors.end());
  std::copy(apply_scratch_.begin(), apply_scratch_.end(), vectors.begin());
}

template <int kFeatures, int kVectors>
void TangentDynamics::apply_in_ring_order(double* vectors, int k) const {
  const int M = kFeatures ? kFeatures : features_;
  const int K = kVectors ? kVectors : k;
  const std::size_t n = static_cast<std::size_t>(M) * context_;
  // One pass over the entries, every (row, vector) product accumulated side by side: in registers
  // when M and k are known, and never one long chain of dependent additions.
  constexpr bool fixed = kFeatures && kVectors;
  double local[fixed ? kFeatures * kVectors : 1];
  if constexpr (!fixed) apply_scratch_.resize(static_cast<std::size_t>(M) * K);
  double* __restrict top = fixed ? local : apply_scratch_.data();
  const double* __restrict row_blocks = ring_row_.data();
  for (int i = 0; i < M * K; ++i) top[i] = 0.0;
  // Summed in window order (slot e of the window before the step sits at ring index head_ + 1 + e),
  // not in ring order: where the ring starts differs between a running estimator and one restored
  // from a saved state, and must not change the rounding.
  for (int e = 0; e < context_; ++e) {
    const int slot = (head_ + 1 + e) % context_;
    for (int b = 0; b < M; ++b) {
      const std::size_t r = static_cast<std::size_t>(slot) * M + b;
      for (int a = 0; a < M; ++a) {
        const double entry = row_blocks[static_cast<std::size_t>(a) * n + r];
        for (int c = 0; c < K; ++c) top[a * K + c] += entry * vectors[static_cast<std::size_t>(c) * n + r];
      }
    }
  }
  // The new top block goes where the dropped oldest slot was: ring index head_ after the step.
  const std::size_t newest = static_cast<std::size_t>(head_) * M;
  for (int c = 0; c < K; ++c)
    for (int a = 0; a < M; ++a) vectors[static_cast<std::size_t>(c) * n + newest + a] = top[a * K + c];
}

LyapunovEstimator::StepKernel LyapunovEstimator::select_kernel(int features, int k) {
  // M and k known at compile time for the common small cases, run time otherwise (0).
  const auto for_vectors = [k]<int kFeatures>() -> StepKernel {
    switch (k) {
      case 1: return &LyapunovEstimator::step_kernel<kFeatures, 1>;
      case 2: return &LyapunovEstimator::step_kernel<kFeatures, 2>;
      case 3: return &LyapunovEstimator::step_kernel<kFeatures, 3>;
      case 4: return &LyapunovEstimator::step_kernel<kFeatures, 4>;
      default: return &LyapunovEstimator::step_kernel<kFeatures, 0>;
    }
  };
  switch (features) {
    case 1: return for_vectors.template operator()<1>();
    case 2: return for_vectors.template operator()<2>();
    case 3: return for_vectors.template operator()<3>();
    case 4: return for_vectors.template operator()<4>();
    default: return for_vectors.template operator()<0>();
  }
}

LyapunovEstimator::LyapunovEstimator(const model::MeanFieldMap& map, const model::Window& window, int k,
                                     long long trace_every)
    : tangent_(map, window), k_(k), trace_every_(trace_every), step_kernel_(select_kernel(map.features(), k)) {
  const int n = tangent_.dimension();
  if (k < 1 || k > n)
    throw std::invalid_argument("the number of Lyapunov exponents must be between 1 and M*L = " + std::to_string(n) +
                                ", got " + std::to_string(k));
  if (trace_every < 0) throw std::invalid_argument("trace_every must be >= 0");
  vectors_.assign(static_cast<std::size_t>(n) * k, 0.0);
  // A new TangentDynamics has ring index = window index, so these are the identity's columns.
  for (int i = 0; i < k; ++i) vectors_[static_cast<std::size_t>(i) * n + i] = 1.0;
  log_sum_.assign(k, 0.0);
  stretch_.assign(k, 1.0);
}

LyapunovEstimator::State LyapunovEstimator::state() const {
  const int n = tangent_.dimension(), M = tangent_.features(), L = tangent_.context();
  State state{steps_, std::vector<double>(vectors_.size()), log_sum_, stretch_};
  for (int i = 0; i < k_; ++i)
    for (int d = 0; d < L; ++d) {
      const std::size_t ring = static_cast<std::size_t>((tangent_.head_ + d) % L) * M;
      for (int a = 0; a < M; ++a)
        state.vectors[static_cast<std::size_t>(i) * n + static_cast<std::size_t>(d) * M + a] =
            vectors_[static_cast<std::size_t>(i) * n + ring + a];
    }
  return state;
}

void LyapunovEstimator::restore(const State& state) {
  if (state.vectors.size() != vectors_.size() || state.log_sum.size() != log_sum_.size() ||
      state.stretch.size() != stretch_.size())
    throw std::invalid_argument("a saved Lyapunov state of another size (M, L or the number of exponents differ)");
  if (tangent_.head_ != 0) throw std::logic_error("restore() needs an estimator constructed from the saved window");
  steps_ = state.steps;
  vectors_ = state.vectors;  // a new estimator's ring order is the window order
  log_sum_ = state.log_sum;
  stretch_ = state.stretch;
}

void LyapunovEstimator::advance(const double* previous_attention, int position) {
  (this->*step_kernel_)(previous_attention, position);
  ++steps_;
  if (trace_every_ > 0 && steps_ % trace_every_ == 0) trace_.push_back(running_estimates());
}

template <int kFeatures, int kVectors>
void LyapunovEstimator::step_kernel(const double* previous_attention, int position) {
  tangent_.advance(previous_attention, position);
  tangent_.apply_in_ring_order<kFeatures, kVectors>(vectors_.data(), k_);
  const int K = kVectors ? kVectors : k_;
  const std::size_t n = static_cast<std::size_t>(tangent_.dimension());
  double* __restrict v = vectors_.data();
  // Modified Gram–Schmidt on the columns: V = QR, Q replaces V, and |R_ii| is the growth of the
  // volume spanned by the first i + 1 vectors over that spanned by the first i. The later columns
  // lose their projection a_j −= (a_i·a_j / a_i·a_i) a_i before a_i is normalised: MGS's arithmetic
  // reordered so that the dot products, the square root and the divisions do not wait for each
  // other, and every dot product is two independent partial sums.
  // Dot products in window order, for the reason given in apply_in_ring_order: window order is the
  // ring from the newest slot (head_ · M) to its end, then from its start; the entries alternate
  // between two partial sums along that order.
  const std::size_t split = static_cast<std::size_t>(tangent_.head_) * static_cast<std::size_t>(tangent_.features());
  const auto dot = [n, split](const double* __restrict x, const double* __restrict y) {
    double sums[2] = {0.0, 0.0};
    std::size_t k = 0;
    for (std::size_t r = split; r < n; ++r, ++k) sums[k & 1] += x[r] * y[r];
    for (std::size_t r = 0; r < split; ++r, ++k) sums[k & 1] += x[r] * y[r];
    return sums[0] + sums[1];
  };
  constexpr double lower = 0x1p-300, upper = 0x1p300;
  for (int i = 0; i < K; ++i) {
    double* __restrict column = v + static_cast<std::size_t>(i) * n;
    const double norm2 = dot(column, column);
    const double norm = std::sqrt(norm2);
    // A vector mapped exactly onto the span of the previous ones stays zero (its exponent is −∞)
    // rather than turning every later dot product into NaN.
    if (norm > 0.0) {
      for (int j = i + 1; j < K; ++j) {
        double* __restrict later = v + static_cast<std::size_t>(j) * n;
        const double projection = dot(column, later) / norm2;
        for (std::size_t r = 0; r < n; ++r) later[r] -= projection * column[r];
      }
      const double inverse = 1.0 / norm;
      for (std::size_t r = 0; r < n; ++r) column[r] *= inverse;
    }
    // Fold into the log sum only when the running product leaves [2^−300, 2^300]; the factors are
    // folded separately so that neither can underflow or overflow whatever |R_ii| is.
    const double product = stretch_[i] * norm;
    if (product >= lower && product <= upper) {
      stretch_[i] = product;
    } else {
      log_sum_[i] += std::log(stretch_[i]) + std::log(norm);
      stretch_[i] = 1.0;
    }
  }
}

std::vector<double> LyapunovEstimator::running_estimates() const {
  std::vector<double> exponents(k_, std::numeric_limits<double>::quiet_NaN());
  if (steps_ == 0) return exponents;
  for (int i = 0; i < k_; ++i) exponents[i] = (log_sum_[i] + std::log(stretch_[i])) / static_cast<double>(steps_);
  // Gram–Schmidt orders the exponents only up to fluctuations of the finite-time estimates.
  std::sort(exponents.begin(), exponents.end(), std::greater<>());
  return exponents;
}

LyapunovSpectrum LyapunovEstimator::result() const {
  LyapunovSpectrum spectrum;
  spectrum.exponents = running_estimates();
  spectrum.steps = steps_;
  spectrum.trace = trace_;
  return spectrum;
}

}  // namespace attnmf::dynamics
