"""Analysis files for `govsim sensitivity`: read and validate the whole file, once.

    name = "screening"                 # optional; defaults to the file name
    description = "what it asks"       # optional
    method = "morris"                  # sobol | morris | fast | rbd_fast | delta | pawn
    scenario = "sichuan-2020"          # base scenario (default); levers not analysed keep its values
    weeks = 156                        # optional, default 156
    n = 16                             # N: see analysis.sensitivity.METHODS[method].n_meaning
    replicates = 2                     # runs per design point; indices use their mean
    seed = 20180409                    # design, run seeds and bootstraps
    common_random_numbers = true       # replicate r of every point shares its seed (default)
    outcomes = ["resolution_rate", "satisfaction"]
    levers = ["admin_burden_share", "households_per_grid"]
    [bounds]                           # optional; default: the lever table's bounds
    households_per_grid = [100, 800]
    [options]                          # optional; the method's options (num_resamples, ...)
    num_levels = 4

Every problem is an InputError naming the file, the key, the bad value and what is
allowed, raised before anything is written or run.

How levers that are not plain numbers enter the design (both documented in the
README, section "Sensitivity analysis"):

- int levers are drawn as a continuous u in [low − 0.5, high + 0.5] and rounded to the
  nearest integer before the run, so every integer in [low, high] is equally likely.
  The analysers see u; the model is then a step function of u, which variance-based
  and given-data estimators handle as they would any input. Morris' effects are per
  step of u (about two thirds of the range), not per integer.
- bool levers are drawn as u in [0, 1] and set true where u ≥ 0.5 (Bernoulli ½).
  Sobol', delta and PAWN estimate the indices of such an input correctly, and every
  Morris step crosses 0.5 (steps go from the lower half of the grid to the upper),
  so each elementary effect is the effect of switching the lever. FAST and RBD-FAST
  read a few harmonics of a smooth search curve, which a switch is not: refused.
- choice levers (settlement) change a bundle of defaults at once and have no order:
  refused, with the advice to run one analysis per settlement, or to run the
  scenarios and compare them with `govsim compare`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from analysis.sensitivity import methods as sa
from sim.engine import settings
from sim.errors import InputError, check_keys, show, unknown_key
from sim.levers import LEVER_BY_NAME, Lever
from sim.names import check_name
from sim.outcomes import OUTCOME_NAMES
from sim.run import DEFAULT_SEED, DEFAULT_WEEKS
from sim.scenario import ScenarioFile, find_named, load_referenced, read_toml

KEYS = ("name", "description", "method", "scenario", "weeks", "n", "replicates", "seed",
        "common_random_numbers", "outcomes", "levers", "bounds", "options")
REQUIRED = ("method", "n", "outcomes", "levers")
DEFAULT_SCENARIO = "sichuan-2020"
DEFAULT_REPLICATES = 2


@dataclass(frozen=True)
class Analysis:
    """A validated analysis file."""

    name: str
    method: str
    levers: tuple[str, ...]
    bounds: Mapping[str, tuple[float, float]]        # the levers' own units, as the user gave (or the table's)
    outcomes: tuple[str, ...]
    n: int
    replicates: int = DEFAULT_REPLICATES
    seed: int = DEFAULT_SEED
    scenario: ScenarioFile = field(default_factory=lambda: ScenarioFile("defaults"))
    weeks: int = DEFAULT_WEEKS
    common_random_numbers: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    path: Path | None = None

    @property
    def design_bounds(self) -> dict[str, tuple[float, float]]:
        """Bounds of the continuous inputs SALib samples (see the module docstring)."""
        return {name: design_bounds(LEVER_BY_NAME[name], self.bounds[name]) for name in self.levers}

    def lever_values(self, row) -> dict[str, Any]:
        """The lever values one design row stands for, as the model will run them."""
        return {name: to_lever(LEVER_BY_NAME[name], float(u), self.bounds[name]) for name, u in zip(self.levers, row)}


def design_bounds(l: Lever, bounds: tuple[float, float]) -> tuple[float, float]:
    low, high = bounds
    if l.type == "int":
        return (low - 0.5, high + 0.5)
    if l.type == "bool":
        return (0.0, 1.0)
    return (low, high)


def to_lever(l: Lever, u: float, bounds: tuple[float, float]) -> Any:
    low, high = bounds
    if l.type == "int":
        return int(min(max(math.floor(u + 0.5), low), high))  # round half up, kept in bounds
    if l.type == "bool":
        return bool(u >= 0.5)
    return float(min(max(u, low), high))


def lever_column(l: Lever, u: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """to_lever over a column of design values at once (the same values, as an array)."""
    low, high = bounds
    if l.type == "int":
        return np.clip(np.floor(u + 0.5), low, high).astype(np.int64)
    if l.type == "bool":
        return u >= 0.5
    return np.clip(u.astype(float), low, high)


# ---- reading ------------------------------------------------------------------------------------------
def find(reference: str | Path) -> Path:
    """The file an analysis reference names: a path, or a name in scenarios/sensitivity/."""
    return find_named(reference, "sensitivity", "analysis")


def read(path: str | Path) -> Analysis:
    """Read and validate an analysis file (a path or a name); every problem is one InputError."""
    path = find(path)
    source = str(path)
    data = read_toml(path)
    check_keys(data, KEYS, source=source, required=REQUIRED, strings=("name", "description", "scenario"),
               levers=LEVER_BY_NAME, lever_goes="must be listed in levers = [...] (bounds go under [bounds])")
    m = sa.get_method(data["method"], source)
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise InputError(f"expected a table [options], got {show(options)}", source=source, key="options")
    options = sa.check_options(m, options, source, prefix="options.")

    levers = _levers(data["levers"], m, source)
    bounds = _bounds(data.get("bounds", {}), levers, source)
    outcomes = _outcomes(data["outcomes"], source)
    weeks = settings.check("weeks", data.get("weeks", DEFAULT_WEEKS), source=source)
    replicates = settings.check("replicates", data.get("replicates", DEFAULT_REPLICATES), source=source)
    seed = settings.check("seed", data.get("seed", DEFAULT_SEED), source=source)
    crn = data.get("common_random_numbers", True)
    if not isinstance(crn, bool):
        raise InputError(f"expected true or false, got {show(crn)}", source=source, key="common_random_numbers")
    n = sa.check_n(m, data["n"], len(levers), options, source)
    settings.check_size(sa.n_points(m.name, len(levers), n, options), replicates, source=source, key="n")
    scenario = load_referenced(data.get("scenario", DEFAULT_SCENARIO), path, "scenario")
    name = check_name(data.get("name", path.stem), source=source, key="name")
    return Analysis(name=name, method=m.name, levers=levers, bounds=bounds,
                    outcomes=outcomes, n=n, replicates=replicates, seed=seed, scenario=scenario, weeks=weeks,
                    common_random_numbers=crn, options=options, description=data.get("description", ""),
                    path=path.resolve())


def _levers(value: Any, m: sa.Method, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"expected a list of lever names, got {show(value)}", source=source, key="levers")
    seen = set()
    for name in value:
        if name not in LEVER_BY_NAME:
            raise unknown_key(name, LEVER_BY_NAME, source=source, what="lever")
        if name in seen:
            raise InputError(f"lever '{name}' is listed twice", source=source, key="levers")
        seen.add(name)
        l = LEVER_BY_NAME[name]
        if l.type == "choice":
            raise InputError(
                f"lever '{name}' is categorical ({l.allowed()}) and sets a bundle of defaults, so it has no "
                "place on a numeric axis; run one analysis per value (scenario = \"town\", \"rural\", or a "
                "scenario that sets it) or run the scenarios with `govsim run A B` and compare them with `govsim compare`",
                source=source, key="levers")
        if l.type == "bool" and not m.accepts_binary:
            raise InputError(
                f"lever '{name}' is true/false, which {m.label} cannot analyse (it reads a few harmonics of a "
                "smooth curve); use method = \"sobol\", \"morris\", \"delta\" or \"pawn\" (a 50/50 switch), or "
                "run one analysis per value (a scenario that sets it) and compare them with `govsim compare`",
                source=source, key="levers")
    if len(value) < 2:
        raise InputError(f"got {len(value)} lever(s); allowed: at least 2 (indices are shares among levers)",
                         source=source, key="levers")
    return tuple(value)


def _bounds(value: Any, levers: tuple[str, ...], source: str) -> dict[str, tuple[float, float]]:
    if not isinstance(value, dict):
        raise InputError(f"expected a table [bounds], got {show(value)}", source=source, key="bounds")
    for name in value:
        if name not in levers:
            if name in LEVER_BY_NAME:
                raise InputError(f"lever '{name}' has bounds but is not in levers = [...]; add it there or "
                                 "remove its bounds", source=source, key=f"bounds.{name}")
            raise unknown_key(name, LEVER_BY_NAME, source=source, what="lever")
    out = {}
    for name in levers:
        l = LEVER_BY_NAME[name]
        if name not in value:
            out[name] = (0.0, 1.0) if l.type == "bool" else (float(l.low), float(l.high))
            continue
        b = value[name]
        key = f"bounds.{name}"
        if l.type == "bool":
            raise InputError(f"got {show(b)}; a true/false lever takes no bounds (it is a 50/50 switch)",
                             source=source, key=key)
        if not isinstance(b, list) or len(b) != 2:
            raise InputError(f"expected [low, high], got {show(b)}; allowed: {l.allowed()}", source=source, key=key)
        checked = []
        for v in b:
            try:
                checked.append(l.check(v))
            except InputError as e:
                raise InputError(e.detail, source=source, key=key) from None
        low, high = checked
        if not low < high:
            raise InputError(f"got [{low:g}, {high:g}]; allowed: low < high within {l.allowed()}",
                             source=source, key=key)
        out[name] = (float(low), float(high))
    return out


def _outcomes(value: Any, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InputError(f"expected a list of outcome names, got {show(value)}", source=source, key="outcomes")
    for name in value:
        if name not in OUTCOME_NAMES:
            raise unknown_key(name, OUTCOME_NAMES, source=source, what="outcome")
    if len(set(value)) != len(value):
        raise InputError("an outcome is listed twice", source=source, key="outcomes")
    return tuple(value)
