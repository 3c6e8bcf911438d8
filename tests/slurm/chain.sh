#!/usr/bin/env bash
# slurm.chain: jobs/slurm-chain.sh submits 4 jobs (--dependency=afterany), each with a 1-minute
# limit and USR1 before it (--signal=B:USR1@1), each too short to finish the sweep alone; each
# continues where the previous stopped, and a job that finds the sweep complete exits 0 at once.
# The final file must be bitwise the same (/grid, /points) as an uninterrupted run made here with
# the same configuration. One more chain of 1 job on the completed sweep must do nothing, exit 0.
#   tests/slurm/chain.sh ATTNMF_BINARY REPO_DIR      (exit 0 pass, 1 fail, 77 skip)
scenario=chain
source "$(dirname "$0")/common.sh" "$@"

# About 85 s of work. With --signal=B:USR1@1, SLURM sends USR1 at its first time-limit check (every
# 30 s) after 29 s into the job: the first job stops 29 to 59 s after its start, and a job
# started a few seconds after the previous one stopped (at such a check) passes the check at
# ~27 s and stops at ~57 s. So one job cannot finish the sweep even if the calibration below is
# 30 % slow (the load of the machine changes), and four can even if it is twice too fast; a job
# after the one that completes the sweep finds nothing to do and ends at once.
sweep_seconds 85
reference ref.h5

chain=("$repo/jobs/slurm-chain.sh" "$config")
opts=(--job-name="$jobname" -n 2 -c 1 --time=1 --signal=B:USR1@1 -o "$work/chain-%j.log")
ids=$("${chain[@]}" 4 "${opts[@]}" -- "${sweep[@]}" --output.file "$work/out.h5") \
  || fail "slurm-chain.sh failed: $ids"
read -r -a chain_jobs <<<"$(echo $ids)"
track "${chain_jobs[@]}"
[[ ${#chain_jobs[@]} == 4 ]] || fail "slurm-chain.sh printed '${ids}', expected 4 job ids"
say "slurm-chain.sh ${config#$repo/} 4 ${opts[*]} -- ${sweep[*]} --output.file out.h5: jobs ${chain_jobs[*]}"
dep=$(job_field "${chain_jobs[1]}" Dependency)
[[ $dep == *"afterany:${chain_jobs[0]}"* ]] || fail "job ${chain_jobs[1]} has Dependency=$dep, expected afterany:${chain_jobs[0]}"

last=${chain_jobs[3]}
wait_ended "$last" 420
finisher=""
for j in "${chain_jobs[@]}"; do
  state=$(job_state "$j")
  start=$(date -d "$(job_field "$j" StartTime)" +%s)
  end=$(date -d "$(job_field "$j" EndTime)" +%s)
  say "job $j: $state, exit code $(job_field "$j" ExitCode), ran $((end - start)) s, restarts $(job_field "$j" Restarts); it said:"
  story "chain-$j.log"
  [[ $(job_field "$j" Restarts) == 0 ]] || fail "chain job $j was requeued; chain jobs must not requeue themselves"
  # (the "[slurm-sweep ...]" lines of jobs/slurm-sweep.sbatch tell what each job did)
  if [[ -n $finisher ]]; then
    [[ $state == COMPLETED ]] || fail "job $j, after the sweep was complete, ended $state"
    (( end - start <= 20 )) || fail "job $j, after the sweep was complete, ran $((end - start)) s"
  elif grep -q 'sweep complete' "chain-$j.log"; then
    finisher=$j
    [[ $state == COMPLETED ]] || fail "job $j finished the sweep but ended $state"
  else
    grep -q 'sweep interrupted' "chain-$j.log" || fail "job $j neither finished the sweep nor was interrupted"
    # exit code 3 after USR1; TIMEOUT if SLURM's check came at the limit and sent SIGTERM instead
    [[ $(job_field "$j" ExitCode) == 3:0 || $state == TIMEOUT ]] \
      || fail "interrupted job $j ended $state with ExitCode=$(job_field "$j" ExitCode), expected 3:0"
  fi
done
[[ -n $finisher ]] || fail "no job of the chain finished the sweep (were the points slower than the calibration measured?)"
[[ $finisher != "${chain_jobs[0]}" ]] || fail "the first job finished the sweep alone (were the points faster than the calibration measured?)"
compare ref.h5 out.h5

# A chain on a complete sweep: its job must do nothing and exit 0.
extra=$("${chain[@]}" 1 "${opts[@]}" -- "${sweep[@]}" --output.file "$work/out.h5") || fail "slurm-chain.sh failed: $extra"
track "$extra"
wait_done "$extra" 60
story "chain-$extra.log"
start=$(date -d "$(job_field "$extra" StartTime)" +%s)
end=$(date -d "$(job_field "$extra" EndTime)" +%s)
(( end - start <= 20 )) || fail "job $extra, on the complete sweep, ran $((end - start)) s"
say "job $extra on the complete sweep: COMPLETED in $((end - start)) s"
compare ref.h5 out.h5
pass "the sweep needed $(( $(printf '%s\n' "${chain_jobs[@]}" | grep -n "^$finisher\$" | cut -d: -f1) )) of 4 chained jobs, same file"
