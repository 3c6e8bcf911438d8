#!/usr/bin/env bash
# Installs a build into a scratch prefix as an HPC user would (cmake --install --prefix), then:
# a separate project finds it (find_package(attnmf), attnmf::core) and builds and runs against it;
# the installed attnmf runs the installed paper job file; the installed attnmf-plot draws with the
# installed Python package, which Python imports from PREFIX/lib/python3/dist-packages.
#   consumer.sh BUILD_DIR SOURCE_DIR [expected kernel]
scenario=${ATTNMF_INSTALL_SCENARIO:-consumer}
source "$(dirname "$0")/common.sh"
build=$1 source_dir=$2 kernel=${3:-}
prefix=$scratch/prefix
run "$scratch/install.log" cmake --install "$build" --prefix "$prefix"
for f in bin/attnmf bin/attnmf-plot share/attnmf/jobs/paper-trajectory.ini share/attnmf/jobs/fig3b.ini \
         share/attnmf/jobs/paper_checkpoint_window.txt share/attnmf/jobs/run-workstation.sh \
         share/attnmf/jobs/slurm-sweep.sbatch include/attnmf/version.hpp lib/python3/dist-packages/attnmf/__init__.py \
         lib/python3/dist-packages/attnmf/plot/cli.py; do
  [[ -e $prefix/$f ]] || fail "the install has no $f"
done
config=$(find "$prefix" -name attnmfConfig.cmake | head -n 1)
[[ -n $config ]] || fail "the install has no attnmfConfig.cmake"

# The consumer, configured with nothing but the prefix (no C++ standard, no HDF5 hints).
run "$scratch/consumer-configure.log" cmake -S "$source_dir/tests/install/consumer" -B "$scratch/consumer" \
  -DCMAKE_PREFIX_PATH="$prefix"
run "$scratch/consumer-build.log" cmake --build "$scratch/consumer"
run "$scratch/consumer-run.log" "$scratch/consumer/consumer" "$prefix/share/attnmf/jobs/paper_checkpoint_window.txt" \
  "$source_dir/tests/reference/traj_checkpoint_beta0.5.txt"
say "$(cat "$scratch/consumer-run.log")"

# The installed program with the installed job file (its checkpoint path is relative to the file).
mkdir -p "$scratch/run"
cd "$scratch/run"
run "$scratch/trajectory.log" "$prefix/bin/attnmf" trajectory --config "$prefix/share/attnmf/jobs/paper-trajectory.ini" \
  --run.steps 3000 --run.transient 1000 --output.file traj.h5
[[ -s traj.h5 ]] || fail "attnmf trajectory with the installed paper-trajectory.ini wrote no traj.h5"
run "$scratch/info.log" "$prefix/bin/attnmf" info traj.h5
grep -q "beta" "$scratch/info.log" || fail "attnmf info traj.h5 says nothing of beta: $(cat "$scratch/info.log")"
run "$scratch/plot.log" "$prefix/bin/attnmf-plot" --help
# With nothing on PYTHONPATH and the source tree out of reach, the installed script finds the installed
# package beside itself.
run "$scratch/plot-figure.log" env -u PYTHONPATH MPLBACKEND=Agg "$prefix/bin/attnmf-plot" poincare traj.h5 \
  -o traj-section.svg --size 6 4
grep -q "</svg>" traj-section.svg || fail "the installed attnmf-plot wrote no complete traj-section.svg"
python=/usr/bin/python3
[[ -x $python ]] || python=python3
where=$(cd / && PYTHONPATH="$prefix/lib/python3/dist-packages" "$python" -c \
  'import attnmf, os; print(os.path.realpath(attnmf.__file__))') || fail "PYTHONPATH=PREFIX/lib/python3/dist-packages: no attnmf"
[[ $where == "$(realpath "$prefix")/lib/python3/dist-packages/attnmf/__init__.py" ]] ||
  fail "PYTHONPATH=$prefix/lib/python3/dist-packages imports attnmf from $where"

# A short sweep with the installed job file, to see which lane kernel this build runs.
run "$scratch/sweep.log" "$prefix/bin/attnmf" sweep --config "$prefix/share/attnmf/jobs/fig3b.ini" \
  --sweep.beta 1.25:1.26:3 --run.steps 3000 --run.transient 2000 --analysis.samples 100 \
  --analysis.lyapunov 0 --parallel.threads_per_rank 1 --output.file sweep.h5
engine=$(h5dump -a /provenance/engine sweep.h5 | grep -o '"simd: [^"]*"' | head -n 1)
[[ -n $engine ]] || fail "sweep.h5 has no /provenance/engine attribute naming the simd kernel"
say "installed sweep ran: $engine"
if "$python" -c "import xarray" 2>/dev/null; then
  run "$scratch/open.log" env PYTHONPATH="$prefix/lib/python3/dist-packages" "$python" -c \
    'import attnmf; ds = attnmf.open_sweep("sweep.h5"); print(dict(ds.sizes), list(ds.regime_name.values.ravel()))'
  say "installed package: $(cat "$scratch/open.log")"
else
  say "no xarray for $python: attnmf.open_sweep of the installed package not tried"
fi
if [[ -n $kernel ]]; then
  [[ $engine == "\"simd: $kernel,"* ]] || fail "the sweep ran $engine, not the $kernel kernel"
fi
say "installed to $prefix: a separate project builds with attnmf::core, the installed job files run"
