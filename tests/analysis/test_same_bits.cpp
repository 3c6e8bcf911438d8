// The 0-1 test, the correlation dimension and the distinct-value count return the same bits as
// straightforward forms of their algorithms, written here as plainly as they can be: cos and sin
// computed where they are used, one frequency at a time and one radix-2 pass after another for the
// 0-1 test's transforms; squared distances of one row at a time stored and then compared; bins
// sorted. The correlation dimension and the count are the algorithms they replaced for speed, copied
// as they were. The 0-1 test's displacements once were sums of squared differences, one lag at a
// time; those are kept here too, and K agrees with them within 1e-12 (classification.cpp says why),
// on random series and on the map's own. Random inputs, at sizes that are not multiples of the vector
// widths, the transform sizes or the row blocks. This file is built with -ffp-contract=off, as the
// library is (tests/CMakeLists.txt), so that the copies round as the library does.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "attnmf/analysis/classification.hpp"
#include "attnmf/analysis/point_analysis.hpp"
#include "attnmf/dynamics/integrator.hpp"
#include "attnmf/model/mean_field_map.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/model/window.hpp"

namespace {

using namespace attnmf::analysis;

// ---- the algorithms as they were -------------------------------------------------------------------

double direct_squared_displacements(const double* p, const double* q, long long lag, long long terms) {
  double partial[8] = {};
  const double* later_p = p + lag;
  const double* later_q = q + lag;
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

// D(lag) of one frequency as classification.cpp computes it, plainly: the energies' running sums,
// the products that wrap round, and a radix-2 transform and its inverse pass by pass.
std::vector<double> transformed_displacements(const std::vector<double>& p, const std::vector<double>& q, long long n_cut) {
  const auto n = static_cast<long long>(p.size());
  const long long N = static_cast<long long>(std::bit_ceil(static_cast<unsigned long long>(n)));
  std::vector<double> energy{0.0};
  for (long long j = 0; j < n; ++j) energy.push_back(energy.back() + (p[j] * p[j] + q[j] * q[j]));
  std::vector<double> wrapped(static_cast<std::size_t>(n_cut) + 1, 0.0);
  for (long long lag = 1; lag <= n_cut; ++lag)
    for (long long i = 0; i < n + lag - N; ++i) wrapped[lag] += p[i] * p[i + N - lag] + q[i] * q[i + N - lag];
  std::vector<double> re(p), im(q);
  re.resize(static_cast<std::size_t>(N), 0.0);
  im.resize(static_cast<std::size_t>(N), 0.0);
  auto twiddle = [&](long long t, double& wr, double& wi) {
    const double angle = -2.0 * std::numbers::pi * static_cast<double>(t) / static_cast<double>(N);
    wr = std::cos(angle);
    wi = std::sin(angle);
  };
  for (long long half = N / 2; half >= 1; half /= 2)
    for (long long start = 0; start < N; start += 2 * half)
      for (long long k = 0; k < half; ++k) {
        double wr, wi;
        twiddle(k * (N / (2 * half)), wr, wi);
        const long long a = start + k, b = a + half;
        const double dr = re[a] - re[b], di = im[a] - im[b];
        re[a] += re[b];
        im[a] += im[b];
        re[b] = dr * wr - di * wi;
        im[b] = dr * wi + di * wr;
      }
  for (long long k = 0; k < N; ++k) {
    re[k] = re[k] * re[k] + im[k] * im[k];
    im[k] = 0.0;
  }
  for (long long half = 1; half < N; half *= 2)
    for (long long start = 0; start < N; start += 2 * half)
      for (long long k = 0; k < half; ++k) {
        double wr, wi;
        twiddle(k * (N / (2 * half)), wr, wi);
        const long long a = start + k, b = a + half;
        const double tr = re[b] * wr + im[b] * wi, ti = im[b] * wr - re[b] * wi;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
  std::vector<double> displacement;
  for (long long lag = 1; lag <= n_cut; ++lag) {
    const double products = re[lag] * (1.0 / static_cast<double>(N)) - wrapped[lag];
    displacement.push_back(((energy[n] - energy[lag]) + energy[n - lag] - (products + products)) /
                           static_cast<double>(n - lag));
  }
  return displacement;
}

// How D(lag) is summed: squared differences one lag at a time, or as classification.cpp does.
enum class Displacements { direct, transformed };

double reference_zero_one_test(const std::vector<double>& series, int frequencies, long long max_points,
                               Displacements how) {
  const auto size = static_cast<long long>(series.size());
  if (size < 100 || frequencies < 1) return std::nan("");
  const long long stride = std::max<long long>(1, size / max_points);
  std::vector<double> phi;
  for (long long i = 0; i < size; i += stride) phi.push_back(series[static_cast<std::size_t>(i)]);
  const auto n = static_cast<long long>(phi.size());
  double mean = 0.0;
  for (double x : phi) mean += x;
  mean /= static_cast<double>(n);
  double variance = 0.0;
  for (double x : phi) variance += (x - mean) * (x - mean);
  if (variance <= 1e-24 * static_cast<double>(n)) return 0.0;

  const long long n_cut = n / 10;
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
    std::vector<double> times, displacement;
    if (how == Displacements::transformed) displacement = transformed_displacements(p, q, n_cut);
    for (long long lag = 1; lag <= n_cut; ++lag) {
      times.push_back(static_cast<double>(lag));
      if (how == Displacements::direct)
        displacement.push_back(direct_squared_displacements(p.data(), q.data(), lag, n - lag) /
                               static_cast<double>(n - lag));
    }
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

void reference_count_close_pairs(const std::vector<double>& x, int features, long long n, const double* radii2,
                                 int radii, long long* within) {
  std::vector<double> d2(static_cast<std::size_t>(n));
  for (long long i = 0; i + 1 < n; ++i) {
    const long long others = n - i - 1;
    double* d = d2.data();
    for (long long j = 0; j < others; ++j) d[j] = 0.0;
    for (int a = 0; a < features; ++a) {
      const double* coordinate = x.data() + static_cast<std::size_t>(a) * static_cast<std::size_t>(n);
      const double xi = coordinate[i];
      const double* later = coordinate + i + 1;
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

double reference_correlation_dimension(const std::vector<double>& samples, int features, int cycle, long long max_points) {
  if (features < 1 || cycle < 1 || max_points < 1) return std::nan("");
  const auto rows = static_cast<long long>(samples.size() / static_cast<std::size_t>(features));
  const long long stride = cycle * std::max<long long>(1, (rows + max_points * cycle - 1) / (max_points * cycle));
  const long long n = rows > 0 ? (rows - 1) / stride + 1 : 0;
  if (n < 100) return std::nan("");
  std::vector<double> x(static_cast<std::size_t>(n) * static_cast<std::size_t>(features));
  std::vector<double> centroid(static_cast<std::size_t>(features), 0.0);
  for (long long k = 0; k < n; ++k) {
    const std::size_t row = static_cast<std::size_t>(rows - 1 - k * stride);
    for (int a = 0; a < features; ++a) {
      const double value = samples[row * static_cast<std::size_t>(features) + static_cast<std::size_t>(a)];
      x[static_cast<std::size_t>(a) * static_cast<std::size_t>(n) + static_cast<std::size_t>(k)] = value;
      centroid[static_cast<std::size_t>(a)] += value;
    }
  }
  double spread = 0.0;
  for (int a = 0; a < features; ++a) {
    const double mean = centroid[static_cast<std::size_t>(a)] / static_cast<double>(n);
    for (long long k = 0; k < n; ++k) {
      const double d = x[static_cast<std::size_t>(a) * static_cast<std::size_t>(n) + static_cast<std::size_t>(k)] - mean;
      spread += d * d;
    }
  }
  spread /= static_cast<double>(n);
  if (!std::isfinite(spread)) return std::nan("");
  constexpr double same_point = 1e-12;
  if (spread <= same_point * same_point) return 0.0;
  constexpr double small = 0.02, large = 0.2;
  const double radii2[2] = {small * small * spread, large * large * spread};
  long long within[2] = {0, 0};
  reference_count_close_pairs(x, features, n, radii2, 2, within);
  if (within[0] == 0) return std::nan("");
  return std::log(static_cast<double>(within[1]) / static_cast<double>(within[0])) / std::log(large / small);
}

int reference_distinct_values(const std::vector<double>& values, double resolution) {
  std::vector<double> bins;
  for (double v : values) bins.push_back(std::floor(v / resolution));
  auto less = [](double a, double b) { return std::isnan(b) ? !std::isnan(a) : a < b; };
  auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
  std::sort(bins.begin(), bins.end(), less);
  return static_cast<int>(std::unique(bins.begin(), bins.end(), same) - bins.begin());
}

// ---- the comparisons -----------------------------------------------------------------------------

std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

// Series of the kinds the test meets: noise, a random walk (the 0-1 test's diffusive case), the
// logistic map, a quasi-periodic sum of sines, and noise around a large offset.
std::vector<double> series_of(int kind, long long size, std::mt19937& generator) {
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<double> s;
  double x = 0.3, walk = 0.0;
  for (long long t = 0; t < size; ++t) {
    const auto step = static_cast<double>(t);
    switch (kind) {
      case 0: s.push_back(uniform(generator)); break;
      case 1: s.push_back(walk += uniform(generator)); break;
      case 2: s.push_back(x = 3.97 * x * (1 - x)); break;
      case 3: s.push_back(std::sin(0.618034 * step) + 0.4 * std::sin(1.414214 * step)); break;
      default: s.push_back(1e6 + uniform(generator)); break;
    }
  }
  return s;
}

// n = size / stride values, n / 10 lags: lag counts from 10 to 400, n at, just below and just above
// a power of two (the most products wrapped round, and none), groups of frequencies full and not.
const std::vector<long long> kSizes{100, 101, 128, 129, 137, 263, 999, 1024, 1234, 2000, 2003, 2048, 4321, 20000};
const std::vector<std::pair<int, long long>> kFrequenciesAndPoints{{16, 2000}, {5, 777}, {1, 130}, {7, 4096}};

// Every series kind at every size with every frequency setting, from `seed`: check(series,
// frequencies, max_points, what), `what` naming the case for a failure's message.
template <class Check>
void for_each_zero_one_case(unsigned seed, Check check) {
  std::mt19937 generator(seed);
  for (long long size : kSizes)
    for (int kind = 0; kind < 5; ++kind)
      for (auto [frequencies, max_points] : kFrequenciesAndPoints) {
        const auto s = series_of(kind, size, generator);
        check(s, frequencies, max_points,
              "size " + std::to_string(size) + ", kind " + std::to_string(kind) + ", " + std::to_string(frequencies) +
                  " frequencies");
      }
}

TEST(SameBits, ZeroOneTestAsTransformedPlainly) {
  for_each_zero_one_case(11, [](const std::vector<double>& s, int frequencies, long long max_points, const std::string& what) {
    const double expected = reference_zero_one_test(s, frequencies, max_points, Displacements::transformed);
    const double got = zero_one_test(s, frequencies, max_points);
    EXPECT_EQ(bits(got), bits(expected)) << what << ": " << got << " against " << expected;
  });
}

TEST(ZeroOneTestRounding, WithinRoundingOfTheSumsOfSquaredDifferences) {
  for_each_zero_one_case(15, [](const std::vector<double>& s, int frequencies, long long max_points, const std::string& what) {
    EXPECT_NEAR(zero_one_test(s, frequencies, max_points),
                reference_zero_one_test(s, frequencies, max_points, Displacements::direct), 1e-12)
        << what;
  });
}

// m^o_se[0] of the map at the paper's settings from the paper's window, S = 2·10^4 samples after a
// transient of 2·10^5 steps: a fixed point, a torus, period 28 and chaos (Fig. 2's β values).
TEST(ZeroOneTestRounding, WithinRoundingOfTheSumsOfSquaredDifferencesOnTheMap) {
  using namespace attnmf::model;
  for (double beta : {0.5, 1.255, 1.27, 1.4}) {
    ModelParameters parameters;
    parameters.beta = beta;
    const Weights weights = draw_weights(parameters);
    const MeanFieldMap map(parameters, weights);
    attnmf::dynamics::Integrator integrator(map, read_window_file(ATTNMF_REFERENCE_DIR "/checkpoint_window.txt", map));
    integrator.run(200'000);
    const int m = parameters.features;
    std::vector<double> rows(6 * static_cast<std::size_t>(m)), series;
    const attnmf::dynamics::StepRecord record{&rows[0], &rows[m], &rows[2 * m], &rows[3 * m], &rows[4 * m], &rows[5 * m]};
    for (int t = 0; t < 20'000; ++t) {
      integrator.step(record);
      series.push_back(record.output_semantic[0]);
    }
    EXPECT_NEAR(zero_one_test(series), reference_zero_one_test(series, 16, 2000, Displacements::direct), 1e-12)
        << "beta " << beta;
  }
}

// The cos and sin tables are shared between threads and replaced when the size changes.
TEST(SameBits, ZeroOneTestFromThreadsOfDifferentSizes) {
  std::mt19937 generator(12);
  const std::vector<std::vector<double>> series{series_of(2, 20000, generator), series_of(1, 1500, generator),
                                                series_of(0, 777, generator)};
  std::vector<double> expected;
  for (const auto& s : series) expected.push_back(reference_zero_one_test(s, 16, 2000, Displacements::transformed));
  std::vector<std::vector<double>> got(series.size());
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < series.size(); ++k)
    threads.emplace_back([&, k] {
      for (int round = 0; round < 8; ++round) got[k].push_back(zero_one_test(series[k], 16, 2000));
    });
  for (auto& t : threads) t.join();
  for (std::size_t k = 0; k < series.size(); ++k)
    for (double g : got[k]) EXPECT_EQ(bits(g), bits(expected[k])) << "series " << k;
}

TEST(SameBits, CorrelationDimensionAsOneRowAtATime) {
  std::mt19937 generator(13);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int features : {1, 2, 3, 4, 5, 7, 16})
    for (long long rows : {100LL, 101LL, 103LL, 109LL, 250LL, 1001LL, 2003LL, 20000LL})
      for (auto [cycle, max_points] : {std::pair{1, 2000LL}, std::pair{4, 2000LL}, std::pair{3, 333LL}}) {
        // Points near a few centres, so that both radii see pairs, and some repeated exactly.
        std::vector<double> samples;
        for (long long r = 0; r < rows; ++r) {
          const double centre = static_cast<double>(r % 5);
          for (int a = 0; a < features; ++a)
            samples.push_back(r % 7 == 0 && r > 0 ? samples[samples.size() - static_cast<std::size_t>(features)]
                                                  : centre * uniform(generator) + 0.05 * normal(generator));
        }
        const double expected = reference_correlation_dimension(samples, features, cycle, max_points);
        const double got = correlation_dimension(samples, features, cycle, max_points);
        EXPECT_EQ(bits(got), bits(expected)) << features << " features, " << rows << " rows, cycle " << cycle
                                             << ": " << got << " against " << expected;
      }
}

// The analyzer's count against sorting, with what a sort has to get right: NaNs (one bin), ±∞,
// −0 and +0 (one bin), values beyond every integer type, subnormals, and spans below and above
// the size of the analyzer's table.
TEST(SameBits, DistinctValuesAsSorted) {
  std::mt19937 generator(14);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  const std::vector<double> special{NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, 1e300, -1e300, 3e19, -3e19,
                                    4.9e-324, -4.9e-324, 1.7976931348623157e308};
  for (long long rows : {1LL, 2LL, 7LL, 100LL, 1000LL, 20000LL})
    for (double resolution : {2.0 / 5001.0, 1e-6, 1e-300, 0.5})
      for (int mix = 0; mix < 4; ++mix) {
        std::vector<double> values;
        for (long long r = 0; r < rows; ++r) {
          double v = uniform(generator);
          if (mix == 1 && r % 7 == 3) v = special[static_cast<std::size_t>(r) % special.size()];
          if (mix == 2) v = std::round(v * 40.0) / 40.0;  // few bins, many repeats
          if (mix == 3 && r % 5 == 0) v *= 1e17;
          values.push_back(v);
        }
        AnalysisSettings settings;
        settings.samples = rows;
        settings.period_max = 1;
        settings.count_resolution = resolution;
        PointAnalyzer analyzer(3, 1, rows, settings);
        for (double v : values) {
          const double row[3] = {v, 0.5, 0.25};
          analyzer.observe(row, row, 0);
        }
        EXPECT_EQ(analyzer.finish().distinct_values, reference_distinct_values(values, resolution))
            << rows << " rows, resolution " << resolution << ", mix " << mix;
      }
}

}  // namespace
