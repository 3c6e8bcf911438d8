"""The figures of a sweep with several starts per point (init.starts > 1) or with continuation chains
(sweep.mode = continuation), docs/attractors.md: the coexisting attractors and the hysteresis."""

import h5py
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ._common import (AXIS_SYMBOL, PROG, Grid, InputError, ResultFile, check_feature, edges_of, feature_label, mpl,
                      new_figure, number, read_blocks, regime_runs, warn)
from ._options import add_common, add_grid_slice, non_negative_int, positive_float, positive_int

# Colours of the attractor labels within a point (0, 1, 2, ...): qualitative, and apart from the
# regime colours so that a label is never read as a regime.
LABEL_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]
# The continuation chains: the names of their values of /starts/origin (its attributes codes and names;
# the codes of docs/file-format.md for a file without them) and their colours.
CHAIN_ORIGINS = {"up": ("up chain", 2), "down": ("down chain", 3)}
CHAIN_COLOURS = {"up": "#0072b2", "down": "#d55e00"}
# Where the up and the down chain end on different attractors.
HYSTERESIS_COLOUR = "#fdd49e"
# The vertical resolution to which an attractor's samples are thinned before drawing: more distinct
# values than this only repaint the same pixels.
DISTINCT_VALUES = 2000


def add_parsers(sub):
    add_attractors_parser(sub)
    add_continuation_parser(sub)


def add_attractors_parser(sub):
    p = sub.add_parser(
        "attractors", help="coexisting attractors against beta (a sweep with init.starts > 1 or a continuation)",
        description="The attractors a multistart sweep found at each value of the swept parameter (beta). "
        "Top: the samples of m^o_se[FEATURE] of every attractor of each point (/attractors/samples, the "
        "representative start's), coloured by the attractor's rank within its point by basin size (0 is "
        "the attractor most starts reached, so that it keeps its colour along beta), with marker area growing with its basin "
        "fraction (the share of the K starts that reached it). Bottom: how many attractors each point has. "
        "Only points with status 1 (done) are drawn. Exits with status 2 when the file has no /attractors "
        "(a sweep with one start per point).")
    p.add_argument("file", metavar="SWEEP.h5", help="a file written by `attnmf sweep` with init.starts > 1 or "
                   "sweep.mode = continuation")
    add_attractor_samples_options(p, " of an attractor that every start reached")
    add_grid_slice(p, "the attractors of the other points are never read")
    add_common(p, (10.0, 7.0))


def add_continuation_parser(sub):
    p = sub.add_parser(
        "continuation", help="hysteresis: the up and the down continuation chain against beta",
        description="The hysteresis figure of a sweep run with sweep.mode = continuation, where each beta "
        "starts from its neighbour's final window. Top: the samples of m^o_se[FEATURE] of the attractor "
        "each chain's start reached (/starts/origin 2 = up chain, 3 = down chain; /starts/attractor; "
        "/attractors/samples), the two chains overlaid in two colours, the down chain drawn a quarter of a "
        "beta step to the right and translucent so that both show where they agree. Bottom: the largest "
        "Lyapunov exponent of each chain's start (/starts/lyapunov[:, start, 0]) with the line at zero. "
        "Shaded: the betas where the two chains ended on different attractors. A file with one chain "
        "draws that one and says so. Exits with status 2 for a file that is not a continuation.")
    p.add_argument("file", metavar="SWEEP.h5", help="a file written by `attnmf sweep` with "
                   "sweep.mode = continuation")
    add_attractor_samples_options(p)
    p.add_argument("--range", "--beta-range", dest="range", nargs=2, type=float, metavar=("LO", "HI"),
                   help="zoom on LO <= beta <= HI; only those points are read")
    for axis in ("gamma", "epsilon"):
        p.add_argument(f"--{axis}-index", type=non_negative_int, default=0, metavar="I",
                       help=f"on a grid with several {axis} values, the index of the {axis} whose chains to "
                       "show (default 0)")
    # The chains run along beta.
    p.set_defaults(parameter="beta", beta_index=0)
    add_common(p, (10.0, 7.0))


def add_attractor_samples_options(p, marker_what=""):
    p.add_argument("--feature", type=non_negative_int, default=0,
                   help="which component of m^o_se to plot (default %(default)s: m^o_se,0 as in the paper)")
    p.add_argument("--y-range", nargs=2, type=float, metavar=("LO", "HI"),
                   help="value range of the vertical axis of the top panel (default: the values drawn)")
    p.add_argument("--marker-size", type=positive_float,
                   help=f"diameter in points of the markers{marker_what} (default 4 up to 100 parameter "
                   "values, 2 up to 400, else 1.2)")
    p.add_argument("--chunk", type=positive_int, default=64,
                   help="attractors read from the file at a time (default %(default)s)")


class Attractors:
    """/attractors of a sweep file: one row per attractor, ordered by point and then by label."""

    def __init__(self, result):
        self.result = result
        group = result.h5.get("attractors")
        if not isinstance(group, h5py.Group):
            raise InputError(f"{result.path}: no /attractors: the sweep ran one start per point; run it with "
                             "init.starts > 1 or sweep.mode = continuation")
        self.point = np.asarray(result.dataset("/attractors/point")[()]).astype(np.int64).ravel()
        self.label = np.asarray(result.dataset("/attractors/label")[()]).astype(np.int64).ravel()
        self.basin_fraction = np.asarray(result.dataset("/attractors/basin_fraction")[()], dtype=float).ravel()
        self.count = len(self.point)
        for name in ("label", "basin_fraction"):
            if len(getattr(self, name)) != self.count:
                raise InputError(f"{result.path}: /attractors/{name} has {len(getattr(self, name))} entries, "
                                 f"/attractors/point {self.count}")
        self.samples = result.dataset("/attractors/samples", "the samples of each attractor's representative start")
        if self.samples.ndim != 3 or self.samples.shape[0] != self.count:
            raise InputError(f"{result.path}: /attractors/samples should be [{self.count}][S][M], has shape "
                             f"{self.samples.shape}")
        self.starts = None  # K
        if "starts" in result.h5:
            group = result.h5["starts"]
            if "starts" in group.attrs:
                self.starts = int(np.asarray(group.attrs["starts"]).ravel()[0])
            elif "attractor" in group:
                self.starts = int(group["attractor"].shape[1])

    def distinct_samples(self, rows, feature, chunk):
        """{row: the distinct finite values of m^o_se[feature] of that attractor, thinned to
        DISTINCT_VALUES}, reading `chunk` rows at a time."""
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        values = {}
        if len(rows) == 0:
            return values
        for positions, block in read_blocks(self.samples, rows, chunk, select=(slice(None), feature)):
            block = block.reshape(len(positions), -1)
            for position, series in zip(positions, block):
                values[int(rows[position])] = thin_values(series)
        return values


def thin_values(series, resolution=DISTINCT_VALUES):
    """The distinct finite values of a series; more than `resolution` of them are merged onto
    `resolution` + 1 equally spaced levels across their own span."""
    series = np.asarray(series, dtype=float)
    distinct = np.unique(series[np.isfinite(series)])
    if len(distinct) > resolution:
        low, high = distinct[0], distinct[-1]
        levels = np.unique(np.round((distinct - low) * (resolution / (high - low))))
        distinct = low + levels * ((high - low) / resolution)
    return distinct


def attractor_rows(attractor_point, points):
    """The rows of /attractors that belong to each of `points` (a list of arrays, in label order since
    the rows are ordered by point and then by label)."""
    attractor_point = np.asarray(attractor_point, dtype=np.int64)
    order = np.argsort(attractor_point, kind="stable")
    sorted_points = attractor_point[order]
    first = np.searchsorted(sorted_points, points, side="left")
    last = np.searchsorted(sorted_points, points, side="right")
    return [order[a:b] for a, b in zip(first, last)]


def attractor_counts(attractor_point, points):
    """How many attractors each of `points` has in /attractors."""
    return np.array([len(rows) for rows in attractor_rows(attractor_point, points)], dtype=np.int64)


def chain_starts(origin, points, code):
    """For each of `points`, the first start whose /starts/origin is `code` (a chain's start), −1 where
    the point has none."""
    hits = np.asarray(origin)[points] == code
    return np.where(hits.any(axis=1), hits.argmax(axis=1), -1)


def chain_attractors(attractor, status, points, starts):
    """The /attractors row each chain start reached, −1 where there is no start or it is not done."""
    rows = np.full(len(points), -1, dtype=np.int64)
    have = starts >= 0
    p, j = np.asarray(points)[have], starts[have]
    rows[have] = np.where(np.asarray(status)[p, j] == 1, np.asarray(attractor)[p, j], -1)
    return rows


def hysteresis_mask(up_rows, down_rows):
    """Where both chains reached an attractor and not the same one (the rows of one point are distinct
    attractors by the grouping rule, docs/attractors.md)."""
    up_rows, down_rows = np.asarray(up_rows), np.asarray(down_rows)
    return (up_rows >= 0) & (down_rows >= 0) & (up_rows != down_rows)


def true_runs(values, mask):
    """(low, high) intervals, bounded halfway between sorted values, of the runs where `mask` holds."""
    return [(low, high) for low, high, flag in regime_runs(values, np.asarray(mask, dtype=bool)) if flag]


def label_colour(label):
    return LABEL_COLOURS[int(label) % len(LABEL_COLOURS)]


def default_marker_size(args, columns):
    return args.marker_size or (4.0 if columns <= 100 else 2.0 if columns <= 400 else 1.2)


def set_value_range(axes, args, ys):
    if args.y_range is not None:
        low, high = sorted(args.y_range)
        if not high > low:
            raise InputError("--y-range needs LO < HI")
    else:
        finite = [y for y in ys if len(y)]
        if not finite:
            return
        low = min(float(y.min()) for y in finite)
        high = max(float(y.max()) for y in finite)
        margin = 0.04 * (high - low) or 0.05 * max(abs(low), 1e-3)
        low, high = low - margin, high + margin
    axes.set_ylim(low, high)


def selected_done(result, grid, args):
    """The slice's (parameter, values, points, fixed), keeping the done points; warns about the others."""
    parameter, values, points, fixed = grid.line(args)
    done = grid.status[points] == 1
    if not done.any():
        raise InputError(f"{result.path}: none of the {len(points)} points in the selection is done "
                         f"(/points/status); nothing to draw")
    skipped = int(np.count_nonzero(~done))
    if skipped:
        warn(f"{skipped} of {len(points)} points in the selection are not done (/points/status) and are left out")
    return parameter, values[done], points[done], fixed


def plot_attractors(args):
    result = ResultFile(args.file)
    result.require_kind("sweep", "attractors")
    attractors = Attractors(result)
    grid = Grid(result)
    check_feature(result, "/attractors/samples", args.feature, attractors.samples.shape[2])
    parameter, values, points, fixed = selected_done(result, grid, args)
    rows = attractor_rows(attractors.point, points)
    counts = np.array([len(r) for r in rows], dtype=np.int64)
    if result.has("/points/attractor_count"):
        stored = np.asarray(result.h5["/points/attractor_count"][()]).astype(np.int64)[points]
        differ = int(np.count_nonzero(stored != counts))
        if differ:
            warn(f"at {differ} point(s) /points/attractor_count differs from the rows of /attractors; the figure "
                 "counts the rows")
    samples = attractors.distinct_samples(np.concatenate(rows) if rows else [], args.feature, args.chunk)

    figure = new_figure(args)
    top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (3.0, 1.0)})
    diameter = default_marker_size(args, len(values))
    xs, ys, sizes = {}, {}, {}
    for x, point_rows in zip(values, rows):
        # Coloured by the rank of the basin within its point (the largest first), so that the
        # dominant attractor keeps its colour along beta whichever start reached it first.
        ranked = sorted(point_rows, key=lambda r: (-float(attractors.basin_fraction[r]), int(attractors.label[r])))
        for label, row in enumerate(ranked):
            y = samples[int(row)]
            fraction = float(np.clip(attractors.basin_fraction[row], 0.0, 1.0))
            xs.setdefault(label, []).append(np.full(y.shape, x))
            ys.setdefault(label, []).append(y)
            sizes.setdefault(label, []).append(np.full(y.shape, basin_marker_area(diameter, fraction)))
    for label in sorted(xs):
        top.scatter(np.concatenate(xs[label]), np.concatenate(ys[label]), s=np.concatenate(sizes[label]),
                    color=label_colour(label), marker="o", linewidths=0, rasterized=True, zorder=2 + label)
    set_value_range(top, args, [np.concatenate(y) for y in ys.values()])
    top.set_ylabel(feature_label("mo_se", args.feature))
    top.tick_params(labelbottom=False)
    legend = dict(fontsize="small", title_fontsize="small", frameon=False, borderaxespad=0.2, handletextpad=0.1,
                  columnspacing=1.0)
    handles = [Line2D([], [], linestyle="none", marker="o", markersize=6, markeredgewidth=0,
                      color=label_colour(label), label=str(label)) for label in sorted(xs)]
    labels = top.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(handles),
                        title="attractor of the point, by basin size (0: the largest)", **legend)
    top.add_artist(labels)
    handles = [Line2D([], [], linestyle="none", marker="o", markeredgewidth=0, color="0.35",
                      markersize=np.sqrt(basin_marker_area(6.0, f)), label=f"{f:g}") for f in (1.0, 0.5, 0.25)]
    top.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(handles),
               title="basin fraction (share of the starts)", **legend)

    bottom.step(values, counts, where="mid", color="black", linewidth=1.0)
    bottom.plot(values, counts, linestyle="none", marker="o", markersize=2.5 if len(values) <= 200 else 0.0,
                color="black")
    bottom.set_ylim(0, max(int(counts.max()), 1) + 0.6)
    bottom.yaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True, min_n_ticks=1))
    bottom.set_ylabel("attractors")
    bottom.set_xlabel(AXIS_SYMBOL[parameter])
    bottom.set_xlim(*edges_of(values)[[0, -1]])
    bottom.grid(axis="y", color="0.85", linewidth=0.6)

    if args.title is not None:
        title = args.title
    else:
        symbol = AXIS_SYMBOL[parameter]
        several = int(np.count_nonzero(counts > 1))
        title = (f"Attractors of $m^o_{{\\mathrm{{se}},{args.feature}}}$ against {symbol} "
                 f"∈ [{number(values[0])}, {number(values[-1])}]")
        starts = f"K = {attractors.starts} starts per point" if attractors.starts else "several starts per point"
        details = ", ".join(part for part in (grid.fixed_text(fixed), result.describe()) if part)
        details += f"; {starts}; {several} of {len(values)} points with more than one attractor"
        title += "\n" + details.lstrip("; ")
    figure.suptitle(title, fontsize="medium")
    return figure


def basin_marker_area(diameter, fraction):
    """Marker area in points²: that of `diameter` for a basin of every start, growing linearly from 15 % of
    it, so that an attractor one start in many reached still shows."""
    return diameter ** 2 * (0.15 + 0.85 * fraction)


class Chains:
    """The up and the down chain of a continuation file along the selected line of betas."""

    def __init__(self, result, points):
        self.result = result
        mode = result.config("sweep.mode")
        if mode != "continuation":
            what = (f"sweep.mode = {mode}" if mode is not None
                    else "no sweep.mode attribute (a sweep from before continuations)")
            raise InputError(f"{result.path}: {what}, not a continuation; `{PROG} continuation` needs a sweep "
                             f"run with sweep.mode = continuation (`{PROG} attractors` draws the attractors "
                             "of a multistart sweep)")
        origin_dataset = result.dataset("/starts/origin", "which start belongs to which chain")
        origin = np.asarray(origin_dataset[()]).astype(int)
        codes = {name: code for code, name in result.code_names("/starts/origin").items()}
        attractor = np.asarray(result.dataset("/starts/attractor")[()]).astype(np.int64)
        status = np.asarray(result.dataset("/starts/status")[()]).astype(int)
        for name, data in (("attractor", attractor), ("status", status)):
            if data.shape != origin.shape:
                raise InputError(f"{result.path}: /starts/{name} has shape {data.shape}, /starts/origin "
                                 f"{origin.shape}")
        self.lyapunov = None
        if result.has("/starts/lyapunov"):
            exponents = result.h5["/starts/lyapunov"]
            if exponents.ndim == 3 and exponents.shape[:2] == origin.shape and exponents.shape[2] > 0:
                self.lyapunov = np.asarray(exponents[:, :, 0], dtype=float)
        self.direction = result.config("continuation.direction")
        self.starts, self.rows = {}, {}
        self.codes = {}
        for name, (label, default) in CHAIN_ORIGINS.items():
            code = self.codes[name] = codes.get(label, default)
            starts = chain_starts(origin, points, code)
            if (starts >= 0).any():
                self.starts[name] = starts
                self.rows[name] = chain_attractors(attractor, status, points, starts)
        if not self.starts:
            raise InputError(f"{result.path}: no start in the selection belongs to a chain (/starts/origin "
                             f"{self.codes['up']} up chain or {self.codes['down']} down chain)")

    def exponent(self, name, points):
        """λ₁ of the chain's start at each point (NaN where there is none or it is not done)."""
        starts, rows = self.starts[name], self.rows[name]
        values = np.full(len(points), np.nan)
        have = rows >= 0
        values[have] = self.lyapunov[np.asarray(points)[have], starts[have]]
        return values


def plot_continuation(args):
    result = ResultFile(args.file)
    result.require_kind("sweep", "continuation")
    grid = Grid(result)
    parameter, values, points, fixed = grid.line(args)
    chains = Chains(result, points)
    attractors = Attractors(result)
    check_feature(result, "/attractors/samples", args.feature, attractors.samples.shape[2])
    for name, rows in chains.rows.items():
        reached = rows >= 0
        if (rows >= attractors.count).any() or (attractors.point[rows[reached]] != points[reached]).any():
            raise InputError(f"{result.path}: /starts/attractor of the {name} chain names rows of /attractors "
                             "that belong to other points")
    if not any((rows >= 0).any() for rows in chains.rows.values()):
        raise InputError(f"{result.path}: no chain start in the selection is done (/starts/status); nothing "
                         "to draw")
    names = [name for name in ("up", "down") if name in chains.rows]
    wanted = np.concatenate([chains.rows[name][chains.rows[name] >= 0] for name in names])
    samples = attractors.distinct_samples(wanted, args.feature, args.chunk)
    differ = (hysteresis_mask(chains.rows["up"], chains.rows["down"]) if len(names) == 2
              else np.zeros(len(points), dtype=bool))
    bands = true_runs(values, differ)

    figure = new_figure(args)
    top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (3.0, 1.4)})
    for axes in (top, bottom):
        for low, high in bands:
            axes.axvspan(low, high, facecolor=HYSTERESIS_COLOUR, alpha=0.6, linewidth=0, zorder=0)
    diameter = default_marker_size(args, len(values))
    step = float(np.median(np.diff(values))) if len(values) > 1 else 0.0
    offsets = {"up": 0.0, "down": 0.25 * step}
    arrows = {"up": "β increasing", "down": "β decreasing"}
    handles, drawn = [], []
    for name in names:
        rows = chains.rows[name]
        xs = [np.full(samples[int(r)].shape, x + offsets[name]) for x, r in zip(values, rows) if r >= 0]
        ys = [samples[int(r)] for r in rows if r >= 0]
        alpha = 1.0 if name == "up" or len(names) == 1 else 0.6
        top.plot(np.concatenate(xs), np.concatenate(ys), linestyle="none", marker="o", markersize=diameter,
                 markeredgewidth=0, color=CHAIN_COLOURS[name], alpha=alpha, rasterized=True,
                 zorder=2 if name == "up" else 3)
        drawn.extend(ys)
        shifted = " (drawn ¼ step to the right)" if name == "down" and len(names) == 2 and step else ""
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=6, markeredgewidth=0,
                              color=CHAIN_COLOURS[name], alpha=alpha,
                              label=f"{name} chain, {arrows[name]}{shifted}"))
    if bands:
        handles.append(Patch(facecolor=HYSTERESIS_COLOUR, alpha=0.6, label="the chains on different attractors"))
    set_value_range(top, args, drawn)
    top.set_ylabel(feature_label("mo_se", args.feature))
    top.tick_params(labelbottom=False)
    top.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(handles),
               fontsize="small", frameon=False, borderaxespad=0.2, handletextpad=0.1, columnspacing=1.2)

    if chains.lyapunov is None:
        bottom.text(0.5, 0.5, "no Lyapunov exponents in the file (/starts/lyapunov; analysis.lyapunov = 0)",
                    ha="center", va="center", transform=bottom.transAxes, fontsize="small")
        bottom.tick_params(left=False, labelleft=False)
    else:
        bottom.axhline(0.0, color="black", linewidth=0.8, linestyle="--", zorder=1)
        for name in names:
            exponent = chains.exponent(name, points)
            bottom.plot(values + offsets[name], exponent, color=CHAIN_COLOURS[name], linewidth=0.9,
                        marker="o", markersize=2.5 if len(values) <= 200 else 0.0, markeredgewidth=0,
                        alpha=1.0 if name == "up" else 0.8, label=f"{name} chain", zorder=2)
    bottom.set_ylabel("$\\lambda_1$ (per step)")
    bottom.set_xlabel(AXIS_SYMBOL[parameter])
    bottom.set_xlim(*edges_of(values)[[0, -1]])

    if args.title is not None:
        title = args.title
    else:
        title = (f"Continuation of $m^o_{{\\mathrm{{se}},{args.feature}}}$ in β ∈ [{number(values[0])}, "
                 f"{number(values[-1])}]")
        if len(names) == 2:
            title += ": the up and the down chain"
        else:
            given = f"continuation.direction = {chains.direction}" if chains.direction else "one direction"
            title += f": the {names[0]} chain only ({given})"
        details = ", ".join(part for part in (grid.fixed_text(fixed), result.describe()) if part)
        start = result.config("continuation.from")
        if start is not None:
            details += f"; continuation.from = {start}"
        if len(names) == 2:
            details += f"; different attractors at {int(np.count_nonzero(differ))} of {len(values)} values of β"
        title += "\n" + details.lstrip("; ")
    figure.suptitle(title, fontsize="medium")
    return figure

