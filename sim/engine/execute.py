"""Running a plan into a store: serially, on every local core, or on a Dask cluster.

Workers take runs in chunks (so that short runs are not dominated by overhead), and
each finished chunk becomes one part of the store, written by the coordinating
process alone. Seeds come from the plan, never from completion order, so every
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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from sim.errors import unknown_key
from sim.outcomes import OUTCOME_NAMES
from sim.engine.plan import Plan, Task
from sim.run import run
from sim.engine.lifecycle import end_with
from sim.engine.settings import BACKENDS, available_cores
from sim.engine.store import RUNS_SCHEMA, TIMESERIES_SCHEMA, Store

Progress = Callable[[int, int], None]  # (runs done, runs to do)
GUIDED_SHARE = 3  # a chunk is at most 1/(GUIDED_SHARE × workers) of the runs left


@dataclass(frozen=True)
class Summary:
    to_do: int
    done: int
    failed: int
    skipped: int
    seconds: float


# ---- one chunk of runs: pure, picklable, backend-independent ---------------------------------
def run_chunk(plan: Plan, tasks: Sequence[Task], attempt: int = 1,
              attempts: Mapping[int, int] | None = None) -> tuple[pa.Table, pa.Table]:
    """Run tasks; return their rows for the runs and timeseries tables.

    A run's `attempt` is how many times it has been tried: `attempts[run_id]` when
    given (a retried failure), else `attempt`.
    """
    runs: list[dict[str, Any]] = []
    series: list[tuple[int, np.ndarray, np.ndarray]] = []
    for task in tasks:
        point = plan.point(task.point_id)
        start = time.perf_counter()
        row = _base_row(plan, task)
        try:
            record = run(point.levers, seed=task.seed, weeks=plan.weeks,
                         timeseries_every=plan.timeseries_every)
            row.update(record.outcomes, status="ok", error="")
            if len(record.weeks_recorded):
                series.append((task.run_id, record.weeks_recorded, record.timeseries))
        except Exception as e:  # a failing run is a result too; the sweep goes on
            row.update({name: float("nan") for name in OUTCOME_NAMES})
            row.update(status="failed", error=_one_line(e))
        row.update(attempt=attempts.get(task.run_id, attempt) if attempts else attempt,
                   wall_time_s=time.perf_counter() - start)
        runs.append(row)
    return pa.Table.from_pylist(runs, schema=RUNS_SCHEMA), _timeseries_table(series)


def _base_row(plan: Plan, task: Task) -> dict[str, Any]:
    point = plan.point(task.point_id)
    return {"run_id": task.run_id, "point_id": task.point_id, "scenario": point.scenario,
            "replicate": task.replicate, "seed": task.seed, "weeks": plan.weeks, **point.levers}


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
def pending_tasks(plan: Plan, store: Store, shard: tuple[int, int],
                  retry_failed: bool) -> tuple[list[Task], int, dict[int, int]]:
    """The shard's runs not yet in the store (failed ones too, if retrying), the number
    skipped, and the attempt number of each retried run (new runs are attempt 1).

    Attempts count per run, not per execution, so a sweep that was killed and resumed
    records the same rows as one that never stopped.
    """
    finished = store.finished()
    status = dict(zip(finished["run_id"].tolist(), finished["status"].tolist()))
    tried = dict(zip(finished["run_id"].tolist(), finished["attempt"].tolist()))
    tasks, skipped, attempts = [], 0, {}
    for t in plan.tasks(shard):
        s = status.get(t.run_id)
        if s is None:
            tasks.append(t)
        elif s != "ok" and retry_failed:
            tasks.append(t)
            attempts[t.run_id] = int(tried[t.run_id]) + 1
        else:
            skipped += 1
    return tasks, skipped, attempts


def chunks(tasks: Sequence[Task], size: int) -> Iterable[Sequence[Task]]:
    for i in range(0, len(tasks), size):
        yield tasks[i:i + size]


def guided_chunks(tasks: Sequence[Task], workers: int, largest: int = 64) -> Iterable[Sequence[Task]]:
    """Chunks that shrink as the work runs out (guided self-scheduling): a share of
    what is left per worker, so early chunks are large (few hand-offs and parts) and
    the last are single runs (no worker idles while another ends a long chunk)."""
    i = 0
    while i < len(tasks):
        size = max(1, min(largest, math.ceil((len(tasks) - i) / (GUIDED_SHARE * max(1, workers)))))
        yield tasks[i:i + size]
        i += size


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
    tasks, skipped, attempts = pending_tasks(plan, store, shard, retry_failed)
    requested = workers
    workers = 1 if backend == "serial" else (workers or available_cores())
    batches = list(chunks(tasks, chunk_size) if chunk_size else guided_chunks(tasks, workers))
    done = failed = 0

    def collect(runs: pa.Table, series: pa.Table) -> None:
        nonlocal done, failed
        store.write(runs, series)
        done += runs.num_rows
        failed += sum(1 for s in runs.column("status").to_pylist() if s != "ok")
        if progress:
            progress(done, len(tasks))

    if progress:
        progress(0, len(tasks))
    if not tasks:
        return Summary(0, 0, 0, skipped, time.perf_counter() - start)
    if backend == "serial" or (backend == "process" and workers == 1):
        for batch in batches:
            collect(*run_chunk(plan, batch, 1, _attempts_of(batch, attempts)))
    elif backend == "process":
        _run_processes(plan, batches, attempts, workers, collect)
    else:
        from sim.engine.dask_backend import run_dask  # optional extra: says how to install it
        run_dask(plan, _batches_for(tasks, attempts, chunk_size), run_chunk, collect, workers=requested,
                 scheduler=scheduler)
    return Summary(len(tasks), done, failed, skipped, time.perf_counter() - start)


_PLAN: Plan | None = None
MAX_LOST = 3  # a chunk in flight when a worker died this many times is recorded as failed


def _init_worker(plan: Plan, sweep_pid: int) -> None:
    global _PLAN
    _PLAN = plan
    end_with(sweep_pid)  # never outlive the sweep (see sim.engine.lifecycle)


def _batches_for(tasks: Sequence[Task], attempts: Mapping[int, int], chunk_size: int | None):
    """For a backend that learns its size late (Dask): its chunks, given its threads,
    each with its retried runs' attempt numbers."""
    def batches(threads: int) -> Iterator[tuple[Sequence[Task], dict[int, int] | None]]:
        split = chunks(tasks, chunk_size) if chunk_size else guided_chunks(tasks, threads)
        return ((b, _attempts_of(b, attempts)) for b in split)
    return batches


def _attempts_of(batch: Sequence[Task], attempts: Mapping[int, int]) -> dict[int, int] | None:
    """The retried runs' attempt numbers, for one chunk (None when it has none)."""
    mine = {t.run_id: attempts[t.run_id] for t in batch if t.run_id in attempts}
    return mine or None


def _work(tasks: Sequence[Task], attempts: Mapping[int, int] | None) -> tuple[pa.Table, pa.Table]:
    assert _PLAN is not None
    return run_chunk(_PLAN, tasks, 1, attempts)


Lost = list[tuple[Sequence[Task], int]]  # chunks whose worker died, and how often that has happened


def _run_processes(plan: Plan, batches: list[Sequence[Task]], attempts: Mapping[int, int], workers: int,
                   collect: Callable[[pa.Table, pa.Table], None]) -> None:
    """Worker processes receive the plan once and take chunks; at most two chunks per
    worker are in flight, so memory stays bounded however long the plan.

    A worker that dies (SIGKILL, the out-of-memory killer) breaks its pool: the
    chunks then in flight go to a fresh pool and the sweep goes on. A chunk lost
    MAX_LOST times is recorded as failed runs (rerun them with --retry-failed), so
    a run that kills its worker every time cannot stop the sweep either.
    """
    queue = iter(batches)
    retry: Lost = []
    while True:
        lost = _run_pool(plan, queue, retry, attempts, workers, collect)
        if not lost:
            return
        retry = []
        for batch, times in lost:
            if times >= MAX_LOST:
                collect(*_lost_chunk(plan, batch, times, attempts))
            else:
                retry.append((batch, times))


def _new_pool(plan: Plan, workers: int) -> ProcessPoolExecutor:
    # forkserver: workers start clean, not forked from a process that may hold threads;
    # the server imports the model once, and every worker forks from it ready to run
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.engine.execute"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                               initargs=(plan, os.getpid()))


def _run_pool(plan: Plan, queue: Iterator[Sequence[Task]], retry: Lost, attempts: Mapping[int, int],
              workers: int, collect: Callable[[pa.Table, pa.Table], None]) -> Lost:
    """Chunks (the retried ones first, then the queue's) on one pool, until all are
    done (returns []) or a worker dies (returns the chunks it did not finish)."""
    pool = _new_pool(plan, workers)
    todo = deque(retry)
    in_flight: dict[Future, tuple[Sequence[Task], int]] = {}
    broken = False

    def submit_next() -> bool:
        nonlocal broken
        item = todo.popleft() if todo else next(((b, 0) for b in queue), None)
        if item is None:
            return False
        try:
            in_flight[pool.submit(_work, item[0], _attempts_of(item[0], attempts))] = item
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
                for f, (batch, times) in in_flight.items():
                    if f.exception() is None:
                        collect(*f.result())
                    else:
                        lost.append((batch, times + 1))
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


def _lost_chunk(plan: Plan, batch: Sequence[Task], times: int,
                attempts: Mapping[int, int]) -> tuple[pa.Table, pa.Table]:
    """A chunk whose worker died every time it ran, as failed runs."""
    error = (f"WorkerLost: the worker process running this run's chunk died {times} times (killed by a signal, "
             "e.g. the out-of-memory killer); rerun with --retry-failed, with fewer --workers if memory is short")
    rows = [{**_base_row(plan, t), **{name: float("nan") for name in OUTCOME_NAMES}, "status": "failed",
             "error": error, "attempt": attempts.get(t.run_id, 1), "wall_time_s": 0.0} for t in batch]
    return pa.Table.from_pylist(rows, schema=RUNS_SCHEMA), TIMESERIES_SCHEMA.empty_table()
