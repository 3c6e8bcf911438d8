// The simd engines' kernels for x86-64 with AVX-512 (F, DQ, VL): eight lanes per vector, two vectors per
// block of 16. As in kernel_avx2.cpp, the target pragma comes after every include, so only
// these functions need the instruction set, and engine.cpp calls them only where the CPU has it.

#include "kernel_prelude.hpp"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx2,fma")

namespace attnmf::dynamics::avx512 {
namespace {

constexpr int kBlockLanes = kLanes;
constexpr bool kReference = false;
constexpr int kVectorWidth = 8;
using Vec8 = double __attribute__((vector_size(64)));
using Mask8 = std::int64_t __attribute__((vector_size(64)));
// (The zero-masked form: GCC 12 warns that _mm512_sqrt_pd's undefined pass-through is uninitialised.)
inline Vec8 sqrt_vector(Vec8 v) { return reinterpret_cast<Vec8>(_mm512_maskz_sqrt_pd(0xff, reinterpret_cast<__m512d>(v))); }
// A division of eight doubles occupies the divider for 16 cycles (Ice Lake), as long as the rest
// of a step's arithmetic on that vector: instead, the 14-bit estimate refined by two Newton steps
// (relative error 2^−14 → 2^−28 → 2^−56, then the roundings: within 1.5 ulp).
inline Vec8 reciprocal_vector(Vec8 v) {
  const __m512d x = reinterpret_cast<__m512d>(v), one = _mm512_set1_pd(1.0);
  __m512d y = _mm512_maskz_rcp14_pd(0xff, x);  // zero-masked, as sqrt_vector
  y = _mm512_fmadd_pd(y, _mm512_fnmadd_pd(x, y, one), y);
  y = _mm512_fmadd_pd(y, _mm512_fnmadd_pd(x, y, one), y);
  return reinterpret_cast<Vec8>(y);
}
inline bool all_true(Mask8 m) {
  const __m512i bits = reinterpret_cast<__m512i>(m);
  return _mm512_test_epi64_mask(bits, bits) == 0xff;
}

}  // namespace

#include "kernel.inc"

}  // namespace attnmf::dynamics::avx512

#pragma GCC pop_options
