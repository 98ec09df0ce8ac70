"""Designs: which lever values an experiment runs, as rows of {lever: value}.

- `grid`: the full factorial of each varied lever's values, last lever fastest.
- `lhs`: a Latin hypercube of n points over numeric ranges (scipy.stats.qmc).
- `sobol`: the first n points (n a power of two) of a scrambled Sobol' sequence
  (scipy.stats.qmc), whose balance properties hold only for powers of two.
- `list`: rows given explicitly (inline or from a CSV file; see sim.engine.experiment).

Sampled designs draw points in the unit cube and map each coordinate u in [0, 1) to
a lever: a float lever takes low + u (high - low); an integer lever takes
floor(low + u (high - low + 1)), so that every integer of [low, high] is equally
likely (rounding would give the two ends half the chance of the others).
The scrambling and the hypercube's permutations come from the experiment's master
seed through SeedSequence(seed, spawn_key=DESIGN_KEY) — a stream no run uses (runs
use keys of length one and two) — so one experiment file always gives one design.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

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
        if self.lever.type == "int":
            low, high = int(self.low), int(self.high)
            return np.minimum(np.floor(low + u * (high - low + 1)), high).astype(int).tolist()
        return (self.low + u * (self.high - self.low)).tolist()

    def steps(self, n: int) -> list[Any]:
        """n evenly spaced values from low to high, for grids (integers rounded)."""
        values = np.linspace(self.low, self.high, n)
        if self.lever.type == "int":
            return [int(v) for v in np.rint(values)]
        return [float(v) for v in values]


def design_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=DESIGN_KEY))


def grid(factors: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the factors' values (the last factor varies fastest)."""
    names = list(factors)
    return [dict(zip(names, combo)) for combo in itertools.product(*(factors[n] for n in names))]


def lhs(ranges: Sequence[Range], n: int, seed: int) -> list[dict[str, Any]]:
    """A Latin hypercube of n points: each lever's range cut into n equal strata, one point in each."""
    unit = _engine(qmc.LatinHypercube, len(ranges), seed).random(n)
    return _rows(ranges, unit)


def sobol(ranges: Sequence[Range], n: int, seed: int) -> list[dict[str, Any]]:
    """The first n = 2^m points of a scrambled (Owen) Sobol' sequence."""
    if n < 1 or n & (n - 1):
        raise ValueError(f"n must be a power of two, got {n}")
    unit = _engine(qmc.Sobol, len(ranges), seed, scramble=True).random_base2(int(math.log2(n)))
    return _rows(ranges, unit)


def _engine(cls: type, d: int, seed: int, **options: Any) -> qmc.QMCEngine:
    try:
        return cls(d=d, rng=design_rng(seed), **options)
    except TypeError:  # scipy < 1.15 calls it seed
        return cls(d=d, seed=design_rng(seed), **options)


def _rows(ranges: Sequence[Range], unit: np.ndarray) -> list[dict[str, Any]]:
    columns = {r.lever.name: r.scale(unit[:, j]) for j, r in enumerate(ranges)}
    return [dict(zip(columns, values)) for values in zip(*columns.values())]
