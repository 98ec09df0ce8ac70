"""Calibration files for `govsim calibrate`: read and validate the whole file, once.

    name = "behaviour"                  # optional; defaults to the file's stem
    description = "what it calibrates"
    targets = "../targets/sichuan.toml" # a targets file, relative to this file
    seed = 20180409                     # proposals, run seeds, posterior draws
    population = 100                    # particles per generation
    generations = 6                     # at most this many generations ...
    min_epsilon = 1.0                   # ... or fewer, once the tolerance reaches this (optional)
    replicates = 1                      # runs per particle and scenario; a particle's statistic is their mean
    max_runs = 20000                    # optional budget of runs over all generations
    ppc_draws = 40                      # posterior predictive check: draws from the posterior
    ppc_replicates = 2                  #   and runs per draw and scenario
    [levers]                            # optional: fixed for every run (e.g. a smaller community)
    households = 1000
    [parameters]                        # behaviour levers to calibrate and their priors
    mediation_prob = {}                                         # uniform over the lever's bounds
    report_prob_week = { prior = "loguniform", low = 0.01, high = 0.3 }
    detect_prob = { prior = "normal", mean = 0.6, sd = 0.15 }  # truncated to [low, high] (default: bounds)

Every problem is one InputError naming the file, the key, the bad value and what is
allowed, raised before anything is run or written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scipy import stats

from analysis.targets import Targets, load_targets
from sim.errors import InputError, check_keys, show, unknown_key
from sim.names import check_name
from sim.levers import LEVER_BY_NAME, lever
from sim.run import DEFAULT_SEED
from sim.scenario import read_toml

KEYS = ("name", "description", "targets", "seed", "population", "generations", "min_epsilon", "replicates",
        "max_runs", "ppc_draws", "ppc_replicates", "levers", "parameters")
REQUIRED = ("targets", "parameters")
PRIORS = ("uniform", "loguniform", "normal")
PRIOR_KEYS = {"uniform": ("prior", "low", "high"), "loguniform": ("prior", "low", "high"),
              "normal": ("prior", "low", "high", "mean", "sd")}


@dataclass(frozen=True)
class Prior:
    """One parameter's prior: uniform, log-uniform or normal truncated to [low, high]."""

    name: str
    kind: str
    low: float
    high: float
    mean: float = float("nan")
    sd: float = float("nan")

    def scipy(self) -> stats.rv_continuous:
        """The frozen scipy distribution (what pyABC samples and the figures draw)."""
        if self.kind == "uniform":
            return stats.uniform(self.low, self.high - self.low)
        if self.kind == "loguniform":
            return stats.loguniform(self.low, self.high)
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)

    def pyabc_args(self) -> tuple[str, tuple[float, ...]]:
        """The scipy name and arguments of pyabc.RV(name, *args), on the sampling scale.

        A log-uniform parameter is sampled as its log10, uniform: pyABC's Gaussian
        transition kernel works in the parameter's own scale, and on a linear scale a
        posterior near the low end of a range spanning decades gets importance weights
        so uneven that the effective sample size collapses.
        """
        if self.kind == "uniform":
            return "uniform", (self.low, self.high - self.low)
        if self.kind == "loguniform":
            lo, hi = math.log10(self.low), math.log10(self.high)
            return "uniform", (lo, hi - lo)
        return "truncnorm", ((self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd,
                             self.mean, self.sd)

    def to_sampled(self, value: float) -> float:
        return math.log10(value) if self.kind == "loguniform" else value

    def to_value(self, sampled: float) -> float:
        """A value on pyABC's sampling scale as the lever's value."""
        return 10.0 ** sampled if self.kind == "loguniform" else sampled

    @property
    def prior_sd(self) -> float:
        return float(self.scipy().std())

    def describe(self) -> str:
        if self.kind == "normal":
            return f"normal({self.mean:g}, {self.sd:g}) in [{self.low:g}, {self.high:g}]"
        return f"{self.kind}[{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class Calibration:
    name: str
    path: Path
    targets: Targets
    priors: tuple[Prior, ...]
    population: int = 100
    generations: int = 6
    min_epsilon: float = 0.0
    replicates: int = 1
    max_runs: int | None = None
    seed: int = DEFAULT_SEED
    ppc_draws: int = 40
    ppc_replicates: int = 2
    fixed: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    text: str = ""

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.priors)

    @property
    def calibration_targets(self) -> tuple:
        return tuple(t for t in self.targets.targets if t.calibrate)

    def to_levers(self, theta: Mapping[str, float]) -> dict[str, float]:
        """A particle's parameters (pyABC's sampling scale) as lever values."""
        by = {p.name: p for p in self.priors}
        return {n: by[n].to_value(v) if n in by else v for n, v in theta.items()}

    @property
    def runs_per_particle(self) -> int:
        return self.replicates * len(self.targets.scenarios)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "file": str(self.path), "targets_file": str(self.targets.path),
                "parameters": {p.name: p.describe() for p in self.priors}, "population": self.population,
                "generations": self.generations, "min_epsilon": self.min_epsilon, "replicates": self.replicates,
                "max_runs": self.max_runs, "seed": self.seed, "levers": dict(self.fixed),
                "targets": [t.id for t in self.calibration_targets], "text": self.text}


def read(path: str | Path) -> Calibration:
    """Read and validate a calibration file; every problem is one InputError."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError("no such calibration file", source=source)
    data = read_toml(path)
    check_keys(data, KEYS, source=source, required=REQUIRED, strings=("name", "description", "targets"))
    target_path = Path(data["targets"])
    if not target_path.is_absolute():
        target_path = path.parent / target_path
    if not target_path.is_file():
        raise InputError(f"no such targets file {show(data['targets'])} (relative to this file)",
                         source=source, key="targets")
    targets = load_targets(target_path)
    if not any(t.calibrate for t in targets.targets):
        raise InputError("has no target with calibrate = true", source=str(target_path), key="target")
    population = _int(data, "population", 100, 2, 100_000, source)
    generations = _int(data, "generations", 6, 1, 1000, source)
    replicates = _int(data, "replicates", 1, 1, 1000, source)
    seed = _int(data, "seed", DEFAULT_SEED, 0, 2**32 - 1, source)
    ppc_draws = _int(data, "ppc_draws", 40, 0, 100_000, source)
    ppc_replicates = _int(data, "ppc_replicates", 2, 1, 1000, source)
    max_runs = _int(data, "max_runs", 0, 1, 10**9, source) if "max_runs" in data else None
    eps = data.get("min_epsilon", 0.0)
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not math.isfinite(eps) or eps < 0:
        raise InputError(f"got {show(eps)}; allowed: a number >= 0", source=source, key="min_epsilon")
    fixed = data.get("levers", {})
    if not isinstance(fixed, dict):
        raise InputError(f"expected a table [levers], got {show(fixed)}", source=source, key="levers")
    fixed = {name: lever(name, source).check(v, source) for name, v in fixed.items()}
    params = data["parameters"]
    if not isinstance(params, dict) or not params:
        raise InputError(f"expected a table of parameters, got {show(params)}", source=source, key="parameters")
    priors = tuple(_prior(name, spec, fixed, source) for name, spec in params.items())
    name = check_name(data.get("name", path.stem), source=source)
    return Calibration(name=name, path=path.resolve(), targets=targets, priors=priors,
                       population=population, generations=generations, min_epsilon=float(eps),
                       replicates=replicates, max_runs=max_runs, seed=seed, ppc_draws=ppc_draws,
                       ppc_replicates=ppc_replicates, fixed=fixed, description=data.get("description", ""),
                       text=path.read_text(encoding="utf-8"))


def _prior(name: str, spec: Any, fixed: Mapping[str, Any], source: str) -> Prior:
    key = f"parameters.{name}"
    if name not in LEVER_BY_NAME:
        raise unknown_key(name, LEVER_BY_NAME, source=source, what="lever")
    l = LEVER_BY_NAME[name]
    if not l.numeric:
        raise InputError(f"lever '{name}' is {l.type}; allowed: a numeric lever (float or int)", source=source,
                         key=key)
    if name in fixed:
        raise InputError(f"lever '{name}' is both fixed under [levers] and calibrated; keep one", source=source,
                         key=key)
    if not isinstance(spec, dict):
        raise InputError(f"expected a table such as {{ prior = \"uniform\" }}, got {show(spec)}", source=source,
                         key=key)
    kind = spec.get("prior", "uniform")
    if kind not in PRIORS:
        raise InputError(f"got {show(kind)}; allowed: {', '.join(PRIORS)}", source=source, key=f"{key}.prior")
    for k in spec:
        if k not in PRIOR_KEYS[kind]:
            raise unknown_key(k, PRIOR_KEYS[kind], source=source, what=f"key of a {kind} prior")
    bounds = []
    for k, default in (("low", l.low), ("high", l.high)):
        v = spec.get(k, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not l.low <= v <= l.high:
            raise InputError(f"got {show(v)}; allowed: a number within the lever's bounds {l.allowed()}",
                             source=source, key=f"{key}.{k}")
        bounds.append(float(v))
    low, high = bounds
    if not low < high:
        raise InputError(f"got [{low:g}, {high:g}]; allowed: low < high", source=source, key=key)
    if kind == "loguniform" and low <= 0:
        raise InputError(f"got low = {low:g}; a log-uniform prior needs low > 0", source=source, key=f"{key}.low")
    if kind == "normal":
        for k in ("mean", "sd"):
            if k not in spec:
                raise InputError("missing; a normal prior needs mean and sd", source=source, key=f"{key}.{k}")
            v = spec[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise InputError(f"got {show(v)}; allowed: a finite number", source=source, key=f"{key}.{k}")
        if spec["sd"] <= 0:
            raise InputError(f"got {show(spec['sd'])}; allowed: sd > 0", source=source, key=f"{key}.sd")
        return Prior(name, kind, low, high, float(spec["mean"]), float(spec["sd"]))
    return Prior(name, kind, low, high)


def _int(data: Mapping[str, Any], key: str, default: int, low: int, high: int, source: str) -> int:
    v = data.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
        raise InputError(f"got {show(v)}; allowed: an integer in [{low}, {high}]", source=source, key=key)
    return v
