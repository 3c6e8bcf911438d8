#pragma once
// The parameters of the mean-field map of docs/model.md §1–§4 and of its weight draw.

#include <cstdint>
#include <string>
#include <string_view>

namespace attnmf::model {

// How the weight statistics are made (docs/model.md §4); the numbers are the authors' implementation's
// `correlations_from_weights` modes, kept so that files can say which mode produced them.
enum class CorrelationMode : int {
  gaussian = 0,  // pair correlations drawn from a clipped normal distribution
  weights = 1,   // correlations of the random weights themselves
  uniform = 2,   // pair correlations as products of uniform "means"
  segments = 3,  // weights made of constant ±1 segments (the paper's setting)
};

std::string_view to_string(CorrelationMode mode);
// Throws std::invalid_argument for an unknown name.
CorrelationMode correlation_mode_from_string(std::string_view name);
// Largest M a mode has a definition for (modes 0 and 2 define fourth-order terms only up to M = 3).
int max_features(CorrelationMode mode);

struct WeightParameters {
  std::uint32_t seed = 1;
  CorrelationMode correlations = CorrelationMode::segments;
  int segments = 3;
  double gaussian_scale = 0.5;
};

struct ModelParameters {
  int features = 3;          // M
  int context = 4;           // L, at most 2^P
  int positional_bits = 2;   // P
  int semantic_bits = 99;    // N_se, bits used to draw the semantic weights
  double epsilon = 0.02;     // weight of the positional part of every mean field
  double beta = 1.27;        // output inverse temperature
  double gamma = 220.0;      // attention gain before the 1/sqrt(M) normalisation
  WeightParameters weights{};

  // γ_eff = γ/√M, computed as the authors' implementation does, (1/√M)·γ, so that it is the same
  // double (220/√3 and (1/√3)·220 differ in the last bit).
  double gamma_eff() const;
  int sign_vectors() const { return 1 << (features - 1); }  // |Σ_M| = 2^(M−1)
  int positions() const { return 1 << positional_bits; }    // 2^P
};

}  // namespace attnmf::model
