"""What the figures share: the result file and its grid, the regime colours, figure creation and
writing, labels and legends."""

import os
import sys
import tempfile

import h5py
import matplotlib
import matplotlib.colors  # noqa: F401
import matplotlib.figure
import matplotlib.ticker  # noqa: F401
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from .. import _h5

mpl = matplotlib

PROG = "attnmf-plot"
EXIT_INPUT = 2

# The colour of each regime, by the name the file gives it (the attributes `codes` and `names` of
# /points/regime and /analysis/regime, docs/file-format.md); the same in every figure. A name this
# table does not know gets one of EXTRA_COLOURS.
REGIME_COLOURS = {
    "undetermined": "#bcbd22",
    "fixed point": "#8c564b",
    "periodic": "#1f77b4",
    "quasi-periodic": "#2ca02c",
    "chaotic": "#d62728",
    "hyperchaotic": "#9467bd",
    "2-torus": "#17becf",
}
EXTRA_COLOURS = ["#e377c2", "#7f7f7f", "#ff7f0e", "#aec7e8"]
# Categories a phase diagram shows for points that are not done (from /points/status).
NOT_DONE = {
    -2: ("pending", "#ffffff"),
    -3: ("failed", "#000000"),
}

# Opacity of the regime shading behind the Lyapunov exponents.
SHADING_ALPHA = 0.22

# Recorded quantities of a trajectory file: the mathtext symbol (mo_se's subscript is completed by
# feature_label) and what it is.
QUANTITIES = {
    "att": ("A", "the attention $A_t$"),
    "mo": ("m^{o}", "the output mean field $m^o$"),
    "mo_se": (r"m^{o}_{\mathrm{se}", r"the semantic output mean field $m^o_{\mathrm{se}}$"),
    "mv": ("m^{v}", "the value mean field $m^v$"),
    "mq": ("m^{q}", "the query mean field $m^q$"),
    "mk": ("m^{k}", "the key mean field $m^k$"),
}
AXIS_SYMBOL = {"beta": "β", "gamma": "γ", "epsilon": "ε"}
# How the Lyapunov exponents λ1, λ2, ... are drawn wherever several are: each its own colour, line style
# and marker, so that they are told apart in grey print and where the lines cross, and none in a regime's
# colour.
EXPONENT_STYLES = [
    {"color": "#000000", "linestyle": "-", "marker": "o"},
    {"color": "#0072b2", "linestyle": "--", "marker": "s"},
    {"color": "#d55e00", "linestyle": ":", "marker": "^"},
    {"color": "#5b2c83", "linestyle": "-.", "marker": "D"},
    {"color": "#7f6000", "linestyle": (0, (5, 1, 1, 1, 1, 1)), "marker": "v"},
]


class InputError(_h5.FileError):
    """A problem with the files or options the user gave: reported as one line, exit status 2."""


def warn(message):
    """A note on stderr about what a figure leaves out; the figure is still drawn."""
    sys.stderr.write(f"{PROG}: {message}\n")


def regime_colour(name, extra=None):
    """The colour of a regime by its name ("quasi-periodic", "quasi_periodic" and "Quasi periodic" alike), or the
    next of `extra` (an iterator over EXTRA_COLOURS) for a name REGIME_COLOURS does not know."""
    key = _h5.words(name)
    for known, colour in REGIME_COLOURS.items():
        if _h5.words(known) == key:
            return colour
    return next(extra) if extra is not None else EXTRA_COLOURS[0]


class DefaultSize(list):
    """The --size a subcommand falls back on, told apart from a --size the user gave (a figure whose
    natural size depends on what it draws may replace it)."""


class ResultFile:
    """A read-only attnmf result file with checked access to its datasets and configuration."""

    def __init__(self, path):
        self.path = os.fspath(path)
        try:
            self.h5 = _h5.open_file(self.path)
        except _h5.FileError as error:
            raise InputError(str(error))

    def kind(self):
        return _h5.kind_of(self.h5)

    def require_kind(self, kind, command):
        actual = self.kind()
        if actual != kind:
            made_by = {"sweep": "`attnmf sweep`", "trajectory": "`attnmf trajectory`"}[kind]
            what = f"a {actual} file" if actual != "unknown" else "not an attnmf result file"
            raise InputError(f"{self.path}: {what}; `{PROG} {command}` needs a {kind} file written by {made_by}")

    def has(self, name):
        return name in self.h5 and isinstance(self.h5[name], h5py.Dataset)

    def dataset(self, name, why=""):
        if not self.has(name):
            detail = f" ({why})" if why else ""
            raise InputError(f"{self.path}: missing dataset {name}{detail}")
        return self.h5[name]

    def regimes(self, name):
        """{code: (name, colour)} of the regime codes in dataset `name`, from the names the file stores
        with them (_h5.code_names: flag_values and flag_meanings, codes and names, or the legend of
        older files)."""
        pairs = _h5.code_names(self.dataset(name))
        if not pairs:
            raise InputError(f"{self.path}: {name} carries no names for its regime codes (attributes "
                             "flag_values and flag_meanings, or codes and names)")
        extra = iter(EXTRA_COLOURS * (len(pairs) // len(EXTRA_COLOURS) + 1))
        return {code: (label, regime_colour(label, extra)) for code, label in pairs.items()}

    def code_names(self, name):
        """{code: name} of any coded dataset ({} when the file names none)."""
        return _h5.code_names(self.h5[name]) if name in self.h5 else {}

    def config(self, key, default=None):
        if key in self.h5.attrs:
            return _h5.text_of(self.h5.attrs[key])
        return default

    def config_int(self, key, default=None):
        value = self.config(key)
        if value is None:
            return default
        try:
            return int(float(value))
        except ValueError:
            return default

    def describe(self):
        """'M = 3, L = 4, seed 1' from the root attributes (the parts that exist)."""
        parts = []
        for key, label in (("model.features", "M = {}"), ("model.context", "L = {}"),
                           ("weights.seed", "seed {}")):
            value = self.config(key)
            if value is not None:
                parts.append(label.format(value))
        mode = self.config("weights.correlations")
        if mode is not None and mode != "segments":
            parts.append(f"{mode} correlations")
        return ", ".join(parts)


def number(value):
    return f"{value:.6g}"


class Grid:
    """The sweep's axes and point statuses; point p = (i_epsilon * n_gamma + i_gamma) * n_beta + i_beta."""

    AXES = ("beta", "gamma", "epsilon")

    def __init__(self, result):
        self.result = result
        self.values = {}
        for axis in self.AXES:
            data = result.dataset(f"/grid/{axis}")[()]
            self.values[axis] = np.atleast_1d(np.asarray(data, dtype=float))
        self.shape = {axis: len(self.values[axis]) for axis in self.AXES}
        self.count = self.shape["beta"] * self.shape["gamma"] * self.shape["epsilon"]
        self.status = np.asarray(result.dataset("/points/status")[()]).astype(int)
        if self.status.shape != (self.count,):
            raise InputError(f"{result.path}: /points/status has {self.status.size} entries but the grid has "
                             f"{self.count} points")

    def point(self, index):
        """Point number(s) for a dict of index arrays per axis (broadcast)."""
        return ((index["epsilon"] * self.shape["gamma"] + index["gamma"]) * self.shape["beta"]
                + index["beta"])

    def varying(self):
        return [axis for axis in self.AXES if self.shape[axis] > 1]

    def check_index(self, axis, value):
        if value >= self.shape[axis]:
            raise InputError(f"--{axis}-index {value} is out of range: {self.result.path} has "
                             f"{self.shape[axis]} value(s) of {axis} (indices 0..{self.shape[axis] - 1})")

    def fixed_text(self, fixed):
        return ", ".join(f"{AXIS_SYMBOL[axis]} = {number(self.values[axis][i])}" for axis, i in fixed.items())

    def line(self, args):
        """The 1-D slice along the swept parameter: (parameter, values, point numbers, fixed indices),
        sorted by the parameter and restricted to --range."""
        parameter = args.parameter
        if parameter is None:
            varying = self.varying()
            parameter = "beta" if self.shape["beta"] > 1 or not varying else varying[0]
        fixed = {}
        for axis in self.AXES:
            if axis != parameter:
                index = getattr(args, f"{axis}_index")
                self.check_index(axis, index)
                fixed[axis] = index
        along = np.arange(self.shape[parameter])
        index = {axis: np.full(along.shape, i) for axis, i in fixed.items()}
        index[parameter] = along
        points = self.point(index)
        values = self.values[parameter]
        keep = np.ones(values.shape, dtype=bool)
        if args.range is not None:
            low, high = sorted(args.range)
            keep = (values >= low) & (values <= high)
            if not keep.any():
                raise InputError(f"--range (--beta-range) {number(low)} {number(high)}: no {parameter} of "
                                 f"{self.result.path} lies there (it spans {number(values.min())} .. "
                                 f"{number(values.max())})")
        order = np.argsort(values[keep], kind="stable")
        return parameter, values[keep][order], points[keep][order], fixed


def read_blocks(dataset, points, chunk, select=()):
    """Yields (positions, rows) for the given point numbers, reading at most `chunk` points at a time,
    in increasing point order; `positions` index into `points`, `select` is appended to the row index."""
    order = np.argsort(points, kind="stable")
    sorted_points = points[order]
    for start in range(0, len(sorted_points), chunk):
        block = sorted_points[start:start + chunk]
        first, last = int(block[0]), int(block[-1])
        if last - first + 1 == len(block):
            rows = dataset[(slice(first, last + 1),) + tuple(select)]
        else:
            rows = dataset[(block.tolist(),) + tuple(select)]
        yield order[start:start + chunk], np.asarray(rows)



# The formats a figure is written in, by the suffix of its path.
FORMATS = (".png", ".svg", ".pdf")


def check_output(path):
    """The format of the figure `path` (png, svg or pdf, from its suffix), once its directory exists."""
    path = os.fspath(path)
    extension = os.path.splitext(path)[1].lower()
    if extension not in FORMATS:
        raise InputError(f"-o {path}: the figure must end in .png, .svg or .pdf (got "
                         f"{extension or 'no extension'!r})")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError(f"-o {path}: directory {directory} does not exist")
    return extension[1:]


def check_size(args):
    width, height = args.size
    if width * args.dpi > 32768 or height * args.dpi > 32768:
        raise InputError(f"--size {width:g} {height:g} at --dpi {args.dpi:g} is too large (at most 32768 pixels "
                         "a side)")


def new_figure(args):
    """A matplotlib Figure of --size and --dpi on the Agg canvas: no pyplot, no GUI, no global state."""
    width, height = args.size
    figure = matplotlib.figure.Figure(figsize=(width, height), dpi=args.dpi, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


# No dates in the files, so that the same figure of the same file is the same file.
METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}


def write_figure(figure, path, dpi=None):
    """Writes `figure` to `path` in the format its suffix names (.png, .svg, .pdf), next to the target
    first and then renamed, so that an interrupted run never leaves half a figure."""
    path = os.fspath(path)
    file_format = check_output(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".attnmf-plot-", suffix="." + file_format, dir=directory)
    os.close(handle)
    try:
        # No bbox_inches="tight": a PNG must be exactly size x dpi pixels.
        figure.savefig(temporary, format=file_format, dpi=dpi or figure.dpi, metadata=METADATA[file_format])
        # mkstemp makes the file private; give it the permissions an ordinary write would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path


def feature_label(quantity, feature=None):
    symbol = QUANTITIES[quantity][0]
    if quantity == "mo_se":
        return f"${symbol},{feature}}}$" if feature is not None else f"${symbol}}}$"
    return f"${symbol}_{{{feature}}}$" if feature is not None else f"${symbol}$"


def undetermined_code(table):
    """The code a value the table does not know is drawn as: the file's "undetermined" one."""
    return next((code for code, (label, _) in table.items() if label == "undetermined"), min(table))


def regime_handles(codes, table, marker=None, alpha=1.0):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    handles = []
    for code in sorted(codes, key=lambda c: (c < 0, abs(c))):
        name, colour = table[code]
        if marker:
            handles.append(Line2D([], [], linestyle="none", marker=marker, markersize=6, color=colour,
                                  label=name))
        else:
            handles.append(Patch(facecolor=colour, alpha=alpha, edgecolor="0.3", linewidth=0.5, label=name))
    return handles


def edges_of(centres):
    """Cell edges halfway between sorted centres, the outer ones half a spacing out."""
    centres = np.asarray(centres, dtype=float)
    if len(centres) == 1:
        half = 0.5 * (abs(centres[0]) * 0.01 or 1.0)
        return np.array([centres[0] - half, centres[0] + half])
    middle = 0.5 * (centres[1:] + centres[:-1])
    return np.concatenate(([centres[0] - (middle[0] - centres[0])], middle,
                           [centres[-1] + (centres[-1] - middle[-1])]))


def check_feature(result, name, feature, features, option="--feature"):
    if feature >= features:
        raise InputError(f"{option} {feature} is out of range: {name} in {result.path} has {features} "
                         f"feature(s) (0..{features - 1})")


def regime_runs(values, codes):
    """(start, stop, code) runs of equal regime along sorted values, bounded halfway between points."""
    edges = edges_of(values)
    runs = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or codes[i] != codes[start]:
            runs.append((edges[start], edges[i], codes[start]))
            start = i
    return runs


def exponent_label(k):
    """The legend label of exponent k (0 for the largest): $\\lambda_1$, ..."""
    return f"$\\lambda_{{{k + 1}}}$"


def exponent_style(k, count, points, spread=False):
    """The plot() keywords of exponent k of `count` drawn over `points` values: every value marked up to 200
    of them, else a marker every 1/40 of the values (with `spread`, at 25 values spaced evenly in the
    logarithm of their index, as a logarithmic axis needs), each exponent's markers offset from the others'."""
    style = dict(EXPONENT_STYLES[k % len(EXPONENT_STYLES)])
    style.update(linewidth=1.0, markeredgewidth=0)
    if spread and points > 25:
        shift = (k / max(count, 1)) * np.log(points) / 25
        marks = np.unique(np.minimum(np.exp(np.linspace(0, np.log(points), 25) + shift).astype(int), points) - 1)
        style.update(markersize=4.0, markevery=marks.tolist())
    elif points <= 200:
        style["markersize"] = 3.5
    else:
        step = max(points // 40, 1)
        style.update(markersize=4.0, markevery=(k * step // max(count, 1), step))
    return style


def panel_label(axes, label):
    axes.text(-0.02, 1.02, label, transform=axes.transAxes, fontweight="bold", ha="right", va="bottom")

