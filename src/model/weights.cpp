#include "attnmf/model/weights.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "attnmf/model/numpy_random.hpp"

namespace attnmf::model {
namespace {

using Matrix = std::vector<double>;  // row-major [M][M]

// The odd subsets of the M output features, in the column order of the reference's sign matrix:
// the singletons {0}, …, {M−1} first, then larger odd subsets by size and lexicographically. For
// M = 3 these are {0}, {1}, {2}, {0,1,2}, the reference's pair and fourth-order rows.
std::vector<std::vector<int>> odd_subsets(int features) {
  std::vector<std::vector<int>> subsets;
  for (int size = 1; size <= features; size += 2) {
    std::vector<bool> pick(features, false);
    std::fill(pick.begin(), pick.begin() + size, true);
    do {
      std::vector<int> subset;
      for (int b = 0; b < features; ++b)
        if (pick[b]) subset.push_back(b);
      subsets.push_back(subset);
    } while (std::prev_permutation(pick.begin(), pick.end()));
  }
  return subsets;
}

// corr_signed[j][a] = Σ_S σ_j,S · C[S][a], summed over the odd subsets S in order, as the reference's
// einsum("jb,ba->ja", sign_matrix, even_corr) does. `rows[s]` is C[S_s][·].
std::vector<double> signed_table(int features, const std::vector<std::vector<int>>& subsets,
                                 const std::vector<std::vector<double>>& rows) {
  const int sign_vectors = 1 << (features - 1);
  std::vector<double> table(static_cast<std::size_t>(sign_vectors) * features, 0.0);
  for (int j = 0; j < sign_vectors; ++j) {
    for (int a = 0; a < features; ++a) {
      double sum = 0.0;
      for (std::size_t s = 0; s < subsets.size(); ++s) {
        int sign = 1;
        for (int b : subsets[s]) sign *= sign_vector_entry(j, b, features);
        sum += sign * rows[s][a];
      }
      table[static_cast<std::size_t>(j) * features + a] = sum;
    }
  }
  return table;
}

}  // namespace

int sign_vector_entry(int j, int b, int features) {
  if (b == 0) return 1;
  // digit b of σ_j: the (b−1)-th most significant of the M−1 binary digits of j
  const int bit = (j >> (features - 1 - b)) & 1;
  return bit ? -1 : 1;
}

std::vector<double> Weights::table(Feature f) const {
  std::vector<double> k = corr_signed[f];
  const double scale = 1.0 / static_cast<double>(1 << (features - 1));
  for (double& value : k) value *= scale;
  return k;
}

std::vector<double> Weights::positional_weights(Feature f) const {
  std::vector<double> pe(static_cast<std::size_t>(features) * positional_bits);
  for (int a = 0; a < features; ++a)
    for (int i = 0; i < positional_bits; ++i)
      pe[static_cast<std::size_t>(a) * positional_bits + i] = at(f, a, semantic_bits + i);
  return pe;
}

std::vector<int> initial_token(const Weights& weights, int row) {
  if (row < 0 || row >= weights.features) throw std::invalid_argument("the initial token must be a row of W^o");
  const int columns = weights.columns();
  std::vector<int> token(weights.matrix[o].begin() + static_cast<std::ptrdiff_t>(row) * columns,
                         weights.matrix[o].begin() + static_cast<std::ptrdiff_t>(row + 1) * columns);
  std::fill(token.begin() + weights.semantic_bits, token.end(), -1);
  return token;
}

Weights draw_weights(const ModelParameters& p) {
  const int M = p.features, Nse = p.semantic_bits, P = p.positional_bits;
  const CorrelationMode mode = p.weights.correlations;
  if (M < 1) throw std::invalid_argument("features must be at least 1");
  if (M > max_features(mode))
    throw std::invalid_argument("correlation mode '" + std::string(to_string(mode)) + "' is defined for at most " +
                                std::to_string(max_features(mode)) + " features");
  if (Nse < 1 || P < 1) throw std::invalid_argument("semantic and positional bits must be at least 1");
  if (mode == CorrelationMode::segments && P > Nse)
    throw std::invalid_argument("segments mode copies the last P semantic columns: needs P <= semantic bits");

  NumpyLegacyRandom rng(p.weights.seed);
  Weights w;
  w.features = M;
  w.semantic_bits = Nse;
  w.positional_bits = P;
  const int N = Nse + P;

  // 1. The reference draws one matrix it never uses; drawing it keeps the stream aligned.
  for (int i = 0; i < M * Nse; ++i) rng.random_sign();
  // 2. Semantic columns of W^o, W^v, W^q, W^k, each M × N_se row-major.
  for (auto& matrix : w.matrix) {
    matrix.assign(static_cast<std::size_t>(M) * N, 0);
    for (int a = 0; a < M; ++a)
      for (int i = 0; i < Nse; ++i) matrix[static_cast<std::size_t>(a) * N + i] = rng.random_sign();
  }
  // 3. Positional columns: copies of the last P semantic columns in segments mode, else drawn.
  for (auto& matrix : w.matrix) {
    for (int a = 0; a < M; ++a) {
      for (int i = 0; i < P; ++i) {
        matrix[static_cast<std::size_t>(a) * N + Nse + i] =
            mode == CorrelationMode::segments ? matrix[static_cast<std::size_t>(a) * N + Nse - P + i]
                                              : rng.random_sign();
      }
    }
  }
  // 4. Segments mode: one draw per (matrix, feature, segment) sets [b_k, ⌊b_k + N_se/s⌋) to ±1.
  if (mode == CorrelationMode::segments) {
    const double segment_size = static_cast<double>(Nse) / p.weights.segments;
    for (auto& matrix : w.matrix) {
      for (int a = 0; a < M; ++a) {
        for (int s = 0; s < p.weights.segments; ++s) {
          const int sign = rng.random_sign();
          const int begin = static_cast<int>(s * segment_size);
          const int end = std::min(Nse, static_cast<int>(begin + segment_size));
          for (int i = begin; i < end; ++i) matrix[static_cast<std::size_t>(a) * N + i] = sign;
        }
      }
    }
  }

  // 5. Tables. Beyond M = 3 the reference has no definition; there the table form of docs/model.md §2
  // is computed directly: each semantic bit adds ±W^α_ia to the row of the sign vector ±W^o_i.
  if (M > 3) {
    const int sign_vectors = 1 << (M - 1);
    for (int f = 0; f < 4; ++f) {
      std::vector<long long> counts(static_cast<std::size_t>(sign_vectors) * M, 0);
      for (int i = 0; i < Nse; ++i) {
        const int orientation = w.matrix[o][i];  // W^o_i0: fold −σ onto σ so that σ_0 = +1
        int j = 0;
        for (int b = 1; b < M; ++b)
          j = (j << 1) | (orientation * w.matrix[o][static_cast<std::size_t>(b) * N + i] < 0 ? 1 : 0);
        for (int a = 0; a < M; ++a)
          counts[static_cast<std::size_t>(j) * M + a] += orientation * w.matrix[f][static_cast<std::size_t>(a) * N + i];
      }
      // corr_signed = 2^(M−1) · K
      w.corr_signed[f].resize(counts.size());
      for (std::size_t n = 0; n < counts.size(); ++n)
        w.corr_signed[f][n] = static_cast<double>(counts[n]) * sign_vectors / Nse;
    }
    return w;
  }
  // Up to M = 3, as the reference: the statistics C^α[S][a] = ⟨W^o_S W^α_a⟩ over the odd subsets S of
  // output features, then corr_signed = S · C, which keeps its rounding.
  const auto subsets = odd_subsets(M);
  std::array<std::vector<std::vector<double>>, 4> rows;
  if (mode == CorrelationMode::segments || mode == CorrelationMode::weights) {
    for (int f = 0; f < 4; ++f) {
      for (const auto& subset : subsets) {
        std::vector<double> row(M);
        for (int a = 0; a < M; ++a) {
          long long sum = 0;  // exact: the reference's float sum of ±1 products is an integer too
          for (int i = 0; i < Nse; ++i) {
            int product = w.matrix[f][static_cast<std::size_t>(a) * N + i];
            for (int b : subset) product *= w.matrix[o][static_cast<std::size_t>(b) * N + i];
            sum += product;
          }
          row[a] = static_cast<double>(sum) / Nse;
        }
        rows[f].push_back(row);
      }
    }
  } else if (mode == CorrelationMode::gaussian) {
    // Four M × M pair tables C[b][a] (b: output feature, a: feature of W^α) in the draw order
    // o·o, o·v, o·k, o·q; the o·o diagonal set to 1; all clipped to [−1, 1]; the fourth-order row
    // is the product down each column.
    std::array<Matrix, 4> pair;
    for (Feature f : {o, v, k, q}) {
      pair[f].resize(static_cast<std::size_t>(M) * M);
      for (double& c : pair[f]) c = rng.normal(0.0, p.weights.gaussian_scale);
    }
    for (int b = 0; b < M; ++b) pair[o][static_cast<std::size_t>(b) * M + b] = 1.0;
    for (auto& table : pair)
      for (double& c : table) c = std::clamp(c, -1.0, 1.0);
    for (int f = 0; f < 4; ++f) {
      for (int b = 0; b < M; ++b) rows[f].emplace_back(pair[f].begin() + b * M, pair[f].begin() + (b + 1) * M);
      if (M == 3) {
        std::vector<double> quad(M);
        for (int a = 0; a < M; ++a) {
          double product = 1.0;
          for (int b = 0; b < M; ++b) product *= pair[f][static_cast<std::size_t>(b) * M + a];
          quad[a] = product;
        }
        rows[f].push_back(quad);
      }
    }
  } else {  // uniform
    // "Means" u^α, drawn in the order o, v, q, k; C[b][a] = u^o_b u^α_a with the o·o diagonal set
    // to 1; for M = 3 the fourth-order row as the reference defines it.
    std::array<std::vector<double>, 4> u;
    for (auto& means : u) {
      means.resize(M);
      for (double& x : means) x = rng.random_double();
    }
    for (int f = 0; f < 4; ++f) {
      for (int b = 0; b < M; ++b) {
        std::vector<double> row(M);
        for (int a = 0; a < M; ++a) row[a] = (f == o && a == b) ? 1.0 : u[o][b] * u[f][a];
        rows[f].push_back(row);
      }
      if (M == 3) {
        const double all_output = u[o][0] * u[o][1] * u[o][2];
        std::vector<double> quad(M);
        for (int a = 0; a < M; ++a)
          quad[a] = f == o ? u[o][(a + 1) % 3] * u[o][(a + 2) % 3] : all_output * u[f][a];
        rows[f].push_back(quad);
      }
    }
  }
  for (int f = 0; f < 4; ++f) w.corr_signed[f] = signed_table(M, subsets, rows[f]);
  return w;
}

}  // namespace attnmf::model
