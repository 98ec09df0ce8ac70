"""Running a plan into a store: serially, on every local core, or on a Dask cluster.

Workers take runs in chunks (so that short runs are not dominated by overhead); a
chunk carries its own points, generated from the plan's description as it is handed
out, and workers receive the plan's settings once. Finished chunks are gathered into
parts of the store (one per chunk for small sweeps, a few hundred for large ones),
written by the coordinating process alone. Seeds come from the plan, never from completion order, so every
backend gives the same rows. A run that raises is recorded as failed, with its
error, and the rest go on.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sim.errors import InputError
from sim.outcomes import OUTCOME_NAMES
from sim.engine.plan import Chunk, Plan, RunSpec
from sim.run import run
from sim.engine.store import RUNS_SCHEMA, TIMESERIES_SCHEMA, Store

Progress = Callable[[int, int], None]  # (runs done, runs to do)
BACKENDS = ("serial", "process", "dask")
GUIDED_SHARE = 3  # a chunk is at most 1/(GUIDED_SHARE × workers) of the runs left
PARTS = 256           # a large sweep writes about this many parts per table ...
PART_RUNS_MAX = 8192  # ... of at most this many runs each (and see store.PartWriter)


@dataclass(frozen=True)
class Summary:
    to_do: int
    done: int
    failed: int
    skipped: int
    seconds: float


# ---- one chunk of runs: pure, picklable, backend-independent ---------------------------------
def run_chunk(spec: RunSpec, chunk: Chunk) -> tuple[pa.Table, pa.Table]:
    """Run a chunk; return its rows for the runs and timeseries tables.

    A run's `attempt` is how many times it has been tried (chunk.attempts, else 1).
    """
    runs: list[dict[str, Any]] = []
    series: list[tuple[int, np.ndarray, np.ndarray]] = []
    for task, scenario, levers, attempt in chunk.tasks(spec):
        start = time.perf_counter()
        row = {"run_id": task.run_id, "point_id": task.point_id, "scenario": scenario,
               "replicate": task.replicate, "seed": task.seed, "weeks": spec.weeks, **levers}
        try:
            record = run(levers, seed=task.seed, weeks=spec.weeks, timeseries_every=spec.timeseries_every)
            row.update(record.outcomes, status="ok", error="")
            if len(record.weeks_recorded):
                series.append((task.run_id, record.weeks_recorded, record.timeseries))
        except Exception as e:  # a failing run is a result too; the sweep goes on
            row.update({name: float("nan") for name in OUTCOME_NAMES})
            row.update(status="failed", error=_one_line(e))
        row.update(attempt=attempt, wall_time_s=time.perf_counter() - start)
        runs.append(row)
    return pa.Table.from_pylist(runs, schema=RUNS_SCHEMA), _timeseries_table(series)


def _timeseries_table(series: list[tuple[int, np.ndarray, np.ndarray]]) -> pa.Table:
    if not series:
        return TIMESERIES_SCHEMA.empty_table()
    run_id = np.concatenate([np.full(len(w), r, np.int64) for r, w, _ in series])
    week = np.concatenate([w.astype(np.int64) for _, w, _ in series])
    values = np.concatenate([v for _, _, v in series])
    cols = [pa.array(run_id), pa.array(week)] + [pa.array(values[:, j]) for j in range(values.shape[1])]
    return pa.Table.from_arrays(cols, schema=TIMESERIES_SCHEMA)


def _one_line(e: BaseException) -> str:
    where = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
    at = f" (at {os.path.basename(where.filename)}:{where.lineno})" if where else ""
    return " ".join(f"{type(e).__name__}: {e}{at}".split())


# ---- what is left to do ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Pending:
    """The runs to do, as arrays (a million runs: 16 MB): ids ascending, each one's
    attempt number (None: all first attempts), and how many the store already has."""

    run_ids: np.ndarray
    attempts: np.ndarray | None
    skipped: int

    def __len__(self) -> int:
        return len(self.run_ids)


def pending_runs(plan: Plan, store: Store, shard: tuple[int, int], retry_failed: bool) -> Pending:
    """The shard's runs not yet in the store (failed ones too, if retrying).

    Attempts count per run, not per execution, so a sweep that was killed and resumed
    records the same rows as one that never stopped.
    """
    wanted = plan.run_ids(shard)
    done = store.finished()
    at = np.searchsorted(done.run_id, wanted)
    found = at < len(done.run_id)
    found[found] = done.run_id[at[found]] == wanted[found]
    redo = np.zeros(len(wanted), bool)
    if retry_failed:
        redo[found] = ~done.ok[at[found]]
    todo = ~found | redo
    attempts = None
    if redo.any():
        attempts = np.ones(len(wanted), np.int64)
        attempts[redo] = done.attempt[at[redo]] + 1
        attempts = attempts[todo]
    return Pending(wanted[todo], attempts, int((~todo).sum()))


def chunk_bounds(n: int, size: int) -> Iterator[tuple[int, int]]:
    for i in range(0, n, size):
        yield i, min(n, i + size)


def guided_bounds(n: int, workers: int, largest: int = 64) -> Iterator[tuple[int, int]]:
    """Chunks that shrink as the work runs out (guided self-scheduling): a share of
    what is left per worker, so early chunks are large (few hand-offs) and the last
    are single runs (no worker idles while another ends a long chunk)."""
    i = 0
    while i < n:
        size = max(1, min(largest, math.ceil((n - i) / (GUIDED_SHARE * max(1, workers)))))
        yield i, i + size
        i += size


def make_chunks(plan: Plan, pending: Pending, workers: int, chunk_size: int | None) -> Iterator[Chunk]:
    """The pending runs as chunks, each built (its points generated) when it is taken."""
    bounds = chunk_bounds(len(pending), chunk_size) if chunk_size else guided_bounds(len(pending), workers)
    for a, b in bounds:
        yield plan.chunk(pending.run_ids[a:b], None if pending.attempts is None else pending.attempts[a:b])


def runs_per_part(n: int, chunk_size: int | None) -> int:
    """Runs per store part: one chunk for small sweeps; for large ones about PARTS parts."""
    return max(chunk_size or 1, min(PART_RUNS_MAX, n // PARTS))


# ---- backends ----------------------------------------------------------------------------------------
def execute(plan: Plan, store: Store, *, backend: str = "process", workers: int | None = None,
            shard: tuple[int, int] = (0, 1), retry_failed: bool = False, chunk_size: int | None = None,
            progress: Progress | None = None, scheduler: str | None = None) -> Summary:
    """Run the plan's missing runs (of one shard) into the store.

    `workers` defaults to every local core (for dask: every thread of the cluster at
    `scheduler`, or a local cluster with one worker per core when there is none).
    """
    if backend not in BACKENDS:
        raise InputError(f"unknown backend '{backend}'; allowed: {', '.join(BACKENDS)}", key="--backend")
    start = time.perf_counter()
    pending = pending_runs(plan, store, shard, retry_failed)
    requested = workers
    workers = 1 if backend == "serial" else (workers or available_cores())
    done = failed = 0
    if progress:
        progress(0, len(pending))
    if not len(pending):
        return Summary(0, 0, 0, pending.skipped, time.perf_counter() - start)
    spec = plan.spec()

    with store.parts(runs_per_part(len(pending), chunk_size)) as parts:
        def collect(runs: pa.Table, series: pa.Table) -> None:
            nonlocal done, failed
            parts.add(runs, series)
            done += runs.num_rows
            failed += runs.num_rows - int(pc.sum(pc.cast(pc.equal(runs["status"], "ok"), pa.int64())).as_py() or 0)
            if progress:
                progress(done, len(pending))

        if backend == "serial" or (backend == "process" and workers == 1):
            for chunk in make_chunks(plan, pending, workers, chunk_size):
                collect(*run_chunk(spec, chunk))
        elif backend == "process":
            _run_processes(spec, make_chunks(plan, pending, workers, chunk_size), workers, collect)
        else:
            from sim.engine.dask_backend import run_dask  # optional extra: says how to install it
            run_dask(spec, lambda threads: make_chunks(plan, pending, threads, chunk_size), collect,
                     workers=requested, scheduler=scheduler)
    return Summary(len(pending), done, failed, pending.skipped, time.perf_counter() - start)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_SPEC: RunSpec | None = None


def _init_worker(spec: RunSpec) -> None:
    global _SPEC
    _SPEC = spec


def _work(chunk: Chunk) -> tuple[pa.Table, pa.Table]:
    assert _SPEC is not None
    return run_chunk(_SPEC, chunk)


def start_fork_server() -> None:
    """Start the process backend's fork server now: it imports the model (seconds) while
    this process reads the experiment and builds the plan, instead of after."""
    from multiprocessing import forkserver

    mp.get_context("forkserver").set_forkserver_preload(WORKER_MODULES)
    forkserver.ensure_running()


WORKER_MODULES = ["sim.engine.execute"]


def _run_processes(spec: RunSpec, chunks: Iterator[Chunk], workers: int,
                   collect: Callable[[pa.Table, pa.Table], None]) -> None:
    """Worker processes receive the run settings once and take chunks, each carrying its
    own points; at most two chunks per worker are in flight, so memory stays bounded
    however long the plan."""
    # forkserver: workers start clean, not forked from a process that may hold threads;
    # the server imports the model once, and every worker forks from it ready to run
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(WORKER_MODULES)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(spec,)) as pool:
        in_flight = {pool.submit(_work, c) for c in islice(chunks, 2 * workers)}
        while in_flight:
            finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for f in finished:
                collect(*f.result())
                in_flight.update(pool.submit(_work, c) for c in islice(chunks, 1))
