#pragma once
// numpy's legacy RandomState stream on top of MT19937, so that a seed draws the same weights as the
// authors' implementation (docs/model.md §4).

#include <cstdint>
#include <random>

namespace attnmf::model {

class NumpyLegacyRandom {
 public:
  // RandomState(seed) with an integer seed is MT19937's init_genrand(seed), as std::mt19937(seed).
  explicit NumpyLegacyRandom(std::uint32_t seed) : engine_(seed) {}

  std::uint32_t next_uint32() { return static_cast<std::uint32_t>(engine_()); }
  // randint(2): one 32-bit word, masked to its lowest bit, mapped 0 → −1 and 1 → +1.
  int random_sign() { return (next_uint32() & 1U) ? 1 : -1; }
  // random_sample / rand: a 53-bit double from two words.
  double random_double();
  // standard_normal: the polar Box–Muller method, caching the second value of each pair.
  double gauss();
  // normal(loc, scale)
  double normal(double loc, double scale) { return loc + scale * gauss(); }

 private:
  std::mt19937 engine_;
  bool has_gauss_ = false;
  double gauss_ = 0.0;
};

}  // namespace attnmf::model
