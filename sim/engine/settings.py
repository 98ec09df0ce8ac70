"""Run settings and their limits: one table, checked by one function.

Every command and file that takes a run setting (replicates, weeks, seed, workers,
a design's size) checks it here, at the boundary, as scikit-learn validates an
estimator's parameters: the constraint names the setting, its bounds and why the
upper bound is what it is, and `check` turns a bad value into one InputError that
says all of that. Nothing deeper in the engine re-checks.

The upper limits come from what one store and one coordinating process can hold,
not from taste; the README's section "Limits" repeats them:

- points: a design is kept as its description and its points generated a chunk at a
  time, but a list design (and a sensitivity design's sample matrix) is held whole,
  and design.parquet has a row per point: 10^7 points;
- runs: the coordinator keeps 8 bytes per pending run and 17 per stored run while
  resuming, and a store ~0.5 KB of Parquet per run: 10^8 runs are ~2 GB to resume
  and ~50 GB on disk;
- weeks: 10,000 weeks (192 years) is far beyond the policy's horizon; a run's time
  grows linearly with weeks;
- replicates: 10,000 per point (the t-interval of a mean has long stopped shrinking);
- workers: local worker processes beyond 4 per core only cost memory and file
  descriptors (10,000 Dask workers exhausted them); a remote cluster's size is its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError, show

BACKENDS = ("serial", "process", "dask")
LOCAL_BACKENDS = ("serial", "process")
WORKERS_PER_CORE = 4


@dataclass(frozen=True)
class Limit:
    """An integer setting's allowed range, and why its upper end is there."""

    low: int
    high: int
    why: str = ""

    def allowed(self) -> str:
        return f"an integer from {self.low:,} to {self.high:,}"


LIMITS: dict[str, Limit] = {
    "replicates": Limit(1, 10_000, "more replicates no longer narrow a mean's interval"),
    "weeks": Limit(1, 10_000, "192 years; a run's time grows with its weeks"),
    "seed": Limit(0, 2**63 - 1, "a 64-bit integer, as TOML and the store hold it"),
    "workers": Limit(1, 1_024, "worker processes beyond this only cost memory and file descriptors"),
    "chunk_size": Limit(1, 100_000, "a chunk is one part file, held in memory until written"),
    "points": Limit(1, 10_000_000, "design.parquet has a row per point, and list designs are held whole"),
    "runs": Limit(1, 100_000_000, "resuming holds 17 bytes per run (~2 GB), the store ~0.5 KB per run"),
}


def check(name: str, value: Any, *, source: str | None = None, key: str | None = None,
          limit: Limit | None = None) -> int:
    """value, if it is an integer within the named setting's limits; else one InputError.

    key is how the user wrote the setting (`--steps`, `design.n`), defaulting to name.
    """
    lim = limit or LIMITS[name]
    where = key or name
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"expected an integer, got {show(value)}; allowed: {lim.allowed()}", source=source,
                         key=where)
    if not lim.low <= value <= lim.high:
        why = f" ({lim.why})" if value > lim.high and lim.why else ""
        raise InputError(f"out of bounds: {value:,}; allowed: {lim.allowed()}{why}", source=source, key=where)
    return value


def check_settings(values: Mapping[str, Any], *, source: str | None = None,
                   keys: Mapping[str, str] | None = None) -> dict[str, int]:
    """Every given setting (None: not given) checked against LIMITS; keys maps a setting
    to how the user wrote it (e.g. {"weeks": "--steps"})."""
    keys = keys or {}
    return {name: check(name, value, source=source, key=keys.get(name)) for name, value in values.items()
            if value is not None}


def check_workers(workers: int | None, backend: str, scheduler: str | None = None, *,
                  cores: int | None = None, key: str = "--workers") -> int | None:
    """--workers for a backend: within LIMITS, and for processes on this machine (the
    process backend, or a local Dask cluster) at most WORKERS_PER_CORE per core."""
    if workers is None:
        return None
    check("workers", workers, key=key)
    if backend == "dask" and scheduler:
        return workers
    cores = cores or available_cores()
    most = WORKERS_PER_CORE * cores
    if workers > most and backend != "serial":
        raise InputError(f"out of bounds: {workers:,} worker processes on this machine's {cores} core(s); allowed: "
                         f"at most {most} ({WORKERS_PER_CORE} per core: more only cost memory and file "
                         "descriptors)", key=key)
    return workers


def available_cores() -> int:
    """The cores this process may run on (a SLURM task's, not the node's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_size(points: int, replicates: int, *, source: str | None = None, key: str = "design") -> None:
    """A plan's size: points and points × replicates within LIMITS, before anything is built."""
    lim = LIMITS["points"]
    if points > lim.high:
        raise InputError(f"out of bounds: {points:,} design points; allowed: at most {lim.high:,} ({lim.why})",
                         source=source, key=key)
    runs = points * replicates
    lim = LIMITS["runs"]
    if runs > lim.high:
        raise InputError(f"out of bounds: {points:,} points × {replicates:,} replicates = {runs:,} runs; allowed: "
                         f"at most {lim.high:,} runs per store ({lim.why})", source=source, key=key)
