"""The `attnmf-plot` command: a subcommand per figure, each with its own options and --help."""

import argparse
import sys

from .. import _h5
from . import attractors, finite_size, panel, sweeps, trajectories
from ._common import EXIT_INPUT, PROG, check_output, check_size, write_figure

# The figure each subcommand draws: a function of the parsed options that returns a matplotlib Figure.
COMMANDS = {
    "bifurcation": sweeps.plot_bifurcation,
    "lyapunov": sweeps.plot_lyapunov,
    "phase-diagram": sweeps.plot_phase_diagram,
    "trajectory": trajectories.plot_trajectory,
    "poincare": trajectories.plot_poincare,
    "lyapunov-trace": trajectories.plot_lyapunov_trace,
    "panel": panel.plot_panel,
    "attractors": attractors.plot_attractors,
    "continuation": attractors.plot_continuation,
    "finite-size": finite_size.plot_finite_size,
}


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Figures from attnmf result files (HDF5). Each subcommand has its own --help.",
        epilog="The figure's format is that of the suffix of -o: .png, .svg or .pdf. Exit status: 0 written (the "
        "figure's path is printed), 2 a missing or wrong input file, a missing dataset or a bad option, 1 anything "
        "unexpected.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in (sweeps, trajectories, panel, attractors, finite_size):
        module.add_parsers(sub)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        check_output(args.output)
        check_size(args)
        figure = COMMANDS[args.command](args)
        write_figure(figure, args.output, args.dpi)
    except (_h5.FileError, OSError) as error:
        sys.stderr.write(f"{PROG} {args.command}: error: {error}\n")
        return EXIT_INPUT
    print(args.output)
    return 0
