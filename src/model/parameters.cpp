#include "attnmf/model/parameters.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace attnmf::model {

std::string_view to_string(CorrelationMode mode) {
  switch (mode) {
    case CorrelationMode::gaussian: return "gaussian";
    case CorrelationMode::weights: return "weights";
    case CorrelationMode::uniform: return "uniform";
    case CorrelationMode::segments: return "segments";
  }
  return "unknown";
}

CorrelationMode correlation_mode_from_string(std::string_view name) {
  if (name == "segments") return CorrelationMode::segments;
  if (name == "weights") return CorrelationMode::weights;
  if (name == "gaussian") return CorrelationMode::gaussian;
  if (name == "uniform") return CorrelationMode::uniform;
  throw std::invalid_argument("unknown correlation mode '" + std::string(name) +
                              "' (allowed: segments, weights, gaussian, uniform)");
}

int max_features(CorrelationMode mode) {
  switch (mode) {
    case CorrelationMode::gaussian:
    case CorrelationMode::uniform: return 3;
    case CorrelationMode::weights:
    case CorrelationMode::segments: return 16;  // 2^(M−1) sign vectors, each a tanh per step
  }
  return 0;
}

double ModelParameters::gamma_eff() const { return (1.0 / std::sqrt(static_cast<double>(features))) * gamma; }

}  // namespace attnmf::model
