#include "attnmf/dynamics/floquet.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

namespace attnmf::dynamics {
namespace {

using Matrix = Eigen::MatrixXd;
using RowMajorMap = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

// A coupling below this joins two subspaces only by rounding: the leading subspace it bounds is
// invariant. The coupling across a boundary between moduli |μ_i| > |μ_{i+1}| shrinks by
// |μ_{i+1} / μ_i| every round, so the iteration goes on while some boundary that matters gets there
// at its pace within the rounds allowed (a coupling that falls by half or more a round); boundaries
// between moduli closer than that, or equal (a complex pair), stay inside blocks whose eigenvalues
// are exact and whose spread of moduli is small.
constexpr double kSeparated = 1e-10;
// Rounds of the period are allowed up to about this many steps in all (at least 3, at most 64).
constexpr int kRoundSteps = 1 << 15;

// With d columns Q_0 (n × d) and Q_p after a round, C = Q_0ᵀ Q_p: coupling[i], 0 ≤ i ≤ d, is the
// largest entry of C coupling the span of the first i columns with the others, and coupling[d]
// the largest entry of the part of Q_p outside the span of Q_0 (0 when d = n). NaN when C is.
std::vector<double> couplings(const Matrix& start, const Matrix& end, const Matrix& C) {
  const Eigen::Index d = C.rows();
  std::vector<double> coupling(static_cast<std::size_t>(d) + 1, 0.0);
  const auto largest = [](double a, double b) { return std::isnan(a) || std::isnan(b) ? a + b : std::max(a, b); };
  for (Eigen::Index i = 1; i < d; ++i)
    coupling[static_cast<std::size_t>(i)] =
        largest(C.bottomLeftCorner(d - i, i).cwiseAbs().maxCoeff(), C.topRightCorner(i, d - i).cwiseAbs().maxCoeff());
  if (d < start.rows()) coupling[static_cast<std::size_t>(d)] = (end - start * C).cwiseAbs().maxCoeff();
  return coupling;
}

// The QR factorisation Z = Q R of an n × d matrix (d ≤ n) by Householder reflections, for the
// small matrices of one step (Eigen's general code costs several times more at n = 12): R in the
// upper triangle of `factors` (Z's copy, overwritten), Q (n × d, orthonormal columns) in `q`. A zero
// column is left as it is (R_jj = 0), so a nilpotent Jacobian (β = 0) factorises too.
class SmallQR {
 public:
  SmallQR(Eigen::Index n, Eigen::Index d) : factors(n, d), reflectors_(n, d), norms_(d) {}
  void compute(const Matrix& z, Matrix& q) {
    const Eigen::Index n = z.rows(), d = z.cols();
    factors = z;
    for (Eigen::Index j = 0; j < d; ++j) {
      double* x = factors.col(j).data();
      double norm = 0.0;
      for (Eigen::Index i = j; i < n; ++i) norm += x[i] * x[i];
      norm = std::sqrt(norm);
      double* v = reflectors_.col(j).data();
      if (!(norm > 0.0)) {  // nothing to reflect (or NaN, which then spreads through R)
        norms_[j] = norm == 0.0 ? 0.0 : norm;
        for (Eigen::Index i = j; i < n; ++i) v[i] = 0.0;
        continue;
      }
      const double alpha = x[j] > 0.0 ? -norm : norm;
      double vv = 0.0;
      for (Eigen::Index i = j; i < n; ++i) {
        v[i] = x[i];
        if (i == j) v[i] -= alpha;
        vv += v[i] * v[i];
      }
      norms_[j] = vv;
      x[j] = alpha;
      for (Eigen::Index i = j + 1; i < n; ++i) x[i] = 0.0;
      for (Eigen::Index c = j + 1; c < d; ++c) reflect(j, factors.col(c).data(), n);
    }
    q.setIdentity();
    for (Eigen::Index j = d - 1; j >= 0; --j)
      for (Eigen::Index c = j; c < d; ++c) reflect(j, q.col(c).data(), n);
  }
  Matrix factors;

 private:
  // y ← (I − 2 v vᵀ / vᵀv) y on rows j … n−1.
  void reflect(Eigen::Index j, double* y, Eigen::Index n) const {
    const double vv = norms_[j];
    if (!(vv > 0.0)) return;
    const double* v = reflectors_.col(j).data();
    double dot = 0.0;
    for (Eigen::Index i = j; i < n; ++i) dot += v[i] * y[i];
    const double f = 2.0 * dot / vv;
    for (Eigen::Index i = j; i < n; ++i) y[i] -= f * v[i];
  }
  Matrix reflectors_;
  Eigen::VectorXd norms_;  // vᵀv of each reflector (0: none)
};

struct Block {
  Eigen::Index start = 0, size = 0;
  Matrix product, next;  // Π_s (R_s)_bb divided by e^scale; room for the next product
  double scale = 0.0;    // natural log
};

// The blocks between consecutive separations, the last one ending at the last column.
std::vector<Block> blocks_of(const std::vector<bool>& separated) {
  std::vector<Block> blocks;
  Eigen::Index start = 0;
  for (std::size_t i = 1; i < separated.size(); ++i)
    if (separated[i] || i + 1 == separated.size()) {
      Block b;
      b.start = start;
      b.size = static_cast<Eigen::Index>(i) - start;
      b.product = Matrix::Identity(b.size, b.size);
      b.next.resize(b.size, b.size);
      blocks.push_back(std::move(b));
      start = static_cast<Eigen::Index>(i);
    }
  return blocks;
}

// The first separation at or after `leading` (the end of the block that holds exponent leading − 1),
// or the last column.
std::size_t closing(const std::vector<bool>& separated, std::size_t leading) {
  for (std::size_t i = leading; i < separated.size(); ++i)
    if (separated[i]) return i;
  return separated.size() - 1;
}

// The exponents and multipliers of the blocks that end at or before column `end`, closed by
// C = Q_0ᵀ Q_p: the eigenvalues of C_bb Π_s (R_s)_bb, times e^scale, descending by modulus (NaN last).
void evaluate(const std::vector<Block>& blocks, Eigen::Index end, const Matrix& C, int period,
              FloquetSpectrum& spectrum) {
  struct Multiplier {
    double log_modulus;
    std::complex<double> phase;  // μ / |μ| (1 for μ = 0)
  };
  std::vector<Multiplier> multipliers;
  for (const Block& b : blocks) {
    if (b.start + b.size > end) break;
    const Matrix product = C.block(b.start, b.start, b.size, b.size) * b.product;
    Eigen::VectorXcd values(b.size);
    if (b.size == 1) {
      values(0) = product(0, 0);
    } else {
      const Eigen::EigenSolver<Matrix> solver(product, /*computeEigenvectors=*/false);
      if (solver.info() == Eigen::Success) values = solver.eigenvalues();
      else values.setConstant(std::complex<double>(std::numeric_limits<double>::quiet_NaN(), 0.0));
    }
    for (Eigen::Index j = 0; j < b.size; ++j) {
      const double modulus = std::abs(values(j));
      multipliers.push_back(
          {std::log(modulus) + b.scale, modulus > 0.0 ? values(j) / modulus : std::complex<double>(1.0)});
    }
  }
  std::stable_sort(multipliers.begin(), multipliers.end(), [](const Multiplier& x, const Multiplier& y) {
    return !std::isnan(x.log_modulus) && (std::isnan(y.log_modulus) || x.log_modulus > y.log_modulus);
  });
  spectrum.exponents.clear();
  spectrum.multipliers.clear();
  for (const Multiplier& m : multipliers) {
    spectrum.exponents.push_back(m.log_modulus / static_cast<double>(period));
    spectrum.multipliers.push_back(std::exp(m.log_modulus) * m.phase);
  }
}

// The `leading` largest exponents (1 ≤ leading ≤ n) of the orbit whose step Jacobians have the
// first block rows `rows`, [period][M][n] row-major (the rest of each is the shift of the older
// slots), by the iteration of floquet.hpp on `columns` leading directions (leading < columns ≤ n,
// or columns = n): the first columns of a QR iteration evolve on their own. Only the boundaries up
// to the end of the block holding exponent leading − 1 are waited for.
FloquetSpectrum spectrum_of(const std::vector<double>& rows, int M, int n, int period, int leading, int columns) {
  const int most_rounds = std::clamp(kRoundSteps / period, 3, 64);
  const Eigen::Index d = columns;
  Matrix Q = Matrix::Identity(n, d), Z(n, d), C(d, d);
  SmallQR qr(n, d);
  const auto want = static_cast<std::size_t>(leading);
  std::vector<bool> used;               // the separations whose blocks a round carries (none in the first)
  std::vector<double> coupling_before;  // the previous round's couplings
  FloquetSpectrum spectrum, best;
  bool have_best = false;
  for (int round = 1; round <= most_rounds; ++round) {
    const Matrix start = Q;
    std::vector<Block> blocks = used.empty() ? std::vector<Block>{} : blocks_of(used);
    for (int s = 0; s < period; ++s) {
      const RowMajorMap first_rows(rows.data() + static_cast<std::size_t>(s) * M * n, M, n);
      Z.topRows(M).noalias() = first_rows * Q;
      Z.bottomRows(n - M) = Q.topRows(n - M);
      qr.compute(Z, Q);
      const Matrix& factors = qr.factors;  // R in the upper triangle
      for (Block& b : blocks) {
        b.next.noalias() = factors.block(b.start, b.start, b.size, b.size).triangularView<Eigen::Upper>() * b.product;
        b.product.swap(b.next);
        const double largest = b.product.cwiseAbs().maxCoeff();
        if (largest > 0.0 && std::isfinite(largest)) {
          b.product /= largest;
          b.scale += std::log(largest);
        }
      }
    }
    C.noalias() = start.transpose() * Q;
    const std::vector<double> coupling = couplings(start, Q, C);
    std::vector<bool> separated(coupling.size());
    for (std::size_t i = 0; i < coupling.size(); ++i) separated[i] = coupling[i] <= kSeparated;
    separated.front() = true;
    spectrum.rounds = best.rounds = round;
    // The blocks carried are exact when this round confirms each of their separations up to the
    // end of the block that holds the last exponent wanted, that end included.
    const std::size_t end = used.empty() ? separated.size() - 1 : closing(used, want);
    bool confirmed = !used.empty() && separated[end];
    for (std::size_t i = 0; i < end && confirmed; ++i)
      if (used[i] && !separated[i]) confirmed = false;
    if (!used.empty()) {
      evaluate(blocks, static_cast<Eigen::Index>(end), C, period, spectrum);
      if (confirmed) {
        best = spectrum;
        best.converged = have_best = true;
      }
    }
    // Whether a boundary that matters separated this round where the blocks carried had none, or is
    // on its way to separating within the rounds left.
    const std::size_t matters = closing(separated, want);
    bool finer = false, approaching = coupling_before.empty();
    for (std::size_t i = 1; i <= matters; ++i) {
      if (separated[i]) {
        if (used.empty() || !used[i]) finer = true;
        continue;
      }
      if (coupling_before.empty() || !(coupling[i] <= 0.5 * coupling_before[i]) || coupling[i] == 0.0) continue;
      const double rounds_needed = std::log(kSeparated / coupling[i]) / std::log(coupling[i] / coupling_before[i]);
      if (rounds_needed <= most_rounds - round) approaching = true;
    }
    if (have_best && !approaching && !finer) break;
    // The next round's blocks: where this round separated.
    used = separated;
    coupling_before = coupling;
  }
  FloquetSpectrum& result = have_best ? best : spectrum;
  result.converged = have_best;
  if (result.exponents.size() > want) {
    result.exponents.resize(want);
    result.multipliers.resize(want);
  }
  return result;
}

double window_distance(const model::Window& a, const model::Window& b) {
  if (a.positions != b.positions || a.attention.size() != b.attention.size())
    return std::numeric_limits<double>::infinity();
  double d = 0.0;
  for (std::size_t i = 0; i < a.attention.size(); ++i) {
    const double difference = std::abs(a.attention[i] - b.attention[i]);
    d = std::isnan(difference) ? difference : std::max(d, difference);
  }
  return d;
}

}  // namespace

FloquetSpectrum floquet_spectrum(const model::MeanFieldMap& map, const model::Window& on_orbit, int period) {
  if (period < 1) throw std::invalid_argument("a Floquet spectrum needs a period of at least one step");
  const std::unique_ptr<Engine> engine = make_scalar_engine(map, on_orbit);
  const int periods[1] = {period};
  return std::move(floquet_spectra(*engine, periods).front());
}

std::vector<FloquetSpectrum> floquet_spectra(const Engine& engine, std::span<const int> periods, int leading) {
  if (periods.size() > static_cast<std::size_t>(engine.lanes()))
    throw std::invalid_argument("floquet_spectra: more periods (" + std::to_string(periods.size()) + ") than lanes (" +
                                std::to_string(engine.lanes()) + ")");
  if (std::any_of(periods.begin(), periods.end(), [](int p) { return p < 0; }))
    throw std::invalid_argument("floquet_spectra: a period must be at least one step (0: not wanted)");
  const int M = engine.features(), n = M * engine.context();
  if (leading < 0 || leading > n)
    throw std::invalid_argument("floquet_spectra: between 0 (all) and M*L = " + std::to_string(n) +
                                " leading exponents, got " + std::to_string(leading));
  if (leading == 0) leading = n;
  std::vector<FloquetSpectrum> spectra(periods.size());
  const int longest = periods.empty() ? 0 : *std::max_element(periods.begin(), periods.end());
  if (longest == 0) return spectra;
  const std::size_t row_size = static_cast<std::size_t>(M) * static_cast<std::size_t>(n);
  // One tangent vector suffices: only the Jacobian of each step is read, never the vectors.
  const std::unique_ptr<Engine> copy = engine.clone();
  copy->start_tangent(1);
  std::vector<std::vector<double>> rows(periods.size());
  for (std::size_t i = 0; i < periods.size(); ++i) rows[i].reserve(static_cast<std::size_t>(periods[i]) * row_size);
  for (int s = 0; s < longest; ++s) {
    copy->run(1);
    for (std::size_t i = 0; i < periods.size(); ++i) {
      if (s >= periods[i]) continue;
      const int lane = static_cast<int>(i);
      const std::vector<double> row = copy->first_block_row(lane);
      rows[i].insert(rows[i].end(), row.begin(), row.end());
      if (s + 1 == periods[i]) spectra[i].closure = window_distance(copy->window(lane), engine.window(lane));
    }
  }
  for (std::size_t i = 0; i < periods.size(); ++i) {
    if (periods[i] == 0) continue;
    const double closure = spectra[i].closure;
    // A few directions beyond those wanted let the block of the last one close (a complex pair
    // across the cut); if it does not, all of them.
    FloquetSpectrum spectrum = spectrum_of(rows[i], M, n, periods[i], leading, std::min(n, leading + 2));
    if (!spectrum.converged && leading + 2 < n) spectrum = spectrum_of(rows[i], M, n, periods[i], leading, n);
    spectra[i] = std::move(spectrum);
    spectra[i].closure = closure;
  }
  return spectra;
}

}  // namespace attnmf::dynamics
