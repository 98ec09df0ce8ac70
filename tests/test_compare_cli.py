"""`govsim compare` and `govsim report` end to end on real (tiny) runs, and their bad-input errors."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import compare
from synthstore import make_store

SMALL = 'name = "small"\n[levers]\nhouseholds = 300\n'
JOINT = 'name = "small-b"\nextends = "small.toml"\n[levers]\njoint_meeting = false\nhouseholds_per_grid = 150\n'


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two small scenarios, 3 replicates of 20 weeks, simulated by `govsim run`."""
    from analysis.cli import main
    root = tmp_path_factory.mktemp("cli")
    (root / "small.toml").write_text(SMALL)
    (root / "small2.toml").write_text(JOINT)
    out = root / "runs"
    status = main(["run", str(root / "small.toml"), str(root / "small2.toml"), "--replicates", "3",
                   "--steps", "20", "--out", str(out), "--backend", "serial"])
    assert status == 0
    return out


def one_line_error(status: int, err: str, *words: str) -> None:
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("govsim "), err
    for w in words:
        assert w in err, err


def test_compare_writes_tables_and_figures_and_replaces_only_when_told(govsim, runs):
    out = runs / "compare"  # the default
    status, stdout, err = govsim("compare", str(runs), "--outcomes", "satisfaction,resolution_rate")
    assert status == 0, err
    names = {p.name for p in out.iterdir()}
    assert {"outcomes.csv", "effects.csv", "households.csv", "levers.csv"} <= names
    for stem in ("fan-satisfaction", "fan-resolution_rate", "distributions", "forest", "households"):
        assert {f"{stem}.png", f"{stem}.svg"} <= names
    assert "small-b" in stdout and "paired, BCa 95%" in stdout and f"compare: {out}" in stdout
    levers = pd.read_csv(out / "levers.csv")
    assert set(levers["lever"]) == {"joint_meeting", "households_per_grid"}
    effects = pd.read_csv(out / "effects.csv")
    assert list(effects["outcome"]) == ["satisfaction", "resolution_rate"] and set(effects["group"]) == {"small-b"}

    status, _, err = govsim("compare", str(runs), "--outcomes", "trust")
    one_line_error(status, err, "--overwrite")
    assert (out / "fan-satisfaction.png").is_file()
    status, _, err = govsim("compare", str(runs), "--outcomes", "trust", "--overwrite")
    assert status == 0, err
    assert (out / "fan-trust.png").is_file()
    assert not (out / "fan-satisfaction.png").exists()  # replaced whole, not merged
    assert not [p for p in runs.iterdir() if p.name.startswith(".")]  # no temporary left behind


def test_report_cli(govsim, runs, tmp_path):
    out = tmp_path / "r" / "x.html"
    status, stdout, err = govsim("report", str(runs), "--outcomes", "satisfaction", "--out", str(out))
    assert status == 0, err
    assert stdout.strip() == f"report: {out}" and out.stat().st_size > 10_000


@pytest.mark.parametrize("command", ["compare", "report"])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(govsim, runs, tmp_path, command):
    (tmp_path / "empty").mkdir()
    out = tmp_path / ("o.html" if command == "report" else "o")
    cases = [
        ((str(tmp_path / "empty"),), ("not a govsim results directory",)),
        ((str(tmp_path / "missing"),), ("no such results directory",)),
        ((str(runs), "--outcomes", "satisfacton"), ("unknown outcome 'satisfacton'", "did you mean 'satisfaction'")),
        ((str(runs), "--reference", "smal"), ("--reference", "not among the scenarios", "did you mean 'small'")),
    ]
    for args, words in cases:
        status, stdout, err = govsim(command, *args, "--out", str(out))
        one_line_error(status, err, *words)
        assert not out.exists()


def test_sweep_points_are_groups_and_failed_runs_are_noted(tmp_path):
    sweep = make_store(tmp_path / "sweep", [("base", {"households": 500}), ("base", {"households": 900})],
                       failed=[0])
    c = compare.gather([sweep], reference="base #1")  # the label earlier versions gave still names the point
    assert c.groups == ["households=500", "households=900"] and c.reference == "households=900"
    text = compare.format_effects(compare.effects(c, ["satisfaction"], n_resamples=500))
    assert "effect vs households=900" in text and "households=500" in text
    assert "1 failed run(s) left out" in " ".join(c.notes())
    assert len(c.runs[c.runs["group"] == "households=500"]) == 5


def test_default_study_ends_with_a_report(govsim, tmp_path):
    status, stdout, err = govsim("run", "--replicates", "2", "--steps", "3", "--out", str(tmp_path / "study"),
                                 "--backend", "serial")
    assert status == 0, err
    assert stdout.rstrip().endswith(f"report:  {tmp_path / 'study' / 'report.html'}")
    text = (tmp_path / "study" / "report.html").read_text(encoding="utf-8")
    assert "baseline-2017" in text and "sichuan-2020" in text and "admin_burden_share" in text


def test_compare_never_replaces_the_results_it_reads(govsim, runs):
    for out in (runs, runs.parent):
        status, _, err = govsim("compare", str(runs), "--out", str(out), "--overwrite")
        one_line_error(status, err, "would replace the results directory")
    assert (runs / "manifest.json").is_file()


def _all_failed_store(path, failed):
    """Three points of 3 replicates; the runs in `failed` (run ids) recorded as failed."""
    return make_store(path, [("a", {}), ("b", {"households_per_grid": 200}), ("c", {"households_per_grid": 300})],
                      replicates=3, failed=failed)


def test_compare_shows_a_point_whose_runs_all_failed(govsim, tmp_path):
    store = _all_failed_store(tmp_path / "s", failed=[3, 4, 5])      # every run of point b
    out = tmp_path / "cmp"
    status, stdout, err = govsim("compare", str(store), "--outcomes", "satisfaction", "--out", str(out))
    assert status == 0, err                                          # as for any failed run: noted, not fatal
    assert "b: all 3 runs failed (first error: RuntimeError: planted)" in stdout
    assert "b: all 3 runs failed" in err                             # and among the notes
    table = pd.read_csv(out / "outcomes.csv")
    assert list(table["group"]) == ["a", "b", "c"]                   # in design order
    b = table[table["group"] == "b"].iloc[0]
    assert b["n"] == 0 and pd.isna(b["mean"])
    assert (table.loc[table["group"] != "b", "n"] == 3).all()
    effects = pd.read_csv(out / "effects.csv")
    assert set(effects["group"]) == {"c"}                            # the others drawn and compared normally
    assert (out / "fan-satisfaction.png").is_file() and (out / "forest.png").is_file()


@pytest.mark.parametrize("command", ["compare", "report"])
def test_a_reference_whose_runs_all_failed_is_one_line_exit_2(govsim, tmp_path, command):
    store = _all_failed_store(tmp_path / "s", failed=[0, 1, 2])      # every run of a, the default reference
    out = tmp_path / ("o.html" if command == "report" else "o")
    status, _, err = govsim(command, str(store), "--out", str(out))
    one_line_error(status, err, "'a' is the reference", "all 3 runs failed", "--reference")
    assert not out.exists()
    status, _, err = govsim(command, str(store), "--reference", "c", "--out", str(out))
    assert status == 0, err
