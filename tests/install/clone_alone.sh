#!/usr/bin/env bash
# A clone of the repository with nothing beside it configures: the fixtures the tests compare
# against are in the clone, and no file of it reads or cites anything outside the repository.
#   clone_alone.sh SOURCE_DIR
scenario=clone_alone
source "$(dirname "$0")/common.sh"
source_dir=$1
git -C "$source_dir" rev-parse --git-dir >/dev/null 2>&1 || skip "$source_dir is not a git checkout"
# Into an empty directory, with no sibling directories at all.
alone=$scratch/alone
mkdir "$alone"
run "$scratch/clone.log" git clone --quiet "$source_dir" "$alone/attnmf"
[[ $(ls -A "$alone") == attnmf ]] || fail "$alone holds more than the clone"
cd "$alone/attnmf"
for fixture in checkpoint_window.txt traj_checkpoint_beta1.27.txt tables_mode3_seed1_M3.txt README.md; do
  [[ -f tests/reference/$fixture ]] || fail "the clone has no tests/reference/$fixture"
done
if cited=$(grep -rnE 'MODEL\.md|INTERFACE\.md|\.\./shared' src include tests docs cmake jobs tools \
             README.md CMakeLists.txt bench .ci 2>/dev/null); then
  fail "files that read or cite documents outside the repository:"$'\n'"$cited"
fi
# Configure it as the README does, with nothing set: every path must resolve inside the clone.
run "$scratch/configure.log" cmake -S . -B build
reference=$(grep '^ATTNMF_REFERENCE_DIR:' build/CMakeCache.txt | cut -d= -f2-)
[[ $reference == "$alone/attnmf/tests/reference" ]] || fail "ATTNMF_REFERENCE_DIR is '$reference', not the clone's tests/reference"
if outside=$(grep -rlF "$alone/shared" build 2>/dev/null); then
  fail "the configured build refers to $alone/shared: $outside"
fi
say "a clone alone configures; its fixtures are its own ($reference)"
