"""agents.parquet: every household and organisation of each run, at chosen weeks.

`govsim run ... --agents [WEEKS]` writes it after the runs; `analysis.load(DIR).agents`
reads it. Each run is run again from its recorded levers and seed (same seed, same
run: the outcomes at the last week are checked against runs.parquet), and observed
through sim.snapshot, so the experiment engine is untouched and the runs it timed
are not slowed down.

One row per agent and week. `kind` says which: `household` (columns household,
compound, grid, compound_mode, elderly, migrant, owner, vulnerable, digital,
satisfaction, trust, propensity, participated, open_cases, closed_cases),
`grid_worker` (grid, households, professional, skill, cases_in_hand, hours,
case_hours), `social_org` (service, cases_in_hand, hours = capacity, case_hours) or `property_firm` (compound, households, quality, effort,
fee_collection, loss_months, left). Columns that do not apply to a kind are null.
Every row also carries run_id, point_id, scenario, replicate, seed and week.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.outcomes import OUTCOME_NAMES
from sim.snapshot import agent_tables

AGENTS = "agents.parquet"
RUN_COLUMNS = ("run_id", "point_id", "scenario", "replicate", "seed", "week", "kind")
BOOLEAN = ("elderly", "migrant", "owner", "vulnerable", "digital", "participated", "professional", "left")
INTEGER = ("household", "agent_id", "slot", "compound", "grid", "households", "open_cases", "closed_cases",
           "cases_in_hand", "loss_months")
TEXT = ("compound_mode", "service")


def parse_weeks(text: str | None, weeks: int) -> list[int]:
    """--agents' value: nothing or "end" for the last week, else weeks like 52,104,156."""
    if text is None or text == "end":
        return [weeks]
    try:
        chosen = sorted({int(w) for w in text.split(",") if w.strip()})
    except ValueError:
        raise InputError(f"expected 'end' or week numbers like 52,104,156, got {text!r} "
                         "(put --agents after the scenarios)", key="--agents") from None
    if not chosen or chosen[0] < 1 or chosen[-1] > weeks:
        raise InputError(f"weeks must lie in [1, {weeks}] (the run's --weeks), got {text!r}", key="--agents")
    return chosen


def agent_frame(run: Mapping[str, Any], week: int, households: pd.DataFrame, organisations: pd.DataFrame
                ) -> pd.DataFrame:
    """Households and organisations of one run at one week, as rows of one table."""
    hh = households.assign(kind="household")
    table = pd.concat([hh, organisations], ignore_index=True)
    for col in BOOLEAN:
        table[col] = table[col].astype("boolean")
    for col in INTEGER:
        table[col] = pd.array(table[col], dtype="Int64")
    for col in TEXT:
        table[col] = table[col].astype("string")
    table["kind"] = table["kind"].astype("string")
    for name in ("run_id", "point_id", "replicate", "seed"):
        table[name] = np.int64(run[name])
    table["scenario"] = str(run["scenario"])
    table["week"] = np.int64(week)
    return table[[*RUN_COLUMNS, *(c for c in table.columns if c not in RUN_COLUMNS)]]


def write_agents(out: Path, runs: pd.DataFrame, levers_by_point: Mapping[int, Mapping[str, Any]],
                 weeks: int, at: Sequence[int]) -> Path:
    """Write DIR/agents.parquet (a directory of one part per run) for the finished runs.

    Built in a temporary directory beside it and renamed into place: a crash leaves
    no half-written agents.parquet."""
    out = Path(out)
    target = out / AGENTS
    tmp = Path(tempfile.mkdtemp(prefix=".agents-", dir=out))
    try:
        for run in runs[runs["status"] == "ok"].sort_values("run_id").to_dict("records"):
            frames = []
            for week, hh, orgs, outcomes in agent_tables(levers_by_point[int(run["point_id"])], int(run["seed"]),
                                                         weeks, at):
                frames.append(agent_frame(run, week, hh, orgs))
                if week == weeks:
                    check_same_run(run, outcomes)
            pd.concat(frames, ignore_index=True).to_parquet(tmp / f"part-{int(run['run_id']):06d}.parquet",
                                                            index=False)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return target


def check_same_run(run: Mapping[str, Any], outcomes: np.ndarray) -> None:
    """The rerun must be the recorded run: same levers and seed, same outcomes."""
    for name, value in zip(OUTCOME_NAMES, outcomes.tolist()):
        recorded = float(run[name])
        if not (math.isclose(value, recorded, rel_tol=1e-9, abs_tol=1e-12)
                or (math.isnan(value) and math.isnan(recorded))):
            raise RuntimeError(f"run {run['run_id']}: rerunning for agents.parquet gave {name} = {value}, "
                               f"runs.parquet has {recorded}; the model is not reproducible from its seed")


def read_agents(path: Path) -> pd.DataFrame:
    """agents.parquet of a results directory."""
    file = Path(path) / AGENTS
    if not file.exists():
        raise InputError(f"no {AGENTS} here: run `govsim run ... --agents` to write one", source=str(path))
    return pd.read_parquet(file)
