"""The options the subcommands share: argument types, the figure's output and size, the slice of a grid."""

import argparse

from ._common import DefaultSize


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def add_common(parser, default_size, size_note=""):
    parser.add_argument("-o", "--output", required=True, metavar="FIG",
                        help="the figure to write: .png, .svg or .pdf (chosen by the suffix)")
    parser.add_argument("--size", nargs=2, type=positive_float, metavar=("W", "H"),
                        default=DefaultSize(default_size),
                        help=f"figure size in inches (default {default_size[0]:g} {default_size[1]:g}{size_note}); "
                        "a PNG is W*dpi x H*dpi pixels")
    parser.add_argument("--dpi", type=positive_float, default=150.0,
                        help="resolution in dots per inch (default %(default)s)")
    parser.add_argument("--title", help="replace the generated title (the default names the figure, "
                        "the parameters, M, L and the seed)")


def add_grid_slice(parser, what):
    parser.add_argument("--parameter", choices=("beta", "gamma", "epsilon"),
                        help="the swept parameter on the x axis (default: beta if the grid has more than "
                        "one beta, else the first axis that has)")
    parser.add_argument("--range", "--beta-range", dest="range", nargs=2, type=float, metavar=("LO", "HI"),
                        help=f"zoom on LO <= parameter <= HI; only those points are read ({what})")
    for axis in ("beta", "gamma", "epsilon"):
        parser.add_argument(f"--{axis}-index", type=non_negative_int, default=0, metavar="I",
                            help=f"on a grid with several {axis} values, the index of the {axis} to show "
                            f"when {axis} is not the swept parameter (default 0)")

