"""What to run: points (full lever sets), replicates, seeds, weeks.

A plan is the common currency of `govsim run`, `govsim sweep` and `govsim
sensitivity`: each builds one and hands it to `sim.engine.execute`. A run's identity is
`run_id = point_id * replicates + replicate`, and its seed derives from the master
seed and that identity with numpy's SeedSequence — never from the order in which
runs finish — so any backend, worker count or shard gives the same numbers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import InputError, show
from sim.run import DEFAULT_WEEKS


class LeverValues(Mapping[str, Any]):
    """Every lever's value, as a base shared by many points plus one point's changes.

    A design of tens of thousands of points differs from its base scenario in a few
    levers per point; one full dict per point would cost kilobytes each, in the
    coordinating process and again in every worker. This reads like a dict (and
    pickles the shared base once per plan); `dict(values)` gives a plain one.
    """

    __slots__ = ("_base", "_changes")

    def __init__(self, base: Mapping[str, Any], changes: Mapping[str, Any]) -> None:
        unknown = set(changes) - set(base)
        if unknown:
            raise KeyError(f"not levers of the base: {sorted(unknown)}")
        self._base = base
        self._changes = dict(changes)

    def __getitem__(self, name: str) -> Any:
        return self._changes[name] if name in self._changes else self._base[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)

    def __reduce__(self):
        return (LeverValues, (self._base, self._changes))

    def to_dict(self) -> dict[str, Any]:
        """A plain dict, in lever order (much faster than dict(self) for large designs)."""
        return {**self._base, **self._changes}

    def __repr__(self) -> str:
        return f"LeverValues({dict(self)!r})"


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

    def shard_runs(self, shard: tuple[int, int] = (0, 1)) -> int:
        """How many runs shard (i, n) holds, without listing them."""
        i, n = shard
        return len(range(i, self.n_runs, n))

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
            "points": [{"point_id": p.point_id, "scenario": p.scenario, "levers": _plain(p.levers)}
                       for p in self.points],
            **self.describe_settings(),
        }

    def digest(self) -> str:
        """A hash of what determines the results (not of how they are computed)."""
        # the hash of json.dumps(self.describe(), sort_keys=True), fed point by point, so
        # that a design of many points never becomes one string of hundreds of megabytes
        head = json.dumps({**self.describe_settings(), "points": []}, sort_keys=True, default=str)
        cut = head.rindex('"points": []') + len('"points": [')  # "points" sorts after "meta"
        h = hashlib.sha256(head[:cut].encode())
        for i, p in enumerate(self.points):
            point = {"point_id": p.point_id, "scenario": p.scenario, "levers": _plain(p.levers)}
            h.update(((", " if i else "") + json.dumps(point, sort_keys=True, default=str)).encode())
        h.update(head[cut:].encode())
        return h.hexdigest()[:16]

    def describe_settings(self) -> dict[str, Any]:
        """describe() without the points: what a manifest records of a very large plan."""
        return {
            "replicates": self.replicates, "seed": self.seed, "weeks": self.weeks,
            "timeseries_every": self.timeseries_every,
            "common_random_numbers": self.common_random_numbers,
            **({"meta": dict(self.meta)} if self.meta else {}),
        }


def _plain(levers: Mapping[str, Any]) -> dict[str, Any]:
    return levers.to_dict() if isinstance(levers, LeverValues) else dict(levers)


def parse_shard(text: str, source: str | None = None) -> tuple[int, int]:
    """'I/N' as (i, n), with 0 <= i < n: the i-th of n disjoint slices of a plan."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text))
    if not m or not int(m.group(1)) < int(m.group(2)):
        raise InputError(f"got {show(text)}; allowed: I/N with integers 0 <= I < N, e.g. 0/4",
                         source=source, key="--shard")
    return int(m.group(1)), int(m.group(2))
