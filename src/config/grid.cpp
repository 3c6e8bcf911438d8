#include "attnmf/config/grid.hpp"

#include <stdexcept>

namespace attnmf::config {

namespace {

std::vector<long long> sizes_of(const Grid& grid) {
  std::vector<long long> sizes;
  for (double n : grid.values) sizes.push_back(static_cast<long long>(n));
  return sizes;
}

}  // namespace

SweepGrid::SweepGrid(std::vector<double> beta, std::vector<double> gamma, std::vector<double> epsilon,
                     std::vector<long long> sizes)
    : beta_(std::move(beta)), gamma_(std::move(gamma)), epsilon_(std::move(epsilon)), sizes_(std::move(sizes)) {
  if (beta_.empty() || gamma_.empty() || epsilon_.empty() || sizes_.empty())
    throw std::invalid_argument("every grid axis needs a value");
}

SweepGrid::SweepGrid(const config::SweepConfig& sweep)
    : SweepGrid(sweep.beta.values, sweep.gamma.values, sweep.epsilon.values, sizes_of(sweep.size)) {}

GridPoint SweepGrid::point(long long index) const {
  if (index < 0 || index >= size()) throw std::out_of_range("grid point index out of range");
  const auto n_beta = static_cast<long long>(beta_.size());
  const auto n_gamma = static_cast<long long>(gamma_.size());
  GridPoint p;
  p.index = index;
  p.i_beta = static_cast<int>(index % n_beta);
  p.i_gamma = static_cast<int>((index / n_beta) % n_gamma);
  const auto n_epsilon = static_cast<long long>(epsilon_.size());
  p.i_epsilon = static_cast<int>((index / (n_beta * n_gamma)) % n_epsilon);
  p.i_size = static_cast<int>(index / (n_beta * n_gamma * n_epsilon));
  p.beta = beta_[p.i_beta];
  p.gamma = gamma_[p.i_gamma];
  p.epsilon = epsilon_[p.i_epsilon];
  p.size = sizes_[p.i_size];
  return p;
}

}  // namespace attnmf::config
