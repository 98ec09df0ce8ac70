"""What to run: points (full lever sets), replicates, seeds, weeks.

A plan is the common currency of `govsim run`, `govsim sweep` and `govsim
sensitivity`: each builds one and hands it to `sim.engine.execute`. A run's identity is
`run_id = point_id * replicates + replicate` (`run_id_of`, `split_run_ids`: the one
place that says so), and its seed derives from the master seed and that identity
with numpy's SeedSequence — never from the order in which runs finish — so any
backend, worker count or shard gives the same numbers.

A plan of a million points is a description, not a million dictionaries: its
points are bases (a scenario's full lever set, shared by many points) plus each
point's changes, generated block by block from the design (`sim.engine.design.Rows`).
Workers receive the bases and settings once (`RunSpec`); each chunk of runs carries
the changes of its own points (`Chunk`), so neither the coordinating process nor a
worker ever holds every point.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from sim.engine.design import ListedRows, Rows, sequence_index
from sim.levers import LEVERS

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


def run_id_of(point_id: Any, replicate: Any, replicates: int) -> Any:
    """A run's identity from its point and replicate (ints or numpy arrays)."""
    return point_id * replicates + replicate


def split_run_ids(run_ids: Any, replicates: int) -> tuple[Any, Any]:
    """(point_id, replicate) of run ids (ints or numpy arrays): the inverse of run_id_of."""
    return divmod(run_ids, replicates)


def run_seed(master: int, point_id: int, replicate: int, common: bool) -> int:
    """A run's seed: 63 bits from SeedSequence(master, spawn_key=...).

    With common random numbers, replicate r of every point shares its seed, so that
    points are compared on the same households and the same luck (paired designs);
    otherwise every run has its own stream.
    """
    key = (replicate,) if common else (point_id, replicate)
    state = np.random.SeedSequence(master, spawn_key=key).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


# ---- points, generated on demand ---------------------------------------------------------------------
@dataclass(frozen=True)
class PointBlock:
    """Some points, compactly: each one's id, base (an index into the bases) and changes.

    `changes` holds columns {lever: values}; None leaves the lever to the base.
    """

    ids: np.ndarray
    base: np.ndarray
    changes: Mapping[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.ids)

    def changes_of(self, j: int) -> dict[str, Any]:
        values = ((k, v[j].item() if isinstance(v[j], np.generic) else v[j]) for k, v in self.changes.items())
        return {k: x for k, x in values if x is not None}

    def select(self, mask: np.ndarray) -> PointBlock:
        return PointBlock(self.ids[mask], self.base[mask], {k: v[mask] for k, v in self.changes.items()})

    @staticmethod
    def concat(blocks: Sequence[PointBlock]) -> PointBlock:
        return PointBlock(np.concatenate([b.ids for b in blocks]), np.concatenate([b.base for b in blocks]),
                          {k: np.concatenate([b.changes[k] for b in blocks]) for k in blocks[0].changes})


class Points(Sequence[Point]):
    """A plan's points: bases (scenario, full lever set) shared by many points, plus
    each point's changes, generated a block at a time. Point ids are positions."""

    bases: tuple[tuple[str, Mapping[str, Any]], ...]

    def __len__(self) -> int:
        raise NotImplementedError

    def block(self, start: int, stop: int) -> PointBlock:
        """Points [start, stop) (positions, which are their ids)."""
        raise NotImplementedError

    def ids(self) -> np.ndarray | range:
        return range(len(self))

    def of_ids(self, ids: np.ndarray) -> PointBlock:
        """The points with these ids (sorted, unique)."""
        if not len(ids):
            return self.block(0, 0)
        lo, hi = int(ids[0]), int(ids[-1]) + 1
        if hi - lo <= 4 * len(ids) + 64:  # dense enough: one block, then keep the ones asked for
            b = self.block(lo, hi)
            return b if hi - lo == len(ids) else b.select(np.isin(b.ids, ids))
        return PointBlock.concat([self.block(int(i), int(i) + 1) for i in ids])

    def point(self, point_id: int) -> Point:
        b = self.of_ids(np.array([point_id], dtype=np.int64))
        if not len(b) or int(b.ids[0]) != point_id:
            raise KeyError(point_id)
        scenario, base = self.bases[int(b.base[0])]
        return Point(point_id, scenario, LeverValues(base, b.changes_of(0)))

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.point(int(self.ids()[sequence_index(i, len(self))]))

    def __iter__(self) -> Iterator[Point]:
        ids = self.ids()
        for start in range(0, len(ids), BLOCK):
            b = self.of_ids(np.asarray(ids[start:start + BLOCK], dtype=np.int64))
            for j in range(len(b)):
                scenario, base = self.bases[int(b.base[j])]
                yield Point(int(b.ids[j]), scenario, LeverValues(base, b.changes_of(j)))

    def select(self, ids: np.ndarray) -> Points:
        """The points with these ids (the same ids: the same run ids and seeds)."""
        return Subset(self, np.asarray(ids, dtype=np.int64))


BLOCK = 65536  # points generated at a time when a plan is read whole


class PointList(Points):
    """Points given one by one (a few scenarios, a test's design): each point's levers
    are a base, or its LeverValues' base plus its changes."""

    def __init__(self, points: Sequence[Point]) -> None:
        self._points = list(points)
        ids = [p.point_id for p in self._points]
        if ids != list(range(len(ids))):
            raise ValueError("point ids must be 0, 1, 2, ... in order")
        bases: dict[tuple[int, str], int] = {}  # (id of a base dict, scenario) -> its index
        listed: list[tuple[str, Mapping[str, Any]]] = []
        index, changes = [], []
        for p in self._points:
            base, change = (p.levers._base, p.levers._changes) if isinstance(p.levers, LeverValues) \
                else (p.levers, {})
            key = (id(base), p.scenario)
            if key not in bases:
                bases[key] = len(listed)
                listed.append((p.scenario, base))
            index.append(bases[key])
            changes.append(change)
        self.bases = tuple(listed)
        self._base = np.array(index, dtype=np.int64)
        self._changes = ListedRows.from_dicts(changes)

    def __len__(self) -> int:
        return len(self._points)

    def block(self, start: int, stop: int) -> PointBlock:
        stop = min(stop, len(self))
        start = min(start, stop)
        return PointBlock(np.arange(start, stop, dtype=np.int64), self._base[start:stop],
                          self._changes.block(start, stop))

    def point(self, point_id: int) -> Point:
        return self._points[point_id]


class DesignPoints(Points):
    """Every base scenario × every design row, ids scenario-major: point p is row
    p mod rows of scenario p div rows. A row's settlement (if the design sets one)
    picks that settlement's base, so levers nobody set keep their settlement defaults."""

    def __init__(self, scenarios: Sequence[str], bases: Sequence[Mapping[Any, Mapping[str, Any]]],
                 rows: Rows) -> None:
        """bases[s][settlement] is scenario s's full lever set for a row of that
        settlement (None: a row that sets no settlement)."""
        self.scenarios = tuple(scenarios)
        self.rows = rows
        listed, self._index = [], {}
        for s, by_settlement in enumerate(bases):
            for settlement, levers in by_settlement.items():
                self._index[(s, settlement)] = len(listed)
                listed.append((self.scenarios[s], levers))
        self.bases = tuple(listed)
        self._cache: tuple[int, dict[str, np.ndarray]] | None = None

    def __len__(self) -> int:
        return len(self.scenarios) * len(self.rows)

    def block(self, start: int, stop: int) -> PointBlock:
        n_rows = len(self.rows)
        stop = min(stop, len(self))
        start = min(start, stop)
        if start == stop:
            empty = self.rows.block(0, 0)
            return PointBlock(np.zeros(0, np.int64), np.zeros(0, np.int64), empty)
        parts = []
        p = start
        while p < stop:  # one segment per scenario the block touches
            s, r0 = divmod(p, n_rows)
            r1 = min(n_rows, r0 + stop - p)
            cols = self._rows(r0, r1)
            if "settlement" in cols:
                base = np.array([self._index[(s, x)] for x in cols["settlement"].tolist()], dtype=np.int64)
            else:
                base = np.full(r1 - r0, self._index[(s, None)], dtype=np.int64)
            parts.append(PointBlock(np.arange(p, p + r1 - r0, dtype=np.int64), base, cols))
            p += r1 - r0
        return parts[0] if len(parts) == 1 else PointBlock.concat(parts)

    def _rows(self, r0: int, r1: int) -> dict[str, np.ndarray]:
        """Design rows [r0, r1), from aligned blocks of ROW_BLOCK rows kept one at a time."""
        if r1 - r0 > ROW_BLOCK // 4 or r1 <= r0:
            return self.rows.block(r0, r1)
        first = r0 - r0 % ROW_BLOCK
        if r1 > first + ROW_BLOCK:  # straddles two aligned blocks
            return self.rows.block(r0, r1)
        if self._cache is None or self._cache[0] != first:
            self._cache = (first, self.rows.block(first, min(len(self.rows), first + ROW_BLOCK)))
        return {k: v[r0 - first:r1 - first] for k, v in self._cache[1].items()}

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_cache": None}


ROW_BLOCK = 4096


class Subset(Points):
    """Some of a plan's points, with their ids (a sensitivity level's rows)."""

    def __init__(self, parent: Points, ids: np.ndarray) -> None:
        self.parent = parent
        self._ids = np.unique(ids)
        if len(self._ids) and not (0 <= self._ids[0] and self._ids[-1] < len(parent)):
            raise ValueError("point ids outside the plan")
        self.bases = parent.bases

    def __len__(self) -> int:
        return len(self._ids)

    def ids(self) -> np.ndarray:
        return self._ids

    def block(self, start: int, stop: int) -> PointBlock:
        return self.parent.of_ids(self._ids[start:stop])

    def of_ids(self, ids: np.ndarray) -> PointBlock:
        return self.parent.of_ids(ids)

    def point(self, point_id: int) -> Point:
        return self.parent.point(point_id)

    def select(self, ids: np.ndarray) -> Points:
        return Subset(self.parent, ids)


# ---- what workers receive -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunSpec:
    """What a worker needs of a plan, sent once: the bases and the run settings."""

    bases: tuple[tuple[str, Mapping[str, Any]], ...]
    replicates: int
    seed: int
    weeks: int
    timeseries_every: int
    common_random_numbers: bool


@dataclass(frozen=True)
class Chunk:
    """Some runs to do, with their points: a few kilobytes, whatever the plan's size.

    `attempts`: each run's attempt number (retried failures > 1), or None for all 1.
    """

    run_ids: np.ndarray
    points: PointBlock
    attempts: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.run_ids)

    def tasks(self, spec: RunSpec) -> Iterator[tuple[Task, str, dict[str, Any], int]]:
        """(task, scenario, levers, attempt) of each run, in order."""
        where = {pid: j for j, pid in enumerate(self.points.ids.tolist())}
        points, replicates = split_run_ids(self.run_ids, spec.replicates)
        attempts = self.attempts.tolist() if self.attempts is not None else [1] * len(self.run_ids)
        for run_id, pid, r, attempt in zip(self.run_ids.tolist(), points.tolist(), replicates.tolist(), attempts):
            j = where[pid]
            scenario, base = spec.bases[int(self.points.base[j])]
            levers = {**base, **self.points.changes_of(j)}
            seed = run_seed(spec.seed, pid, r, spec.common_random_numbers)
            yield Task(run_id, pid, r, seed), scenario, levers, attempt


# ---- the plan ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    points: Points | Sequence[Point]
    replicates: int = 1
    seed: int = 0
    weeks: int = DEFAULT_WEEKS
    timeseries_every: int = 1
    common_random_numbers: bool = False
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.points, Points):
            object.__setattr__(self, "points", PointList(self.points))

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.replicates

    def run_ids(self, shard: tuple[int, int] = (0, 1)) -> np.ndarray:
        """Every run id of the plan, or of shard (i, n): run_id % n == i, ascending."""
        i, n = shard
        ids = self.points.ids()
        if isinstance(ids, range):  # every point: the ids are consecutive
            return np.arange(i, self.n_runs, n, dtype=np.int64)
        runs = run_id_of(np.asarray(ids, dtype=np.int64)[:, None], np.arange(self.replicates), self.replicates)
        runs = runs.ravel()
        return runs[runs % n == i] if n > 1 else runs

    def shard_runs(self, shard: tuple[int, int] = (0, 1)) -> int:
        """How many runs shard (i, n) holds."""
        i, n = shard
        if isinstance(self.points.ids(), range):
            return len(range(i, self.n_runs, n))
        return len(self.run_ids(shard))

    def tasks(self, shard: tuple[int, int] = (0, 1)) -> Iterator[Task]:
        """Every run of the plan, or those of shard (i, n), in run id order."""
        for run_id in self.run_ids(shard).tolist():
            pid, r = split_run_ids(run_id, self.replicates)
            yield Task(run_id, pid, r, run_seed(self.seed, pid, r, self.common_random_numbers))

    def point(self, point_id: int) -> Point:
        return self.points.point(point_id)

    def spec(self) -> RunSpec:
        return RunSpec(tuple((s, dict(b)) for s, b in self.points.bases), self.replicates, self.seed,
                       self.weeks, self.timeseries_every, self.common_random_numbers)

    def chunk(self, run_ids: np.ndarray, attempts: np.ndarray | None = None) -> Chunk:
        """The runs with these ids (ascending), ready to send to a worker."""
        run_ids = np.asarray(run_ids, dtype=np.int64)
        pids = np.unique(split_run_ids(run_ids, self.replicates)[0])
        return Chunk(run_ids, self.points.of_ids(pids), attempts)

    def design_blocks(self, size: int = BLOCK) -> Iterator[pa.Table]:
        """The design table (point_id, scenario, every lever), a block of points at a time."""
        for b in self._point_blocks(size):
            yield design_block(b, self.points.bases)

    def _point_blocks(self, size: int = BLOCK) -> Iterator[PointBlock]:
        ids = self.points.ids()
        for start in range(0, max(len(ids), 1), size):
            b = self.points.of_ids(np.asarray(ids[start:start + size], dtype=np.int64))
            if len(b) or not start:
                yield b

    def with_points(self, points: Points) -> Plan:
        return Plan(points, self.replicates, self.seed, self.weeks, self.timeseries_every,
                    self.common_random_numbers, self.meta)

    def seed_derivation(self) -> str:
        key = "(replicate,)" if self.common_random_numbers else "(point_id, replicate)"
        return (f"seed = SeedSequence({self.seed}, spawn_key={key}).generate_state(1, uint64)[0] >> 1; "
                "each run's seed is in the runs table")

    def describe(self) -> dict[str, Any]:
        """The plan as plain data: what a manifest records of a plan of few points."""
        return {
            "points": [{"point_id": p.point_id, "scenario": p.scenario, "levers": _plain(p.levers)}
                       for p in self.points],
            **self.describe_settings(),
        }

    def digest(self) -> str:
        """A hash of what determines the results (not of how they are computed or stored):
        the settings and the design table, column by column, a block at a time."""
        cached = self.__dict__.get("_digest")
        if cached is None:
            h = hashlib.blake2b(json.dumps(self.describe_settings(), sort_keys=True, default=str).encode())
            for b in self._point_blocks():
                _hash_block(h, b, self.points.bases)
            cached = h.hexdigest()[:16]
            object.__setattr__(self, "_digest", cached)
        return cached

    def describe_settings(self) -> dict[str, Any]:
        """describe() without the points: what a manifest records of a very large plan."""
        return {
            "replicates": self.replicates, "seed": self.seed, "weeks": self.weeks,
            "timeseries_every": self.timeseries_every,
            "common_random_numbers": self.common_random_numbers,
            **({"meta": dict(self.meta)} if self.meta else {}),
        }


_ARROW = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "choice": pa.string()}
LEVER_FIELDS = [pa.field(lv.name, _ARROW[lv.type]) for lv in LEVERS]
DESIGN_SCHEMA = pa.schema([pa.field("point_id", pa.int64()), pa.field("scenario", pa.string())] + LEVER_FIELDS)


SCENARIO_FIELD = pa.field("scenario", pa.string())


def design_columns(b: PointBlock, bases: Sequence[tuple[str, Mapping[str, Any]]]
                   ) -> Iterator[tuple[pa.Field, Any, bool]]:
    """The design table's columns of a block of points after point_id: (field, value,
    True) for a column that holds one value throughout, else (field, array, False)."""
    pick = np.asarray(b.base, dtype=np.int64)
    single = not len(pick) or bool((pick == pick[0]).all())
    k = int(pick[0]) if len(pick) else 0

    def per_base(values: list[Any], f: pa.Field) -> tuple[pa.Field, Any, bool]:
        if single:
            return f, values[k] if values else None, True
        return f, _column_of(values, f.type)[pick], False

    yield per_base([s for s, _ in bases], SCENARIO_FIELD)
    for f in LEVER_FIELDS:
        change = b.changes.get(f.name)
        defaults = [base[f.name] for _, base in bases]
        if change is None:
            yield per_base(defaults, f)
        elif change.dtype != object:
            yield f, change.astype(_NUMPY[f.type]) if f.type in _NUMPY else change, False
        else:
            unset = np.equal(change, None)
            if unset.any():
                change = np.where(unset, _column_of(defaults, f.type)[pick], change)
            yield f, change, False


def design_block(b: PointBlock, bases: Sequence[tuple[str, Mapping[str, Any]]]) -> pa.Table:
    """Design table rows of a block of points."""
    n = len(b)
    columns = [pa.array(b.ids, pa.int64())]
    for f, values, constant in design_columns(b, bases):
        if constant and f.type in _NUMPY:
            columns.append(pa.array(np.full(n, values, dtype=_NUMPY[f.type]), f.type))
        elif constant:
            columns.append(pa.repeat(pa.scalar(values, f.type), n))
        else:
            columns.append(pa.array(values, f.type))
    return pa.Table.from_arrays(columns, schema=DESIGN_SCHEMA)


_NUMPY = {pa.float64(): np.float64, pa.int64(): np.int64, pa.bool_(): np.bool_}


def _column_of(values: list[Any], type_: pa.DataType) -> np.ndarray:
    return np.array(values, dtype=_NUMPY.get(type_, object))


def _hash_block(h: Any, b: PointBlock, bases: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    """Feed a block's design rows to h by content alone: a column of one value is hashed
    as that value and the count, however the plan represents it."""
    n = len(b)
    h.update(b"point_id\0" + np.ascontiguousarray(b.ids, dtype=np.int64).tobytes())
    for f, values, constant in design_columns(b, bases):
        if not constant and n and bool((values == values[0]).all()):
            values, constant = values[0], True
        if constant:
            value = _column_of([values], f.type).tobytes() if f.type in _NUMPY else str(values).encode()
            h.update(f"{f.name}\0={n}\0".encode() + value)
        elif f.type in _NUMPY:
            h.update(f"{f.name}\0".encode() + np.ascontiguousarray(values, dtype=_NUMPY[f.type]).tobytes())
        else:
            h.update(f"{f.name}\0".encode() + "\x1f".join(map(str, values.tolist())).encode())


def _plain(levers: Mapping[str, Any]) -> dict[str, Any]:
    return levers.to_dict() if isinstance(levers, LeverValues) else dict(levers)


def parse_shard(text: str, source: str | None = None) -> tuple[int, int]:
    """'I/N' as (i, n), with 0 <= i < n: the i-th of n disjoint slices of a plan."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text))
    if not m or not int(m.group(1)) < int(m.group(2)):
        raise InputError(f"got {show(text)}; allowed: I/N with integers 0 <= I < N, e.g. 0/4",
                         source=source, key="--shard")
    return int(m.group(1)), int(m.group(2))
