#pragma once
// What every kernel translation unit (kernel_*.cpp) includes before selecting its target: everything
// here is compiled for the baseline instruction set. The x86 kernels exist where CMake found that the compiler
// builds them for an x86-64 target (ATTNMF_HAVE_AVX2_KERNEL, ATTNMF_HAVE_AVX512_KERNEL).

#if defined(ATTNMF_HAVE_AVX2_KERNEL) || defined(ATTNMF_HAVE_AVX512_KERNEL)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "attnmf/dynamics/engine.hpp"

namespace attnmf::dynamics {

// Storage aligned to a cache line, so that a row of kLanes doubles is whole vectors.
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t alignment{64};
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), alignment)); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, alignment); }
  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const { return true; }
};
using Buffer = std::vector<double, CacheLineAllocator<double>>;

#if defined(ATTNMF_HAVE_AVX512_KERNEL)
namespace avx512 {
std::unique_ptr<Engine> make(std::span<const model::MeanFieldMap* const> maps, std::span<const model::Window> windows);
void evaluate_exp(std::span<const double> x, std::span<double> y);
void evaluate_tanh(std::span<const double> x, std::span<double> y);
void evaluate_reciprocal(std::span<const double> x, std::span<double> y);
}
#endif
#if defined(ATTNMF_HAVE_AVX2_KERNEL)
namespace avx2 {
std::unique_ptr<Engine> make(std::span<const model::MeanFieldMap* const> maps, std::span<const model::Window> windows);
void evaluate_exp(std::span<const double> x, std::span<double> y);
void evaluate_tanh(std::span<const double> x, std::span<double> y);
void evaluate_reciprocal(std::span<const double> x, std::span<double> y);
}
#endif
namespace reference {
std::unique_ptr<Engine> make(std::span<const model::MeanFieldMap* const> maps, std::span<const model::Window> windows);
void evaluate_exp(std::span<const double> x, std::span<double> y);
void evaluate_tanh(std::span<const double> x, std::span<double> y);
void evaluate_reciprocal(std::span<const double> x, std::span<double> y);
}
namespace baseline {
std::unique_ptr<Engine> make(std::span<const model::MeanFieldMap* const> maps, std::span<const model::Window> windows);
void evaluate_exp(std::span<const double> x, std::span<double> y);
void evaluate_tanh(std::span<const double> x, std::span<double> y);
void evaluate_reciprocal(std::span<const double> x, std::span<double> y);
}

}  // namespace attnmf::dynamics
