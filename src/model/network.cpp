#include "attnmf/model/network.hpp"

#include <boost/random/binomial_distribution.hpp>

#include <bit>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

namespace attnmf::model {
namespace {

std::uint64_t splitmix(std::uint64_t x) {
  std::uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// P(x_i = +1) of a class's bits: (1 + tanh(β W^o_c · A)) / 2.
double plus_probability(const NetworkLayout& layout, int c, const double* attention, double beta) {
  double field = 0.0;
  for (int a = 0; a < layout.features; ++a) field += layout.weight(c, o, a) * attention[a];
  return 0.5 * (1.0 + std::tanh(beta * field));
}

// The direct algorithm: every bit drawn on its own, the sums by popcount.
class DirectSampler final : public TokenSampler {
 public:
  DirectSampler(const Weights& weights, const NetworkLayout& layout)
      : layout_(layout), words_(static_cast<std::size_t>((layout.size + 63) / 64)), token_(words_) {
    const int M = layout.features;
    packed_.assign(static_cast<std::size_t>(4 * M) * words_, 0);
    for (int f = 0; f < 4; ++f)
      for (int a = 0; a < M; ++a) {
        std::uint64_t* row = packed_.data() + static_cast<std::size_t>(f * M + a) * words_;
        for (int j = 0; j < layout.base_bits; ++j) {
          if (weights.at(static_cast<Feature>(f), a, j) != 1) continue;
          const long long first = static_cast<long long>(j) * layout.repeat;
          for (long long i = first; i < first + layout.repeat; ++i) row[i >> 6] |= std::uint64_t{1} << (i & 63);
        }
      }
    threshold_.resize(static_cast<std::size_t>(layout.classes()));
    always_.resize(threshold_.size());
  }

  NetworkAlgorithm algorithm() const override { return NetworkAlgorithm::direct; }
  std::unique_ptr<TokenSampler> clone() const override { return std::make_unique<DirectSampler>(*this); }

  void draw(const double* attention, double beta, NoiseStream& noise, long long* sums) override {
    // A bit is +1 when a uniform 64-bit number is below p · 2^64: exactly probability p for every p
    // the double holds down to 2^-11, within 2^-64 below; p = 1 is always +1.
    for (int c = 0; c < layout_.classes(); ++c) {
      const double p = plus_probability(layout_, c, attention, beta);
      always_[static_cast<std::size_t>(c)] = p >= 1.0;
      threshold_[static_cast<std::size_t>(c)] = p >= 1.0 ? 0 : static_cast<std::uint64_t>(std::ldexp(p, 64));
    }
    // The generator's state in locals: stores into the token could otherwise alias it, and the
    // compiler would reload it for every bit.
    NoiseStream local = noise;
    std::uint64_t* __restrict token = token_.data();
    std::uint64_t word = 0;
    int bit = 0;
    std::size_t w = 0;
    for (int j = 0; j < layout_.base_bits; ++j) {
      const std::size_t c = static_cast<std::size_t>(layout_.column_class[static_cast<std::size_t>(j)]);
      const std::uint64_t threshold = threshold_[c];
      const std::uint64_t always = always_[c] ? 1 : 0;
      for (long long r = 0; r < layout_.repeat; ++r) {
        word |= (static_cast<std::uint64_t>(local() < threshold) | always) << bit;
        if (++bit == 64) {
          token[w++] = word;
          word = 0;
          bit = 0;
        }
      }
    }
    if (bit > 0) token[w] = word;
    noise = local;
    const int M = layout_.features;
    for (int fa = 0; fa < 4 * M; ++fa) {
      const std::uint64_t* row = packed_.data() + static_cast<std::size_t>(fa) * words_;
      long long disagree = 0;
      for (std::size_t i = 0; i < words_; ++i) disagree += std::popcount(row[i] ^ token_[i]);
      sums[fa] = layout_.size - 2 * disagree;  // padding bits are 0 in both
    }
  }

 private:
  NetworkLayout layout_;
  std::size_t words_;
  std::vector<std::uint64_t> packed_;  // [4][M][words]: bit i set where W^α_{i,a} = +1
  std::vector<std::uint64_t> token_;
  std::vector<std::uint64_t> threshold_;
  std::vector<char> always_;
};

// The reduced algorithm: one binomial draw per class (Boost.Random's, Hörmann's BTRD above a mean of
// ten and inversion below: exact, at a cost bounded independently of n_c).
class ReducedSampler final : public TokenSampler {
 public:
  explicit ReducedSampler(const NetworkLayout& layout) : layout_(layout) {}
  NetworkAlgorithm algorithm() const override { return NetworkAlgorithm::reduced; }
  std::unique_ptr<TokenSampler> clone() const override { return std::make_unique<ReducedSampler>(*this); }

  void draw(const double* attention, double beta, NoiseStream& noise, long long* sums) override {
    const int M = layout_.features;
    for (int fa = 0; fa < 4 * M; ++fa) sums[fa] = 0;
    for (int c = 0; c < layout_.classes(); ++c) {
      const long long n = layout_.class_bits[static_cast<std::size_t>(c)];
      const double p = plus_probability(layout_, c, attention, beta);
      long long plus;
      if (p <= 0.0) plus = 0;
      else if (p >= 1.0) plus = n;
      else plus = boost::random::binomial_distribution<long long, double>(n, p)(noise);
      const long long spin_sum = 2 * plus - n;  // Σ_{i in c} x_i
      for (int f = 0; f < 4; ++f)
        for (int a = 0; a < M; ++a)
          sums[f * M + a] += static_cast<long long>(layout_.weight(c, static_cast<Feature>(f), a)) * spin_sum;
    }
  }

 private:
  NetworkLayout layout_;
};

}  // namespace

NetworkLayout network_layout(const Weights& weights, long long size) {
  const int bits = weights.semantic_bits;
  if (bits <= 0 || size <= 0 || size % bits != 0)
    throw std::invalid_argument("the network size N = " + std::to_string(size) +
                                " must be a positive multiple of model.semantic_bits = " + std::to_string(bits));
  NetworkLayout layout;
  layout.size = size;
  layout.repeat = size / bits;
  layout.features = weights.features;
  layout.base_bits = bits;
  const int M = weights.features;
  std::map<std::vector<int>, int> classes;
  for (int j = 0; j < bits; ++j) {
    std::vector<int> key;
    for (int f = 0; f < 4; ++f)
      for (int a = 0; a < M; ++a) key.push_back(weights.at(static_cast<Feature>(f), a, j));
    const auto [it, fresh] = classes.emplace(key, layout.classes());
    if (fresh) {
      layout.class_bits.push_back(0);
      for (int w : key) layout.class_weights.push_back(static_cast<double>(w));
    }
    layout.class_bits[static_cast<std::size_t>(it->second)] += layout.repeat;
    layout.column_class.push_back(it->second);
  }
  return layout;
}

NoiseStream::NoiseStream(unsigned long long seed, long long point, int replica) {
  std::uint64_t h = splitmix(splitmix(splitmix(seed) ^ static_cast<std::uint64_t>(point)) ^
                             static_cast<std::uint64_t>(static_cast<long long>(replica)));
  for (auto& word : s_) {
    word = splitmix(h);
    h += 0x9e3779b97f4a7c15ULL;
  }
}

std::unique_ptr<TokenSampler> make_token_sampler(const Weights& weights, const NetworkLayout& layout,
                                                 NetworkAlgorithm algorithm) {
  if (algorithm == NetworkAlgorithm::direct) {
    if (direct_bytes(layout) > kDirectMaxBytes)
      throw std::invalid_argument("network.algorithm = direct at N = " + std::to_string(layout.size) + " needs " +
                                  std::to_string(direct_bytes(layout) / 1e9) +
                                  " GB for its packed weights and token; use network.algorithm = reduced or auto");
    return std::make_unique<DirectSampler>(weights, layout);
  }
  return std::make_unique<ReducedSampler>(layout);
}

double direct_bytes(const NetworkLayout& layout) {
  return static_cast<double>(4 * layout.features + 1) * static_cast<double>((layout.size + 63) / 64) * 8.0;
}

NetworkAlgorithm faster_algorithm(const NetworkLayout& layout) {
  // Measured on the development machine (bench/bench_network.cpp, docs/network.md): the direct
  // algorithm's token costs about kDirectPerBit per bit, the reduced one about kReducedPerClass per
  // class; the rest of a step is the same for both.
  constexpr double kDirectPerBit = 3.3e-9, kReducedPerClass = 1.0e-7;
  const double direct = kDirectPerBit * static_cast<double>(layout.size);
  const double reduced = kReducedPerClass * layout.classes();
  return direct < reduced && direct_bytes(layout) <= kDirectMaxBytes ? NetworkAlgorithm::direct : NetworkAlgorithm::reduced;
}

}  // namespace attnmf::model
