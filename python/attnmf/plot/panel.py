"""The paper's Fig. 4: the phase planes of several β side by side, from trajectory files (one panel
each) or from the samples of a sweep (one panel per chosen β)."""

import numpy as np

from ._common import (AXIS_SYMBOL, QUANTITIES, DefaultSize, Grid, InputError, ResultFile, check_feature, check_size,
                      feature_label, new_figure, number, undetermined_code)
from ._options import add_common, non_negative_int, positive_int
from .trajectories import marker_look, trajectory_regime

# At most this many panels in one figure, at most PANEL_COLUMNS a row by default, each PANEL_SIZE inches.
MAX_PANELS = 12
PANEL_COLUMNS = 3
PANEL_SIZE = (3.6, 3.3)
# The latest recorded steps of a trajectory drawn at most, by default.
PANEL_POINTS = 200000


def add_parsers(sub):
    p = sub.add_parser(
        "panel", help="the paper's Fig. 4: phase planes of several beta side by side",
        description="The phase planes of several values of beta side by side, as in the paper's Fig. 4 (m^o_se,0 "
        "against m^o_se,1 at beta = 1.255, 1.26405, 1.266, 1.27, 1.28 and 1.4): from trajectory files, one panel "
        "each in the order given, the latest --points recorded steps of --quantity; or from one sweep file, one "
        "panel per chosen beta, its /points/samples (m^o_se). Each panel's dots and title take the colour of its "
        "regime; the title gives beta, the regime (with its period) and the largest Lyapunov exponent.")
    p.add_argument("files", nargs="+", metavar="FILE.h5",
                   help="trajectory files written by `attnmf trajectory`, or one sweep file written by `attnmf sweep`")
    p.add_argument("--quantity", choices=sorted(QUANTITIES), default="mo_se",
                   help="the mean field of trajectory files to show (default %(default)s, as in the paper; a sweep "
                   "records m^o_se alone)")
    p.add_argument("--x-feature", type=non_negative_int, default=0, help="feature on the x axes (default %(default)s)")
    p.add_argument("--y-feature", type=non_negative_int, default=1, help="feature on the y axes (default %(default)s)")
    p.add_argument("--points", type=positive_int, default=PANEL_POINTS,
                   help="at most this many of the latest recorded steps of a trajectory (default %(default)s)")
    p.add_argument("--beta", type=float, nargs="+", metavar="B",
                   help="a sweep file: the values of beta to show, each the grid's nearest (default: every beta of "
                   f"the grid, at most {MAX_PANELS})")
    for axis in ("gamma", "epsilon"):
        p.add_argument(f"--{axis}-index", type=non_negative_int, default=0, metavar="I",
                       help=f"a sweep file on a grid with several {axis} values: the index of the {axis} (default 0)")
    p.add_argument("--columns", type=positive_int,
                   help=f"panels a row (default: up to {PANEL_COLUMNS})")
    p.add_argument("--share", action="store_true", help="give every panel the same axes (default: each its own)")
    add_common(p, (PANEL_SIZE[0] * PANEL_COLUMNS + 0.4, PANEL_SIZE[1] * 2 + 0.9),
               size_note=f"; by default {PANEL_SIZE[0]:g} x {PANEL_SIZE[1]:g} per panel")


def trajectory_panels(results, args):
    """A panel per trajectory file: the latest --points steps of --quantity."""
    panels = []
    name = f"/trajectory/{args.quantity}"
    for result in results:
        data = result.dataset(name, f"--quantity {args.quantity}")
        if data.ndim != 2 or data.shape[0] < 1:
            raise InputError(f"{result.path}: {name} should be [steps][M], has shape {data.shape}")
        for option, feature in (("--x-feature", args.x_feature), ("--y-feature", args.y_feature)):
            check_feature(result, name, feature, data.shape[1], option)
        start = max(0, data.shape[0] - args.points)
        columns = sorted({args.x_feature, args.y_feature})  # h5py reads listed columns in increasing order
        block = np.asarray(data[start:, columns], dtype=float)
        points = block[:, [columns.index(args.x_feature), columns.index(args.y_feature)]]
        panel = {"beta": result.config("model.beta"), "points": points, "regime": None, "period": 0,
                 "lambda": None, "state": None, "result": result}
        regime = trajectory_regime(result)
        if regime is not None:
            code, _, panel["period"] = regime
            table = result.regimes("/analysis/regime")
            panel["regime"] = table.get(code, table[undetermined_code(table)])
        if result.has("/analysis/lyapunov"):
            exponents = np.asarray(result.h5["/analysis/lyapunov"][()], dtype=float).ravel()
            if len(exponents) and np.isfinite(exponents[0]):
                panel["lambda"] = float(exponents[0])
        panels.append(panel)
    return panels


def sweep_panels(result, args):
    """A panel per chosen beta of a sweep file: that point's /points/samples."""
    if args.quantity != "mo_se":
        raise InputError(f"--quantity {args.quantity}: a sweep file records m^o_se alone (/points/samples); give "
                         "trajectory files for other mean fields")
    grid = Grid(result)
    fixed = {"gamma": args.gamma_index, "epsilon": args.epsilon_index}
    for axis, index in fixed.items():
        grid.check_index(axis, index)
    betas = grid.values["beta"]
    if args.beta is None:
        if len(betas) > MAX_PANELS:
            raise InputError(f"{result.path} has {len(betas)} values of beta; at most {MAX_PANELS} panels fit in "
                             "one figure: choose them with --beta B [B ...]")
        chosen = list(np.argsort(betas, kind="stable"))
    else:
        if len(args.beta) > MAX_PANELS:
            raise InputError(f"--beta: {len(args.beta)} values; at most {MAX_PANELS} panels fit in one figure")
        chosen = [int(np.argmin(np.abs(betas - b))) for b in args.beta]
    samples = result.dataset("/points/samples", "the recorded m^o_se values of each point")
    if samples.ndim != 3:
        raise InputError(f"{result.path}: /points/samples should be [points][samples][M], has shape {samples.shape}")
    for option, feature in (("--x-feature", args.x_feature), ("--y-feature", args.y_feature)):
        check_feature(result, "/points/samples", feature, samples.shape[2], option)
    regime = np.asarray(result.dataset("/points/regime")[()]).astype(int)
    regimes = result.regimes("/points/regime")
    period = np.asarray(result.h5["/points/period"][()]).astype(int) if result.has("/points/period") else None
    lyapunov = result.h5["/points/lyapunov"] if result.has("/points/lyapunov") else None
    states = {0: "pending", 2: "failed"}
    states.update(result.code_names("/points/status"))
    panels = []
    for i in chosen:
        p = int(grid.point({"beta": i, "gamma": fixed["gamma"], "epsilon": fixed["epsilon"]}))
        panel = {"beta": number(betas[i]), "points": np.empty((0, 2)), "regime": None, "period": 0, "lambda": None,
                 "state": None, "result": result}
        if grid.status[p] != 1:
            panel["state"] = states.get(int(grid.status[p]), f"status {int(grid.status[p])}")
            panels.append(panel)
            continue
        columns = sorted({args.x_feature, args.y_feature})
        block = np.asarray(samples[p, :, columns], dtype=float)
        panel["points"] = block[:, [columns.index(args.x_feature), columns.index(args.y_feature)]]
        code = int(regime[p]) if int(regime[p]) in regimes else undetermined_code(regimes)
        panel["regime"] = regimes[code]
        panel["period"] = int(period[p]) if period is not None else 0
        if lyapunov is not None and lyapunov.ndim == 2 and lyapunov.shape[1] > 0:
            value = float(lyapunov[p, 0])
            panel["lambda"] = value if np.isfinite(value) else None
        panels.append(panel)
    return panels, {axis: grid.values[axis][index] for axis, index in fixed.items()}


def plot_panel(args):
    results = [ResultFile(path) for path in args.files]
    kinds = [result.kind() for result in results]
    fixed = {}
    if kinds == ["sweep"]:
        panels, fixed = sweep_panels(results[0], args)
        source = f"/points/samples of {results[0].path}"
    elif all(kind == "trajectory" for kind in kinds):
        if len(results) > MAX_PANELS:
            raise InputError(f"{len(results)} trajectory files; at most {MAX_PANELS} panels fit in one figure")
        panels = trajectory_panels(results, args)
        source = f"{len(results)} trajectory file{'s' if len(results) != 1 else ''}"
    else:
        odd = next((r, k) for r, k in zip(results, kinds) if k != "trajectory")
        what = f"a {odd[1]} file" if odd[1] != "unknown" else "not an attnmf result file"
        raise InputError(f"{odd[0].path}: {what}; `attnmf-plot panel` takes trajectory files written by "
                         "`attnmf trajectory`, or one sweep file written by `attnmf sweep`")

    count = len(panels)
    n_columns = min(args.columns or PANEL_COLUMNS, count)
    n_rows = -(-count // n_columns)
    if isinstance(args.size, DefaultSize):
        args.size = [PANEL_SIZE[0] * n_columns + 0.4, PANEL_SIZE[1] * n_rows + 0.9]
        check_size(args)
    figure = new_figure(args)
    grid = figure.add_gridspec(n_rows, n_columns)
    axes_list = []
    for k, panel in enumerate(panels):
        share = axes_list[0] if args.share and axes_list else None
        axes = figure.add_subplot(grid[k // n_columns, k % n_columns], sharex=share, sharey=share)
        axes_list.append(axes)
        draw_panel(axes, panel)
        if k % n_columns == 0 or not args.share:
            axes.set_ylabel(feature_label(args.quantity, args.y_feature))
        if k + n_columns >= count or not args.share:
            axes.set_xlabel(feature_label(args.quantity, args.x_feature))
        axes.tick_params(labelsize="x-small")
        if args.share:
            axes.tick_params(labelleft=k % n_columns == 0, labelbottom=k + n_columns >= count)
    if args.title is not None:
        title = args.title
    else:
        x, y = feature_label(args.quantity, args.x_feature), feature_label(args.quantity, args.y_feature)
        title = f"Phase planes of {y} against {x} at {count} value{'s' if count != 1 else ''} of β"
        first = results[0]
        details = [first.describe()]
        if fixed:
            details.append(", ".join(f"{AXIS_SYMBOL[axis]} = {number(value)}" for axis, value in fixed.items()))
        else:
            for axis in ("gamma", "epsilon"):
                values = {r.config(f"model.{axis}") for r in results}
                if len(values) == 1 and None not in values:
                    details.append(f"{AXIS_SYMBOL[axis]} = {values.pop()}")
        details.append(source)
        title += "\n" + "; ".join(part for part in details if part)
    figure.suptitle(title, fontsize="medium")
    return figure


def draw_panel(axes, panel):
    """One phase plane: its dots in the colour of its regime, titled by beta, the regime and λ1."""
    lines = [f"β = {panel['beta']}" if panel["beta"] is not None else "β unknown"]
    colour = "black"
    if panel["state"] is not None:
        axes.text(0.5, 0.5, panel["state"], transform=axes.transAxes, ha="center", va="center", color="0.45",
                  style="italic")
        axes.set_title(lines[0], fontsize="small", color="0.4")
        return
    if panel["regime"] is not None:
        name, colour = panel["regime"]
        if name == "periodic" and panel["period"] > 0:
            name += f", period {panel['period']}"
        lines.append(name)
    if panel["lambda"] is not None:
        lines[-1] += f", λ₁ = {panel['lambda']:.2g}".replace("-", "−")
    points = panel["points"]
    finite = points[np.isfinite(points).all(axis=1)]
    if len(finite):
        size, alpha = marker_look(finite)
        axes.plot(finite[:, 0], finite[:, 1], linestyle="none", marker="o", markersize=size, markeredgewidth=0,
                  color=colour, alpha=alpha, rasterized=True)
    else:
        axes.text(0.5, 0.5, "no samples", transform=axes.transAxes, ha="center", va="center", color="0.45")
    axes.set_title("\n".join(lines), fontsize="small", color=colour)
