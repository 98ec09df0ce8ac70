"""One run as a pure function: (levers, seed, weeks) -> RunRecord.

Everything above the model — designs, backends, the store, analysis — only moves
these records around.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.levers import resolve
from sim.model import GovernanceModel
from sim.outcomes import N_COUNTERS, counters, named, outcome_table

DEFAULT_WEEKS = 156  # 2018 to 2020, the policy's first target year
DEFAULT_SEED = 20180409  # master seed of studies and experiments: the day the Implementation Opinions were issued


@dataclass(frozen=True)
class RunRecord:
    """What one run produced: its full lever values, seed, weeks and outcomes."""

    levers: dict[str, Any]
    seed: int
    weeks: int
    outcomes: dict[str, float]
    weeks_recorded: np.ndarray          # the weeks of the time series
    timeseries: np.ndarray              # (len(weeks_recorded), len(sim.outcomes.OUTCOME_NAMES))


def run(levers: Mapping[str, Any] | None = None, seed: int = 0, weeks: int = DEFAULT_WEEKS,
        timeseries_every: int = 1) -> RunRecord:
    """Run one community for `weeks` weeks; keep every k-th week (0: none, only the end).

    With the lever `warmup_weeks` > 0 the community first runs that long under the
    same levers; counting and recording then start afresh (weeks numbered from 1),
    the cases still open carried over as created at the start.
    """
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    full = resolve(levers or {})
    model = start_model(full, seed)
    recorded, rows = [], []
    for week in range(1, weeks + 1):
        model.step()
        if timeseries_every and (week % timeseries_every == 0 or week == weeks):
            recorded.append(week)
            rows.append(counters(model))
    if not recorded or recorded[-1] != weeks:  # the last week, unrecorded (timeseries_every = 0)
        rows.append(counters(model))
    # every recorded week's outcomes at once, from the counters kept (sim.outcomes)
    table = outcome_table(np.array(rows, np.float64).reshape(len(rows), N_COUNTERS), model.households.n,
                          model.households.group_size)
    return RunRecord(
        levers=full,
        seed=int(seed),
        weeks=weeks,
        outcomes=named(table[-1]),
        weeks_recorded=np.array(recorded, np.int32),
        timeseries=table[:len(recorded)],
    )


def start_model(levers: Mapping[str, Any], seed: int) -> GovernanceModel:
    """A model ready for its week 1, as `run` starts it (warm-up included): the one
    place that says how a run begins, so that observers (sim.snapshot) replay a run
    exactly as it was recorded."""
    full = resolve(levers)
    model = GovernanceModel(full, seed=seed)
    warmup = full["warmup_weeks"]
    if warmup:
        for _ in range(warmup):
            model.step()
        model.restart_counts()
    return model
