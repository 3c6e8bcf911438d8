"""The figures of one trajectory file: time series, phase plane, spectrum and autocorrelation (the
paper's Figs. 4 and 5); the Poincaré section with its return map; the convergence of the Lyapunov
exponents."""

import numpy as np
from matplotlib.lines import Line2D

from ._common import (AXIS_SYMBOL, QUANTITIES, InputError, ResultFile, check_feature, exponent_label, exponent_style,
                      feature_label, mpl, new_figure, panel_label, warn)
from ._options import add_common, non_negative_int, positive_int

# The two directions of a crossing of the section plane: upward (the section feature changes from
# negative to positive) and downward.
DIRECTION_COLOURS = {1: "#0072b2", -1: "#d55e00"}
DIRECTION_NAMES = {1: "upward", -1: "downward"}
# At most this many distinct points are drawn as large dots (an orbit's points), more as a fine cloud.
ORBIT_POINTS = 2000


def add_parsers(sub):
    p = sub.add_parser(
        "trajectory", help="the paper's Figs. 4/5: time series, phase plane, power spectrum, autocorrelation",
        description="The paper's Figs. 4 and 5 for one trajectory: (a) the first and the last WINDOW steps "
        "of a mean field, all features; (b) the phase plane of feature X-FEATURE against Y-FEATURE; (c) the "
        "power spectrum of feature FEATURE (Welch average of Hann-windowed FFTs, frequency in cycles per "
        "step) with a line at f = 1/L: power below it is memory beyond the context window; (d) the "
        "autocorrelation of that feature up to MAX-LAG, with the lag L marked. L is the file's model.context.")
    p.add_argument("file", metavar="TRAJ.h5", help="a file written by `attnmf trajectory`")
    p.add_argument("--quantity", choices=sorted(QUANTITIES), default="mo",
                   help="which recorded mean field to show (default %(default)s: m^o; mo_se is its "
                   "semantic part, att the attention)")
    p.add_argument("--window", type=positive_int, default=200,
                   help="steps in each time-series window (default %(default)s)")
    p.add_argument("--feature", type=non_negative_int, default=0,
                   help="feature for the spectrum and the autocorrelation (default %(default)s)")
    p.add_argument("--x-feature", type=non_negative_int, default=0,
                   help="feature on the phase plane's x axis (default %(default)s)")
    p.add_argument("--y-feature", type=non_negative_int, default=1,
                   help="feature on the phase plane's y axis (default %(default)s)")
    p.add_argument("--max-lag", type=positive_int,
                   help="largest autocorrelation lag in steps (default: max(100, 25 L))")
    p.add_argument("--segment", type=positive_int, default=8192,
                   help="length of the Welch segments of the spectrum (default %(default)s; fewer steps "
                   "than that: one segment)")
    p.add_argument("--phase-points", type=positive_int, default=200000,
                   help="at most this many of the last steps on the phase plane (default %(default)s)")
    add_common(p, (12.0, 9.0))

    p = sub.add_parser(
        "poincare", help="the Poincaré section of one trajectory and its return map",
        description="The Poincaré section of a trajectory: (a) m^o_se[A] against m^o_se[B] where the orbit "
        "crosses the plane m^o_se[F] = 0 (F = the file's analysis.section_feature), the upward crossings (m^o_se[F] "
        "from negative to positive) and the downward ones in two colours; (b) the return map, m^o_se[A] at a "
        "crossing against the next crossing in the same direction. A periodic orbit is a few points, a "
        "quasi-periodic one a closed curve, chaos a folded, fractal set. With M = 2 panel (a) shows the other "
        "feature against the crossing number.")
    p.add_argument("file", metavar="TRAJ.h5", help="a file written by `attnmf trajectory`")
    p.add_argument("--section", choices=("crossings", "all", "near-zero"), default="crossings",
                   help="'crossings' (default): the crossings the analysis recorded (/analysis/crossings, the first "
                   "analysis.section_max); 'all': every crossing, computed from /trajectory/mo_se the same way; "
                   "'near-zero': the paper's recorded steps with |m^o_se[F]| < analysis.section_tolerance")
    p.add_argument("--features", type=non_negative_int, nargs=2, metavar=("A", "B"),
                   help="the features on the axes of (a), A also that of the return map (default: the first two "
                   "other than F)")
    p.add_argument("--direction", choices=("both", "up", "down"), default="both",
                   help="the crossings to draw: both directions (default), the upward or the downward ones alone "
                   "(--section crossings or all)")
    p.add_argument("--section-feature", type=non_negative_int, metavar="F",
                   help="the plane m^o_se[F] = 0 (default: the file's analysis.section_feature); with another F "
                   "than the file's, use --section all or near-zero")
    add_common(p, (11.0, 5.5))

    p = sub.add_parser(
        "lyapunov-trace", help="the convergence of one trajectory's Lyapunov exponents",
        description="The running estimates of the largest Lyapunov exponents of a trajectory "
        "(/analysis/lyapunov_trace, written by attnmf trajectory with analysis.lyapunov_trace > 0) against the "
        "recorded steps t, over the zero band ±δ(t) = ±50 ln t / t within which the classifier takes an exponent "
        "for zero; for a periodic orbit its exact Floquet exponents (/analysis/lyapunov) as dotted lines. "
        "Bottom: how far each estimate still is from its final value, against the band δ(t). Exits with "
        "status 2, and draws nothing, when the file holds no trace.")
    p.add_argument("file", metavar="TRAJ.h5", help="a file written by `attnmf trajectory` with "
                   "analysis.lyapunov_trace > 0")
    p.add_argument("--count", type=positive_int, help="how many of the largest exponents to draw (default: all)")
    p.add_argument("--x-scale", choices=("log", "linear"), default="log",
                   help="scale of the recorded-steps axis (default %(default)s)")
    p.add_argument("--y-range", nargs=2, type=float, metavar=("LO", "HI"),
                   help="range of the top panel's exponent axis (default: the late estimates' range)")
    add_common(p, (10.0, 7.0))


def welch_spectrum(series, segment):
    """One-sided power spectral density (Hann window, half-overlapping segments), frequency in cycles
    per step."""
    n = len(series)
    segment = min(segment, n)
    step = max(segment // 2, 1)
    window = np.hanning(segment) if segment > 2 else np.ones(segment)
    scale = 1.0 / (window ** 2).sum()
    total = np.zeros(segment // 2 + 1)
    starts = range(0, n - segment + 1, step)
    for start in starts:
        piece = series[start:start + segment]
        piece = (piece - piece.mean()) * window
        total += np.abs(np.fft.rfft(piece)) ** 2
    power = total * scale / len(starts)
    power[1:-1] *= 2.0
    return np.fft.rfftfreq(segment), power


def autocorrelation(series, max_lag):
    centred = series - series.mean()
    n = len(centred)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spectrum = np.fft.rfft(centred, size)
    full = np.fft.irfft(spectrum * np.conj(spectrum), size)[:max_lag + 1]
    return full / full[0]


def plot_trajectory(args):
    result = ResultFile(args.file)
    result.require_kind("trajectory", "trajectory")
    name = f"/trajectory/{args.quantity}"
    data = result.dataset(name, f"--quantity {args.quantity}")
    if data.ndim != 2 or data.shape[0] < 2:
        raise InputError(f"{result.path}: {name} should be [steps][M] with at least 2 steps, has shape "
                         f"{data.shape}")
    steps, features = data.shape
    for option, feature in (("--feature", args.feature), ("--x-feature", args.x_feature),
                            ("--y-feature", args.y_feature)):
        check_feature(result, name, feature, features, option)
    first_step = first_step_of(result)
    context = result.config_int("model.context")
    if context is None or context < 1:
        raise InputError(f"{result.path}: no model.context attribute: the context window L is needed for "
                         "the spectrum and the autocorrelation")

    window = min(args.window, steps)
    head = np.asarray(data[:window], dtype=float)
    tail = np.asarray(data[steps - window:], dtype=float)
    phase_start = max(0, steps - args.phase_points)
    columns = sorted({args.x_feature, args.y_feature})  # h5py reads listed columns in increasing order
    block = np.asarray(data[phase_start:, columns], dtype=float)
    phase = block[:, [columns.index(args.x_feature), columns.index(args.y_feature)]]
    series = np.asarray(data[:, args.feature], dtype=float)

    figure = new_figure(args)
    outer = figure.add_gridspec(2, 1, height_ratios=(1.0, 1.15))
    top = outer[0].subgridspec(1, 2, wspace=0.04)
    bottom = outer[1].subgridspec(1, 3, wspace=0.08)

    # (a) the first and the last stretch of the time series, every feature.
    colours = mpl.colormaps["tab10"]
    ax_head = figure.add_subplot(top[0])
    ax_tail = figure.add_subplot(top[1], sharey=ax_head)
    for axes, block, offset, what in ((ax_head, head, 0, "first"), (ax_tail, tail, steps - window, "last")):
        t = first_step + offset + np.arange(window)
        for a in range(features):
            axes.plot(t, block[:, a], color=colours(a % 10), linewidth=0.8, marker="o", markersize=1.8,
                      markeredgewidth=0, label=feature_label(args.quantity, a))
        axes.set_xlim(t[0], t[-1])
        axes.ticklabel_format(axis="x", useOffset=False, style="plain")
        axes.xaxis.set_major_locator(mpl.ticker.MaxNLocator(nbins=4, integer=True))
        axes.set_xlabel("step t")
        axes.set_title(f"{what} {window} steps", fontsize="small")
    ax_head.set_ylabel(feature_label(args.quantity))
    ax_tail.tick_params(labelleft=False)
    ax_tail.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", borderaxespad=0.0)
    panel_label(ax_head, "(a)")

    # (b) phase plane.
    ax_phase = figure.add_subplot(bottom[0])
    finite = np.isfinite(phase).all(axis=1)
    distinct = len(np.unique(np.round(phase[finite], 9), axis=0)) if finite.any() else 0
    ax_phase.plot(phase[finite, 0], phase[finite, 1], linestyle="none", marker="o",
                  markersize=3.5 if distinct <= 2000 else 0.8, markeredgewidth=0, color="black",
                  alpha=1.0 if distinct <= 2000 else 0.35, rasterized=True)
    ax_phase.set_xlabel(feature_label(args.quantity, args.x_feature))
    ax_phase.set_ylabel(feature_label(args.quantity, args.y_feature))
    ax_phase.set_title(f"phase plane, last {len(phase)} steps", fontsize="small")
    panel_label(ax_phase, "(b)")

    # (c) power spectrum, (d) autocorrelation of the chosen feature.
    ax_spectrum = figure.add_subplot(bottom[1])
    ax_correlation = figure.add_subplot(bottom[2])
    label = feature_label(args.quantity, args.feature)
    cutoff = 1.0 / context
    max_lag = min(args.max_lag or max(100, 25 * context), steps - 1)
    constant = not np.isfinite(series).all() or np.ptp(series) <= 1e-12 * max(1.0, np.abs(series).max())
    ax_spectrum.axvspan(0.0, cutoff, color="#fdd49e", alpha=0.45, linewidth=0,
                        label="f < 1/L: memory beyond the context window")
    ax_spectrum.axvline(cutoff, color="#d94801", linewidth=1.2, linestyle="--", label="1/L (context window)")
    ax_correlation.axvline(context, color="#d94801", linewidth=1.2, linestyle="--",
                           label="lag L (context window)")
    ax_correlation.axhline(0.0, color="0.5", linewidth=0.6)
    if constant:
        for axes in (ax_spectrum, ax_correlation):
            axes.text(0.5, 0.5, f"{label} is constant\n(a fixed point): no fluctuations", ha="center",
                      va="center", transform=axes.transAxes, fontsize="small")
        ax_spectrum.set_yscale("log")
        ax_spectrum.set_ylim(1e-12, 1.0)
        ax_correlation.set_ylim(-1.05, 1.05)
    else:
        frequency, power = welch_spectrum(series, args.segment)
        frequency, power = frequency[1:], power[1:]
        floor = power.max() * 1e-14
        ax_spectrum.semilogy(frequency, np.maximum(power, floor), color="black", linewidth=0.7)
        ax_spectrum.set_ylim(floor, power.max() * 5.0)
        lags = np.arange(max_lag + 1)
        correlation = autocorrelation(series, max_lag)
        ax_correlation.plot(lags, correlation, color="black", linewidth=0.8, marker="o",
                            markersize=2.0 if max_lag <= 400 else 0.0, markeredgewidth=0)
        ax_correlation.set_ylim(min(-0.05, correlation.min() * 1.05), 1.05)
    ax_spectrum.set_xlim(0.0, 0.5)
    ax_spectrum.set_xlabel("frequency f (cycles per step)")
    ax_spectrum.set_ylabel("power spectral density")
    ax_spectrum.set_title(f"power spectrum of {label}", fontsize="small")
    ax_spectrum.legend(loc="upper right", fontsize="x-small", framealpha=0.85)
    panel_label(ax_spectrum, "(c)")
    ax_correlation.set_xlim(0, max_lag)
    ax_correlation.set_xlabel("lag τ (steps)")
    ax_correlation.set_ylabel("autocorrelation")
    ax_correlation.set_title(f"autocorrelation of {label}", fontsize="small")
    ax_correlation.legend(loc="upper right", fontsize="x-small", framealpha=0.85)
    panel_label(ax_correlation, "(d)")

    if args.title is not None:
        title = args.title
    else:
        title = f"Trajectory of {QUANTITIES[args.quantity][1]} at {parameters_text(result)}"
        details = [result.describe(), f"steps {first_step}–{first_step + steps - 1}", regime_text(result)]
        title += "\n" + "; ".join(part for part in details if part)
    figure.suptitle(title, fontsize="medium")
    return figure


def first_step_of(result):
    """The step number of the first recorded row (/trajectory's first_step, else run.transient)."""
    if "trajectory" in result.h5 and "first_step" in result.h5["trajectory"].attrs:
        return int(np.asarray(result.h5["trajectory"].attrs["first_step"]).ravel()[0])
    return result.config_int("run.transient", 0)


def parameters_text(result):
    """'β = 1.27, γ = 220, ε = 0.02' from the configuration."""
    return ", ".join(f"{AXIS_SYMBOL[axis]} = {result.config('model.' + axis)}"
                     for axis in ("beta", "gamma", "epsilon") if result.config("model." + axis))


def trajectory_regime(result):
    """(code, name, period) of the trajectory's /analysis/regime and /analysis/period, or None."""
    if not result.has("/analysis/regime"):
        return None
    code = int(np.asarray(result.h5["/analysis/regime"][()]).ravel()[0])
    name = result.regimes("/analysis/regime").get(code, (f"regime {code}",))[0]
    period = int(np.asarray(result.h5["/analysis/period"][()]).ravel()[0]) if result.has("/analysis/period") else 0
    return code, name, period


def regime_text(result):
    """'periodic (period 28)', 'chaotic', or '' without an analysis."""
    regime = trajectory_regime(result)
    if regime is None:
        return ""
    _, name, period = regime
    return f"{name} (period {period})" if name == "periodic" and period > 0 else name


def marker_look(points):
    """(markersize, alpha) of a cloud of 2-D points: large opaque dots for the few distinct points of an
    orbit, fine translucent ones for a curve or a chaotic set."""
    finite = points[np.isfinite(points).all(axis=1)]
    distinct = len(np.unique(np.round(finite, 9), axis=0)) if len(finite) else 0
    return (3.5, 1.0) if distinct <= ORBIT_POINTS else (0.8, 0.35)


# --------------------------------------------------------------------------------------------
# poincare: the section of one trajectory and its return map


def section_crossings(series, feature):
    """The crossings of the plane series[:, feature] = 0 between consecutive rows, computed as the analysis
    computes /analysis/crossings (src/analysis/point_analysis.cpp): every row interpolated linearly to the
    zero, a step landing exactly on the plane counted once. Returns (points [c][M], direction [c]: +1
    upward, -1 downward)."""
    series = np.asarray(series, dtype=float)
    before, now = series[:-1, feature], series[1:, feature]
    crossed = np.nonzero((before * now < 0.0) | ((now == 0.0) & (before != 0.0)))[0]
    fraction = before[crossed] / (before[crossed] - now[crossed])
    start, end = series[crossed], series[crossed + 1]
    points = start + fraction[:, None] * (end - start)
    points[:, feature] = 0.0
    direction = np.where(now[crossed] > before[crossed], 1, -1).astype(np.int8)
    return points, direction


def plot_poincare(args):
    result = ResultFile(args.file)
    result.require_kind("trajectory", "poincare")
    data = result.dataset("/trajectory/mo_se", "the semantic output mean field the section cuts")
    if data.ndim != 2 or data.shape[0] < 2:
        raise InputError(f"{result.path}: /trajectory/mo_se should be [steps][M] with at least 2 steps, has "
                         f"shape {data.shape}")
    steps, features = data.shape
    plane = result.config_int("analysis.section_feature", 1 if features > 1 else 0)
    if args.section_feature is not None:
        plane = args.section_feature
    check_feature(result, "/trajectory/mo_se", plane, features, "--section-feature")
    others = [a for a in range(features) if a != plane]
    if not others:
        raise InputError(f"{result.path}: M = 1: the section m^o_se,{plane} = 0 has no other feature to show")
    if args.features is not None:
        for feature in args.features:
            check_feature(result, "/trajectory/mo_se", feature, features, "--features")
            if feature == plane:
                raise InputError(f"--features {feature}: that is the section feature, 0 at every point of the "
                                 "section")
        x_feature, y_feature = args.features
    else:
        x_feature, y_feature = (others + [None])[:2]

    series = np.asarray(data[()], dtype=float)
    computed, direction = section_crossings(series, plane)
    tolerance = float(result.config("analysis.section_tolerance", "0.001"))
    if args.section == "crossings":
        stored = result.dataset("/analysis/crossings", "the crossings the analysis recorded; --section all "
                                "computes them from /trajectory/mo_se")
        points = np.asarray(stored[()], dtype=float).reshape(-1, features)
        # The analysis keeps the first analysis.section_max crossings, those the series gives first.
        agree = len(points) <= len(computed) and np.allclose(points, computed[:len(points)], rtol=0.0,
                                                             atol=1e-12, equal_nan=True)
        if not agree:
            warn(f"{result.path}: /analysis/crossings are not the crossings of /trajectory/mo_se,{plane} = 0; "
                 "drawn without their direction")
        direction = direction[:len(points)] if agree else np.zeros(len(points), dtype=np.int8)
        what = (f"the first {len(points)} crossings of $m^o_{{\\mathrm{{se}},{plane}}} = 0$ (/analysis/crossings)"
                + (f" of {len(computed)}" if len(computed) > len(points) else ""))
    elif args.section == "all":
        points = computed
        what = f"all {len(points)} crossings of $m^o_{{\\mathrm{{se}},{plane}}} = 0$"
    else:
        near = np.abs(series[:, plane]) < tolerance
        points = series[near]
        direction = np.zeros(len(points), dtype=np.int8)
        what = f"the {len(points)} steps with $|m^o_{{\\mathrm{{se}},{plane}}}| < {tolerance:g}$"

    if args.direction != "both" and args.section != "near-zero":
        keep = direction == (1 if args.direction == "up" else -1)
        points, direction = points[keep], direction[keep]
        what += f", the {DIRECTION_NAMES[1 if args.direction == 'up' else -1]} ones"

    figure = new_figure(args)
    ax_section, ax_return = figure.subplots(1, 2)
    groups = [(d, direction == d) for d in (1, -1) if (direction == d).any()] or [(0, np.ones(len(points), bool))]
    size, alpha = marker_look(points[:, [x_feature, y_feature if y_feature is not None else x_feature]])
    handles = []
    for d, chosen in groups:
        colour = DIRECTION_COLOURS.get(d, "black")
        block = points[chosen]
        if y_feature is not None:
            x, y = block[:, x_feature], block[:, y_feature]
        else:
            x, y = np.nonzero(chosen)[0], block[:, x_feature]
        ax_section.plot(x, y, linestyle="none", marker="o", markersize=size, markeredgewidth=0, color=colour,
                        alpha=alpha, rasterized=True)
        # The return map within one direction: a crossing against the next one the same way.
        values = block[:, x_feature]
        ax_return.plot(values[:-1], values[1:], linestyle="none", marker="o", markersize=size, markeredgewidth=0,
                       color=colour, alpha=alpha, rasterized=True)
        if d:
            handles.append(Line2D([], [], linestyle="none", marker="o", markersize=5, color=colour,
                                  label=f"{DIRECTION_NAMES[d]} ({int(chosen.sum())})"))
    if len(points) == 0:
        for axes in (ax_section, ax_return):
            axes.text(0.5, 0.5, "no point in the section\n(the orbit never reaches the plane)", ha="center",
                      va="center", transform=axes.transAxes, fontsize="small")
    ax_section.set_xlabel(feature_label("mo_se", x_feature) if y_feature is not None else "crossing n")
    ax_section.set_ylabel(feature_label("mo_se", y_feature if y_feature is not None else x_feature))
    ax_section.set_title("the section", fontsize="small")
    symbol = feature_label("mo_se", x_feature).strip("$")
    ax_return.set_xlabel(f"${symbol}$ at crossing n")
    ax_return.set_ylabel(f"${symbol}$ at crossing n + 1")
    ax_return.set_title("return map" + (" (each direction on its own)" if len(groups) == 2 else ""), fontsize="small")
    if len(points) > 1:
        low, high = np.nanmin(points[:, x_feature]), np.nanmax(points[:, x_feature])
        margin = 0.04 * (high - low) or 0.05 * max(abs(low), 1e-3)
        ax_return.plot([low - margin, high + margin], [low - margin, high + margin], color="0.6", linewidth=0.6,
                       linestyle="--", zorder=0)
    if handles:
        ax_section.legend(handles=handles, title="crossing", loc="best", fontsize="small", title_fontsize="small",
                          framealpha=0.85)
    panel_label(ax_section, "(a)")
    panel_label(ax_return, "(b)")
    if args.title is not None:
        title = args.title
    else:
        title = f"Poincaré section of the trajectory at {parameters_text(result)}: {what}"
        details = [result.describe(), f"{steps} recorded steps", regime_text(result)]
        title += "\n" + "; ".join(part for part in details if part)
    figure.suptitle(title, fontsize="medium")
    return figure


# --------------------------------------------------------------------------------------------
# lyapunov-trace: the running estimates of the exponents against the recorded steps


def zero_band(steps):
    """δ(T) = 50 ln T / T, the band around zero within which the classifier takes an exponent for zero
    (docs/regimes.md)."""
    steps = np.asarray(steps, dtype=float)
    return 50.0 * np.log(steps) / steps


def plot_lyapunov_trace(args):
    result = ResultFile(args.file)
    result.require_kind("trajectory", "lyapunov-trace")
    if not result.has("/analysis/lyapunov_trace"):
        raise InputError(f"{result.path}: no /analysis/lyapunov_trace: run attnmf trajectory with "
                         "analysis.lyapunov_trace > 0 (e.g. --analysis.lyapunov_trace 1000) and analysis.lyapunov > 0")
    dataset = result.h5["/analysis/lyapunov_trace"]
    trace = np.asarray(dataset[()], dtype=float)
    if trace.ndim != 2 or trace.shape[0] == 0 or trace.shape[1] == 0:
        raise InputError(f"{result.path}: /analysis/lyapunov_trace has shape {trace.shape}, expected [rows][k]")
    every = int(np.asarray(dataset.attrs["every"]).ravel()[0]) if "every" in dataset.attrs else 1
    count = trace.shape[1] if args.count is None else min(args.count, trace.shape[1])
    trace = trace[:, :count]
    steps = every * np.arange(1, len(trace) + 1)
    final = trace[-1]
    if result.has("/analysis/lyapunov_estimate"):
        estimate = np.asarray(result.h5["/analysis/lyapunov_estimate"][()], dtype=float).ravel()[:count]
        if len(estimate) == count and np.isfinite(estimate).all():
            final = estimate
    floquet = None
    if result.has("/analysis/lyapunov_source") and result.has("/analysis/lyapunov"):
        source = int(np.asarray(result.h5["/analysis/lyapunov_source"][()]).ravel()[0])
        if result.code_names("/analysis/lyapunov_source").get(source, "").lower() == "floquet":
            floquet = np.asarray(result.h5["/analysis/lyapunov"][()], dtype=float).ravel()[:count]

    figure = new_figure(args)
    top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (3.0, 2.0)})
    band = zero_band(steps)
    with np.errstate(invalid="ignore", divide="ignore"):
        top.fill_between(steps, -band, band, where=steps > 1, color="0.88", linewidth=0, zorder=0,
                         label="zero band ±δ(t)")
    top.axhline(0.0, color="black", linewidth=0.8, linestyle="--", zorder=1)
    handles = []
    for k in range(count):
        style = exponent_style(k, count, len(steps), spread=True)
        label = f"{exponent_label(k)} → {final[k]:.3g}".replace("-", "−")
        line, = top.plot(steps, trace[:, k], zorder=3 + count - k, label=label, **style)
        handles.append(line)
        deviation = np.abs(trace[:, k] - final[k])
        shown = deviation > 0
        bottom.plot(steps[shown], deviation[shown], zorder=3 + count - k,
                    **exponent_style(k, count, int(shown.sum()), spread=True))
        if floquet is not None and k < len(floquet) and np.isfinite(floquet[k]):
            top.axhline(floquet[k], color=style["color"], linewidth=0.8, linestyle=(0, (1, 2)), zorder=2)
    handles.append(top.collections[0])
    if floquet is not None:
        handles.append(Line2D([], [], color="0.3", linewidth=0.8, linestyle=(0, (1, 2)),
                              label="Floquet exponents"))
    bottom.plot(steps[steps > 1], band[steps > 1], color="0.45", linewidth=0.9, linestyle="--",
                label="δ(t) = 50 ln t / t")
    if args.y_range is not None:
        low, high = sorted(args.y_range)
        if not high > low:
            raise InputError("--y-range needs LO < HI")
        top.set_ylim(low, high)
    else:
        # The estimates' late values, not the wild first ones, set the scale.
        late = trace[len(trace) // 10:]
        spread = np.nanmax(np.abs(late)) if np.isfinite(late).any() else 1.0
        top.set_ylim(-1.6 * spread - 1e-6, 1.6 * spread + 1e-6)
    top.set_xscale(args.x_scale)
    bottom.set_xscale(args.x_scale)
    bottom.set_yscale("log")
    top.set_ylabel("running estimate (per step)")
    top.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", borderaxespad=0.0)
    top.tick_params(labelbottom=False)
    bottom.set_ylabel("|estimate − final|")
    bottom.set_xlabel("recorded steps t")
    bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", borderaxespad=0.0)
    if args.title is not None:
        title = args.title
    else:
        title = f"Convergence of the Lyapunov exponents at {parameters_text(result)}"
        details = [result.describe(), regime_text(result),
                   f"running estimate every {every} of {int(steps[-1])} recorded steps"]
        title += "\n" + "; ".join(part for part in details if part)
    figure.suptitle(title, fontsize="medium")
    return figure

