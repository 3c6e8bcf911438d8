#!/usr/bin/env bash
# The speed figures of attnmf as ratios measured in one run, on whatever CPU this is:
#   * sweep throughput at the paper's Fig. 3a settings (1.2e6 steps, the first 1e6 discarded, 20000
#     samples), 256 points of beta in [0, 3] on 1 rank x 2 threads, with every simd kernel this CPU
#     runs (ATTNMF_SIMD_LIMIT), without and with the top-3 Lyapunov exponents;
#   * against the yardstick, when given: a stand-alone hand-written kernel of the same map (it is not
#     part of attnmf: pass the directory holding its batch.cpp). It is built here for the best of
#     AVX-512 and AVX2 this CPU has, as its README says, and run at the same settings on 2 threads;
#   * cost against M and L (64 points from a token, no exponents, steps chosen so that each sweep
#     takes a second or two): M = 5 and 8 against M = 3 at L = 4, L = 32 against L = 4 at M = 3 and
#     6, per point-step, next to the ratio of the arithmetic.
#
#   bench/ratios.sh [--yardstick DIR] [BUILD_DIR]          (default build directory: build)
#
# Every figure is printed with the command line that measured it. The machines these run on drift by
# tens of percent between runs: compare the ratios of one run, not numbers across runs.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
yardstick=""
build=$here/build
while [[ $# -gt 0 ]]; do
  case $1 in
    --yardstick) yardstick=$(cd "$2" && pwd); shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) build=$(cd "$1" && pwd); shift ;;
  esac
done
attnmf=$build/bin/attnmf
[[ -x $attnmf ]] || { echo "bench/ratios.sh: no $attnmf; build first (cmake --build $build)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Point-steps per second of one sweep in millions, as attnmf reports it ("done: ... 52.3 M
# point-steps/s"); the engine that ran it into $work/engine.
rate() {  # config-file extra-arguments...
  local out=$work/out.h5 log
  rm -f "$out"*
  log=$("$attnmf" sweep --config "$1" --output.file "$out" --parallel.threads_per_rank 2 "${@:2}" 2>&1) ||
    { echo "$log" >&2; exit 1; }
  echo "$log" | sed -n 's/.*, simd: \([a-z0-9]*\),.* engine; writing.*/\1/p' | head -1 >"$work/engine"
  echo "$log" | sed -n 's/.*done: .*, \([0-9.]*\) \([kMG]\) point-steps\/s.*/\1 \2/p' |
    awk '{ f = $2 == "k" ? 1e3 : $2 == "M" ? 1e6 : 1e9; printf "%.4g\n", $1 * f / 1e6 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

fig3a=$here/jobs/fig3a.ini
echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs"

best=""
declare -A plain exponents
for isa in avx512 avx2 sse2 portable; do
  # A limit above what the CPU runs runs the best it does: each kernel is measured under its own name
  # only (rate leaves the engine that ran in $work/engine).
  r=$(ATTNMF_SIMD_LIMIT=$isa rate "$fig3a" --sweep.beta 0:3:256 --analysis.lyapunov 0 2>/dev/null) || continue
  [[ -n $r && $(cat "$work/engine") == "$isa" ]] || continue
  e=$(ATTNMF_SIMD_LIMIT=$isa rate "$fig3a" --sweep.beta 0:3:256 --analysis.lyapunov 3)
  plain[$isa]=$r
  exponents[$isa]=$e
  [[ -n $best ]] || best=$isa
  echo "sweep $isa: $r M point-steps/s, with top-3 exponents $e M: exponents add $(awk -v a="$r" -v b="$e" 'BEGIN { printf "%.0f", (a / b - 1) * 100 }') %" \
       "  [ATTNMF_SIMD_LIMIT=$isa attnmf sweep --config jobs/fig3a.ini --sweep.beta 0:3:256 --analysis.lyapunov 0|3]"
done
[[ -n $best ]] || { echo "bench/ratios.sh: no simd kernel ran" >&2; exit 1; }

if [[ -n $yardstick ]]; then
  if grep -q avx512f /proc/cpuinfo; then flags="-DIMPL=4 -DVL=8 -DNW=32"; kernel=avx512
  else flags="-DIMPL=6 -DVL=4 -DNW=16"; kernel=avx2; fi
  # shellcheck disable=SC2086
  g++ -O3 -march=native -fno-math-errno $flags -o "$work/yardstick" "$yardstick/batch.cpp" -lmvec -lpthread 2>/dev/null
  # A yardstick run lasts well under a second, where these machines drift by ±15 % from run to run:
  # the median of seven runs stands for it.
  runs=$(for _ in 1 2 3 4 5 6 7; do
           (cd "$yardstick" && "$work/yardstick" 1.24 0.000625 1200000 1000000 chpt.txt 2 2>&1 >/dev/null |
              sed -n 's/.*Msteps\/s \([0-9.]*\).*/\1/p')
         done | sort -g)
  y=$(echo "$runs" | awk 'NF { v[++n] = $1 } END { if (n) print v[int((n + 1) / 2)] }')
  echo "yardstick ($kernel build, inline exp/tanh): $y M point-steps/s, the median of $(echo "$runs" | grep -c .) runs from $(echo "$runs" | head -1) to $(echo "$runs" | tail -1)   [$yardstick, 2 threads]"
  if [[ -n ${plain[$kernel]:-} ]]; then
    echo "sweep/yardstick ($kernel, exponents off): $(ratio "${plain[$kernel]}" "$y")"
    # The time per point of a sweep with the top-3 exponents in units of the yardstick's without.
    echo "time per point with top-3 exponents / yardstick's without ($kernel): $(ratio "$y" "${exponents[$kernel]}")"
  fi
  # The map's kernel alone, as the yardstick measures itself: plain steps of 16-point blocks, one
  # block per thread, nothing recorded or analysed.
  bench=$build/bin/attnmf-bench
  if [[ -x $bench ]]; then
    engine() {  # isa steps-kind(0 plain, 3 recorded with the top-3 tangent vectors) threads
      "$bench" --benchmark_filter="^EngineSimd/$1/$2/real_time/threads:$3\$" --benchmark_min_time=1 2>/dev/null |
        sed -n 's/.*items_per_second=\([0-9.]*\)\([kMG]\)\/s.*/\1 \2/p' |
        awk '{ f = $2 == "k" ? 1e3 : $2 == "M" ? 1e6 : 1e9; printf "%.4g\n", $1 * f / 1e6 }'
    }
    e=$(engine "$kernel" 0 2)
    if [[ -n $e ]]; then
      echo "engine alone ($kernel, plain steps, 2 threads): $e M point-steps/s; engine/yardstick: $(ratio "$e" "$y")" \
           "  [attnmf-bench --benchmark_filter=EngineSimd/$kernel/0/real_time/threads:2]"
      t=$(engine "$kernel" 3 2)
      echo "a recorded step with the top-3 tangent vectors costs $(ratio "$e" "$t") plain steps" \
           "  [attnmf-bench --benchmark_filter=EngineSimd/$kernel/3/real_time/threads:2]"
    fi
  fi
fi

# Cost against M and L: short sweeps from a token, the same number of points and steps each.
shape() {  # features context steps
  cat >"$work/shape.ini" <<EOF
[model]
features = $1
context = $2
positional_bits = $(( $2 == 32 ? 5 : 2 ))
semantic_bits = 99
epsilon = 0.02
gamma = 220
[weights]
seed = 1
correlations = segments
segments = 3
[init]
mode = token
[run]
steps = $3
transient = $(( $3 / 2 ))
[sweep]
beta = 0.5:3:64
[analysis]
samples = 2000
lyapunov = 0
EOF
  rate "$work/shape.ini"
}
m3=$(shape 3 4 1000000); m5=$(shape 5 4 200000); m8=$(shape 8 4 40000)
l32=$(shape 3 32 300000); m6=$(shape 6 4 100000); m6l32=$(shape 6 32 40000)
# The arithmetic of a step, counting an exponential as 20 operations: the mean fields' sums over the
# J = 2^(M−1) sign vectors (4MJ multiply-adds), the J tanh from M exponentials (J products and
# divisions), and per slot the score, its exponential and the weighted value (2M + 20).
arith() { awk -v m="$1" -v l="$2" 'BEGIN { j = 2^(m - 1); printf "%.0f", 4 * m * j + 2 * j + 20 * m + l * (2 * m + 20) }'; }
a34=$(arith 3 4)
echo "M = 3, L = 4: $m3 M point-steps/s   [$best, 64 points from a token, 2 threads]"
echo "M = 5 costs $(ratio "$m3" "$m5") x M = 3 (arithmetic $(ratio "$(arith 5 4)" "$a34") x)"
echo "M = 8 costs $(ratio "$m3" "$m8") x M = 3 (arithmetic $(ratio "$(arith 8 4)" "$a34") x)"
echo "L = 32 costs $(ratio "$m3" "$l32") x L = 4 at M = 3 (arithmetic $(ratio "$(arith 3 32)" "$a34") x)"
echo "L = 32 costs $(ratio "$m6" "$m6l32") x L = 4 at M = 6 (arithmetic $(ratio "$(arith 6 32)" "$(arith 6 4)") x)"
