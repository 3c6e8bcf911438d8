#include "attnmf/analysis/classification.hpp"
#include "attnmf/analysis/point_analysis.hpp"

#include <algorithm>
#include <bit>
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

// kLanes doubles from p and to p (unaligned). Into a reference rather than returned: a function that
// takes or returns a vector by value is called by a different convention in each version.
inline void load(Lanes& v, const double* p) { std::memcpy(&v, p, sizeof v); }
inline void store(double* p, const Lanes& v) { std::memcpy(p, &v, sizeof v); }

// A value of each of kLanes frequencies of the 0-1 test, aligned as a vector of them: loads and
// stores that straddled two cache lines made the test a third slower.
struct alignas(sizeof(Lanes)) PerFrequency {
  double lane[kLanes];
};
inline void load(Lanes& v, const PerFrequency& x) { std::memcpy(&v, x.lane, sizeof v); }
inline void store(PerFrequency& x, const Lanes& v) { std::memcpy(x.lane, &v, sizeof v); }

// The tables of the 0-1 test for a series of n values and `frequencies` values of c. They are the
// same for every point of a sweep (n follows from the samples kept), so they are computed once
// rather than for every point: at the defaults 32 000 cosines and sines, which took a quarter of the
// test's time.
struct Phases {
  int frequencies = 0;
  long long n = 0;
  // cos((j+1)c) and sin((j+1)c) of frequency f at [f / kLanes · n + j], lane f mod
  // kLanes; 0 in the lanes past the last frequency.
  std::vector<PerFrequency> cosine, sine;
  // The transforms' size N, the smallest power of two ≥ n, and e^{−2πik/N} for k < N/2.
  long long size = 0;
  std::vector<double> twiddle_re, twiddle_im;
};

// The last tables asked for, shared by the threads of a sweep.
std::shared_ptr<const Phases> phases_of(int frequencies, long long n) {
  static std::mutex mutex;
  static std::shared_ptr<const Phases> latest;
  const std::lock_guard lock(mutex);
  if (!latest || latest->frequencies != frequencies || latest->n != n) {
    auto table = std::make_shared<Phases>();
    table->frequencies = frequencies;
    table->n = n;
    const long long groups = (frequencies + kLanes - 1) / kLanes;
    table->cosine.resize(static_cast<std::size_t>(groups * n));
    table->sine.resize(table->cosine.size());
    for (int f = 0; f < frequencies; ++f) {
      const double c = std::numbers::pi / 5.0 + (3.0 * std::numbers::pi / 5.0) * (f + 0.5) / frequencies;
      for (long long j = 0; j < n; ++j) {
        const auto at = static_cast<std::size_t>(f / kLanes * n + j);
        table->cosine[at].lane[f % kLanes] = std::cos(static_cast<double>(j + 1) * c);
        table->sine[at].lane[f % kLanes] = std::sin(static_cast<double>(j + 1) * c);
      }
    }
    table->size = static_cast<long long>(std::bit_ceil(static_cast<unsigned long long>(n)));
    for (long long k = 0; k < table->size / 2; ++k) {
      const double angle = -2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(table->size);
      table->twiddle_re.push_back(std::cos(angle));
      table->twiddle_im.push_back(std::sin(angle));
    }
    latest = std::move(table);
  }
  return latest;
}

// The 0-1 test's mean square displacements of the kLanes frequencies of group `group`, one in each
// lane: D(lag) = Σ_{j < n − lag} |z_{j+lag} − z_j|² / (n − lag) into displacement[lag − 1] for lag
// = 1 … n_cut, where z_j = p_j + i q_j = Σ_{k ≤ j} (φ_k − mean) e^{i(k+1)c}. re and im (N values)
// and energy (n + 1) are room to work in.
//
// The squares expanded, with E_k = Σ_{j < k} |z_j|²,
//   Σ_{j < n − lag} |z_{j+lag} − z_j|² = (E_n − E_lag) + E_{n−lag} − 2 Re Σ_{j < n − lag} z_{j+lag} z̄_j,
// and the lagged products of every lag at once by a transform: with Z the discrete Fourier transform
// of z padded with zeros to N, the inverse transform of |Z|² is N times the circular correlation
// Σ_{j < N} z_{(j+lag) mod N} z̄_j, which holds, besides the products wanted, those that wrap round,
// z_i z̄_{i+N−lag} for i < n + lag − N (none where N ≥ n + lag); they are subtracted. The transforms
// are radix 2, the forward one from natural order to bit-reversed order (Gentleman–Sande) and the
// inverse one back (Cooley–Tukey), so that nothing is permuted: |Z|² is taken value by value, in
// whatever order. At n = 2000 that is 11 passes of 1024 butterflies each way and 11 628 wrapped
// products instead of 200 lags of some 1900 squared differences: five times faster.
//
// Accuracy. The expansion cancels: each of its terms is of the order of n·|z|², the difference
// (n − lag)·D(lag) can be much smaller. Each term is a sum of |z|² or of products of z's, rounded at
// one unit of ε = 2^−53 or so per addition or butterfly (the running sums E, 11 passes of each
// transform), so D(lag) is off by at most about c·ε·max|z|², c of the order of 10², instead of by a
// few ε relatively. K is the correlation coefficient of D with the lag: D moved by at most δ moves K
// by at most about 2δ/σ_D, σ_D the standard deviation of D over the lags. That is small unless D
// hardly varies while |z| is large, and z does not move so: regular motion keeps z on a bounded curve
// from z_0 = (φ_0 − mean) e^{ic} and D oscillates with the curve's size; chaos makes z a random walk,
// D grows like the lag and |z|² like j, so that over n/10 lags σ_D ≳ max|z|²/10²; a resonance makes z
// grow linearly and D like the lag squared. So K moves by 1e-12 at worst, and the roundings being
// random, by some 1e-15 in practice (tests/analysis checks 1e-12 against the squared differences, on
// random series and on the map's), against a threshold of 0.5.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void mean_square_displacements(const double* phi, double mean, long long n, long long n_cut, const Phases& phases,
                               int group, PerFrequency* re, PerFrequency* im, PerFrequency* energy,
                               PerFrequency* displacement) {
  const long long N = phases.size;
  const PerFrequency* cosine = phases.cosine.data() + group * n;
  const PerFrequency* sine = phases.sine.data() + group * n;
  Lanes p = {}, q = {}, e = {};
  store(energy[0], e);
  for (long long j = 0; j < n; ++j) {
    Lanes c, s;
    load(c, cosine[j]);
    load(s, sine[j]);
    const double x = phi[j] - mean;
    p += x * c;
    q += x * s;
    store(re[j], p);
    store(im[j], q);
    e += p * p + q * q;
    store(energy[j + 1], e);
  }
  std::fill(re + n, re + N, PerFrequency{});
  std::fill(im + n, im + N, PerFrequency{});
  // The products that wrap round, each lag's in the order of i.
  std::fill(displacement, displacement + n_cut, PerFrequency{});
  for (long long i = 0; i < n + n_cut - N; ++i) {
    Lanes p_now, q_now;
    load(p_now, re[i]);
    load(q_now, im[i]);
    for (long long lag = std::max(1LL, N - n + i + 1); lag <= n_cut; ++lag) {
      Lanes p_later, q_later, wrapped;
      load(p_later, re[i + N - lag]);
      load(q_later, im[i + N - lag]);
      load(wrapped, displacement[lag - 1]);
      store(displacement[lag - 1], wrapped + (p_now * p_later + q_now * q_later));
    }
  }

  // The transforms' passes, radix 2: pass `half` takes the butterflies (a, a + half) for a = start + k,
  // start a multiple of 2·half, k < half, with the twiddle w^k, w = e^{∓2πi/(2·half)}. Two passes are
  // made at once, on the four values a, a + h, a + 2h, a + 3h of two butterflies of each (h the
  // smaller half), each value loaded and stored once for both: the same operations on the same
  // values as pass after pass (a pass's butterflies are independent, so their order changes nothing).
  // The passes of 2·half ≤ kBlock keep within blocks of kBlock values, so each block is taken through
  // the rest of the forward transform, |Z|² and the start of the inverse one while it is in the cache.
  constexpr long long kBlock = 256;  // values: 32 KB of re and im
  const long long block = std::min(N, kBlock);
  const double* twiddle_re = phases.twiddle_re.data();
  const double* twiddle_im = phases.twiddle_im.data();
  // The forward transform's butterfly: (a, b) ← (a + b, (a − b)·w), w = e^{−2πik/(2·half)}.
  auto forward = [&](Lanes& ar, Lanes& ai, Lanes& br, Lanes& bi, long long twiddle) {
    const double wr = twiddle_re[twiddle], wi = twiddle_im[twiddle];
    const Lanes dr = ar - br, di = ai - bi;
    ar += br;
    ai += bi;
    br = dr * wr - di * wi;
    bi = dr * wi + di * wr;
  };
  // The inverse one's: (a, b) ← (a + b·w̄, a − b·w̄).
  auto inverse = [&](Lanes& ar, Lanes& ai, Lanes& br, Lanes& bi, long long twiddle) {
    const double wr = twiddle_re[twiddle], wi = twiddle_im[twiddle];
    const Lanes tr = br * wr + bi * wi, ti = bi * wr - br * wi;
    br = ar - tr;
    bi = ai - ti;
    ar += tr;
    ai += ti;
  };
  // The values a + m·h, m < 4, into r[m] + i·i[m], and back.
  auto take = [&](long long a, long long h, Lanes (&r)[4], Lanes (&i)[4]) {
    for (int m = 0; m < 4; ++m) load(r[m], re[a + m * h]), load(i[m], im[a + m * h]);
  };
  auto put = [&](long long a, long long h, const Lanes (&r)[4], const Lanes (&i)[4]) {
    for (int m = 0; m < 4; ++m) store(re[a + m * h], r[m]), store(im[a + m * h], i[m]);
  };
  // Passes `half` and half/2 of the forward transform on [from, to), or pass 1 alone.
  auto forward_passes = [&](long long half, long long from, long long to) {
    const long long stride = N / (2 * half);  // through the twiddles
    Lanes r[4], i[4];
    if (half == 1) {
      for (long long a = from; a < to; a += 2) {
        load(r[0], re[a]), load(i[0], im[a]), load(r[1], re[a + 1]), load(i[1], im[a + 1]);
        forward(r[0], i[0], r[1], i[1], 0);
        store(re[a], r[0]), store(im[a], i[0]), store(re[a + 1], r[1]), store(im[a + 1], i[1]);
      }
      return;
    }
    const long long h = half / 2;
    for (long long start = from; start < to; start += 2 * half)
      for (long long k = 0; k < h; ++k) {
        take(start + k, h, r, i);
        forward(r[0], i[0], r[2], i[2], k * stride);
        forward(r[1], i[1], r[3], i[3], (k + h) * stride);
        forward(r[0], i[0], r[1], i[1], 2 * k * stride);
        forward(r[2], i[2], r[3], i[3], 2 * k * stride);
        put(start + k, h, r, i);
      }
  };
  // Passes `half` and 2·half of the inverse transform on [from, to), or pass N/2 alone.
  auto inverse_passes = [&](long long half, long long from, long long to) {
    const long long stride = N / (2 * half);
    Lanes r[4], i[4];
    if (2 * half == N) {
      for (long long k = 0; k < half; ++k) {
        load(r[0], re[k]), load(i[0], im[k]), load(r[1], re[k + half]), load(i[1], im[k + half]);
        inverse(r[0], i[0], r[1], i[1], k);
        store(re[k], r[0]), store(im[k], i[0]), store(re[k + half], r[1]), store(im[k + half], i[1]);
      }
      return;
    }
    for (long long start = from; start < to; start += 4 * half)
      for (long long k = 0; k < half; ++k) {
        take(start + k, half, r, i);
        inverse(r[0], i[0], r[1], i[1], k * stride);
        inverse(r[2], i[2], r[3], i[3], k * stride);
        inverse(r[0], i[0], r[2], i[2], k * stride / 2);
        inverse(r[1], i[1], r[3], i[3], (k + half) * stride / 2);
        put(start + k, half, r, i);
      }
  };
  long long half = N / 2;
  for (; 2 * half > block; half /= 4) forward_passes(half, 0, N);
  const long long inner_forward = half;
  for (long long from = 0; from < N; from += block) {
    for (half = inner_forward; half >= 1; half /= 4) forward_passes(half, from, from + block);
    for (long long k = from; k < from + block; ++k) {
      Lanes zr, zi;
      load(zr, re[k]);
      load(zi, im[k]);
      store(re[k], zr * zr + zi * zi);
      im[k] = PerFrequency{};
    }
    for (half = 1; 4 * half <= block; half *= 4) inverse_passes(half, from, from + block);
  }
  for (; half < N; half *= 4) inverse_passes(half, 0, N);

  const double scale = 1.0 / static_cast<double>(N);  // a power of two: exact
  Lanes total;
  load(total, energy[n]);
  for (long long lag = 1; lag <= n_cut; ++lag) {
    Lanes circular, wrapped, before, after;
    load(circular, re[lag]);
    load(wrapped, displacement[lag - 1]);
    load(before, energy[lag]);
    load(after, energy[n - lag]);
    const Lanes products = circular * scale - wrapped;
    store(displacement[lag - 1],
          ((total - before) + after - (products + products)) / static_cast<double>(n - lag));
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
  std::vector<PerFrequency> re(static_cast<std::size_t>(phases->size)), im(re.size()),
      energy(static_cast<std::size_t>(n + 1)), group_displacement(static_cast<std::size_t>(n_cut));
  std::vector<double> k_values;
  for (int f = 0; f < frequencies; ++f) {
    if (f % kLanes == 0)
      mean_square_displacements(phi.data(), mean, n, n_cut, *phases, f / kLanes, re.data(), im.data(),
                                energy.data(), group_displacement.data());
    // Modified mean square displacement D(n) = M(n) − (E φ)² (1 − cos nc)/(1 − cos c); with the mean
    // removed from φ the oscillatory term vanishes.
    std::vector<double> times, displacement;
    for (long long lag = 1; lag <= n_cut; ++lag) {
      times.push_back(static_cast<double>(lag));
      displacement.push_back(group_displacement[static_cast<std::size_t>(lag - 1)].lane[f % kLanes]);
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
  std::vector<double> series(analysis.samples.size() / M);
  for (std::size_t r = 0; r < series.size(); ++r) series[r] = analysis.samples[r * M];
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
