"""`govsim compare`: scenarios of one or more results directories, side by side."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.commands.options import out_path

NAME = "compare"
HELP = "compare scenarios of results directories: fan charts, distributions, effects vs a reference"
DESCRIPTION = (
    "Compare the scenarios (design points) of one or more results directories. Writes into --out "
    "(default RUN_DIR/compare of the first directory): outcomes.csv, effects.csv (difference in means "
    "against the reference with a 95% BCa bootstrap interval, paired by replicate where seeds match, and "
    "Hedges' g), households.csv, levers.csv, and figures as PNG and SVG: fan-OUTCOME (median, 50% and "
    "90% bands by week), distributions, forest, households (up to 8 groups), and for a sweep the views of "
    "its design: outcomes against the varied levers (response lines, heatmaps, smoothed surfaces or small "
    "multiples). --pair-by scenario compares each design point with the same point under the reference "
    "scenario.")
ORDER = 40


def add_comparison_arguments(p: argparse.ArgumentParser, *, dirs: str, out: str, out_help: str) -> None:
    """The arguments `govsim compare` and `govsim report` share."""
    p.add_argument("run_dirs", nargs="+", metavar=dirs, type=Path, help="results directories")
    p.add_argument("--reference", metavar="NAME",
                   help="scenario the others are compared with (default: the first); with --pair-by, the "
                        "value of that dimension the others are compared with (default: its first value)")
    p.add_argument("--pair-by", metavar="DIMENSION",
                   help="compare matched design points instead of all against one reference: 'scenario' "
                        "(each point under each scenario against the same point under the reference "
                        "scenario) or a lever the design varies (points that differ only in it)")
    p.add_argument("--outcomes", metavar="a,b,...",
                   help="outcomes to compare, comma-separated (default: the headline outcomes)")
    p.add_argument("--out", type=out_path, metavar=out, help=out_help)
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_comparison_arguments(p, dirs="RUN_DIR", out="DIR", out_help="output directory (default: RUN_DIR/compare)")


def main(args: argparse.Namespace) -> int:
    # imported here, not at the top: `govsim --help` and other commands need no plotting stack
    import matplotlib

    from analysis import compare
    from analysis.export import check_out_dir, write_comparison

    matplotlib.use("Agg")  # files only: never open a window, whatever MPLBACKEND says
    outcomes = compare.parse_outcomes(args.outcomes)
    comp = compare.gather(args.run_dirs, reference=args.reference, pair_by=args.pair_by)
    comp.check_outcomes(outcomes)
    out = args.out or args.run_dirs[0] / "compare"
    check_out_dir(out, args.overwrite, keep=args.run_dirs)
    tables = write_comparison(comp, outcomes, out, overwrite=args.overwrite)
    print(tables["text"])
    from analysis import uncertainty
    if uncertainty.write(comp, outcomes, out):                # runs over a posterior
        print(uncertainty.format_effects(uncertainty.effects(comp, outcomes)))
    for note in comp.notes():
        print(f"note: {note}", file=sys.stderr)
    print(f"\ncompare: {out}")
    return 0
