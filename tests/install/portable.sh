#!/usr/bin/env bash
# A build as on a CPU without the x86 kernels, with HDF5 found by CMake's FindHDF5 instead of
# pkg-config, and as where Google Benchmark is missing: it configures (saying that attnmf-bench is
# left out), builds, installs, serves a separate project (consumer.sh), and its sweeps run the
# baseline kernel, refusing a limit that names a kernel this build lacks.
#   portable.sh SOURCE_DIR
scenario=portable
source "$(dirname "$0")/common.sh"
source_dir=$1
build=$scratch/build
run "$scratch/configure.log" cmake -S "$source_dir" -B "$build" -DATTNMF_AVX2_KERNEL=OFF -DATTNMF_AVX512_KERNEL=OFF \
  -DATTNMF_HDF5_PKG_CONFIG=OFF -DATTNMF_BUILD_TESTS=OFF -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=TRUE
grep -q "lane kernels built: sse2 (" "$scratch/configure.log" || grep -q "lane kernels built: portable (" "$scratch/configure.log" \
  || fail "configure did not report a build with the baseline kernel alone: $(grep 'lane kernels' "$scratch/configure.log")"
grep -q "parallel HDF5 .* from CMake's FindHDF5" "$scratch/configure.log" \
  || fail "configure did not find HDF5 through FindHDF5: $(grep -i hdf5 "$scratch/configure.log")"
grep -q "Google Benchmark not found" "$scratch/configure.log" \
  || fail "configure without Google Benchmark did not say that attnmf-bench is left out"
run "$scratch/build.log" cmake --build "$build" -j2 --target attnmf
baseline=sse2
[[ $(uname -m) == x86_64 ]] || baseline=portable
ATTNMF_INSTALL_SCENARIO=portable "$(dirname "$0")/consumer.sh" "$build" "$source_dir" "$baseline"

# A limit naming a kernel this build does not have is refused, with the kernels it has.
set +e
ATTNMF_SIMD_LIMIT=avx2 "$build/bin/attnmf" sweep --config "$source_dir/jobs/fig3b.ini" --sweep.beta 1.25 \
  --run.steps 100 --run.transient 50 --analysis.samples 10 --output.file "$scratch/refused.h5" >"$scratch/limit.log" 2>&1
rc=$?
set -e
[[ $rc == 2 ]] || fail "ATTNMF_SIMD_LIMIT=avx2 on a build without it: exit code $rc, not 2: $(cat "$scratch/limit.log")"
grep -q "ATTNMF_SIMD_LIMIT" "$scratch/limit.log" || fail "the refusal does not name ATTNMF_SIMD_LIMIT: $(cat "$scratch/limit.log")"
[[ ! -e $scratch/refused.h5 ]] || fail "the refused sweep wrote its file"
say "without x86 kernels and with FindHDF5's HDF5: builds, installs, runs the $baseline kernel"
