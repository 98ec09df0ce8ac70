"""`govsim merge`: consolidate a store's part files (after a sharded sweep)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.errors import InputError

NAME = "merge"
HELP = "consolidate a results directory's part files (e.g. after SLURM array shards) and report what it holds"
ORDER = 22
PART_ROWS = 262_144  # as sim.engine.merge.PART_ROWS


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("directory", type=Path, metavar="DIR", help="results directory written by govsim sweep or run")
    p.add_argument("--part-rows", type=int, default=PART_ROWS, metavar="N",
                   help=f"runs per merged part file (default {PART_ROWS:,}; Parquet row groups of 65,536 rows)")


def main(args: argparse.Namespace) -> int:
    from sim.engine.merge import merge

    if args.part_rows < 1:
        raise InputError(f"must be at least 1, got {args.part_rows}", key="--part-rows")
    r = merge(args.directory, part_rows=args.part_rows)
    print(f"{args.directory}: {r.parts_before} part files -> {r.parts_after}; "
          f"{r.runs} of {r.expected} runs ({r.ok} ok, {r.failed} failed, {r.missing} missing); "
          f"{r.dropped_rows} superseded rows dropped; {r.timeseries_rows} timeseries rows; status {r.status}")
    if r.missing_shards:
        print(f"shards with missing runs: {', '.join(r.missing_shards)}; rerun each with "
              "govsim sweep EXPERIMENT --out DIR --shard I/N (it resumes), then merge again")
    elif r.missing:
        print("resume the sweep (govsim sweep EXPERIMENT --out DIR --resume), then merge again")
    if r.failed:
        print("rerun the failed runs with govsim sweep EXPERIMENT --out DIR --retry-failed")
    return 0 if r.status == "complete" else 1
