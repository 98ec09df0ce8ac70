"""`govsim sensitivity`: an analysis file through SALib and the experiment engine."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from analysis.commands.options import out_path
from sim.engine import settings
from sim.errors import InputError

# SALib and matplotlib are imported in main(): every `govsim` command loads this
# module to build its help, and should not pay for them.

NAME = "sensitivity"
HELP = "global sensitivity analysis (Sobol', Morris, FAST, RBD-FAST, delta, PAWN) of levers on outcomes"
DESCRIPTION = (HELP + ". ANALYSIS.toml names the method, the levers and their bounds, the outcomes, N, "
               "replicates, seed, base scenario and weeks; see scenarios/sensitivity/ and the README.")
ORDER = 25


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("analysis", metavar="ANALYSIS", help="the analysis file, or a name in scenarios/sensitivity/")
    p.add_argument("--out", type=out_path, help="results directory (default: a new one under results/)")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--resume", action="store_true", help="continue the same analysis in --out, running only missing runs")
    p.add_argument("--retry-failed", action="store_true", help="resume, and rerun the runs that failed")
    p.add_argument("--backend", choices=settings.BACKENDS, default="process",
                   help="where runs execute (default: process, every local core)")
    p.add_argument("--workers", type=int, help="worker processes (default: every core)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="with --backend dask: the scheduler address (default: a local cluster)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the design's size (per level with --converge) and an estimate of the wall time "
                        "from a few timed runs; write nothing")
    g = p.add_argument_group("convergence")
    g.add_argument("--converge", action="store_true",
                   help="double N (reusing runs where the design allows) until the widest 95%% interval "
                        "is below --tolerance or --max-runs is reached")
    g.add_argument("--tolerance", type=float, default=0.1,
                   help="widest allowed 95%% interval (high - low) of the watched indices (default 0.1; "
                        "for Morris relative to the largest mu*)")
    g.add_argument("--max-runs", type=int, default=20_000, help="run budget for --converge (default 20000)")
    g.add_argument("--converge-on", metavar="INDEX[,INDEX]",
                   help="indices to watch (default: sobol/fast S1,ST; morris mu_star; rbd_fast S1; "
                        "delta delta; pawn median)")


def _check_args(args: argparse.Namespace) -> None:
    from sim.engine.dask_backend import check_options

    settings.check_workers(args.workers, args.backend, args.scheduler)
    check_options(args.backend, args.scheduler)
    args.resume = args.resume or args.retry_failed  # as in `govsim sweep`
    if args.resume and args.overwrite:
        raise InputError("--resume continues --out and --overwrite replaces it; give one", key="--resume")
    if args.resume and args.out is None:
        raise InputError("needs --out: the directory to continue", key="--resume")
    if not args.converge:
        for flag, given in (("--tolerance", args.tolerance != 0.1), ("--max-runs", args.max_runs != 20_000),
                            ("--converge-on", args.converge_on is not None)):
            if given:
                raise InputError("only with --converge", key=flag)
    if not args.tolerance > 0:
        raise InputError(f"must be positive, got {args.tolerance}", key="--tolerance")
    settings.check("runs", args.max_runs, key="--max-runs")


def _converge(args: argparse.Namespace, method: str):
    from analysis.sensitivity import methods as sa
    from analysis.sensitivity.run import Converge

    if not args.converge:
        return None
    m = sa.METHODS[method]
    indices: tuple[str, ...] = ()
    if args.converge_on:
        indices = tuple(i.strip() for i in args.converge_on.split(",") if i.strip())
        allowed = [i for i in m.indices if i not in ("mu", "sigma")]
        for i in indices:
            if i not in allowed:
                raise InputError(f"got '{i}'; allowed for {m.label}: {', '.join(allowed)}", key="--converge-on")
    return Converge(args.tolerance, args.max_runs, indices)


def dry_run(analysis, plan, levels, args: argparse.Namespace) -> int:
    """What the analysis will run and how long it takes, as `govsim sweep --dry-run` says it."""
    from analysis.commands.sweep import estimate

    k = len(analysis.levers)
    print(f"analysis {analysis.name} ({analysis.method}, {k} levers, {len(analysis.outcomes)} outcome(s)): "
          f"{len(plan.points)} points × {plan.replicates} replicates = {plan.n_runs} runs")
    if len(levels) > 1:
        print("with --converge, up to: " + "; ".join(f"N={lv.n}: {lv.runs_total} runs" for lv in levels)
              + " (it stops at the first level whose intervals are narrow enough)")
    estimate(plan, (0, 1), plan.n_runs, args)
    print("nothing written (dry run)")
    return 0


def main(args: argparse.Namespace) -> int:
    from analysis.commands.run import fresh_directory
    from analysis.progress import ProgressReporter
    from analysis.sensitivity.file import read
    from analysis.sensitivity.output import write_outputs
    from analysis.sensitivity.run import (AnalysisFailed, build_plan, design, format_report, plan_levels,
                                          run_analysis)
    from sim.engine.provenance import provenance
    from sim.engine.store import Store

    _check_args(args)
    analysis = read(args.analysis)
    converge = _converge(args, analysis.method)
    levels = plan_levels(analysis, converge)
    X = design(analysis, levels)
    plan = build_plan(analysis, X, levels)
    if args.dry_run:
        return dry_run(analysis, plan, levels, args)
    out = args.out or fresh_directory(Path("results"), f"sensitivity-{analysis.name}")
    if args.scheduler:
        from sim.engine.dask_backend import check_reachable
        check_reachable(args.scheduler)
    store = Store.open(out, plan, provenance(["govsim", *sys.argv[1:]]), overwrite=args.overwrite,
                       resume=args.resume)
    args.resume_command = resume_command(args, out)  # what to say if this is interrupted
    try:
        report = run_analysis(analysis, store, plan, X, levels, converge=converge, backend=args.backend,
                              workers=args.workers, scheduler=args.scheduler, retry_failed=args.retry_failed,
                              progress=lambda n: ProgressReporter(f"runs (N={n})"))
    except AnalysisFailed as e:
        store.finish("incomplete", error=str(e))
        print(f"govsim sensitivity: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        store.finish("interrupted")
        raise
    finally:
        store.close()
    write_outputs(out, report, X)
    store.finish("complete", runs_analysed=report.runs, converged=report.converged,
                 seconds=round(report.seconds, 2))
    print(format_report(report))
    for o, why in report.undefined.items():
        print(f"govsim sensitivity: {o}: {why}", file=sys.stderr)
    print(f"\nresults: {out}")
    return 1 if report.undefined else 0


def resume_command(args: argparse.Namespace, out: Path) -> str:
    """The command that continues this analysis in out: its own options, --resume instead of --overwrite."""
    argv = ["govsim", "sensitivity", str(args.analysis), "--out", str(out),
            "--retry-failed" if args.retry_failed else "--resume"]
    for flag, value, default in (("--backend", args.backend, "process"), ("--workers", args.workers, None),
                                 ("--scheduler", args.scheduler, None), ("--converge", args.converge or None, None),
                                 ("--tolerance", args.tolerance, 0.1), ("--max-runs", args.max_runs, 20_000),
                                 ("--converge-on", args.converge_on, None)):
        if value != default:
            argv += [flag] if value is True else [flag, str(value)]
    return shlex.join(argv)
