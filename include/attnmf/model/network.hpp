#pragma once
// The finite network of docs/network.md: N semantic bits instead of the mean-field limit N → ∞.
//
// Its weights at size N are the drawn model.semantic_bits columns of W^o, W^v, W^q and W^k, each
// repeated N / semantic_bits times side by side (numpy's np.repeat, as the authors' finite-N model
// copies a smaller model), so that the weight statistics K^α, and so the mean-field map the network
// is compared with, are the same at every N. The positional columns are those of the draw.
//
// A token's semantic bits are drawn independently, x_i = +1 with probability (1 + tanh(β h_i)) / 2,
// h_i = Σ_a W^o_{i,a} A_a, and the token enters the dynamics only through its sums
// S^α_a = Σ_i W^α_{i,a} x_i (its mean fields are (1 − ε) S^α_a / N plus the positional term). Two
// ways to draw those sums, equal in distribution:
//  * direct: N uniform 64-bit numbers, one per bit, compared with the bit's probability scaled to
//    2^64, packed 64 bits to a word; S^α_a = N − 2 · popcount(W^α_a xor x);
//  * reduced: the bits that share all 4M weights form a class c of n_c bits with one probability
//    p_c, the number of its +1 bits is Binomial(n_c, p_c), and S^α_a = Σ_c W^α_{c,a} (2 k_c − n_c):
//    one binomial draw per class, at a cost independent of N.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "attnmf/model/weights.hpp"

namespace attnmf::model {

enum class NetworkAlgorithm : std::uint8_t { direct = 0, reduced = 1 };
inline constexpr std::array<std::string_view, 2> kNetworkAlgorithmNames = {"direct", "reduced"};

// The classes of the network of `size` bits: the base columns grouped by their 4M weights.
struct NetworkLayout {
  long long size = 0;    // N
  long long repeat = 0;  // N / semantic_bits: how many bits each drawn column becomes
  int features = 0;      // M
  int base_bits = 0;     // semantic_bits
  std::vector<int> column_class;          // [semantic_bits]: the class of each drawn column
  std::vector<long long> class_bits;      // [C]: n_c
  std::vector<double> class_weights;      // [C][4][M]: W^α_{c,a} as ±1
  int classes() const { return static_cast<int>(class_bits.size()); }
  double weight(int c, Feature f, int a) const {
    return class_weights[(static_cast<std::size_t>(c) * 4 + f) * static_cast<std::size_t>(features) + a];
  }
};
// Throws std::invalid_argument unless size is a positive multiple of weights.semantic_bits.
NetworkLayout network_layout(const Weights& weights, long long size);

// xoshiro256++ (Blackman & Vigna 2019), its state seeded by splitmix64: fast, 2^256 − 1 long, and the
// same numbers on every platform. A replica's stream is seeded from (seed, point, replica) alone:
//   h = g(g(g(seed) ^ point) ^ replica), then the four state words are splitmix64's outputs
//   from state h (g as in model::random_window: splitmix64's output for state x).
class NoiseStream {
 public:
  using result_type = std::uint64_t;
  NoiseStream(unsigned long long seed, long long point, int replica);
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() {
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // A double uniform on [0, 1): the top 53 bits.
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  const std::array<std::uint64_t, 4>& state() const { return s_; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> s_;
};

// Draws the sums S^α_a of one token from the attention that produces it.
class TokenSampler {
 public:
  virtual ~TokenSampler() = default;
  virtual NetworkAlgorithm algorithm() const = 0;
  // `attention` [M]; `sums` [4][M] (α in the order o, v, q, k).
  virtual void draw(const double* attention, double beta, NoiseStream& noise, long long* sums) = 0;
  virtual std::unique_ptr<TokenSampler> clone() const = 0;
};
std::unique_ptr<TokenSampler> make_token_sampler(const Weights& weights, const NetworkLayout& layout,
                                                 NetworkAlgorithm algorithm);

// The algorithm estimated faster for `layout` (docs/network.md: direct costs about 3 ns per
// bit, reduced a binomial draw per class), and the memory the direct one needs.
NetworkAlgorithm faster_algorithm(const NetworkLayout& layout);
double direct_bytes(const NetworkLayout& layout);
// The limit above which the direct algorithm refuses to allocate its packed weights.
inline constexpr double kDirectMaxBytes = 8e9;

}  // namespace attnmf::model
