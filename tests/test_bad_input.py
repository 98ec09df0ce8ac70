"""Every bad input: one line naming what is wrong, exit status 2, nothing written.

One table of cases, each a way a file, a store or a command-line value can be wrong
(found by trying, as a careless or hostile user would; before these fixes 34 of 209
such inputs gave tracebacks and 6 hung). Each case prepares a directory, runs one
`govsim` command in it, and the test checks the message and that no file appeared,
changed or vanished. A property-based test then throws values of the wrong type and
size at every setting of an experiment file.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis.cli import main
from sim.engine.store import MANIFEST, RUNS, TIMESERIES, part_names

EXPERIMENT = """
name = "bad"
scenario = "sichuan-2020"
seed = 3
replicates = 1
weeks = 2
timeseries = "all"
[levers]
households = 100
[design]
kind = "grid"
[vary]
households_per_grid = [60, 120, 240]
"""

ANALYSIS = """
method = "morris"
scenario = "sichuan-2020"
weeks = 2
n = 2
replicates = 1
outcomes = ["resolution_rate"]
levers = ["admin_burden_share", "households_per_grid"]
"""


def call(cwd: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 1
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A finished three-run sweep, three part files, to be copied and damaged."""
    d = tmp_path_factory.mktemp("store")
    (d / "exp.toml").write_text(EXPERIMENT)
    status, _, err = call(d, "sweep", "exp.toml", "--out", "store", "--backend", "serial", "--chunk-size", "1")
    assert status == 0, err
    assert len(part_names(d / "store" / RUNS)) == 3
    return d


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


# ---- ways to damage things ---------------------------------------------------------------------------
def write(name: str, data: str | bytes) -> Callable[[Path], None]:
    def prepare(d: Path) -> None:
        (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    return prepare


def first_part(d: Path, table: str = RUNS) -> Path:
    return d / "store" / table / part_names(d / "store" / table)[0]


def damage_part(how: str, table: str = RUNS) -> Callable[[Path], None]:
    def prepare(d: Path) -> None:
        part = first_part(d, table)
        if how == "empty":
            part.write_bytes(b"")
        elif how == "truncated":
            part.write_bytes(part.read_bytes()[:200])
        elif how == "foreign":
            pq.write_table(pa.table({"a": [1, 2], "b": ["x", "y"]}), part)
        elif how == "wrong type":
            t = pq.read_table(part)
            pq.write_table(t.set_column(0, "run_id", pa.array([str(v) for v in t["run_id"].to_pylist()])), part)
    return prepare


def manifest(data: bytes) -> Callable[[Path], None]:
    def prepare(d: Path) -> None:
        (d / "store" / MANIFEST).write_bytes(data)
    return prepare


NESTED = "x = " + "[" * 5000 + "]" * 5000 + "\n"


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    expect: str                                   # a fragment of the one-line message
    prepare: Callable[[Path], None] = lambda d: None
    needs_store: bool = False


STORE_COMMANDS = {
    "compare": ("compare", "store"),
    "report": ("report", "store"),
    "merge": ("merge", "store"),
    "resume": ("sweep", "exp.toml", "--out", "store", "--resume", "--backend", "serial"),
}

CASES = [
    # files that are not text
    Case("experiment not UTF-8", ("sweep", "x.toml"), "not UTF-8", write("x.toml", b'name = "\xff\xfe"\n')),
    Case("experiment binary", ("sweep", "x.toml"), "binary", write("x.toml", b"\x00\x01\x02PK\x03\x04")),
    Case("scenario not UTF-8", ("run", "s.toml"), "not UTF-8", write("s.toml", b"[levers]\nhouseholds = \xff\n")),
    Case("analysis not UTF-8", ("sensitivity", "a.toml"), "not UTF-8", write("a.toml", b"method = \"\xe9\"\n")),
    Case("CSV not UTF-8", ("sweep", "x.toml", "--dry-run"), "not UTF-8",
         lambda d: (write("p.csv", b"households_per_grid\n\xff\xfe\n")(d),
                    write("x.toml", 'scenario = "sichuan-2020"\n[design]\nkind = "list"\nfile = "p.csv"\n')(d))),
    Case("CSV binary", ("sweep", "x.toml", "--dry-run"), "binary",
         lambda d: (write("p.csv", b"households_per_grid\n1\x00\n")(d),
                    write("x.toml", 'scenario = "sichuan-2020"\n[design]\nkind = "list"\nfile = "p.csv"\n')(d))),
    Case("experiment nested deeply", ("sweep", "x.toml"), "nests", write("x.toml", NESTED)),
    Case("scenario nested deeply", ("run", "s.toml"), "nests", write("s.toml", NESTED)),
    Case("analysis nested deeply", ("sensitivity", "a.toml"), "nests", write("a.toml", NESTED)),
    # sizes without an upper limit (they hung or died of MemoryError)
    Case("run replicates 1e9", ("run", "--replicates", "1000000000", "--steps", "2"), "--replicates"),
    Case("run steps 1e9", ("run", "--replicates", "1", "--steps", "1000000000"), "--weeks"),
    Case("run weeks 1e9", ("run", "--replicates", "1", "--weeks", "1000000000"), "--weeks"),
    Case("run seed 2^64", ("run", "--seed", str(2**64)), "--seed"),
    Case("experiment replicates 1e9", ("sweep", "x.toml"), "replicates",
         write("x.toml", EXPERIMENT.replace("replicates = 1", "replicates = 1000000000"))),
    Case("experiment weeks 1e9", ("sweep", "x.toml"), "weeks",
         write("x.toml", EXPERIMENT.replace("weeks = 2", "weeks = 1000000000"))),
    Case("experiment runs beyond the store", ("sweep", "x.toml"), "runs",
         write("x.toml", EXPERIMENT.replace("replicates = 1", "replicates = 1000")
               .replace('kind = "grid"', 'kind = "lhs"\nn = 1000000')
               .replace("[60, 120, 240]", "{ low = 60, high = 240 }"))),
    Case("grid too large", ("sweep", "x.toml"), "design points",
         write("x.toml", EXPERIMENT.replace("households_per_grid = [60, 120, 240]",
                                            "\n".join(f"{n} = {{ low = 0.1, high = 0.9, steps = 100 }}" for n in
                                                      ("admin_burden_share", "elderly_share",
                                                       "migrant_share", "owner_share"))))),
    Case("LHS n 1e9", ("sweep", "x.toml", "--dry-run"), "design.n",
         write("x.toml", EXPERIMENT.replace('kind = "grid"', 'kind = "lhs"\nn = 1000000000')
               .replace("[60, 120, 240]", "{ low = 60, high = 240 }"))),
    Case("Sobol' n 2^40", ("sweep", "x.toml", "--dry-run"), "design.n",
         write("x.toml", EXPERIMENT.replace('kind = "grid"', f'kind = "sobol"\nn = {2**40}')
               .replace("[60, 120, 240]", "{ low = 60, high = 240 }"))),
    Case("sensitivity Sobol' N 2^30", ("sensitivity", "a.toml"), "n",
         write("a.toml", ANALYSIS.replace('"morris"', '"sobol"').replace("n = 2", f"n = {2**30}"))),
    Case("sensitivity Morris N 1e9", ("sensitivity", "a.toml"), "n",
         write("a.toml", ANALYSIS.replace("n = 2", "n = 1000000000"))),
    Case("sensitivity replicates 1e9", ("sensitivity", "a.toml"), "replicates",
         write("a.toml", ANALYSIS.replace("replicates = 1", "replicates = 1000000000"))),
    Case("sensitivity --max-runs 1e12", ("sensitivity", "a.toml", "--converge", "--max-runs", str(10**12)),
         "--max-runs", write("a.toml", ANALYSIS)),
    # command-line values
    Case("dask 10000 workers", ("sweep", "x.toml", "--backend", "dask", "--workers", "10000"), "--workers",
         write("x.toml", EXPERIMENT)),
    Case("process 10000 workers", ("sweep", "x.toml", "--workers", "10000"), "--workers", write("x.toml", EXPERIMENT)),
    Case("sensitivity 10000 workers", ("sensitivity", "a.toml", "--workers", "10000"), "--workers",
         write("a.toml", ANALYSIS)),
    Case("scheduler scheme http", ("sweep", "x.toml", "--backend", "dask", "--scheduler", "http://127.0.0.1:1"),
         "unsupported scheme", write("x.toml", EXPERIMENT)),
    Case("scheduler scheme foo", ("sweep", "x.toml", "--backend", "dask", "--scheduler", "foo://x:1"),
         "unsupported scheme", write("x.toml", EXPERIMENT)),
    Case("scheduler scheme, sensitivity", ("sensitivity", "a.toml", "--backend", "dask", "--scheduler", "http://x:1"),
         "unsupported scheme", write("a.toml", ANALYSIS)),
    Case("shard -1/4", ("sweep", "x.toml", "--shard", "-1/4"), "--shard", write("x.toml", EXPERIMENT)),
    Case("shard =-1/4", ("sweep", "x.toml", "--shard=-1/4"), "--shard", write("x.toml", EXPERIMENT)),
    Case("shard 4/4", ("sweep", "x.toml", "--shard", "4/4"), "--shard", write("x.toml", EXPERIMENT)),
    Case("shard 0/0", ("sweep", "x.toml", "--shard", "0/0"), "--shard", write("x.toml", EXPERIMENT)),
    Case("chunk size 1e9", ("sweep", "x.toml", "--chunk-size", "1000000000"), "--chunk-size",
         write("x.toml", EXPERIMENT)),
    Case("out under a file", ("sweep", "x.toml", "--out", "x.toml/sub"), "--out", write("x.toml", EXPERIMENT)),
]

# a damaged store, in every command that reads one
for command, argv in STORE_COMMANDS.items():
    CASES += [
        Case(f"{command}: manifest a list", argv, "not the object", manifest(b"[1, 2, 3]"), True),
        Case(f"{command}: manifest a string", argv, "not the object", manifest(b'"govsim"'), True),
        Case(f"{command}: manifest not UTF-8", argv, "not UTF-8", manifest(b'{"a": "\xff"}'), True),
        Case(f"{command}: empty runs part", argv, "not a readable Parquet", damage_part("empty"), True),
        Case(f"{command}: truncated runs part", argv, "not a readable Parquet", damage_part("truncated"), True),
        Case(f"{command}: foreign runs part", argv, "run_id", damage_part("foreign"), True),
        Case(f"{command}: run_id as text", argv, "run_id", damage_part("wrong type"), True),
    ]
CASES += [
    Case(f"{command}: truncated timeseries part", STORE_COMMANDS[command], "not a readable Parquet",
         damage_part("truncated", TIMESERIES), True)
    for command in ("compare", "report", "merge")
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, store, case):
    if case.needs_store:
        shutil.copytree(store, tmp_path, dirs_exist_ok=True)
    case.prepare(tmp_path)
    before = snapshot(tmp_path)
    status, out, err = call(tmp_path, *case.argv)
    assert status == 2, (status, out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and case.expect in err, err
    assert snapshot(tmp_path) == before, "something was written, changed or removed"


# ---- wrong types and sizes anywhere in an experiment file --------------------------------------------------
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def toml_value(v) -> str:
    """A TOML literal for the values the strategy draws."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v) if v == v and abs(v) != float("inf") else ("nan" if v != v else ("inf" if v > 0 else "-inf"))
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"


scalars = (st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.floats() | st.booleans()
           | st.text(max_size=300))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3), max_leaves=12)
SETTINGS = ("name", "description", "scenario", "seed", "replicates", "weeks", "timeseries",
            "common_random_numbers")
LEVER_PLACES = ("[levers]\nhouseholds", "[vary]\nhouseholds_per_grid")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(SETTINGS + LEVER_PLACES + ("[design]\nn",)), value=values)
def test_any_value_anywhere_is_accepted_or_one_input_error(tmp_path, key, value):
    from sim.engine.experiment import load_experiment
    from sim.errors import InputError

    lines = [line for line in EXPERIMENT.strip().splitlines() if not line.startswith(key.split("\n")[-1] + " ")]
    text = "\n".join(lines)
    if "\n" in key:  # a key inside a table: put it right under the table's header
        table, name = key.split("\n")
        text = text.replace(table, f"{table}\n{name} = {toml_value(value)}") if table in text else \
            text + f"\n{table}\n{name} = {toml_value(value)}"
    else:
        text = f"{key} = {toml_value(value)}\n{text}"
    f = tmp_path / "x.toml"
    f.write_text(text)
    try:
        exp = load_experiment(f)
    except InputError as e:
        assert "\n" not in str(e) and len(str(e)) < 1000
        return
    assert exp.n_runs <= 10_000_000


def test_scenario_names_with_math_markup_are_drawn_as_plain_text(govsim, tmp_path):
    """A name such as `$x^$` or `$\\frac{1$` is a label, not a formula for mathtext to parse."""
    from tests.synthstore import make_store

    make_store(tmp_path / "r", [("$x^$ 2020", {}), ("50$ or $\\frac{1$", {"households_per_grid": 200})],
               replicates=3)
    status, _, err = govsim("compare", str(tmp_path / "r"), "--out", str(tmp_path / "c"))
    assert status == 0, err
    assert (tmp_path / "c" / "forest.png").is_file()
