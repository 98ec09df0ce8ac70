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
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from sim.errors import unknown_key
from sim.outcomes import OUTCOME_NAMES
from sim.engine.plan import Plan, Task
from sim.run import run
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
        row = {"run_id": task.run_id, "point_id": task.point_id, "scenario": point.scenario,
               "replicate": task.replicate, "seed": task.seed, "weeks": plan.weeks, **point.levers}
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
        run_dask(plan, tasks, attempts, collect, workers=requested, scheduler=scheduler, chunk_size=chunk_size)
    return Summary(len(tasks), done, failed, skipped, time.perf_counter() - start)


_PLAN: Plan | None = None


def _init_worker(plan: Plan) -> None:
    global _PLAN
    _PLAN = plan


def _attempts_of(batch: Sequence[Task], attempts: Mapping[int, int]) -> dict[int, int] | None:
    """The retried runs' attempt numbers, for one chunk (None when it has none)."""
    mine = {t.run_id: attempts[t.run_id] for t in batch if t.run_id in attempts}
    return mine or None


def _work(tasks: Sequence[Task], attempts: Mapping[int, int] | None) -> tuple[pa.Table, pa.Table]:
    assert _PLAN is not None
    return run_chunk(_PLAN, tasks, 1, attempts)


def _run_processes(plan: Plan, batches: list[Sequence[Task]], attempts: Mapping[int, int], workers: int,
                   collect: Callable[[pa.Table, pa.Table], None]) -> None:
    """Worker processes receive the plan once and take chunks; at most two chunks per
    worker are in flight, so memory stays bounded however long the plan."""
    # forkserver: workers start clean, not forked from a process that may hold threads;
    # the server imports the model once, and every worker forks from it ready to run
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.engine.execute"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(plan,)) as pool:
        queue = iter(batches)
        in_flight = set()
        for batch in queue:
            in_flight.add(pool.submit(_work, batch, _attempts_of(batch, attempts)))
            if len(in_flight) >= 2 * workers:
                break
        while in_flight:
            finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for f in finished:
                collect(*f.result())
                nxt = next(queue, None)
                if nxt is not None:
                    in_flight.add(pool.submit(_work, nxt, _attempts_of(nxt, attempts)))
