// The lane kernels for any x86-64 CPU: two lanes per SSE2 vector.

#include "kernel_prelude.hpp"

namespace attnmf::simd::sse2 {
namespace {

constexpr int kVectorWidth = 2;
using Vec2 = double __attribute__((vector_size(16)));
using Mask2 = std::int64_t __attribute__((vector_size(16)));
inline Vec2 sqrt_vector(Vec2 v) { return reinterpret_cast<Vec2>(_mm_sqrt_pd(reinterpret_cast<__m128d>(v))); }
inline bool all_true(Mask2 m) { return _mm_movemask_pd(reinterpret_cast<__m128d>(m)) == 0x3; }

}  // namespace

#include "lane_kernel.inc"

}  // namespace attnmf::simd::sse2
