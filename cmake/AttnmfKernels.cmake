# Which x86 lane kernels this build has. Each is ON where the target is x86-64 and the compiler builds
# a function of that kernel's instruction set (selected by a target pragma, as src/simd does), else OFF;
# -DATTNMF_AVX2_KERNEL=OFF / -DATTNMF_AVX512_KERNEL=OFF leave one out (a build as on ARM: only the
# baseline kernel). The kernels are chosen at run time from what the CPU has, among those built.
include(CheckCXXSourceCompiles)

set(_attnmf_x86 FALSE)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(_attnmf_x86 TRUE)
endif()

function(_attnmf_check_kernel result target intrinsic)
  if(NOT _attnmf_x86)
    set(${result} FALSE PARENT_SCOPE)
    return()
  endif()
  check_cxx_source_compiles("
#include <immintrin.h>
#pragma GCC target(\"${target}\")
double probe(const double* p) { ${intrinsic} }
int main() { __builtin_cpu_init(); return __builtin_cpu_supports(\"avx2\") ? 0 : 1; }" ${result})
  set(${result} ${${result}} PARENT_SCOPE)
endfunction()

_attnmf_check_kernel(ATTNMF_COMPILER_AVX2 "avx2,fma"
  "__m256d v = _mm256_loadu_pd(p); return _mm256_cvtsd_f64(_mm256_fmadd_pd(v, v, _mm256_sqrt_pd(v)));")
_attnmf_check_kernel(ATTNMF_COMPILER_AVX512 "avx512f,avx512dq,avx512vl,avx2,fma"
  "__m512d v = _mm512_loadu_pd(p); return _mm512_reduce_add_pd(_mm512_maskz_sqrt_pd(0xff, v));")

option(ATTNMF_AVX2_KERNEL "Build the AVX2 lane kernel (x86-64 only)" ${ATTNMF_COMPILER_AVX2})
option(ATTNMF_AVX512_KERNEL "Build the AVX-512 lane kernel (x86-64 only)" ${ATTNMF_COMPILER_AVX512})
foreach(_kernel AVX2 AVX512)
  if(ATTNMF_${_kernel}_KERNEL AND NOT ATTNMF_COMPILER_${_kernel})
    message(FATAL_ERROR "ATTNMF_${_kernel}_KERNEL=ON, but this compiler or target cannot build the ${_kernel} kernel")
  endif()
endforeach()

set(_attnmf_kernels)
if(ATTNMF_AVX512_KERNEL)
  list(APPEND _attnmf_kernels avx512)
endif()
if(ATTNMF_AVX2_KERNEL)
  list(APPEND _attnmf_kernels avx2)
endif()
if(_attnmf_x86)
  list(APPEND _attnmf_kernels sse2)
else()
  list(APPEND _attnmf_kernels portable)
endif()
list(JOIN _attnmf_kernels ", " _attnmf_kernel_list)
message(STATUS "attnmf: lane kernels built: ${_attnmf_kernel_list} (the best the CPU runs is chosen at run time)")
