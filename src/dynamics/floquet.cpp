#include "attnmf/dynamics/floquet.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <stdexcept>

#include "attnmf/dynamics/engine.hpp"

namespace attnmf::dynamics {

FloquetSpectrum floquet_spectrum(const model::MeanFieldMap& map, const model::Window& on_orbit, int period) {
  if (period < 1) throw std::invalid_argument("a Floquet spectrum needs a period of at least one step");
  const int M = map.features(), n = M * map.context();
  // One tangent vector suffices: only the Jacobian of each step is read, never the vectors.
  const std::unique_ptr<Engine> engine = make_scalar_engine(map, on_orbit);
  engine->start_tangent(1);
  Eigen::MatrixXd monodromy = Eigen::MatrixXd::Identity(n, n);
  Eigen::MatrixXd step(n, n);
  for (int s = 0; s < period; ++s) {
    engine->run(1);
    // The step's Jacobian: its first block row [B_0 … B_{L−1}], then the shift of the older slots.
    const std::vector<double> row = engine->first_block_row(0);
    step.setZero();
    for (int a = 0; a < M; ++a)
      for (int c = 0; c < n; ++c) step(a, c) = row[static_cast<std::size_t>(a) * n + c];
    for (int i = M; i < n; ++i) step(i, i - M) = 1.0;
    monodromy = step * monodromy;
  }
  const Eigen::EigenSolver<Eigen::MatrixXd> solver(monodromy, /*computeEigenvectors=*/false);
  if (solver.info() != Eigen::Success)
    throw std::runtime_error("the eigenvalues of the monodromy matrix did not converge");
  const Eigen::VectorXcd multipliers = solver.eigenvalues();
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int x, int y) { return std::abs(multipliers(x)) > std::abs(multipliers(y)); });
  FloquetSpectrum spectrum;
  for (int i : order) {
    spectrum.multipliers.push_back(multipliers(i));
    spectrum.exponents.push_back(std::log(std::abs(multipliers(i))) / static_cast<double>(period));
  }
  return spectrum;
}

}  // namespace attnmf::dynamics
