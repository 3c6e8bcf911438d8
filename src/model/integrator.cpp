#include "attnmf/model/integrator.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace attnmf::model {

Integrator::Integrator(const MeanFieldMap& map, int history)
    : map_(&map),
      features_(map.features()),
      context_(map.context()),
      history_(history),
      attention_(static_cast<std::size_t>(2 * map.context()) * map.features(), 0.0),
      value_(attention_.size(), 0.0),
      key_(attention_.size(), 0.0),
      position_(static_cast<std::size_t>(2 * map.context()), 0),
      fields_(map.features()),
      tanh_(static_cast<std::size_t>(map.sign_vectors())),
      scores_(static_cast<std::size_t>(map.context())),
      exps_(static_cast<std::size_t>(map.context())),
      next_(static_cast<std::size_t>(map.features())),
      step_kernel_(select_kernel(map.features())) {}

void Integrator::set_slot(int d, const double* attention, int position) {
  const int index = (head_ + d) % context_;
  for (int twin : {index, index + context_}) {
    std::copy(attention, attention + features_, attention_.begin() + twin * features_);
    position_[twin] = position;
  }
}

Integrator::Integrator(const MeanFieldMap& map, const Window& window) : Integrator(map, window.history) {
  if (window.features != features_ || window.context != context_)
    throw std::invalid_argument("the window does not have the map's M and L");
  if (window.history < 0 || window.history > context_ - 1)
    throw std::invalid_argument("window history must be between 0 and L-1");
  for (int d = 0; d < context_; ++d) set_slot(d, window.slot(d), window.positions[d]);
  // The older slots' value and key mean fields, as they were computed when each slot was newest.
  for (int d = 1; d <= history_; ++d) {
    map.mean_fields(window.slot(d), window.positions[d], fields_, false, tanh_.data());
    const int index = (head_ + d) % context_;
    for (int twin : {index, index + context_}) {
      std::copy(fields_.value.begin(), fields_.value.end(), value_.begin() + twin * features_);
      std::copy(fields_.key.begin(), fields_.key.end(), key_.begin() + twin * features_);
    }
  }
}

Integrator Integrator::from_token(const MeanFieldMap& map, std::span<const int> token) {
  Integrator integrator(map, 0);
  const MeanFields m = map.token_mean_fields(token);
  // The token alone fills the first window: the softmax over one slot is exactly 1, so the first
  // attention is its value mean field. That slot is not kept: the window then grows from the
  // first step's token (this is what reproduces the reference's trajectories).
  const int L = map.context();
  for (int d = 0; d < L; ++d) {
    const int position = (L - d) % L;  // newest first 0, L−1, …, 1
    integrator.set_slot(d, m.value.data(), position);
  }
  return integrator;
}

void Integrator::step(const StepRecord* record) { (this->*step_kernel_)(record); }

Integrator::StepKernel Integrator::select_kernel(int features) {
  switch (features) {
    case 1: return &Integrator::step_kernel<1>;
    case 2: return &Integrator::step_kernel<2>;
    case 3: return &Integrator::step_kernel<3>;
    case 4: return &Integrator::step_kernel<4>;
    default: return &Integrator::step_kernel<0>;
  }
}

// The whole step in one function over raw arrays: it is the innermost loop of every sweep. The
// number of features is a template parameter for the common small M (0: taken at run time), so
// that the loops over features and sign vectors unroll; the arithmetic is the same for all.
template <int kFeatures>
void Integrator::step_kernel(const StepRecord* record) {
  const int M = kFeatures ? kFeatures : features_;
  const int J = kFeatures ? 1 << (kFeatures - 1) : map_->sign_vectors();
  const int L = context_;
  const std::size_t slot0 = static_cast<std::size_t>(head_) * M;
  const double* previous = attention_.data() + slot0;  // A_{t−1}
  const int position = position_[head_];
  double* th = tanh_.data();
  const double* signs = map_->signs();
  const double beta = map_->beta();

  // 1. The newest token's mean fields m^α(A_{t−1}, p), docs/model.md §2: tanh(β σ_j·A), then the tables.
  for (int j = 0; j < J; ++j) {
    const double* sigma = signs + static_cast<std::size_t>(j) * M;
    double dot = 0.0;
    for (int b = 0; b < M; ++b) dot += sigma[b] * previous[b];
    th[j] = std::tanh(beta * dot);
  }
  const double one_minus_epsilon = map_->one_minus_epsilon(), scale = map_->table_scale();
  const auto mean_field = [&](Feature f, double* semantic, double* total) {
    const double* table = map_->corr_signed(f);
    const double* pe = map_->positional_term(f, position);
    for (int a = 0; a < M; ++a) {
      double sum = 0.0;
      for (int j = 0; j < J; ++j) sum += table[static_cast<std::size_t>(j) * M + a] * th[j];
      const double s = one_minus_epsilon * sum * scale;
      if (semantic) semantic[a] = s;
      total[a] = s + pe[a];
    }
  };
  double* value0 = value_.data() + slot0;
  double* key0 = key_.data() + slot0;
  double* query = fields_.query.data();
  mean_field(v, nullptr, value0);
  mean_field(k, nullptr, key0);
  mean_field(q, nullptr, query);
  std::copy(value0, value0 + M, value0 + static_cast<std::size_t>(L) * M);
  std::copy(key0, key0 + M, key0 + static_cast<std::size_t>(L) * M);

  // 2. Scores z_d = γ_eff q·k_d over the filled slots, newest first.
  const int slots = history_ + 1;
  const double gamma_eff = map_->gamma_eff();
  double* scores = scores_.data();
  double max_score = -INFINITY;
  for (int d = 0; d < slots; ++d) {
    const double* key = key0 + static_cast<std::size_t>(d) * M;
    double dot = 0.0;
    for (int b = 0; b < M; ++b) dot += query[b] * key[b];
    scores[d] = gamma_eff * dot;
    max_score = std::max(max_score, scores[d]);
  }
  // 3. Softmax-weighted values. The shift by +10 after subtracting the maximum is the reference's:
  // it changes nothing but the rounding, which we keep identical.
  double* exps = exps_.data();
  for (int d = 0; d < slots; ++d) exps[d] = std::exp(scores[d] - max_score + 10.0);
  double normalisation = 0.0;
  if (slots < 8) {
    for (int d = 0; d < slots; ++d) normalisation += exps[d];  // numpy's pairwise sum below 8 terms
  } else {
    normalisation = numpy_pairwise_sum(exps, static_cast<std::size_t>(slots));
  }
  double* next = next_.data();
  for (int a = 0; a < M; ++a) next[a] = 0.0;
  for (int d = 0; d < slots; ++d) {
    const double weight = exps[d] / normalisation;
    const double* value = value0 + static_cast<std::size_t>(d) * M;
    for (int a = 0; a < M; ++a) next[a] += value[a] * weight;
  }
  if (record) {
    std::copy(next, next + M, record->attention);
    mean_field(o, record->output_semantic, record->output);
    std::copy(value0, value0 + M, record->value);
    std::copy(query, query + M, record->query);
    std::copy(key0, key0 + M, record->key);
  }
  // 4. Shift: the oldest slot becomes the newest. Its position is the next one of the cyclic
  // positional window, so positions are never rewritten.
  head_ = head_ == 0 ? L - 1 : head_ - 1;
  double* newest = attention_.data() + static_cast<std::size_t>(head_) * M;
  std::copy(next, next + M, newest);
  std::copy(next, next + M, newest + static_cast<std::size_t>(L) * M);
  history_ = std::min(slots, L - 1);
  ++steps_done_;
}

Window Integrator::window() const {
  Window w;
  w.features = features_;
  w.context = context_;
  w.history = history_;
  w.attention.assign(attention_.begin() + head_ * features_, attention_.begin() + (head_ + context_) * features_);
  w.positions.assign(position_.begin() + head_, position_.begin() + head_ + context_);
  return w;
}

}  // namespace attnmf::model
