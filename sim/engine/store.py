"""The results store: a directory of Parquet parts and a manifest.

    DIR/manifest.json          the plan, its digest, provenance, status
    DIR/design.parquet         one row per point: point_id, scenario, every lever
    DIR/runs.parquet/          part files, one row per run
    DIR/timeseries.parquet/    part files, one row per run and recorded week
    DIR/shards/                one status file per shard of a sharded sweep

`pandas.read_parquet(DIR / "runs.parquet")` reads every part at once. Every file is
written under a hidden temporary name (which Parquet readers skip) and renamed into
place, so a crash never leaves a half-written part: a run either has its row or it
does not, and `--resume` runs exactly the missing ones. A part holds one or more
finished chunks (`PartWriter`: one per chunk for small sweeps, a few hundred parts for
large ones). Its timeseries part is written before its runs part, under the same name; a timeseries part
without its runs part is an orphan from a crash and is removed on resume.

Part names say who wrote them: `part-sNNN-MMMMMM` is part MMMMMM of shard NNN
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.errors import InputError, unknown_key
from sim.outcomes import OUTCOME_NAMES
from sim.engine.plan import DESIGN_SCHEMA, LEVER_FIELDS, Plan

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
RUNS = "runs.parquet"
TIMESERIES = "timeseries.parquet"
SHARDS = "shards"
LOGS = "logs"          # batch-job logs (`govsim slurm` creates it before the first task starts)
PART = re.compile(r"^part-([sm])(\d+)-(\d+)\.parquet$")
# entries a store directory may hold before its manifest exists (a sibling shard is creating it)
LAYOUT = {RUNS, TIMESERIES, DESIGN, SHARDS}
# beyond this many points the manifest names design.parquet instead of listing them
MANIFEST_MAX_POINTS = 1000
# a part is written when its gathered chunks reach this size, or hold this much work
PART_BYTES = 32 * 2**20
DESIGN_BACKGROUND_POINTS = 65536  # larger designs are written while the first runs start
DESIGN_ROW_GROUP = 16384  # points per row group of design.parquet (memory: about 20 MB a group)
FLUSH_S = 30.0

OUTCOME_FIELDS = [pa.field(name, pa.float64()) for name in OUTCOME_NAMES]
RUNS_SCHEMA = pa.schema(
    [pa.field("run_id", pa.int64()), pa.field("point_id", pa.int64()), pa.field("scenario", pa.string()),
     pa.field("replicate", pa.int64()), pa.field("seed", pa.int64()), pa.field("weeks", pa.int64())]
    + LEVER_FIELDS + OUTCOME_FIELDS
    + [pa.field("status", pa.string()), pa.field("error", pa.string()),
       pa.field("attempt", pa.int64()), pa.field("wall_time_s", pa.float64())])
TIMESERIES_SCHEMA = pa.schema([pa.field("run_id", pa.int64()), pa.field("week", pa.int64())] + OUTCOME_FIELDS)


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


@dataclass(frozen=True)
class Finished:
    """The runs a store holds, one entry per run (its latest attempt), by run id."""

    run_id: np.ndarray
    ok: np.ndarray
    attempt: np.ndarray


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
        self._design: threading.Thread | None = None
        self._design_error: BaseException | None = None

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
        entries = [e for e in path.iterdir() if not e.name.startswith(".") and e.name != LOGS] \
            if path.is_dir() else []
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
            store._write_design(plan)
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
                store._write_design(plan)
            store.remove_orphans()
            remove_dead_temporaries(path, merges=not merge_running(path))
        except BaseException:
            store.close()
            raise
        return store

    def _write_design(self, plan: Plan) -> None:
        """design.parquet: at once for a small plan; for a large one (seconds of Parquet
        encoding) in a thread, while the first runs start. A store whose writer died
        before it landed gets it on --resume; `finish` waits for it."""
        if len(plan.points) <= DESIGN_BACKGROUND_POINTS:
            write_design(self.path / DESIGN, plan)
            return

        def write() -> None:
            try:
                write_design(self.path / DESIGN, plan)
            except BaseException as e:  # noqa: BLE001 - raised again by wait_design
                self._design_error = e

        # not a daemon: on Ctrl-C the interpreter waits the few seconds it needs to land
        self._design = threading.Thread(target=write, name="govsim-design")
        self._design.start()

    def wait_design(self) -> None:
        """Wait for design.parquet to land; raise what stopped it, if anything did."""
        if self._design is not None:
            self._design.join()
            self._design = None
        if self._design_error is not None:
            error, self._design_error = self._design_error, None
            raise error

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
    def finished(self) -> Finished:
        """Every run recorded so far (its latest attempt): ids, whether ok, attempt — as
        arrays, about 17 bytes a run, so a store of a million runs resumes in 20 MB."""
        tables = []
        for name in part_names(self.runs_dir):
            try:
                tables.append(read_part(self.runs_dir / name, columns=["run_id", "status", "attempt"]))
            except FileNotFoundError:  # merged away since the listing: its rows are in a newer part
                continue
        if not tables:
            return Finished(np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, np.int64))
        t = pa.concat_tables(tables)
        run_id = t["run_id"].to_numpy()
        attempt = t["attempt"].to_numpy()
        ok = pc.equal(t["status"], "ok").to_numpy(zero_copy_only=False)
        order = np.lexsort((attempt, run_id))  # by run, then attempt: the last of each run wins
        run_id, attempt, ok = run_id[order], attempt[order], ok[order]
        last = np.append(run_id[1:] != run_id[:-1], True)
        return Finished(run_id[last], ok[last], attempt[last])

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

    def parts(self, runs_per_part: int = 1) -> PartWriter:
        """A writer that gathers finished chunks into parts of about runs_per_part runs."""
        return PartWriter(self, runs_per_part)

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
        mine = done.run_id % self.shards == self.shard
        return int((~done.ok[mine]).sum())

    def _finish(self, status: str, **extra: Any) -> None:
        self.wait_design()
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


class PartWriter:
    """Finished chunks gathered into fewer, larger parts: a part is written once it holds
    `runs_per_part` runs, PART_BYTES of tables, or FLUSH_S seconds of work, and at
    close. A sweep of a million runs thus leaves hundreds of parts, not tens of
    thousands; a crash loses at most what is gathered (under FLUSH_S seconds of work),
    which --resume reruns. Use as a context manager: the gathered runs are written on
    the way out, an error's way included.
    """

    def __init__(self, store: Store, runs_per_part: int = 1) -> None:
        self.store = store
        self.runs_per_part = max(1, runs_per_part)
        self._runs: list[pa.Table] = []
        self._series: list[pa.Table] = []
        self._rows = self._bytes = 0
        self._since = 0.0

    def add(self, runs: pa.Table, timeseries: pa.Table | None) -> None:
        if not self._runs:
            self._since = time.monotonic()
        self._runs.append(runs)
        self._rows += runs.num_rows
        self._bytes += runs.nbytes
        if timeseries is not None and timeseries.num_rows:
            self._series.append(timeseries)
            self._bytes += timeseries.nbytes
        if (self._rows >= self.runs_per_part or self._bytes >= PART_BYTES
                or time.monotonic() - self._since >= FLUSH_S):
            self.flush()

    def flush(self) -> None:
        if not self._runs:
            return
        runs = pa.concat_tables(self._runs)
        series = pa.concat_tables(self._series) if self._series else None
        self._runs, self._series, self._rows, self._bytes = [], [], 0, 0
        self.store.write(runs, series)

    def __enter__(self) -> PartWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()


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
    """One row per point (for small plans and tests; stores stream it, see write_design)."""
    return pa.concat_tables(plan.design_blocks())


def write_design(path: Path, plan: Plan) -> None:
    """design.parquet, a block of points at a time (one row group each)."""
    def write(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, DESIGN_SCHEMA) as writer:
            for block in plan.design_blocks(DESIGN_ROW_GROUP):
                writer.write_table(block)
    write_atomic(path, write)


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


def read_part(path: Path, columns: list[str] | None = None, filters: Any = None) -> pa.Table:
    """One part file, or an InputError naming it if it is empty, truncated or foreign."""
    try:
        table = pq.read_table(path, columns=columns, filters=filters)
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


def _read_parts(directory: Path, names: list[str], columns: list[str] | None = None,
                filters: Any = None) -> pa.Table | None:
    # the listed files only: a part that a merge removes after the listing is
    # skipped (its rows are in the merge's new part, listed too or next time)
    tables = []
    for name in names:
        try:
            tables.append(read_part(directory / name, columns=columns, filters=filters))
        except FileNotFoundError:
            continue
    return pa.concat_tables(tables, promote_options="default") if tables else None


def latest_attempts(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per run: its latest attempt (a retried run has rows of earlier ones)."""
    return runs.sort_values(["run_id", "attempt"], kind="stable").drop_duplicates("run_id", keep="last")


def _latest(table: pa.Table) -> pa.Table:
    """latest_attempts on an Arrow table, in run_id order, without a pandas copy."""
    run_id, attempt = table["run_id"].to_numpy(), table["attempt"].to_numpy()
    order = np.lexsort((np.arange(len(run_id)), attempt, run_id))
    ordered = run_id[order]
    last = order[np.append(ordered[1:] != ordered[:-1], True)] if len(order) else order
    return table.take(pa.array(last))


# the columns every read of the runs table includes: a run's identity and status
KEY_COLUMNS = ("run_id", "point_id", "scenario", "replicate", "status", "attempt")


def run_columns(columns: Sequence[str] | None, source: str) -> list[str] | None:
    """The runs table's columns to read for `columns` (None: all), keys first; an
    unknown name is an InputError naming the closest one."""
    if columns is None:
        return None
    if isinstance(columns, str):
        columns = [columns]
    known = RUNS_SCHEMA.names
    for c in columns:
        if c not in known:
            raise unknown_key(str(c), known, source=source, what="column")
    return list(dict.fromkeys([*KEY_COLUMNS, *columns]))


def read_runs(path: Path | str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Every run of a store, once each (its latest attempt), in run_id order.

    `columns`: read only these (and KEY_COLUMNS) from the Parquet parts, so that the
    outcomes of a million runs load in seconds and tens of megabytes.
    """
    d = Path(path) / RUNS
    wanted = run_columns(columns, str(path))
    table = _read_parts(d, part_names(d), wanted)
    if table is None or not table.num_rows:
        empty = RUNS_SCHEMA.empty_table()
        return (empty.select(wanted) if wanted else empty).to_pandas()
    return _latest(table).to_pandas()


def read_timeseries(path: Path | str, run_ids: np.ndarray | None = None,
                    columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Time series of a store's runs (of run_ids, when given; only `columns` of the
    outcomes, when given), in (run_id, week) order."""
    d = Path(path) / TIMESERIES
    if columns is not None:
        for c in columns:
            if c not in TIMESERIES_SCHEMA.names:
                raise unknown_key(str(c), TIMESERIES_SCHEMA.names, source=str(path), what="column")
    wanted = None if columns is None else list(dict.fromkeys(["run_id", "week", *columns]))
    filters = None if run_ids is None else [("run_id", "in", [int(r) for r in np.asarray(run_ids).tolist()])]
    table = _read_parts(d, part_names(d), wanted, filters)
    if table is None or not table.num_rows:
        empty = TIMESERIES_SCHEMA.empty_table()
        return (empty.select(wanted) if wanted else empty).to_pandas()
    df = table.to_pandas()
    # a part and its merged copy (an interrupted merge) hold the same rows: keep one
    df = df.drop_duplicates(["run_id", "week"], keep="last")
    return df.sort_values(["run_id", "week"], kind="stable").reset_index(drop=True)
