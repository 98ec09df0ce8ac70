"""`govsim report`: one self-contained HTML file comparing the scenarios of results directories."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "report"
HELP = "write a self-contained HTML report (levers, outcomes, effects, figures, provenance)"
DESCRIPTION = (
    "Write one HTML file that needs nothing else to be read (figures embedded, no network): the levers "
    "that differ between the scenarios with their clauses, the outcome table, the effects against the "
    "reference, every figure of `govsim compare` and each directory's provenance. Default: DIR/report.html "
    "of the first directory.")
ORDER = 45


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dirs", nargs="+", metavar="DIR", type=Path, help="results directories")
    p.add_argument("--reference", metavar="NAME",
                   help="scenario the others are compared with (default: the first)")
    p.add_argument("--outcomes", metavar="a,b,...",
                   help="outcomes to report, comma-separated (default: the headline outcomes)")
    p.add_argument("--out", type=Path, metavar="FILE", help="report file (default: DIR/report.html)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing report")


def main(args: argparse.Namespace) -> int:
    # imported here, not at the top: `govsim --help` and other commands need no plotting stack
    import matplotlib

    from analysis import report

    matplotlib.use("Agg")  # files only: never open a window, whatever MPLBACKEND says
    path = report.write_report(args.run_dirs, args.out, reference=args.reference, outcomes=args.outcomes,
                               overwrite=args.overwrite)
    print(f"report: {path}")
    return 0
