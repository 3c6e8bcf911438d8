#!/usr/bin/env python3
"""Result files open in one line with netCDF readers: xarray.open_dataset(path, group=G,
engine="h5netcdf") (and netCDF-C, engine="netcdf4") on every group of sweep files written by 1 and
by 2 MPI ranks and of a trajectory file, with named dimensions, the point's beta, gamma and epsilon
as coordinates, and values equal to what h5py reads.

    test_netcdf_readers.py ATTNMF SOURCE_DIR
"""
import os
import subprocess
import sys
import tempfile
import warnings

import h5py
import numpy as np
import xarray as xr

ATTNMF, SOURCE = sys.argv[1], sys.argv[2]
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
CONFIG = os.path.join(SOURCE, "jobs", "paper-trajectory.ini")
SMALL = ["--run.steps", "4000", "--run.transient", "3000", "--analysis.samples", "40", "--analysis.section_max", "8",
         "--parallel.threads_per_rank", "1", "-q"]
# A 2-D (beta, gamma) sweep: 3 x 2 points.
GRID = ["--sweep.beta", "1.25:1.29:3", "--sweep.gamma", "200,220"]
failures = []


def expect(condition, message):
    print(("ok: " if condition else "FAILED: ") + message, flush=True)
    if not condition:
        failures.append(message)


def attnmf(arguments, ranks=1):
    command = [ATTNMF] + arguments
    if ranks > 1:
        command = ["mpirun", "--oversubscribe", "-np", str(ranks)] + command
    result = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def groups_of(path):
    """Every group of the file that holds datasets, as open_dataset's group argument."""
    names = set()
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: names.add(name.rpartition("/")[0]) if isinstance(obj, h5py.Dataset) else None)
    return sorted(n for n in names if n)


def same_values(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True)
    return np.array_equal(a, b)


def check_group(path, group):
    """The group opens with h5netcdf, every variable's dimensions are named by scales, and its values
    are those h5py reads; netCDF-C opens it too, with the same dimensions."""
    label = f"{os.path.basename(path)} /{group}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", category=RuntimeWarning)
            ds = xr.open_dataset(path, group=group, engine="h5netcdf")
    except Exception as error:  # noqa: BLE001: the failure is what the test reports
        expect(False, f"{label}: xarray with h5netcdf cannot open it: {type(error).__name__}: {error}")
        return None
    with h5py.File(path, "r") as f:
        g = f[group]
        datasets = [name for name, obj in g.items() if isinstance(obj, h5py.Dataset)]
        expect(sorted(ds.variables) == sorted(datasets), f"{label}: every dataset is a variable ({len(datasets)})")
        differing = [name for name in datasets if not same_values(ds[name].values, g[name][()])]
        expect(not differing, f"{label}: values equal h5py's" + (f" (not: {differing})" if differing else ""))
        phony = [d for d in ds.sizes if str(d).startswith("phony_dim")]
        expect(not phony, f"{label}: no phony dimensions ({dict(ds.sizes)})")
        undescribed = [name for name in datasets if "description" not in ds[name].attrs]
        expect(not undescribed, f"{label}: every variable has a description" + (f" (not: {undescribed})" if undescribed else ""))
    try:
        other = xr.open_dataset(path, group=group, engine="netcdf4")
        expect(dict(other.sizes) == dict(ds.sizes), f"{label}: netCDF-C sees the same dimensions {dict(other.sizes)}")
        other.close()
    except Exception as error:  # noqa: BLE001
        expect(False, f"{label}: xarray with netCDF-C cannot open it: {type(error).__name__}: {error}")
    return ds


def check_sweep(path, ranks):
    name = f"the sweep on {ranks} rank{'s' if ranks > 1 else ''}"
    datasets = {group: check_group(path, group) for group in groups_of(path)}
    points, grid = datasets.get("points"), datasets.get("grid")
    expect(points is not None and grid is not None, f"{name}: /points and /grid open")
    if points is None or grid is None:
        return None
    with h5py.File(path, "r") as f:
        nb, ng, ne = (len(f["grid/" + axis]) for axis in ("beta", "gamma", "epsilon"))
        M = f.attrs["model.features"]
        expect(isinstance(M, np.integer) and M == 3, f"{name}: model.features is an integer attribute ({M!r})")
        expect(f.attrs["sweep.beta"] == "1.25:1.29:3", f"{name}: sweep.beta stays its text")
        expect("model.beta" not in f.attrs and "model.gamma" not in f.attrs,
               f"{name}: no root model.beta or model.gamma beside the beta and gamma axes")
        expect(f.attrs["model.epsilon"] == 0.02, f"{name}: model.epsilon, the one value of its axis, is kept")
        regime = f["points/regime"][()].reshape(ne, ng, nb)
        samples = f["points/samples"][()]
    expect(points["regime"].dims == ("point",) and points.sizes["point"] == nb * ng * ne,
           f"{name}: /points/regime is indexed by point ({points.sizes['point']})")
    expect(points["samples"].dims == ("point", "sample", "feature"), f"{name}: samples are [point][sample][feature]")
    expect(points["lyapunov"].dims == ("point", "exponent"), f"{name}: lyapunov is [point][exponent]")
    expect(points["section"].dims == ("point", "section_row", "feature"), f"{name}: section is [point][section_row][feature]")
    expect(grid["beta"].dims == ("beta",) and len(grid["beta"]) == 3 and grid.sizes["gamma"] == 2,
           f"{name}: /grid has the axes beta and gamma as coordinates")
    expect(all(c in points["regime"].coords for c in ("beta", "gamma", "epsilon")),
           f"{name}: each point's beta, gamma and epsilon are coordinates of /points/regime")
    expect(np.array_equal(points["beta"].values, np.tile(grid["beta"].values, ng * ne)),
           f"{name}: beta is the fastest axis of the point index")
    # The point index p = (i_epsilon * n_gamma + i_gamma) * n_beta + i_beta, undone by xarray alone.
    cube = points["regime"].set_index(point=["epsilon", "gamma", "beta"]).unstack("point", fill_value=-1)
    expect(cube.dims == ("epsilon", "gamma", "beta") and np.array_equal(cube.values, regime),
           f"{name}: unstacking the point index gives the [epsilon][gamma][beta] cube h5py reshapes to")
    expect(np.array_equal(points["samples"].values, samples, equal_nan=True), f"{name}: the samples equal h5py's")
    flags = points["regime"].attrs
    expect(list(flags["flag_values"]) == list(range(-1, 6)) and flags["flag_values"].dtype == np.int8
           and flags["flag_meanings"].split()[:3] == ["undetermined", "fixed_point", "periodic"],
           f"{name}: regime carries CF flag_values (int8) and flag_meanings ({flags['flag_meanings']})")
    expect(points["status"].attrs["flag_meanings"] == "pending done failed", f"{name}: status carries its flags")
    return points


def main():
    with tempfile.TemporaryDirectory(prefix="attnmf-netcdf-") as scratch:
        one, two = os.path.join(scratch, "one.h5"), os.path.join(scratch, "two.h5")
        attnmf(["sweep", "--config", CONFIG, "--output.file", one] + GRID + SMALL)
        attnmf(["sweep", "--config", CONFIG, "--output.file", two] + GRID + SMALL, ranks=2)
        first, second = check_sweep(one, 1), check_sweep(two, 2)
        if first is not None and second is not None:
            expect(first.drop_vars("error").identical(second.drop_vars("error")),
                   "/points of 1 and 2 ranks are identical, values and attributes")

        # Several starts per point on 2 ranks: /starts and /attractors.
        starts = os.path.join(scratch, "starts.h5")
        attnmf(["sweep", "--config", CONFIG, "--output.file", starts, "--sweep.mode", "continuation",
                "--continuation.direction", "both", "--sweep.beta", "1.25:1.29:4", "--init.starts", "3"] + SMALL, ranks=2)
        for group in groups_of(starts):
            check_group(starts, group)
        attractors = xr.open_dataset(starts, group="attractors", engine="h5netcdf")
        expect(attractors["samples"].dims == ("attractor", "sample", "feature"), "/attractors/samples: [attractor][sample][feature]")
        start_ds = xr.open_dataset(starts, group="starts", engine="h5netcdf")
        expect(start_ds["attractor"].dims == ("point", "start") and start_ds.sizes["start"] == 3,
               "/starts/attractor: [point][start]")

        trajectory = os.path.join(scratch, "trajectory.h5")
        attnmf(["trajectory", "--config", CONFIG, "--output.file", trajectory, "--run.steps", "4000",
                "--run.transient", "3000", "--analysis.samples", "200", "-q"])
        opened = {group: check_group(trajectory, group) for group in groups_of(trajectory)}
        series = opened.get("trajectory")
        if series is not None:
            expect(series["mo_se"].dims == ("step", "feature"), "/trajectory/mo_se is [step][feature]")
            expect(np.array_equal(series["step"].values, np.arange(3000, 4000)),
                   "the step coordinate holds the steps of the rows, from run.transient on")
        with h5py.File(trajectory, "r") as f:
            beta = f.attrs["model.beta"]
            expect(isinstance(beta, np.floating) and beta == 1.27, f"the trajectory's model.beta is a float64 ({beta!r})")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
