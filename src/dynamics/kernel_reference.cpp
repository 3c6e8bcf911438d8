// The scalar engine: the engine's code (kernel.inc) with one lane and the authors' arithmetic
// (kReference), operation by operation, so that its trajectories agree with the authors'
// implementation to rounding. Compiled, like the rest of the physics, without fused multiply-adds.

#include "kernel_prelude.hpp"

namespace attnmf::dynamics::reference {
namespace {

constexpr int kBlockLanes = 1;
constexpr bool kReference = true;
constexpr int kVectorWidth = 1;
using Vec1 = double __attribute__((vector_size(8)));
using Mask1 = std::int64_t __attribute__((vector_size(8)));
inline Vec1 sqrt_vector(Vec1 v) { return Vec1{std::sqrt(v[0])}; }
inline Vec1 reciprocal_vector(Vec1 v) { return (Vec1{} + 1.0) / v; }
inline bool all_true(Mask1 m) { return m[0] != 0; }

}  // namespace

#include "kernel.inc"

}  // namespace attnmf::dynamics::reference
