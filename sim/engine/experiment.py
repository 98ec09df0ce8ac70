"""Experiment files: the levers that vary from a base scenario, how, how often, how long.

    name = "grid-size-by-burden"        # optional; defaults to the file's stem
    description = "what it asks"        # optional
    scenario = "sichuan-2020"           # the base: a name in scenarios/ or a path relative to this file
    # scenarios = ["baseline-2017", "sichuan-2020"]   # or several: the design runs on each
    seed = 20180409                     # master seed (default 20180409)
    replicates = 5                      # runs per design point (default 1)
    weeks = 156                         # weeks per run (default 156)
    timeseries = "none"                 # "all", "none" (default) or k: every k-th week and the last
    common_random_numbers = false       # true: replicate r of every point shares its seed

    [levers]                            # optional: values fixed for every point
    households = 1200

    [design]
    kind = "grid"                       # grid | lhs | sobol | list
    # n = 64                            # lhs and sobol: points (sobol: a power of two)
    # file = "points.csv"               # list: one column per lever, relative to this file
    # rows = [{ households_per_grid = 200 }, { households_per_grid = 400 }]   # list: or inline

    [vary]                              # grid, lhs, sobol
    households_per_grid = [150, 300, 600]                      # grid: these values
    admin_burden_share = { low = 0.2, high = 0.7, steps = 6 }  # grid: evenly spaced, ends included
    # lhs and sobol: { low = 0.2, high = 0.7 }, numeric levers only

Validation matches scenario files: every problem is an InputError naming the file,
the key, the bad value and what is allowed, raised before anything is written.
A point's levers are the base scenario's, then [levers], then the design row's;
levers a row does not set keep their settlement defaults (sim.levers.resolve).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.engine import design, settings
from sim.errors import InputError, check_keys, did_you_mean, show
from sim.levers import LEVER_BY_NAME, Lever, lever, resolve
from sim.names import check_name
from sim.engine.plan import DesignPoints, Plan
from sim.run import DEFAULT_SEED, DEFAULT_WEEKS
from sim.scenario import SCENARIO_DIR, ScenarioFile, find_named, load_referenced, read_text, read_toml

EXPERIMENT_DIR = SCENARIO_DIR / "experiments"
TOP_LEVEL = ("name", "description", "scenario", "scenarios", "seed", "replicates", "weeks", "timeseries",
             "common_random_numbers", "levers", "design", "vary")
DESIGN_KEYS = {"grid": ("kind",), "lhs": ("kind", "n"), "sobol": ("kind", "n"), "list": ("kind", "file", "rows")}
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file: base scenarios, design rows and run settings."""

    name: str
    path: Path
    scenarios: tuple[ScenarioFile, ...]
    design: str
    rows: design.Rows                            # one per design point, before the base is applied
    varied: tuple[str, ...]
    fixed: Mapping[str, Any] = field(default_factory=dict)
    replicates: int = 1
    seed: int = DEFAULT_SEED
    weeks: int = DEFAULT_WEEKS
    timeseries_every: int = 0
    common_random_numbers: bool = False
    description: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)   # n, file
    text: str = ""

    @property
    def n_points(self) -> int:
        return len(self.scenarios) * len(self.rows)

    @property
    def n_runs(self) -> int:
        return self.n_points * self.replicates

    def plan(self) -> Plan:
        """The plan: every base scenario × every design row, ids scenario-major, generated on demand."""
        return Plan(points=self.points(), replicates=self.replicates, seed=self.seed, weeks=self.weeks,
                    timeseries_every=self.timeseries_every, common_random_numbers=self.common_random_numbers,
                    meta={"kind": "sweep", "experiment": self.name, "design": self.design,
                          "varied": list(self.varied)})

    def points(self) -> DesignPoints:
        """The design's points: one resolved base per scenario and settlement a row may ask for."""
        settlements = (None, *LEVER_BY_NAME["settlement"].choices) if "settlement" in self.rows.names else (None,)
        bases = []
        for scenario in self.scenarios:
            bases.append({x: resolve({**scenario.overrides, **self.fixed, **({} if x is None else {"settlement": x})},
                                     str(self.path))
                          for x in settlements})
        return DesignPoints([s.name for s in self.scenarios], bases, self.rows)

    def describe(self) -> dict[str, Any]:
        """What a manifest records about the experiment (its file's text included)."""
        return {"name": self.name, "file": str(self.path), "description": self.description,
                "scenarios": [s.name for s in self.scenarios], "design": self.design, **self.options,
                "varied": list(self.varied), "fixed": dict(self.fixed), "points": self.n_points,
                "replicates": self.replicates, "runs": self.n_runs, "text": self.text}


# ---- finding and loading -----------------------------------------------------------------------------
def find(reference: str | Path) -> Path:
    """The file an experiment reference names: a path, or a name in scenarios/experiments/."""
    return find_named(reference, "experiments", "experiment")


def load_experiment(reference: str | Path) -> Experiment:
    """Load and validate an experiment file; every problem is one InputError."""
    path = find(reference)
    source = str(path)
    data = read_toml(path)
    check_keys(data, TOP_LEVEL, source=source, levers=LEVER_BY_NAME,
               lever_goes="must go under [vary] (to vary it) or [levers] (to fix it)")
    name = check_name(data.get("name", path.stem), source=source, key="name")
    description = _string(data, "description", source, "")
    scenarios = _scenarios(data, path)
    seed = settings.check("seed", data.get("seed", DEFAULT_SEED), source=source)
    replicates = settings.check("replicates", data.get("replicates", 1), source=source)
    weeks = settings.check("weeks", data.get("weeks", DEFAULT_WEEKS), source=source)
    every = _timeseries(data.get("timeseries", "none"), source)
    crn = data.get("common_random_numbers", False)
    if not isinstance(crn, bool):
        raise InputError(f"expected true or false, got {show(crn)}", source=source, key="common_random_numbers")
    fixed = _fixed(data.get("levers", {}), source)
    kind, options, rows, varied = _design(data, path, seed, replicates * len(scenarios))
    overlap = sorted(set(varied) & set(fixed))
    if overlap:
        raise InputError(f"lever '{overlap[0]}' is both fixed under [levers] and varied by the design; "
                         "remove it from one of them", source=source, key=overlap[0])
    return Experiment(name=name, path=path, scenarios=scenarios, design=kind, rows=rows,
                      varied=tuple(varied), fixed=fixed, replicates=replicates, seed=seed, weeks=weeks,
                      timeseries_every=every, common_random_numbers=crn, description=description,
                      options=options, text=path.read_text(encoding="utf-8", errors="replace"))


# ---- top-level values ----------------------------------------------------------------------------------
def _string(data: Mapping[str, Any], key: str, source: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise InputError(f"expected a string, got {show(value)}", source=source, key=key)
    return value


def _timeseries(value: Any, source: str) -> int:
    """Every how many weeks to keep the outcomes: 1 for all, 0 for none (end of run only)."""
    if value == "all":
        return 1
    if value == "none":
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise InputError(f'got {show(value)}; allowed: "all", "none" or an integer k >= 1 (every k-th week)',
                     source=source, key="timeseries")


def _scenarios(data: Mapping[str, Any], path: Path) -> tuple[ScenarioFile, ...]:
    source = str(path)
    if "scenario" in data and "scenarios" in data:
        raise InputError("give either 'scenario' or 'scenarios', not both", source=source, key="scenarios")
    if "scenario" in data:
        key, refs = "scenario", [data["scenario"]]
        if not isinstance(refs[0], str):
            raise InputError(f"expected a scenario name or file, got {show(refs[0])}", source=source, key=key)
    elif "scenarios" in data:
        key, refs = "scenarios", data["scenarios"]
        if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
            raise InputError(f"expected a non-empty list of scenario names or files, got {show(refs)}",
                             source=source, key=key)
    else:
        raise InputError('missing: say which scenario the design varies, e.g. scenario = "sichuan-2020"',
                         source=source, key="scenario")
    scenarios = tuple(load_referenced(ref, path, key) for ref in refs)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError(f"scenario names must differ, got {', '.join(names)}", source=source, key=key)
    return scenarios


def _fixed(levers: Any, source: str) -> dict[str, Any]:
    if not isinstance(levers, dict):
        raise InputError(f"expected a table [levers], got {show(levers)}", source=source, key="levers")
    fixed = {name: lever(name, source).check(value, source) for name, value in levers.items()}
    resolve(fixed, source)  # cross-checks
    return fixed


# ---- the design ---------------------------------------------------------------------------------------
def _design(data: Mapping[str, Any], path: Path, seed: int,
            runs_per_row: int) -> tuple[str, dict[str, Any], design.Rows, list[str]]:
    """(kind, options, rows, varied levers) of the [design] and [vary] tables; a
    design's size is checked before its rows are built (runs_per_row: replicates ×
    base scenarios)."""
    source = str(path)
    spec = data.get("design")
    if spec is None:
        raise InputError('missing table [design]; e.g. [design] kind = "grid"', source=source, key="design")
    if not isinstance(spec, dict):
        raise InputError(f"expected a table [design], got {show(spec)}", source=source, key="design")
    kind = spec.get("kind")
    if kind not in design.KINDS:
        if kind is None:
            raise InputError(f"missing; allowed: {', '.join(design.KINDS)}", source=source, key="design.kind")
        raise _unknown(kind, design.KINDS, source, "design.kind", "design kind")
    for key in spec:
        if key not in DESIGN_KEYS[kind]:
            users = [k for k, keys in DESIGN_KEYS.items() if key in keys]
            if users:
                raise InputError(f"'{key}' applies to {' and '.join(users)} designs, not {kind}",
                                 source=source, key=f"design.{key}")
            raise _unknown(key, DESIGN_KEYS[kind], source, f"design.{key}", f"key of a {kind} design")
    vary = data.get("vary")
    if kind == "list":
        if vary is not None:
            raise InputError("a list design takes its points from design.file or design.rows; "
                             "remove [vary]", source=source, key="vary")
        rows, options = _list_rows(spec, path)
        settings.check_size(len(rows), runs_per_row, source=source, key="design")
        listed = design.ListedRows.from_dicts(rows)
        return kind, options, listed, list(listed.names)
    if not isinstance(vary, dict) or not vary:
        raise InputError(f"a {kind} design needs levers to vary under [vary], e.g. "
                         "admin_burden_share = { low = 0.2, high = 0.7 }", source=source, key="vary")
    if kind == "grid":
        factors = {name: _grid_values(name, value, source) for name, value in vary.items()}
        settings.check_size(math.prod(len(v) for v in factors.values()), runs_per_row, source=source, key="vary")
        return kind, {}, design.GridRows(factors), list(factors)
    n = spec.get("n")
    if n is None:
        raise InputError(f"missing: the number of points, e.g. n = {64 if kind == 'sobol' else 100}",
                         source=source, key="design.n")
    settings.check("points", n, source=source, key="design.n")
    settings.check_size(n, runs_per_row, source=source, key="design.n")
    if kind == "sobol" and n & (n - 1):
        below = 1 << (n.bit_length() - 1)
        raise InputError(f"got {n}; allowed: a power of two (Sobol' balance holds only for 2^m points), "
                         f"e.g. {below} or {below * 2}", source=source, key="design.n")
    ranges = [_range(name, value, source, kind) for name, value in vary.items()]
    return kind, {"n": n}, design.SampledRows(kind, ranges, n, seed), [r.lever.name for r in ranges]


def _grid_values(name: str, value: Any, source: str) -> list[Any]:
    lv = lever(name, source)
    key = f"vary.{name}"
    if isinstance(value, list):
        if not value:
            raise InputError(f"expected at least one value; allowed: {lv.allowed()}", source=source, key=key)
        values = [_checked(lv, v, source, key) for v in value]
        if len(set(values)) != len(values):
            raise InputError(f"lists a value twice: {show(value)}", source=source, key=key)
        return values
    if isinstance(value, dict):
        r = _range(name, value, source, "grid")
        steps = value.get("steps")
        if steps is None:
            raise InputError("missing 'steps': how many evenly spaced values from low to high",
                             source=source, key=key)
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
            raise InputError(f"steps: expected an integer >= 2 (values from low to high), got {show(steps)}",
                             source=source, key=key)
        values = r.steps(steps)
        if len(set(values)) != len(values):
            raise InputError(f"{steps} steps from {show(value['low'])} to {show(value['high'])} repeat integers; "
                             f"allowed: at most {int(r.high) - int(r.low) + 1} steps", source=source, key=key)
        return values
    raise InputError(f"expected a list of values or a range {{ low = …, high = …, steps = … }}, "
                     f"got {show(value)}",
                     source=source, key=key)


def _range(name: str, value: Any, source: str, kind: str) -> design.Range:
    lv = lever(name, source)
    key = f"vary.{name}"
    if not lv.numeric:
        raise InputError(f"'{name}' is {lv.type}: a {kind} range needs a numeric lever; list its values "
                         "in a grid or list design instead", source=source, key=key)
    if isinstance(value, list):
        raise InputError(f"a {kind} design samples a range {{ low = …, high = … }}, not a list of values "
                         f"{show(value)}; lists of values go in grid or list designs", source=source, key=key)
    if not isinstance(value, dict):
        raise InputError(f"expected a range {{ low = …, high = … }}, got {show(value)}", source=source, key=key)
    allowed = ("low", "high", "steps") if kind == "grid" else ("low", "high")
    for k in value:
        if k not in allowed:
            if k == "steps":
                raise InputError(f"'steps' applies to grid designs; a {kind} design chooses its own values",
                                 source=source, key=f"{key}.steps")
            raise _unknown(k, allowed, source, f"{key}.{k}", "key of a range")
    for k in ("low", "high"):
        if k not in value:
            raise InputError(f"missing '{k}'; allowed: {lv.allowed()}", source=source, key=key)
    low = _checked(lv, value["low"], source, f"{key}.low")
    high = _checked(lv, value["high"], source, f"{key}.high")
    if not low < high:
        raise InputError(f"low ({show(low)}) must be below high ({show(high)})", source=source, key=key)
    return design.Range(lv, low, high)


def _unknown(name: Any, candidates: Sequence[str], source: str, key: str, what: str) -> InputError:
    return InputError(f"unknown {what} {show(name)}; {did_you_mean(name, candidates)}", source=source, key=key)


def _checked(lv: Lever, value: Any, source: str, key: str) -> Any:
    """lever.check, naming the experiment's key (vary.x.low, design.rows[2].x, ...)."""
    try:
        return lv.check(value, source)
    except InputError as e:
        raise InputError(e.detail, source=source, key=key) from None


def _list_rows(spec: Mapping[str, Any], path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    source = str(path)
    if ("file" in spec) == ("rows" in spec):
        raise InputError("a list design needs exactly one of 'file' (a CSV) or 'rows' (inline tables)",
                         source=source, key="design")
    if "rows" in spec:
        rows = spec["rows"]
        if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
            raise InputError(f"expected a non-empty list of tables, got {show(rows)}", source=source,
                             key="design.rows")
        checked = []
        for i, row in enumerate(rows):
            out = {}
            for name, value in row.items():
                out[name] = _checked(lever(name, source), value, source, f"design.rows[{i}].{name}")
            checked.append(out)
        return checked, {}
    ref = spec["file"]
    if not isinstance(ref, str):
        raise InputError(f"expected a CSV file name, got {show(ref)}", source=source, key="design.file")
    csv_path = (path.parent / ref).resolve()
    if not csv_path.is_file():
        raise InputError(f"no such CSV file {show(ref)} (relative to this experiment)", source=source,
                         key="design.file")
    return read_points_csv(csv_path), {"file": ref}


def read_points_csv(path: Path) -> list[dict[str, Any]]:
    """Design rows from a CSV: a header of lever names, one row per point; an empty
    cell leaves that lever to the base scenario."""
    table = list(csv.reader(io.StringIO(read_text(path, "CSV"), newline="")))
    table = [r for r in table if any(cell.strip() for cell in r)]
    if not table:
        raise InputError("is empty; expected a header of lever names and one row per point", source=str(path))
    header = [h.strip() for h in table[0]]
    for i, h in enumerate(header):
        if h and not IDENTIFIER.fullmatch(h):  # not a CSV of design points: say so, never quote it
            raise InputError(f"column {i + 1} of the header is not a lever name; expected a header of lever "
                             "names (see `govsim params`) and one row per point", source=str(path))
    levers = [lever(h, str(path)) if h else None for h in header]
    if None in levers:
        raise InputError(f"column {header.index('') + 1} has no name; allowed: lever names", source=str(path))
    seen = [h for i, h in enumerate(header) if h in header[:i]]
    if seen:
        raise InputError(f"column '{seen[0]}' appears twice", source=str(path), key=seen[0])
    if len(table) < 2:
        raise InputError("has a header but no rows", source=str(path))
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        where = f"{path}:{line}"
        if len(cells) != len(header):
            raise InputError(f"has {len(cells)} cells, the header {len(header)}", source=where)
        rows.append({lv.name: _parse_cell(lv, cell.strip(), where) for lv, cell in zip(levers, cells)
                     if cell.strip()})
    return rows


def _parse_cell(lv: Lever, text: str, source: str) -> Any:
    value: Any = text
    if lv.type == "bool":
        value = {"true": True, "false": False, "1": True, "0": False}.get(text.lower(), text)
    elif lv.numeric:
        try:
            value = float(text)
        except ValueError:
            pass
    return lv.check(value, source)
