"""The results store: a directory of Parquet parts and a manifest.

    DIR/manifest.json          the plan, its digest, provenance, status
    DIR/design.parquet         one row per point: point_id, scenario, every lever
    DIR/runs.parquet/          part files, one row per run
    DIR/timeseries.parquet/    part files, one row per run and recorded week
    DIR/shards/                one status file per shard of a sharded sweep

`pandas.read_parquet(DIR / "runs.parquet")` reads every part at once. Every file is
written under a hidden temporary name (which Parquet readers skip) and renamed into
place, so a crash never leaves a half-written part: a run either has its row or it
does not, and `--resume` runs exactly the missing ones. The timeseries part of a
chunk is written before its runs part, under the same name; a timeseries part
without its runs part is an orphan from a crash and is removed on resume.

Part names say who wrote them: `part-sNNN-MMMMMM` is chunk MMMMMM of shard NNN
(an unsharded sweep is shard 0), `part-mGGGGGG-KKKKKK` is part KKKKKK of merge
GGGGGG (`sim.engine.merge`). Names are claimed with an exclusive link, so no two writers
(shards of one job array, a stray second process) can ever replace each other's
part. Shards of one sweep may write into one directory at once: the first creates
the manifest, the others check that it describes the same plan and join.

`govsim run`, `govsim sweep` and `govsim sensitivity` all write this format.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.levers import LEVERS
from sim.outcomes import OUTCOME_NAMES
from sim.engine.plan import LeverValues, Plan

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
RUNS = "runs.parquet"
TIMESERIES = "timeseries.parquet"
SHARDS = "shards"
PART = re.compile(r"^part-([sm])(\d+)-(\d+)\.parquet$")
# entries a store directory may hold before its manifest exists (a sibling shard is creating it)
LAYOUT = {RUNS, TIMESERIES, DESIGN, SHARDS}
# beyond this many points the manifest names design.parquet instead of listing them
MANIFEST_MAX_POINTS = 1000

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


# ---- atomic files ----------------------------------------------------------------------------------
def _tmp_name(path: Path) -> Path:
    """A hidden name no other writer uses: host, process and thread."""
    return path.with_name(f".{path.name}.tmp-{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}")


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp_path), then rename the temporary file into place (replacing it)."""
    tmp = _tmp_name(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_new(path: Path, write: Callable[[Path], None]) -> bool:
    """Like write_atomic, but never replaces: False (and nothing written) if path exists.

    A hard link is the portable atomic create-if-absent for a complete file, on local
    disks and on the NFS and Lustre file systems clusters share between nodes.
    """
    tmp = _tmp_name(path)
    try:
        write(tmp)
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def write_table(path: Path, table: pa.Table) -> None:
    write_atomic(path, lambda tmp: pq.write_table(table, tmp))


def is_store(path: Path) -> bool:
    return (Path(path) / MANIFEST).is_file()


def is_govsim_store(path: Path) -> bool:
    """Whether path holds a manifest govsim wrote (a JSON object with the digest of a
    plan, which `Store.open` always records). Only such a directory may --overwrite delete."""
    try:
        data = json.loads((Path(path) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and isinstance(data.get("plan_digest"), str)


def out_directory(path: Path) -> Path:
    """The directory --out names: a symbolic link stands for its target (the link is kept)."""
    if not path.is_symlink():
        return path
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise InputError("is a symbolic link to nothing that exists (or a loop of links); create its target "
                         "or choose another --out", source=str(path), key="--out") from None
    return target


def clear_directory(path: Path) -> None:
    """Delete what a results directory holds (never following links out of it),
    the manifest last, so an interrupted clearing is still recognised as govsim's."""
    for entry in sorted(path.iterdir(), key=lambda e: e.name == MANIFEST):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def part_names(directory: Path) -> list[str]:
    """The part files of a table directory, by name (temporary files excluded)."""
    if not directory.is_dir():
        return []
    return sorted(f.name for f in directory.iterdir() if PART.match(f.name))


def shard_part_name(shard: int, seq: int) -> str:
    return f"part-s{shard:03d}-{seq:06d}.parquet"


MERGE_LOCK = ".merge.lock"
LOCK_REFRESH_S = 30   # a lock's holder touches it this often
LOCK_STALE_S = 300    # a lock untouched this long was left by a process that died (on any node)


class Lock:
    """An exclusive lock file: one writer of a shard, or one merge, per store.

    Created with O_EXCL (atomic on local disks and NFSv3+); it records host, pid and
    time, and a thread touches it every LOCK_REFRESH_S while it is held. A lock is
    stale, and taken over, when its holder was on this host and is gone, or when
    nobody has touched it for LOCK_STALE_S (its holder died on another node).
    """

    def __init__(self, file: Path, what: str) -> None:
        self.file = file
        self.what = what
        self._stop = threading.Event()
        self._token = f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}-{time.time_ns()}"

    def acquire(self) -> Lock:
        me = {"host": socket.gethostname(), "pid": os.getpid(), "token": self._token,
              "since": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        for _ in range(3):
            try:
                fd = os.open(self.file, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if _stale(self.file):
                    self.file.unlink(missing_ok=True)
                    continue
                try:
                    holder = " ".join(self.file.read_text(errors="replace").split())[:200]
                except OSError:
                    holder = "unknown holder"
                raise InputError(f"{self.what} is running ({holder}); if none is, remove {self.file}",
                                 source=str(self.file.parent)) from None
            with os.fdopen(fd, "w") as f:
                json.dump(me, f)
            threading.Thread(target=self._refresh, name="govsim-lock", daemon=True).start()
            return self
        raise InputError(f"cannot take {self.file}: it keeps reappearing", source=str(self.file.parent))

    def _refresh(self) -> None:
        while not self._stop.wait(LOCK_REFRESH_S):
            try:
                os.utime(self.file)
            except OSError:
                return

    def release(self) -> None:
        self._stop.set()
        try:
            if json.loads(self.file.read_text()).get("token") == self._token:
                self.file.unlink()
        except (OSError, ValueError, AttributeError):
            pass


def _stale(lock: Path) -> bool:
    """A lock whose holder died: on this host (its pid is gone), or anywhere (untouched too long)."""
    try:
        age = time.time() - lock.stat().st_mtime
        holder = json.loads(lock.read_text())
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False
    if age > LOCK_STALE_S:
        return True
    if not isinstance(holder, dict) or holder.get("host") != socket.gethostname():
        return False
    try:
        pid = int(holder["pid"])
    except (KeyError, TypeError, ValueError):
        return False
    # this very process: a store it opened and abandoned (a Store object is one writer)
    return pid == os.getpid() or not _pid_alive(pid)


def _pid_alive(pid: int) -> bool:
    from sim.engine.lifecycle import alive
    return alive(pid)


def remove_dead_temporaries(path: Path, *, merges: bool, older_than: float = 60.0) -> None:
    """Hidden temporary files that no live writer will rename: a killed merge's
    (`merges`: the caller knows no merge runs), and any left longer than older_than
    seconds (a part is written in well under that)."""
    now = time.time()
    for directory in (path, path / RUNS, path / TIMESERIES):
        if not directory.is_dir():
            continue
        for f in directory.glob(".*.tmp-*"):
            try:
                if (merges and f.name.startswith(".part-m")) or now - f.stat().st_mtime > older_than:
                    f.unlink()
            except FileNotFoundError:
                pass


def merge_running(path: Path) -> bool:
    lock = path / MERGE_LOCK
    return lock.exists() and not _stale(lock)


class Store:
    """A results directory being written (or resumed) by one process, for one shard."""

    def __init__(self, path: Path, shard: int = 0, shards: int = 1) -> None:
        self.path = Path(path)
        self.shard = shard
        self.shards = shards
        self.runs_dir = self.path / RUNS
        self.ts_dir = self.path / TIMESERIES
        self._lock: Lock | None = None
        self._seq = self._last_seq() + 1

    def _take_lock(self) -> Store:
        """One writer per shard: a second `--resume` of the same runs is refused
        (both would run every missing run), while other shards write on."""
        self._lock = Lock(self.path / f".writer-s{self.shard:03d}.lock",
                          f"another govsim process writing shard {self.shard} of this store").acquire()
        return self

    def close(self) -> None:
        """Let another process write this shard (finish() does this too)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # ---- opening ----------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, plan: Plan, provenance: Mapping[str, Any], *,
             overwrite: bool = False, resume: bool = False, shard: int = 0, shards: int = 1) -> Store:
        """A store for plan at path: new, resumed (same plan only) or overwritten.

        An existing non-empty directory is never reused silently: it must be resumed
        (and then hold the same plan) or overwritten explicitly. A shard of a sharded
        sweep (shards > 1) joins a store its siblings created for the same plan.
        """
        source = str(path)
        path = out_directory(Path(path))
        joining = shards > 1
        if joining and overwrite:
            raise InputError("cannot be combined with --shard: every shard would erase the others' results",
                             source=source, key="--overwrite")
        if path.exists() and not path.is_dir():
            raise InputError("exists and is not a directory", source=source, key="--out")
        entries = [e for e in path.iterdir() if not e.name.startswith(".")] if path.is_dir() else []
        if is_store(path) and (resume or joining):
            return cls._join(path, plan, shard, shards, resume)
        being_created = entries and not is_store(path) and _only_layout(path, entries)
        if entries and not overwrite and not ((resume or joining) and being_created):
            raise InputError("is not empty; pass --overwrite to replace it, --resume to continue it, "
                             "or choose another --out", source=source, key="--out")
        if entries and overwrite:
            if not (is_govsim_store(path) or being_created):
                raise InputError("holds no govsim manifest.json, so --overwrite will not delete it (it replaces "
                                 "only a results directory govsim wrote); choose another --out", source=source,
                                 key="--overwrite")
            clear_directory(path)
        try:
            path.mkdir(parents=True, exist_ok=True)
            (path / RUNS).mkdir(exist_ok=True)
            (path / TIMESERIES).mkdir(exist_ok=True)
        except OSError as e:
            raise InputError(f"cannot create the results directory ({e.strerror or e})", source=source,
                             key="--out") from None
        manifest = {**provenance, "status": "running", "plan_digest": plan.digest(),
                    "master_seed": plan.seed, "seed_derivation": plan.seed_derivation(),
                    "n_points": len(plan.points), "n_runs": plan.n_runs, "shards": shards,
                    "plan": manifest_plan(plan)}
        text = json.dumps(manifest, indent=2, default=str) + "\n"
        if not write_new(path / MANIFEST, lambda tmp: tmp.write_text(text)):
            # a sibling shard created it first: join, if it is the same plan
            return cls._join(path, plan, shard, shards, resume)
        # only the manifest's creator writes the design (a joiner has checked the plan first)
        store = cls(path, shard, shards)._take_lock()
        try:
            write_table(path / DESIGN, design_table(plan))
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def _join(cls, path: Path, plan: Plan, shard: int, shards: int, resume: bool) -> Store:
        manifest = read_manifest(path)
        if manifest.get("plan_digest") != plan.digest():
            raise InputError(
                f"holds results of a different experiment ({plan_difference(manifest.get('plan'), plan)}); "
                "resume only with the same experiment file and options, or write to a new --out",
                source=str(path), key="--resume" if resume else "--shard")
        started = int(manifest.get("shards", 1))
        if shards > 1 and not resume and started != shards:
            raise InputError(f"was started with {started} shard(s), not {shards}; use --shard I/{started}, "
                             "or --resume to fill in the missing runs with any split", source=str(path),
                             key="--shard")
        check_parts(path)  # a damaged part: one line now, before anything runs or is written
        store = cls(path, shard, shards)._take_lock()  # before touching anything of this shard
        try:
            if not (path / DESIGN).is_file():  # its creator died before writing it
                write_table(path / DESIGN, design_table(plan))
            store.remove_orphans()
            remove_dead_temporaries(path, merges=not merge_running(path))
        except BaseException:
            store.close()
            raise
        return store

    def _last_seq(self) -> int:
        mine = [int(m.group(3)) for name in part_names(self.runs_dir) + part_names(self.ts_dir)
                if (m := PART.match(name)) and m.group(1) == "s" and int(m.group(2)) == self.shard]
        return max(mine, default=0)

    def remove_orphans(self) -> None:
        """This shard's leftovers of a crash: timeseries parts whose runs part never
        landed, and temporary files that were never renamed."""
        runs = set(part_names(self.runs_dir))
        prefix = f"part-s{self.shard:03d}-"
        for name in part_names(self.ts_dir):
            if name.startswith(prefix) and name not in runs:
                (self.ts_dir / name).unlink(missing_ok=True)
        for directory in (self.runs_dir, self.ts_dir):
            for f in directory.glob(f".{prefix}*.tmp-*"):
                f.unlink(missing_ok=True)

    # ---- what is done -----------------------------------------------------------------
    def finished(self) -> pd.DataFrame:
        """run_id, status and attempt of every run recorded so far (latest attempt)."""
        columns = ["run_id", "status", "attempt"]
        names = part_names(self.runs_dir)
        df = _read_parts(self.runs_dir, names, columns) if names else pd.DataFrame()
        if df.empty:
            return RUNS_SCHEMA.empty_table().select(columns).to_pandas()
        return latest_attempts(df)

    # ---- writing ----------------------------------------------------------------------
    def write(self, runs: pa.Table, timeseries: pa.Table | None) -> str:
        """One chunk of finished runs, as one part in each table; returns the part's name.

        The timeseries part lands first: a runs part is the mark that a chunk is
        complete, so a crash between the two leaves only an orphan to clean up.
        """
        has_series = timeseries is not None and timeseries.num_rows > 0
        while True:
            name = shard_part_name(self.shard, self._seq)
            self._seq += 1
            if (self.runs_dir / name).exists():
                continue
            if has_series and not write_new(self.ts_dir / name, lambda tmp: pq.write_table(timeseries, tmp)):
                continue
            if write_new(self.runs_dir / name, lambda tmp: pq.write_table(runs, tmp)):
                return name
            if has_series:  # another writer took this runs name in between: give it back
                (self.ts_dir / name).unlink(missing_ok=True)

    def finish(self, status: str = "complete", **extra: Any) -> None:
        """Record how the execution ended: in the manifest, or (a shard of several) in
        the shard's own status file, so that shards never rewrite one file at once;
        `govsim merge` then brings the shards' news into the manifest."""
        try:
            self._finish(status, **extra)
        finally:
            self.close()

    def failed(self) -> int:
        """How many of this shard's runs are recorded as failed (their latest attempt)."""
        done = self.finished()
        mine = done[done["run_id"] % self.shards == self.shard] if self.shards > 1 else done
        return int((mine["status"] != "ok").sum())

    def _finish(self, status: str, **extra: Any) -> None:
        if self.shards > 1:
            shard_dir = self.path / SHARDS
            shard_dir.mkdir(exist_ok=True)
            write_json(shard_dir / f"s{self.shard:03d}-of-{self.shards:03d}.json",
                       {"shard": f"{self.shard}/{self.shards}", "status": status, "host": socket.gethostname(),
                        **extra})
            return
        manifest = read_manifest(self.path)
        manifest.update(status=status, **extra)
        write_json(self.path / MANIFEST, manifest)


def _only_layout(path: Path, entries: list[Path]) -> bool:
    """Whether a directory without a manifest is a store still being created (by a
    sibling shard, or by a process that died before writing the manifest)."""
    if not all(e.name in LAYOUT for e in entries):
        return False
    return not part_names(path / RUNS)


def manifest_plan(plan: Plan) -> dict[str, Any]:
    """The plan as the manifest records it: every point while that stays readable,
    else a pointer to design.parquet, which holds them all."""
    if len(plan.points) <= MANIFEST_MAX_POINTS:
        return plan.describe()
    return {"points": f"{len(plan.points)} points: see {DESIGN}", **plan.describe_settings()}


def plan_difference(recorded: Mapping[str, Any] | None, plan: Plan) -> str:
    """What changed between the plan a manifest records and this one, in words."""
    if not isinstance(recorded, Mapping):
        return "the stored plan is not recorded"
    now = manifest_plan(plan)
    for key in ("replicates", "seed", "weeks", "timeseries_every", "common_random_numbers", "meta"):
        before, after = recorded.get(key), now.get(key)
        if json.dumps(before, sort_keys=True, default=str) != json.dumps(after, sort_keys=True, default=str):
            return f"{key} was {_short(before)}, now {_short(after)}"
    before, after = recorded.get("points"), now.get("points")
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return f"{len(before)} design points before, {len(after)} now"
        for a, b in zip(before, after):
            if a != json.loads(json.dumps(b, default=str)):
                changed = sorted(k for k in set(a["levers"]) | set(b["levers"])
                                 if a["levers"].get(k) != b["levers"].get(k))
                what = f"levers {', '.join(changed[:3])}" if changed else "its scenario"
                return f"design point {a['point_id']} differs in {what}"
    return "the design points differ"


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def design_table(plan: Plan) -> pa.Table:
    """One row per point, built column by column (a design can have many points)."""
    levers = [p.levers.to_dict() if isinstance(p.levers, LeverValues) else p.levers for p in plan.points]
    columns = {"point_id": [p.point_id for p in plan.points], "scenario": [p.scenario for p in plan.points]}
    for f in LEVER_FIELDS:
        columns[f.name] = [values[f.name] for values in levers]
    return pa.Table.from_pydict(columns, schema=DESIGN_SCHEMA)


def read_manifest(path: Path | str) -> dict[str, Any]:
    f = Path(path) / MANIFEST
    if not f.is_file():
        raise InputError("is not a govsim results directory (no manifest.json)", source=str(path))
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise InputError(f"manifest.json is not valid JSON ({e.msg}, line {e.lineno})", source=str(path)) from None
    except (OSError, UnicodeDecodeError, RecursionError) as e:
        what = "is not UTF-8 text" if isinstance(e, UnicodeDecodeError) else "cannot be read"
        raise InputError(f"manifest.json {what}", source=str(path)) from None
    if not isinstance(data, dict):
        raise InputError(f"manifest.json holds a JSON {type(data).__name__}, not the object govsim writes",
                         source=str(path))
    return data


# the columns every part of a table has, with their types: what readers rely on
REQUIRED = {RUNS: {n: RUNS_SCHEMA.field(n).type for n in ("run_id", "point_id", "status", "attempt")},
            TIMESERIES: {n: TIMESERIES_SCHEMA.field(n).type for n in ("run_id", "week")}}


def bad_part(path: Path, why: str) -> InputError:
    return InputError(f"{why}; it is not a part govsim wrote (parts are written whole, under a temporary name): "
                      f"move it out of {path.parent.name}/, and `govsim sweep --resume` reruns its runs",
                      source=str(path))


def check_part_schema(path: Path, schema: pa.Schema, columns: list[str] | None = None) -> None:
    """An InputError unless a part's columns include the ones its table requires
    (of those asked for, when only some columns were read)."""
    for name, kind in REQUIRED.get(path.parent.name, {}).items():
        if columns is not None and name not in columns:
            continue
        i = schema.get_field_index(name)
        if i < 0 or schema.field(i).type != kind:
            raise bad_part(path, f"has no column {name} of type {kind}")


def rows_in_part(path: Path) -> int:
    """A part's row count from its footer (raises FileNotFoundError if it is gone)."""
    try:
        meta = pq.read_metadata(path)
        check_part_schema(path, meta.schema.to_arrow_schema())
        return meta.num_rows
    except FileNotFoundError:
        raise
    except (pa.ArrowException, OSError):
        raise bad_part(path, "is not a readable Parquet file (empty, truncated or foreign)") from None


def read_part(path: Path, columns: list[str] | None = None) -> pa.Table:
    """One part file, or an InputError naming it if it is empty, truncated or foreign."""
    try:
        table = pq.read_table(path, columns=columns)
    except FileNotFoundError:
        raise
    except (pa.ArrowException, OSError):
        raise bad_part(path, "is not a readable Parquet file with the columns asked for (empty, truncated "
                       "or foreign)") from None
    check_part_schema(path, table.schema, columns)
    return table


def check_parts(path: Path) -> None:
    """Every part of a store readable, with the columns it must have (footers only)."""
    for table in (RUNS, TIMESERIES):
        for name in part_names(path / table):
            try:
                rows_in_part(path / table / name)
            except FileNotFoundError:
                continue


def _read_parts(directory: Path, names: list[str], columns: list[str] | None = None) -> pd.DataFrame:
    # the listed files only: a part that a merge removes after the listing is
    # skipped (its rows are in the merge's new part, listed too or next time)
    tables = []
    for name in names:
        try:
            tables.append(read_part(directory / name, columns=columns))
        except FileNotFoundError:
            continue
    if not tables:
        return pd.DataFrame()
    return pa.concat_tables(tables, promote_options="default").to_pandas()


def latest_attempts(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per run: its latest attempt (a retried run has rows of earlier ones)."""
    return runs.sort_values(["run_id", "attempt"], kind="stable").drop_duplicates("run_id", keep="last")


def read_runs(path: Path | str) -> pd.DataFrame:
    """Every run of a store, once each (its latest attempt), in run_id order."""
    d = Path(path) / RUNS
    names = part_names(d)
    df = _read_parts(d, names) if names else pd.DataFrame()
    if df.empty:
        return RUNS_SCHEMA.empty_table().to_pandas()
    return latest_attempts(df).reset_index(drop=True)


def read_timeseries(path: Path | str, run_ids: np.ndarray | None = None) -> pd.DataFrame:
    """Time series of a store's runs (of run_ids, when given), in (run_id, week) order."""
    d = Path(path) / TIMESERIES
    names = part_names(d)
    df = _read_parts(d, names) if names else pd.DataFrame()
    if df.empty:
        return TIMESERIES_SCHEMA.empty_table().to_pandas()
    if run_ids is not None:
        df = df[df["run_id"].isin(run_ids)]
    # a part and its merged copy (an interrupted merge) hold the same rows: keep one
    df = df.drop_duplicates(["run_id", "week"], keep="last")
    return df.sort_values(["run_id", "week"], kind="stable").reset_index(drop=True)
