#!/usr/bin/env bash
# Sweep throughput in point-steps per second, per engine and layout (ranks x threads per rank), on
# 128 points of the paper's Fig. 3a (beta in [0, 3]) with its settings: 1.2e6 steps, the first 1e6
# discarded, 20000 samples and the top-3 Lyapunov exponents over the last 2e5.
#   bench/sweep-throughput.sh [BUILD_DIR [ENGINE...]]     (defaults: build, simd scalar)
# Prints one line per engine and layout: wall seconds and point-steps/s as attnmf reports them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
attnmf=$(cd "${1:-$here/build}" && pwd)/bin/attnmf
shift || true
engines=("$@")
[[ ${#engines[@]} -gt 0 ]] || engines=(simd scalar)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {  # engine ranks threads
  local out=$work/$1-r$2t$3.h5
  local log
  log=$(mpirun --oversubscribe --bind-to none -np "$2" "$attnmf" sweep --config "$here/jobs/fig3a.ini" \
        --sweep.beta 0:3:128 --run.engine "$1" --parallel.threads_per_rank "$3" --output.file "$out" 2>&1)
  echo "$log" | sed -n 's/.*done: .* in [0-9:]* (\([0-9.]*\) s), \([0-9.]* [kMG]\) point-steps\/s.*/\1 \2/p' |
    { read -r seconds rate unit; printf 'engine=%s ranks=%s threads_per_rank=%s wall=%ss %s %s point-steps/s\n' "$1" "$2" "$3" "$seconds" "$rate" "$unit"; }
  rm -f "$out"
}
for engine in "${engines[@]}"; do
  run "$engine" 1 1
  run "$engine" 1 2
  run "$engine" 2 1
done
