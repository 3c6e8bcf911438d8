// The simd engines' kernels for x86-64 with AVX2: four lanes per vector. Only the functions below are
// compiled for AVX2 (the target pragma comes after every include), so the program still runs on a
// CPU without it; engine.cpp calls them only where the CPU supports AVX2.

#include "kernel_prelude.hpp"

#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace attnmf::dynamics::avx2 {
namespace {

constexpr int kBlockLanes = kLanes;
constexpr bool kReference = false;
constexpr int kVectorWidth = 4;
using Vec4 = double __attribute__((vector_size(32)));
using Mask4 = std::int64_t __attribute__((vector_size(32)));
inline Vec4 sqrt_vector(Vec4 v) { return reinterpret_cast<Vec4>(_mm256_sqrt_pd(reinterpret_cast<__m256d>(v))); }
inline Vec4 reciprocal_vector(Vec4 v) { return (Vec4{} + 1.0) / v; }
inline bool all_true(Mask4 m) { return _mm256_movemask_pd(reinterpret_cast<__m256d>(m)) == 0xf; }

}  // namespace

#include "kernel.inc"

}  // namespace attnmf::dynamics::avx2

#pragma GCC pop_options
