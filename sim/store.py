"""The results store: a directory of Parquet parts and a manifest.

    DIR/manifest.json          the plan, its digest, provenance, status
    DIR/design.parquet         one row per point: point_id, scenario, every lever
    DIR/runs.parquet/          part files, one row per run
    DIR/timeseries.parquet/    part files, one row per run and recorded week

`pandas.read_parquet(DIR / "runs.parquet")` reads every part at once. Every file is
written under a hidden temporary name (which Parquet readers skip) and renamed into
place, so a crash never leaves a half-written part: a run either has its row or it
does not, and `--resume` runs exactly the missing ones. The timeseries part of a
chunk is written before its runs part; a timeseries part without its runs part is
an orphan from a crash and is removed on resume.

`govsim run`, `govsim sweep` and `govsim sensitivity` all write this format.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.levers import LEVERS
from sim.outcomes import OUTCOME_NAMES
from sim.plan import Plan

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
RUNS = "runs.parquet"
TIMESERIES = "timeseries.parquet"
PART = re.compile(r"^part-s(\d+)-(\d+)\.parquet$")

_ARROW = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "choice": pa.string()}
LEVER_FIELDS = [pa.field(l.name, _ARROW[l.type]) for l in LEVERS]
OUTCOME_FIELDS = [pa.field(name, pa.float64()) for name in OUTCOME_NAMES]
RUNS_SCHEMA = pa.schema(
    [pa.field("run_id", pa.int64()), pa.field("point_id", pa.int64()), pa.field("scenario", pa.string()),
     pa.field("replicate", pa.int64()), pa.field("seed", pa.int64()), pa.field("weeks", pa.int64())]
    + LEVER_FIELDS + OUTCOME_FIELDS
    + [pa.field("status", pa.string()), pa.field("error", pa.string()),
       pa.field("attempt", pa.int64()), pa.field("wall_time_s", pa.float64())])
TIMESERIES_SCHEMA = pa.schema([pa.field("run_id", pa.int64()), pa.field("week", pa.int64())] + OUTCOME_FIELDS)
DESIGN_SCHEMA = pa.schema([pa.field("point_id", pa.int64()), pa.field("scenario", pa.string())] + LEVER_FIELDS)


def write_atomic(path: Path, write) -> None:
    """Call write(tmp_path), then rename the temporary file into place."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def write_table(path: Path, table: pa.Table) -> None:
    write_atomic(path, lambda tmp: pq.write_table(table, tmp))


def is_store(path: Path) -> bool:
    return (Path(path) / MANIFEST).is_file()


class Store:
    """A results directory being written (or resumed)."""

    def __init__(self, path: Path, shard: int = 0) -> None:
        self.path = Path(path)
        self.shard = shard
        self.runs_dir = self.path / RUNS
        self.ts_dir = self.path / TIMESERIES
        self._seq = self._last_seq() + 1

    # ---- opening ----------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, plan: Plan, provenance: Mapping[str, Any], *,
             overwrite: bool = False, resume: bool = False, shard: int = 0) -> Store:
        """A store for plan at path: new, resumed (same plan only) or overwritten.

        An existing non-empty directory is never reused silently: it must be resumed
        (and then hold the same plan) or overwritten explicitly.
        """
        path = Path(path)
        source = str(path)
        if path.exists() and not path.is_dir():
            raise InputError("exists and is not a directory", source=source, key="--out")
        non_empty = path.is_dir() and any(path.iterdir())
        if non_empty and resume:
            manifest = read_manifest(path)
            if manifest.get("plan_digest") != plan.digest():
                raise InputError(
                    f"holds results of a different experiment (digest {manifest.get('plan_digest')}, "
                    f"this one {plan.digest()}); resume only with the same experiment file and options, "
                    "or write to a new --out", source=source, key="--resume")
            store = cls(path, shard)
            store.remove_orphans()
            return store
        if non_empty and not overwrite:
            raise InputError("is not empty; pass --overwrite to replace it, --resume to continue it, "
                             "or choose another --out", source=source, key="--out")
        if non_empty:
            shutil.rmtree(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / RUNS).mkdir(exist_ok=True)
        (path / TIMESERIES).mkdir(exist_ok=True)
        write_table(path / DESIGN, design_table(plan))
        write_json(path / MANIFEST, {**provenance, "status": "running", "plan_digest": plan.digest(),
                                     "master_seed": plan.seed, "seed_derivation": plan.seed_derivation(),
                                     "n_points": len(plan.points), "n_runs": plan.n_runs,
                                     "plan": plan.describe()})
        return cls(path, shard)

    def _parts(self, directory: Path) -> dict[tuple[int, int], Path]:
        parts = {}
        if directory.is_dir():
            for f in directory.iterdir():
                m = PART.match(f.name)
                if m:
                    parts[(int(m.group(1)), int(m.group(2)))] = f
        return parts

    def _last_seq(self) -> int:
        keys = [seq for (shard, seq) in self._parts(self.runs_dir) | self._parts(self.ts_dir) if shard == self.shard]
        return max(keys, default=0)

    def remove_orphans(self) -> None:
        """Timeseries parts whose runs part never landed (a crash between the two)."""
        runs = self._parts(self.runs_dir)
        for key, f in self._parts(self.ts_dir).items():
            if key[0] == self.shard and key not in runs:
                f.unlink()

    # ---- what is done -----------------------------------------------------------------
    def finished(self) -> pd.DataFrame:
        """run_id, status and attempt of every run recorded so far (latest attempt)."""
        if not self._parts(self.runs_dir):
            return pd.DataFrame({"run_id": [], "status": [], "attempt": []})
        df = pd.read_parquet(self.runs_dir, columns=["run_id", "status", "attempt"])
        return df.sort_values("attempt").drop_duplicates("run_id", keep="last")

    # ---- writing ----------------------------------------------------------------------
    def write(self, runs: pa.Table, timeseries: pa.Table | None) -> None:
        """One chunk of finished runs, as one part in each table."""
        name = f"part-s{self.shard:03d}-{self._seq:06d}.parquet"
        self._seq += 1
        if timeseries is not None and timeseries.num_rows:
            write_table(self.ts_dir / name, timeseries)
        write_table(self.runs_dir / name, runs)

    def finish(self, status: str = "complete", **extra: Any) -> None:
        manifest = read_manifest(self.path)
        manifest.update(status=status, **extra)
        write_json(self.path / MANIFEST, manifest)


def design_table(plan: Plan) -> pa.Table:
    rows = [{"point_id": p.point_id, "scenario": p.scenario, **p.levers} for p in plan.points]
    return pa.Table.from_pylist(rows, schema=DESIGN_SCHEMA)


def read_manifest(path: Path | str) -> dict[str, Any]:
    f = Path(path) / MANIFEST
    if not f.is_file():
        raise InputError("is not a govsim results directory (no manifest.json)", source=str(path))
    try:
        return json.loads(f.read_text())
    except json.JSONDecodeError as e:
        raise InputError(f"manifest.json is not valid JSON ({e.msg}, line {e.lineno})", source=str(path)) from None


def read_runs(path: Path | str) -> pd.DataFrame:
    """Every run of a store, once each (its latest attempt), in run_id order."""
    d = Path(path) / RUNS
    if not d.is_dir() or not any(PART.match(f.name) for f in d.iterdir()):
        return RUNS_SCHEMA.empty_table().to_pandas()
    df = pd.read_parquet(d)
    df = df.sort_values(["run_id", "attempt"]).drop_duplicates("run_id", keep="last")
    return df.reset_index(drop=True)


def read_timeseries(path: Path | str, run_ids: np.ndarray | None = None) -> pd.DataFrame:
    """Time series of a store's runs (of run_ids, when given), in (run_id, week) order."""
    d = Path(path) / TIMESERIES
    if not d.is_dir() or not any(PART.match(f.name) for f in d.iterdir()):
        return TIMESERIES_SCHEMA.empty_table().to_pandas()
    df = pd.read_parquet(d)
    if run_ids is not None:
        df = df[df["run_id"].isin(run_ids)]
    # a retried run may have left rows of an earlier attempt: keep the latest part's
    df = df.drop_duplicates(["run_id", "week"], keep="last")
    return df.sort_values(["run_id", "week"]).reset_index(drop=True)
