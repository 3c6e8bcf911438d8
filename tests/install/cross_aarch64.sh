#!/usr/bin/env bash
# The physics (model, dynamics with the engines' kernels, analysis) compiles for a CPU without the
# x86 kernels: every source of those modules that CMake builds there (all but kernel_avx*.cpp),
# compiled for 64-bit ARM with the cross compiler (Debian: g++-aarch64-linux-gnu, which
# tools/install-deps.sh --tests installs), with attnmf_core's own flags.
#   cross_aarch64.sh SOURCE_DIR GENERATED_INCLUDE_DIR EIGEN_INCLUDE_DIR   (Eigen is header-only: the host's serves)
scenario=cross_aarch64
source "$(dirname "$0")/common.sh"
source_dir=$1 generated=$2 eigen=$3
compiler=$(command -v aarch64-linux-gnu-g++ || true)
[[ -n $compiler ]] || skip "no aarch64-linux-gnu-g++ (Debian: g++-aarch64-linux-gnu; tools/install-deps.sh --tests installs it)"
count=0
for module in model dynamics analysis; do
  for source in "$source_dir/src/$module"/*.cpp; do
    [[ $(basename "$source") == kernel_avx* ]] && continue
    run "$scratch/compile.log" "$compiler" -std=c++20 -O1 -ffp-contract=off -fopenmp-simd -fno-math-errno \
      -Wall -Wextra -Werror=implicit-function-declaration -I"$source_dir/include" -I"$generated" -isystem "$eigen" \
      -c "$source" -o "$scratch/object.o"
    count=$((count + 1))
  done
done
((count > 8)) || fail "only $count sources compiled: is $source_dir/src laid out as expected?"
say "$count sources of model, dynamics and analysis compile for aarch64 with $($compiler -dumpversion)"
