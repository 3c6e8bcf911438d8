"""The figures of a sweep along one parameter or over two: the bifurcation diagram (the paper's Fig. 3),
the Lyapunov exponents, the phase diagram of the regimes."""

import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm

from ._common import (AXIS_SYMBOL, NOT_DONE, SHADING_ALPHA, Grid, InputError, ResultFile, check_feature, edges_of,
                      exponent_label, exponent_style, feature_label, mpl, new_figure, number, read_blocks,
                      regime_handles, regime_runs, undetermined_code, warn)
from ._options import add_common, add_grid_slice, non_negative_int, positive_float, positive_int


def add_parsers(sub):
    p = sub.add_parser(
        "bifurcation", help="the paper's Fig. 3: samples of m^o_se against beta, Poincare section by regime",
        description="The paper's Fig. 3. For each value of the swept parameter (beta), every recorded sample "
        "of m^o_se[FEATURE] (/points/samples) as a 2-D density (log-scaled counts, greyscale), overlaid "
        "with the Poincare section of that point coloured by its regime (/points/regime). The samples are "
        "read a few points at a time, so a 4001 x 20000 x 3 sweep never sits in memory. Only points with "
        "status 1 (done) are drawn.")
    p.add_argument("file", metavar="SWEEP.h5", help="a file written by `attnmf sweep`")
    p.add_argument("--feature", type=non_negative_int, default=0,
                   help="which component of m^o_se to plot (default %(default)s: m^o_se,0 as in the paper)")
    p.add_argument("--section", choices=("crossings", "near-zero", "none"), default="crossings",
                   help="Poincare points to overlay: 'crossings' (default) = m^o_se interpolated to where "
                   "m^o_se[section_feature] changes sign (/points/crossings); 'near-zero' = the paper's "
                   "steps with |m^o_se[section_feature]| < tolerance (/points/section); 'none'")
    p.add_argument("--bins-y", type=positive_int, default=600,
                   help="vertical bins of the density image (default %(default)s)")
    p.add_argument("--bins-x", type=positive_int,
                   help="horizontal bins (default: one per parameter value, merged when there are more "
                   "values than the plot is wide in pixels)")
    p.add_argument("--y-range", nargs=2, type=float, metavar=("LO", "HI"),
                   help="value range of the vertical axis (default: the range the samples cover)")
    p.add_argument("--marker-size", type=positive_float,
                   help="size in points of the Poincare markers (default 1.5, or 0.7 where there are more "
                   "than 50 section points per column, so the density stays visible)")
    p.add_argument("--chunk", type=positive_int, default=64,
                   help="points read from the file at a time (default %(default)s)")
    add_grid_slice(p, "the rows of /points/samples outside the range are never read")
    add_common(p, (10.0, 6.0))

    p = sub.add_parser(
        "lyapunov", help="the largest Lyapunov exponents against beta, background shaded by regime",
        description="The largest Lyapunov exponents (/points/lyapunov, descending) against the swept "
        "parameter, with the background shaded by regime and a line at zero (largest exponent < 0: "
        "periodic, = 0: quasi-periodic, two = 0 on a surface: 2-torus, > 0: chaotic, two > 0: hyperchaotic). "
        "Exits with status 2, and "
        "draws nothing, when the file holds no exponents.")
    p.add_argument("file", metavar="SWEEP.h5", help="a file written by `attnmf sweep`")
    p.add_argument("--count", type=positive_int,
                   help="how many of the largest exponents to draw (default: all stored)")
    p.add_argument("--y-range", nargs=2, type=float, metavar=("LO", "HI"),
                   help="range of the exponent axis (default: all values drawn)")
    add_grid_slice(p, "the other points are not drawn")
    add_common(p, (10.0, 5.0))

    p = sub.add_parser(
        "phase-diagram", help="regimes over a 2-D grid (beta x gamma or beta x epsilon)",
        description="The regime of every point of a 2-D slice of the grid (/points/regime; pending and "
        "failed points shown as such), as a categorical map with a legend. Periodic cells carry their "
        "period when the grid is at most 30 x 30.")
    p.add_argument("file", metavar="SWEEP.h5", help="a file written by `attnmf sweep`")
    p.add_argument("--x", choices=("beta", "gamma", "epsilon"),
                   help="parameter on the x axis (default: the first of beta, gamma, epsilon with more "
                   "than one value)")
    p.add_argument("--y", choices=("beta", "gamma", "epsilon"),
                   help="parameter on the y axis (default: the next one with more than one value)")
    for axis in ("beta", "gamma", "epsilon"):
        p.add_argument(f"--{axis}-index", type=non_negative_int, default=0, metavar="I",
                       help=f"the index of the {axis} to show when {axis} is on neither axis (default 0)")
    p.add_argument("--no-periods", action="store_true", help="never write the periods in the cells")
    add_common(p, (9.0, 7.0))


def value_bound(result, feature, epsilons):
    """A bound on |m^o_se[feature]|: (1 - eps) * sum_sigma |K^o[sigma][feature]| (docs/model.md §2), or None."""
    if not result.has("/model/tables/o"):
        return None
    table = np.asarray(result.h5["/model/tables/o"][()], dtype=float)
    if table.ndim != 2 or feature >= table.shape[1]:
        return None
    bound = (1.0 - float(np.min(epsilons))) * np.abs(table[:, feature]).sum()
    return bound * 1.001 + 1e-9 if bound > 0 else None


def sample_density(samples, points, column, n_columns, edges, chunk, feature):
    """Counts of the samples of each point falling in each vertical bin, summed per image column."""
    bins = len(edges) - 1
    counts = np.zeros((n_columns, bins), dtype=np.int32)
    outside = 0
    low, high = edges[0], edges[-1]
    for positions, rows in read_blocks(samples, points, chunk, select=(slice(None), feature)):
        rows = rows.reshape(len(positions), -1)
        columns = column[positions]
        unique, inverse = np.unique(columns, return_inverse=True)
        finite = np.isfinite(rows)
        inside = finite & (rows >= low) & (rows <= high)
        outside += int(np.count_nonzero(finite & ~inside))
        y = np.clip(((rows - low) * (bins / (high - low))).astype(np.int64), 0, bins - 1)
        flat = (inverse[:, None] * bins + y)[inside]
        block = np.bincount(flat, minlength=len(unique) * bins).reshape(len(unique), bins)
        counts[unique] += block
    return counts, outside


def plot_bifurcation(args):
    result = ResultFile(args.file)
    result.require_kind("sweep", "bifurcation")
    grid = Grid(result)
    parameter, values, points, fixed = grid.line(args)
    samples = result.dataset("/points/samples", "the recorded m^o_se values")
    if samples.ndim != 3:
        raise InputError(f"{result.path}: /points/samples should be [points][samples][M], has shape "
                         f"{samples.shape}")
    check_feature(result, "/points/samples", args.feature, samples.shape[2])
    regime = np.asarray(result.dataset("/points/regime")[()]).astype(int)
    regimes = result.regimes("/points/regime")

    done = grid.status[points] == 1
    if not done.any():
        raise InputError(f"{result.path}: none of the {len(points)} points in the selection is done "
                         f"(/points/status); nothing to draw")
    skipped = int(np.count_nonzero(~done))
    values, points = values[done], points[done]

    # Image columns: one per parameter value, merged into equal-width columns when there are more values
    # than the axes are wide in pixels.
    width_pixels = int(args.size[0] * args.dpi * 0.8)
    wanted = args.bins_x or min(len(values), max(width_pixels, 1))
    if wanted >= len(values):
        x_edges = edges_of(values)
        column = np.arange(len(values))
    else:
        low, high = values[0], values[-1]
        pad = 0.5 * (high - low) / wanted
        x_edges = np.linspace(low - pad, high + pad, wanted + 1)
        column = np.clip(np.searchsorted(x_edges, values, side="right") - 1, 0, wanted - 1)
    n_columns = len(x_edges) - 1

    epsilons = grid.values["epsilon"] if parameter == "epsilon" else [grid.values["epsilon"][fixed["epsilon"]]]
    if args.y_range is not None:
        y_low, y_high = sorted(args.y_range)
        if not y_high > y_low:
            raise InputError("--y-range needs LO < HI")
        edges = np.linspace(y_low, y_high, args.bins_y + 1)
        counts, _ = sample_density(samples, points, column, n_columns, edges, args.chunk, args.feature)
    else:
        # One pass over a fine grid spanning every value the map can produce, then the image is cut to the
        # values that occur; a second pass only when they span too few fine bins for --bins-y.
        bound = value_bound(result, args.feature, epsilons) or 1.0
        fine = 16384
        edges = np.linspace(-bound, bound, fine + 1)
        counts, outside = sample_density(samples, points, column, n_columns, edges, args.chunk, args.feature)
        if outside:
            bound = None
        occupied = np.nonzero(counts.sum(axis=0))[0]
        if bound is None or len(occupied) == 0:
            raise InputError(f"{result.path}: the samples of the selected points hold values outside the "
                             "expected range or no finite values; give --y-range LO HI")
        first, last = occupied[0], occupied[-1] + 1
        span = last - first
        if span < args.bins_y:
            y_low, y_high = edges[first], edges[last]
            margin = 0.02 * (y_high - y_low) or 1e-6
            edges = np.linspace(y_low - margin, y_high + margin, args.bins_y + 1)
            counts, _ = sample_density(samples, points, column, n_columns, edges, args.chunk, args.feature)
        else:
            factor = -(-span // args.bins_y)
            margin = max(factor, int(0.02 * span))
            first, last = max(0, first - margin), min(fine, last + margin)
            last = first + -(-(last - first) // factor) * factor
            if last > fine:
                pad = np.zeros((n_columns, last - fine), dtype=counts.dtype)
                counts = np.concatenate((counts, pad), axis=1)
                edges = np.concatenate((edges, edges[-1] + (edges[1] - edges[0]) * np.arange(1, last - fine + 1)))
            counts = counts[:, first:last].reshape(n_columns, -1, factor).sum(axis=2)
            edges = edges[first:last + 1:factor]

    figure = new_figure(args)
    axes = figure.add_subplot()
    greys = ListedColormap(mpl.colormaps["Greys"](np.linspace(0.28, 1.0, 256)), name="attnmf_greys")
    greys.set_bad("white")
    density = np.ma.masked_equal(counts.T.astype(float), 0.0)
    peak = max(float(counts.max()), 2.0)
    image = axes.pcolormesh(x_edges, edges, density, cmap=greys, norm=LogNorm(vmin=1.0, vmax=peak),
                            shading="flat", rasterized=True)
    colorbar = figure.colorbar(image, ax=axes, pad=0.01, fraction=0.04)
    colorbar.set_label("samples per bin")

    section_feature = result.config_int("analysis.section_feature", 1)
    present = set()
    if args.section != "none":
        name, count_name = {"crossings": ("/points/crossings", "/points/crossings_count"),
                            "near-zero": ("/points/section", "/points/section_count")}[args.section]
        section = result.dataset(name, "the Poincare section; --section none draws the samples alone")
        check_feature(result, name, args.feature, section.shape[2])
        kept = np.asarray(result.dataset(count_name)[()]).astype(int)
        xs, ys = {}, {}
        for positions, rows in read_blocks(section, points, args.chunk, select=(slice(None), args.feature)):
            for position, row in zip(positions, rows):
                p = points[position]
                row = row[:max(0, kept[p])]
                row = row[np.isfinite(row)]
                if row.size == 0:
                    continue
                code = int(regime[p]) if int(regime[p]) in regimes else undetermined_code(regimes)
                xs.setdefault(code, []).append(np.full(row.shape, values[position]))
                ys.setdefault(code, []).append(row)
        total = sum(len(x) for chunks in xs.values() for x in chunks)
        marker_size = args.marker_size or (1.5 if total <= 50 * n_columns else 0.7)
        for code in sorted(xs, key=lambda c: (c < 0, abs(c))):
            axes.plot(np.concatenate(xs[code]), np.concatenate(ys[code]), linestyle="none", marker="o",
                      markersize=marker_size, markeredgewidth=0, color=regimes[code][1], rasterized=True)
            present.add(code)

    axes.set_xlim(x_edges[0], x_edges[-1])
    axes.set_ylim(edges[0], edges[-1])
    axes.set_xlabel(AXIS_SYMBOL[parameter])
    axes.set_ylabel(feature_label("mo_se", args.feature))
    if present:
        what = {"crossings": f"crossings of $m^o_{{\\mathrm{{se}},{section_feature}}} = 0$",
                "near-zero": f"$|m^o_{{\\mathrm{{se}},{section_feature}}}| < "
                             f"{result.config('analysis.section_tolerance', '0.001')}$"}[args.section]
        # A fixed place: loc="best" would test every one of millions of points.
        handles = regime_handles(present, regimes, marker="o")
        axes.legend(handles=handles, title=f"Poincaré section ({what}), coloured by regime",
                    loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(handles), fontsize="small",
                    title_fontsize="small", frameon=False, borderaxespad=0.2, handletextpad=0.1,
                    columnspacing=1.2)

    if args.title is not None:
        title = args.title
    else:
        symbol = AXIS_SYMBOL[parameter]
        title = (f"Bifurcation diagram of $m^o_{{\\mathrm{{se}},{args.feature}}}$ against {symbol} "
                 f"∈ [{number(values[0])}, {number(values[-1])}]")
        details = ", ".join(part for part in (grid.fixed_text(fixed), result.describe()) if part)
        details += f"; {len(values)} values of {symbol}, {samples.shape[1]} samples each"
        title += "\n" + details
    figure.suptitle(title, fontsize="medium")
    if skipped:
        warn(f"{skipped} of {len(points) + skipped} points in the selection are not done (/points/status) and are "
             "left out")
    return figure


def plot_lyapunov(args):
    result = ResultFile(args.file)
    result.require_kind("sweep", "lyapunov")
    grid = Grid(result)
    lyapunov = result.dataset("/points/lyapunov", "no Lyapunov exponents; run the sweep with analysis.lyapunov > 0")
    parameter, values, points, fixed = grid.line(args)
    exponents = np.asarray(lyapunov[()], dtype=float)
    if exponents.ndim == 1:
        exponents = exponents[:, None]
    if exponents.shape[0] != grid.count or exponents.shape[1] == 0:
        raise InputError(f"{result.path}: /points/lyapunov has shape {exponents.shape}, expected "
                         f"[{grid.count}][k]")
    count = exponents.shape[1] if args.count is None else min(args.count, exponents.shape[1])
    done = grid.status[points] == 1
    values, points = values[done], points[done]
    exponents = exponents[points, :count]
    if exponents.size == 0 or not np.isfinite(exponents).any():
        raise InputError(f"{result.path}: /points/lyapunov holds no computed exponents for the selected points "
                         "(all NaN: the sweep ran without analysis.lyapunov, or before it was implemented)")
    regime = np.asarray(result.dataset("/points/regime")[()]).astype(int)[points]
    regimes = result.regimes("/points/regime")
    regime = np.where(np.isin(regime, list(regimes)), regime, undetermined_code(regimes))

    figure = new_figure(args)
    axes = figure.add_subplot()
    for start, stop, code in regime_runs(values, regime):
        axes.axvspan(start, stop, facecolor=regimes[code][1], alpha=SHADING_ALPHA, linewidth=0, zorder=0)
    axes.axhline(0.0, color="black", linewidth=0.8, linestyle="--", zorder=1)
    lines = []
    for k in range(count):
        line, = axes.plot(values, exponents[:, k], zorder=2 + count - k, label=exponent_label(k),
                          **exponent_style(k, count, len(values)))
        lines.append(line)
    axes.set_xlim(*edges_of(values)[[0, -1]])
    if args.y_range is not None:
        axes.set_ylim(*sorted(args.y_range))
    axes.set_xlabel(AXIS_SYMBOL[parameter])
    axes.set_ylabel("Lyapunov exponent (per step)")
    handles = lines + regime_handles(set(regime.tolist()), regimes, alpha=SHADING_ALPHA)
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
                borderaxespad=0.0)
    if args.title is not None:
        title = args.title
    else:
        symbol = AXIS_SYMBOL[parameter]
        title = (f"Largest Lyapunov exponents against {symbol} ∈ [{number(values[0])}, {number(values[-1])}], "
                 "background by regime")
        details = ", ".join(part for part in (grid.fixed_text(fixed), result.describe()) if part)
        title += "\n" + details + f"; {len(values)} values of {symbol}"
    figure.suptitle(title, fontsize="medium")
    return figure


def plot_phase_diagram(args):
    result = ResultFile(args.file)
    result.require_kind("sweep", "phase-diagram")
    grid = Grid(result)
    varying = grid.varying()
    x_axis = args.x
    y_axis = args.y
    if x_axis is None:
        candidates = [a for a in varying if a != y_axis] or [a for a in Grid.AXES if a != y_axis]
        x_axis = candidates[0]
    if y_axis is None:
        candidates = [a for a in varying if a != x_axis] or [a for a in ("gamma", "epsilon", "beta")
                                                             if a != x_axis]
        y_axis = candidates[0]
    if x_axis == y_axis:
        raise InputError(f"--x and --y are both {x_axis}; choose two different parameters")
    if len(varying) < 2:
        warn(f"{result.path} varies only {' and '.join(varying) or 'nothing'}; the phase diagram is a single strip")
    other = next(a for a in Grid.AXES if a not in (x_axis, y_axis))
    other_index = getattr(args, f"{other}_index")
    grid.check_index(other, other_index)

    nx, ny = grid.shape[x_axis], grid.shape[y_axis]
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))  # [ny][nx]
    index = {x_axis: ix, y_axis: iy, other: np.full(ix.shape, other_index)}
    points = grid.point(index)
    regime = np.asarray(result.dataset("/points/regime")[()]).astype(int)
    regimes = result.regimes("/points/regime")
    periodic = [code for code, (label, _) in regimes.items() if label == "periodic"]
    period = (np.asarray(result.h5["/points/period"][()]).astype(int) if result.has("/points/period")
              else np.zeros(grid.count, dtype=int))
    status = grid.status[points]
    cells = regime[points]
    cells = np.where(np.isin(cells, list(regimes)), cells, undetermined_code(regimes))
    cells = np.where(status == 1, cells, np.where(status == 2, -3, -2))
    periods = np.where((status == 1) & np.isin(regime[points], periodic), period[points], 0)

    # Sort each axis (a list of values need not be increasing).
    x_order = np.argsort(grid.values[x_axis], kind="stable")
    y_order = np.argsort(grid.values[y_axis], kind="stable")
    x_values = grid.values[x_axis][x_order]
    y_values = grid.values[y_axis][y_order]
    cells = cells[np.ix_(y_order, x_order)]
    periods = periods[np.ix_(y_order, x_order)]

    table = dict(regimes)
    table.update(NOT_DONE)
    codes = sorted(table)
    colour_map = ListedColormap([table[c][1] for c in codes])
    norm = BoundaryNorm(np.arange(codes[0] - 0.5, codes[-1] + 1.0), colour_map.N)
    figure = new_figure(args)
    axes = figure.add_subplot()
    small = nx <= 30 and ny <= 30
    axes.pcolormesh(edges_of(x_values), edges_of(y_values), cells, cmap=colour_map, norm=norm,
                    shading="flat", edgecolors="0.4" if small else "face", linewidth=0.3 if small else 0.0,
                    rasterized=not small)
    if small and not args.no_periods:
        for j in range(ny):
            for i in range(nx):
                if periods[j, i] > 0:
                    axes.text(x_values[i], y_values[j], str(periods[j, i]), ha="center", va="center",
                              fontsize=6 if max(nx, ny) > 15 else 8, color="white")
    axes.set_xlabel(AXIS_SYMBOL[x_axis])
    axes.set_ylabel(AXIS_SYMBOL[y_axis])
    present = set(np.unique(cells).tolist())
    axes.legend(handles=regime_handles(present, table), loc="upper left", bbox_to_anchor=(1.01, 1.0),
                fontsize="small", title="regime", title_fontsize="small", borderaxespad=0.0)
    if args.title is not None:
        title = args.title
    else:
        title = f"Phase diagram of the dynamical regimes over {AXIS_SYMBOL[x_axis]} × {AXIS_SYMBOL[y_axis]}"
        details = ", ".join(part for part in (grid.fixed_text({other: other_index}), result.describe()) if part)
        details += f"; {nx} × {ny} points"
        if small and not args.no_periods and (periods > 0).any():
            details += "; numbers: period"
        title += "\n" + details
    figure.suptitle(title, fontsize="medium")
    return figure

