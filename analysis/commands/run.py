"""`govsim run`: scenarios × replicates into a results directory."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from analysis.agents import parse_weeks, write_agents
from analysis.commands.options import out_path
from analysis.progress import ProgressReporter
from analysis.summary import format_table, outcome_table
from sim.errors import InputError
from sim.engine import settings
from sim.engine.execute import execute
from sim.engine.plan import Plan, Point
from sim.engine.provenance import provenance
from sim.run import DEFAULT_SEED
from sim.scenario import load
from sim.engine.store import Store, read_runs

NAME = "run"
HELP = "run scenarios (default: the study baseline-2017 vs sichuan-2020) and write a results directory"
ORDER = 10
DEFAULT_STUDY = ("baseline-2017", "sichuan-2020")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="scenario files or names in scenarios/ (default: baseline-2017 sichuan-2020)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"master seed (default {DEFAULT_SEED})")
    p.add_argument("--replicates", type=int, default=10, help="runs per scenario (default 10)")
    p.add_argument("--weeks", "--steps", dest="weeks", type=int, default=156,
                   help="weeks to run (default 156: 2018-2020); --steps is an alias")
    p.add_argument("--out", type=out_path, help="results directory (default: a new one under results/)")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--workers", type=int, help="worker processes (default: every core)")
    p.add_argument("--backend", choices=settings.LOCAL_BACKENDS, default="process",
                   help="where runs execute: process (default) on every local core (--workers of them), "
                        "serial in this process, one run after another (for debugging and profiling); "
                        "both give the same numbers")
    p.add_argument("--agents", nargs="?", const="end", metavar="WEEKS",
                   help="also write agents.parquet: every household and organisation at the end of each run, "
                        "or at the listed weeks (e.g. --agents 52,104,156; put it after the scenarios)")
    add_posterior_arguments(p)


def add_posterior_arguments(p: argparse.ArgumentParser) -> None:
    """--posterior and --draws, shared by `run` and `sweep`."""
    p.add_argument("--posterior", type=Path, metavar="POSTERIOR",
                   help="run every scenario over draws from this posterior (a `govsim calibrate` directory or its "
                        "posterior.parquet): draw k with replicate r has the same parameters and seed everywhere")
    p.add_argument("--draws", type=int, default=20, metavar="K",
                   help="parameter sets drawn from --posterior (default 20); runs = scenarios × K × replicates")


def with_posterior(plan: Plan, args: argparse.Namespace) -> Plan:
    """The plan over K posterior draws, if --posterior was given (checked before anything is written)."""
    if args.posterior is None:
        if args.draws != 20:
            raise InputError("applies only with --posterior", key="--draws")
        return plan
    if args.draws < 2:
        raise InputError(f"must be at least 2 (parameter uncertainty needs several draws), got {args.draws}",
                         key="--draws")
    from analysis import uncertainty
    thetas, path = uncertainty.posterior_draws(args.posterior, args.draws, plan.seed)
    return uncertainty.over_draws(plan, thetas, path)


def main(args: argparse.Namespace) -> int:
    settings.check_settings({"replicates": args.replicates, "weeks": args.weeks, "seed": args.seed},
                            keys={"replicates": "--replicates", "weeks": "--weeks", "seed": "--seed"})
    settings.check_workers(args.workers, args.backend)
    agent_weeks = parse_weeks(args.agents, args.weeks) if args.agents is not None else None
    study = not args.scenarios
    scenarios = [load(ref) for ref in (args.scenarios or DEFAULT_STUDY)]
    settings.check_size(len(scenarios), args.replicates, key="--replicates")
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError(f"scenario names must differ, got {', '.join(names)}", key="SCENARIO")
    plan = Plan(points=[Point(i, s.name, s.levers()) for i, s in enumerate(scenarios)],
                replicates=args.replicates, seed=args.seed, weeks=args.weeks, timeseries_every=1,
                common_random_numbers=True,
                meta={"kind": "run", "scenario_files": [str(s.path) for s in scenarios]})
    plan = with_posterior(plan, args)
    out = args.out or fresh_directory(Path("results"), "study" if study else "run")
    store = Store.open(out, plan, provenance(["govsim", *sys.argv[1:]]), overwrite=args.overwrite)
    try:
        summary = execute(plan, store, backend=args.backend, workers=args.workers,
                          progress=ProgressReporter("runs"))
    finally:
        store.close()
    store.finish("complete" if summary.failed == 0 else "complete-with-failures",
                 failed=summary.failed, seconds=round(summary.seconds, 2))
    runs = read_runs(out)
    shown = runs
    if args.posterior is not None:
        from analysis.uncertainty import pool_draws
        from sim.engine.store import read_manifest
        shown = pool_draws(read_manifest(out), runs)
    print(format_table(outcome_table(shown)))
    if agent_weeks:
        path = write_agents(out, runs, {p.point_id: p.levers for p in plan.points}, args.weeks, agent_weeks)
        print(f"agents:  {path} (weeks {', '.join(map(str, agent_weeks))})")
    if summary.failed:
        print(f"{summary.failed} of {summary.done} runs failed; see the 'error' column of runs.parquet",
              file=sys.stderr)
    print(f"\nresults: {out}")
    if study:
        from analysis import report
        print(f"report:  {report.write_report(out)}")
    return 1 if summary.failed else 0


def fresh_directory(root: Path, stem: str) -> Path:
    """A new directory name under root that does not exist yet."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = root / f"{stem}-{stamp}"
    n = 2
    while candidate.exists():
        candidate = root / f"{stem}-{stamp}-{n}"
        n += 1
    return candidate
