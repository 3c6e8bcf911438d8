#pragma once
// The Cartesian grid of a sweep over (β, γ, ε) and the network size N, indexed as docs/file-format.md
// says: p = ((i_size · n_epsilon + i_epsilon) · n_gamma + i_gamma) · n_beta + i_beta, β fastest. A
// mean-field sweep has one size (ignored), so that its index is (i_epsilon · n_gamma + i_gamma) · n_beta
// + i_beta as ever.

#include <vector>

#include "attnmf/config/config.hpp"

namespace attnmf::config {

struct GridPoint {
  long long index = 0;
  int i_beta = 0, i_gamma = 0, i_epsilon = 0, i_size = 0;
  double beta = 0, gamma = 0, epsilon = 0;
  long long size = 0;  // N of the finite network
};

class SweepGrid {
 public:
  SweepGrid(std::vector<double> beta, std::vector<double> gamma, std::vector<double> epsilon,
            std::vector<long long> sizes = {0});
  explicit SweepGrid(const config::SweepConfig& sweep);

  long long size() const {
    return static_cast<long long>(beta_.size() * gamma_.size() * epsilon_.size() * sizes_.size());
  }
  GridPoint point(long long index) const;
  const std::vector<double>& beta() const { return beta_; }
  const std::vector<double>& gamma() const { return gamma_; }
  const std::vector<double>& epsilon() const { return epsilon_; }
  const std::vector<long long>& sizes() const { return sizes_; }

 private:
  std::vector<double> beta_, gamma_, epsilon_;
  std::vector<long long> sizes_;
};

}  // namespace attnmf::config
