"""Designs: which lever values an experiment runs, as rows of {lever: value}.

- `grid`: the full factorial of each varied lever's values, last lever fastest.
- `lhs`: a Latin hypercube of n points over numeric ranges.
- `sobol`: the first n points (n a power of two) of a scrambled Sobol' sequence
  (scipy.stats.qmc), whose balance properties hold only for powers of two.
- `list`: rows given explicitly (inline or from a CSV file; see sim.engine.experiment).

A design is a description (factors, ranges, n and seed, or the listed columns), not
a list of rows: `Rows.block(start, stop)` generates any slice of it on demand, so a
design of ten million points costs no more memory than one of ten. Grid row i is i
written in the mixed radix of the factors' sizes; Sobol' rows come from scipy's
engine fast-forwarded to the slice; Latin hypercube rows from keyed permutations
that map a row index to its stratum directly (below).

Sampled designs draw points in the unit cube and map each coordinate u in [0, 1) to
a lever: a float lever takes low + u (high - low); an integer lever takes
floor(low + u (high - low + 1)), so that every integer of [low, high] is equally
likely (rounding would give the two ends half the chance of the others).
The scrambling and the hypercube's permutations come from the experiment's master
seed through SeedSequence(seed, spawn_key=DESIGN_KEY) — a stream no run uses (runs
use keys of length one and two) — so one experiment file always gives one design.

The Latin hypercube: each lever's range is cut into n equal strata; row i lies in
stratum π_j(i) of lever j, at a uniform offset within it, u_ij = (π_j(i) + v_ij) / n,
where π_j is a pseudo-random permutation of 0..n-1 (a four-round Feistel network
on the next even power of two, walked back into range: a bijection that needs no
table) and v_ij a counter-based uniform draw (the SplitMix64 mixer of the keyed
row index). Every stratum of every lever holds exactly one point, as in scipy's
`LatinHypercube`, but row i is computed without the others.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.levers import Lever

DESIGN_KEY = (0x64657369, 0x676E, 0)  # "design": a three-word key, apart from the runs' seeds
KINDS = ("grid", "lhs", "sobol", "list")


@dataclass(frozen=True)
class Range:
    """A numeric lever's range in a sampled design (bounds included)."""

    lever: Lever
    low: float
    high: float

    def scale(self, u: np.ndarray) -> list[Any]:
        """Unit-cube coordinates as this lever's values."""
        return self.scale_array(u).tolist()

    def scale_array(self, u: np.ndarray) -> np.ndarray:
        if self.lever.type == "int":
            low, high = int(self.low), int(self.high)
            return np.minimum(np.floor(low + u * (high - low + 1)), high).astype(np.int64)
        return self.low + u * (self.high - self.low)

    def steps(self, n: int) -> list[Any]:
        """n evenly spaced values from low to high, for grids (integers rounded)."""
        values = np.linspace(self.low, self.high, n)
        if self.lever.type == "int":
            return [int(v) for v in np.rint(values)]
        return [float(v) for v in values]


def design_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=DESIGN_KEY))


def sequence_index(i: int, n: int) -> int:
    """Position i of a sequence of n items, counting from the end when negative, as a
    list indexes; IndexError beyond either end."""
    if not -n <= i < n:
        raise IndexError(i)
    return i % n


class Rows(Sequence[dict[str, Any]]):
    """A design's rows, generated on demand: `block` gives columns of any slice.

    Reads like a sequence of {lever: value} dicts (for small designs and tests);
    the engine uses `block`, which costs memory for the slice alone.
    """

    names: tuple[str, ...]

    def __len__(self) -> int:
        raise NotImplementedError

    def block(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Columns {lever: values} of rows [start, stop); typed arrays, or object arrays
        in which a None leaves the lever to the base."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """The description the rows are generated from (what a manifest can record)."""
        raise NotImplementedError

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = sequence_index(i, len(self))
        cols = self.block(i, i + 1)
        return {k: v[0] for k, v in ((k, v.tolist()) for k, v in cols.items()) if v[0] is not None}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for start in range(0, len(self), BLOCK):
            cols = {k: v.tolist() for k, v in self.block(start, min(len(self), start + BLOCK)).items()}
            for values in zip(*cols.values()):
                yield {k: v for k, v in zip(cols, values) if v is not None}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows):
            return len(self) == len(other) and list(self) == list(other)
        if isinstance(other, (list, tuple)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


BLOCK = 8192  # rows generated at a time when a design is read whole


class GridRows(Rows):
    """The full factorial of the factors' values (the last factor varies fastest)."""

    def __init__(self, factors: Mapping[str, Sequence[Any]]) -> None:
        self.names = tuple(factors)
        self._values = [_column(factors[n]) for n in self.names]
        self._shape = tuple(len(v) for v in self._values)

    def __len__(self) -> int:
        return math.prod(self._shape)

    def block(self, start: int, stop: int) -> dict[str, np.ndarray]:
        if not self.names:
            return {}
        index = np.unravel_index(np.arange(start, stop, dtype=np.int64), self._shape)
        return {n: v[i] for n, v, i in zip(self.names, self._values, index)}

    def describe(self) -> dict[str, Any]:
        return {"kind": "grid", "factors": {n: v.tolist() for n, v in zip(self.names, self._values)}}


class SampledRows(Rows):
    """n points of a Latin hypercube or a scrambled Sobol' sequence, mapped onto ranges."""

    def __init__(self, kind: str, ranges: Sequence[Range], n: int, seed: int) -> None:
        if kind not in ("lhs", "sobol"):
            raise ValueError(f"kind must be lhs or sobol, got {kind}")
        if kind == "sobol" and (n < 1 or n & (n - 1)):
            raise ValueError(f"n must be a power of two, got {n}")
        self.kind, self.ranges, self.n, self.seed = kind, tuple(ranges), n, seed
        self.names = tuple(r.lever.name for r in ranges)
        self._keys = _lhs_keys(len(ranges), seed) if kind == "lhs" else None

    def __len__(self) -> int:
        return self.n

    def unit(self, start: int, stop: int) -> np.ndarray:
        """Rows [start, stop) in the unit cube, shape (stop - start, levers)."""
        if self.kind == "sobol":
            from scipy.stats import qmc  # here, not above: workers import this module, and never sample

            engine = _engine(qmc.Sobol, len(self.ranges), self.seed, scramble=True)
            if start:
                engine.fast_forward(start)
            return engine.random(stop - start)
        return _lhs_unit(np.arange(start, stop, dtype=np.uint64), self.n, self._keys)

    def block(self, start: int, stop: int) -> dict[str, np.ndarray]:
        unit = self.unit(start, stop)
        return {r.lever.name: r.scale_array(unit[:, j]) for j, r in enumerate(self.ranges)}

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "n": self.n, "seed": self.seed,
                "ranges": {r.lever.name: [r.low, r.high] for r in self.ranges}}


class ListedRows(Rows):
    """Rows given one by one (a list design, a sensitivity analysis' sample), kept as columns."""

    def __init__(self, columns: Mapping[str, Sequence[Any]], n: int | None = None) -> None:
        self.names = tuple(columns)
        self._columns = {k: v if isinstance(v, np.ndarray) else _column(v) for k, v in columns.items()}
        lengths = {len(v) for v in self._columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self._n = lengths.pop() if lengths else (n or 0)

    @classmethod
    def from_dicts(cls, rows: Sequence[Mapping[str, Any]]) -> ListedRows:
        names = list(dict.fromkeys(name for row in rows for name in row))
        return cls({n: [row.get(n) for row in rows] for n in names}, n=len(rows))

    def __len__(self) -> int:
        return self._n

    def block(self, start: int, stop: int) -> dict[str, np.ndarray]:
        return {k: v[start:stop] for k, v in self._columns.items()}

    def describe(self) -> dict[str, Any]:
        return {"kind": "list", "rows": self._n}


def _column(values: Sequence[Any]) -> np.ndarray:
    """Values as a typed array when they are all bools, all ints or all floats, else as
    objects (strings, or None for "not set")."""
    values = list(values)
    for kind, dtype in ((bool, np.bool_), (int, np.int64), (float, np.float64)):
        if values and all(type(v) is kind for v in values):
            return np.array(values, dtype=dtype)
    return np.array(values + [None], dtype=object)[:-1]


def grid(factors: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the factors' values (the last factor varies fastest)."""
    return list(GridRows(factors))


def lhs(ranges: Sequence[Range], n: int, seed: int) -> list[dict[str, Any]]:
    """A Latin hypercube of n points: each lever's range cut into n equal strata, one point in each."""
    return list(SampledRows("lhs", ranges, n, seed))


def sobol(ranges: Sequence[Range], n: int, seed: int) -> list[dict[str, Any]]:
    """The first n = 2^m points of a scrambled (Owen) Sobol' sequence."""
    return list(SampledRows("sobol", ranges, n, seed))


def _engine(cls: type, d: int, seed: int, **options: Any) -> Any:
    try:
        return cls(d=d, rng=design_rng(seed), **options)
    except TypeError:  # scipy < 1.15 calls it seed
        return cls(d=d, seed=design_rng(seed), **options)


# ---- the Latin hypercube, row by row -------------------------------------------------------------------
_M1, _M2, _GOLDEN = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)
ROUNDS = 4


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijection of 64-bit words that scatters every input bit."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _lhs_keys(d: int, seed: int) -> np.ndarray:
    """Per lever: ROUNDS Feistel round keys and one key for the offsets within strata."""
    return design_rng(seed).integers(0, 2**64, size=(d, ROUNDS + 1), dtype=np.uint64, endpoint=False)


def _permute(i: np.ndarray, n: int, keys: np.ndarray) -> np.ndarray:
    """π(i) for a keyed pseudo-random permutation π of 0..n-1 (i < n, uint64)."""
    half = max(1, math.ceil(math.log2(max(n, 2)) / 2))
    mask = np.uint64((1 << half) - 1)
    shift = np.uint64(half)

    def feistel(x: np.ndarray) -> np.ndarray:
        left, right = x >> shift, x & mask
        for k in keys:
            left, right = right, left ^ (_mix(right ^ k) & mask)
        return (left << shift) | right

    with np.errstate(over="ignore"):
        y = feistel(i)
        out = y >= np.uint64(n)
        while out.any():  # cycle-walking: a bijection of 2^(2 half) >= n values, restricted to < n
            y[out] = feistel(y[out])
            out = y >= np.uint64(n)
    return y


def _lhs_unit(i: np.ndarray, n: int, keys: np.ndarray) -> np.ndarray:
    unit = np.empty((len(i), len(keys)))
    with np.errstate(over="ignore"):
        for j, k in enumerate(keys):
            stratum = _permute(i, n, k[:ROUNDS])
            offset = (_mix(_mix(i * _GOLDEN + k[ROUNDS])) >> np.uint64(11)).astype(np.float64) * 2.0**-53
            unit[:, j] = (stratum.astype(np.float64) + offset) / n
    return unit
