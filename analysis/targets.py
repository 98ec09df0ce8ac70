"""Targets files: what is observed, where it comes from and how sure it is.

    name = "sichuan"                     # optional; defaults to the file's stem
    description = "what the targets are"
    weeks = 156                          # optional: run length of the scenarios (default 156)

    [[target]]
    id = "mediation-success-sichuan-2020"   # unique, used in tables and figures
    outcome = "mediation_success_rate"      # an outcome of sim.outcomes
    scenario = "sichuan-2020"               # the regime the statistic belongs to
    statistic = "final"                     # final (end-of-run value; default) | growth
    # years = [2019, 2020]                  # growth: (year 2 count / year 1 count) − 1 of a cumulative count
    value = 0.9898                          # the observed value (default: the interval's midpoint)
    interval = [0.90, 0.99]                 # the band a simulated value must fall in to match
    # sd = 0.02                             # uncertainty for the distance (default: interval width / 3.92)
    upper_bound = true                      # the value is an upper bound (an official self-report): the
                                            #   calibration aims at the band's midpoint, not at the value
    calibrate = true                        # used as a calibration target (default true)
    soft = false                            # true: the band is an assumption, not a statistic
    source = "Tang & Ma, citing the Sichuan Department of Justice [S8]"
    year = "2020"
    geography = "Sichuan"
    reliability = "ACA citing OFF"          # the STATISTICS.md code
    note = "how well the definitions match"

A target's scenario is a name in scenarios/ or a path relative to the targets file.
The distance a calibration uses scales each target's error by its `sd`: an interval
read as a 95% range has sd = width / (2 × 1.96). Every problem is one InputError
naming the file, the key, the bad value and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError, check_keys, show, unknown_key
from sim.names import check_name
from sim.outcomes import OUTCOME_NAMES
from sim.run import DEFAULT_WEEKS
from sim.scenario import ScenarioFile, load_referenced, read_toml

TOP_LEVEL = ("name", "description", "weeks", "target")
TARGET_KEYS = ("id", "outcome", "scenario", "statistic", "years", "value", "interval", "sd", "upper_bound", "calibrate",
               "soft", "source", "year", "geography", "reliability", "note")
REQUIRED = ("id", "outcome", "scenario", "interval", "source")
STATISTICS = ("final", "growth")
FIRST_YEAR = 2018          # week 1 of a run is the first week of 2018
WEEKS_PER_YEAR = 52
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Target:
    """One observed statistic and the simulated quantity it is compared with."""

    id: str
    outcome: str
    scenario: str                      # the scenario's name
    low: float
    high: float
    value: float
    sd: float
    statistic: str = "final"
    years: tuple[int, int] | None = None
    upper_bound: bool = False
    calibrate: bool = True
    soft: bool = False
    source: str = ""
    year: str = ""
    geography: str = ""
    reliability: str = ""
    note: str = ""

    @property
    def centre(self) -> float:
        """What a calibration aims at: the value, or the band's midpoint for an upper bound."""
        return (self.low + self.high) / 2 if self.upper_bound else self.value

    def weeks_needed(self) -> tuple[int, ...]:
        """The weeks of the time series this statistic reads (none for final)."""
        if self.statistic != "growth":
            return ()
        return tuple(sorted({year_end(self.years[0] - 1), year_end(self.years[0]), year_end(self.years[1])}))


def year_end(year: int) -> int:
    """The last week of a calendar year in a run that starts in 2018 (0: before the run)."""
    return (year - FIRST_YEAR + 1) * WEEKS_PER_YEAR


@dataclass(frozen=True)
class Targets:
    name: str
    path: Path
    targets: tuple[Target, ...]
    scenarios: tuple[ScenarioFile, ...]    # each named scenario once, in order of first mention
    weeks: int = DEFAULT_WEEKS
    description: str = ""

    @property
    def timeseries_every(self) -> int:
        """What the runs must record: year ends, if any target reads them, else nothing."""
        return WEEKS_PER_YEAR if any(t.statistic == "growth" for t in self.targets) else 0

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"target": t.id, "outcome": t.outcome, "scenario": t.scenario,
                              "statistic": t.statistic if t.statistic == "final" else f"growth {t.years[0]}→{t.years[1]}",
                              "observed": t.value, "low": t.low, "high": t.high, "sd": t.sd,
                              "upper_bound": t.upper_bound, "calibrate": t.calibrate, "soft": t.soft, "source": t.source, "year": t.year,
                              "geography": t.geography, "reliability": t.reliability, "note": t.note}
                             for t in self.targets])


def load_targets(path: str | Path) -> Targets:
    """Read and validate a targets file; every problem is one InputError."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError("no such targets file", source=source)
    data = read_toml(path)
    check_keys(data, TOP_LEVEL, source=source, strings=("name", "description"))
    weeks = data.get("weeks", DEFAULT_WEEKS)
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 10_000:
        raise InputError(f"got {show(weeks)}; allowed: an integer in [1, 10000]", source=source, key="weeks")
    rows = data.get("target")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise InputError("expected one or more [[target]] tables", source=source, key="target")
    scenarios: dict[str, ScenarioFile] = {}
    targets = []
    for i, row in enumerate(rows):
        t = _target(row, i, path, weeks, scenarios)
        if any(t.id == o.id for o in targets):
            raise InputError(f"id {show(t.id)} is used twice; allowed: a unique id per target",
                             source=source, key=f"target[{i}].id")
        targets.append(t)
    return Targets(check_name(data.get("name", path.stem), source=source), path.resolve(), tuple(targets), tuple(scenarios.values()),
                   weeks, data.get("description", ""))


def _target(row: Mapping[str, Any], i: int, path: Path, weeks: int, scenarios: dict[str, ScenarioFile]) -> Target:
    source = str(path)
    check_keys(row, TARGET_KEYS, source=source, required=REQUIRED, where=f"target[{i}].",
               strings=("id", "outcome", "scenario", "statistic", "source", "year", "geography", "reliability", "note"))
    where = f"target {row['id']}"
    if row["outcome"] not in OUTCOME_NAMES:
        raise unknown_key(row["outcome"], OUTCOME_NAMES, source=source, what=f"outcome (in {where})")
    statistic = row.get("statistic", "final")
    if statistic not in STATISTICS:
        raise InputError(f"got {show(statistic)}; allowed: {', '.join(STATISTICS)}", source=source,
                         key=f"{where}.statistic")
    years = None
    if statistic == "growth":
        y = row.get("years")
        last = FIRST_YEAR + weeks // WEEKS_PER_YEAR - 1
        if (not isinstance(y, list) or len(y) != 2 or not all(isinstance(v, int) and not isinstance(v, bool)
                                                              for v in y)
                or not FIRST_YEAR <= y[0] < y[1] <= last):
            raise InputError(f"got {show(y)}; allowed: [year 1, year 2] with {FIRST_YEAR} <= year 1 < year 2 <= "
                             f"{last} (the runs' {weeks} weeks)", source=source, key=f"{where}.years")
        years = (y[0], y[1])
    elif "years" in row:
        raise InputError("applies only to statistic = \"growth\"", source=source, key=f"{where}.years")
    interval = row["interval"]
    if (not isinstance(interval, list) or len(interval) != 2
            or not all(_number(v) for v in interval) or not interval[0] < interval[1]):
        raise InputError(f"got {show(interval)}; allowed: [low, high] with finite numbers low < high",
                         source=source, key=f"{where}.interval")
    low, high = map(float, interval)
    value = row.get("value", (low + high) / 2)
    if not _number(value):
        raise InputError(f"got {show(value)}; allowed: a finite number", source=source, key=f"{where}.value")
    sd = row.get("sd", (high - low) / (2 * Z95))
    if not _number(sd) or sd <= 0:
        raise InputError(f"got {show(sd)}; allowed: a positive number", source=source, key=f"{where}.sd")
    for key in ("calibrate", "soft", "upper_bound"):
        if key in row and not isinstance(row[key], bool):
            raise InputError(f"expected true or false, got {show(row[key])}", source=source, key=f"{where}.{key}")
    scenario = load_referenced(row["scenario"], path, f"{where}.scenario")
    known = scenarios.setdefault(scenario.name, scenario)
    if known.path != scenario.path:
        raise InputError(f"two scenario files are named {show(scenario.name)} ({known.path}, {scenario.path})",
                         source=source, key=f"{where}.scenario")
    return Target(id=row["id"], outcome=row["outcome"], scenario=scenario.name, low=low, high=high,
                  value=float(value), sd=float(sd), statistic=statistic, years=years,
                  upper_bound=row.get("upper_bound", False), calibrate=row.get("calibrate", True), soft=row.get("soft", False), source=row["source"],
                  year=row.get("year", ""), geography=row.get("geography", ""),
                  reliability=row.get("reliability", ""), note=row.get("note", ""))


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# ---- from runs to simulated statistics ----------------------------------------------------------
def simulated(target: Target, runs: pd.DataFrame, timeseries: pd.DataFrame | None = None) -> pd.Series:
    """The target's statistic for every run of runs (indexed by run_id); NaN where undefined.

    runs holds the runs of the target's scenario only. A growth statistic reads the
    cumulative count at the year ends from the time series.
    """
    if target.statistic == "final":
        return pd.Series(runs[target.outcome].to_numpy(float), index=runs["run_id"].to_numpy())
    assert timeseries is not None and target.years is not None
    ts = timeseries[timeseries["run_id"].isin(runs["run_id"])]
    wide = ts.pivot(index="run_id", columns="week", values=target.outcome).reindex(runs["run_id"])
    y1, y2 = target.years

    def at(week: int) -> np.ndarray:
        return np.zeros(len(wide)) if week == 0 else wide[week].to_numpy(float)

    first = at(year_end(y1)) - at(year_end(y1 - 1))
    second = at(year_end(y2)) - at(year_end(y2 - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(first > 0, second / first - 1.0, np.nan)
    return pd.Series(growth, index=wide.index.to_numpy())
