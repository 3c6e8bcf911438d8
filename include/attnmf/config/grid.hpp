#pragma once
// The Cartesian grid of a sweep over (β, γ, ε), indexed as docs/file-format.md says:
// p = (i_epsilon · n_gamma + i_gamma) · n_beta + i_beta, β fastest.

#include <vector>

#include "attnmf/config/config.hpp"

namespace attnmf::config {

struct GridPoint {
  long long index = 0;
  int i_beta = 0, i_gamma = 0, i_epsilon = 0;
  double beta = 0, gamma = 0, epsilon = 0;
};

class SweepGrid {
 public:
  SweepGrid(std::vector<double> beta, std::vector<double> gamma, std::vector<double> epsilon);
  explicit SweepGrid(const config::SweepConfig& sweep);

  long long size() const { return static_cast<long long>(beta_.size() * gamma_.size() * epsilon_.size()); }
  GridPoint point(long long index) const;
  const std::vector<double>& beta() const { return beta_; }
  const std::vector<double>& gamma() const { return gamma_; }
  const std::vector<double>& epsilon() const { return epsilon_; }

 private:
  std::vector<double> beta_, gamma_, epsilon_;
};

}  // namespace attnmf::config
