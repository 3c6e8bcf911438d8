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
      next_(static_cast<std::size_t>(map.features())) {}

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

void Integrator::step(const StepRecord* record) {
  const int M = features_;
  const std::size_t slot0 = static_cast<std::size_t>(head_) * M;
  // 1. The newest token's mean fields from A_{t−1} at the newest position.
  map_->mean_fields(attention_.data() + slot0, position_[head_], fields_, record != nullptr, tanh_.data());
  for (int twin : {head_, head_ + context_}) {
    std::copy(fields_.value.begin(), fields_.value.end(), value_.begin() + twin * M);
    std::copy(fields_.key.begin(), fields_.key.end(), key_.begin() + twin * M);
  }
  const int slots = history_ + 1;
  const double* values = value_.data() + slot0;
  const double* keys = key_.data() + slot0;
  // 2. Scores z_d = γ_eff q·k_d, newest first.
  double max_score = -INFINITY;
  for (int d = 0; d < slots; ++d) {
    double dot = 0.0;
    for (int b = 0; b < M; ++b) dot += fields_.query[b] * keys[static_cast<std::size_t>(d) * M + b];
    scores_[d] = map_->gamma_eff() * dot;
    max_score = std::max(max_score, scores_[d]);
  }
  // 3. Softmax-weighted values. The shift by +10 after subtracting the maximum is the reference's:
  // it changes nothing but the rounding, which we keep identical.
  for (int d = 0; d < slots; ++d) exps_[d] = std::exp(scores_[d] - max_score + 10.0);
  const double normalisation = numpy_pairwise_sum(exps_.data(), static_cast<std::size_t>(slots));
  double* attention_next = next_.data();
  for (int a = 0; a < M; ++a) attention_next[a] = 0.0;
  for (int d = 0; d < slots; ++d) {
    const double weight = exps_[d] / normalisation;
    for (int a = 0; a < M; ++a) attention_next[a] += values[static_cast<std::size_t>(d) * M + a] * weight;
  }
  if (record) {
    std::copy(attention_next, attention_next + M, record->attention);
    std::copy(fields_.output.begin(), fields_.output.end(), record->output);
    std::copy(fields_.output_semantic.begin(), fields_.output_semantic.end(), record->output_semantic);
    std::copy(fields_.value.begin(), fields_.value.end(), record->value);
    std::copy(fields_.query.begin(), fields_.query.end(), record->query);
    std::copy(fields_.key.begin(), fields_.key.end(), record->key);
  }
  // 4. Shift: the oldest slot becomes the newest. Its position is the next one of the cyclic
  // positional window, so positions are never rewritten.
  head_ = head_ == 0 ? context_ - 1 : head_ - 1;
  for (int twin : {head_, head_ + context_})
    std::copy(attention_next, attention_next + M, attention_.begin() + twin * M);
  history_ = std::min(slots, context_ - 1);
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
