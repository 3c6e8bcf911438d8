# Shared by the install scenarios (sourced): a scratch directory removed on exit, messages, failure.
set -euo pipefail
scratch=$(mktemp -d "${TMPDIR:-/tmp}/attnmf-install-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
say() { echo "[install.${scenario}] $*"; }
fail() { echo "[install.${scenario}] FAILED: $*" >&2; exit 1; }
skip() { echo "[install.${scenario}] skipped: $*"; exit 77; }
# run LOG COMMAND...: runs quietly into LOG, and on failure shows its end and fails.
run() {
  local log=$1
  shift
  local rc=0
  "$@" >"$log" 2>&1 || rc=$?
  if ((rc != 0)); then
    tail -n 40 "$log" >&2
    fail "$* (exit code $rc; log above)"
  fi
}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
