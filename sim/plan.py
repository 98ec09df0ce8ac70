"""What to run: points (full lever sets), replicates, seeds, weeks.

A plan is the common currency of `govsim run`, `govsim sweep` and `govsim
sensitivity`: each builds one and hands it to `sim.execute`. A run's identity is
`run_id = point_id * replicates + replicate`, and its seed derives from the master
seed and that identity with numpy's SeedSequence — never from the order in which
runs finish — so any backend, worker count or shard gives the same numbers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.levers import resolve
from sim.run import DEFAULT_WEEKS


@dataclass(frozen=True)
class Point:
    """One design point: a named scenario with every lever resolved."""

    point_id: int
    scenario: str
    levers: Mapping[str, Any]


@dataclass(frozen=True)
class Task:
    """One run to do."""

    run_id: int
    point_id: int
    replicate: int
    seed: int


def run_seed(master: int, point_id: int, replicate: int, common: bool) -> int:
    """A run's seed: 63 bits from SeedSequence(master, spawn_key=...).

    With common random numbers, replicate r of every point shares its seed, so that
    points are compared on the same households and the same luck (paired designs);
    otherwise every run has its own stream.
    """
    key = (replicate,) if common else (point_id, replicate)
    state = np.random.SeedSequence(master, spawn_key=key).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


@dataclass(frozen=True)
class Plan:
    points: Sequence[Point]
    replicates: int = 1
    seed: int = 0
    weeks: int = DEFAULT_WEEKS
    timeseries_every: int = 1
    common_random_numbers: bool = False
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.replicates

    def tasks(self, shard: tuple[int, int] = (0, 1)) -> Iterator[Task]:
        """Every run of the plan, or those of shard (i, n): run_id % n == i."""
        i, n = shard
        for p in self.points:
            for r in range(self.replicates):
                run_id = p.point_id * self.replicates + r
                if run_id % n == i:
                    yield Task(run_id, p.point_id, r,
                               run_seed(self.seed, p.point_id, r, self.common_random_numbers))

    def point(self, point_id: int) -> Point:
        return self._by_id[point_id]

    @property
    def _by_id(self) -> dict[int, Point]:
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = {p.point_id: p for p in self.points}
            object.__setattr__(self, "_cache", cache)
        return cache

    def seed_derivation(self) -> str:
        key = "(replicate,)" if self.common_random_numbers else "(point_id, replicate)"
        return (f"seed = SeedSequence({self.seed}, spawn_key={key}).generate_state(1, uint64)[0] >> 1; "
                "each run's seed is in the runs table")

    def describe(self) -> dict[str, Any]:
        """The plan as plain data: what a manifest records and a hash identifies."""
        return {
            "points": [{"point_id": p.point_id, "scenario": p.scenario, "levers": dict(p.levers)}
                       for p in self.points],
            "replicates": self.replicates, "seed": self.seed, "weeks": self.weeks,
            "timeseries_every": self.timeseries_every,
            "common_random_numbers": self.common_random_numbers,
            **({"meta": dict(self.meta)} if self.meta else {}),
        }

    def digest(self) -> str:
        """A hash of what determines the results (not of how they are computed)."""
        text = json.dumps(self.describe(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_points(named_levers: Sequence[tuple[str, Mapping[str, Any]]]) -> list[Point]:
    """Points from (scenario name, lever overrides) pairs, ids in order."""
    return [Point(i, name, resolve(levers)) for i, (name, levers) in enumerate(named_levers)]
