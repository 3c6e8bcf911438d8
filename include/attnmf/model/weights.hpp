#pragma once
// The seeded weight draw of docs/model.md §4 and the weight-statistics tables K^α of §2.

#include <array>
#include <vector>

#include "attnmf/model/parameters.hpp"

namespace attnmf::model {

// The four matrices, in the order the paper and the reference use: output, value, query, key.
enum Feature : int { o = 0, v = 1, q = 2, k = 3 };
inline constexpr std::array<const char*, 4> feature_names{"o", "v", "q", "k"};

struct Weights {
  int features = 0;        // M
  int semantic_bits = 0;   // N_se
  int positional_bits = 0; // P
  // W^α as ±1, row-major [M][N_se + P]: semantic columns first, positional columns last.
  std::array<std::vector<int>, 4> matrix;
  // corr_signed^α [2^(M−1)][M] of the reference; K^α = corr_signed^α / 2^(M−1).
  std::array<std::vector<double>, 4> corr_signed;

  int columns() const { return semantic_bits + positional_bits; }
  int at(Feature f, int feature, int bit) const { return matrix[f][feature * columns() + bit]; }
  // K^α[σ_j][a], docs/model.md §2.
  std::vector<double> table(Feature f) const;
  // W^α_pe as doubles, row-major [M][P].
  std::vector<double> positional_weights(Feature f) const;
};

// Throws std::invalid_argument when the parameters have no definition (M beyond what the mode
// supports, no semantic bits, …).
Weights draw_weights(const ModelParameters& parameters);

// The initial token of docs/model.md §3: row `row` of W^o with its positional bits set to −1 (the
// reference starts from row 0).
std::vector<int> initial_token(const Weights& weights, int row);

// σ_j[b] for the ordering of docs/model.md §2: σ_j[0] = +1, σ_j[1..M−1] the binary digits of j, most
// significant first, digit 0 → +1.
int sign_vector_entry(int j, int b, int features);

}  // namespace attnmf::model
