#!/usr/bin/env python3
"""Tests of the Python package attnmf's readers, open_sweep and open_trajectory, one case per ctest test
(tests/python/CMakeLists.txt).

    test_attnmf_package.py --python DIR --data DIR [--attnmf BIN --source DIR] CASE

`inputs` (the ctest fixture) runs attnmf for small files of every kind: a 2-D (beta, gamma) sweep, a
trajectory with the trace of its Lyapunov exponents, a finite-network sweep with a size axis, a multistart
sweep; and writes of each a copy in the form the file format is moving to (configuration attributes as
numbers, codes named by CF flag_values / flag_meanings instead of codes / names, descriptions on the
datasets, HDF5 dimension scales and labels). The cases open them and compare every value with direct h5py
reads, check what is read when (nothing bulky on opening), and draw every figure from the new form.
Exit status 77 (skipped) when the interpreter has no xarray.
"""

import argparse
import importlib
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

SKIP = 77


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def run(command, **kwargs):
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=300, **kwargs)


# --------------------------------------------------------------------------------------------
# Inputs

JOBS = {
    # The case of the issue: 5 beta x 2 gamma.
    "grid.h5": ["sweep", "--sweep.beta", "1.2:1.3:5", "--sweep.gamma", "200,220", "--run.steps", "30000",
                "--run.transient", "20000", "--analysis.samples", "1000"],
    # The same sweep stored the other ways: samples uncompressed, and as float32.
    "grid-uncompressed.h5": ["sweep", "--sweep.beta", "1.2:1.3:5", "--sweep.gamma", "200,220", "--run.steps", "30000",
                             "--run.transient", "20000", "--analysis.samples", "1000",
                             "--output.sample_compression", "none"],
    "grid-float32.h5": ["sweep", "--sweep.beta", "1.2:1.3:5", "--sweep.gamma", "200,220", "--run.steps", "30000",
                        "--run.transient", "20000", "--analysis.samples", "1000", "--output.sample_precision", "float32"],
    "trajectory.h5": ["trajectory", "--model.beta", "1.28", "--run.steps", "30000", "--run.transient", "20000",
                      "--analysis.lyapunov_trace", "500"],
    "network.h5": ["sweep", "--run.engine", "network", "--sweep.beta", "1.1,1.27,1.4", "--sweep.size", "990,99000",
                   "--network.replicas", "2", "--run.steps", "6000", "--run.transient", "3000",
                   "--analysis.samples", "400"],
    "multistart.h5": ["sweep", "--init.starts", "3", "--sweep.beta", "1.26:1.27:3", "--run.steps", "20000",
                      "--run.transient", "15000", "--analysis.samples", "300"],
}


def make_inputs(opts):
    os.makedirs(opts.data, exist_ok=True)
    config = os.path.join(opts.source, "jobs", "paper-trajectory.ini")
    for name, arguments in JOBS.items():
        path = os.path.join(opts.data, name)
        for stale in (path, path + ".journal"):
            if os.path.isdir(stale):
                shutil.rmtree(stale)
            elif os.path.exists(stale):
                os.remove(stale)
        command = [opts.attnmf, arguments[0], "--config", config, "--output.file", path] + arguments[1:]
        if arguments[0] == "sweep":
            command += ["--parallel.threads_per_rank", "1"]
        result = run(command)
        check(result.returncode == 0 and os.path.exists(path), f"{' '.join(command)} failed ({result.returncode}):\n"
              f"{result.stderr}")
        write_next_form(path, os.path.join(opts.data, "next-" + name))
    print(f"inputs written to {opts.data}")


def write_next_form(source, target):
    """A copy of an attnmf file in the form its format is moving to (format 2): numeric configuration
    attributes and no model.beta beside a beta axis; CF flag_values and flag_meanings (hyphens and blanks
    as underscores) in place of codes and names, crossing_direction coded too; a description on each
    dataset of /points; dimension scales: the grid's axes, an index scale (0, 1, ...) on every point axis
    and on the samples, the steps of a trajectory; each point's beta, gamma, epsilon in /points, named by
    the datasets' CF `coordinates`; labelled dimensions."""
    shutil.copyfile(source, target)
    with h5py.File(target, "r+") as f:
        if f.attrs.get("kind") in ("sweep", b"sweep") and "model.beta" in f.attrs:
            del f.attrs["model.beta"]
        for name, value in list(f.attrs.items()):
            text = value.decode() if isinstance(value, bytes) else value
            if "." in name and isinstance(text, str):
                try:
                    number = int(text)
                except ValueError:
                    try:
                        number = float(text)
                    except ValueError:
                        continue
                del f.attrs[name]
                f.attrs[name] = np.int64(number) if isinstance(number, int) else np.float64(number)

        def visit(name, item):
            if not isinstance(item, h5py.Dataset):
                return
            if "codes" in item.attrs and "names" in item.attrs:
                codes = np.asarray(item.attrs["codes"]).astype(item.dtype)
                names = [n.decode() if isinstance(n, bytes) else str(n) for n in item.attrs["names"]]
                del item.attrs["codes"], item.attrs["names"]
                item.attrs["flag_values"] = codes
                item.attrs["flag_meanings"] = " ".join(n.replace(" ", "_").replace("-", "_") for n in names)
            elif name == "points/crossing_direction":
                item.attrs["flag_values"] = np.array([-1, 0, 1], dtype=np.int8)
                item.attrs["flag_meanings"] = "downward unused upward"
            key = name.rsplit("/", 1)[-1]
            if key in item.parent.attrs and "description" not in item.attrs:
                item.attrs["description"] = item.parent.attrs[key]
        f.visititems(visit)
        if "grid" in f:
            for axis in ("beta", "gamma", "epsilon", "size"):
                if f"grid/{axis}" in f and "CLASS" not in f[f"grid/{axis}"].attrs:
                    f[f"grid/{axis}"].make_scale(axis)
            # (A file attnmf wrote in format 2 has these already.)
            n = f["points/status"].shape[0]
            axes = (("size",) if "grid/size" in f else ()) + ("epsilon", "gamma", "beta")
            index = np.unravel_index(np.arange(n), tuple(len(f[f"grid/{a}"]) for a in axes))
            for axis, i in zip(axes, index):
                if f"points/{axis}" not in f:
                    f[f"points/{axis}"] = np.asarray(f[f"grid/{axis}"])[i]
            if "points/point" not in f:
                f["points/point"] = np.arange(n, dtype=np.int64)
                f["points/point"].make_scale("point")
                for item in list(f["points"].values()):
                    if isinstance(item, h5py.Dataset) and item.shape[:1] == (n,) and item.name != "/points/point":
                        item.dims[0].attach_scale(f["points/point"])
                        item.attrs["coordinates"] = "beta gamma epsilon"
            if "points/samples" in f and "points/sample" not in f:
                f["points/sample"] = np.arange(f["points/samples"].shape[1], dtype=np.int64)
                f["points/sample"].make_scale("sample")
                f["points/samples"].dims[1].attach_scale(f["points/sample"])
        for path, labels in (("points/samples", ("point", "sample", "feature")),
                             ("trajectory/mo_se", ("step", "feature"))):
            if path in f:
                for i, label in enumerate(labels):
                    f[path].dims[i].label = label
        if "trajectory/mo" in f and "trajectory/step" not in f:
            rows = f["trajectory/mo"].shape[0]
            first = int(f["trajectory"].attrs["first_step"])
            f["trajectory/step"] = first + np.arange(rows, dtype=np.int64)
            f["trajectory/step"].make_scale("step")
            for quantity in ("att", "mo", "mv", "mq", "mk"):
                f[f"trajectory/{quantity}"].dims[0].attach_scale(f["trajectory/step"])


def data(opts, name):
    path = os.path.join(opts.data, name)
    check(os.path.exists(path), f"{path} is missing: the python.inputs fixture did not run")
    return path


def out(opts, name):
    directory = os.path.join(opts.data, opts.case)
    os.makedirs(directory, exist_ok=True)
    return os.path.join(directory, name)


def package(opts):
    if opts.python not in sys.path:
        sys.path.insert(0, opts.python)
    import attnmf
    where = os.path.dirname(os.path.dirname(os.path.realpath(attnmf.__file__)))
    check(where == os.path.realpath(opts.python), f"imported attnmf from {where}, not --python {opts.python}")
    return attnmf


def names_of(dataset):
    attrs = dataset.attrs
    if "codes" in attrs:
        return dict(zip(np.asarray(attrs["codes"]).tolist(), [n.decode() if isinstance(n, bytes) else str(n)
                                                              for n in attrs["names"]]))
    return dict(zip(np.asarray(attrs["flag_values"]).tolist(),
                    [w.replace("_", " ") for w in str(attrs["flag_meanings"]).split()]))


# --------------------------------------------------------------------------------------------
# Cases


def check_sweep(attnmf, path, dask):
    """The 5 x 2 sweep: coordinates from /grid, every /points dataset on (epsilon, gamma, beta, ...) at
    p = (i_epsilon n_gamma + i_gamma) n_beta + i_beta, the regimes named, the configuration typed."""
    ds = attnmf.open_sweep(path, dask=dask)
    with h5py.File(path, "r") as f:
        beta, gamma, epsilon = (np.asarray(f[f"grid/{a}"]) for a in ("beta", "gamma", "epsilon"))
        nb, ng, ne = len(beta), len(gamma), len(epsilon)
        check((nb, ng, ne) == (5, 2, 1), f"{path}: grid {nb} x {ng} x {ne}")
        check(tuple(ds.regime.dims) == ("epsilon", "gamma", "beta"), f"regime dims {ds.regime.dims}")
        check(tuple(ds.samples.dims) == ("epsilon", "gamma", "beta", "sample", "feature"),
              f"samples dims {ds.samples.dims}")
        check(tuple(ds.lyapunov.dims) == ("epsilon", "gamma", "beta", "exponent"), f"lyapunov dims {ds.lyapunov.dims}")
        for axis, values in (("beta", beta), ("gamma", gamma), ("epsilon", epsilon)):
            check(np.array_equal(ds[axis].values, values), f"coordinate {axis} {ds[axis].values} is not /grid/{axis}")
        check(list(ds.exponent.values) == [1, 2, 3] and list(ds.feature.values) == [0, 1, 2], "exponent, feature")
        samples = f["points/samples"]
        for p in range(nb * ng * ne):
            i_gamma, i_beta = divmod(p % (nb * ng), nb)
            at = ds.samples.isel(epsilon=0, gamma=i_gamma, beta=i_beta)
            check(np.array_equal(at.values, samples[p]), f"the samples at gamma index {i_gamma}, beta index {i_beta} "
                  f"are not /points/samples[{p}]")
            by_value = ds.samples.sel(gamma=gamma[i_gamma], beta=beta[i_beta]).isel(epsilon=0, sample=[0, -1])
            check(np.array_equal(by_value.values, samples[p][[0, -1]]), f"sel(gamma={gamma[i_gamma]}, "
                  f"beta={beta[i_beta]}) is not point {p}")
            check(int(ds.point.isel(epsilon=0, gamma=i_gamma, beta=i_beta)) == p, "the point coordinate")
        # Every per-point dataset of the file, whole.
        compared = 0
        for name, variable in ds.data_vars.items():
            if "epsilon" not in variable.dims or name.endswith("_name"):
                continue
            source = {"point_seconds": "provenance/point_seconds"}.get(name) or (
                "points/" + name.replace("final_window_", "final_window/"))
            check(source in f, f"variable {name}: no {source} in the file")
            flat = np.asarray(variable.values).reshape((nb * ng * ne,) + variable.shape[3:])
            expected = np.asarray(f[source][()])
            if expected.dtype.kind == "S":
                expected = np.char.decode(expected, "utf-8")
            check(np.array_equal(flat, expected, equal_nan=expected.dtype.kind == "f"),
                  f"variable {name} reshaped back is not {source}")
            compared += 1
        check(compared >= 20, f"only {compared} per-point variables")
        regime = np.asarray(f["points/regime"]).reshape(ne, ng, nb)
        names = names_of(f["points/regime"])
        check(np.array_equal(ds.regime_name.values, np.vectorize(names.get)(regime)), "regime_name")
        check(attnmf.code_names(ds.regime) == names, f"code_names {attnmf.code_names(ds.regime)} != {names}")
        check(list(ds.regime.attrs["flag_values"]) == list(names), "flag_values")
        check(set(np.unique(ds.status_name.values)) <= {"pending", "done", "failed"}, "status_name")
        # /points describes period as "..., 0 if none": no legend of codes. (Format 2 names the codes of
        # crossing_direction too.)
        coded = sorted(name for name in ds.data_vars if "flag_values" in ds[name].attrs and name != "crossing_direction")
        check(coded == ["lyapunov_source", "paper_regime", "regime", "status"], f"coded variables {coded}")
    attrs = ds.attrs
    check(attrs["model.context"] == 4 and type(attrs["model.context"]) is int, f"model.context {attrs['model.context']!r}")
    check(attrs["model.epsilon"] == 0.02 and type(attrs["model.epsilon"]) is float, "model.epsilon typed")
    check(attrs["sweep.beta"] == "1.2:1.3:5" and attrs["sweep.gamma"] == "200,220", "the grid specs stay text")
    check(attrs["kind"] == "sweep" and attrs["format_version"] in (1, 2), "kind, format_version")
    check(attrs["run.steps"] == 30000 and attrs["analysis.samples"] == 1000, "run.steps, analysis.samples")
    check(isinstance(attrs.get("provenance/host"), str), "provenance attributes")
    check("description" in ds.samples.attrs, "the samples have no description")
    ds.close()
    return ds


def case_sweep(opts):
    attnmf = package(opts)
    for dask in (True, False):
        ds = check_sweep(attnmf, data(opts, "grid.h5"), dask)
        print(f"open_sweep (dask={dask}): {dict(ds.sizes)}, {len(ds.data_vars)} variables")


def case_storage(opts):
    """Compressed, uncompressed and float32 samples read the same through open_sweep: bit for bit
    between the first two, within the float32 rounding (3e-8 here) for the third, everything else equal."""
    attnmf = package(opts)
    paths = {name: data(opts, f"grid{name}.h5") for name in ("", "-uncompressed", "-float32")}
    with h5py.File(paths[""], "r") as f, h5py.File(paths["-uncompressed"], "r") as g, h5py.File(paths["-float32"], "r") as h:
        check(f["points/samples"].compression == "gzip" and f["points/samples"].shuffle, "the default sweep's samples are "
              f"not shuffled and deflated ({f['points/samples'].compression})")
        check(g["points/samples"].compression is None and g["points/samples"].chunks is None,
              "output.sample_compression = none: contiguous samples")
        check(h["points/samples"].dtype == np.float32 and h["points/samples"].compression == "gzip", "float32 samples")
        check(str(h.attrs["output.sample_precision"]) == "float32", "the file records output.sample_precision")
    ds = {name: attnmf.open_sweep(path) for name, path in paths.items()}
    deflated, plain, single = ds[""], ds["-uncompressed"], ds["-float32"]
    check(np.array_equal(deflated.samples.values, plain.samples.values, equal_nan=True),
          "compressed and uncompressed samples differ")
    rounded = plain.samples.values.astype(np.float32)
    check(np.array_equal(single.samples.values.astype(np.float32), rounded, equal_nan=True),
          "the float32 samples are not the doubles rounded")
    worst = float(np.nanmax(np.abs(single.samples.values.astype(np.float64) - plain.samples.values)))
    check(worst <= 3e-8, f"float32 samples {worst:.3g} from the doubles")
    for name in plain.data_vars:
        if name == "samples" or "epsilon" not in plain[name].dims or name == "point_seconds":
            continue
        for other, label in ((deflated, "compressed"), (single, "float32")):
            check(np.array_equal(other[name].values, plain[name].values,
                                 equal_nan=plain[name].dtype.kind == "f"), f"{name} differs in the {label} file")
    sizes = {name: os.path.getsize(path) for name, path in paths.items()}
    print(f"samples read the same from each file (float32 within {worst:.2g}); sizes {sizes}")
    for d in ds.values():
        d.close()


def case_trajectory(opts):
    attnmf = package(opts)
    path = data(opts, "trajectory.h5")
    for dask in (True, False):
        ds = attnmf.open_trajectory(path, dask=dask)
        with h5py.File(path, "r") as f:
            first = int(f["trajectory"].attrs["first_step"])
            rows = f["trajectory/mo_se"].shape[0]
            check(np.array_equal(ds.step.values, first + np.arange(rows)), "the step coordinate")
            for quantity in ("att", "mo", "mo_se", "mv", "mq", "mk"):
                check(tuple(ds[quantity].dims) == ("step", "feature"), f"{quantity} dims {ds[quantity].dims}")
                check(np.array_equal(ds[quantity].values, f[f"trajectory/{quantity}"][()]), f"{quantity} values")
            window = ds.mo_se.sel(step=slice(first + 100, first + 199), feature=1)
            check(np.array_equal(window.values, f["trajectory/mo_se"][100:200, 1]), "a window of steps by sel")
            for name in ("regime", "period", "zero_one_k", "correlation_dimension", "distinct_values", "paper_regime"):
                check(ds[name].dims == () and ds[name].values == f[f"analysis/{name}"][0], f"scalar {name}")
            names = names_of(f["analysis/regime"])
            check(str(ds.regime_name.values) == names[int(f["analysis/regime"][0])] == "chaotic",
                  f"regime_name {ds.regime_name.values}")
            check(np.array_equal(ds.lyapunov.values, f["analysis/lyapunov"][()]) and ds.lyapunov.dims == ("exponent",),
                  "lyapunov")
            trace = f["analysis/lyapunov_trace"]
            every = int(trace.attrs["every"])
            check(ds.lyapunov_trace.dims == ("trace", "exponent") and
                  np.array_equal(ds.lyapunov_trace.values, trace[()]), "lyapunov_trace")
            check(np.array_equal(ds.trace.values, every * np.arange(1, trace.shape[0] + 1)), "the trace coordinate")
            check(ds.crossings.dims == ("crossing", "feature") and
                  np.array_equal(ds.crossings.values, f["analysis/crossings"][()]), "crossings")
            check(np.array_equal(ds.final_window_attention.values, f["trajectory/final_window/attention"][()]),
                  "final window")
            check(ds.attrs["trajectory/first_step"] == first and ds.attrs["model.beta"] == 1.28, "attributes")
            check(ds.tables_o.dims == ("sign_vector", "feature") and
                  np.array_equal(ds.tables_o.values, f["model/tables/o"][()]), "model tables")
        ds.close()
    try:
        attnmf.open_sweep(path)
    except attnmf.FileError as error:
        check("open_trajectory" in str(error), f"open_sweep of a trajectory says {error}")
    else:
        raise Failure("open_sweep read a trajectory file")
    print(f"open_trajectory: {dict(ds.sizes)}")


def case_lazy(opts):
    """Opening reads no array with dimensions of its own; a selection reads the rows it needs and no more."""
    attnmf = package(opts)
    path = data(opts, "grid.h5")
    bulky = {"/points/samples", "/points/section", "/points/crossings", "/points/crossing_direction",
             "/points/final_window/attention", "/points/lyapunov"}
    reads = []
    original = h5py.Dataset.__getitem__

    def spy(self, key):
        reads.append((self.name, key))
        return original(self, key)

    h5py.Dataset.__getitem__ = spy
    try:
        for dask in (True, False):
            reads.clear()
            ds = attnmf.open_sweep(path, dask=dask)
            touched = {name for name, _ in reads}
            check(not touched & bulky, f"dask={dask}: opening read {sorted(touched & bulky)}")
            check("/points/regime" in touched, "opening did not read the regimes (it names them)")
            kind = type(ds.samples.variable._data).__name__
            check(kind == ("Array" if dask else "LazilyIndexedArray"), f"dask={dask}: samples held as {kind}")
            reads.clear()
            one = ds.samples.isel(epsilon=0, gamma=1, beta=3, feature=0).values
            rows = [key for name, key in reads if name == "/points/samples"]
            check(len(one) == 1000, f"{one.shape}")
            if not dask:
                check(len(rows) == 1 and rows[0][0] == slice(8, 9), f"point 8 read as {rows}")
            else:
                check(all(key[0].stop - key[0].start <= 10 for key in rows), f"reads {rows}")
            ds.close()
        # The dask chunks are whole runs of points, of at most CHUNK_BYTES.
        from attnmf import dataset
        saved = dataset.CHUNK_BYTES
        dataset.CHUNK_BYTES = 3 * 1000 * 3 * 8
        try:
            ds = attnmf.open_sweep(path, dask=True)
            check(ds.samples.data.chunks[:3] == ((1,), (1, 1), (3, 2)), f"chunks {ds.samples.data.chunks}")
            reads.clear()
            total = float(ds.samples.isel(feature=2).sum())
            with h5py.File(path, "r") as f:
                check(np.isclose(total, np.asarray(f["points/samples"])[:, :, 2].sum()), "a sum over the chunks")
            ds.close()
            ds = attnmf.open_sweep(path, dask=True, chunks={"beta": 1, "sample": 250})
            check(ds.samples.data.chunks[2:4] == ((1,) * 5, (250,) * 4), f"chunks= {ds.samples.data.chunks}")
            ds.close()
        finally:
            dataset.CHUNK_BYTES = saved
    finally:
        h5py.Dataset.__getitem__ = original
    print("opening reads the per-point scalars only; a selection reads its rows")


def case_no_dask(opts):
    """Without dask the readers fall back to lazily indexed arrays; dask=True then says dask is missing."""
    script = (f"import sys; sys.modules['dask'] = None; sys.path.insert(0, {opts.python!r}); import attnmf\n"
              f"ds = attnmf.open_sweep({data(opts, 'grid.h5')!r})\n"
              "print(type(ds.samples.variable._data).__name__, ds.samples.isel(beta=2, gamma=1, epsilon=0).shape)\n"
              f"try:\n    attnmf.open_sweep({data(opts, 'grid.h5')!r}, dask=True)\n"
              "except ImportError:\n    print('ImportError')\n"
              f"tr = attnmf.open_trajectory({data(opts, 'trajectory.h5')!r}); print(float(tr.mo_se[-1, 0]))\n")
    result = run([sys.executable, "-c", script])
    check(result.returncode == 0, f"without dask: {result.stderr}")
    lines = result.stdout.split("\n")
    check(lines[0] == "LazilyIndexedArray (1000, 3)" and lines[1] == "ImportError", f"without dask: {result.stdout!r}")
    print(f"without dask: {lines[0]}")


def case_network(opts):
    """A finite-network sweep: the size axis first, p = ((i_size n_eps + i_eps) n_gamma + i_gamma) n_beta + i_beta."""
    attnmf = package(opts)
    for name in ("network.h5", "next-network.h5"):
        path = data(opts, name)
        ds = attnmf.open_sweep(path)
        with h5py.File(path, "r") as f:
            sizes, beta = np.asarray(f["grid/size"]), np.asarray(f["grid/beta"])
            check(tuple(ds.regime.dims) == ("size", "epsilon", "gamma", "beta"), f"{name}: dims {ds.regime.dims}")
            check(np.array_equal(ds["size"].values, sizes), "the size coordinate")
            check(tuple(ds.network_distance.dims) == ("size", "epsilon", "gamma", "beta", "replica"), "distance dims")
            check(tuple(ds.reference_samples.dims) == ("size", "epsilon", "gamma", "beta", "sample", "feature"),
                  "reference samples dims")
            for i_size in range(len(sizes)):
                for i_beta in range(len(beta)):
                    p = i_size * len(beta) + i_beta
                    at = dict(size=i_size, epsilon=0, gamma=0, beta=i_beta)
                    check(np.array_equal(ds.network_distance.isel(**at).values, f["network/distance"][p],
                                         equal_nan=True), f"{name}: distance of point {p}")
                    check(int(ds.network_size.isel(**at)) == sizes[i_size], f"{name}: /network/size of point {p}")
                    check(np.array_equal(ds.samples.isel(**at).values, f["points/samples"][p], equal_nan=True),
                          f"{name}: samples of point {p}")
            check(set(np.unique(ds.network_distance_kind_name.values)) <= {"none", "fixed point", "orbit", "distribution"},
                  f"distance kinds {np.unique(ds.network_distance_kind_name.values)}")
        ds.close()
    print(f"network sweep: {dict(ds.sizes)}")


def case_attractors(opts):
    """A multistart sweep: /starts on (..., start), /attractors on attractor with its point's grid values."""
    attnmf = package(opts)
    path = data(opts, "multistart.h5")
    ds = attnmf.open_sweep(path)
    with h5py.File(path, "r") as f:
        beta = np.asarray(f["grid/beta"])
        point = np.asarray(f["attractors/point"])
        check(tuple(ds.start_attractor.dims) == ("epsilon", "gamma", "beta", "start") and ds.sizes["start"] == 3,
              f"start_attractor dims {ds.start_attractor.dims}")
        check(np.array_equal(ds.start_attractor.values.reshape(-1, 3), f["starts/attractor"][()]), "/starts/attractor")
        check(ds.attractor_samples.dims == ("attractor", "sample", "feature"), "attractor samples dims")
        check(np.array_equal(ds.attractor_point.values, point), "attractor_point")
        check(np.array_equal(ds.attractor_beta.values, beta[point]), "attractor_beta")
        check(np.array_equal(ds.attractor_samples.values, f["attractors/samples"][()], equal_nan=True), "samples")
        check(set(np.unique(ds.start_origin_name.values)) <= {"configured", "random", "up chain", "down chain"},
              "start_origin_name")
        counts = ds.attractor_point.groupby(ds.attractor_point).count()
        check(np.array_equal(np.asarray(f["points/attractor_count"])[counts.attractor_point.values], counts.values),
              "attractor_count against the attractors per point")
    ds.close()
    print(f"multistart: {ds.sizes['attractor']} attractors over {len(beta)} points")


def case_next_form(opts):
    """The files of the next format (numbers for numbers, flag_values / flag_meanings, descriptions,
    dimension scales) read as today's do: the same variables and values, the same typed configuration;
    and every figure draws from them."""
    attnmf = package(opts)
    import xarray
    for name in JOBS:
        today = attnmf.open_sweep if name != "trajectory.h5" else attnmf.open_trajectory
        old, new = today(data(opts, name)), today(data(opts, "next-" + name))
        missing = set(old.variables) - set(new.variables)
        check(not missing, f"next-{name} lacks {sorted(missing)}")
        extra = set(new.variables) - set(old.variables)
        check(not extra, f"next-{name} has more variables than today's form: {sorted(extra)}")
        for variable in old.variables:
            xarray.testing.assert_equal(old[variable].reset_coords(drop=True), new[variable].reset_coords(drop=True))
            if "flag_values" in old[variable].attrs:
                for attribute in ("flag_values", "flag_meanings"):
                    check(str(old[variable].attrs[attribute]) == str(new[variable].attrs.get(attribute)),
                          f"next-{name}: {variable}.{attribute} {new[variable].attrs.get(attribute)}")
        check("coordinates" not in new.regime.attrs, "the file's own CF coordinates kept on a reshaped variable")
        for key, value in old.attrs.items():
            if "." in key and "/" not in key and key in new.attrs:
                check(new.attrs[key] == value and type(new.attrs[key]) is type(value),
                      f"next-{name}: {key} = {new.attrs[key]!r}, today {value!r}")
        old.close()
        new.close()
    print("the next format reads as today's")
    plot = [sys.executable, os.path.join(opts.source, "tools", "attnmf-plot")]
    figures = [("bifurcation", "grid.h5"), ("lyapunov", "grid.h5"), ("phase-diagram", "grid.h5"),
               ("panel", "grid.h5"), ("trajectory", "trajectory.h5"), ("poincare", "trajectory.h5"),
               ("lyapunov-trace", "trajectory.h5"), ("panel", "trajectory.h5"), ("attractors", "multistart.h5"),
               ("finite-size", "network.h5")]
    for command, name in figures:
        target = out(opts, f"{command}-{name}.svg")
        result = run(plot + [command, data(opts, "next-" + name), "-o", target, "--size", "6", "4"],
                     env=dict(os.environ, MPLBACKEND="Agg"))
        check(result.returncode == 0 and os.path.getsize(target) > 5000,
              f"attnmf-plot {command} next-{name}: exit {result.returncode}\n{result.stderr}")
    print(f"{len(figures)} figures drawn from the next format")


def case_errors(opts):
    attnmf = package(opts)
    for path, says in ((os.path.join(opts.data, "nothing.h5"), "no such file"),
                       (__file__, "not an HDF5 file"), (opts.data, "is a directory")):
        try:
            attnmf.open_sweep(path)
        except attnmf.FileError as error:
            check(says in str(error), f"open_sweep({path}): {error}")
        else:
            raise Failure(f"open_sweep({path}) did not fail")
    try:
        attnmf.open_trajectory(data(opts, "grid.h5"))
    except ValueError as error:
        check("a sweep file; attnmf.open_sweep reads it" in str(error), f"{error}")
    # An h5py handle of the user's own on the same file does not keep attnmf out (nor the other way).
    with h5py.File(data(opts, "grid.h5"), "r") as f:
        ds = attnmf.open_sweep(data(opts, "grid.h5"))
        check(float(ds.samples[0, 0, 0, 0, 0]) == f["points/samples"][0, 0, 0], "open beside h5py")
        ds.close()
    print("bad paths and kinds are refused with FileError")


CASES = {
    "inputs": make_inputs,
    "sweep": case_sweep,
    "trajectory": case_trajectory,
    "lazy": case_lazy,
    "no_dask": case_no_dask,
    "network": case_network,
    "attractors": case_attractors,
    "next_form": case_next_form,
    "errors": case_errors,
    "storage": case_storage,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attnmf", help="the attnmf executable (inputs)")
    parser.add_argument("--source", required=True, help="the source tree (jobs/paper-trajectory.ini, tools/)")
    parser.add_argument("--python", required=True, help="the directory holding the package attnmf")
    parser.add_argument("--data", required=True, help="directory for the files")
    parser.add_argument("case", choices=sorted(CASES))
    opts = parser.parse_args()
    opts.python = os.path.abspath(opts.python)
    opts.data = os.path.abspath(opts.data)
    if opts.case == "inputs" and not opts.attnmf:
        parser.error("inputs needs --attnmf")
    try:
        importlib.import_module("xarray")
    except ImportError:
        print(f"skipped: {sys.executable} cannot import xarray (Debian: python3-xarray)")
        return SKIP
    try:
        CASES[opts.case](opts)
    except Failure as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
