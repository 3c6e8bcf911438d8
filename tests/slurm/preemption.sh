#!/usr/bin/env bash
# slurm.preemption: a sweep job in partition debug is preempted by a job in partition high (the
# cluster requeues preempted debug jobs); its ranks get SIGTERM and save, the job script sees
# that SLURM has requeued the job already and does not requeue it again; the job runs again after
# the high job and finishes. The final file must be bitwise the same (/grid, /points) as an
# uninterrupted run made here with the same configuration.
#   tests/slurm/preemption.sh ATTNMF_BINARY REPO_DIR      (exit 0 pass, 1 fail, 77 skip)
scenario=preemption
source "$(dirname "$0")/common.sh" "$@"

sweep_seconds 30                        # half a minute of work
reference ref.h5

# A 10-minute limit, USR1 60 s before it: neither comes within this scenario.
submit -p debug -n 2 -c 1 --time=10 --signal=B:USR1@60 -o job.log \
  "$repo/jobs/slurm-sweep.sbatch" "$config" "${sweep[@]}" --output.file "$work/out.h5"
low=$job
say "submitted job $low to debug: sbatch -p debug -n 2 -c 1 --time=10 jobs/slurm-sweep.sbatch ${config#$repo/} ${sweep[*]} --output.file out.h5"
running() { [[ $(job_state "$low") == RUNNING ]] && grep -q "job $low run 0:" job.log 2>/dev/null; }
wait_for 90 "job $low to start" running
started=$SECONDS
# preempt it mid-sweep: once attnmf reports progress (every 5 s), or after 10 s
progress() { grep -q 'points [0-9]*/' job.log 2>/dev/null || (( SECONDS >= started + 10 )); }
wait_for 30 "job $low to compute" progress
say "job $low has been computing for $((SECONDS - started)) s ($(grep -o 'points [0-9]*/[0-9]*' job.log | tail -1))"

# The node has two CPUs: a high job asking for both preempts the debug job.
submit -p high -n 2 -c 1 --time=2 -o high.log \
  --wrap 'echo "high job $SLURM_JOB_ID started $(date +%T)"; sleep 10; echo "high job ended $(date +%T)"'
high=$job
say "submitted job $high to high (2 CPUs, sleeps 10 s)"
wait_done "$high" 120
say "job $high COMPLETED: $(tr '\n' ' ' < high.log)"
completed "$low" 240

# (the "[slurm-sweep ...]" lines of jobs/slurm-sweep.sbatch tell what each run did)
grep -q 'DUE TO PREEMPTION' job.log || fail "job $low was not preempted"
grep -q "job $low run 0: sweep interrupted" job.log || fail "the preempted run of job $low was not interrupted (it should have saved and stopped)"
grep -q 'already requeued by SLURM' job.log || fail "the job script did not see that SLURM had requeued job $low"
grep -q 'requeueing job' job.log && fail "the job script requeued job $low itself after SLURM had"
[[ $restarts == 1 ]] || fail "job $low has Restarts=$restarts, expected 1 (the preemption)"
grep -q "job $low run 1: sweep complete" job.log || fail "the requeued run of job $low did not complete the sweep"
high_end=$(date -d "$(job_field "$high" EndTime)" +%s)
low_start=$(date -d "$(job_field "$low" StartTime)" +%s)   # the start of its latest run
(( low_start >= high_end )) || fail "job $low restarted at $(job_field "$low" StartTime), before job $high ended ($(job_field "$high" EndTime))"
say "job $low restarted $((low_start - high_end)) s after job $high ended"
compare ref.h5 out.h5
pass "preempted, saved, requeued by SLURM, resumed after the high job, same file"
