"""attnmf.plot: the figures of the `attnmf-plot` command as matplotlib Figures, to draw from Python,
adjust and save.

    from attnmf import plot
    fig = plot.figure("bifurcation", "out/fig3b.h5", beta_range=(1.26, 1.27), feature=1)
    fig.axes[0].set_ylim(-0.2, 0.2)
    plot.save(fig, "out/fig3b-zoom.svg")

Each figure takes the options of its subcommand (`attnmf-plot COMMAND --help`) as keywords, named as
the long option with underscores (--beta-range LO HI is beta_range=(LO, HI)). Needs numpy, h5py and
matplotlib; no pyplot: the figures are drawn on matplotlib's Agg canvas, which works headless.
"""

import argparse
import os

from ._common import FORMATS, REGIME_COLOURS, InputError, check_size, write_figure
from .cli import COMMANDS, build_parser, main

__all__ = ["figure", "save", "COMMANDS", "REGIME_COLOURS", "FORMATS", "InputError", "main", "build_parser"]


def figure(command, files, **options):
    """The figure of `attnmf-plot COMMAND FILES --option value ...` as a matplotlib Figure. `files` is a
    path, or a list of them for "panel". Raises InputError (a ValueError) for a file or an option the
    figure cannot use, TypeError for an option the command does not have."""
    if command not in COMMANDS:
        raise ValueError(f"attnmf.plot.figure: no figure {command!r} (there are {', '.join(sorted(COMMANDS))})")
    paths = [os.fspath(files)] if isinstance(files, (str, bytes, os.PathLike)) else [os.fspath(f) for f in files]
    parser = build_parser()
    subparser = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    subparser = subparser.choices[command]
    # Keyword -> the option's destination, from the option's long names (--beta-range -> beta_range -> range).
    names = {}
    for action in subparser._actions:
        for option in action.option_strings:
            if option.startswith("--"):
                names[option[2:].replace("-", "_")] = action.dest
    try:
        args = parser.parse_args([command] + paths + ["-o", "figure.png"])
    except SystemExit:
        raise TypeError(f"attnmf.plot.figure: {command} takes {'one file' if command != 'panel' else 'files'}, "
                        f"got {len(paths)}") from None
    for name, value in options.items():
        if name not in names or name in ("output", "help"):
            raise TypeError(f"attnmf.plot.figure: {command} has no option {name!r} (it has "
                            f"{', '.join(sorted(n for n in names if n not in ('output', 'help')))})")
        setattr(args, names[name], list(value) if isinstance(value, tuple) else value)
    check_size(args)
    return COMMANDS[command](args)


def save(figure, path, dpi=None):
    """Writes a figure to `path`, in the format of its suffix (.png, .svg, .pdf), atomically; returns
    the path."""
    return write_figure(figure, path, dpi)
