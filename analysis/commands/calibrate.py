"""`govsim calibrate`: ABC-SMC (pyABC) of behaviour parameters against a targets file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.commands.options import out_path
from analysis.commands.validate import add_engine_arguments, check_engine_arguments
from sim.errors import InputError

NAME = "calibrate"
HELP = "calibrate behaviour parameters against a targets file (ABC-SMC with pyABC on the experiment engine)"
DESCRIPTION = (HELP + ". Writes posterior.parquet (particles and weights), populations.parquet, generations.csv "
               "(tolerance, acceptance, ESS), parameters.csv, figures/, ppc/ (posterior predictive check), "
               "calibration.json and report.html. --resume continues from the last complete generation.")
ORDER = 55
DRY_RUN_SAMPLES = 3


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("calibration", metavar="CALIBRATION", type=Path, help="calibration file (TOML)")
    p.add_argument("--out", type=out_path, metavar="DIR", help="output directory (default: results/calibrate-NAME)")
    p.add_argument("--resume", action="store_true", help="continue --out from its last complete generation")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--dry-run", action="store_true", help="estimate runs and wall time from a few timed runs; "
                   "write nothing")
    add_engine_arguments(p)


def main(args: argparse.Namespace) -> int:
    import importlib.util
    if importlib.util.find_spec("pyabc") is None:   # an optional extra: say how to install it
        raise InputError("needs pyABC: pip install 'govsim[calibration]'")
    from analysis.calibrate import file, run
    from analysis.progress import ProgressReporter

    if args.overwrite and args.resume:
        raise InputError("cannot be combined with --resume", key="--overwrite")
    check_engine_arguments(args)
    c = file.read(args.calibration)
    out = args.out or Path("results") / f"calibrate-{c.name}"
    if args.dry_run:
        return dry_run(c, args, out)
    run.check_out(out, args.resume, args.overwrite)
    if args.resume:
        run.same_calibration(c, out)
    elif args.overwrite and out.exists():
        run.clear(out)
    backend = run.Backend(args.backend, args.workers, args.scheduler,
                          progress=lambda what: ProgressReporter(f"runs ({what})"))
    out.mkdir(parents=True, exist_ok=True)
    if not (out / run.SUMMARY).is_file():
        run.write_json(out / run.SUMMARY, {"calibration": c.describe(), "status": "running"})
    print(f"calibrating {len(c.priors)} parameters against {len(c.calibration_targets)} targets: population "
          f"{c.population}, up to {c.generations} generations, {c.runs_per_particle} runs per particle -> {out}",
          file=sys.stderr)
    summary = run.calibrate(c, out, backend, resume=args.resume, command=["govsim", *sys.argv[1:]])
    print(format_summary(summary))
    print(f"\ncalibration: {out}\nreport:      {out / 'report.html'}")
    return 0


def format_summary(s: dict) -> str:
    lines = [f"{s['generations']} generations, final tolerance {s['final_epsilon']:.3g}, {s['runs_total']} runs",
             f"{'parameter':34s} {'prior':>28s} {'posterior mean [5%, 95%]':>30s} {'sd ratio':>9s}"]
    for p in s["parameters"]:
        lines.append(f"{p['parameter']:34s} {p['prior']:>28s} "
                     f"{p['posterior_mean']:9.3g} [{p['posterior_q05']:.3g}, {p['posterior_q95']:.3g}]".ljust(95)
                     + f"{p['sd_ratio']:9.2f}")
    if s.get("ppc"):
        lines.append(f"posterior predictive check: met {', '.join(s['ppc']['met']) or 'none'}; "
                     f"missed {', '.join(s['ppc']['missed']) or 'none'}")
    return "\n".join(lines)


def dry_run(c, args: argparse.Namespace, out: Path) -> int:
    """Runs and wall time, estimated from a few runs timed here (at the prior means)."""
    import time

    from analysis.calibrate.run import particle_points
    from analysis.commands.sweep import EFFICIENCY, STARTUP_S, clock
    from sim.engine.execute import available_cores
    from sim.run import run

    n_s = len(c.targets.scenarios)
    proposals = c.population * (1 + 2 + (c.generations - 1) / 0.3)   # prior sample, t=0 at ~50%, then ~30%
    runs = int(proposals * c.runs_per_particle) + (c.ppc_draws + 1) * n_s * c.ppc_replicates
    if c.max_runs:
        runs = min(runs, c.max_runs + (c.ppc_draws + 1) * n_s * c.ppc_replicates)
    theta = {p.name: p.to_sampled(float(p.scipy().mean())) for p in c.priors}
    points = particle_points(c, 0, [theta])
    times = []
    for k in range(DRY_RUN_SAMPLES):
        start = time.perf_counter()
        run(points[k % n_s].levers, seed=k, weeks=c.targets.weeks)
        times.append(time.perf_counter() - start)
    mean = sum(times) / len(times)
    workers = 1 if args.backend == "serial" else args.workers or available_cores()
    eff = EFFICIENCY[args.backend] if workers > 1 else 1.0
    seconds = c.generations * 2 * STARTUP_S[args.backend] + runs * mean / (workers * eff)
    print(f"calibration {c.name}: {len(c.priors)} parameters, {len(c.calibration_targets)} targets, population "
          f"{c.population}, up to {c.generations} generations, {c.runs_per_particle} runs per particle")
    print(f"timed {len(times)} runs: {mean:.3f} s per run; expected about {runs} runs (assuming acceptance "
          f"~50% in generation 0 and ~30% after; it falls as the tolerance shrinks)")
    print(f"estimated wall time on --backend {args.backend} with {workers} worker(s): {clock(seconds)} "
          f"({runs * mean / 3600:.2f} CPU-hours)")
    print(f"would write to {out}; nothing written (dry run)")
    return 0
