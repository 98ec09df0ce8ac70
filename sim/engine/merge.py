"""Consolidating a store's part files: after a sharded sweep, or any long one.

Every shard writes its own part files; a sharded sweep, or one resumed many times,
leaves hundreds or thousands.
`merge` rewrites them as a few large parts, keeping each run once (its latest
attempt), and brings the shards' status into the manifest.

Never losing or duplicating a run, even when interrupted: parts are merged in
groups, and for each group the merged timeseries part, then the merged runs part,
land (under a temporary name, renamed) before any part of the group is removed. At
every instant each run is in the store at least once; a run that is briefly in
both a part and its merged copy has identical rows in both, and every reader
(`read_runs`, `read_timeseries`, a later merge) keeps one. Memory holds one input
part and one row group (ROW_GROUP rows) at a time, plus four numbers per run.
Merged parts have row groups of ROW_GROUP rows, so readers that select columns or
filter rows skip most of a part's bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.engine.store import (MANIFEST, MERGE_LOCK, PART, RUNS, SHARDS, TIMESERIES, Lock, check_parts, part_names,
                              read_manifest, read_part, remove_dead_temporaries, rows_in_part, write_json,
                              write_new)

PART_ROWS = 262_144      # runs per merged part: four row groups
ROW_GROUP = 65_536       # rows per Parquet row group of a merged part (the last may be shorter)
ORPHAN_AGE_S = 60        # a shard's timeseries part this old without its runs part is a crash's leftover
LOCK = MERGE_LOCK


@dataclass(frozen=True)
class MergeReport:
    parts_before: int
    parts_after: int
    runs: int
    ok: int
    failed: int
    expected: int
    dropped_rows: int                 # superseded attempts and copies left by an interrupted merge
    timeseries_rows: int
    missing_shards: list[str] = field(default_factory=list)
    shard_status: list[dict[str, Any]] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return self.expected - self.runs

    @property
    def status(self) -> str:
        if self.missing:
            return "incomplete"
        return "complete-with-failures" if self.failed else "complete"


def merge(path: Path | str, part_rows: int = PART_ROWS) -> MergeReport:
    """Rewrite the store's parts as few large ones and record the outcome in the manifest."""
    path = Path(path)
    if not path.is_dir():
        raise InputError("no such results directory", source=str(path))
    manifest = read_manifest(path)
    with _lock(path):
        return _merge(path, manifest, part_rows)


def _merge(path: Path, manifest: dict[str, Any], part_rows: int) -> MergeReport:
    runs_dir, ts_dir = path / RUNS, path / TIMESERIES
    _remove_orphans(runs_dir, ts_dir)
    check_parts(path)  # a bad part stops the merge before anything is rewritten
    names = part_names(runs_dir)
    rows = {n: rows_in_part(runs_dir / n) for n in names}
    winners = _winners(runs_dir, names)
    kept = {names[i]: df for i, df in winners.groupby("part")}
    generation = _next_generation(runs_dir, ts_dir)
    k = 0
    for group in _groups(names, kept, part_rows):
        n_kept = sum(len(kept.get(n, ())) for n in group)
        if len(group) == 1 and n_kept == rows[group[0]]:
            continue  # already one part with nothing superseded
        if n_kept:
            k += 1
            new = f"part-m{generation:06d}-{k:06d}.parquet"
            for directory in (ts_dir, runs_dir):  # timeseries first: a runs part marks a complete chunk
                if not _write_group(directory, new, group, kept):
                    raise InputError(f"{new} appeared while merging: is another merge running?", source=str(path))
        for n in group:  # only now that the merged copy is in place
            (ts_dir / n).unlink(missing_ok=True)
            (runs_dir / n).unlink(missing_ok=True)
    report = _report(path, manifest, len(names), sum(rows.values()) - len(winners))
    manifest.update(status=report.status, merged={
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "parts": report.parts_after, "runs": report.runs, "failed": report.failed, "missing": report.missing,
        "shards": report.shard_status})
    write_json(path / MANIFEST, manifest)
    return report


def _winners(runs_dir: Path, names: list[str]) -> pd.DataFrame:
    """For each run, the part (index into names) and row holding its latest attempt,
    and whether it is ok: numeric columns only (about 33 bytes a run).

    Between equal attempts (a part and its merged copy) the later name wins; rows
    are equal, and timeseries are taken from the same part as the runs row.
    """
    frames = []
    for i, name in enumerate(names):
        t = read_part(runs_dir / name, columns=["run_id", "attempt", "status"])
        frames.append(pd.DataFrame({"run_id": t["run_id"].to_numpy(), "attempt": t["attempt"].to_numpy(),
                                    "ok": pc.equal(t["status"], "ok").to_numpy(zero_copy_only=False),
                                    "part": np.full(t.num_rows, i, np.int64),
                                    "row": np.arange(t.num_rows, dtype=np.int64)}))
    if not frames:
        return pd.DataFrame({"run_id": pd.Series([], dtype="int64"), "attempt": pd.Series([], dtype="int64"),
                             "ok": pd.Series([], dtype=bool), "part": pd.Series([], dtype="int64"),
                             "row": pd.Series([], dtype="int64")})
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values(["run_id", "attempt", "part"], kind="stable").drop_duplicates("run_id", keep="last")


def _groups(names: list[str], kept: dict[str, pd.DataFrame], part_rows: int) -> list[list[str]]:
    """Consecutive parts, each group holding up to part_rows kept runs."""
    groups, current, rows = [], [], 0
    for name in names:
        n = len(kept.get(name, ()))
        if current and rows + n > part_rows:
            groups.append(current)
            current, rows = [], 0
        current.append(name)
        rows += n
    if current:
        groups.append(current)
    return groups


def _write_group(directory: Path, new: str, group: list[str], kept: dict[str, pd.DataFrame]) -> bool:
    """Stream the group's winning rows into directory/new, one input part at a time.

    False if that name was taken meanwhile; True also when there is nothing to
    write (no timeseries kept).
    """
    sources = [(n, kept[n]) for n in group if n in kept and (directory / n).is_file()]
    if not sources:
        return True

    def write(tmp: Path) -> None:
        with RowGroupWriter(tmp) as writer:
            for name, mine in sources:
                table = pq.read_table(directory / name)
                if directory.name == RUNS:
                    table = table.take(pa.array(np.sort(mine["row"].to_numpy())))
                else:
                    table = table.filter(pc.is_in(table["run_id"], value_set=pa.array(mine["run_id"].to_numpy())))
                writer.write(table)

    return write_new(directory / new, write)


class RowGroupWriter:
    """A Parquet file written in row groups of `rows` rows, from tables of any size:
    holds at most one row group's worth of rows before writing it."""

    def __init__(self, path: Path, rows: int = ROW_GROUP) -> None:
        self.path, self.rows = path, rows
        self._writer: pq.ParquetWriter | None = None
        self._held: list[pa.Table] = []
        self._n = 0

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._held.append(table.cast(self._writer.schema))
        self._n += table.num_rows
        if self._n >= self.rows:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        if not self._n or self._writer is None:
            return
        held = pa.concat_tables(self._held)
        full = held.num_rows if final else held.num_rows - held.num_rows % self.rows
        if full:
            self._writer.write_table(held.slice(0, full), row_group_size=self.rows)
        rest = held.slice(full)
        self._held, self._n = ([rest] if rest.num_rows else []), rest.num_rows

    def __enter__(self) -> RowGroupWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self._flush(final=True)
        finally:
            if self._writer is not None:
                self._writer.close()


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    """One merge at a time per store: a second would remove the first's parts in progress."""
    lock = Lock(path / LOCK, "another merge").acquire()
    try:
        remove_dead_temporaries(path, merges=True)  # a killed merge's half-written parts
        yield
    finally:
        lock.release()


def _remove_orphans(runs_dir: Path, ts_dir: Path) -> None:
    """Timeseries parts without a runs part: an interrupted merge's (merges hold the
    lock), or a crashed shard's (but not a shard writing right now)."""
    runs = set(part_names(runs_dir))
    now = time.time()
    for name in part_names(ts_dir):
        f = ts_dir / name
        try:
            if name not in runs and (name.startswith("part-m") or now - f.stat().st_mtime > ORPHAN_AGE_S):
                f.unlink()
        except FileNotFoundError:
            pass


def _next_generation(runs_dir: Path, ts_dir: Path) -> int:
    used = [int(m.group(2)) for name in part_names(runs_dir) + part_names(ts_dir)
            if (m := PART.match(name)) and m.group(1) == "m"]
    return max(used, default=0) + 1


def _report(path: Path, manifest: dict[str, Any], parts_before: int, dropped: int) -> MergeReport:
    runs_dir = path / RUNS
    names = part_names(runs_dir)
    winners = _winners(runs_dir, names)
    ts_rows = sum(rows_in_part(path / TIMESERIES / n) for n in part_names(path / TIMESERIES))
    expected = int(manifest.get("n_runs", len(winners)))
    shards = int(manifest.get("shards", 1))
    missing_ids = np.setdiff1d(np.arange(expected, dtype=np.int64), winners["run_id"].to_numpy())
    missing_shards = np.unique(missing_ids % shards).tolist() if shards > 1 else []
    status = []
    shard_dir = path / SHARDS
    if shard_dir.is_dir():
        for f in sorted(shard_dir.glob("s*.json")):
            try:
                status.append(json.loads(f.read_text()))
            except (OSError, json.JSONDecodeError):
                continue
    ok = int(winners["ok"].sum())
    return MergeReport(parts_before=parts_before, parts_after=len(names), runs=len(winners), ok=ok,
                       failed=len(winners) - ok, expected=expected, dropped_rows=dropped,
                       timeseries_rows=ts_rows, missing_shards=[f"{i}/{shards}" for i in missing_shards],
                       shard_status=status)
