#!/usr/bin/env bash
# Runs a sweep longer than one allocation as a chain of N jobs, each starting when the previous
# one has ended (--dependency=afterany), each running jobs/slurm-sweep.sbatch, that is
# `attnmf sweep --resume`: every job continues the sweep where the previous one stopped (at its
# time limit: USR1 --signal seconds before it, or SIGTERM at it), and a job that finds the sweep
# complete exits 0 at once.
#   jobs/slurm-chain.sh CONFIG N [sbatch options ...] [-- --section.key VALUE ...]
# e.g. jobs/slurm-chain.sh jobs/fig3b.ini 4 --time=12:00:00 --ntasks=32 -- --output.file out/b.h5
# Submit from the repository's top directory, as for slurm-sweep.sbatch. Prints the job ids, one a
# line, first to last. The chain's jobs do not requeue themselves (ATTNMF_REQUEUE=0: the next job
# continues instead); a preempted one is still requeued by SLURM, and the next waits for it.
# Environment: ATTNMF (the executable), ATTNMF_LAUNCHER (srun or mpirun), as for the sbatch script.
set -euo pipefail
usage() { sed -n '6,7p' "$0" | sed 's/^# \{0,1\}//' >&2; }
if [[ $# -lt 2 || $1 == -h || $1 == --help ]]; then
  usage
  exit $(( $# < 2 ? 2 : 0 ))
fi
config=$1
n=$2
shift 2
if ! [[ $n =~ ^[1-9][0-9]*$ ]]; then
  echo "slurm-chain: N must be a positive integer, not '$n'" >&2
  usage
  exit 2
fi
[[ -r $config ]] || { echo "slurm-chain: cannot read the config file $config" >&2; exit 2; }
sbatch_opts=()
while [[ $# -gt 0 && $1 != -- ]]; do
  sbatch_opts+=("$1")
  shift
done
[[ ${1:-} == -- ]] && shift
script=$(cd "$(dirname "$0")" && pwd)/slurm-sweep.sbatch
[[ -r $script ]] || { echo "slurm-chain: $script not found" >&2; exit 2; }

prev=""
for ((i = 1; i <= n; i++)); do
  dep=()
  [[ -n $prev ]] && dep=(--dependency="afterany:$prev")
  # (${a[@]+"${a[@]}"}: an empty array is "unbound" to bash < 4.4 under set -u)
  out=$(sbatch --parsable --export=ALL,ATTNMF_REQUEUE=0 ${dep[@]+"${dep[@]}"} ${sbatch_opts[@]+"${sbatch_opts[@]}"} \
          "$script" "$config" "$@") || { echo "slurm-chain: sbatch failed for job $i of $n${prev:+ (jobs so far: see above)}" >&2; exit 1; }
  prev=${out%%;*}
  echo "$prev"
done
