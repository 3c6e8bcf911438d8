# Shared by the SLURM scenario tests (sourced, not run): cluster bring-up, a fresh work directory,
# job bookkeeping and clean-up, bounded waits, the uninterrupted reference run and the comparison.
# A scenario script does:  scenario=NAME; source common.sh "$@"   (args: ATTNMF_BINARY REPO_DIR)
# Environment: ATTNMF_SLURM_SETUP (a command that starts a cluster; default
# tests/slurm/local-cluster.sh up), ATTNMF_LAUNCHER
# (srun or mpirun, passed on to the jobs), ATTNMF_SLURM_KEEP=1 keeps the work directory.
set -uo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 ATTNMF_BINARY REPO_DIR" >&2
  exit 2
fi
attnmf=$(readlink -f "$1")
repo=$(readlink -f "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
t0=$SECONDS
jobs_submitted=()
work=""
passed=0

say() { printf '[slurm.%s +%3ds] %s\n' "$scenario" $((SECONDS - t0)) "$*"; }
skip() { say "SKIP: $*"; exit 77; }

# Everything a failing run needs to be understood: the job records and their logs.
diagnose() {
  local j f
  for j in ${jobs_submitted[@]+"${jobs_submitted[@]}"}; do
    echo "---- scontrol show job $j"
    scontrol show job "$j" 2>&1 | sed 's/^/    /'
  done
  for f in ${work:+"$work"/*.log}; do
    [[ -e $f ]] || continue
    echo "---- $f (last 60 lines)"
    tail -n 60 "$f" | sed 's/^/    /'
  done
  if [[ -r /tmp/slurm-local/log/slurmctld.log ]]; then
    echo "---- slurmctld.log (last 20 lines)"
    tail -n 20 /tmp/slurm-local/log/slurmctld.log | sed 's/^/    /'
  fi
}
fail() {
  say "FAIL: $*"
  diagnose
  exit 1
}

cleanup() {
  local rc=$? live j i
  if [[ ${#jobs_submitted[@]} -gt 0 ]]; then
    live=()
    for j in ${jobs_submitted[@]+"${jobs_submitted[@]}"}; do
      case $(job_state "$j") in PENDING | RUNNING | COMPLETING | REQUEUED | SUSPENDED | CONFIGURING) live+=("$j") ;; esac
    done
    if [[ ${#live[@]} -gt 0 ]]; then
      say "cancelling our jobs still queued or running: ${live[*]}"
      scancel "${live[@]}" 2>/dev/null
      for ((i = 0; i < 40; i++)); do
        [[ -z $(squeue -h -j "$(IFS=,; echo "${live[*]}")" -o %A 2>/dev/null) ]] && break
        sleep 1
      done
    fi
  fi
  if [[ -n $work && -d $work ]]; then
    if [[ $passed == 1 && ${ATTNMF_SLURM_KEEP:-0} != 1 ]]; then
      rm -rf "$work"
    else
      say "work directory kept: $work"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM

[[ -x $attnmf ]] || fail "$attnmf is not an executable"
[[ -r $repo/jobs/slurm-sweep.sbatch ]] || fail "$repo does not look like the attnmf repository"
/usr/bin/python3 -c 'import h5py' 2>/dev/null || skip "/usr/bin/python3 with h5py is needed to compare the files"

# ---------------------------------------------------------------- the cluster
# One run of these scenarios at a time on the cluster, whoever starts it (two ctest runs, two
# build trees): they time themselves against the node's two CPUs and watch its whole queue.
lock=/tmp/attnmf-slurm-tests.lock
if command -v flock >/dev/null 2>&1; then
  exec 9>>"$lock"
  if ! flock -n 9; then
    say "another run of the SLURM tests holds $lock: waiting for it (up to 150 s)"
    flock -w 150 9 || skip "another run of the SLURM tests has held $lock for 150 s; run them one at a time"
  fi
fi
cluster_up() {
  command -v sinfo >/dev/null 2>&1 && scontrol ping 2>/dev/null | grep -q 'is UP' \
    && [[ -n $(sinfo -h -N -o %T 2>/dev/null) ]]
}
if ! cluster_up; then
  setup=${ATTNMF_SLURM_SETUP:-$here/local-cluster.sh up}
  [[ $(id -u) == 0 || -n ${ATTNMF_SLURM_SETUP:-} ]] || skip "no SLURM cluster answers, and starting one ($setup) needs root"
  say "no cluster answers: starting one with $setup"
  setup_log=$(mktemp "${TMPDIR:-/tmp}/attnmf-slurm-setup.XXXXXX")
  # Without fd 9: the daemons it starts live on, and must not hold the lock of this run.
  if ! $setup 9>&- >"$setup_log" 2>&1; then
    tail -n 20 "$setup_log"
    skip "$setup failed (log: $setup_log)"
  fi
  rm -f "$setup_log"
  cluster_up || skip "$setup finished but sinfo still shows no node"
fi
partitions=$(sinfo -h -o %P 2>/dev/null | tr -d '*' | tr '\n' ' ')
[[ " $partitions " == *" debug "* && " $partitions " == *" high "* ]] \
  || skip "the cluster has partitions '$partitions', not slurm-local's debug and high"
cpus=$(sinfo -h -N -o %c 2>/dev/null | head -1)
(( ${cpus:-0} >= 2 )) || skip "the node has ${cpus:-?} CPUs; the scenarios need 2"

# Jobs of an earlier run of these tests whose script is gone (ctest's timeout kills without
# notice) are ours to cancel: they are named attnmf-slurmtest-SCENARIO-PID.
leftover=()
while read -r id name; do
  pid=${name##*-}
  [[ $name == attnmf-slurmtest-* && $pid =~ ^[0-9]+$ ]] || continue
  kill -0 "$pid" 2>/dev/null || leftover+=("$id")
done < <(squeue -h -o '%A %j' 2>/dev/null)
if [[ ${#leftover[@]} -gt 0 ]]; then
  say "cancelling jobs left by an earlier run of these tests: ${leftover[*]}"
  scancel "${leftover[@]}" 2>/dev/null
fi
jobname=attnmf-slurmtest-$scenario-$$
# Let other jobs leave the node first.
busy_deadline=$((SECONDS + 90))
while [[ -n $(squeue -h -t R,CG,PD,S -o %A 2>/dev/null) ]]; do
  if (( SECONDS > busy_deadline )); then
    squeue
    skip "the cluster has been busy with other jobs for 90 s (above); the scenarios need it to themselves"
  fi
  sleep 2
done

work=$(mktemp -d "${TMPDIR:-/tmp}/attnmf-slurm.$scenario.XXXXXX")
cd "$work" || fail "cannot enter $work"
export ATTNMF=$attnmf
say "cluster up ($(sinfo -h -N -o '%N %c CPUs %T' | head -1)); work directory $work; attnmf $attnmf; launcher ${ATTNMF_LAUNCHER:-srun}"

# ---------------------------------------------------------------- jobs
# job_state JOB: the base state (RUNNING, PENDING, COMPLETED, ...) from scontrol, which keeps
# finished jobs for MinJobAge (this cluster keeps no accounting, so sacct has nothing).
job_field() { scontrol show job -o "$1" 2>/dev/null | grep -oP "\\b$2=\\K\\S+" | head -1; }
job_state() { job_field "$1" JobState; }
# submit [sbatch args...]: sbatch from the work directory, recording the job id in $job (named
# $jobname unless the arguments name it otherwise).
submit() {
  local out
  out=$(sbatch --parsable --job-name="$jobname" "$@" 2>&1) || fail "sbatch $* failed: $out"
  job=${out%%;*}
  jobs_submitted+=("$job")
}
track() { jobs_submitted+=("$@"); }
# completed JOB SECONDS: waits for JOB to complete, sets $restarts, and tells what its runs wrote
# to job.log.
completed() {
  wait_done "$1" "$2"
  restarts=$(job_field "$1" Restarts)
  say "job $1 COMPLETED after $restarts restart(s); what its runs said:"
  story job.log
}

# wait_for SECONDS WHAT COMMAND...: poll COMMAND every second until it succeeds; fail on deadline.
wait_for() {
  local limit=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@"; do
    (( SECONDS < deadline )) || fail "timed out after ${limit}s waiting for $what"
    sleep 1
  done
}
# wait_done JOB SECONDS: until JOB is COMPLETED; fail when it ends otherwise (for longer than a
# requeue takes to show) or on the deadline.
wait_done() {
  local j=$1 limit=$2 deadline=$(($SECONDS + $2)) state bad_since=""
  while :; do
    state=$(job_state "$j")
    case $state in
      COMPLETED) return 0 ;;
      PENDING | RUNNING | COMPLETING | REQUEUED | CONFIGURING | SUSPENDED | RESIZING) bad_since="" ;;
      *)
        [[ -n $bad_since ]] || bad_since=$SECONDS
        (( SECONDS - bad_since < 20 )) || fail "job $j ended $state ($(job_field "$j" ExitCode)), not COMPLETED" ;;
    esac
    (( SECONDS < deadline )) || fail "timed out after ${limit}s waiting for job $j to complete (state $state)"
    sleep 2
  done
}
# wait_ended JOB SECONDS: until JOB has ended, whatever its end.
wait_ended() {
  local j=$1 limit=$2 deadline=$(($SECONDS + $2)) state
  while :; do
    state=$(job_state "$j")
    case $state in
      PENDING | RUNNING | COMPLETING | REQUEUED | CONFIGURING | SUSPENDED | RESIZING | "") ;;
      *) return 0 ;;
    esac
    (( SECONDS < deadline )) || fail "timed out after ${limit}s waiting for job $j to end (state $state)"
    sleep 2
  done
}
# The job script's own account of each run: its "[slurm-sweep ...]" lines and attnmf's summaries.
story() {
  grep -hE '^\[slurm-sweep|DUE TO|resuming:|interrupted:|done: [0-9]+ points|nothing to do' "$@" 2>/dev/null \
    | sed -e 's/\x1b\[[0-9;]*m//g' -e 's/^/    | /' | cut -c1-180
}

# ---------------------------------------------------------------- the sweep and its reference
config=$repo/jobs/fig3b.ini
mpi=()
command -v mpirun >/dev/null 2>&1 && mpi=(mpirun --oversubscribe --bind-to none -np 2)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# A reduced Fig. 3b sweep: POINTS values of beta in [1.24, 1.28], 1e6 steps each.
sweep_of() {
  sweep=(--sweep.beta "1.24:1.28:$1" --run.steps 1000000 --run.transient 300000
         --analysis.samples 1000 --analysis.section_max 100)
}
# sweep_seconds S: a sweep that takes about S seconds here, now, as the jobs will run it. The
# scenarios pit the sweep against SLURM's clock (1-minute limits, 30-second checks), and how fast
# a point is depends on the CPU, the kernel (ATTNMF_SIMD_LIMIT) and what else the machine runs. So
# the speed is measured the way the jobs compute, with the jobs' launcher (srun inside an
# allocation of 2 tasks x 1 CPU, or mpirun), ranks and threads, on a sweep long enough (at least
# CALIBRATION_SECONDS) that start-up costs little, and the work is sized from that rate. A point
# count measured on a few seconds was off by 2.5x on a slower machine.
CALIBRATION_SECONDS=${ATTNMF_SLURM_CALIBRATION_SECONDS:-10}
calibration_launch() {
  case ${ATTNMF_LAUNCHER:-srun} in
    srun) launch=(srun --mpi=pmix -n 2 -c 1 --job-name="$jobname-calibration" --time=5 -p debug) ;;
    *) launch=("${mpi[@]}") ;;
  esac
}
# calibrate N: sets $calibrated to the seconds a sweep of N points takes (attnmf's own timing).
calibrate() {
  local start end launch
  calibration_launch
  sweep_of "$1"
  rm -f calibrate.h5
  start=$(date +%s%N)
  timeout 600 "${launch[@]}" "$attnmf" sweep --config "$config" "${sweep[@]}" --parallel.threads_per_rank 1 \
      --output.file calibrate.h5 >calibrate.out 2>&1 || { cat calibrate.out; fail "the calibration sweep of $1 points failed"; }
  end=$(date +%s%N)
  calibrated=$(sed 's/\x1b\[[0-9;]*m//g' calibrate.out | grep -oP 'done: .*\(\K[0-9.]+(?= s\))' | tail -1)
  [[ -n $calibrated ]] || calibrated=$(awk -v ns=$((end - start)) 'BEGIN { print ns / 1e9 }')
  rm -f calibrate.h5
}
sweep_seconds() {
  local n=64 rounds=0
  while :; do
    calibrate "$n"
    rounds=$((rounds + 1))
    # Long enough: done. Else grow the sweep to about CALIBRATION_SECONDS (at most 8x a round).
    if awk -v t="$calibrated" -v c="$CALIBRATION_SECONDS" 'BEGIN { exit !(t >= 0.8 * c) }' || ((rounds >= 4)); then break; fi
    n=$(awk -v n="$n" -v t="$calibrated" -v c="$CALIBRATION_SECONDS" \
      'BEGIN { f = c / (t > 0.05 ? t : 0.05); if (f > 8) f = 8; m = int(n * f + 15); print m - m % 16 + 32 }')
  done
  # Seconds per point, start-up included: it overstates the cost of a long sweep's point a little,
  # so the sized sweep errs short, by about start-up / calibration time.
  seconds_per_point=$(awk -v t="$calibrated" -v n="$n" 'BEGIN { print t / n }')
  points=$(awk -v s="$1" -v per="$seconds_per_point" 'BEGIN { p = int(s / per + 0.5); print (p < 40 ? 40 : p) }')
  sweep_of "$points"
  work_seconds=$1
  say "calibration (${ATTNMF_LAUNCHER:-srun}, 2 ranks x 1 thread${ATTNMF_SIMD_LIMIT:+, ATTNMF_SIMD_LIMIT=$ATTNMF_SIMD_LIMIT}): $n points in $calibrated s: $points points for about $1 s of work"
}
# reference FILE: the same sweep, uninterrupted, run here with mpirun (2 ranks x 1 thread).
reference() {
  local start=$SECONDS
  "${mpi[@]}" "$attnmf" sweep -q --config "$config" "${sweep[@]}" --parallel.threads_per_rank 1 \
      --output.file "$1" >reference.out 2>&1 || { cat reference.out; fail "the reference run failed"; }
  say "reference (uninterrupted, ${mpi[0]:-without mpirun} here): $1 in $((SECONDS - start)) s"
}
# compare REFERENCE CANDIDATE: bitwise equal /grid and /points, no journal left.
compare() {
  local out
  [[ -e $2 ]] || fail "$2 was not written"
  [[ ! -e $2.journal ]] || fail "$2.journal is still there: the sweep did not complete"
  out=$(/usr/bin/python3 "$here/compare_h5.py" "$1" "$2" 2>&1) || fail "$2 differs from the uninterrupted run: $out"
  say "$out"
}
pass() {
  passed=1
  say "PASS in $((SECONDS - t0)) s: $*"
}
