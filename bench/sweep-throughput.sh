#!/usr/bin/env bash
# Sweep throughput in point-steps per second at several rank and thread counts, on a fixed grid of
# the paper's setting (64 values of beta in [1.24, 1.28], 3e5 steps each, 2.5e5 transient).
#   bench/sweep-throughput.sh [BUILD_DIR]        (default: build)
# Prints one line per layout: ranks, threads per rank, wall seconds, point-steps/s.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
attnmf=$(cd "${1:-$here/build}" && pwd)/bin/attnmf
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {  # ranks threads
  local out=$work/r$1t$2.h5
  local log
  log=$(mpirun --oversubscribe --bind-to none -np "$1" "$attnmf" sweep --config "$here/jobs/fig3b.ini" \
        --sweep.beta 1.24:1.28:64 --run.steps 300000 --run.transient 250000 --analysis.samples 2000 \
        --parallel.threads_per_rank "$2" --output.file "$out" 2>&1)
  echo "$log" | sed -n 's/.*done: .* in [0-9:]* (\([0-9.]*\) s), \([0-9.]* [kMG]\) point-steps\/s.*/\1 \2/p' |
    { read -r seconds rate unit; printf 'ranks=%s threads_per_rank=%s wall=%ss %s %s point-steps/s\n' "$1" "$2" "$seconds" "$rate" "$unit"; }
  rm -f "$out"
}
run 1 1
run 2 1
run 1 2
