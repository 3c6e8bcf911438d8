// The lane kernels for any x86-64 CPU: two lanes per SSE2 vector.

#include "kernel_prelude.hpp"

namespace attnmf::simd::sse2 {
namespace {

constexpr int kVectorWidth = 2;
using Vec2 = double __attribute__((vector_size(16)));
using Mask2 = std::int64_t __attribute__((vector_size(16)));
inline Vec2 sqrt_vector(Vec2 v) { return reinterpret_cast<Vec2>(_mm_sqrt_pd(reinterpret_cast<__m128d>(v))); }
inline bool all_true(Mask2 m) { return _mm_movemask_pd(reinterpret_cast<__m128d>(m)) == 0x3; }

#include "lane_kernel.inc"

}  // namespace

std::unique_ptr<LaneBlock> make(std::span<const model::MeanFieldMap* const> maps, std::span<const model::Window> windows) {
  return make_kernel(maps, windows);
}

void evaluate_exp(std::span<const double> x, std::span<double> y) { evaluate<exp_vector>(x, y); }
void evaluate_tanh(std::span<const double> x, std::span<double> y) { evaluate<tanh_vector>(x, y); }

}  // namespace attnmf::simd::sse2
