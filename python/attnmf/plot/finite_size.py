"""The figures of a sweep run with run.engine = network, the finite network at several sizes N against
the mean-field reference at the same (beta, gamma, epsilon) (docs/network.md): the distance from the
mean-field attractor against N, and the phase portraits at each N."""

import h5py
import numpy as np
from matplotlib.lines import Line2D

from .. import _h5
from ._common import (AXIS_SYMBOL, DefaultSize, InputError, ResultFile, check_feature, check_size, feature_label,
                      new_figure, number, regime_handles, undetermined_code, warn)
from ._options import add_common, non_negative_int, positive_int
from .attractors import LABEL_COLOURS

# At most this many (beta, gamma, epsilon) curves in one figure; more must be selected with the
# --beta-index, --gamma-index, --epsilon-index options.
MAX_CURVES = 8
# Colours and markers of the curves: the lines, the marker edges and the recognised fractions take the
# curve's colour (qualitative, apart from the regime colours), the marker faces the regime each N shows.
CURVE_COLOURS = LABEL_COLOURS
CURVE_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "h"]
# What each /network/distance_kind measures, by the name the file gives it (for the y axis): the RMS
# distance of the network's m^o_se from the fixed point or to the nearest point of the periodic orbit, or
# the Wasserstein-1 distance between the network's and the mean field's distributions of m^o_se,0.
DISTANCE_KINDS = {
    "fixed point": r"RMS of $m^o_{\mathrm{se}}$ from the fixed point",
    "orbit": r"RMS of $m^o_{\mathrm{se}}$ to the orbit",
    "distribution": r"$W_1$ of the $m^o_{\mathrm{se},0}$ distributions",
}

# --portrait: the panel size in inches of the default figure size, the panels a row at most, the latest
# samples of a point drawn at most (its dots; the reference's cloud alike), and the reference regimes whose
# last `period` samples are the points of the mean-field orbit (a fixed point without a period: its last one).
PORTRAIT_PANEL = (2.7, 2.6)
PORTRAIT_COLUMNS = 4
PORTRAIT_DOTS = 20000
ORBIT_REGIMES = ("periodic", "fixed point")


def add_parsers(sub):
    p = sub.add_parser(
        "finite-size", help="the finite network's distance from the mean-field attractor against N "
        "(a sweep with run.engine = network)",
        description="How the finite network approaches the mean-field limit, from a sweep run with "
        "run.engine = network. Top: against the network size N (log axes), the mean over the replicas of "
        "the distance from the mean-field attractor of the same (beta, gamma, epsilon) (/network/distance; "
        "its kind, /network/distance_kind, names the y axis), with the standard error over the replicas as "
        "error bars, one curve per (beta, gamma, epsilon), the markers coloured by the regime the network "
        "shows at that N (/points/regime: the reference's regime where the network was recognised on its "
        "attractor, else undetermined). Each curve's label gives the slope of a least-squares fit of "
        "log10(distance) on log10(N); a dashed line of slope -1/2 (the N^(-1/2) of finite-size fluctuations) "
        "runs through the first curve's largest N. Bottom: the fraction of the replicas recognised on the "
        "mean-field attractor (/network/recognised). Pending and failed points are left out. "
        "With --portrait, instead, the phase-plane portraits of ONE (beta, gamma, epsilon): one panel per N, "
        "replica 0's samples of m^o_se[A] against m^o_se[B] (/points/samples) as small semi-transparent dots "
        "coloured by the regime that N shows, over the mean-field reference's samples of the same point "
        "(/network/reference/samples): for a periodic reference (or a fixed point) with period p, its last p "
        "samples as large open circles, the p points of the mean-field orbit; otherwise its samples as a "
        "light grey cloud underneath. Each panel's title gives N, the mean distance over the replicas and "
        "the regime that N shows; the axes are shared (the reference's range with a margin, widened to the "
        "1st..99th percentiles of the network's samples); pending and failed sizes get an empty panel. "
        "Exits with status 2 for a file that is not a network sweep (no /network).")
    p.add_argument("file", metavar="SWEEP.h5", help="a file written by `attnmf sweep` with run.engine = network")
    for axis in ("beta", "gamma", "epsilon"):
        p.add_argument(f"--{axis}-index", type=non_negative_int, nargs="+", metavar="I",
                       help=f"draw only the {axis} value(s) with these indices (default: every {axis}; at "
                       f"most {MAX_CURVES} curves in all; with --portrait, exactly one combination)")
    p.add_argument("--fit-from", type=positive_int, metavar="N",
                   help="fit the slopes to the sizes >= N only (default: every size with a distance)")
    p.add_argument("--portrait", action="store_true",
                   help="draw the phase-plane portraits of one (beta, gamma, epsilon), one panel per N, against "
                   "the mean-field reference's orbit or cloud, instead of the distances")
    p.add_argument("--features", type=non_negative_int, nargs=2, metavar=("A", "B"),
                   help="with --portrait: the features of m^o_se on the x and the y axis (default 0 1)")
    add_common(p, (8.0, 7.0), size_note=f"; with --portrait {PORTRAIT_PANEL[0]:g} x {PORTRAIT_PANEL[1]:g} per "
               f"panel, at most {PORTRAIT_COLUMNS} panels a row")


class NetworkSweep:
    """A sweep with run.engine = network: the grid of (beta, gamma, epsilon) and the network sizes N, with
    point p = ((i_size * n_epsilon + i_epsilon) * n_gamma + i_gamma) * n_beta + i_beta."""

    AXES = ("beta", "gamma", "epsilon")

    def __init__(self, result):
        self.result = result
        group = result.h5.get("network")
        if not isinstance(group, h5py.Group):
            raise InputError(f"{result.path}: not a finite-network sweep (no /network); run attnmf sweep with "
                             "run.engine = network")
        self.values = {}
        for axis in self.AXES:
            self.values[axis] = np.atleast_1d(np.asarray(result.dataset(f"/grid/{axis}")[()], dtype=float))
        self.sizes = np.atleast_1d(np.asarray(result.dataset("/grid/size", "the network sizes N")[()])).astype(np.int64)
        self.shape = {axis: len(self.values[axis]) for axis in self.AXES}
        self.shape["size"] = len(self.sizes)
        self.count = self.shape["beta"] * self.shape["gamma"] * self.shape["epsilon"] * self.shape["size"]
        self.status = self.per_point("/points/status").astype(int)
        self.regime = self.per_point("/points/regime").astype(int)
        self.regimes = result.regimes("/points/regime")
        self.replicas = None
        if "replicas" in group.attrs:
            self.replicas = int(np.asarray(group.attrs["replicas"]).ravel()[0])
        self.algorithm = _h5.text_of(group.attrs["algorithm"]) if "algorithm" in group.attrs else None
        self.distance = self.per_replica("/network/distance", "each replica's distance from the mean-field "
                                         "attractor").astype(float)
        self.recognised = self.per_replica("/network/recognised").astype(int)
        self.kind = self.per_point("/network/distance_kind").astype(int)
        self.kinds = self.code_names("/network/distance_kind")
        if result.has("/network/size"):
            size = self.per_point("/network/size").astype(np.int64)
            expected = self.sizes[self.index_of(np.arange(self.count))["size"]]
            done = self.status == 1
            if (size[done] != expected[done]).any():
                raise InputError(f"{result.path}: /network/size differs from /grid/size at "
                                 f"{int(np.count_nonzero(size[done] != expected[done]))} done point(s)")
        # For a distribution, the distance sampling alone makes (absent from files written before it).
        self.floor = None
        if result.has("/network/reference/floor"):
            self.floor = self.per_point("/network/reference/floor").astype(float)
        self.ran = None
        if result.has("/network/algorithm"):
            self.ran = (self.per_point("/network/algorithm").astype(int), self.code_names("/network/algorithm"))

    def per_point(self, name, why=""):
        data = np.asarray(self.result.dataset(name, why)[()])
        if data.shape != (self.count,):
            raise InputError(f"{self.result.path}: {name} has shape {data.shape}, expected [{self.count}] "
                             f"(the {self.shape['beta']} x {self.shape['gamma']} x {self.shape['epsilon']} grid "
                             f"at {self.shape['size']} sizes)")
        return data

    def per_replica(self, name, why=""):
        data = np.asarray(self.result.dataset(name, why)[()])
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim != 2 or data.shape[0] != self.count or data.shape[1] < 1 or \
                (self.replicas is not None and data.shape[1] != self.replicas):
            replicas = self.replicas if self.replicas is not None else "R"
            raise InputError(f"{self.result.path}: {name} has shape {data.shape}, expected "
                             f"[{self.count}][{replicas}] (points x replicas)")
        return data

    def code_names(self, name):
        return self.result.code_names(name)

    def index_of(self, points):
        points = np.asarray(points)
        index = {}
        for axis in self.AXES:
            index[axis] = points % self.shape[axis]
            points = points // self.shape[axis]
        index["size"] = points
        return index

    def point(self, i_beta, i_gamma, i_epsilon, i_size):
        return ((i_size * self.shape["epsilon"] + i_epsilon) * self.shape["gamma"] + i_gamma) * self.shape["beta"] \
            + i_beta

    def selection(self, args):
        """The selected (i_beta, i_gamma, i_epsilon) combinations, epsilon slowest, beta fastest."""
        chosen = self.chosen(args)
        combinations = [(b, g, e) for e in chosen["epsilon"] for g in chosen["gamma"] for b in chosen["beta"]]
        if len(combinations) > MAX_CURVES:
            counts = " x ".join(f"{len(chosen[axis])} {axis}" for axis in self.AXES)
            raise InputError(f"{self.result.path}: {len(combinations)} curves ({counts}); at most {MAX_CURVES} fit "
                             "in one figure: choose with --beta-index, --gamma-index, --epsilon-index")
        return combinations, chosen

    def chosen(self, args):
        """The selected indices of each axis (checked), sorted; every index of an axis not chosen."""
        chosen = {}
        for axis in self.AXES:
            indices = getattr(args, f"{axis}_index", None)
            if indices is None:
                chosen[axis] = list(range(self.shape[axis]))
                continue
            for i in indices:
                if i >= self.shape[axis]:
                    raise InputError(f"--{axis}-index {i} is out of range: {self.result.path} has "
                                     f"{self.shape[axis]} value(s) of {axis} (indices 0..{self.shape[axis] - 1})")
            chosen[axis] = sorted(set(indices))
        return chosen


def fit_power_law(sizes, distances, fit_from=None):
    """Least squares of log10(distance) on log10(N) over the finite positive distances (and N >= fit_from):
    (slope, prefactor, points used), or None with fewer than two distinct sizes."""
    sizes = np.asarray(sizes, dtype=float)
    distances = np.asarray(distances, dtype=float)
    use = np.isfinite(distances) & (distances > 0) & (sizes > 0)
    if fit_from is not None:
        use &= sizes >= fit_from
    if len(np.unique(sizes[use])) < 2:
        return None
    slope, intercept = np.polyfit(np.log10(sizes[use]), np.log10(distances[use]), 1)
    return float(slope), float(10.0 ** intercept), int(np.count_nonzero(use))


def replica_statistics(distance, recognised):
    """Per point: the mean of the replicas' finite distances, its standard error (NaN with fewer than two),
    and the fraction of the replicas with a verdict (recognised >= 0) recognised on the attractor."""
    finite = np.isfinite(distance)
    counts = finite.sum(axis=1)
    total = np.where(finite, distance, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, total / np.maximum(counts, 1), np.nan)
        squares = np.where(finite, (distance - mean[:, None]) ** 2, 0.0).sum(axis=1)
        error = np.where(counts > 1, np.sqrt(squares / np.maximum(counts - 1, 1) / np.maximum(counts, 1)), np.nan)
        judged = (recognised >= 0).sum(axis=1)
        fraction = np.where(judged > 0, (recognised == 1).sum(axis=1) / np.maximum(judged, 1), np.nan)
    return mean, error, fraction


def finite_size_curves(network, args):
    """One dict per selected (beta, gamma, epsilon): its indices, the done points ordered by N, their sizes,
    mean distances, standard errors, recognised fractions, regimes and distance kinds, and the fit."""
    combinations, chosen = network.selection(args)
    mean, error, fraction = replica_statistics(network.distance, network.recognised)
    curves = []
    selected = 0
    for i_beta, i_gamma, i_epsilon in combinations:
        points = network.point(i_beta, i_gamma, i_epsilon, np.arange(network.shape["size"]))
        selected += len(points)
        points = points[network.status[points] == 1]
        sizes = network.sizes[network.index_of(points)["size"]]
        order = np.argsort(sizes, kind="stable")
        points, sizes = points[order], sizes[order]
        curves.append({
            "index": {"beta": i_beta, "gamma": i_gamma, "epsilon": i_epsilon},
            "points": points, "sizes": sizes, "distance": mean[points], "error": error[points],
            "recognised": fraction[points], "regime": network.regime[points], "kind": network.kind[points],
            "fit": fit_power_law(sizes, mean[points], getattr(args, "fit_from", None)),
        })
    done = sum(len(curve["points"]) for curve in curves)
    if done == 0:
        raise InputError(f"{network.result.path}: none of the {selected} points in the selection is done "
                         "(/points/status); nothing to draw")
    if not any(np.isfinite(c["distance"]).any() and (c["distance"][np.isfinite(c["distance"])] > 0).any()
               for c in curves):
        raise InputError(f"{network.result.path}: no done point in the selection has a finite positive distance "
                         "(/network/distance); nothing to draw on log axes")
    skipped = selected - done
    if skipped:
        warn(f"{skipped} of {selected} points in the selection are not done (/points/status) and are left out")
    return curves, chosen


def slope_text(fit):
    if fit is None:
        return "no fit"
    return f"slope {fit[0]:.2f}".replace("-", "−")


def plot_finite_size(args):
    if getattr(args, "portrait", False):
        return plot_finite_size_portrait(args)
    if getattr(args, "features", None) is not None:
        raise InputError("--features chooses the axes of --portrait; give --portrait too")
    result = ResultFile(args.file)
    result.require_kind("sweep", "finite-size")
    network = NetworkSweep(result)
    curves, chosen = finite_size_curves(network, args)
    regimes = network.regimes
    varying = [axis for axis in NetworkSweep.AXES if len(chosen[axis]) > 1]
    shown = [axis for axis in NetworkSweep.AXES if axis == "beta" or axis in varying]
    fixed = {axis: chosen[axis][0] for axis in NetworkSweep.AXES if axis not in shown}

    figure = new_figure(args)
    top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (3.0, 1.2)})
    curve_handles, present, kinds = [], set(), set()
    floor_shown = False
    for number_of_curve, curve in enumerate(curves):
        colour = CURVE_COLOURS[number_of_curve % len(CURVE_COLOURS)]
        marker = CURVE_MARKERS[number_of_curve % len(CURVE_MARKERS)]
        parameters = ", ".join(f"{AXIS_SYMBOL[axis]} = {number(network.values[axis][curve['index'][axis]])}"
                               for axis in shown)
        label = f"{parameters}: {slope_text(curve['fit'])}"
        curve_handles.append(Line2D([], [], color=colour, marker=marker, markerfacecolor="white",
                                    markeredgecolor=colour, markersize=6, label=label))
        sizes, distance, error = curve["sizes"], curve["distance"], curve["error"]
        drawn = np.isfinite(distance) & (distance > 0)
        if drawn.any():
            x, y, e = sizes[drawn], distance[drawn], error[drawn]
            # On log axes a bar reaching zero or below ends just above it.
            lower = np.where(np.isfinite(e), np.minimum(e, 0.999 * y), 0.0)
            upper = np.where(np.isfinite(e), e, 0.0)
            top.errorbar(x, y, yerr=np.vstack((lower, upper)), color=colour, linewidth=1.0, capsize=2.5,
                         elinewidth=0.8, marker="none", zorder=2)
            codes = [c if c in regimes else undetermined_code(regimes) for c in curve["regime"][drawn].tolist()]
            top.scatter(x, y, s=42, marker=marker, c=[regimes[c][1] for c in codes], edgecolors=colour,
                        linewidths=1.0, zorder=3)
            present.update(codes)
            kinds.update(int(k) for k in curve["kind"][drawn])
            if curve["fit"] is not None:
                slope, prefactor, _ = curve["fit"]
                span = x if args.fit_from is None else x[x >= args.fit_from]
                if len(span):
                    line = np.array([span.min(), span.max()], dtype=float)
                    top.plot(line, prefactor * line ** slope, color=colour, linewidth=0.6, linestyle=":", zorder=1)
        # The sampling floor of a distribution: distances below it do not tell the network from its limit.
        if network.floor is not None:
            floor = network.floor[curve["points"]]
            floor = floor[np.isfinite(floor) & (floor > 0)]
            if len(floor):
                top.axhline(float(np.median(floor)), color=colour, linewidth=0.8, linestyle=(0, (1, 3)), zorder=1)
                floor_shown = True
        recognised = np.isfinite(curve["recognised"])
        bottom.plot(sizes[recognised], curve["recognised"][recognised], color=colour, marker=marker,
                    markersize=4.5, markerfacecolor="white", markeredgecolor=colour, linewidth=1.0)

    # The guide N^(-1/2) through the first curve's largest N with a distance.
    first = next((c for c in curves if (np.isfinite(c["distance"]) & (c["distance"] > 0)).any()), None)
    all_sizes = np.concatenate([c["sizes"] for c in curves]).astype(float)
    guide = None
    if first is not None:
        have = np.isfinite(first["distance"]) & (first["distance"] > 0)
        anchor_n, anchor_d = float(first["sizes"][have][-1]), float(first["distance"][have][-1])
        line = np.geomspace(all_sizes.min(), all_sizes.max(), 2) if all_sizes.min() < all_sizes.max() \
            else np.array([anchor_n / 3.0, anchor_n * 3.0])
        guide, = top.plot(line, anchor_d * (line / anchor_n) ** -0.5, color="0.45", linestyle="--",
                          linewidth=1.0, zorder=1, label="$\\propto N^{-1/2}$")
    top.set_xscale("log")
    top.set_yscale("log")
    names = [network.kinds.get(k, f"kind {k}") for k in sorted(kinds) if network.kinds.get(k) != "none"]
    described = "\n".join(DISTANCE_KINDS.get(name, name) for name in names)
    top.set_ylabel("distance from the mean-field attractor" + (f"\n{described}" if described else ""),
                   fontsize="small" if names else None)
    top.tick_params(labelbottom=False)
    top.grid(which="major", color="0.9", linewidth=0.6)
    legend = dict(fontsize="small", title_fontsize="small", frameon=False, borderaxespad=0.2, handletextpad=0.3,
                  columnspacing=1.0)
    handles = curve_handles + ([guide] if guide is not None else [])
    if floor_shown:
        handles.append(Line2D([], [], color="0.45", linewidth=0.8, linestyle=(0, (1, 3)),
                              label="sampling floor of a distribution"))
    fit_from = f", sizes N ≥ {args.fit_from}" if args.fit_from is not None else ""
    # Both legends inside the axes: the distances fall from the upper left to the lower right, so the other
    # two corners are usually free.
    framed = {k: v for k, v in legend.items() if k != "frameon"}
    regime_legend = top.legend(handles=regime_handles(present, regimes, marker="o"), loc="upper right",
                               title="marker colour: the regime\nthe network shows", framealpha=0.85, **framed)
    top.add_artist(regime_legend)
    top.legend(handles=handles, loc="lower left", title=f"least-squares slope of log distance on log N{fit_from}",
               framealpha=0.85, **framed)

    bottom.set_ylim(-0.05, 1.05)
    bottom.set_ylabel("recognised\n(share of replicas)", fontsize="small")
    bottom.set_xlabel("network size N")
    bottom.grid(axis="y", color="0.85", linewidth=0.6)
    low, high = all_sizes.min(), all_sizes.max()
    bottom.set_xlim(low / 1.6, high * 1.6)

    if args.title is not None:
        title = args.title
    else:
        title = "The finite network against the mean-field limit: distance from its attractor against N"
        fixed_text = ", ".join(f"{AXIS_SYMBOL[axis]} = {number(network.values[axis][i])}" for axis, i in fixed.items())
        replicas = network.replicas if network.replicas is not None else network.distance.shape[1]
        details = ", ".join(part for part in (fixed_text, result.describe()) if part)
        runs = [f"{len(np.unique(all_sizes))} sizes N = {int(low)}…{int(high)}" if high > low else f"N = {int(low)}",
                f"R = {replicas} replica{'s' if replicas != 1 else ''}"]
        ran = algorithms_text(network, np.concatenate([c["points"] for c in curves]))
        if ran:
            runs.append(ran)
        title += "\n" + "\n".join(part for part in (details, ", ".join(runs)) if part)
    figure.suptitle(title, fontsize="medium")
    return figure


def algorithms_text(network, points):
    """'algorithm auto: direct 3, reduced 7' from /network's attribute and /network/algorithm of `points`."""
    parts = []
    if network.ran is not None and len(points):
        codes, names = network.ran
        used = codes[points]
        parts = [f"{names.get(c, f'code {c}')} {int(np.count_nonzero(used == c))}" for c in sorted(set(used.tolist()))]
    text = f"algorithm {network.algorithm}" if network.algorithm else "algorithm"
    if parts:
        return text + ": " + ", ".join(parts)
    return text if network.algorithm else ""


def short_number(value, digits=3):
    """9900000 -> '9.9e6', 990 -> '990', 0.21 -> '0.21', 0.0031 -> '3.1e-3' (at most `digits` significant
    digits; powers of ten from 10^4 up and below 10^-2)."""
    text = f"{value:.{digits}g}"
    if value != 0 and abs(value) < 1e-2 and "e" not in text:
        text = f"{value:.{digits - 1}e}"
        mantissa, exponent = text.split("e")
        text = f"{mantissa.rstrip('0').rstrip('.')}e{exponent}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "−")


def finite_rows(rows):
    """The rows (samples) of a [S][k] array with every entry finite: the recorded ones, not the NaN padding."""
    return rows[np.isfinite(rows).all(axis=1)]


def portrait_limits(reference, network, margin=0.08):
    """Shared (low, high) of each of the two axes: the range of the reference's samples, widened to the 1st
    and the 99th percentiles of each size's network samples, with a margin of `margin` of the span."""
    limits = []
    for column in range(2):
        low, high = np.inf, -np.inf
        if len(reference):
            low, high = float(reference[:, column].min()), float(reference[:, column].max())
        for rows in network:
            if len(rows):
                p1, p99 = np.percentile(rows[:, column], [1.0, 99.0])
                low, high = min(low, float(p1)), max(high, float(p99))
        if not np.isfinite(low):
            low, high = -1.0, 1.0
        span = high - low
        if not span > 0:
            span = max(abs(low), abs(high)) * 0.1 or 1e-3
            low, high = low - span / 2, high + span / 2
        limits.append((low - margin * span, high + margin * span))
    return limits


def plot_finite_size_portrait(args):
    """--portrait: replica 0's samples m^o_se[A] against m^o_se[B] at each N of one (beta, gamma, epsilon),
    over the mean-field reference's orbit points or cloud."""
    if args.fit_from is not None:
        raise InputError("--fit-from fits the distances; --portrait draws no fit")
    result = ResultFile(args.file)
    result.require_kind("sweep", "finite-size")
    network = NetworkSweep(result)
    chosen = network.chosen(args)
    combinations = [(b, g, e) for e in chosen["epsilon"] for g in chosen["gamma"] for b in chosen["beta"]]
    if len(combinations) != 1:
        counts = " x ".join(f"{len(chosen[axis])} {axis}" for axis in NetworkSweep.AXES)
        raise InputError(f"{result.path}: --portrait draws one (beta, gamma, epsilon), the selection has "
                         f"{len(combinations)} ({counts}): choose one with --beta-index, --gamma-index, "
                         "--epsilon-index")
    i_beta, i_gamma, i_epsilon = combinations[0]
    samples = result.dataset("/points/samples", "replica 0's m^o_se samples")
    reference_samples = result.dataset("/network/reference/samples", "the mean-field reference's samples")
    for name, dataset in (("/points/samples", samples), ("/network/reference/samples", reference_samples)):
        if dataset.ndim != 3 or dataset.shape[0] != network.count:
            raise InputError(f"{result.path}: {name} has shape {dataset.shape}, expected [{network.count}][S][M]")
    features = samples.shape[2]
    if reference_samples.shape[2] != features:
        raise InputError(f"{result.path}: /network/reference/samples has {reference_samples.shape[2]} features, "
                         f"/points/samples {features}")
    x_feature, y_feature = args.features if args.features is not None else (0, 1)
    for feature in (x_feature, y_feature):
        check_feature(result, "/points/samples", feature, features, option="--features")
    columns = [x_feature, y_feature]

    i_sizes = np.argsort(network.sizes, kind="stable")
    points = network.point(i_beta, i_gamma, i_epsilon, i_sizes)
    done = network.status[points] == 1
    if not done.any():
        raise InputError(f"{result.path}: none of the {len(points)} points in the selection is done "
                         "(/points/status); nothing to draw")
    status_names = {0: "pending", 2: "failed"}
    status_names.update(network.code_names("/points/status"))

    def read(dataset, point):
        rows = finite_rows(np.asarray(dataset[int(point)], dtype=float)[:, columns])
        return rows

    # The reference is the mean-field map at this (beta, gamma, epsilon), the same at every N: that of the
    # first done point that recorded one.
    reference = np.empty((0, 2))
    reference_point = None
    for point in list(points[done]) + list(points[~done]):
        rows = read(reference_samples, point)
        if len(rows):
            reference, reference_point = rows, int(point)
            break
    ref_table = result.regimes("/network/reference/regime")
    ref_name, period = None, 0
    if reference_point is not None:
        code = int(network.per_point("/network/reference/regime")[reference_point])
        ref_name = ref_table.get(code, (f"regime {code}", None))[0]
        if result.has("/network/reference/period"):
            period = int(network.per_point("/network/reference/period")[reference_point])
    else:
        warn("no point of the selection recorded the mean-field reference's samples (/network/reference/samples); "
             "drawing the network alone")
    orbit = None
    if ref_name in ORBIT_REGIMES and len(reference):
        count = period if period > 0 else (1 if ref_name == "fixed point" else 0)
        if count > 0:
            orbit = reference[-min(count, len(reference)):]

    dots = {}
    for point in points[done]:
        dots[int(point)] = read(samples, point)[-PORTRAIT_DOTS:]
    limits = portrait_limits(reference, list(dots.values()))
    mean, _, _ = replica_statistics(network.distance, network.recognised)

    panels = len(points)
    n_columns = min(PORTRAIT_COLUMNS, panels)
    n_rows = -(-panels // n_columns)
    # The legend goes into the first unused slot of the grid, or into a row of its own below it.
    spare = panels < n_rows * n_columns
    if isinstance(args.size, DefaultSize):
        args.size = [PORTRAIT_PANEL[0] * n_columns + 0.6, PORTRAIT_PANEL[1] * n_rows + 1.1 + (0 if spare else 0.4)]
        check_size(args)
    figure = new_figure(args)
    layout = figure.add_gridspec(n_rows + (0 if spare else 1), n_columns,
                                 height_ratios=[1.0] * n_rows + ([] if spare else [0.12]))
    grid = [[None] * n_columns for _ in range(n_rows)]
    for k in range(panels):
        first = grid[0][0]
        grid[k // n_columns][k % n_columns] = figure.add_subplot(layout[k // n_columns, k % n_columns],
                                                                 sharex=first, sharey=first)
    legend_axes = figure.add_subplot(layout[n_rows - 1, n_columns - 1] if spare else layout[n_rows, :])
    legend_axes.set_axis_off()
    regimes = network.regimes
    cloud = reference[-PORTRAIT_DOTS:]
    present = set()
    for k, (point, i_size) in enumerate(zip(points, i_sizes)):
        axes = grid[k // n_columns][k % n_columns]
        point = int(point)
        size_text = f"N = {short_number(int(network.sizes[i_size]))}"
        if network.status[point] != 1:
            state = status_names.get(int(network.status[point]), f"status {int(network.status[point])}")
            axes.set_title(size_text, fontsize="small", color="0.4")
            axes.text(0.5, 0.5, state, transform=axes.transAxes, ha="center", va="center", color="0.45",
                      fontsize="medium", style="italic")
            continue
        code = int(network.regime[point])
        if code not in regimes:
            code = undetermined_code(regimes)
        name, colour = regimes[code]
        present.add(code)
        if orbit is None and len(cloud):
            axes.scatter(cloud[:, 0], cloud[:, 1], s=1.0, color="0.78", alpha=0.5, linewidths=0, rasterized=True,
                         zorder=1)
        rows = dots[point]
        if len(rows):
            # Fewer samples, larger and more opaque dots.
            alpha = float(np.clip(400.0 / len(rows), 0.06, 0.6))
            area = float(np.clip(1500.0 / len(rows), 1.5, 6.0))
            axes.scatter(rows[:, 0], rows[:, 1], s=area, color=colour, alpha=alpha, linewidths=0, rasterized=True,
                         zorder=2)
        else:
            axes.text(0.5, 0.5, "no samples", transform=axes.transAxes, ha="center", va="center", color="0.45")
        if orbit is not None:
            axes.scatter(orbit[:, 0], orbit[:, 1], s=55, facecolors="none", edgecolors="black", linewidths=1.1,
                         zorder=3)
        distance = mean[point]
        distance_text = f"d = {short_number(distance, 2)}" if np.isfinite(distance) else "no distance"
        axes.set_title(f"{size_text}, {distance_text}\n{name}", fontsize="small", color=colour)
    axes = grid[0][0]
    axes.set_xlim(*limits[0])
    axes.set_ylim(*limits[1])
    for k in range(panels):
        axes = grid[k // n_columns][k % n_columns]
        left, bottom = k % n_columns == 0, k + n_columns >= panels
        axes.tick_params(labelsize="x-small", labelleft=left, labelbottom=bottom)
        axes.grid(color="0.92", linewidth=0.5, zorder=0)
        if left:
            axes.set_ylabel(feature_label("mo_se", y_feature))
        if bottom:
            axes.set_xlabel(feature_label("mo_se", x_feature))

    handles = [Line2D([], [], linestyle="none", marker="o", markersize=4, color=regimes[c][1],
                      label=f"replica 0, {regimes[c][0]}") for c in sorted(present, key=lambda c: (c < 0, abs(c)))]
    if orbit is not None:
        points_text = "the fixed point" if len(orbit) == 1 else f"the {len(orbit)} points of the mean-field orbit"
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=7, markerfacecolor="none",
                              markeredgecolor="black", label=points_text))
    elif len(cloud):
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=5, color="0.78",
                              label="the mean-field reference's samples"))
    legend_axes.legend(handles=handles, loc="center", ncol=1 if spare else min(len(handles), 4), fontsize="small",
                       frameon=False, handletextpad=0.3, columnspacing=1.2, borderaxespad=0.0)

    if args.title is not None:
        title = args.title
    else:
        parameters = f"β = {number(network.values['beta'][i_beta])} (γ = {number(network.values['gamma'][i_gamma])}, " \
            f"ε = {number(network.values['epsilon'][i_epsilon])})"
        if ref_name is None:
            described = "no mean-field reference recorded"
        else:
            described = f"mean-field reference {ref_name}"
            if period > 0:
                described += f", period {period}"
        title = f"Phase portraits of the finite network against N: {parameters}, {described}"
        replicas = network.replicas if network.replicas is not None else network.distance.shape[1]
        details = ", ".join(part for part in (result.describe(), f"replica 0 of R = {replicas}",
                                              "d: the mean distance over the replicas") if part)
        title += "\n" + details
    figure.suptitle(title, fontsize="medium")
    return figure

