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
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sim.errors import unknown_key
from sim.outcomes import OUTCOME_NAMES
from sim.engine.lifecycle import end_with
from sim.engine.plan import Chunk, Plan, RunSpec, Task
from sim.run import run
from sim.engine.settings import BACKENDS, available_cores
from sim.engine.store import RUNS_SCHEMA, TIMESERIES_SCHEMA, Store

Progress = Callable[[int, int], None]  # (runs done, runs to do)
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
        row = _base_row(spec, task, scenario, levers)
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


def _base_row(spec: RunSpec, task: Task, scenario: str, levers: dict[str, Any]) -> dict[str, Any]:
    return {"run_id": task.run_id, "point_id": task.point_id, "scenario": scenario,
            "replicate": task.replicate, "seed": task.seed, "weeks": spec.weeks, **levers}


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
        raise unknown_key(str(backend), BACKENDS, source=None, what="backend")
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
            run_dask(spec, lambda threads: make_chunks(plan, pending, threads, chunk_size), run_chunk, collect,
                     workers=requested, scheduler=scheduler)
    return Summary(len(pending), done, failed, pending.skipped, time.perf_counter() - start)


_SPEC: RunSpec | None = None
MAX_LOST = 3  # a chunk in flight when a worker died this many times is recorded as failed


def _init_worker(spec: RunSpec, sweep_pid: int | None = None) -> None:
    global _SPEC
    _SPEC = spec
    if sweep_pid is not None:
        end_with(sweep_pid)  # never outlive the sweep (see sim.engine.lifecycle)


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
Lost = list[tuple[Chunk, int]]  # chunks whose worker died, and how often that has happened


def _run_processes(spec: RunSpec, chunks: Iterator[Chunk], workers: int,
                   collect: Callable[[pa.Table, pa.Table], None]) -> None:
    """Worker processes receive the run settings once and take chunks, each carrying its
    own points; at most two chunks per worker are in flight, so memory stays bounded
    however long the plan.

    A worker that dies (SIGKILL, the out-of-memory killer) breaks its pool: the
    chunks then in flight go to a fresh pool and the sweep goes on. A chunk lost
    MAX_LOST times is recorded as failed runs (rerun them with --retry-failed), so
    a run that kills its worker every time cannot stop the sweep either.
    """
    retry: Lost = []
    while True:
        lost = _run_pool(spec, chunks, retry, workers, collect)
        if not lost:
            return
        retry = []
        for chunk, times in lost:
            if times >= MAX_LOST:
                collect(*_lost_chunk(spec, chunk, times))
            else:
                retry.append((chunk, times))


def _new_pool(spec: RunSpec, workers: int) -> ProcessPoolExecutor:
    # forkserver: workers start clean, not forked from a process that may hold threads;
    # the server imports the model once, and every worker forks from it ready to run
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(WORKER_MODULES)
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                               initargs=(spec, os.getpid()))


def _run_pool(spec: RunSpec, chunks: Iterator[Chunk], retry: Lost, workers: int,
              collect: Callable[[pa.Table, pa.Table], None]) -> Lost:
    """Chunks (the retried ones first, then the rest) on one pool, until all are done
    (returns []) or a worker dies (returns the chunks it did not finish)."""
    pool = _new_pool(spec, workers)
    todo = deque(retry)
    in_flight: dict[Future, tuple[Chunk, int]] = {}
    broken = False

    def submit_next() -> bool:
        nonlocal broken
        item = todo.popleft() if todo else next(((c, 0) for c in chunks), None)
        if item is None:
            return False
        try:
            in_flight[pool.submit(_work, item[0])] = item
        except BrokenProcessPool:  # a worker died since the last look
            todo.appendleft(item)
            broken = True
            return False
        return True

    try:
        while len(in_flight) < 2 * workers and submit_next():
            pass
        while in_flight or broken:
            if not broken:
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                broken = any(isinstance(f.exception(), BrokenProcessPool) for f in finished)
            if broken:
                wait(in_flight)  # a broken pool settles every future at once
                lost = []
                for f, (chunk, times) in in_flight.items():
                    if f.exception() is None:
                        collect(*f.result())
                    else:
                        lost.append((chunk, times + 1))
                return lost + list(todo)
            for f in finished:
                in_flight.pop(f)
                collect(*f.result())
                submit_next()
        return []
    except BaseException:  # Ctrl-C, SIGTERM, a full disk: end the workers now, not after their chunks
        _kill_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    # the executor offers no public way to stop running tasks; its process table is stable since 3.8
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()


def _lost_chunk(spec: RunSpec, chunk: Chunk, times: int) -> tuple[pa.Table, pa.Table]:
    """A chunk whose worker died every time it ran, as failed runs."""
    error = (f"WorkerLost: the worker process running this run's chunk died {times} times (killed by a signal, "
             "e.g. the out-of-memory killer); rerun with --retry-failed, with fewer --workers if memory is short")
    rows = [{**_base_row(spec, task, scenario, levers), **{name: float("nan") for name in OUTCOME_NAMES},
             "status": "failed", "error": error, "attempt": attempt, "wall_time_s": 0.0}
            for task, scenario, levers, attempt in chunk.tasks(spec)]
    return pa.Table.from_pylist(rows, schema=RUNS_SCHEMA), TIMESERIES_SCHEMA.empty_table()
