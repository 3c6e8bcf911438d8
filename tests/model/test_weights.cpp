// The weight draw and tables against the authors' implementation (tests/reference/tables_*), and
// the table form of docs/model.md §2 against its definition for M beyond the reference's limit.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "attnmf/model/numpy_random.hpp"
#include "attnmf/model/weights.hpp"
#include "reference_fixtures.hpp"

namespace {

using namespace attnmf::model;

struct TableCase {
  int mode;
  std::uint32_t seed;
  int features;
};

class ReferenceTablesTest : public ::testing::TestWithParam<TableCase> {};

TEST_P(ReferenceTablesTest, MatchesAuthorsImplementation) {
  const TableCase c = GetParam();
  ModelParameters p;
  p.features = c.features;
  p.weights.seed = c.seed;
  p.weights.correlations = static_cast<CorrelationMode>(c.mode);
  const Weights w = draw_weights(p);
  const auto reference = attnmf::testing::read_reference_tables("tables_mode" + std::to_string(c.mode) + "_seed" +
                                                                std::to_string(c.seed) + "_M" + std::to_string(c.features) + ".txt");
  for (int f = 0; f < 4; ++f) {
    const auto& expected = reference.corr_signed.at(feature_names[f]);
    ASSERT_EQ(static_cast<int>(expected.size()), p.sign_vectors());
    for (int j = 0; j < p.sign_vectors(); ++j)
      for (int a = 0; a < c.features; ++a)
        EXPECT_NEAR(w.corr_signed[f][j * c.features + a], expected[j][a], 1e-12) << feature_names[f] << " j=" << j << " a=" << a;
    const auto& expected_pe = reference.positional.at(feature_names[f]);
    const auto pe = w.positional_weights(static_cast<Feature>(f));
    for (int a = 0; a < c.features; ++a)
      for (int i = 0; i < p.positional_bits; ++i) EXPECT_EQ(pe[a * p.positional_bits + i], expected_pe[a][i]);
  }
}

std::vector<TableCase> all_table_cases() {
  std::vector<TableCase> cases;
  for (int mode : {0, 2, 3})
    for (std::uint32_t seed : {1U, 2U})
      for (int m : {1, 2, 3}) cases.push_back({mode, seed, m});
  return cases;
}

std::string table_case_name(const ::testing::TestParamInfo<TableCase>& param_info) {
  const TableCase& c = param_info.param;
  return "mode" + std::to_string(c.mode) + "_seed" + std::to_string(c.seed) + "_M" + std::to_string(c.features);
}

INSTANTIATE_TEST_SUITE_P(AllFixtures, ReferenceTablesTest, ::testing::ValuesIn(all_table_cases()), table_case_name);

// The table from its definition, K[σ][a] = (Σ_{W^o_i = σ} W^α_ia − Σ_{W^o_i = −σ} W^α_ia) / N_se,
// by brute force over the bits: an independent check of both the subset route (M ≤ 3) and the
// direct route (M > 3).
TEST(Tables, EqualTheirDefinitionForAnyM) {
  for (int m = 1; m <= 6; ++m) {
    for (auto mode : {CorrelationMode::segments, CorrelationMode::weights}) {
      ModelParameters p;
      p.features = m;
      p.semantic_bits = 57;
      p.weights.correlations = mode;
      p.weights.seed = 7;
      const Weights w = draw_weights(p);
      for (int f = 0; f < 4; ++f) {
        const auto table = w.table(static_cast<Feature>(f));
        for (int j = 0; j < p.sign_vectors(); ++j) {
          for (int a = 0; a < m; ++a) {
            long long sum = 0;
            for (int i = 0; i < p.semantic_bits; ++i) {
              bool equal = true, opposite = true;
              for (int b = 0; b < m; ++b) {
                const int sigma = sign_vector_entry(j, b, m);
                equal = equal && w.at(o, b, i) == sigma;
                opposite = opposite && w.at(o, b, i) == -sigma;
              }
              if (equal) sum += w.at(static_cast<Feature>(f), a, i);
              if (opposite) sum -= w.at(static_cast<Feature>(f), a, i);
            }
            EXPECT_NEAR(table[j * m + a], static_cast<double>(sum) / p.semantic_bits, 1e-14)
                << "M=" << m << " mode=" << to_string(mode) << " f=" << f << " j=" << j << " a=" << a;
          }
        }
      }
    }
  }
}

TEST(Tables, SignVectorsFollowTheReferenceOrder) {
  // M = 3: (+,+,+), (+,+,−), (+,−,+), (+,−,−)
  const int expected[4][3] = {{1, 1, 1}, {1, 1, -1}, {1, -1, 1}, {1, -1, -1}};
  for (int j = 0; j < 4; ++j)
    for (int b = 0; b < 3; ++b) EXPECT_EQ(sign_vector_entry(j, b, 3), expected[j][b]);
}

TEST(Tables, ModesWithoutDefinitionRefuseLargeM) {
  for (auto mode : {CorrelationMode::gaussian, CorrelationMode::uniform}) {
    ModelParameters p;
    p.features = 4;
    p.weights.correlations = mode;
    EXPECT_THROW(draw_weights(p), std::invalid_argument);
  }
}

TEST(NumpyRandom, IntegerStreamIsMT19937) {
  NumpyLegacyRandom rng(5489);
  std::mt19937 reference(5489);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(rng.next_uint32(), reference());
}

TEST(NumpyRandom, DoublesAreFiftyThreeBitsFromTwoWords) {
  NumpyLegacyRandom rng(1);
  std::mt19937 words(1);
  for (int i = 0; i < 100; ++i) {
    const auto a = static_cast<double>(words() >> 5), b = static_cast<double>(words() >> 6);
    EXPECT_EQ(rng.random_double(), (a * 67108864.0 + b) / 9007199254740992.0);
  }
}

TEST(NumpyRandom, GaussianHasUnitVarianceAndCachesPairs) {
  NumpyLegacyRandom rng(3);
  double sum = 0, sum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double x = rng.gauss();
    sum += x;
    sum2 += x * x;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum2 / n, 1.0, 0.01);
}

}  // namespace
