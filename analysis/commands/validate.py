"""`govsim validate`: run the scenarios a targets file names and set every target's band
against the simulated distribution."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.commands.options import out_path
from sim.errors import InputError
from sim.run import DEFAULT_SEED

NAME = "validate"
HELP = "run the scenarios of a targets file and compare each observed statistic with the simulated runs"
DESCRIPTION = (HELP + ". Writes a results directory (runs.parquet, ...) with validation/: validation.csv (per "
               "target: observed value and band, simulated mean, 5-95% range, share of runs inside, met), "
               "statistics.csv, targets.csv and targets.png/.svg. Exit 0 whether or not targets are met.")
ORDER = 50
BACKENDS = ("serial", "process", "dask")


def add_engine_arguments(p: argparse.ArgumentParser) -> None:
    """Where the runs go: the options `validate` and `calibrate` share with `sweep`."""
    p.add_argument("--backend", choices=BACKENDS, default="process",
                   help="serial: this process; process (default): every local core; dask: a Dask cluster")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: every core)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (default: a local cluster)")


def check_engine_arguments(args: argparse.Namespace) -> None:
    if args.workers is not None and args.workers < 1:
        raise InputError(f"must be at least 1, got {args.workers}", key="--workers")
    if args.scheduler and args.backend != "dask":
        raise InputError("applies only to --backend dask", key="--scheduler")
    if args.backend == "dask":
        from sim.engine.dask_backend import check_reachable, require_dask
        require_dask()
        if args.scheduler:
            check_reachable(args.scheduler)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("targets", metavar="TARGETS", type=Path, help="targets file (e.g. scenarios/targets/sichuan.toml)")
    p.add_argument("--replicates", type=int, default=10, help="runs per scenario (default 10)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"master seed (default {DEFAULT_SEED})")
    p.add_argument("--out", type=out_path, metavar="DIR", help="results directory (default: results/validate-NAME)")
    p.add_argument("--resume", action="store_true", help="continue --out: run only the runs it lacks")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    add_engine_arguments(p)


def main(args: argparse.Namespace) -> int:
    from analysis import validate
    from analysis.progress import ProgressReporter
    from analysis.targets import load_targets
    from sim.engine.execute import execute
    from sim.engine.provenance import provenance
    from sim.engine.store import Store, read_runs, read_timeseries

    if args.replicates < 1:
        raise InputError(f"must be at least 1, got {args.replicates}", key="--replicates")
    if args.seed < 0:
        raise InputError(f"must be a non-negative integer, got {args.seed}", key="--seed")
    if args.overwrite and args.resume:
        raise InputError("cannot be combined with --resume", key="--overwrite")
    check_engine_arguments(args)
    targets = load_targets(args.targets)
    plan = validate.plan(targets, args.replicates, args.seed, meta={"targets_file": str(targets.path)})
    out = args.out or Path("results") / f"validate-{targets.name}"
    store = Store.open(out, plan, provenance(["govsim", *sys.argv[1:]]), overwrite=args.overwrite,
                       resume=args.resume)
    print(f"{len(targets.targets)} targets on {len(targets.scenarios)} scenarios × {args.replicates} replicates "
          f"= {plan.n_runs} runs -> {out}", file=sys.stderr)
    summary = execute(plan, store, backend=args.backend, workers=args.workers, scheduler=args.scheduler,
                      progress=ProgressReporter("runs"))
    store.finish("complete" if summary.failed == 0 else "complete-with-failures", failed=summary.failed,
                 seconds=round(summary.seconds, 2))
    import matplotlib
    matplotlib.use("Agg")
    runs = read_runs(out)
    ts = read_timeseries(out) if plan.timeseries_every else None
    stats = validate.statistics(targets, runs, ts, validate.point_labels(plan, targets))
    table = validate.evaluate(targets, stats)
    where = validate.write(out, targets, table, stats, extra={"replicates": args.replicates, "seed": args.seed})
    print(validate.format_table(table))
    if summary.failed:
        print(f"{summary.failed} runs failed; see the 'error' column of runs.parquet", file=sys.stderr)
    print(f"\nvalidation: {where}")
    return 0
