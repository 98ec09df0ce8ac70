"""An analysis file through the experiment engine: design → plan → store → indices.

The SALib design becomes a `sim.engine.plan.Plan` whose point ids follow the design's row
order, run by `sim.engine.execute` into a `sim.engine.store` directory, so every backend, worker
count and `--resume` works as for any other experiment. Indices are computed on each
point's replicate mean; the share of that mean's variance that is run-to-run noise is
reported beside them.

Convergence (`--converge`): N doubles, N, 2N, 4N, ..., while the runs stay within the
budget, and stops at the first N where the widest 95% interval of the watched indices
(over all outcomes, dummy excluded) is at most the tolerance. The plan holds the
design for the largest N the budget allows, and each level runs a sub-plan of it:

- nested designs (Sobol', Morris, and the given-data methods on a Sobol' sequence):
  level N uses design rows [0, points(N)), which begin with the rows of N/2, so each
  doubling runs only the new rows;
- other designs (FAST, Latin hypercubes): each level is a design of its own, stored
  after the previous one, and its runs are new.

Run ids and seeds depend only on (point id, replicate), so a run means the same thing
at every level and in every resumed session.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.sensitivity import methods as sa
from analysis.sensitivity.file import Analysis, lever_column
from sim.errors import InputError
from sim.engine.execute import execute
from sim.engine.design import ListedRows
from sim.levers import LEVER_BY_NAME, resolve
from sim.engine.plan import DesignPoints, Plan
from sim.engine.store import Store, read_runs

MAX_LEVELS = 20


class AnalysisFailed(Exception):
    """Runs or outcomes that make indices impossible (not a user-input error): exit 1."""


@dataclass(frozen=True)
class Converge:
    tolerance: float = 0.1
    max_runs: int = 20_000
    indices: tuple[str, ...] = ()      # empty: the method's default (Method.converge_on)


@dataclass(frozen=True)
class Level:
    n: int
    rows: np.ndarray                   # design rows (= point ids) this level analyses
    runs_total: int                    # runs the whole analysis has needed by the end of this level


@dataclass
class Report:
    analysis: Analysis
    levels: list[Level]
    indices: dict[str, pd.DataFrame] = field(default_factory=dict)     # outcome -> table of the last level
    noise: pd.DataFrame | None = None
    convergence: pd.DataFrame | None = None                            # every level's indices
    undefined: dict[str, str] = field(default_factory=dict)            # outcome -> why it has no indices
    levels_done: int = 0
    converged: bool | None = None
    widest: float = float("nan")
    watched: tuple[str, ...] = ()
    runs: int = 0
    seconds: float = 0.0


# ---- the design and the plan ------------------------------------------------------------------------
def plan_levels(a: Analysis, converge: Converge | None) -> list[Level]:
    """The N of each level and the design rows it analyses."""
    k = len(a.levers)
    points = lambda n: sa.n_points(a.method, k, n, a.options)  # noqa: E731
    nested = sa.nested(a.method, a.options)
    ns = [a.n]
    if converge is not None:
        first = points(a.n) * a.replicates
        if first > converge.max_runs:
            raise InputError(f"got {converge.max_runs}; the first N={a.n} alone needs {first} runs "
                             f"({points(a.n)} points × {a.replicates} replicates)", key="--max-runs")
        while len(ns) < MAX_LEVELS:
            nxt = ns + [2 * ns[-1]]
            total = points(nxt[-1]) if nested else sum(points(n) for n in nxt)
            if total * a.replicates > converge.max_runs:
                break
            ns = nxt
    levels, offset = [], 0
    for n in ns:
        p = points(n)
        if nested:
            rows = np.arange(p)
            total = p
        else:
            rows = np.arange(offset, offset + p)
            offset += p
            total = offset
        levels.append(Level(n, rows, total * a.replicates))
    return levels


def design(a: Analysis, levels: Sequence[Level]) -> np.ndarray:
    """Every design row the levels need, in point-id order (continuous inputs)."""
    bounds = a.design_bounds
    if sa.nested(a.method, a.options):
        return sa.sample(a.method, bounds, levels[-1].n, a.seed, a.options)
    return np.vstack([sa.sample(a.method, bounds, lv.n, a.seed, a.options) for lv in levels])


def build_plan(a: Analysis, X: np.ndarray, levels: Sequence[Level]) -> Plan:
    """The plan of design X: one base (the scenario's levers) plus each row's lever values,
    kept as columns rather than one dict per point."""
    base = resolve(dict(a.scenario.overrides))
    rows = ListedRows({name: lever_column(LEVER_BY_NAME[name], X[:, j], a.bounds[name])
                       for j, name in enumerate(a.levers)}, n=len(X))
    meta = {"kind": "sensitivity", "analysis": a.name, "method": a.method, "levers": list(a.levers),
            "bounds": {k: list(v) for k, v in a.bounds.items()}, "base_scenario": a.scenario.name,
            "levels": [lv.n for lv in levels],
            "design_options": {k: v for k, v in a.options.items() if k not in sa.COMMON_OPTIONS}}
    return Plan(points=DesignPoints([a.name], [{None: base}], rows), replicates=a.replicates, seed=a.seed,
                weeks=a.weeks, timeseries_every=0, common_random_numbers=a.common_random_numbers, meta=meta)


def sub_plan(plan: Plan, rows: np.ndarray) -> Plan:
    """The plan restricted to some points: same ids, so the same run ids and seeds."""
    return plan.with_points(plan.points.select(rows))


# ---- from runs to indices -------------------------------------------------------------------------------
def point_means(runs: pd.DataFrame, rows: np.ndarray, outcomes: Sequence[str],
                replicates: int) -> tuple[np.ndarray, dict[str, str]]:
    """Replicate means, (len(rows), len(outcomes)), and why any outcome cannot be analysed."""
    mine = runs[runs["point_id"].isin(rows)]
    failed = mine[mine["status"] != "ok"]
    if len(failed):
        first = failed.iloc[0]
        raise AnalysisFailed(f"{len(failed)} run(s) failed (first: run {first['run_id']}: {first['error']}); "
                             "see the 'error' column of runs.parquet, fix the cause and rerun with "
                             "--resume --retry-failed")
    if len(mine) != len(rows) * replicates:
        raise AnalysisFailed(f"{len(rows) * replicates - len(mine)} run(s) of this N are missing from the store; "
                             "rerun with --resume")
    means = mine.groupby("point_id")[list(outcomes)].mean().reindex(rows)
    undefined = {}
    for o in outcomes:
        nan = mine[o].isna()
        if nan.any():
            example = mine.loc[nan].iloc[0]
            undefined[o] = (f"undefined (NaN) in {int(nan.sum())} of {len(mine)} runs (e.g. run {example['run_id']}, "
                            f"point {example['point_id']}): it has nothing to divide by for some lever values, so "
                            "it has no variance to apportion; narrow the bounds or analyse another outcome")
    return means.to_numpy(float), undefined


def noise_table(runs: pd.DataFrame, rows: np.ndarray, outcomes: Sequence[str], replicates: int) -> pd.DataFrame:
    """How much of each outcome's variance is run-to-run noise.

    noise_share = (mean within-point variance / replicates) / variance of the point
    means: the share of the variance the indices apportion that is noise rather than
    levers. noise_share_single_run is the same for one run (replicates = 1). Both
    need replicates ≥ 2.
    """
    mine = runs[runs["point_id"].isin(rows)]
    out = []
    for o in outcomes:
        g = mine.groupby("point_id")[o]
        var_means = float(g.mean().var(ddof=1))
        within = float(g.var(ddof=1).mean()) if replicates > 1 else float("nan")
        total = float(mine[o].var(ddof=1))
        out.append({"outcome": o, "replicates": replicates, "points": int(g.ngroups),
                    "var_point_means": var_means, "mean_within_var": within,
                    "noise_share": within / replicates / var_means if var_means > 0 else float("nan"),
                    "noise_share_single_run": within / total if total > 0 else float("nan")})
    return pd.DataFrame(out)


def run_analysis(a: Analysis, store: Store, plan: Plan, X: np.ndarray, levels: Sequence[Level], *,
                 converge: Converge | None = None, backend: str = "process", workers: int | None = None,
                 scheduler: str | None = None, retry_failed: bool = False,
                 progress: Callable[[int], Callable[[int, int], None]] | None = None) -> Report:
    """Run each level's missing runs and analyse it; stop when converged."""
    m = sa.METHODS[a.method]
    watched = (converge.indices or m.converge_on) if converge else m.converge_on
    report = Report(a, list(levels), watched=tuple(watched))
    history = []
    for j, lv in enumerate(levels):
        summary = execute(sub_plan(plan, lv.rows), store, backend=backend, workers=workers,
                          retry_failed=retry_failed, scheduler=scheduler,
                          progress=progress(lv.n) if progress else None)
        report.seconds += summary.seconds
        runs = read_runs(store.path)
        means, undefined = point_means(runs, lv.rows, a.outcomes, a.replicates)
        report.undefined = undefined
        good = [o for o in a.outcomes if o not in undefined]
        report.noise = noise_table(runs, lv.rows, good, a.replicates) if good else None
        report.levels_done = j + 1
        report.runs = lv.runs_total
        if not good:
            break
        cols = [a.outcomes.index(o) for o in good]
        table = sa.analyze(a.method, a.design_bounds, X[lv.rows], means[:, cols], a.seed, a.options, good)
        report.indices = {o: table[table["output"] == o] for o in good}
        history.append(table.reset_index().assign(n=lv.n, runs=lv.runs_total))
        report.widest = sa.widest_interval(table, watched, relative_to_max=m.relative_width)
        if converge is not None:
            report.converged = bool(report.widest <= converge.tolerance)
            if report.converged:
                break
    if history:
        report.convergence = pd.concat(history, ignore_index=True)
    return report


# ---- reading the report -------------------------------------------------------------------------------
def wide(table: pd.DataFrame, indices: Sequence[str]) -> pd.DataFrame:
    """One row per parameter: each index with its interval and zero flag, sorted by the first."""
    first = table[table["partner"] == ""]
    cols = {}
    for i in indices:
        t = first[first["index"] == i]
        cols[i] = t["value"]
        cols[f"{i}_low"] = t["ci_low"]
        cols[f"{i}_high"] = t["ci_high"]
        cols[f"{i}_includes_zero"] = t["includes_zero"]
    return pd.DataFrame(cols).sort_values(indices[0], ascending=False)


def flagged(value) -> bool:
    """True for a true includes_zero flag (a nullable boolean: NA means no interval)."""
    return value is not pd.NA and value == value and bool(value)


def format_report(r: Report) -> str:
    a = r.analysis
    m = sa.METHODS[a.method]
    lines = []
    for o, table in r.indices.items():
        idx = m.main_index
        w = wide(table, idx)
        lines.append(f"\n{o} — {m.label}, N={r.levels[r.levels_done - 1].n}, {r.runs} runs "
                     f"(95% intervals; * interval includes zero)")
        head = f"  {'lever':40s}" + "".join(f"{i:>26s}" for i in idx)
        lines.append(head)
        for name, row in w.iterrows():
            cells = []
            for i in idx:
                v, lo, hi, z = row[i], row[f"{i}_low"], row[f"{i}_high"], row[f"{i}_includes_zero"]
                cells.append(f"{v:8.3f}" + (f" [{lo:7.3f}, {hi:7.3f}]" if lo == lo else " " * 19)
                             + ("*" if flagged(z) else " "))
            lines.append(f"  {name:40s}" + "".join(f"{c:>26s}" for c in cells))
        if m.given_data:
            lines.append(f"  ({sa.DUMMY} is a column the model never saw: what no influence looks like)")
    if r.noise is not None:
        lines.append("\nrun-to-run noise (share of the variance of replicate means; of a single run's):")
        for _, row in r.noise.iterrows():
            share, single = row["noise_share"], row["noise_share_single_run"]
            if share != share:
                lines.append(f"  {row['outcome']:28s} not estimable with 1 replicate; use replicates >= 2")
                continue
            flag = "  <- mostly noise: raise replicates" if share > 0.5 else (
                "  <- noisy: small indices are not effects" if share > 0.2 else "")
            lines.append(f"  {row['outcome']:28s} {share:6.1%} ({single:.1%}){flag}")
    if r.converged is not None:
        state = "converged" if r.converged else "not converged (budget reached)"
        lines.append(f"\nconvergence: {state}; widest 95% interval of {', '.join(r.watched)} "
                     f"= {r.widest:.3f} at N={r.levels[r.levels_done - 1].n}")
    return "\n".join(lines)
