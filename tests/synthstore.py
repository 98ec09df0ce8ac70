"""Results stores with planted numbers, for tests of comparisons, figures and reports.

A store here has the exact format `govsim run` writes (sim.engine.store), but its outcomes
are drawn from known distributions instead of simulated, so tests can check
statistics against the truth and run in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim.levers import resolve
from sim.outcomes import OUTCOME_NAMES
from sim.engine.plan import Plan, Point
from sim.engine.provenance import provenance
from sim.engine.store import RUNS_SCHEMA, TIMESERIES_SCHEMA, Store

# outcome value of a run: f(point_id, replicate, rng) -> {outcome: value}; the rest get defaults
Values = Callable[[int, int, np.random.Generator], Mapping[str, float]]


def default_values(point_id: int, replicate: int, rng: np.random.Generator) -> dict[str, float]:
    """Every outcome: 0.4 + 0.1 × point + noise, weeks 10 + point + noise, counts 100 + noise."""
    out = {}
    for name in OUTCOME_NAMES:
        if name.startswith("mean_weeks"):
            out[name] = 10 + point_id + rng.normal(0, 0.5)
        elif name.startswith(("cases_", "firms")):
            out[name] = float(100 + rng.integers(0, 10))
        else:
            out[name] = 0.4 + 0.1 * point_id + rng.normal(0, 0.02)
    return out


def make_store(path: Path, points: Sequence[tuple[str, Mapping[str, Any]]], *, replicates: int = 6,
               weeks: int = 12, seed: int = 1, common: bool = True, values: Values | None = None,
               failed: Sequence[int] = (), timeseries: bool = True) -> Path:
    """A complete store at path: points are (scenario name, lever overrides).

    Time series rise linearly from 0 to the run's end value, so the end of each
    series equals the runs table. Run ids in `failed` are recorded as failed.
    """
    plan = Plan(points=[Point(i, name, resolve(levers)) for i, (name, levers) in enumerate(points)],
                replicates=replicates, seed=seed, weeks=weeks, common_random_numbers=common,
                meta={"kind": "synthetic"})
    store = Store.open(path, plan, provenance(["pytest", "synthetic"]))
    rng = np.random.default_rng(seed)
    rows, ts = [], []
    for task in plan.tasks():
        point = plan.point(task.point_id)
        v = {**default_values(task.point_id, task.replicate, rng),
             **(values(task.point_id, task.replicate, rng) if values else {})}
        ok = task.run_id not in failed
        if not ok:
            v = {name: float("nan") for name in OUTCOME_NAMES}
        rows.append({"run_id": task.run_id, "point_id": task.point_id, "scenario": point.scenario,
                     "replicate": task.replicate, "seed": task.seed, "weeks": weeks, **point.levers, **v,
                     "status": "ok" if ok else "failed", "error": "" if ok else "RuntimeError: planted",
                     "attempt": 1, "wall_time_s": 0.01})
        if ok and timeseries:
            for w in range(1, weeks + 1):
                ts.append({"run_id": task.run_id, "week": w, **{k: x * w / weeks for k, x in v.items()}})
    store.write(pa.Table.from_pylist(rows, schema=RUNS_SCHEMA),
                pa.Table.from_pylist(ts, schema=TIMESERIES_SCHEMA) if ts else None)
    store.finish("complete")
    return Path(path)
