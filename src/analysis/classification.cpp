#include "attnmf/analysis/classification.hpp"
#include "attnmf/analysis/point_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <numbers>
#include <numeric>

namespace attnmf::analysis {

namespace {

// The sums below are written on vectors of four doubles (GCC's vector extensions): a vector's lanes
// are independent, so whichever instructions carry them out (one AVX register, two SSE2 ones) each
// lane sees the same operations in the same order. Built for AVX-512, AVX2 and the baseline and
// chosen when the program loads, every version thus returns the same bits (no fused multiply-adds:
// -ffp-contract=off). (Other CPUs get the compiler's one version.)
constexpr int kLanes = 4;
using Lanes = double __attribute__((vector_size(kLanes * sizeof(double))));
using LaneCounts = std::int64_t __attribute__((vector_size(kLanes * sizeof(double))));

// kLanes doubles from p (unaligned). Into a reference rather than returned: a function that takes or
// returns a vector by value is called by a different convention in each version.
inline void load(Lanes& v, const double* p) { std::memcpy(&v, p, sizeof v); }

// Σ_{j < n − lag} (p[j+lag] − p[j])² + (q[j+lag] − q[j])², the bulk of the 0-1 test, for the kLags
// lags first_lag, first_lag + 1, … into sums[0], sums[1], …. Each lag's sum is eight interleaved
// partial sums (one chain of dependent additions would wait on the adder's latency at every term):
// term j goes to partial j mod 8 while a whole block of eight terms remains, the rest to partial 0,
// and the eight are added pairwise at the end. The lags of a group share the loads of p[j] and q[j]
// and their chains overlap; their blocks are taken together as far as every lag has whole blocks
// left, then each lag finishes its own.
template <int kLags>
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void squared_displacements(const double* p, const double* q, long long n, long long first_lag, double* sums) {
  Lanes partials[kLags][2] = {};  // partials 0–3 and 4–7 of each lag
  const long long fewest_terms = n - (first_lag + kLags - 1);
  long long j = 0;
  for (; j + 8 <= fewest_terms; j += 8)
    for (int k = 0; k < kLags; ++k)
      for (int h = 0; h < 2; ++h) {
        const long long now = j + h * kLanes, later = now + first_lag + k;
        Lanes p_now, p_later, q_now, q_later;
        load(p_now, p + now);
        load(p_later, p + later);
        load(q_now, q + now);
        load(q_later, q + later);
        const Lanes dp = p_later - p_now, dq = q_later - q_now;
        partials[k][h] += dp * dp + dq * dq;
      }
  for (int k = 0; k < kLags; ++k) {
    const long long lag = first_lag + k, terms = n - lag;
    double partial[8];
    std::memcpy(partial, partials[k], sizeof partial);
    long long i = j;
    for (; i + 8 <= terms; i += 8)
      for (int u = 0; u < 8; ++u) {
        const double dp = p[i + lag + u] - p[i + u];
        const double dq = q[i + lag + u] - q[i + u];
        partial[u] += dp * dp + dq * dq;
      }
    for (; i < terms; ++i) {
      const double dp = p[i + lag] - p[i];
      const double dq = q[i + lag] - q[i];
      partial[0] += dp * dp + dq * dq;
    }
    sums[k] = ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
              ((partial[4] + partial[5]) + (partial[6] + partial[7]));
  }
}

// The pairs (i, j > i) of points x[a][·] (features × n, coordinate-major, sorted by coordinate
// `key`) with squared distance below radii2[0] and below radii2[1] (ascending), added to within[0]
// and within[1]. A pair's squared distance is the sum from 0.0 of its squared coordinate
// differences over the features in order. The rows are taken four at a time and the later points
// eight at a time, so that each point loaded serves four rows and the 32 sums stay in registers
// across the features; the pairs among a block's own rows, and the last later points, are counted
// one by one. The counts are integers: the order in which they add up changes nothing.
//
// The later points are taken only as far as the key coordinate alone keeps them within the larger
// radius of the block's last row: the rest are within neither radius of any row of the block. For
// i ≤ last < j, the key's rounded difference x_j − x_i ≥ x_j − x_last ≥ 0 and it grows with x_j
// (rounding is monotonic), and a rounded sum of non-negative terms is no smaller than any of them,
// so a pair's squared distance is at least its key's squared difference.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void count_close_pairs(const std::vector<double>& x, int features, long long n, int key, const double (&radii2)[2],
                       long long (&within)[2]) {
  constexpr int kRows = 4;
  auto coordinate = [&](int a) { return x.data() + static_cast<std::size_t>(a) * static_cast<std::size_t>(n); };
  auto count_pair = [&](long long i, long long j) {
    double d = 0.0;
    for (int a = 0; a < features; ++a) {
      const double difference = coordinate(a)[j] - coordinate(a)[i];
      d += difference * difference;
    }
    for (int r = 0; r < 2; ++r) within[r] += d < radii2[r] ? 1 : 0;
  };
  const double small = radii2[0], large = radii2[1];
  const double* along_key = coordinate(key);
  LaneCounts within_small = {}, within_large = {};
  long long reach = 0;  // the first later point beyond the larger radius from the block's last row
  for (long long first = 0; first < n; first += kRows) {
    const long long block_end = std::min<long long>(first + kRows, n);
    for (long long i = first; i < block_end; ++i)
      for (long long j = i + 1; j < block_end; ++j) count_pair(i, j);
    reach = std::max(reach, block_end);
    for (; reach < n; ++reach) {
      const double difference = along_key[reach] - along_key[block_end - 1];
      if (!(difference * difference < large)) break;
    }
    long long j = first + kRows;
    for (; j + 2 * kLanes <= reach; j += 2 * kLanes) {
      // Row first + r against the later points j + h·kLanes + lane.
      Lanes d[kRows][2] = {};
      for (int a = 0; a < features; ++a) {
        const double* c = coordinate(a);
        for (int r = 0; r < kRows; ++r)
          for (int h = 0; h < 2; ++h) {
            Lanes later;
            load(later, c + j + h * kLanes);
            const Lanes difference = later - c[first + r];
            d[r][h] += difference * difference;
          }
      }
      for (int r = 0; r < kRows; ++r)
        for (int h = 0; h < 2; ++h) {
          within_small -= d[r][h] < small;  // a true comparison is −1 in its lane
          within_large -= d[r][h] < large;
        }
    }
    for (; j < reach; ++j)
      for (long long i = first; i < block_end; ++i) count_pair(i, j);
  }
  for (int lane = 0; lane < kLanes; ++lane) {
    within[0] += within_small[lane];
    within[1] += within_large[lane];
  }
}

// cos((j+1)c) and sin((j+1)c) of the 0-1 test for each of its `frequencies` values of c and j < n,
// [c][j], computed as the test used them. They are the same for every point of a sweep (n follows
// from the samples kept), so they are computed once rather than for every point: at the defaults
// 32 000 of each, which took a quarter of the test's time.
struct Phases {
  int frequencies = 0;
  long long n = 0;
  std::vector<double> cosine, sine;
};

// The last table asked for, shared by the threads of a sweep.
std::shared_ptr<const Phases> phases_of(int frequencies, long long n) {
  static std::mutex mutex;
  static std::shared_ptr<const Phases> latest;
  const std::lock_guard lock(mutex);
  if (!latest || latest->frequencies != frequencies || latest->n != n) {
    auto table = std::make_shared<Phases>();
    table->frequencies = frequencies;
    table->n = n;
    table->cosine.resize(static_cast<std::size_t>(frequencies) * static_cast<std::size_t>(n));
    table->sine.resize(table->cosine.size());
    for (int f = 0; f < frequencies; ++f) {
      const double c = std::numbers::pi / 5.0 + (3.0 * std::numbers::pi / 5.0) * (f + 0.5) / frequencies;
      for (long long j = 0; j < n; ++j) {
        const std::size_t at = static_cast<std::size_t>(f) * static_cast<std::size_t>(n) + static_cast<std::size_t>(j);
        table->cosine[at] = std::cos(static_cast<double>(j + 1) * c);
        table->sine[at] = std::sin(static_cast<double>(j + 1) * c);
      }
    }
    latest = std::move(table);
  }
  return latest;
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
  int widest = 0;       // the feature along which the rows spread most
  double widest_spread = -1.0;
  for (int a = 0; a < features; ++a) {
    const double mean = centroid[static_cast<std::size_t>(a)] / static_cast<double>(n);
    double along = 0.0;
    for (long long k = 0; k < n; ++k) {
      const double d = x[static_cast<std::size_t>(a) * static_cast<std::size_t>(n) + static_cast<std::size_t>(k)] - mean;
      spread += d * d;
      along += d * d;
    }
    if (along > widest_spread) {
      widest = a;
      widest_spread = along;
    }
  }
  spread /= static_cast<double>(n);
  if (!std::isfinite(spread)) return std::nan("");
  // Rows that differ by rounding alone are one point (a state at rest wanders by a few 1e-16).
  constexpr double same_point = 1e-12;
  if (spread <= same_point * same_point) return 0.0;
  constexpr double small = 0.02, large = 0.2;
  const double radii2[2] = {small * small * spread, large * large * spread};
  // The rows sorted along the widest feature, so that count_close_pairs leaves out the pairs that
  // it alone puts beyond the larger radius (most of them). The counts do not depend on the order of
  // the rows: each pair is counted once whichever row comes first, and its squared distance is the
  // same, x_i − x_j being exactly −(x_j − x_i). (The spread is finite, so every value is.)
  std::vector<long long> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0LL);
  const double* along_widest = x.data() + static_cast<std::size_t>(widest) * static_cast<std::size_t>(n);
  std::sort(order.begin(), order.end(), [&](long long i, long long j) { return along_widest[i] < along_widest[j]; });
  std::vector<double> sorted(x.size());
  for (int a = 0; a < features; ++a) {
    const std::size_t column = static_cast<std::size_t>(a) * static_cast<std::size_t>(n);
    for (long long k = 0; k < n; ++k)
      sorted[column + static_cast<std::size_t>(k)] = x[column + static_cast<std::size_t>(order[static_cast<std::size_t>(k)])];
  }
  long long within[2] = {0, 0};
  count_close_pairs(sorted, features, n, widest, radii2, within);
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
  const std::shared_ptr<const Phases> phases = phases_of(frequencies, n);
  std::vector<double> k_values;
  std::vector<double> p(static_cast<std::size_t>(n)), q(static_cast<std::size_t>(n));
  std::vector<double> sums(static_cast<std::size_t>(n_cut));  // of lag 1, 2, …
  for (int f = 0; f < frequencies; ++f) {
    const double* cosine = phases->cosine.data() + static_cast<std::size_t>(f) * static_cast<std::size_t>(n);
    const double* sine = phases->sine.data() + static_cast<std::size_t>(f) * static_cast<std::size_t>(n);
    double ps = 0.0, qs = 0.0;
    for (long long j = 0; j < n; ++j) {
      ps += (phi[static_cast<std::size_t>(j)] - mean) * cosine[j];
      qs += (phi[static_cast<std::size_t>(j)] - mean) * sine[j];
      p[static_cast<std::size_t>(j)] = ps;
      q[static_cast<std::size_t>(j)] = qs;
    }
    // Modified mean square displacement D(n) = M(n) − (E φ)² (1 − cos nc)/(1 − cos c); with the mean
    // removed from φ the oscillatory term vanishes.
    long long lag = 1;
    for (; lag + 3 <= n_cut; lag += 4) squared_displacements<4>(p.data(), q.data(), n, lag, sums.data() + lag - 1);
    for (; lag <= n_cut; ++lag) squared_displacements<1>(p.data(), q.data(), n, lag, sums.data() + lag - 1);
    std::vector<double> times, displacement;
    for (lag = 1; lag <= n_cut; ++lag) {
      times.push_back(static_cast<double>(lag));
      displacement.push_back(sums[static_cast<std::size_t>(lag - 1)] / static_cast<double>(n - lag));
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
