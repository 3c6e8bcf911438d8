#!/usr/bin/env bash
# The layers of src/CMakeLists.txt hold: each module's library is built with an include tree that
# holds its own headers and those of the modules below it, and nothing of the modules above, so
# that an upward #include fails to build.
#   check_layers.sh CXX SOURCE_DIR LAYERS_DIR module...   (modules lowest first, as src/CMakeLists.txt lists them)
set -uo pipefail
cxx=$1 source=$2 layers=$3
shift 3
modules=("$@")
failures=0
fail() { echo "FAILED: $*"; failures=$((failures + 1)); }
# Whether `header` is found from include tree `tree` (it may fail to compile for other reasons:
# only "No such file" of that very header counts as not found).
found() {
  local out
  out=$(echo "#include \"$2\"" | "$cxx" -std=c++20 -fsyntax-only -I"$1" -x c++ - 2>&1)
  ! grep -q "$2: No such file" <<< "$out"
}
for ((i = 0; i < ${#modules[@]}; ++i)); do
  module=${modules[$i]}
  tree=$layers/$module
  expected=$(printf '%s\n' "${modules[@]:0:$((i + 1))}" | sort | tr '\n' ' ')
  present=$(ls "$tree/attnmf" 2>/dev/null | sort | tr '\n' ' ')
  [[ $present == "$expected" ]] || { fail "the $module layer's tree $tree holds '$present', not '$expected'"; continue; }
  for ((j = 0; j < ${#modules[@]}; ++j)); do
    other=${modules[$j]}
    header=attnmf/$other/$(cd "$source/include/attnmf/$other" && ls ./*.hpp | head -1 | sed 's#^\./##')
    if ((j <= i)); then
      found "$tree" "$header" || fail "$header is not found from the $module layer, which is at or above $other"
    else
      found "$tree" "$header" && fail "$header is found from the $module layer, below $other"
    fi
  done
  echo "ok: the $module layer sees ${modules[*]:0:$((i + 1))} and nothing above"
done
((failures == 0))
