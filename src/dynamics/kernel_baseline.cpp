// The simd engines' kernels for any CPU: two lanes per 16-byte vector of GCC's vector extensions, no
// intrinsics. On x86-64 this is SSE2 code (every x86-64 CPU has it) and the kernel is called "sse2";
// elsewhere (ARM's NEON, POWER's VSX, or scalar code where there are no vectors) it is "portable".
// Without fused multiply-adds (-ffp-contract=off) it rounds the same on every CPU.

#include "kernel_prelude.hpp"

namespace attnmf::dynamics::baseline {
namespace {

constexpr int kBlockLanes = kLanes;
constexpr bool kReference = false;
constexpr int kVectorWidth = 2;
using Vec2 = double __attribute__((vector_size(16)));
using Mask2 = std::int64_t __attribute__((vector_size(16)));
// Element by element: square roots are correctly rounded everywhere, and with -fno-math-errno the
// compiler emits the vector instruction where there is one.
inline Vec2 sqrt_vector(Vec2 v) { return Vec2{std::sqrt(v[0]), std::sqrt(v[1])}; }
inline Vec2 reciprocal_vector(Vec2 v) { return (Vec2{} + 1.0) / v; }
inline bool all_true(Mask2 m) { return m[0] != 0 && m[1] != 0; }

}  // namespace

#include "kernel.inc"

}  // namespace attnmf::dynamics::baseline
