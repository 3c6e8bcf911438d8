#include "attnmf/model/mean_field_map.hpp"

#include <cmath>
#include <stdexcept>

namespace attnmf::model {

MeanFieldMap::MeanFieldMap(const ModelParameters& p, const Weights& w)
    : features_(p.features),
      context_(p.context),
      positional_bits_(p.positional_bits),
      sign_vectors_(p.sign_vectors()),
      beta_(p.beta),
      gamma_eff_(p.gamma_eff()),
      one_minus_epsilon_(1.0 - p.epsilon),
      positional_weight_(1.0 - one_minus_epsilon_),
      table_scale_(1.0 / static_cast<double>(1 << (p.features - 1))),
      semantic_bits_(p.semantic_bits) {
  if (w.features != features_ || w.positional_bits != positional_bits_ || w.semantic_bits != semantic_bits_)
    throw std::invalid_argument("weights were drawn for other model dimensions");
  signs_.resize(static_cast<std::size_t>(sign_vectors_) * features_);
  for (int j = 0; j < sign_vectors_; ++j)
    for (int b = 0; b < features_; ++b) signs_[static_cast<std::size_t>(j) * features_ + b] = sign_vector_entry(j, b, features_);
  const int positions = 1 << positional_bits_;
  for (int f = 0; f < 4; ++f) {
    corr_signed_[f] = w.corr_signed[f];
    token_weights_[f] = w.matrix[f];
    const std::vector<double> pe = w.positional_weights(static_cast<Feature>(f));
    positional_term_[f].resize(static_cast<std::size_t>(positions) * features_);
    for (int n = 0; n < positions; ++n) {
      const std::vector<double> code = positional_code(n);
      for (int a = 0; a < features_; ++a) {
        double dot = 0.0;
        for (int i = 0; i < positional_bits_; ++i) dot += pe[static_cast<std::size_t>(a) * positional_bits_ + i] * code[i];
        positional_term_[f][static_cast<std::size_t>(n) * features_ + a] = positional_weight_ * (dot / positional_bits_);
      }
    }
  }
}

std::vector<double> MeanFieldMap::positional_code(int position) const {
  std::vector<double> code(positional_bits_);
  for (int i = 0; i < positional_bits_; ++i) code[i] = ((position >> (positional_bits_ - 1 - i)) & 1) ? 1.0 : -1.0;
  return code;
}

int MeanFieldMap::position_of(std::span<const double> code) const {
  if (static_cast<int>(code.size()) != positional_bits_)
    throw std::invalid_argument("a positional code needs " + std::to_string(positional_bits_) + " entries");
  int position = 0;
  for (double bit : code) {
    if (bit != 1.0 && bit != -1.0) throw std::invalid_argument("positional bits must be +1 or -1");
    position = (position << 1) | (bit > 0 ? 1 : 0);
  }
  return position;
}

MeanFields MeanFieldMap::token_mean_fields(std::span<const int> token) const {
  const int N = semantic_bits_ + positional_bits_;
  if (static_cast<int>(token.size()) != N)
    throw std::invalid_argument("a token needs " + std::to_string(N) + " bits");
  MeanFields m(features_);
  for (int f = 0; f < 4; ++f) {
    for (int a = 0; a < features_; ++a) {
      const int* row = token_weights_[f].data() + static_cast<std::size_t>(a) * N;
      // (1 − ε)·x_se·W_se / N_se + (1 − (1 − ε))·x_pe·W_pe / P, with the reference's grouping:
      // the (1 − ε) scales the token before the dot product.
      double semantic = 0.0;
      for (int i = 0; i < semantic_bits_; ++i) semantic += (one_minus_epsilon_ * token[i]) * row[i];
      semantic /= semantic_bits_;
      double positional = 0.0;
      for (int i = 0; i < positional_bits_; ++i)
        positional += static_cast<double>(token[semantic_bits_ + i]) * row[semantic_bits_ + i];
      const double total = semantic + positional_weight_ * positional / positional_bits_;
      switch (static_cast<Feature>(f)) {
        case o:
          m.output_semantic[a] = semantic;
          m.output[a] = total;
          break;
        case v: m.value[a] = total; break;
        case q: m.query[a] = total; break;
        case k: m.key[a] = total; break;
      }
    }
  }
  return m;
}

}  // namespace attnmf::model
