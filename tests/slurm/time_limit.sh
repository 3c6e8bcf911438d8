#!/usr/bin/env bash
# slurm.time_limit: a job whose sweep needs longer than its 1-minute time limit gets USR1 from
# SLURM (--signal=B:USR1@10) before the limit, the ranks save their points, the job script
# requeues the job, and a later run finishes the sweep. The final file must be bitwise the same
# (/grid, /points) as an uninterrupted run made here with the same configuration.
#   tests/slurm/time_limit.sh ATTNMF_BINARY REPO_DIR      (exit 0 pass, 1 fail, 77 skip)
scenario=time_limit
source "$(dirname "$0")/common.sh" "$@"

# About 80 s of work. With --signal=B:USR1@10, SLURM sends USR1 at its first time-limit check
# (every 30 s) after 20 s into the job: the first run stops 20 to 50 s after its start, so it
# cannot finish even if the calibration below is 35 % slow (the load of the machine changes); a
# requeued run starts ~15 s after such a check, passes the next one at ~15 s and stops at ~45 s:
# a second run usually finishes, a third surely.
sweep_seconds 80
reference ref.h5

submit -n 2 -c 1 --time=1 --signal=B:USR1@10 -o job.log \
  "$repo/jobs/slurm-sweep.sbatch" "$config" "${sweep[@]}" --output.file "$work/out.h5"
say "submitted job $job: sbatch -n 2 -c 1 --time=1 --signal=B:USR1@10 jobs/slurm-sweep.sbatch ${config#$repo/} ${sweep[*]} --output.file out.h5"
completed "$job" 300

# (the "[slurm-sweep ...]" lines of jobs/slurm-sweep.sbatch tell what each run did)
grep -q 'got SIGUSR1' job.log || fail "no run of job $job got USR1 from SLURM (--signal=B:USR1@10; were the points faster than the calibration measured?)"
grep -q 'sweep interrupted (exit code 3' job.log || fail "no run of job $job ended with attnmf's exit code 3 (interrupted)"
grep -q 'requeueing job' job.log || fail "job $job never requeued itself"
grep -q "job $job run 1:" job.log || fail "job $job never ran a second time"
(( ${restarts:-0} >= 1 )) || fail "job $job has Restarts=$restarts, expected at least 1"
compare ref.h5 out.h5
pass "USR1 before the time limit, saved, requeued $restarts time(s), finished, same file"
