// The finite network's weights at size N and its two token draws (model/network.hpp): the layout
// keeps the weight statistics of the draw, the noise streams depend on (seed, point, replica) alone,
// and the direct and the reduced draws agree in distribution — with each other and with the exact
// binomial mean and variance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>
#include <vector>

#include "attnmf/model/network.hpp"
#include "attnmf/model/weights.hpp"

namespace {

using attnmf::model::Feature;
using attnmf::model::make_token_sampler;
using attnmf::model::network_layout;
using attnmf::model::NetworkAlgorithm;
using attnmf::model::NoiseStream;

attnmf::model::Weights paper_weights() { return attnmf::model::draw_weights(attnmf::model::ModelParameters{}); }

attnmf::model::Weights random_weights() {
  attnmf::model::ModelParameters p;
  p.weights.correlations = attnmf::model::CorrelationMode::weights;  // no segments: many classes
  return attnmf::model::draw_weights(p);
}

TEST(NetworkLayout, RepeatsTheDrawnColumnsAndKeepsTheirStatistics) {
  const auto weights = random_weights();
  const auto layout = network_layout(weights, 99 * 7);
  EXPECT_EQ(layout.repeat, 7);
  EXPECT_EQ(std::accumulate(layout.class_bits.begin(), layout.class_bits.end(), 0LL), 99 * 7);
  EXPECT_GT(layout.classes(), 20);  // 12 random signs per column: most columns differ
  // K^α from the classes is the table of the draw: the fraction of bits per class is N-independent.
  const int M = weights.features;
  for (int f = 0; f < 4; ++f) {
    const std::vector<double> table = weights.table(static_cast<Feature>(f));
    const int J = 1 << (M - 1);
    for (int j = 0; j < J; ++j)
      for (int a = 0; a < M; ++a) {
        double k = 0.0;
        for (int c = 0; c < layout.classes(); ++c) {
          // σ_j or −σ_j as the class's output pattern (docs/model.md §2).
          int sign = 0;
          for (int s : {1, -1}) {
            bool all = true;
            for (int b = 0; b < M; ++b)
              all = all && layout.weight(c, attnmf::model::o, b) == s * attnmf::model::sign_vector_entry(j, b, M);
            if (all) sign = s;
          }
          k += sign * layout.weight(c, static_cast<Feature>(f), a) * static_cast<double>(layout.class_bits[c]);
        }
        EXPECT_NEAR(k / static_cast<double>(layout.size), table[static_cast<std::size_t>(j * M + a)], 1e-12)
            << "feature " << f << " sigma " << j << " a " << a;
      }
  }
  // The paper's segments make three classes: the segment boundaries are shared by every row.
  EXPECT_EQ(network_layout(paper_weights(), 990).classes(), 3);
}

TEST(NetworkLayout, RefusesASizeThatIsNoMultipleOfTheDrawnBits) {
  const auto weights = paper_weights();
  EXPECT_THROW(network_layout(weights, 1000), std::invalid_argument);
  EXPECT_THROW(network_layout(weights, 0), std::invalid_argument);
  EXPECT_NO_THROW(network_layout(weights, 99));
}

TEST(NoiseStream, DependsOnSeedPointAndReplicaAlone) {
  const auto first = [](unsigned long long seed, long long point, int replica) {
    NoiseStream s(seed, point, replica);
    return std::vector<std::uint64_t>{s(), s(), s()};
  };
  EXPECT_EQ(first(1, 5, 2), first(1, 5, 2));
  std::set<std::vector<std::uint64_t>> distinct{first(1, 5, 2), first(2, 5, 2), first(1, 6, 2), first(1, 5, 3),
                                                first(1, 2, 5)};
  EXPECT_EQ(distinct.size(), 5U);
  // Uniform: the mean of many draws on [0, 1) is 1/2 within 5 standard errors.
  NoiseStream s(7, 0, 0);
  double sum = 0.0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) sum += s.uniform();
  EXPECT_NEAR(sum / n, 0.5, 5.0 * std::sqrt(1.0 / 12.0 / n));
}

struct Moments {
  std::vector<double> mean, variance;
  std::map<long long, long long> histogram;  // of S^o_0
};

Moments draw_many(const attnmf::model::Weights& weights, long long size, NetworkAlgorithm algorithm,
                  const std::vector<double>& attention, double beta, int draws, int replica) {
  const auto layout = network_layout(weights, size);
  auto sampler = make_token_sampler(weights, layout, algorithm);
  EXPECT_EQ(sampler->algorithm(), algorithm);
  NoiseStream noise(3, 0, replica);
  const int M = weights.features;
  std::vector<long long> sums(static_cast<std::size_t>(4 * M));
  Moments m{std::vector<double>(sums.size(), 0.0), std::vector<double>(sums.size(), 0.0), {}};
  for (int i = 0; i < draws; ++i) {
    sampler->draw(attention.data(), beta, noise, sums.data());
    for (std::size_t j = 0; j < sums.size(); ++j) {
      m.mean[j] += static_cast<double>(sums[j]);
      m.variance[j] += static_cast<double>(sums[j]) * static_cast<double>(sums[j]);
    }
    ++m.histogram[sums[0]];
  }
  for (std::size_t j = 0; j < sums.size(); ++j) {
    m.mean[j] /= draws;
    m.variance[j] = m.variance[j] / draws - m.mean[j] * m.mean[j];
  }
  return m;
}

// The exact mean and variance of S^α_a: Σ_c W^α_{c,a} (2 k_c − n_c) with k_c ~ Binomial(n_c, p_c).
Moments exact(const attnmf::model::Weights& weights, long long size, const std::vector<double>& attention, double beta) {
  const auto layout = network_layout(weights, size);
  const int M = weights.features;
  Moments m{std::vector<double>(static_cast<std::size_t>(4 * M), 0.0), std::vector<double>(static_cast<std::size_t>(4 * M), 0.0), {}};
  for (int c = 0; c < layout.classes(); ++c) {
    double h = 0.0;
    for (int a = 0; a < M; ++a) h += layout.weight(c, attnmf::model::o, a) * attention[static_cast<std::size_t>(a)];
    const double p = 0.5 * (1.0 + std::tanh(beta * h));
    const double n = static_cast<double>(layout.class_bits[static_cast<std::size_t>(c)]);
    for (int f = 0; f < 4; ++f)
      for (int a = 0; a < M; ++a) {
        const double w = layout.weight(c, static_cast<Feature>(f), a);
        m.mean[static_cast<std::size_t>(f * M + a)] += w * n * (2 * p - 1);
        m.variance[static_cast<std::size_t>(f * M + a)] += n * 4 * p * (1 - p);
      }
  }
  return m;
}

class TokenDrawsAtSize : public ::testing::TestWithParam<long long> {};

TEST_P(TokenDrawsAtSize, DirectAndReducedAgreeInDistribution) {
  const long long size = GetParam();
  const auto weights = random_weights();
  const std::vector<double> attention = {0.31, -0.12, 0.05};
  const double beta = 1.3;
  const int draws = 20000;
  const Moments direct = draw_many(weights, size, NetworkAlgorithm::direct, attention, beta, draws, 0);
  const Moments reduced = draw_many(weights, size, NetworkAlgorithm::reduced, attention, beta, draws, 1);
  const Moments expected = exact(weights, size, attention, beta);
  for (std::size_t j = 0; j < expected.mean.size(); ++j) {
    const double error = std::sqrt(expected.variance[j] / draws);
    EXPECT_NEAR(direct.mean[j], expected.mean[j], 5 * error) << "direct, sum " << j;
    EXPECT_NEAR(reduced.mean[j], expected.mean[j], 5 * error) << "reduced, sum " << j;
    // The sample variance of 20000 draws is within ~4 % (5 standard errors of sqrt(2/n)).
    EXPECT_NEAR(direct.variance[j] / expected.variance[j], 1.0, 0.05) << "direct, sum " << j;
    EXPECT_NEAR(reduced.variance[j] / expected.variance[j], 1.0, 0.05) << "reduced, sum " << j;
  }
  // The histograms of S^o_0: a two-sample chi-square over bins of at least 50 expected draws each.
  std::vector<long long> values;
  for (const auto& [value, count] : direct.histogram) values.push_back(value);
  for (const auto& [value, count] : reduced.histogram) values.push_back(value);
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  const auto count_of = [](const std::map<long long, long long>& h, long long v) {
    const auto it = h.find(v);
    return it == h.end() ? 0LL : it->second;
  };
  double chi2 = 0.0;
  int bins = 0;
  long long a = 0, b = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    a += count_of(direct.histogram, values[i]);
    b += count_of(reduced.histogram, values[i]);
    if (a + b >= 100 || i + 1 == values.size()) {
      chi2 += static_cast<double>((a - b) * (a - b)) / static_cast<double>(a + b);
      ++bins;
      a = b = 0;
    }
  }
  ASSERT_GE(bins, 5);
  // Chi-square with bins − 1 degrees of freedom: mean bins − 1, standard deviation sqrt(2 (bins − 1));
  // six of those above the mean is far beyond chance.
  EXPECT_LT(chi2, (bins - 1) + 6.0 * std::sqrt(2.0 * (bins - 1))) << bins << " bins";
}

INSTANTIATE_TEST_SUITE_P(Sizes, TokenDrawsAtSize, ::testing::Values(99, 990, 9900));

TEST(TokenDraws, AreCertainWhereTheProbabilitiesAreOneOrZero) {
  const auto weights = paper_weights();
  const std::vector<double> attention = {0.5, 0.5, 0.5};
  const auto layout = network_layout(weights, 990);
  for (const NetworkAlgorithm algorithm : {NetworkAlgorithm::direct, NetworkAlgorithm::reduced}) {
    auto sampler = make_token_sampler(weights, layout, algorithm);
    NoiseStream noise(1, 0, 0);
    std::vector<long long> sums(12);
    sampler->draw(attention.data(), 1e6, noise, sums.data());  // every p is 0 or 1
    const Moments expected = exact(weights, 990, attention, 1e6);
    for (std::size_t j = 0; j < sums.size(); ++j) EXPECT_EQ(static_cast<double>(sums[j]), expected.mean[j]) << j;
  }
}

TEST(TokenDraws, TheReducedCostDoesNotDependOnN) {
  // Not a timing: the reduced draw touches one binomial per class, so N = 99·10^10 is as valid as
  // 99 (no per-bit state), and its mean is still the exact one.
  const auto weights = paper_weights();
  const std::vector<double> attention = {0.2, -0.1, 0.3};
  const long long size = 99LL * 10'000'000'000LL;
  const Moments reduced = draw_many(weights, size, NetworkAlgorithm::reduced, attention, 1.27, 2000, 0);
  const Moments expected = exact(weights, size, attention, 1.27);
  for (std::size_t j = 0; j < expected.mean.size(); ++j)
    EXPECT_NEAR(reduced.mean[j], expected.mean[j], 5 * std::sqrt(expected.variance[j] / 2000)) << j;
  EXPECT_THROW(make_token_sampler(weights, network_layout(weights, size), NetworkAlgorithm::direct), std::invalid_argument);
  EXPECT_EQ(attnmf::model::faster_algorithm(network_layout(weights, size)), NetworkAlgorithm::reduced);
}

}  // namespace
