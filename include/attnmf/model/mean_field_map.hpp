#pragma once
// The mean-field map of docs/model.md §2 for one parameter point: everything a step needs that does
// not change along a trajectory (the step itself is the engine's, dynamics/engine.hpp).
//
// The arithmetic follows the authors' implementation operation by operation (sums in the same order,
// the same softmax shift, the positional weight computed as 1 − (1 − ε)), so that trajectories agree
// with theirs to rounding for as long as the dynamics lets rounding differences stay small.

#include <array>
#include <span>
#include <vector>

#include "attnmf/model/parameters.hpp"
#include "attnmf/model/weights.hpp"

namespace attnmf::model {

// The mean fields of one token, each of length M. `output_semantic` is the (1 − ε) term of m^o.
struct MeanFields {
  std::vector<double> output, output_semantic, value, query, key;
  explicit MeanFields(int features = 0)
      : output(features), output_semantic(features), value(features), query(features), key(features) {}
};

// Everything about one parameter point that does not change along a trajectory.
class MeanFieldMap {
 public:
  MeanFieldMap(const ModelParameters& parameters, const Weights& weights);

  int features() const { return features_; }
  int context() const { return context_; }
  int positional_bits() const { return positional_bits_; }
  int sign_vectors() const { return sign_vectors_; }
  double beta() const { return beta_; }
  double gamma_eff() const { return gamma_eff_; }

  // The same for a token given as bits (docs/model.md §3, start from a token): x_se·W^α_se/N_se etc.
  MeanFields token_mean_fields(std::span<const int> token) const;

  // The positional code of position n: its P-bit binary, most significant first, 0 → −1, 1 → +1.
  std::vector<double> positional_code(int position) const;
  // The inverse; throws std::invalid_argument unless every entry is ±1.
  int position_of(std::span<const double> code) const;

  // The tables the engines (dynamics/engine.hpp) compute m^α(A, p) of docs/model.md §2 from.
  const double* signs() const { return signs_.data(); }                  // [J][M] as ±1.0
  const double* corr_signed(Feature f) const { return corr_signed_[f].data(); }  // [J][M]
  const double* positional_term(Feature f, int position) const {
    return positional_term_[f].data() + static_cast<std::size_t>(position) * features_;
  }
  double one_minus_epsilon() const { return one_minus_epsilon_; }
  double table_scale() const { return table_scale_; }

 private:
  int features_, context_, positional_bits_, sign_vectors_;
  double beta_, gamma_eff_;
  double one_minus_epsilon_;  // the reference's se_per_contribution = 1 − ε
  double positional_weight_;  // 1 − (1 − ε), as the reference computes it
  double table_scale_;        // 1 / 2^(M−1), exact
  std::vector<double> signs_;
  std::array<std::vector<double>, 4> corr_signed_;
  // (1 − (1 − ε)) · (Σ_i W^α_pe[a][i] p_i) / P for every position p, [2^P][M].
  std::array<std::vector<double>, 4> positional_term_;
  std::array<std::vector<int>, 4> token_weights_;  // W^α, for starts from a token
  int semantic_bits_;
};


}  // namespace attnmf::model
