#include "attnmf/analysis/classification.hpp"
#include "attnmf/analysis/point_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace attnmf::analysis {

namespace {

// Σ_{j < terms} (p[j+lag] − p[j])² + (q[j+lag] − q[j])², the bulk of the 0-1 test. Eight interleaved
// partial sums: one chain of dependent additions would wait on the adder's latency at every term.
// Built for AVX-512, AVX2 and the baseline and chosen when the program loads: the eight sums are
// independent lanes of one vector, so every version performs the same operations in the same
// order (no fused multiply-adds: -ffp-contract=off) and returns the same bits. (Other CPUs get the
// compiler's one version.)
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
double squared_displacements(const double* p, const double* q, long long lag, long long terms) {
  double partial[8] = {};
  const double* __restrict later_p = p + lag;
  const double* __restrict later_q = q + lag;
  long long j = 0;
  for (; j + 8 <= terms; j += 8)
    for (int u = 0; u < 8; ++u) {
      const double dp = later_p[j + u] - p[j + u];
      const double dq = later_q[j + u] - q[j + u];
      partial[u] += dp * dp + dq * dq;
    }
  for (; j < terms; ++j) {
    const double dp = later_p[j] - p[j];
    const double dq = later_q[j] - q[j];
    partial[0] += dp * dp + dq * dq;
  }
  return ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
}

// The pairs (i, j > i) of points x[a][·] (features × n, coordinate-major) with squared distance
// below each of `radii2` (ascending), added to `within`. Built as squared_displacements is: every
// version does the same operations on every pair, so the counts are the same bits on every CPU.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void count_close_pairs(const std::vector<double>& x, int features, long long n, const double* radii2, int radii,
                       long long* within) {
  std::vector<double> d2(static_cast<std::size_t>(n));
  for (long long i = 0; i + 1 < n; ++i) {
    const long long others = n - i - 1;
    double* __restrict d = d2.data();
    for (long long j = 0; j < others; ++j) d[j] = 0.0;
    for (int a = 0; a < features; ++a) {
      const double* __restrict coordinate = x.data() + static_cast<std::size_t>(a) * static_cast<std::size_t>(n);
      const double xi = coordinate[i];
      const double* __restrict later = coordinate + i + 1;
      for (long long j = 0; j < others; ++j) {
        const double difference = later[j] - xi;
        d[j] += difference * difference;
      }
    }
    for (int r = 0; r < radii; ++r) {
      const double limit = radii2[r];
      long long count = 0;
      for (long long j = 0; j < others; ++j) count += d[j] < limit ? 1 : 0;
      within[r] += count;
    }
  }
}

}  // namespace

double correlation_dimension(const std::vector<double>& samples, int features, int cycle, long long max_points) {
  if (features < 1 || cycle < 1 || max_points < 1) return std::nan("");
  const auto rows = static_cast<long long>(samples.size() / static_cast<std::size_t>(features));
  // Every s-th row back from the newest, s the smallest multiple of the cycle that keeps at most
  // max_points rows.
  const long long stride = cycle * std::max<long long>(1, (rows + max_points * cycle - 1) / (max_points * cycle));
  const long long n = rows > 0 ? (rows - 1) / stride + 1 : 0;
  if (n < 100) return std::nan("");
  std::vector<double> x(static_cast<std::size_t>(n) * static_cast<std::size_t>(features));  // [features][n]
  std::vector<double> centroid(static_cast<std::size_t>(features), 0.0);
  for (long long k = 0; k < n; ++k) {
    const std::size_t row = static_cast<std::size_t>(rows - 1 - k * stride);
    for (int a = 0; a < features; ++a) {
      const double value = samples[row * static_cast<std::size_t>(features) + static_cast<std::size_t>(a)];
      x[static_cast<std::size_t>(a) * static_cast<std::size_t>(n) + static_cast<std::size_t>(k)] = value;
      centroid[static_cast<std::size_t>(a)] += value;
    }
  }
  double spread = 0.0;  // D², the mean squared distance from the centroid
  for (int a = 0; a < features; ++a) {
    const double mean = centroid[static_cast<std::size_t>(a)] / static_cast<double>(n);
    for (long long k = 0; k < n; ++k) {
      const double d = x[static_cast<std::size_t>(a) * static_cast<std::size_t>(n) + static_cast<std::size_t>(k)] - mean;
      spread += d * d;
    }
  }
  spread /= static_cast<double>(n);
  if (!std::isfinite(spread)) return std::nan("");
  // Rows that differ by rounding alone are one point (a state at rest wanders by a few 1e-16).
  constexpr double same_point = 1e-12;
  if (spread <= same_point * same_point) return 0.0;
  constexpr double small = 0.02, large = 0.2;
  const double radii2[2] = {small * small * spread, large * large * spread};
  long long within[2] = {0, 0};
  count_close_pairs(x, features, n, radii2, 2, within);
  if (within[0] == 0) return std::nan("");
  return std::log(static_cast<double>(within[1]) / static_cast<double>(within[0])) / std::log(large / small);
}

double zero_one_test(const std::vector<double>& series, int frequencies, long long max_points) {
  const auto size = static_cast<long long>(series.size());
  if (size < 100 || frequencies < 1) return std::nan("");
  const long long stride = std::max<long long>(1, size / max_points);
  std::vector<double> phi;
  for (long long i = 0; i < size; i += stride) phi.push_back(series[static_cast<std::size_t>(i)]);
  const auto n = static_cast<long long>(phi.size());
  double mean = 0.0;
  for (double x : phi) mean += x;
  mean /= static_cast<double>(n);
  // A constant series (a fixed point) is regular.
  double variance = 0.0;
  for (double x : phi) variance += (x - mean) * (x - mean);
  if (variance <= 1e-24 * static_cast<double>(n)) return 0.0;

  const long long n_cut = n / 10;  // mean square displacement up to n/10, as Gottwald & Melbourne advise
  std::vector<double> k_values;
  std::vector<double> p(static_cast<std::size_t>(n)), q(static_cast<std::size_t>(n));
  for (int f = 0; f < frequencies; ++f) {
    const double c = std::numbers::pi / 5.0 + (3.0 * std::numbers::pi / 5.0) * (f + 0.5) / frequencies;
    double ps = 0.0, qs = 0.0;
    for (long long j = 0; j < n; ++j) {
      ps += (phi[static_cast<std::size_t>(j)] - mean) * std::cos(static_cast<double>(j + 1) * c);
      qs += (phi[static_cast<std::size_t>(j)] - mean) * std::sin(static_cast<double>(j + 1) * c);
      p[static_cast<std::size_t>(j)] = ps;
      q[static_cast<std::size_t>(j)] = qs;
    }
    // Modified mean square displacement D(n) = M(n) − (E φ)² (1 − cos nc)/(1 − cos c); with the mean
    // removed from φ the oscillatory term vanishes.
    std::vector<double> times, displacement;
    for (long long lag = 1; lag <= n_cut; ++lag) {
      const double m = squared_displacements(p.data(), q.data(), lag, n - lag);
      times.push_back(static_cast<double>(lag));
      displacement.push_back(m / static_cast<double>(n - lag));
    }
    // K = correlation of D(n) with n.
    const auto count = static_cast<double>(times.size());
    double mt = 0, md = 0;
    for (std::size_t i = 0; i < times.size(); ++i) {
      mt += times[i] / count;
      md += displacement[i] / count;
    }
    double ctd = 0, ctt = 0, cdd = 0;
    for (std::size_t i = 0; i < times.size(); ++i) {
      ctd += (times[i] - mt) * (displacement[i] - md);
      ctt += (times[i] - mt) * (times[i] - mt);
      cdd += (displacement[i] - md) * (displacement[i] - md);
    }
    k_values.push_back(cdd > 0 ? ctd / std::sqrt(ctt * cdd) : 0.0);
  }
  std::nth_element(k_values.begin(), k_values.begin() + static_cast<long>(k_values.size() / 2), k_values.end());
  return k_values[k_values.size() / 2];
}

Classification classify(int period, Regime recurrence_regime, const std::vector<double>& lyapunov, long long recorded_steps,
                        double zero_one_k, double dimension, const ClassificationSettings& settings) {
  Classification c;
  const double T = static_cast<double>(std::max<long long>(recorded_steps, 2));
  c.zero_band = settings.zero_band_scale * std::log(T) / T;
  // An orbit that recurs exactly is periodic (or at rest), whatever the other indicators say.
  if (period > 0) {
    c.regime = recurrence_regime;
    return c;
  }
  const bool k_known = std::isfinite(zero_one_k);
  const bool k_chaotic = k_known && zero_one_k > settings.zero_one_threshold;
  // No usable exponent (none computed, or NaN): the 0-1 test alone. An exponent of −∞ is an
  // estimate, not a missing one: the tangent vectors were mapped exactly onto zero (a softmax
  // saturated to one slot makes the Jacobian vanish in double precision), the strongest contraction
  // there is. It falls under λ₁ < −δ below, whatever the 0-1 test says: a contracting orbit is never
  // chaotic, and the 0-1 test reads the slow drift of such an orbit as diffusion (K → 1).
  const bool exponent_known = !lyapunov.empty() && (std::isfinite(lyapunov.front()) || lyapunov.front() == -INFINITY);
  if (!exponent_known) {
    if (k_known) c.regime = k_chaotic ? Regime::chaotic : Regime::quasi_periodic;
    return c;
  }
  const double l1 = lyapunov.front();
  const double l2 = lyapunov.size() > 1 ? lyapunov[1] : -INFINITY;
  if (l1 > c.zero_band) c.regime = l2 > c.zero_band ? Regime::hyperchaotic : Regime::chaotic;
  // Attracting: periodic, with a period longer than looked for.
  else if (l1 < -c.zero_band) c.regime = Regime::periodic;
  // A zero exponent: a torus, unless the 0-1 test sees weak chaos; a 2-torus when a second exponent
  // is in the band and the samples fill a surface (a finite-time λ₂ of an invariant circle is often
  // within the band too, so the band alone does not tell).
  else if (k_chaotic) c.regime = Regime::chaotic;
  else if (k_known && std::abs(l2) <= c.zero_band && dimension >= settings.torus_dimension) c.regime = Regime::two_torus;
  else c.regime = Regime::quasi_periodic;
  return c;
}

Verdict judge(const PointAnalysis& analysis, const std::vector<double>& lyapunov, long long recorded_steps,
              int positional_cycle) {
  Verdict v;
  const auto M = static_cast<std::size_t>(std::max(analysis.features, 1));
  std::vector<double> series;
  for (std::size_t r = 0; r < analysis.samples.size() / M; ++r) series.push_back(analysis.samples[r * M]);
  v.zero_one = zero_one_test(series);
  v.correlation_dimension = correlation_dimension(analysis.samples, static_cast<int>(M), positional_cycle);
  const Classification c =
      classify(analysis.period, analysis.regime, lyapunov, recorded_steps, v.zero_one, v.correlation_dimension);
  v.regime = c.regime;
  v.zero_band = c.zero_band;
  v.paper_regime = paper_regime(analysis.distinct_values);
  return v;
}

Regime paper_regime(int distinct_values) {
  if (distinct_values <= 0) return Regime::undetermined;
  if (distinct_values < 80) return Regime::periodic;
  if (distinct_values < 2500) return Regime::quasi_periodic;
  return Regime::chaotic;
}

std::string regime_legend() {
  std::string legend;
  for (const RegimeName& r : kRegimes) {
    if (!legend.empty()) legend += ", ";
    legend += std::to_string(code(r.regime)) + " " + std::string(r.name);
  }
  return legend;
}

}  // namespace attnmf::analysis
