#!/usr/bin/env bash
# Runs a sweep on this machine with MPI: as many ranks as cores / parallel.threads_per_rank.
#   jobs/run-workstation.sh CONFIG [--section.key VALUE ...]
# Environment: ATTNMF (the executable; default: build/bin/attnmf of this source tree, else the
# installed one beside this script's share/attnmf/jobs, else attnmf on PATH), THREADS_PER_RANK
# (default 2), RANKS (default: cores / THREADS_PER_RANK, at least 1).
set -euo pipefail
if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
  exit $(( $# < 1 ? 2 : 0 ))
fi
config=$1
shift
here=$(cd "$(dirname "$0")/.." && pwd)
if [[ -n ${ATTNMF:-} ]]; then
  attnmf=$ATTNMF
elif [[ -x $here/build/bin/attnmf ]]; then
  attnmf=$here/build/bin/attnmf   # a source tree built as the README says
elif [[ -x $here/../../bin/attnmf ]]; then
  attnmf=$here/../../bin/attnmf   # installed: PREFIX/share/attnmf/jobs/ next to PREFIX/bin/
else
  attnmf=$(command -v attnmf || echo "build/bin/attnmf")
fi
[[ -x $attnmf ]] || { echo "run-workstation: $attnmf not found; build first (see README) or set ATTNMF" >&2; exit 2; }
threads=${THREADS_PER_RANK:-2}
cores=$(nproc)
ranks=${RANKS:-$(( cores / threads > 0 ? cores / threads : 1 ))}
mkdir -p out
# Open MPI refuses root unless told so (containers, CI); binding is left to the OS because each rank
# runs several compute threads.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "run-workstation: $ranks ranks x $threads threads on $cores cores: $config $*"
exec mpirun --oversubscribe --bind-to none -np "$ranks" "$attnmf" sweep --config "$config" \
  --parallel.threads_per_rank "$threads" "$@"
