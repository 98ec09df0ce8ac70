"""`govsim sweep`: an experiment file's design × replicates into a resumable store."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.commands.options import out_path
from sim.engine import settings
from sim.errors import InputError

if TYPE_CHECKING:
    from sim.engine.experiment import Experiment
    from sim.engine.plan import Plan

NAME = "sweep"
HELP = "run an experiment file (grid, LHS, Sobol' or listed points × replicates) into a resumable results directory"
DESCRIPTION = (HELP + ". Runs go to every local core (process), one core (serial) or a Dask cluster (dask); "
               "--shard I/N runs one slice for SLURM job arrays (see `govsim slurm`, `govsim merge`).")
ORDER = 20
DRY_RUN_SAMPLES = 3       # runs timed by --dry-run, spread over the design ...
DRY_RUN_MAX_SAMPLES = 9   # ... or this many where those few took less than
DRY_RUN_SECONDS = 1.0     # this long
# assumed parallel efficiency and start-up seconds per backend, from benchmarks/bench_sweep.py
EFFICIENCY = {"serial": 1.0, "process": 0.9, "dask": 0.9}
STARTUP_S = {"serial": 0.0, "process": 2.0, "dask": 5.0}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", metavar="EXPERIMENT",
                   help="experiment file, or a name in scenarios/experiments/")
    p.add_argument("--out", type=out_path, metavar="DIR",
                   help="results directory (default: results/NAME, NAME from the experiment file)")
    p.add_argument("--backend", choices=settings.BACKENDS, default="process",
                   help="serial: this process; process (default): every local core; dask: a Dask cluster")
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes (default: every core; dask: the cluster's)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: start a local cluster)")
    p.add_argument("--resume", action="store_true", help="continue --out: run exactly the runs it lacks")
    p.add_argument("--retry-failed", action="store_true", help="resume, and rerun the runs that failed")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--shard", metavar="I/N", help="run only the I-th of N disjoint slices (0 <= I < N)")
    p.add_argument("--chunk-size", type=int, metavar="K", help="runs per hand-off to a worker (default: automatic)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the design's size and an estimate of the wall time; write nothing")
    from analysis.commands.run import add_posterior_arguments
    add_posterior_arguments(p)


def main(args: argparse.Namespace) -> int:
    from analysis.progress import ProgressReporter
    from sim.engine.execute import execute
    from sim.engine.experiment import load_experiment
    from sim.engine.provenance import provenance
    from sim.engine.store import Store

    shard = check_arguments(args)
    if args.backend == "process" and not args.dry_run:
        from sim.engine.execute import start_fork_server
        start_fork_server()  # the workers' imports overlap the plan's construction
    experiment = load_experiment(args.experiment)
    from analysis.commands.run import with_posterior
    plan = with_posterior(experiment.plan(), args)
    if shard[1] > plan.n_runs:
        raise InputError(f"{shard[1]} shards for {plan.n_runs} runs; allowed: at most one shard per run",
                         key="--shard")
    out = args.out or Path("results") / experiment.name
    if args.dry_run:
        return dry_run(experiment, plan, shard, args, out)
    if args.backend == "dask" and args.scheduler:
        from sim.engine.dask_backend import check_reachable
        check_reachable(args.scheduler)
    store = Store.open(out, plan, {**provenance(["govsim", *sys.argv[1:]]), "experiment": experiment.describe()},
                       overwrite=args.overwrite, resume=args.resume or args.retry_failed,
                       shard=shard[0], shards=shard[1])
    args.resume_command = resume_command(args, out)  # what to say if this is interrupted
    where = f" (shard {shard[0]}/{shard[1]}: {plan.shard_runs(shard)} runs)" if shard[1] > 1 else ""
    draws = f" × {args.draws} posterior draws = {plan.n_runs} runs" if args.posterior else ""
    print(f"{size_line(experiment)}{draws}{where} -> {out}", file=sys.stderr)
    try:
        summary = execute(plan, store, backend=args.backend, workers=args.workers, shard=shard,
                          retry_failed=args.retry_failed, chunk_size=args.chunk_size,
                          progress=ProgressReporter("runs"), scheduler=args.scheduler)
    except KeyboardInterrupt:
        store.finish("interrupted")
        raise
    finally:
        store.close()
    failed = store.failed()  # this session's failures and any earlier ones not retried
    store.finish("complete" if failed == 0 else "complete-with-failures",
                 done=summary.done, failed=failed, skipped=summary.skipped, seconds=round(summary.seconds, 2))
    if summary.to_do == 0:
        print(f"nothing to do: all {summary.skipped} runs{' of this shard' if shard[1] > 1 else ''} "
              f"are in {out}")
    else:
        print(f"{summary.done} runs done ({summary.failed} failed), {summary.skipped} already in the store, "
              f"in {clock(summary.seconds)}")
    if failed:
        print(f"{failed} runs failed; see the 'error' column of {out / 'runs.parquet'}, and rerun them with: "
              f"{resume_command(args, out, retry_failed=True)}", file=sys.stderr)
    if shard[1] > 1:
        print(f"when every shard has finished: govsim merge {out}")
    print(f"results: {out}")
    return 1 if failed else 0


def resume_command(args: argparse.Namespace, out: Path, *, retry_failed: bool = False) -> str:
    """The command that continues this sweep in out: its own options, --resume instead of --overwrite."""
    argv = ["govsim", "sweep", str(args.experiment), "--out", str(out),
            "--retry-failed" if retry_failed or args.retry_failed else "--resume"]
    for flag, value, default in (("--backend", args.backend, "process"), ("--workers", args.workers, None),
                                 ("--scheduler", args.scheduler, None), ("--shard", args.shard, None),
                                 ("--chunk-size", args.chunk_size, None)):
        if value != default:
            argv += [flag, str(value)]
    return shlex.join(argv)


def check_arguments(args: argparse.Namespace) -> tuple[int, int]:
    """Every command-line value checked before anything is read, run or written."""
    from sim.engine.plan import parse_shard

    settings.check_settings({"chunk_size": args.chunk_size}, keys={"chunk_size": "--chunk-size"})
    settings.check_workers(args.workers, args.backend, args.scheduler)
    if args.overwrite and (args.resume or args.retry_failed):
        raise InputError("cannot be combined with --resume or --retry-failed", key="--overwrite")
    shard = parse_shard(args.shard) if args.shard is not None else (0, 1)
    if shard[1] > 1 and args.overwrite:
        raise InputError("cannot be combined with --shard: every shard would erase the others' results",
                         key="--overwrite")
    from sim.engine.dask_backend import check_options
    check_options(args.backend, args.scheduler)
    return shard


def size_line(experiment: Experiment) -> str:
    scenarios = len(experiment.scenarios)
    rows = len(experiment.rows)
    points = f"{scenarios} scenarios × {rows} rows = {experiment.n_points} points" if scenarios > 1 \
        else f"{experiment.n_points} points"
    return (f"experiment {experiment.name} ({experiment.design}): {points} × {experiment.replicates} "
            f"replicates = {experiment.n_runs} runs")


def dry_run(experiment: Experiment, plan: Plan, shard: tuple[int, int], args: argparse.Namespace, out: Path) -> int:
    """The design's size, and the wall time it will take, from a few runs timed here."""
    from sim.engine.store import Store, read_manifest

    print(size_line(experiment))
    n = plan.shard_runs(shard)
    if shard[1] > 1:
        print(f"shard {shard[0]}/{shard[1]}: {n} runs")
    if (out / "manifest.json").is_file() and read_manifest(out).get("plan_digest") == plan.digest():
        finished = Store(out).finished()
        done = int((finished.ok & (finished.run_id % shard[1] == shard[0])).sum())
        print(f"{out} already holds {done} of these runs; --resume would run the other {n - done}")
        n -= done
    estimate(plan, shard, n, args)
    print(f"would write to {out}; nothing written (dry run)")
    return 0


WARMUP_WEEKS = 8


def estimate(plan: Plan, shard: tuple[int, int], n: int, args: argparse.Namespace) -> float:
    """Time a few runs spread over the (shard of the) design and print the wall time n runs will take.

    One short run of the first point goes first, untimed: the first run in a process pays for
    imports, caches and first allocations (about three times a warm run for a short one),
    which a sweep pays once per worker, not per run.
    """
    import dataclasses

    import numpy as np

    from sim.engine.execute import run_chunk

    wanted = plan.run_ids(shard)   # a few runs spread over the shard's runs, each generated alone
    spec = plan.spec()
    run_chunk(dataclasses.replace(spec, weeks=min(spec.weeks, WARMUP_WEEKS)),
              plan.chunk(np.array([wanted[0]])))  # warm-up, untimed
    times: list[float] = []
    for samples in (DRY_RUN_SAMPLES, DRY_RUN_MAX_SAMPLES):  # short runs: more of them, for a steadier mean
        picks = sorted({round(k * (len(wanted) - 1) / (samples - 1)) for k in range(samples)})
        times = []
        for k in picks:
            start = time.perf_counter()
            run_chunk(spec, plan.chunk(np.array([wanted[k]])))
            times.append(time.perf_counter() - start)
        if sum(times) >= DRY_RUN_SECONDS:
            break
    mean = sum(times) / len(times)
    print(f"timed {len(times)} runs spread over the design, after a warm-up run: {mean:.3f} s per run "
          f"({min(times):.3f}-{max(times):.3f})")
    workers = 1 if args.backend == "serial" else args.workers or _cluster_size(args)
    eff = EFFICIENCY[args.backend] if workers > 1 else 1.0
    seconds = STARTUP_S[args.backend] + n * mean / (workers * eff)
    print(f"estimated wall time on --backend {args.backend} with {workers} worker(s): {clock(seconds)} "
          f"({n} runs × {mean:.3f} s / {workers} / {eff:.0%} efficiency + {STARTUP_S[args.backend]:.0f} s start-up; "
          f"{n * mean / 3600:.2f} CPU-hours)")
    return seconds


def _cluster_size(args: argparse.Namespace) -> int:
    from sim.engine.execute import available_cores

    if args.backend == "dask" and args.scheduler:
        from sim.engine.dask_backend import check_reachable, client_for, cluster_threads
        check_reachable(args.scheduler)
        with client_for(args.scheduler, None) as client:
            return cluster_threads(client)
    return available_cores()


def clock(seconds: float) -> str:
    """h:mm:ss, for durations from seconds to days."""
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}"
