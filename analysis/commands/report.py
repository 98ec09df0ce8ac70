"""`govsim report`: one self-contained HTML file comparing the scenarios of results directories."""

from __future__ import annotations

import argparse

from analysis.commands.compare import add_comparison_arguments

NAME = "report"
HELP = "write a self-contained HTML report (levers, outcomes, effects, figures, provenance)"
DESCRIPTION = (
    "Write one HTML file that needs nothing else to be read (figures embedded, no network): the levers "
    "that differ between the scenarios with their clauses, the outcome table, the effects against the "
    "reference, every figure of `govsim compare` and each directory's provenance. Default: DIR/report.html "
    "of the first directory.")
ORDER = 45


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_comparison_arguments(p, dirs="DIR", out="FILE", out_help="report file (default: DIR/report.html)")


def main(args: argparse.Namespace) -> int:
    # imported here, not at the top: `govsim --help` and other commands need no plotting stack
    import matplotlib

    from analysis import report

    matplotlib.use("Agg")  # files only: never open a window, whatever MPLBACKEND says
    path = report.write_report(args.run_dirs, args.out, reference=args.reference, outcomes=args.outcomes,
                               overwrite=args.overwrite, pair_by=args.pair_by)
    print(f"report: {path}")
    return 0
