"""Regenerate the lever-by-outcome table of effects in docs/ODD.md §1.3, and its CSV.

    python benchmarks/lever_effects.py [--replicates N] [--workers N] [--csv PATH]
                                       [--odd PATH | --no-odd] [--runs PATH | --from-runs PATH]

Runs every policy lever of docs/directions.toml at its low bound, the reference
scenario's value and its high bound on paired seeds (analysis.directions), writes one
row per lever, step and outcome to the CSV (mean paired difference, its
Bonferroni-corrected t-interval, the expected and observed direction, the verdict),
and rewrites two blocks of docs/ODD.md: the table of expected directions (between
``<!-- directions:begin -->`` and ``<!-- directions:end -->``, from the TOML alone) and
the table of effects (between ``<!-- lever-effects:begin -->`` and
``<!-- lever-effects:end -->``). Prints the levers that fail and the wall time.
Files are written to a temporary name and renamed into place.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


import pandas as pd  # noqa: E402

from analysis import directions as d  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
CSV = ROOT / "docs" / "lever-effects.csv"
def replace_block(text: str, markers: tuple[str, str], body: str, where: str) -> str:
    begin, end = markers
    if begin not in text or end not in text:
        raise SystemExit(f"{where}: the markers {begin} … {end} are missing")
    before, rest = text.split(begin, 1)
    _, after = rest.split(end, 1)
    return f"{before}{begin}\n{body}\n{end}{after}"


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--table", type=Path, default=d.TABLE, help="the table of directions (TOML)")
    p.add_argument("--replicates", type=int, default=None, help="paired seeds per bound (default: the table's)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: every core)")
    p.add_argument("--csv", type=Path, default=CSV, help=f"where the effects go (default {CSV.relative_to(ROOT)})")
    p.add_argument("--runs", type=Path, default=None, help="also write every run's outcomes to this CSV")
    p.add_argument("--from-runs", type=Path, default=None,
                   help="judge the runs of an earlier --runs CSV instead of running again")
    p.add_argument("--odd", type=Path, default=ODD, help="the ODD whose blocks are rewritten")
    p.add_argument("--no-odd", action="store_true", help="write the CSV only")
    args = p.parse_args(argv)
    table = d.load(args.table)
    start = time.perf_counter()
    if args.from_runs:
        runs = pd.read_csv(args.from_runs)
        missing = sorted({e.lever for e in table.levers} - set(runs.get("lever", pd.Series(dtype=str))))
        if missing:
            print(f"{args.from_runs}: no runs of levers {', '.join(missing)}; allowed: a file written by "
                  "--runs with the same table", file=sys.stderr)
            return 2
    else:
        runs = d.run_pairs(table, replicates=args.replicates, workers=args.workers)
    seconds = time.perf_counter() - start
    effects = d.lever_effects(table, runs)
    if args.runs:
        tmp = args.runs.with_name(f".{args.runs.name}.tmp")
        runs.to_csv(tmp, index=False)
        os.replace(tmp, args.runs)
    tmp = args.csv.with_name(f".{args.csv.name}.tmp")
    effects.to_csv(tmp, index=False, float_format="%.6g")
    os.replace(tmp, args.csv)
    if not args.no_odd:
        text = args.odd.read_text()
        text = replace_block(text, d.EXPECTED_MARKERS, d.expected_markdown(table), str(args.odd))
        text = replace_block(text, d.EFFECTS_MARKERS, d.effects_markdown(table, effects), str(args.odd))
        write_atomic(args.odd, text)
    failures = d.verdicts(table, effects)
    ran = f"runs read from {args.from_runs}" if args.from_runs else f"{runs.attrs['distinct_runs']} runs in {seconds:.1f} s"
    print(f"{ran}; "
          f"effects: {args.csv}" + ("" if args.no_odd else f"; tables rewritten in {args.odd}"))
    for lever, why in failures.items():
        print(f"FAIL {lever}: " + "; ".join(why))
    print(f"{len(table.levers) - len(failures)} of {len(table.levers)} levers pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
