#!/usr/bin/env python3
"""Tests of tools/attnmf-plot and the package attnmf.plot under it, one case per ctest test
(tests/tools/CMakeLists.txt).

    test_attnmf_plot.py --attnmf BIN --plot SCRIPT --python DIR --source DIR --data DIR [--build DIR] CASE

`inputs` (the ctest fixture) writes the input files into --data: two trajectories (one with the trace
of its Lyapunov exponents), a 1-D and a 2-D sweep made by the attnmf executable at small sizes, and
synthetic sweep files written here with h5py whose regimes and Lyapunov exponents are known (every
regime, some pending and failed points), among them multistart and continuation sweeps with known
coexisting attractors and hysteresis. The finite_size cases write their own synthetic network sweeps
(run.engine = network) and need no attnmf. The other cases render figures with SCRIPT and check that
each is a PNG, SVG or PDF of the requested size that is not blank and shows what it should (the regime
colours where regimes are drawn), or that bad input is refused with exit status 2 and one line on
stderr; and draw figures in-process with the package in --python DIR to check what they hold.
"""

import argparse
import os
import re
import struct
import subprocess
import sys
import types

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.colors  # noqa: E402
import matplotlib.image  # noqa: E402
import numpy as np  # noqa: E402

# The regime colours attnmf-plot promises (the same table as in the script; a change there must be
# a deliberate change here).
REGIME_COLOURS = {
    -1: "#bcbd22",
    0: "#8c564b",
    1: "#1f77b4",
    2: "#2ca02c",
    3: "#d62728",
    4: "#9467bd",
    5: "#17becf",
}


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# --------------------------------------------------------------------------------------------
# Inputs


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    return result


def make_inputs(opts):
    os.makedirs(opts.data, exist_ok=True)
    config = os.path.join(opts.source, "jobs", "paper-trajectory.ini")
    jobs = {
        "trajectory.h5": ["trajectory", "--run.steps", "60000", "--run.transient", "50000",
                          "--analysis.lyapunov_trace", "250"],
        "trajectory-chaos.h5": ["trajectory", "--model.beta", "1.28", "--run.steps", "30000", "--run.transient",
                                "20000"],
        "sweep.h5": ["sweep", "--sweep.beta", "1.24:1.28:41", "--run.steps", "40000", "--run.transient",
                     "35000", "--analysis.samples", "1000"],
        "grid.h5": ["sweep", "--sweep.beta", "1.25:1.29:6", "--sweep.gamma", "200:240:5", "--run.steps",
                    "30000", "--run.transient", "25000", "--analysis.samples", "500"],
        "network.h5": ["sweep", "--run.engine", "network", "--sweep.beta", "1.1,1.4", "--sweep.size",
                       "990,9900,99000", "--network.replicas", "2", "--run.steps", "8000", "--run.transient",
                       "3000", "--analysis.samples", "5000"],
    }
    for name, arguments in jobs.items():
        path = os.path.join(opts.data, name)
        if os.path.exists(path):
            os.remove(path)  # attnmf sweep never overwrites
        command = [opts.attnmf, arguments[0], "--config", config, "--output.file", path] + arguments[1:]
        result = run(command)
        check(result.returncode == 0 and os.path.exists(path),
              f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    write_synthetic_sweep(os.path.join(opts.data, "synthetic.h5"))
    write_synthetic_sweep(os.path.join(opts.data, "no-lyapunov.h5"), lyapunov="nan")
    write_synthetic_sweep(os.path.join(opts.data, "no-lyapunov-dataset.h5"), lyapunov="absent")
    write_synthetic_sweep(os.path.join(opts.data, "no-samples.h5"), samples=False)
    write_multistart_sweep(os.path.join(opts.data, "multistart.h5"))
    write_continuation_sweep(os.path.join(opts.data, "continuation.h5"), ("up", "down"))
    write_continuation_sweep(os.path.join(opts.data, "continuation-up.h5"), ("up",))
    write_continuation_sweep(os.path.join(opts.data, "continuation-no-lyapunov.h5"), ("up", "down"),
                             lyapunov=False)
    print(f"inputs written to {opts.data}")


def synthetic_regimes(n):
    """Runs of every regime along beta: fixed point, periodic, quasi-periodic, chaotic, hyperchaotic,
    2-torus, undetermined."""
    codes = np.array([0, 1, 2, 3, 4, 5, -1])
    return codes[np.minimum(np.arange(n) * len(codes) // n, len(codes) - 1)].astype(np.int8)


# The names attnmf writes beside the regime codes (attributes codes and names of /points/regime).
REGIME_NAMES = {-1: "undetermined", 0: "fixed point", 1: "periodic", 2: "quasi-periodic", 3: "chaotic",
                4: "hyperchaotic", 5: "2-torus"}


def write_synthetic_sweep(path, lyapunov="filled", samples=True, regime_names=True):
    """A 60 beta x 3 gamma sweep written like `attnmf sweep` writes one, with known content."""
    n_beta, n_gamma, n_samples, features, kept = 60, 3, 400, 3, 50
    beta = np.linspace(1.0, 1.5, n_beta)
    gamma = np.array([200.0, 220.0, 240.0])
    n = n_beta * n_gamma
    rng = np.random.default_rng(7)
    regime = np.tile(synthetic_regimes(n_beta), n_gamma)
    status = np.ones(n, dtype=np.uint8)
    status[5] = 0  # pending
    status[n_beta + 7] = 2  # failed
    period = np.where(regime == 1, 7, 0).astype(np.int32)
    t = np.arange(n_samples)
    data = np.empty((n, n_samples, features))
    for p in range(n):
        amplitude = 0.05 + 0.3 * (p % n_beta) / n_beta
        if regime[p] == 0:
            data[p] = amplitude * np.array([0.5, -0.2, 0.1])
        elif regime[p] == 1:
            data[p] = amplitude * np.sin(2 * np.pi * (t[:, None] % 7) / 7 + np.arange(features))
        elif regime[p] == 2:
            data[p] = amplitude * np.sin(2 * np.pi * 0.1234 * t[:, None] + np.arange(features))
        elif regime[p] == 5:
            data[p] = amplitude * (np.sin(2 * np.pi * 0.1234 * t[:, None] + np.arange(features))
                                   + 0.4 * np.sin(2 * np.pi * 0.0377 * t[:, None] + 2 * np.arange(features)))
        else:
            data[p] = amplitude * (2 * rng.random((n_samples, features)) - 1)
    crossings = np.full((n, 1000, features), np.nan)
    crossings[:, :kept] = data[:, :kept]
    exponents = np.full((n, 3), np.nan)
    largest = {0: -0.3, 1: -0.05, 2: 0.0, 3: 0.03, 4: 0.05, 5: 0.0, -1: 0.01}
    second = {4: 0.01, 5: 0.0}
    for p in range(n):
        l1 = largest[int(regime[p])]
        exponents[p] = [l1, second.get(int(regime[p]), -0.1), -0.4]
    with h5py.File(path, "w") as f:
        f.attrs["kind"] = "sweep"
        for key, value in {"model.features": "3", "model.context": "4", "weights.seed": "1",
                           "model.epsilon": "0.02", "model.gamma": "220", "weights.correlations": "segments",
                           "analysis.section_feature": "1", "analysis.section_tolerance": "0.001"}.items():
            f.attrs[key] = value
        f["grid/beta"] = beta
        f["grid/gamma"] = gamma
        f["grid/epsilon"] = np.array([0.02])
        f["model/tables/o"] = np.full((4, features), 0.25)
        f["points/status"] = status
        f["points/regime"] = regime
        if regime_names:
            f["points/regime"].attrs["codes"] = np.array(list(REGIME_NAMES), dtype=np.int64)
            f["points/regime"].attrs["names"] = [name.encode() for name in REGIME_NAMES.values()]
        f["points/period"] = period
        if samples:
            f["points/samples"] = data
        f["points/crossings"] = crossings
        f["points/crossings_count"] = np.full(n, kept, dtype=np.int32)
        f["points/section"] = crossings
        f["points/section_count"] = np.full(n, kept, dtype=np.int32)
        if lyapunov == "filled":
            f["points/lyapunov"] = exponents
        elif lyapunov == "nan":
            f["points/lyapunov"] = np.full((n, 3), np.nan)


# Sweeps with several starts per point (init.starts > 1, sweep.mode = continuation), written like
# docs/file-format.md lays out /starts and /attractors. Their attractors are three made-up orbits of
# m^o_se, each with its regime, period and largest exponent: a period-4 orbit, a chaotic band and a
# fixed point, at values apart from each other.
MULTISTART_BETA = np.linspace(1.0, 1.39, 40)
ORBITS = {"periodic": (1, 4, -0.05), "chaotic": (3, 0, 0.04), "fixed": (0, 4, -0.3)}  # regime, period, lambda_1
START_ORIGINS = {0: "configured", 1: "random", 2: "up chain", 3: "down chain"}
# Where the synthetic files have more than one attractor (indices of beta).
TWO_ATTRACTORS = range(12, 28)   # multistart.h5, gamma index 0: basin fractions 0.75 and 0.25
THREE_ATTRACTORS = range(0, 10)  # multistart.h5, gamma index 1: 0.5, 0.25, 0.25
HYSTERESIS = range(15, 30)       # continuation.h5: up chain on the periodic orbit, down on the chaotic band
MULTISTART_PENDING = 5           # a pending point (gamma index 0)
MULTISTART_FAILED_START = 30     # a point (gamma index 0) one of whose starts failed


def orbit_samples(name, i_beta, n_samples, features, rng):
    amplitude = 0.1 + 0.2 * i_beta / len(MULTISTART_BETA)
    if name == "periodic":
        cycle = amplitude * np.array([1.0, 0.5, -0.5, -1.0])
        return np.stack([np.roll(np.resize(cycle, n_samples), a) for a in range(features)], axis=1)
    if name == "chaotic":
        return -0.45 - 0.1 * rng.random((n_samples, features))
    return np.full((n_samples, features), 0.6)


def write_attractor_sweep(path, gamma, starts, mode, direction=None, lyapunov=True):
    """A sweep of MULTISTART_BETA x gamma whose point p has the starts `starts[p]`: a list of (origin, orbit)
    with orbit None for a failed start; an empty list for a pending point. The attractors of a point are
    its distinct orbits, labelled in the order of the first start on each (docs/attractors.md)."""
    n_beta, n_samples, features, k, window = len(MULTISTART_BETA), 60, 3, 2, 4
    n = n_beta * len(gamma)
    K = max(len(s) for s in starts)
    rng = np.random.default_rng(11)
    status = np.array([1 if s else 0 for s in starts], dtype=np.uint8)
    origin = np.zeros((n, K), dtype=np.int8)
    start_attractor = np.full((n, K), -1, dtype=np.int64)
    start_regime = np.full((n, K), -1, dtype=np.int8)
    start_period = np.zeros((n, K), dtype=np.int32)
    start_lyapunov = np.full((n, K, k), np.nan)
    start_status = np.zeros((n, K), dtype=np.uint8)
    rows = {key: [] for key in ("point", "label", "regime", "period", "lyapunov", "basin_fraction", "starts",
                                "representative", "samples")}
    count = np.zeros(n, dtype=np.int32)
    for p, point_starts in enumerate(starts):
        labels = {}
        for j, (start_origin, orbit) in enumerate(point_starts):
            origin[p, j] = start_origin
            if orbit is None:
                start_status[p, j] = 2
                continue
            start_status[p, j] = 1
            regime, period, largest = ORBITS[orbit]
            start_regime[p, j], start_period[p, j] = regime, period
            start_lyapunov[p, j] = [largest, -0.2]
            if orbit not in labels:
                labels[orbit] = (len(labels), j)
            start_attractor[p, j] = len(rows["point"]) + labels[orbit][0]
        count[p] = len(labels)
        for orbit, (label, representative) in sorted(labels.items(), key=lambda item: item[1][0]):
            regime, period, largest = ORBITS[orbit]
            reached = sum(1 for _, o in point_starts if o == orbit)
            for key, value in (("point", p), ("label", label), ("regime", regime), ("period", period),
                               ("lyapunov", [largest, -0.2]), ("basin_fraction", reached / K),
                               ("starts", reached), ("representative", representative),
                               ("samples", orbit_samples(orbit, p % n_beta, n_samples, features, rng))):
                rows[key].append(value)
    # /points holds start 0 of each point.
    samples = np.asarray(rows["samples"], dtype=float)
    points_samples = np.where((start_attractor[:, 0] >= 0)[:, None, None], samples[start_attractor[:, 0]], np.nan)
    with h5py.File(path, "w") as f:
        f.attrs["kind"] = "sweep"
        attributes = {"model.features": str(features), "model.context": str(window), "weights.seed": "1",
                      "model.epsilon": "0.02", "weights.correlations": "segments", "init.starts": str(K),
                      "sweep.mode": mode, "analysis.lyapunov": str(k if lyapunov else 0)}
        if direction is not None:
            attributes["continuation.direction"] = direction
            attributes["continuation.from"] = "1"
        for key, value in attributes.items():
            f.attrs[key] = value
        f["grid/beta"] = MULTISTART_BETA
        f["grid/gamma"] = np.asarray(gamma, dtype=float)
        f["grid/epsilon"] = np.array([0.02])
        f["model/tables/o"] = np.full((4, features), 0.25)
        f["points/status"] = status
        f["points/regime"] = start_regime[:, 0]
        f["points/period"] = start_period[:, 0]
        f["points/attractor_count"] = count
        f["points/samples"] = points_samples
        starts_group = f.create_group("starts")
        starts_group.attrs["starts"] = np.int64(K)
        starts_group["attractor"] = start_attractor
        starts_group["origin"] = origin
        starts_group["origin"].attrs["codes"] = np.array(list(START_ORIGINS), dtype=np.int64)
        starts_group["origin"].attrs["names"] = [name.encode() for name in START_ORIGINS.values()]
        starts_group["regime"] = start_regime
        starts_group["period"] = start_period
        if lyapunov:
            starts_group["lyapunov"] = start_lyapunov
        starts_group["status"] = start_status
        group = f.create_group("attractors")
        for key, dtype in (("point", np.int64), ("label", np.int32), ("regime", np.int8), ("period", np.int32),
                           ("lyapunov", float), ("basin_fraction", float), ("starts", np.int32),
                           ("representative", np.int32), ("samples", float)):
            group[key] = np.asarray(rows[key], dtype=dtype)
        group["final_window/attention"] = np.zeros((len(rows["point"]), window, features))
        group["final_window/positions"] = np.zeros((len(rows["point"]), window), dtype=np.int32)
        regime_names = {**REGIME_NAMES, 5: "2-torus"}
        for name in ("points/regime", "starts/regime", "attractors/regime"):
            f[name].attrs["codes"] = np.array(list(regime_names), dtype=np.int64)
            f[name].attrs["names"] = [label.encode() for label in regime_names.values()]


def write_multistart_sweep(path):
    """40 beta x 2 gamma, K = 4 random-ish starts per point (sweep.mode = grid). gamma index 0: one attractor,
    two on TWO_ATTRACTORS (starts 0-2 on the periodic orbit, start 3 on the chaotic band), a pending point
    and a point with a failed start; gamma index 1: three attractors on THREE_ATTRACTORS."""
    starts = []
    for i_gamma in range(2):
        for i in range(len(MULTISTART_BETA)):
            if i_gamma == 0 and i == MULTISTART_PENDING:
                starts.append([])
            elif i_gamma == 0 and i in TWO_ATTRACTORS:
                starts.append([(0, "periodic"), (1, "periodic"), (1, "periodic"), (1, "chaotic")])
            elif i_gamma == 0 and i == MULTISTART_FAILED_START:
                starts.append([(0, "periodic"), (1, "periodic"), (1, None), (1, "periodic")])
            elif i_gamma == 1 and i in THREE_ATTRACTORS:
                starts.append([(0, "fixed"), (1, "chaotic"), (1, "periodic"), (1, "fixed")])
            else:
                starts.append([(0, "periodic")] + [(1, "periodic")] * 3)
    write_attractor_sweep(path, [200.0, 240.0], starts, "grid")


def write_continuation_sweep(path, chains, lyapunov=True):
    """40 beta (sweep.mode = continuation). The periodic orbit exists below beta index 30, the chaotic band
    from index 15 on: the up chain stays on the orbit until it ends, the down chain on the band until it
    ends, so they differ on HYSTERESIS. Per point, the chains' starts first (origin 2 up, 3 down), then one
    random start (origin 1); the down chain's start fails at index 35."""
    starts = []
    for i in range(len(MULTISTART_BETA)):
        point = []
        if "up" in chains:
            point.append((2, "periodic" if i < 30 else "chaotic"))
        if "down" in chains:
            point.append((3, None if i == 35 else "chaotic" if i >= 15 else "periodic"))
        point.append((1, "periodic" if i < 15 or (i < 30 and i % 2) else "chaotic"))
        starts.append(point)
    direction = "both" if len(chains) == 2 else chains[0]
    write_attractor_sweep(path, [220.0], starts, "continuation", direction=direction, lyapunov=lyapunov)


# A sweep run with run.engine = network (docs/file-format.md): the finite network at several sizes N beside
# the mean-field reference at the same (beta, gamma, epsilon). Point p = ((i_size * n_epsilon + i_epsilon)
# * n_gamma + i_gamma) * n_beta + i_beta.
FINITE_SIZES = np.array([990, 9900, 99000, 990000, 9900000], dtype=np.int64)
FINITE_BETA = np.array([1.25, 1.27])
FINITE_PREFACTOR = (2.0, 0.5)     # distance = C N^(-1/2) (1 + small noise), per beta
FINITE_FAILED = (1, 0)            # (i_beta, i_size) of the failed point
FINITE_PERIOD = 4                 # the period of the mean-field orbit at the even beta indices
DISTANCE_KIND_NAMES = {-1: "none", 0: "fixed point", 1: "orbit", 2: "distribution"}


def finite_size_recognised(i_beta, i_size, replicas):
    """beta index 0 (a period-4 orbit): one replica of three recognised at N = 9900, all from 99000 on; beta
    index 1 (a chaotic band, by distribution): all recognised at the two largest N."""
    if i_beta % 2 == 0:
        return [1] * replicas if i_size >= 2 else [int(i_size == 1 and r == 1) for r in range(replicas)]
    return [1] * replicas if i_size >= 3 else [0] * replicas


def finite_size_orbit(period=FINITE_PERIOD):
    """The mean-field orbit of the even beta indices: `period` points on a circle of radius 0.5 in
    (m^o_se,0, m^o_se,1), with m^o_se,2 = 0.2 cos(2 theta)."""
    theta = 2 * np.pi * np.arange(period) / period + 0.3
    return np.stack((0.5 * np.cos(theta), 0.5 * np.sin(theta), 0.2 * np.cos(2 * theta)), axis=1)


def finite_size_band(rng, n_samples):
    """Samples of the chaotic band of the odd beta indices: a noisy ring of radius 0.4, m^o_se,2 a blob."""
    theta = rng.uniform(0, 2 * np.pi, n_samples)
    radius = 0.4 + 0.03 * rng.standard_normal(n_samples)
    return np.stack((radius * np.cos(theta), radius * np.sin(theta), 0.25 * rng.standard_normal(n_samples)), axis=1)


def write_finite_size_sweep(path, beta=FINITE_BETA, sizes=FINITE_SIZES, replicas=3, pending=False):
    """A beta x 1 gamma x 1 epsilon x sizes network sweep whose replicas' distances follow C N^(-1/2) with 2 %
    noise; beta index 0 is on a periodic orbit (distance kind orbit), index 1 on a chaotic band (kind
    distribution), recognised as in finite_size_recognised; point FINITE_FAILED failed. With pending, every
    point is pending. The samples: at an even beta index the reference cycles through finite_size_orbit()
    and the network's samples are those points plus Gaussian noise of std C N^(-1/2); at an odd one both are
    samples of finite_size_band, the network's with that noise added. Not done points have NaN samples, the
    failed point also a NaN reference."""
    n_beta, n_size, n_samples, features = len(beta), len(sizes), 200, 3
    n = n_beta * n_size
    rng = np.random.default_rng(5)
    status = np.ones(n, dtype=np.uint8)
    regime = np.full(n, -1, dtype=np.int8)
    reference_regime = np.zeros(n, dtype=np.int8)
    period = np.zeros(n, dtype=np.int32)
    kind = np.zeros(n, dtype=np.int8)
    distance = np.full((n, replicas), np.nan)
    tracking = np.full((n, replicas), np.nan)
    recognised = np.full((n, replicas), -1, dtype=np.int8)
    algorithm = np.zeros(n, dtype=np.uint8)
    size = np.zeros(n, dtype=np.int64)
    for i_size, N in enumerate(sizes):
        for i_beta in range(n_beta):
            p = i_size * n_beta + i_beta
            size[p] = N
            periodic = i_beta % 2 == 0
            reference_regime[p], period[p], kind[p] = (1, FINITE_PERIOD, 1) if periodic else (3, 0, 2)
            if pending or (i_beta, i_size) == FINITE_FAILED:
                status[p] = 0 if pending else 2
                kind[p] = -1
                continue
            algorithm[p] = 0 if N < 100000 else 1
            prefactor = FINITE_PREFACTOR[i_beta % len(FINITE_PREFACTOR)]
            distance[p] = prefactor * N ** -0.5 * (1 + 0.02 * rng.standard_normal(replicas))
            recognised[p] = finite_size_recognised(i_beta, i_size, replicas)
            if periodic:
                tracking[p] = np.where(recognised[p] == 1, 0.99, 0.4)
            regime[p] = reference_regime[p] if recognised[p, 0] == 1 else -1
    mean = rng.normal(0.0, 0.1, (n, replicas, features))
    reference = np.full((n, n_samples, features), np.nan)
    samples = np.full((n, n_samples, features), np.nan)
    orbit = finite_size_orbit()
    for p in range(n):
        i_beta, i_size = p % n_beta, p // n_beta
        noise = FINITE_PREFACTOR[i_beta % len(FINITE_PREFACTOR)] * sizes[i_size] ** -0.5
        if i_beta % 2 == 0:
            reference[p] = orbit[np.arange(n_samples) % FINITE_PERIOD]
            clean = orbit[(np.arange(n_samples) + i_size) % FINITE_PERIOD]
        else:
            reference[p] = finite_size_band(rng, n_samples)
            clean = finite_size_band(rng, n_samples)
        if status[p] == 1:
            samples[p] = clean + noise * rng.standard_normal((n_samples, features))
        elif status[p] == 2:
            reference[p] = np.nan
    with h5py.File(path, "w") as f:
        f.attrs["kind"] = "sweep"
        for key, value in {"model.features": str(features), "model.context": "4", "weights.seed": "1",
                           "model.gamma": "220", "model.epsilon": "0.02", "weights.correlations": "segments",
                           "run.engine": "network", "network.replicas": str(replicas)}.items():
            f.attrs[key] = value
        f["grid/beta"] = np.asarray(beta, dtype=float)
        f["grid/gamma"] = np.array([220.0])
        f["grid/epsilon"] = np.array([0.02])
        f["grid/size"] = np.asarray(sizes, dtype=np.int64)
        f["points/status"] = status
        f["points/status"].attrs["codes"] = np.array([0, 1, 2], dtype=np.int64)
        f["points/status"].attrs["names"] = [b"pending", b"done", b"failed"]
        f["points/regime"] = regime
        f["points/period"] = np.where(regime == 1, period, 0).astype(np.int32)
        f["points/samples"] = samples
        group = f.create_group("network")
        group.attrs["replicas"] = np.int64(replicas)
        group.attrs["algorithm"] = "auto"
        group["size"] = size
        group["algorithm"] = algorithm
        group["algorithm"].attrs["codes"] = np.array([0, 1], dtype=np.int64)
        group["algorithm"].attrs["names"] = [b"direct", b"reduced"]
        group["distance"] = distance
        group["distance_kind"] = kind
        group["distance_kind"].attrs["codes"] = np.array(list(DISTANCE_KIND_NAMES), dtype=np.int64)
        group["distance_kind"].attrs["names"] = [name.encode() for name in DISTANCE_KIND_NAMES.values()]
        group["tracking"] = tracking
        group["recognised"] = recognised
        group["mean"] = mean
        group["deviation"] = np.abs(mean)
        group["bias"] = mean - reference.mean(axis=1)[:, None, :]
        group["reference/regime"] = reference_regime
        group["reference/period"] = period
        group["reference/samples"] = reference
        for name in ("points/regime", "network/reference/regime"):
            f[name].attrs["codes"] = np.array(list(REGIME_NAMES), dtype=np.int64)
            f[name].attrs["names"] = [label.encode() for label in REGIME_NAMES.values()]

# --------------------------------------------------------------------------------------------
# Checking figures


def png_size(path):
    with open(path, "rb") as f:
        header = f.read(24)
    check(header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file")
    check(header[12:16] == b"IHDR", f"{path}: PNG without an IHDR chunk first")
    return struct.unpack(">II", header[16:24])


def pdf_size(path):
    with open(path, "rb") as f:
        content = f.read()
    check(content.startswith(b"%PDF-"), f"{path} is not a PDF file")
    check(b"%%EOF" in content[-64:], f"{path}: PDF is truncated (no %%EOF)")
    box = re.search(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", content)
    check(box is not None, f"{path}: PDF without a MediaBox")
    x0, y0, x1, y1 = (float(v) for v in box.groups())
    return x1 - x0, y1 - y0


def check_svg(path, size, min_paths=20):
    """An SVG of size inches (72 pt each) that is complete and draws something (paths or a raster image)."""
    with open(path, "rb") as f:
        content = f.read()
    check(content.lstrip().startswith(b"<?xml") and b"<svg" in content[:2000], f"{path} is not an SVG file")
    check(content.rstrip().endswith(b"</svg>"), f"{path}: SVG is truncated (no </svg>)")
    box = re.search(rb'<svg[^>]*\swidth="([\d.]+)pt"\s+height="([\d.]+)pt"', content[:2000])
    check(box is not None, f"{path}: SVG without a width and height in pt")
    width, height = (float(v) for v in box.groups())
    check(abs(width - 72 * size[0]) < 1 and abs(height - 72 * size[1]) < 1,
          f"{path} is {width:g} x {height:g} pt, expected {72 * size[0]:g} x {72 * size[1]:g}")
    drawn = content.count(b"<path") + content.count(b"<use") + 50 * content.count(b"<image")
    check(drawn >= min_paths, f"{path} draws almost nothing ({drawn} paths, uses and images)")
    print(f"{path}: SVG {width:g}x{height:g} pt, {len(content)} bytes")


def rgb(colour):
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def pixels_near(image, colour, tolerance=12.0):
    """How many pixels are within `tolerance` (0..255 per channel) of a colour."""
    distance = np.abs(image[:, :, :3] * 255.0 - rgb(colour)).max(axis=2)
    return int(np.count_nonzero(distance <= tolerance))


def check_png(path, size, dpi, colours=(), min_ink=0.03, min_distinct=8, min_pixels=20, skip_top=0.0):
    """A PNG of size*dpi pixels, with ink on at least `min_ink` of it, at least `min_distinct` colours,
    and at least `min_pixels` pixels of each colour in `colours` below the top `skip_top` of the image
    (where titles and legends above the axes are)."""
    check(os.path.isfile(path), f"{path} was not written")
    width, height = png_size(path)
    expected = (round(size[0] * dpi), round(size[1] * dpi))
    check((width, height) == expected, f"{path} is {width}x{height} pixels, expected {expected[0]}x{expected[1]}")
    image = matplotlib.image.imread(path)
    check(image.shape[:2] == (height, width), f"{path}: decoded shape {image.shape} differs from the header")
    rgb_bytes = np.round(image[:, :, :3] * 255).astype(np.uint8)
    ink = np.mean(rgb_bytes.min(axis=2) < 250)
    check(ink >= min_ink, f"{path} is nearly blank: {ink:.1%} of the pixels are not white")
    distinct = len(np.unique(rgb_bytes.reshape(-1, 3)[::7], axis=0))
    check(distinct >= min_distinct, f"{path} has only {distinct} distinct colours")
    body = image[int(skip_top * height):]
    for colour in colours:
        count = pixels_near(body, colour)
        check(count >= min_pixels, f"{path}: only {count} pixels of colour {colour} below the top "
              f"{skip_top:.0%} (a regime that should be drawn), expected at least {min_pixels}")
    print(f"{path}: {width}x{height}, {ink:.1%} ink, {distinct}+ colours; colours {list(colours)} present")


def plot(opts, *arguments):
    command = [sys.executable, opts.plot] + [str(a) for a in arguments]
    result = run(command, env=dict(os.environ, MPLBACKEND="Agg"))
    return command, result


def render(opts, *arguments):
    command, result = plot(opts, *arguments)
    check(result.returncode == 0, f"{' '.join(command)} exited {result.returncode}:\n{result.stderr}")
    output = arguments[arguments.index("-o") + 1]
    check(result.stdout.strip() == output, f"stdout should be the figure's path {output!r}, was {result.stdout!r}")
    umask = os.umask(0)
    os.umask(umask)
    mode = os.stat(output).st_mode & 0o777
    check(mode == 0o666 & ~umask, f"{output} has mode {mode:o}, expected {0o666 & ~umask:o} (umask {umask:o})")
    leftovers = [name for name in os.listdir(os.path.dirname(output)) if name.startswith(".attnmf-plot-")]
    check(not leftovers, f"temporary files left next to {output}: {leftovers}")
    return output


def refused(opts, *arguments, says=""):
    """The command exits 2 with one line on stderr (containing `says`) and writes no figure."""
    arguments = [str(a) for a in arguments]
    output = arguments[arguments.index("-o") + 1] if "-o" in arguments else None
    if output and os.path.exists(output):
        os.remove(output)
    command, result = plot(opts, *arguments)
    check(result.returncode == 2, f"{' '.join(command)} exited {result.returncode}, expected 2:\n{result.stderr}")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    check(len(lines) == 1, f"{' '.join(command)}: expected one line on stderr, got:\n{result.stderr}")
    check(says.lower() in lines[0].lower(), f"{' '.join(command)}: stderr {lines[0]!r} does not mention {says!r}")
    check("Traceback" not in result.stderr, f"{' '.join(command)} crashed:\n{result.stderr}")
    if output:
        check(not os.path.exists(output), f"{' '.join(command)} failed but left {output}")
    print(f"refused as expected: {' '.join(arguments)}\n  -> {lines[0]}")


def data(opts, name):
    path = os.path.join(opts.data, name)
    check(os.path.exists(path), f"{path} is missing: the tools.attnmf_plot.inputs fixture did not run")
    return path


def out(opts, name):
    """Each case writes its figures into its own directory, so cases running in parallel do not meet."""
    directory = os.path.join(opts.data, opts.case)
    os.makedirs(directory, exist_ok=True)
    return os.path.join(directory, name)


# --------------------------------------------------------------------------------------------
# Cases


def case_bifurcation(opts):
    sweep = data(opts, "sweep.h5")
    with h5py.File(sweep, "r") as f:
        present = set(np.asarray(f["points/regime"])[np.asarray(f["points/status"]) == 1].tolist())
        has_crossings = int(np.asarray(f["points/crossings_count"]).sum()) > 0
    check(has_crossings, f"{sweep}: no Poincare crossings at all; the sweep is too short to test the overlay")
    figure = render(opts, "bifurcation", sweep, "-o", out(opts, "bifurcation.png"), "--size", 8, 5, "--dpi", 100)
    # The legend above the axes shows every regime drawn; the points themselves are below it. The engine's
    # sections can be a handful of 1-pixel dots (a fixed point), so one pixel of each colour must show.
    check_png(figure, (8, 5), 100, colours=[REGIME_COLOURS[c] for c in sorted(present)], min_pixels=1,
              skip_top=0.25)
    # Every regime of the synthetic sweep, one gamma slice, small chunks so the reads are split.
    figure = render(opts, "bifurcation", data(opts, "synthetic.h5"), "-o", out(opts, "bifurcation-synthetic.png"),
                    "--gamma-index", 2, "--chunk", 7, "--size", 9, 5, "--dpi", 80)
    check_png(figure, (9, 5), 80, colours=list(REGIME_COLOURS.values()), min_pixels=40, skip_top=0.25)


def case_bifurcation_zoom(opts):
    figure = render(opts, "bifurcation", data(opts, "sweep.h5"), "-o", out(opts, "bifurcation-zoom.pdf"),
                    "--beta-range", 1.26, 1.28, "--section", "near-zero", "--feature", 2, "--size", 6, 4)
    width, height = pdf_size(figure)
    check((round(width), round(height)) == (432, 288), f"{figure} is {width}x{height} pt, expected 432x288")
    print(f"{figure}: PDF {width:g}x{height:g} pt")
    # A zoom on the synthetic sweep that contains only its chaotic and hyperchaotic points.
    with h5py.File(data(opts, "synthetic.h5"), "r") as f:
        beta = np.asarray(f["grid/beta"])
    regimes = synthetic_regimes(len(beta))
    low, high = beta[regimes == 3].min(), beta[regimes == 4].max()
    figure = render(opts, "bifurcation", data(opts, "synthetic.h5"), "-o", out(opts, "bifurcation-synthetic-zoom.png"),
                    "--beta-range", low, high, "--size", 6, 4, "--dpi", 100, "--bins-y", 100)
    check_png(figure, (6, 4), 100, colours=[REGIME_COLOURS[3], REGIME_COLOURS[4]], min_pixels=40, skip_top=0.25)
    image = matplotlib.image.imread(figure)
    for code in (0, 1, 2):
        check(pixels_near(image, REGIME_COLOURS[code], 6.0) < 20,
              f"{figure}: colour of regime {code} drawn although --beta-range excludes those points")


def case_lyapunov(opts):
    figure = render(opts, "lyapunov", data(opts, "synthetic.h5"), "-o", out(opts, "lyapunov.png"),
                    "--size", 8, 4, "--dpi", 100)
    # The shading is the regime colour at alpha 0.22 over white.
    shades = ["#%02x%02x%02x" % tuple(np.round(255 - 0.22 * (255 - rgb(c))).astype(int))
              for c in REGIME_COLOURS.values()]
    # Each regime's band is about a seventh of the axes; a legend patch alone is ~200 pixels.
    check_png(figure, (8, 4), 100, colours=shades, min_pixels=5000)
    figure = render(opts, "lyapunov", data(opts, "synthetic.h5"), "-o", out(opts, "lyapunov-one.pdf"), "--count", 1,
                    "--gamma-index", 1)
    pdf_size(figure)
    check_exponent_lines(opts)


def check_exponent_lines(opts):
    """The exponents are told apart by more than a shade: each its own colour, line style and marker, named
    λ1, λ2, λ3 in the legend with the same look, and drawn from /points/lyapunov."""
    module = load_package(opts)
    path = data(opts, "synthetic.h5")
    arguments = module.build_parser().parse_args(["lyapunov", path, "-o", "unused.png", "--gamma-index", "1"])
    drawn = module.plot_lyapunov(arguments)
    axes = drawn.axes[0]
    lines = [line for line in axes.get_lines() if line.get_label().startswith("$\\lambda")]
    check([line.get_label() for line in lines] == ["$\\lambda_{1}$", "$\\lambda_{2}$", "$\\lambda_{3}$"],
          f"exponent lines {[line.get_label() for line in lines]}")
    for what in ("get_color", "get_linestyle", "get_marker"):
        values = [str(getattr(line, what)()) for line in lines]
        check(len(set(values)) == 3, f"the three exponents share {what[4:]}: {values}")
    with h5py.File(path, "r") as f:
        n_beta = len(f["grid/beta"])
        exponents = np.asarray(f["points/lyapunov"])[n_beta:2 * n_beta]
        done = np.asarray(f["points/status"])[n_beta:2 * n_beta] == 1
    for k, line in enumerate(lines):
        check(np.array_equal(line.get_ydata(), exponents[done, k]), f"λ{k + 1} is not /points/lyapunov[:, {k}]")
    legend = axes.get_legend()
    entries = dict(zip([t.get_text() for t in legend.get_texts()], legend.legend_handles
                       if hasattr(legend, "legend_handles") else legend.legendHandles))
    for line in lines:
        handle = entries.get(line.get_label())
        check(handle is not None and handle.get_linestyle() == line.get_linestyle()
              and handle.get_marker() == line.get_marker(), f"the legend does not show {line.get_label()} as drawn")
    print("λ1, λ2, λ3: distinct colours, line styles and markers, in the legend as drawn")


def case_lyapunov_missing(opts):
    refused(opts, "lyapunov", data(opts, "no-lyapunov.h5"), "-o", out(opts, "lyapunov-nan.png"), says="lyapunov")
    refused(opts, "lyapunov", data(opts, "no-lyapunov-dataset.h5"), "-o", out(opts, "lyapunov-absent.png"),
            says="/points/lyapunov")
    # The engine's own sweep: a figure once it computes exponents, until then a clear refusal.
    sweep = data(opts, "sweep.h5")
    with h5py.File(sweep, "r") as f:
        computed = "points/lyapunov" in f and np.isfinite(np.asarray(f["points/lyapunov"])).any()
    if computed:
        figure = render(opts, "lyapunov", sweep, "-o", out(opts, "lyapunov-engine.png"), "--size", 8, 4, "--dpi", 100)
        check_png(figure, (8, 4), 100)
    else:
        refused(opts, "lyapunov", sweep, "-o", out(opts, "lyapunov-engine.png"), says="lyapunov")


def case_trajectory(opts):
    trajectory = data(opts, "trajectory.h5")
    figure = render(opts, "trajectory", trajectory, "-o", out(opts, "trajectory.png"), "--size", 12, 9, "--dpi", 80)
    # tab10's first three colours are the three features of panel (a); the orange dashed 1/L lines.
    check_png(figure, (12, 9), 80, colours=["#1f77b4", "#ff7f0e", "#2ca02c", "#d94801"], min_ink=0.08)
    figure = render(opts, "trajectory", trajectory, "-o", out(opts, "trajectory-att.pdf"), "--quantity", "att",
                    "--window", 50, "--feature", 2, "--x-feature", 2, "--y-feature", 0, "--max-lag", 40)
    width, height = pdf_size(figure)
    check((round(width), round(height)) == (864, 648), f"{figure} is {width}x{height} pt, expected 864x648")
    print(f"{figure}: PDF {width:g}x{height:g} pt")
    check_trajectory_panels(opts, trajectory)


def check_trajectory_panels(opts, trajectory):
    """What the panels hold: the phase plane is (x-feature, y-feature) of the file, the spectrum integrates
    to the variance (Parseval), the autocorrelation is the direct sum, and 1/L and L are marked."""
    module = load_package(opts)
    arguments = module.build_parser().parse_args(
        ["trajectory", trajectory, "-o", "unused.png", "--x-feature", "2", "--y-feature", "0", "--feature", "1",
         "--max-lag", "30"])
    figure = module.plot_trajectory(arguments)
    with h5py.File(trajectory, "r") as f:
        mo = np.asarray(f["trajectory/mo"])
        context = int(f.attrs["model.context"])
    _, _, phase, spectrum, correlation = figure.axes
    dots = phase.get_lines()[0]
    check(np.array_equal(dots.get_xdata(), mo[:, 2]) and np.array_equal(dots.get_ydata(), mo[:, 0]),
          "the phase plane does not show (m^o_2, m^o_0) of the file")
    series = mo[:, 1]
    curve = [line for line in spectrum.get_lines() if len(line.get_xdata()) > 2][0]
    frequency, power = np.asarray(curve.get_xdata()), np.asarray(curve.get_ydata())
    integral = power.sum() * (frequency[1] - frequency[0])
    check(abs(integral / series.var() - 1) < 0.05,
          f"the spectrum integrates to {integral:.4g}, the variance is {series.var():.4g}")
    marks = [line.get_xdata()[0] for line in spectrum.get_lines() if len(line.get_xdata()) == 2]
    check(any(abs(m - 1.0 / context) < 1e-12 for m in marks), f"no line at f = 1/L = {1.0 / context}: {marks}")
    curve = [line for line in correlation.get_lines() if len(line.get_xdata()) > 2][0]
    lags, values = np.asarray(curve.get_xdata()), np.asarray(curve.get_ydata())
    check(lags[-1] == 30, f"autocorrelation up to lag {lags[-1]}, asked for 30")
    centred = series - series.mean()
    for lag in (0, 1, context, 17, 30):
        direct = np.dot(centred[:len(centred) - lag], centred[lag:]) / np.dot(centred, centred)
        check(abs(values[lag] - direct) < 1e-9, f"autocorrelation at lag {lag} is {values[lag]}, directly {direct}")
    marks = [line.get_xdata()[0] for line in correlation.get_lines() if len(line.get_xdata()) == 2]
    check(context in marks, f"no line at lag L = {context}: {marks}")
    print("trajectory panels hold the phase plane, a Parseval-consistent spectrum and the autocorrelation")


def case_phase_diagram(opts):
    grid = data(opts, "grid.h5")
    with h5py.File(grid, "r") as f:
        present = set(np.asarray(f["points/regime"]).tolist())
    figure = render(opts, "phase-diagram", grid, "-o", out(opts, "phase-diagram.png"), "--size", 7, 5, "--dpi", 100)
    check_png(figure, (7, 5), 100, colours=[REGIME_COLOURS[c] for c in sorted(present)], min_ink=0.3,
              min_pixels=400)
    figure = render(opts, "phase-diagram", data(opts, "synthetic.h5"), "-o", out(opts, "phase-diagram-synthetic.png"),
                    "--size", 7, 5, "--dpi", 100)
    # Every regime, and the failed point in black.
    check_png(figure, (7, 5), 100, colours=list(REGIME_COLOURS.values()), min_ink=0.3, min_pixels=5000)
    # The cells themselves: each point's regime, the pending point -2 and the failed one -3.
    module = load_package(opts)
    arguments = module.build_parser().parse_args(["phase-diagram", data(opts, "synthetic.h5"), "-o", "unused.png"])
    figure = module.plot_phase_diagram(arguments)
    meshes = [c for c in figure.axes[0].collections if hasattr(c, "get_array") and c.get_array() is not None]
    check(len(meshes) == 1, f"expected one colour mesh in the phase diagram, found {len(meshes)}")
    with h5py.File(data(opts, "synthetic.h5"), "r") as f:
        n_beta, n_gamma = len(f["grid/beta"]), len(f["grid/gamma"])
        status = np.asarray(f["points/status"]).reshape(n_gamma, n_beta)
        expected = np.asarray(f["points/regime"]).reshape(n_gamma, n_beta).astype(int)
    expected[status == 0] = -2
    expected[status == 2] = -3
    cells = np.asarray(meshes[0].get_array()).reshape(n_gamma, n_beta)
    check(np.array_equal(cells, expected), f"phase-diagram cells differ from the file's regimes and statuses:\n"
          f"{cells}\nexpected\n{expected}")
    print("phase-diagram cells match the regimes, the pending and the failed point")


def case_errors(opts):
    sweep, trajectory = data(opts, "sweep.h5"), data(opts, "trajectory.h5")
    refused(opts, "bifurcation", sweep, "-o", out(opts, "figure.jpg"), says=".png, .svg or .pdf")
    refused(opts, "trajectory", trajectory, "-o", out(opts, "figure"), says=".png, .svg or .pdf")
    refused(opts, "bifurcation", trajectory, "-o", out(opts, "wrong-kind.png"), says="trajectory file")
    refused(opts, "phase-diagram", trajectory, "-o", out(opts, "wrong-kind.png"), says="trajectory file")
    refused(opts, "lyapunov", trajectory, "-o", out(opts, "wrong-kind.png"), says="trajectory file")
    refused(opts, "trajectory", sweep, "-o", out(opts, "wrong-kind.png"), says="sweep file")
    refused(opts, "bifurcation", os.path.join(opts.data, "does-not-exist.h5"), "-o", out(opts, "missing.png"),
            says="no such file")
    refused(opts, "bifurcation", opts.plot, "-o", out(opts, "not-hdf5.png"), says="not an HDF5 file")
    refused(opts, "bifurcation", data(opts, "no-samples.h5"), "-o", out(opts, "no-samples.png"),
            says="/points/samples")
    refused(opts, "bifurcation", sweep, "-o", out(opts, "feature.png"), "--feature", 3, says="--feature 3")
    # The regimes' names come from the file: a file without them is refused, saying what is missing.
    unnamed = os.path.join(opts.data, "unnamed-regimes.h5")
    write_synthetic_sweep(unnamed, regime_names=False)
    refused(opts, "phase-diagram", unnamed, "-o", out(opts, "unnamed.png"), says="names for its regime codes")
    refused(opts, "bifurcation", sweep, "-o", out(opts, "index.png"), "--gamma-index", 1, says="--gamma-index 1")
    refused(opts, "bifurcation", sweep, "-o", out(opts, "range.png"), "--beta-range", 2, 3, says="no beta")
    refused(opts, "trajectory", trajectory, "-o", out(opts, "quantity.png"), "--y-feature", 5, says="--y-feature 5")
    refused(opts, "trajectory", trajectory, "-o", out(opts, "huge.png"), "--size", 400, 10, "--dpi", 100,
            says="too large")
    refused(opts, "bifurcation", sweep, "-o", os.path.join(opts.data, "no-such-directory", "f.png"),
            says="does not exist")
    # argparse's own refusals (unknown option, bad number) also exit 2.
    command, result = plot(opts, "bifurcation", sweep, "-o", out(opts, "dpi.png"), "--dpi", "0")
    check(result.returncode == 2 and "--dpi" in result.stderr, f"--dpi 0 not refused: {result.stderr}")


def case_help(opts):
    for command in ("bifurcation", "lyapunov", "trajectory", "phase-diagram", "attractors", "continuation",
                    "finite-size", "panel", "poincare", "lyapunov-trace"):
        _, result = plot(opts, command, "--help")
        check(result.returncode == 0, f"{command} --help exited {result.returncode}: {result.stderr}")
        for option in ("-o", "--size", "--dpi", "--title"):
            check(option in result.stdout, f"{command} --help does not explain {option}")
    _, result = plot(opts, "--help")
    check(result.returncode == 0 and all(c in result.stdout for c in ("phase-diagram", "panel", "lyapunov-trace")),
          "attnmf-plot --help does not list the subcommands")
    print("every subcommand has --help")


def load_package(opts):
    """The modules of attnmf.plot as one namespace (the figures, their helpers and constants), from the
    package in --python, the one the script under test draws with."""
    if opts.python not in sys.path:
        sys.path.insert(0, opts.python)
    import attnmf.plot
    from attnmf.plot import _common, attractors, cli, finite_size, panel, sweeps, trajectories
    where = os.path.dirname(os.path.dirname(os.path.realpath(attnmf.__file__)))
    check(where == os.path.realpath(opts.python), f"imported attnmf from {where}, not from --python {opts.python}")
    names = {}
    for module in (_common, sweeps, trajectories, panel, attractors, finite_size, cli):
        names.update(vars(module))
    names["package"] = attnmf.plot
    return types.SimpleNamespace(**names)


def case_density(opts):
    """The chunked density of the bifurcation diagram equals a direct histogram of every sample, also for
    a slice whose point numbers are not contiguous (gamma varies, beta fixed) and chunks that split it."""
    module = load_package(opts)
    path = data(opts, "synthetic.h5")
    with h5py.File(path, "r") as f:
        samples = np.asarray(f["points/samples"])
        n_beta, n_gamma = len(f["grid/beta"]), len(f["grid/gamma"])
        dataset = f["points/samples"]
        edges = np.linspace(-0.4, 0.4, 33)
        for points, columns in ((np.arange(10, 40), np.arange(30) // 4),
                                (np.arange(n_gamma) * n_beta + 13, np.array([0, 1, 1]))):
            for chunk in (1, 3, 64):
                counts, outside = module.sample_density(dataset, points, columns, columns.max() + 1, edges,
                                                        chunk, 1)
                expected = np.zeros_like(counts)
                for p, c in zip(points, columns):
                    expected[c] += np.histogram(samples[p, :, 1], bins=edges)[0]
                values = samples[points, :, 1]
                # A value within rounding of a bin edge may land on either side of it.
                on_edge = int(np.count_nonzero(np.abs(values[..., None] - edges).min(axis=-1) < 1e-12))
                check(counts.sum() == expected.sum() and np.abs(counts - expected).sum() <= 2 * on_edge,
                      f"chunked density (chunk {chunk}) differs from a direct histogram for points {points}")
                check(outside == int(np.count_nonzero((values < edges[0]) | (values > edges[-1]))),
                      "samples outside the range miscounted")
    print("chunked density equals the direct histogram")


def basin_areas(module, collection):
    return np.unique(np.round(np.asarray(collection.get_sizes()), 9))


def case_attractors(opts):
    """The coexisting attractors of a multistart sweep: per-beta counts, the colours of the labels, marker
    areas by basin fraction, and the refusals of files without /attractors."""
    module = load_package(opts)
    multistart = data(opts, "multistart.h5")
    figure = render(opts, "attractors", multistart, "-o", out(opts, "attractors.png"), "--size", 9, 6, "--dpi", 80)
    check_png(figure, (9, 6), 80, colours=module.LABEL_COLOURS[:2], min_pixels=100, skip_top=0.2)
    figure = render(opts, "attractors", multistart, "-o", out(opts, "attractors-three.png"), "--gamma-index", 1,
                    "--chunk", 3, "--size", 9, 6, "--dpi", 80)
    # Label 2 is a period-4 orbit on ten betas at a quarter of the starts: 40 small markers.
    check_png(figure, (9, 6), 80, colours=module.LABEL_COLOURS[:3], min_pixels=40, skip_top=0.2)
    figure = render(opts, "attractors", data(opts, "continuation.h5"), "-o", out(opts, "attractors-chains.pdf"))
    pdf_size(figure)

    n_beta = len(MULTISTART_BETA)
    with h5py.File(multistart, "r") as f:
        attractor_point = np.asarray(f["attractors/point"])
        stored = np.asarray(f["points/attractor_count"])
    for i_gamma, several, count in ((0, TWO_ATTRACTORS, 2), (1, THREE_ATTRACTORS, 3)):
        points = i_gamma * n_beta + np.arange(n_beta)
        expected = np.ones(n_beta, dtype=int)
        expected[list(several)] = count
        if i_gamma == 0:
            expected[MULTISTART_PENDING] = 0
        counts = module.attractor_counts(attractor_point, points)
        check(np.array_equal(counts, expected), f"attractor counts along gamma index {i_gamma}: {counts.tolist()}, "
              f"expected {expected.tolist()}")
        check(np.array_equal(counts, stored[points]), "attractor counts differ from /points/attractor_count")

    # The figure: the step line holds the counts of the done points, the top panel one collection per
    # label with the chaotic band (label 1) drawn only on TWO_ATTRACTORS and smaller than label 0 there.
    arguments = module.build_parser().parse_args(["attractors", multistart, "-o", "unused.png"])
    drawn = module.plot_attractors(arguments)
    top, bottom = drawn.axes
    done = np.arange(n_beta) != MULTISTART_PENDING
    expected = np.where(np.isin(np.arange(n_beta), list(TWO_ATTRACTORS)), 2, 1)[done]
    step = bottom.get_lines()[0]
    check(np.array_equal(step.get_xdata(), MULTISTART_BETA[done]) and np.array_equal(step.get_ydata(), expected),
          f"the count panel shows {list(step.get_ydata())}, expected {expected.tolist()}")
    labels = top.collections
    check(len(labels) == 2, f"expected one marker collection per attractor label (2), found {len(labels)}")
    second = np.unique(np.asarray(labels[1].get_offsets())[:, 0])
    check(np.allclose(second, MULTISTART_BETA[list(TWO_ATTRACTORS)]),
          f"label 1 drawn at beta {second.tolist()}, expected only where two attractors coexist")
    rgba = labels[1].get_facecolors()
    check(np.allclose(rgba[:, :3], module.mpl.colors.to_rgb(module.LABEL_COLOURS[1])),
          "label 1 is not drawn in the palette's second colour")
    first_sizes = dict(zip(np.round(np.asarray(labels[0].get_offsets())[:, 0], 9), labels[0].get_sizes()))
    big = first_sizes[round(MULTISTART_BETA[TWO_ATTRACTORS[0]], 9)]
    small = basin_areas(module, labels[1])
    full = first_sizes[round(MULTISTART_BETA[0], 9)]
    check(len(small) == 1 and small[0] < big < full and
          np.isclose(big, module.basin_marker_area(4.0, 0.75)) and np.isclose(small[0], module.basin_marker_area(4.0, 0.25)),
          f"marker areas do not grow with the basin fraction: 0.25 -> {small}, 0.75 -> {big}, 1 -> {full}")
    title = drawn._suptitle.get_text()
    check("K = 4" in title and f"{len(TWO_ATTRACTORS)} of {int(done.sum())} points with more than one" in title,
          f"the title does not give K and the points with several attractors: {title!r}")
    print("attractor counts, labels and basin-fraction markers are right")

    refused(opts, "attractors", data(opts, "synthetic.h5"), "-o", out(opts, "no-attractors.png"),
            says="init.starts > 1 or sweep.mode = continuation")
    refused(opts, "attractors", multistart, "-o", out(opts, "feature.png"), "--feature", 3, says="--feature 3")
    refused(opts, "attractors", multistart, "-o", out(opts, "index.png"), "--gamma-index", 2, says="--gamma-index 2")
    figure = render(opts, "attractors", multistart, "-o", out(opts, "attractors.svg"), "--size", 9, 6)
    check_svg(figure, (9, 6))


def span_of(patch):
    """The data x interval of an axvspan (a Polygon before matplotlib 3.9, a Rectangle since)."""
    if hasattr(patch, "get_width"):
        return patch.get_x(), patch.get_x() + patch.get_width()
    xs = np.asarray(patch.get_xy())[:, 0]
    return xs.min(), xs.max()


def case_continuation(opts):
    """The hysteresis figure: both chains drawn, the interval where they differ shaded, their exponents;
    one chain only; refusals of files that are not continuations."""
    module = load_package(opts)
    continuation = data(opts, "continuation.h5")
    band = "#%02x%02x%02x" % tuple(np.round(255 - 0.6 * (255 - rgb(module.HYSTERESIS_COLOUR))).astype(int))
    figure = render(opts, "continuation", continuation, "-o", out(opts, "continuation.png"), "--size", 9, 6,
                    "--dpi", 80)
    check_png(figure, (9, 6), 80, colours=[module.CHAIN_COLOURS["up"], module.CHAIN_COLOURS["down"], band],
              min_pixels=100, skip_top=0.2)
    figure = render(opts, "continuation", continuation, "-o", out(opts, "continuation.pdf"), "--beta-range", 1.1, 1.3)
    pdf_size(figure)
    figure = render(opts, "continuation", data(opts, "continuation-no-lyapunov.h5"), "-o",
                    out(opts, "continuation-no-lyapunov.png"), "--size", 9, 6, "--dpi", 80)
    check_png(figure, (9, 6), 80)

    # The chains, the interval where they differ and its bounds halfway between the betas.
    n_beta = len(MULTISTART_BETA)
    points = np.arange(n_beta)
    with h5py.File(continuation, "r") as f:
        origin, attractor = np.asarray(f["starts/origin"]), np.asarray(f["starts/attractor"])
        status = np.asarray(f["starts/status"])
    up = module.chain_starts(origin, points, 2)
    down = module.chain_starts(origin, points, 3)
    check((up == 0).all() and (down == 1).all(), f"chain starts {up.tolist()} / {down.tolist()}, expected 0 / 1")
    up_rows = module.chain_attractors(attractor, status, points, up)
    down_rows = module.chain_attractors(attractor, status, points, down)
    check(down_rows[35] == -1 and (np.delete(down_rows, 35) >= 0).all() and (up_rows >= 0).all(),
          "the failed start of the down chain (beta index 35) is not the only one without an attractor")
    differ = module.hysteresis_mask(up_rows, down_rows)
    expected = np.isin(points, list(HYSTERESIS))
    check(np.array_equal(differ, expected), f"the chains differ at {np.nonzero(differ)[0].tolist()}, expected "
          f"{list(HYSTERESIS)}")
    runs = module.true_runs(MULTISTART_BETA, differ)
    low = 0.5 * (MULTISTART_BETA[HYSTERESIS[0] - 1] + MULTISTART_BETA[HYSTERESIS[0]])
    high = 0.5 * (MULTISTART_BETA[HYSTERESIS[-1]] + MULTISTART_BETA[HYSTERESIS[-1] + 1])
    check(len(runs) == 1 and np.allclose(runs[0], (low, high)), f"hysteresis interval {runs}, expected {(low, high)}")

    arguments = module.build_parser().parse_args(["continuation", continuation, "-o", "unused.png"])
    drawn = module.plot_continuation(arguments)
    top, bottom = drawn.axes
    for axes in (top, bottom):
        spans = [span_of(p) for p in axes.patches]
        check(len(spans) == 1 and np.allclose(spans[0], (low, high)), f"shaded {spans}, expected {[(low, high)]}")
    lines = [line for line in bottom.get_lines() if len(line.get_xdata()) == n_beta]
    check(len(lines) == 2, f"expected the two chains' exponents in the bottom panel, found {len(lines)} lines")
    up_exponent = np.where(points < 30, -0.05, 0.04)
    down_exponent = np.where(points >= 15, 0.04, -0.05)
    down_exponent[35] = np.nan
    check(np.allclose(lines[0].get_ydata(), up_exponent, equal_nan=True) and
          np.allclose(lines[1].get_ydata(), down_exponent, equal_nan=True),
          "the bottom panel's lambda_1 are not the chains' /starts/lyapunov[:, start, 0]")
    # The samples: the periodic orbit lies within |m| <= 0.3, the chaotic band below -0.45; the down chain is
    # drawn a quarter step to the right.
    spacing = MULTISTART_BETA[1] - MULTISTART_BETA[0]
    for line, offset, chaotic in zip(top.get_lines(), (0.0, 0.25 * spacing), (points >= 30, points >= 15)):
        index = np.round((np.asarray(line.get_xdata()) - offset - MULTISTART_BETA[0]) / spacing).astype(int)
        on_band = np.asarray(line.get_ydata()) < -0.4
        check(np.array_equal(on_band, chaotic[index]), "the chains' samples are not those of the attractors "
              "they reached")
    check(35 not in np.round((top.get_lines()[1].get_xdata() - 0.25 * spacing - MULTISTART_BETA[0]) / spacing),
          "the down chain's failed start is drawn")
    title = drawn._suptitle.get_text()
    check(f"different attractors at {len(HYSTERESIS)} of {n_beta}" in title, f"title {title!r}")

    arguments = module.build_parser().parse_args(["continuation", data(opts, "continuation-up.h5"), "-o", "unused.png"])
    title = module.plot_continuation(arguments)._suptitle.get_text()
    check("up chain only" in title and "continuation.direction = up" in title,
          f"a file with the up chain alone does not say so: {title!r}")
    figure = render(opts, "continuation", data(opts, "continuation-up.h5"), "-o", out(opts, "continuation-up.png"),
                    "--size", 9, 6, "--dpi", 80)
    check_png(figure, (9, 6), 80, colours=[module.CHAIN_COLOURS["up"]], min_pixels=100, skip_top=0.2)
    image = matplotlib.image.imread(figure)
    check(pixels_near(image, module.CHAIN_COLOURS["down"], 6.0) < 20, f"{figure}: a down chain drawn for a file "
          "without one")
    print("the chains, their exponents and the hysteresis interval are right")

    refused(opts, "continuation", data(opts, "multistart.h5"), "-o", out(opts, "grid-mode.png"),
            says="sweep.mode = grid, not a continuation")
    refused(opts, "continuation", data(opts, "synthetic.h5"), "-o", out(opts, "no-mode.png"),
            says="no sweep.mode")
    refused(opts, "continuation", data(opts, "trajectory.h5"), "-o", out(opts, "trajectory.png"),
            says="trajectory file")
    refused(opts, "continuation", continuation, "-o", out(opts, "range.png"), "--beta-range", 2, 3, says="no beta")


def case_finite_size(opts):
    """The finite network against the mean-field limit: the mean distance over the replicas and its fitted
    slope (-1/2 by construction), the regime each N shows, the recognised fractions, --fit-from."""
    module = load_package(opts)
    sweep = out(opts, "finite-size.h5")
    write_finite_size_sweep(sweep)
    figure = render(opts, "finite-size", sweep, "-o", out(opts, "finite-size.png"), "--size", 8, 7, "--dpi", 80)
    # beta index 0 shows the periodic orbit from N = 99000 on, undetermined below; index 1 the chaotic band at
    # the two largest N.
    check_png(figure, (8, 7), 80, colours=[REGIME_COLOURS[1], REGIME_COLOURS[3], REGIME_COLOURS[-1]],
              min_pixels=40, skip_top=0.15)
    figure = render(opts, "finite-size", sweep, "-o", out(opts, "finite-size.pdf"), "--fit-from", 99000,
                    "--beta-index", 1)
    pdf_size(figure)

    with h5py.File(sweep, "r") as f:
        distance = np.asarray(f["network/distance"])
        recognised = np.asarray(f["network/recognised"])
    n_beta = len(FINITE_BETA)
    slopes = []
    for i_beta in range(n_beta):
        points = np.arange(len(FINITE_SIZES)) * n_beta + i_beta
        keep = [i for i in range(len(FINITE_SIZES)) if (i_beta, i) != FINITE_FAILED]
        fit = module.fit_power_law(FINITE_SIZES[keep], distance[points[keep]].mean(axis=1))
        check(fit is not None and abs(fit[0] + 0.5) < 0.03 and fit[2] == len(keep),
              f"beta index {i_beta}: fitted {fit}, expected a slope of about -0.5 over {len(keep)} sizes")
        check(abs(fit[1] / FINITE_PREFACTOR[i_beta] - 1) < 0.1, f"beta index {i_beta}: prefactor {fit[1]}, "
              f"expected about {FINITE_PREFACTOR[i_beta]}")
        slopes.append(fit[0])
    check(module.fit_power_law([990, 9900], [1.0, np.nan]) is None, "a fit through one point")
    check(module.fit_power_law(FINITE_SIZES, FINITE_SIZES ** -0.5, fit_from=9900000) is None,
          "a fit through the sizes >= the largest alone")
    slope = module.fit_power_law(FINITE_SIZES, 3.0 * FINITE_SIZES ** -0.5, fit_from=99000)
    check(slope is not None and slope[2] == 3 and abs(slope[0] + 0.5) < 1e-9, f"--fit-from: {slope}")

    # What the figure holds: per beta the done sizes, the replicas' mean distance and standard error, the
    # recognised fractions, and the slope in the curve's label.
    result = module.ResultFile(sweep)
    network = module.NetworkSweep(result)
    arguments = module.build_parser().parse_args(["finite-size", sweep, "-o", "unused.png"])
    curves, _ = module.finite_size_curves(network, arguments)
    check(len(curves) == n_beta, f"{len(curves)} curves, expected one per beta ({n_beta})")
    for i_beta, curve in enumerate(curves):
        keep = [i for i in range(len(FINITE_SIZES)) if (i_beta, i) != FINITE_FAILED]
        points = np.array(keep) * n_beta + i_beta
        check(np.array_equal(curve["sizes"], FINITE_SIZES[keep]), f"beta index {i_beta}: sizes {curve['sizes']}")
        check(np.allclose(curve["distance"], distance[points].mean(axis=1)), "the mean over the replicas")
        error = distance[points].std(axis=1, ddof=1) / np.sqrt(distance.shape[1])
        check(np.allclose(curve["error"], error), "the standard error over the replicas")
        expected = np.array([np.mean(module.np.asarray(
            finite_size_recognised(i_beta, i, distance.shape[1])) == 1) for i in keep])
        check(np.allclose(curve["recognised"], expected) and np.allclose(curve["recognised"],
              (recognised[points] == 1).mean(axis=1)), f"beta index {i_beta}: recognised {curve['recognised']}, "
              f"expected {expected}")
        check(abs(curve["fit"][0] - slopes[i_beta]) < 1e-12, "the figure's fit is not the fit of its points")
    drawn = module.plot_finite_size(arguments)
    top, bottom = drawn.axes
    texts = [t.get_text() for legend in [top.get_legend()] for t in legend.get_texts()]
    for i_beta, slope in enumerate(slopes):
        wanted = f"β = {FINITE_BETA[i_beta]:.6g}: slope {slope:.2f}".replace("-", "−")
        check(wanted in texts, f"no legend entry {wanted!r} in {texts}")
        print(f"beta index {i_beta}: fitted slope {slope:.3f} (expected -0.5)")
    check(any("N^{-1/2}" in t for t in texts), f"no N^(-1/2) guide in the legend: {texts}")
    ylabel = top.get_ylabel()
    check("to the orbit" in ylabel and "W_1" in ylabel, f"the y label names the kinds: {ylabel!r}")
    check(top.get_xscale() == "log" and top.get_yscale() == "log", "the distance panel is not log-log")
    # The guide goes through the first curve's largest N with slope -1/2.
    guide = [line for line in top.get_lines() if line.get_linestyle() == "--"]
    check(len(guide) == 1, f"expected one dashed guide, found {len(guide)}")
    x, y = np.asarray(guide[0].get_xdata(), dtype=float), np.asarray(guide[0].get_ydata(), dtype=float)
    anchor = distance[(len(FINITE_SIZES) - 1) * n_beta].mean()
    check(np.allclose(y, anchor * (x / FINITE_SIZES[-1]) ** -0.5), "the guide is not N^(-1/2) through the first "
          "curve's largest N")
    fractions = [np.asarray(line.get_ydata()) for line in bottom.get_lines()]
    check(len(fractions) == n_beta and np.allclose(fractions[0], [0, 1 / 3, 1, 1, 1]),
          f"recognised panel: {fractions}")
    title = drawn._suptitle.get_text()
    check("R = 3 replicas" in title and "algorithm auto: direct 5, reduced 4" in title, f"title {title!r}")

    # --fit-from beyond every size but the largest: no fit, said in the label.
    arguments = module.build_parser().parse_args(["finite-size", sweep, "-o", "unused.png", "--fit-from", "9900000"])
    drawn = module.plot_finite_size(arguments)
    texts = [t.get_text() for t in drawn.axes[0].get_legend().get_texts()]
    check(sum("no fit" in t for t in texts) == n_beta, f"--fit-from 9900000 should leave no fit: {texts}")
    print("finite-size curves, fits, guide and recognised fractions are right")


def case_finite_size_network(opts):
    """The finite-size figure of a network sweep attnmf wrote: at beta = 1.1 (a fixed point) the distance
    falls as N^(-1/2), and every N shows the fixed point."""
    module = load_package(opts)
    sweep = data(opts, "network.h5")
    figure = render(opts, "finite-size", sweep, "-o", out(opts, "network.png"), "--size", 8, 7, "--dpi", 80)
    check_png(figure, (8, 7), 80, colours=[REGIME_COLOURS[0]], skip_top=0.15)
    with h5py.File(sweep, "r") as f:
        sizes = np.asarray(f["grid/size"])
        distance = np.asarray(f["network/distance"])
        kind = np.asarray(f["network/distance_kind"])
        regime = np.asarray(f["points/regime"])
    fixed = np.arange(len(sizes)) * 2  # beta index 0 of 2
    check(list(kind[fixed]) == [0] * len(sizes) and list(regime[fixed]) == [0] * len(sizes),
          f"beta = 1.1: kinds {kind[fixed]}, regimes {regime[fixed]}, expected the fixed point at every N")
    fit = module.fit_power_law(sizes, distance[fixed].mean(axis=1))
    check(fit is not None and abs(fit[0] + 0.5) < 0.15, f"beta = 1.1: fitted {fit}, expected a slope of about -0.5")
    with h5py.File(sweep, "r") as f:
        floor = np.asarray(f["network/reference/floor"])
    chaos = fixed + 1
    check(np.isnan(floor[fixed]).all() and (np.isfinite(floor[chaos]) & (floor[chaos] > 0)).all(),
          f"the sampling floor is for the distributions (beta = 1.4) alone: {floor}")
    print(f"network sweep: slope {fit[0]:.3f} at beta = 1.1")


def case_finite_size_errors(opts):
    """Files the finite-size figure refuses: not a network sweep, every point pending, too many curves, an
    index out of range."""
    plain = out(opts, "not-network.h5")
    write_synthetic_sweep(plain)
    refused(opts, "finite-size", plain, "-o", out(opts, "not-network.png"),
            says="not a finite-network sweep (no /network); run attnmf sweep with run.engine = network")
    pending = out(opts, "pending.h5")
    write_finite_size_sweep(pending, pending=True)
    refused(opts, "finite-size", pending, "-o", out(opts, "pending.png"), says="none of the 10 points")
    many = out(opts, "many.h5")
    write_finite_size_sweep(many, beta=np.linspace(1.2, 1.3, 9))
    refused(opts, "finite-size", many, "-o", out(opts, "many.png"), says="at most 8")
    figure = render(opts, "finite-size", many, "-o", out(opts, "many-selected.png"), "--beta-index", 0, 1, 8,
                    "--size", 6, 5, "--dpi", 80)
    check_png(figure, (6, 5), 80, colours=[REGIME_COLOURS[1], REGIME_COLOURS[3]], skip_top=0.15)
    refused(opts, "finite-size", many, "-o", out(opts, "index.png"), "--beta-index", 9, says="--beta-index 9")
    refused(opts, "finite-size", many, "-o", out(opts, "index.png"), "--gamma-index", 1, says="--gamma-index 1")
    refused(opts, "finite-size", many, "-o", out(opts, "figure.tiff"), says=".png, .svg or .pdf")


def portrait_panels(figure):
    """The panels of a --portrait figure (the axes with a title), in the order drawn."""
    return [axes for axes in figure.axes if axes.get_title()]


def case_finite_size_portrait(opts):
    """finite-size --portrait: one panel per N of replica 0's samples, the mean-field orbit's points as open
    circles (periodic beta) or its samples as a grey cloud (chaotic beta), shared limits, the titles, pending and
    failed panels, and the refusals (no single selection, a feature out of range, --features alone)."""
    module = load_package(opts)
    sweep = out(opts, "finite-size.h5")
    write_finite_size_sweep(sweep)
    n_beta, n_size = len(FINITE_BETA), len(FINITE_SIZES)
    # Five sizes: 4 columns x 2 rows of 2.7 x 2.6 inches, the legend in the spare slot.
    size = (2.7 * 4 + 0.6, 2.6 * 2 + 1.1)
    figure = render(opts, "finite-size", sweep, "--portrait", "--beta-index", 0, "-o", out(opts, "periodic.png"),
                    "--dpi", 60)
    # beta index 0: undetermined at the two smallest N (replica 0 not recognised), periodic from 99000 on (the
    # orbit's open circles are black like the frames, so they are checked on the figure below).
    check_png(figure, size, 60, colours=[REGIME_COLOURS[1], REGIME_COLOURS[-1]], min_pixels=30,
              skip_top=0.1, min_ink=0.02)
    figure = render(opts, "finite-size", sweep, "--portrait", "--beta-index", 1, "--features", 1, 2, "-o",
                    out(opts, "chaotic.pdf"))
    width, height = pdf_size(figure)
    check(abs(width - 72 * size[0]) < 1 and abs(height - 72 * size[1]) < 1, f"{figure} is {width} x {height} pt, "
          f"expected {72 * size[0]:g} x {72 * size[1]:g}")
    figure = render(opts, "finite-size", sweep, "--portrait", "--beta-index", 0, "-o", out(opts, "sized.png"),
                    "--size", 6, 4, "--dpi", 50, "--title", "a portrait")
    check_png(figure, (6, 4), 50, colours=[REGIME_COLOURS[1]], min_ink=0.02)

    with h5py.File(sweep, "r") as f:
        distance = np.asarray(f["network/distance"])
        samples = np.asarray(f["points/samples"])
        reference = np.asarray(f["network/reference/samples"])
    mean = distance.mean(axis=1)

    def draw(*options):
        arguments = module.build_parser().parse_args(["finite-size", sweep, "-o", "unused.png", "--portrait"]
                                                     + [str(o) for o in options])
        return module.plot_finite_size(arguments)

    # The periodic beta: a panel per N with its N, mean distance and regime, in the regime's colour; the orbit's
    # FINITE_PERIOD points as open circles at the reference's last samples; shared limits around the orbit.
    drawn = draw("--beta-index", 0)
    panels = portrait_panels(drawn)
    check(len(panels) == n_size, f"{len(panels)} panels, expected one per N ({n_size})")
    orbit = finite_size_orbit()
    for i_size, axes in enumerate(panels):
        p = i_size * n_beta
        shown = "periodic" if i_size >= 2 else "undetermined"
        wanted = f"N = {module.short_number(int(FINITE_SIZES[i_size]))}, d = {module.short_number(mean[p], 2)}"
        title = axes.get_title()
        check(title == f"{wanted}\n{shown}", f"panel {i_size}: title {title!r}, expected {wanted!r} and {shown!r}")
        colour = matplotlib.colors.to_hex(axes.title.get_color())
        check(colour == REGIME_COLOURS[1 if i_size >= 2 else -1], f"panel {i_size}: title colour {colour}")
        circles = [c for c in axes.collections if len(c.get_offsets()) == FINITE_PERIOD]
        check(len(circles) == 1 and np.allclose(circles[0].get_offsets(), reference[p, -FINITE_PERIOD:, :2]) and
              np.allclose(np.sort(circles[0].get_offsets(), axis=0), np.sort(orbit[:, :2], axis=0)),
              f"panel {i_size}: the orbit's {FINITE_PERIOD} points are not drawn")
        check(len(circles[0].get_facecolors()) == 0 or circles[0].get_facecolors()[0][3] == 0,
              "the orbit's markers are not open")
        dots = [c for c in axes.collections if len(c.get_offsets()) == samples.shape[1]]
        check(len(dots) == 1 and np.allclose(dots[0].get_offsets(), samples[p][:, :2]),
              f"panel {i_size}: replica 0's samples are not the dots")
        check(axes.get_shared_x_axes().joined(axes, panels[0]) and axes.get_shared_y_axes().joined(axes, panels[0]),
              f"panel {i_size} does not share its axes")
    (x0, x1), (y0, y1) = panels[0].get_xlim(), panels[0].get_ylim()
    spread = [np.percentile(samples[i * n_beta][:, c], q) for i in range(n_size) for c in (0, 1) for q in (1, 99)]
    check(x0 < -0.5 and x1 > 0.5 and y0 < -0.5 and y1 > 0.5 and max(-x0, x1, -y0, y1) < 0.5 + 0.3,
          f"limits {x0, x1, y0, y1} should hold the orbit (radius 0.5) and the noisy samples ({spread}) with a margin")
    check(min(spread) >= min(x0, y0) and max(spread) <= max(x1, y1), "the limits cut the samples' 1..99 %")
    check("N = 990" in panels[0].get_title() and "N = 9.9e6" in panels[-1].get_title(), "the sizes' style")
    title = drawn._suptitle.get_text()
    check("β = 1.25" in title and "periodic, period 4" in title and "replica 0 of R = 3" in title, f"title {title!r}")
    legend = [t.get_text() for axes in drawn.axes if axes.get_legend() for t in axes.get_legend().get_texts()]
    check(f"the {FINITE_PERIOD} points of the mean-field orbit" in legend, f"legend {legend}")

    # The chaotic beta, features 1 and 2: the reference's samples as a grey cloud under the dots, the failed
    # N = 990 an empty panel.
    drawn = draw("--beta-index", 1, "--features", 1, 2)
    panels = portrait_panels(drawn)
    check([t.get_text() for t in panels[0].texts] == ["failed"], f"the failed N: {[t.get_text() for t in panels[0].texts]}")
    check(not panels[0].collections, "the failed N has points drawn")
    for i_size, axes in enumerate(panels[1:], start=1):
        p = i_size * n_beta + 1
        cloud, dots = axes.collections[0], axes.collections[1]
        # The reference of the first done point (N = 9900: the failed N = 990 recorded none).
        check(np.allclose(cloud.get_offsets(), reference[n_beta * 1 + 1][:, 1:3]) and cloud.get_zorder() < dots.get_zorder()
              and matplotlib.colors.to_hex(cloud.get_facecolors()[0][:3]) == "#c7c7c7",
              f"panel {i_size}: the reference's grey cloud")
        check(np.allclose(dots.get_offsets(), samples[p][:, 1:3]), f"panel {i_size}: features 1 and 2")
        check(axes.get_title().endswith("chaotic" if i_size >= 3 else "undetermined"), f"title {axes.get_title()!r}")
    check("$m^{o}_{\\mathrm{se},1}$" == panels[-1].get_xlabel(), f"x label {panels[-1].get_xlabel()!r}")
    title = drawn._suptitle.get_text()
    check("reference chaotic" in title and "period" not in title.split("\n")[0], f"title {title!r}")

    # A pending N.
    partly = out(opts, "partly-pending.h5")
    write_finite_size_sweep(partly)
    with h5py.File(partly, "r+") as f:
        f["points/status"][3 * n_beta] = 0
    sweep, kept = partly, sweep
    panels = portrait_panels(draw("--beta-index", 0))
    check([t.get_text() for t in panels[3].texts] == ["pending"] and not panels[3].collections,
          f"the pending N: {[t.get_text() for t in panels[3].texts]}")
    sweep = kept
    print("portrait panels, orbit points, cloud, limits, titles, pending and failed panels are right")

    refused(opts, "finite-size", sweep, "--portrait", "-o", out(opts, "all.png"),
            says="--portrait draws one (beta, gamma, epsilon), the selection has 2 (2 beta x 1 gamma x 1 epsilon): "
            "choose one with --beta-index, --gamma-index, --epsilon-index")
    refused(opts, "finite-size", sweep, "--portrait", "--beta-index", 0, 1, "-o", out(opts, "two.png"),
            says="the selection has 2")
    refused(opts, "finite-size", sweep, "--portrait", "--beta-index", 0, "--features", 0, 5, "-o",
            out(opts, "feature.png"), says="--features 5 is out of range")
    refused(opts, "finite-size", sweep, "--features", 0, 1, "-o", out(opts, "alone.png"), says="give --portrait")
    refused(opts, "finite-size", sweep, "--portrait", "--beta-index", 0, "--fit-from", 990, "-o",
            out(opts, "fit.png"), says="--fit-from")
    refused(opts, "finite-size", sweep, "--portrait", "--beta-index", 2, "-o", out(opts, "index.png"),
            says="--beta-index 2")


def panel_titles(figure):
    return [axes for axes in figure.axes if axes.get_title()]


def case_panel(opts):
    """The paper's Fig. 4: a panel per trajectory file (the latest steps of its mo_se, in its regime's
    colour, titled by beta and regime) or per chosen beta of a sweep (that point's samples); the refusals."""
    module = load_package(opts)
    periodic, chaotic = data(opts, "trajectory.h5"), data(opts, "trajectory-chaos.h5")
    figure = render(opts, "panel", periodic, chaotic, "-o", out(opts, "panel.png"), "--dpi", 100)
    # The chaotic panel's dots are fine and translucent: where they pile up they take the regime's colour.
    check_png(figure, (3.6 * 2 + 0.4, 3.3 + 0.9), 100, colours=[REGIME_COLOURS[1], REGIME_COLOURS[3]], min_pixels=20,
              skip_top=0.15, min_ink=0.01)
    figure = render(opts, "panel", data(opts, "sweep.h5"), "--beta", 1.25, 1.27, 1.28, "-o", out(opts, "panel.svg"))
    check_svg(figure, (3.6 * 3 + 0.4, 3.3 + 0.9))

    arguments = module.build_parser().parse_args(["panel", periodic, chaotic, "-o", "unused.png", "--points", "5000",
                                                  "--x-feature", "2", "--y-feature", "0"])
    drawn = module.plot_panel(arguments)
    panels = panel_titles(drawn)
    check(len(panels) == 2, f"{len(panels)} panels for two files")
    for axes, path, beta, code, name in ((panels[0], periodic, "1.27", 1, "periodic, period 28"),
                                         (panels[1], chaotic, "1.28", 3, "chaotic")):
        with h5py.File(path, "r") as f:
            mo_se = np.asarray(f["trajectory/mo_se"])[-5000:]
            regime = int(f["analysis/regime"][0])
        check(regime == code, f"{path}: regime {regime}, the case expects {code}")
        dots = axes.get_lines()[0]
        check(np.array_equal(dots.get_xdata(), mo_se[:, 2]) and np.array_equal(dots.get_ydata(), mo_se[:, 0]),
              f"{path}: the panel does not show the last 5000 steps of (m^o_se,2, m^o_se,0)")
        title = axes.get_title()
        check(title.startswith(f"β = {beta}\n{name}") and "λ₁ = " in title, f"{path}: panel title {title!r}")
        check(matplotlib.colors.to_hex(dots.get_color()) == REGIME_COLOURS[code], f"{path}: dots not in the regime's colour")
    check("m^{o}_{\\mathrm{se},0}" in drawn._suptitle.get_text(), f"title {drawn._suptitle.get_text()!r}")

    # A sweep: the nearest grid beta of each --beta, that point's samples.
    sweep = data(opts, "sweep.h5")
    arguments = module.build_parser().parse_args(["panel", sweep, "-o", "unused.png", "--beta", "1.2712", "1.25"])
    panels = panel_titles(module.plot_panel(arguments))
    with h5py.File(sweep, "r") as f:
        beta = np.asarray(f["grid/beta"])
        for axes, wanted in zip(panels, (1.2712, 1.25)):
            p = int(np.argmin(np.abs(beta - wanted)))
            samples = np.asarray(f["points/samples"][p])
            dots = axes.get_lines()[0]
            check(np.array_equal(dots.get_xdata(), samples[:, 0]) and np.array_equal(dots.get_ydata(), samples[:, 1]),
                  f"--beta {wanted}: the panel is not point {p}'s samples")
            check(axes.get_title().startswith(f"β = {beta[p]:.6g}\n"), f"--beta {wanted}: title {axes.get_title()!r}")
    print("panels: a file or a beta each, their samples, regimes and titles")

    refused(opts, "panel", sweep, "-o", out(opts, "many.png"), says="choose them with --beta")
    refused(opts, "panel", sweep, periodic, "-o", out(opts, "mixed.png"), says="takes trajectory files")
    refused(opts, "panel", sweep, "--beta", 1.25, "--quantity", "mo", "-o", out(opts, "mo.png"), says="m^o_se alone")
    refused(opts, "panel", periodic, "--y-feature", 3, "-o", out(opts, "feature.png"), says="--y-feature 3")


def case_poincare(opts):
    """The Poincaré section: the crossings as the analysis computes them (bit for bit the stored ones), their
    directions, the section and the return map drawn from them; --section all and near-zero, --direction."""
    module = load_package(opts)
    trajectory = data(opts, "trajectory.h5")
    figure = render(opts, "poincare", trajectory, "-o", out(opts, "poincare.png"), "--size", 10, 5, "--dpi", 80)
    check_png(figure, (10, 5), 80, colours=[module.DIRECTION_COLOURS[1], module.DIRECTION_COLOURS[-1]], min_pixels=10,
              skip_top=0.12, min_ink=0.01)
    figure = render(opts, "poincare", data(opts, "trajectory-chaos.h5"), "--section", "all", "-o",
                    out(opts, "poincare-chaos.svg"))
    check_svg(figure, (11, 5.5))
    with h5py.File(trajectory, "r") as f:
        mo_se = np.asarray(f["trajectory/mo_se"])
        stored = np.asarray(f["analysis/crossings"])
        plane = int(f.attrs["analysis.section_feature"])
        tolerance = float(f.attrs["analysis.section_tolerance"])
    points, direction = module.section_crossings(mo_se, plane)
    check(len(stored) > 10 and len(points) >= len(stored), f"{len(stored)} stored crossings, {len(points)} computed")
    check(np.array_equal(points[:len(stored)], stored), "the crossings computed from /trajectory/mo_se are not "
          "/analysis/crossings bit for bit")
    check(set(direction.tolist()) == {1, -1} and (direction[1:] != direction[:-1]).all(),
          "crossings of a plane by a sequence of steps must alternate in direction")
    sign = np.sign(mo_se[1:, plane] - mo_se[:-1, plane])
    first = np.nonzero(mo_se[:-1, plane] * mo_se[1:, plane] < 0)[0][0]
    check(direction[0] == sign[first], "the first crossing's direction")

    def draw(*options):
        arguments = module.build_parser().parse_args(["poincare", trajectory, "-o", "unused.png"]
                                                     + [str(o) for o in options])
        return module.plot_poincare(arguments)

    section, returns = draw().axes[:2]
    others = [a for a in range(mo_se.shape[1]) if a != plane]
    for line, d in zip(section.get_lines(), (1, -1)):
        chosen = stored[direction[:len(stored)] == d]
        check(np.array_equal(line.get_xdata(), chosen[:, others[0]]) and
              np.array_equal(line.get_ydata(), chosen[:, others[1]]), f"the {d:+d} crossings of the section panel")
        check(matplotlib.colors.to_hex(line.get_color()) == module.DIRECTION_COLOURS[d], "direction colours")
    for line, d in zip(returns.get_lines(), (1, -1)):
        chosen = stored[direction[:len(stored)] == d][:, others[0]]
        check(np.array_equal(line.get_xdata(), chosen[:-1]) and np.array_equal(line.get_ydata(), chosen[1:]),
              f"the return map of the {d:+d} crossings")
    section = draw("--section", "all", "--direction", "down", "--features", others[1], others[0]).axes[0]
    lines = section.get_lines()
    down = points[direction == -1]
    check(len(lines) == 1 and np.array_equal(lines[0].get_xdata(), down[:, others[1]]) and
          np.array_equal(lines[0].get_ydata(), down[:, others[0]]), "--section all --direction down --features")
    section = draw("--section", "near-zero").axes[0]
    near = mo_se[np.abs(mo_se[:, plane]) < tolerance]
    check(np.array_equal(section.get_lines()[0].get_xdata(), near[:, others[0]]), "--section near-zero: the steps "
          f"with |m^o_se,{plane}| < {tolerance}")
    print(f"Poincaré section: {len(points)} crossings, the {len(stored)} stored ones bit for bit, directions alternate")

    refused(opts, "poincare", data(opts, "sweep.h5"), "-o", out(opts, "sweep.png"), says="sweep file")
    refused(opts, "poincare", trajectory, "--features", 0, plane, "-o", out(opts, "plane.png"), says="section feature")
    refused(opts, "poincare", trajectory, "--features", 0, 7, "-o", out(opts, "range.png"), says="--features 7")


def case_lyapunov_trace(opts):
    """The convergence figure: the running estimates of /analysis/lyapunov_trace against (i + 1) every
    recorded steps, the zero band, the Floquet exponents of the periodic orbit; refused without a trace."""
    module = load_package(opts)
    trajectory = data(opts, "trajectory.h5")
    figure = render(opts, "lyapunov-trace", trajectory, "-o", out(opts, "trace.png"), "--size", 9, 6, "--dpi", 80)
    check_png(figure, (9, 6), 80, colours=[s["color"] for s in module.EXPONENT_STYLES[1:3]], min_pixels=30,
              min_ink=0.03)
    with h5py.File(trajectory, "r") as f:
        trace = np.asarray(f["analysis/lyapunov_trace"])
        every = int(f["analysis/lyapunov_trace"].attrs["every"])
        floquet = np.asarray(f["analysis/lyapunov"])
        source = int(f["analysis/lyapunov_source"][0])
    check(every == 250 and trace.shape == (10000 // 250, 3), f"trace {trace.shape} every {every}")
    arguments = module.build_parser().parse_args(["lyapunov-trace", trajectory, "-o", "unused.png"])
    top, bottom = module.plot_lyapunov_trace(arguments).axes[:2]
    curves = [line for line in top.get_lines() if len(line.get_xdata()) == len(trace)]
    check(len(curves) == 3, f"{len(curves)} curves of the estimates, expected 3")
    for k, line in enumerate(curves):
        check(np.array_equal(line.get_xdata(), every * np.arange(1, len(trace) + 1)) and
              np.array_equal(line.get_ydata(), trace[:, k]), f"λ{k + 1}'s curve is not column {k} of the trace")
    check(len({line.get_linestyle() for line in curves}) == 3, "the estimates share a line style")
    check(source == 2, "the periodic trajectory's exponents should be Floquet's (lyapunov_source 2)")
    levels = [line.get_ydata()[0] for line in top.get_lines() if len(line.get_xdata()) == 2]
    for value in floquet:
        check(any(abs(level - value) < 1e-15 for level in levels), f"no dotted line at the Floquet exponent {value}")
    print(f"lyapunov-trace: {len(trace)} rows every {every} steps, Floquet exponents {floquet}")
    refused(opts, "lyapunov-trace", data(opts, "trajectory-chaos.h5"), "-o", out(opts, "none.png"),
            says="analysis.lyapunov_trace > 0")
    refused(opts, "lyapunov-trace", data(opts, "sweep.h5"), "-o", out(opts, "sweep.png"), says="sweep file")


# Every subcommand with an input it draws: the SVG and the PNG of each.
EVERY_FIGURE = [
    ("bifurcation", "sweep.h5"), ("lyapunov", "synthetic.h5"), ("phase-diagram", "grid.h5"),
    ("trajectory", "trajectory.h5"), ("poincare", "trajectory.h5"), ("lyapunov-trace", "trajectory.h5"),
    ("panel", "trajectory.h5", "trajectory-chaos.h5"), ("attractors", "multistart.h5"),
    ("continuation", "continuation.h5"), ("finite-size", "network.h5"),
]


def case_formats(opts):
    """Every subcommand writes a non-empty PNG and SVG (and a PDF) of the size asked for."""
    for command, *inputs in EVERY_FIGURE:
        paths = [data(opts, name) for name in inputs]
        for suffix in ("png", "svg"):
            figure = render(opts, command, *paths, "-o", out(opts, f"{command}.{suffix}"), "--size", 7, 5, "--dpi", 60)
            if suffix == "png":
                check_png(figure, (7, 5), 60, min_ink=0.01, min_distinct=4)
            else:
                check_svg(figure, (7, 5))
    figure = render(opts, "poincare", data(opts, "trajectory.h5"), "-o", out(opts, "poincare.PDF"), "--size", 7, 5)
    width, height = pdf_size(figure)
    check((round(width), round(height)) == (504, 360), f"{figure} is {width} x {height} pt")


def case_layout(opts):
    """The build tree as an install: build/bin/attnmf-plot draws with the package beside it (build/python,
    not the source's python/ by way of its own path), PYTHONPATH=build/python imports it, and the script
    refuses clearly where it finds no package at all."""
    check(opts.build is not None, "the layout case needs --build")
    script = os.path.join(opts.build, "bin", "attnmf-plot")
    package = os.path.join(opts.build, "python")
    check(os.access(script, os.X_OK), f"{script} is missing or not executable")
    check(os.path.isfile(os.path.join(package, "attnmf", "__init__.py")), f"{package}/attnmf is missing")
    result = run([script, "poincare", data(opts, "trajectory.h5"), "-o", out(opts, "build-tree.svg"), "--size", "6", "4"],
                 env=dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=""))
    check(result.returncode == 0, f"{script} poincare exited {result.returncode}:\n{result.stderr}")
    check_svg(out(opts, "build-tree.svg"), (6, 4))
    where = run([sys.executable, "-c", "import attnmf, os; print(os.path.dirname(os.path.dirname(attnmf.__file__)))"],
                env=dict(os.environ, PYTHONPATH=package), cwd=opts.data)
    check(where.returncode == 0 and os.path.abspath(where.stdout.strip()) == os.path.abspath(package),
          f"PYTHONPATH={package} imports attnmf from {where.stdout.strip()!r} ({where.stderr})")
    # A copy of the script with nothing beside it says what is missing.
    alone = out(opts, "attnmf-plot")
    with open(opts.plot) as source, open(alone, "w") as copy:
        copy.write(source.read())
    result = run([sys.executable, alone, "--help"], env=dict(os.environ, PYTHONPATH=""), cwd=opts.data)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    check(result.returncode == 1 and len(lines) == 1 and "package attnmf" in lines[0],
          f"a script without its package: exit {result.returncode}, stderr {result.stderr!r}")
    print(f"{script} draws with {package}/attnmf; PYTHONPATH={package} imports it")


def case_api(opts):
    """attnmf.plot.figure draws what the command draws, with the options as keywords; save writes by suffix."""
    module = load_package(opts)
    plot = module.package
    sweep = data(opts, "sweep.h5")
    drawn = plot.figure("bifurcation", sweep, beta_range=(1.26, 1.27), feature=1, section="none")
    check("∈ [1.26, 1.27]" in drawn._suptitle.get_text(), f"beta_range ignored: {drawn._suptitle.get_text()!r}")
    check("m^o_{\\mathrm{se},1}" in drawn._suptitle.get_text(), "feature ignored")
    path = plot.save(drawn, out(opts, "api.svg"))
    check_svg(path, (10, 6))
    drawn = plot.figure("panel", [data(opts, "trajectory.h5"), data(opts, "trajectory-chaos.h5")], share=True)
    check(len(panel_titles(drawn)) == 2, "panel from a list of files")
    for call, error in ((lambda: plot.figure("bifurcation", sweep, no_such_option=1), TypeError),
                        (lambda: plot.figure("nothing", sweep), ValueError),
                        (lambda: plot.figure("bifurcation", sweep, feature=7), plot.InputError),
                        (lambda: plot.save(drawn, out(opts, "api.jpg")), plot.InputError)):
        try:
            call()
        except error as raised:
            print(f"refused as expected: {type(raised).__name__}: {raised}")
        else:
            raise Failure(f"no {error.__name__} raised")


CASES = {
    "inputs": make_inputs,
    "bifurcation": case_bifurcation,
    "bifurcation_zoom": case_bifurcation_zoom,
    "lyapunov": case_lyapunov,
    "lyapunov_missing": case_lyapunov_missing,
    "trajectory": case_trajectory,
    "phase_diagram": case_phase_diagram,
    "errors": case_errors,
    "help": case_help,
    "density": case_density,
    "attractors": case_attractors,
    "continuation": case_continuation,
    "finite_size": case_finite_size,
    "finite_size_network": case_finite_size_network,
    "finite_size_errors": case_finite_size_errors,
    "finite_size_portrait": case_finite_size_portrait,
    "panel": case_panel,
    "poincare": case_poincare,
    "lyapunov_trace": case_lyapunov_trace,
    "formats": case_formats,
    "layout": case_layout,
    "api": case_api,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attnmf", help="the attnmf executable")
    parser.add_argument("--plot", required=True, help="tools/attnmf-plot")
    parser.add_argument("--python", help="the directory holding the package attnmf the script draws with "
                        "(default: ../python beside --plot)")
    parser.add_argument("--build", help="the build tree (for the layout case: its bin/attnmf-plot and python/)")
    parser.add_argument("--source", help="the source tree (for jobs/paper-trajectory.ini)")
    parser.add_argument("--data", required=True, help="directory for inputs and figures")
    parser.add_argument("case", choices=sorted(CASES))
    opts = parser.parse_args()
    if opts.case == "inputs" and not (opts.attnmf and opts.source):
        parser.error("inputs needs --attnmf and --source")
    if opts.python is None:
        opts.python = os.path.join(os.path.dirname(os.path.abspath(opts.plot)), os.pardir, "python")
    opts.python = os.path.abspath(opts.python)
    try:
        CASES[opts.case](opts)
    except Failure as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
