"""The ABC-SMC analysis of a calibration file: pyABC's ABCSMC with govsim's runs as its model.

    out/history.db          pyABC's history database (every generation; what --resume continues)
    out/runs/gTTT-SSSSSS/   one engine store per batch of proposals (generation, first proposal)
    out/posterior.parquet   the last generation: one row per particle, its parameters and weight
    out/populations.parquet every generation's particles (generation, parameters, weight)
    out/generations.csv     tolerance, proposals, accepted, acceptance rate, ESS and runs per generation
    out/parameters.csv      prior and posterior summaries per parameter
    out/figures/            marginals, pairs, generations (PNG and SVG)
    out/ppc/                the posterior predictive check: an engine store with validation/
    out/calibration.json    what was run, its cost, and where everything is
    out/report.html         all of the above in one file

Summary statistics are, per calibration target, the mean over a particle's replicates of
the target's statistic in its scenario. The distance is the Euclidean norm of the
errors scaled by each target's sd (pyABC's PNormDistance with fixed weights 1/sd), the
tolerance schedule pyABC's median of the last generation's distances, the transition
a multivariate normal kernel, acceptance uniform (`d <= eps`). A statistic that is
undefined in every replicate (NaN: nothing to divide by) counts as UNDEFINED_SDS
standard deviations off, so such particles are never accepted.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.calibrate.file import Calibration
from analysis.calibrate.sampler import EngineSampler
from analysis.targets import simulated
from sim.engine.execute import execute
from sim.engine.plan import Plan, Point
from sim.engine.provenance import provenance
from sim.engine.store import Store, read_runs, read_timeseries, write_atomic
from sim.errors import InputError

UNDEFINED_SDS = 1000.0
RUN_KEY = 0x72756E      # "run": the run seeds' stream, apart from the proposals'
HISTORY = "history.db"
SUMMARY = "calibration.json"


@dataclass
class Backend:
    backend: str = "process"
    workers: int | None = None
    scheduler: str | None = None
    progress: Callable[[str], Callable[[int, int], None]] | None = None


def run_master_seed(seed: int, t: int) -> int:
    """The master seed of generation t's runs (t = -1: pyABC's calibration sample)."""
    return int(np.random.SeedSequence(seed, spawn_key=(RUN_KEY, t + 1)).generate_state(1)[0])


def particle_points(c: Calibration, start: int, proposals: Sequence[Mapping[str, float]]) -> list[Point]:
    """One point per (proposal, scenario); point id = proposal index × scenarios + scenario,
    so a proposal's runs and seeds depend on its index in the generation alone."""
    from analysis.validate import lever_value
    from sim.levers import resolve

    n_s = len(c.targets.scenarios)
    out = []
    for j, theta in enumerate(proposals):
        theta = c.to_levers(theta)
        for k, s in enumerate(c.targets.scenarios):
            values = {**s.overrides, **c.fixed, **{n: lever_value(n, v) for n, v in theta.items()}}
            out.append(Point((start + j) * n_s + k, f"{s.name} | particle {start + j}", resolve(values)))
    return out


def particle_statistics(c: Calibration, runs: pd.DataFrame, timeseries: pd.DataFrame | None,
                        start: int, count: int) -> list[dict[str, float]]:
    """Per proposal, each calibration target's statistic averaged over its replicates."""
    n_s = len(c.targets.scenarios)
    names = [s.name for s in c.targets.scenarios]
    runs = runs[runs["status"] == "ok"].assign(proposal=lambda d: d["point_id"] // n_s,
                                                scen=lambda d: [names[i] for i in d["point_id"] % n_s])
    out = [dict() for _ in range(count)]
    for t in c.calibration_targets:
        mine = runs[runs["scen"] == t.scenario]
        values = simulated(t, mine, timeseries)
        means = pd.Series(values.to_numpy(), index=mine["proposal"].to_numpy()).groupby(level=0).mean()
        for j in range(count):
            v = means.get(start + j, np.nan)
            out[j][t.id] = float(v) if np.isfinite(v) else t.centre + UNDEFINED_SDS * t.sd
    return out


class Runner:
    """pyABC's simulations as engine runs: one store per batch of proposals, resumable."""

    def __init__(self, c: Calibration, out: Path, backend: Backend, command: list[str]) -> None:
        self.c, self.out, self.backend, self.command = c, out, backend, command
        self.runs = 0
        self.seconds = 0.0
        self.proposals: dict[int, list[Mapping[str, float]]] = {}   # generation -> its proposals so far

    def plan(self, t: int, start: int, proposals: Sequence[Mapping[str, float]]) -> Plan:
        """The generation's proposals so far as one plan (point ids 0, 1, ... in proposal order,
        as the engine wants them); a batch runs the sub-plan of its own points."""
        c = self.c
        gen = self.proposals.setdefault(t, [])
        del gen[start:]                   # a replayed generation (resume) proposes the same again
        gen.extend(proposals)
        return Plan(points=particle_points(c, 0, gen), replicates=c.replicates,
                    seed=run_master_seed(c.seed, t), weeks=c.targets.weeks,
                    timeseries_every=c.targets.timeseries_every, common_random_numbers=False,
                    meta={"kind": "calibrate", "calibration": c.name, "generation": t, "first_proposal": start})

    def __call__(self, t: int, start: int, proposals: Sequence[Mapping[str, float]]) -> list[dict[str, float]]:
        plan = self.plan(t, start, proposals)
        n_s = len(self.c.targets.scenarios)
        mine = plan.with_points(plan.points.select(np.arange(start * n_s, (start + len(proposals)) * n_s)))
        path = self.out / "runs" / f"g{t + 1:03d}-{start:06d}"
        store = Store.open(path, plan, provenance(self.command), resume=True)
        b = self.backend
        summary = execute(mine, store, backend=b.backend, workers=b.workers, scheduler=b.scheduler,
                          progress=b.progress(f"generation {t}" if t >= 0 else "prior sample") if b.progress else None)
        store.finish("complete" if summary.failed == 0 else "complete-with-failures", failed=summary.failed)
        self.runs += summary.done
        self.seconds += summary.seconds
        runs = read_runs(path)
        ts = read_timeseries(path) if plan.timeseries_every else None
        return particle_statistics(self.c, runs, ts, start, len(proposals))


def _no_model(pars):  # pragma: no cover - the EngineSampler never calls the model
    raise RuntimeError("govsim's runs go through the EngineSampler; pyABC must not call the model directly")


def build_abc(c: Calibration, runner: Runner):
    """pyABC's ABCSMC for the calibration file, with the engine sampler."""
    import pyabc

    prior = pyabc.Distribution(**{p.name: pyabc.RV(p.pyabc_args()[0], *p.pyabc_args()[1])
                                  for p in c.priors})
    targets = c.calibration_targets
    distance = pyabc.PNormDistance(p=2, fixed_weights={t.id: 1.0 / t.sd for t in targets})
    holder: dict[str, Any] = {}

    def expected_acceptance(t: int) -> float:
        # only sizes the batches: the accepted particles do not depend on it
        if t <= 0:
            return 1.0 if t < 0 else 0.5
        pops = holder["abc"].history.get_all_populations()
        prev = pops[pops["t"] == t - 1]
        if prev.empty or not prev["samples"].iloc[0]:
            return 0.3
        return 0.8 * float(prev["particles"].iloc[0]) / float(prev["samples"].iloc[0])

    sampler = EngineSampler(runner, c.seed, expected_acceptance=expected_acceptance)
    abc = pyabc.ABCSMC(_no_model, prior, distance, population_size=c.population,
                       eps=pyabc.MedianEpsilon(), sampler=sampler)
    holder["abc"] = abc
    return abc, sampler


def observed(c: Calibration) -> dict[str, float]:
    return {t.id: t.centre for t in c.calibration_targets}


def calibrate(c: Calibration, out: Path, backend: Backend, *, resume: bool = False,
              command: list[str] | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run (or resume) the ABC-SMC and write every output; returns the summary."""
    logging.getLogger("ABC").setLevel(logging.WARNING)
    out.mkdir(parents=True, exist_ok=True)
    command = command or ["govsim", "calibrate", str(c.path)]
    runner = Runner(c, out, backend, command)
    abc, sampler = build_abc(c, runner)
    db = f"sqlite:///{(out / HISTORY).resolve()}"
    start = time.perf_counter()
    done = 0
    if resume and (out / HISTORY).is_file():
        abc.load(db, 1)
        done = int(abc.history.max_t) + 1
        log(f"resuming {out}: {done} complete generation(s) in {HISTORY}")
    else:
        abc.new(db, observed(c), meta_info={"calibration": c.name, "seed": str(c.seed)})
    left = c.generations - done
    if left > 0:
        budget = c.max_runs // c.runs_per_particle if c.max_runs else np.inf
        abc.run(minimum_epsilon=c.min_epsilon, max_nr_populations=left, max_total_nr_simulations=budget)
    seconds = time.perf_counter() - start
    from analysis.calibrate import output
    return output.write_all(c, out, abc.history, backend, extra={
        "command": command, "session_seconds": round(seconds, 1), "session_runs": runner.runs,
        "batches": sampler.batches})


def check_out(out: Path, resume: bool, overwrite: bool) -> None:
    """A new, resumed or replaced output directory; never a silent reuse."""
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a directory", source=str(out), key="--out")
    entries = [e for e in out.iterdir() if not e.name.startswith(".")] if out.is_dir() else []
    if resume:
        if entries and not (out / HISTORY).is_file():
            raise InputError(f"is not a calibration (no {HISTORY}); nothing to resume", source=str(out),
                             key="--resume")
        return
    if entries and not overwrite:
        raise InputError("is not empty; pass --resume to continue it, --overwrite to replace it, "
                         "or choose another --out", source=str(out), key="--out")


def clear(out: Path) -> None:
    """--overwrite: delete a calibration directory, and only one (it holds calibration.json)."""
    import shutil

    if not (out / SUMMARY).is_file() and not (out / HISTORY).is_file():
        raise InputError(f"holds no {SUMMARY}, so --overwrite will not delete it (it replaces only a directory "
                         "`govsim calibrate` wrote); choose another --out", source=str(out), key="--overwrite")
    for entry in out.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def same_calibration(c: Calibration, out: Path) -> None:
    """A resumed calibration must be the same file: refuse in one line otherwise."""
    f = out / SUMMARY
    if not f.is_file():
        return
    before = json.loads(f.read_text()).get("calibration", {})
    now = json.loads(json.dumps(c.describe(), default=str))
    for key in ("parameters", "population", "replicates", "seed", "levers", "targets"):
        if before.get(key) != now.get(key):
            raise InputError(f"holds a calibration with different {key}; resume only with the same "
                             "calibration file, or write to a new --out", source=str(out), key="--resume")


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, default=_plain) + "\n"))


def _plain(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return None if not math.isfinite(v) else float(v)
    return str(v)
