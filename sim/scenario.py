"""Scenario files: TOML, one table of levers, optionally extending another scenario.

    name = "sichuan-2020"                 # optional; defaults to the file's stem
    description = "the policy's targets"  # optional
    extends = "baseline-2017"             # optional; a file relative to this one, or a name in scenarios/
    [levers]
    households_per_grid = 300             # say where each value comes from

A scenario names only what differs from the lever defaults (or from the scenario
it extends); `levers()` resolves the rest. Every problem is an InputError naming
the file, the key, the bad value and what is allowed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import InputError, check_keys, show
from sim.levers import LEVER_BY_NAME, lever, resolve
from sim.names import check_name

TOP_LEVEL = ("name", "description", "extends", "levers")
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


@dataclass(frozen=True)
class ScenarioFile:
    """A named set of lever values, as written (and inherited) in scenario files."""

    name: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    path: Path | None = None

    def levers(self) -> dict[str, Any]:
        """Every lever's value under this scenario."""
        return resolve(self.overrides, source=str(self.path) if self.path else self.name)


def find(reference: str | Path, base: Path | None = None) -> Path:
    """The file a scenario reference names: a path (relative to base, default the working
    directory), or a name in scenarios/ (of the working directory, then govsim's own)."""
    ref = Path(reference)
    candidates = [ref] if ref.is_absolute() else [(base or Path.cwd()) / ref]
    if ref.suffix != ".toml" and len(ref.parts) == 1:
        for root in (Path.cwd() / "scenarios", SCENARIO_DIR):
            candidates.append(root / f"{ref}.toml")
    for c in candidates:
        if c.is_file():
            return c.resolve()
    raise InputError(f"no such scenario file (nor a name in scenarios/: {available()})", source=str(reference))


def find_named(reference: str | Path, folder: str, what: str) -> Path:
    """A file named by path, or by name in scenarios/FOLDER/ (of the working directory, then
    govsim's own): how experiments and analyses are found. The error lists the names there."""
    ref = Path(reference)
    roots = (Path.cwd() / "scenarios" / folder, SCENARIO_DIR / folder)
    candidates = [ref]
    if ref.suffix != ".toml" and len(ref.parts) == 1:
        candidates += [root / f"{ref}.toml" for root in roots]
    for c in candidates:
        if c.is_file():
            return c.resolve()
    names = sorted({p.stem for root in roots if root.is_dir() for p in root.glob("*.toml")})
    raise InputError(f"no such {what} file (nor a name in scenarios/{folder}/: {', '.join(names) or 'none'})",
                     source=str(reference))


def available() -> str:
    """The scenario names one can give instead of a path, for error messages."""
    names = {p.stem for root in (Path.cwd() / "scenarios", SCENARIO_DIR) if root.is_dir()
             for p in root.glob("*.toml")}
    return ", ".join(sorted(names)) or "none"


MAX_FILE_BYTES = 256 * 2**20  # an input file larger than this is not one a person wrote or a design


def read_text(path: Path, kind: str = "TOML", limit: int = MAX_FILE_BYTES) -> str:
    """A UTF-8 text file's content, or an InputError that says what is wrong with it
    without quoting it (the path may name anything, e.g. /proc/self/environ)."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise InputError(f"cannot read file ({e.strerror or e})", source=str(path)) from None
    if len(data) > limit:
        raise InputError(f"is larger than {limit // 2**20} MB; allowed: a {kind} file of at most that size",
                         source=str(path))
    if b"\0" in data:
        raise InputError(f"is a binary file, not a {kind} text file", source=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"is not UTF-8 text (byte {e.start}); allowed: a {kind} file saved as UTF-8",
                         source=str(path)) from None


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's content, or an InputError saying where the syntax is wrong."""
    text = read_text(path, "TOML")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"TOML syntax error: {e}", source=str(path)) from None
    except RecursionError:
        raise InputError("nests arrays or tables too deeply; allowed: the flat tables of a govsim file",
                         source=str(path)) from None


def load(reference: str | Path, *, _base: Path | None = None, _chain: tuple[Path, ...] = ()) -> ScenarioFile:
    """Load and validate a scenario file, following `extends`."""
    path = find(reference, _base)
    source = str(path)
    if path in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, path))
        raise InputError(f"'extends' forms a cycle: {cycle}", source=str(_chain[-1]), key="extends")
    data = read_toml(path)
    check_keys(data, TOP_LEVEL, source=source, strings=("name", "description", "extends"),
               levers=LEVER_BY_NAME, lever_goes="must go under [levers]")
    levers = data.get("levers", {})
    if not isinstance(levers, dict):
        raise InputError(f"expected a table [levers], got {show(levers)}", source=source, key="levers")
    overrides: dict[str, Any] = {}
    if "extends" in data:
        try:
            parent_path = find(data["extends"], path.parent)
        except InputError:
            raise InputError(f"no such scenario {show(data['extends'])} (neither a file relative to this one "
                             f"nor a name in scenarios/: {available()})", source=source, key="extends") from None
        overrides.update(load(parent_path, _base=path.parent, _chain=(*_chain, path)).overrides)
    for name, value in levers.items():
        overrides[name] = lever(name, source).check(value, source)
    resolve(overrides, source)  # cross-checks (none yet beyond each lever's own)
    name = check_name(data.get("name", path.stem), source=source, key="name")
    return ScenarioFile(name, overrides, data.get("description", ""), path)


def load_referenced(ref: str, from_file: Path, key: str) -> ScenarioFile:
    """A scenario another file (an experiment, an analysis) names: a file relative to
    that file, or else a path or a name in scenarios/. Errors inside a scenario that was
    found name that scenario's file; a reference found nowhere names the referring file."""
    try:
        found = find(ref, from_file.parent)
    except InputError:
        try:
            found = find(ref)
        except InputError:
            raise InputError(f"no such scenario {show(ref)} (neither a file relative to this one nor a "
                             f"name in scenarios/: {available()})", source=str(from_file), key=key) from None
    return load(found)
