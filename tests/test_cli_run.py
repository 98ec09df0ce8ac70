"""`govsim run` and `govsim params` from the command line's point of view."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import analysis
import sim
from sim.levers import LEVERS
from sim.outcomes import OUTCOME_NAMES

TINY = '[levers]\nhouseholds = 200\ncompound_size = 50\n'


@pytest.fixture
def tiny(tmp_path):
    (tmp_path / "tiny.toml").write_text('name = "tiny"\n' + TINY)
    (tmp_path / "tiny-jm.toml").write_text('name = "tiny-jm"\nextends = "tiny.toml"\n[levers]\njoint_meeting = false\n')
    return tmp_path


def test_run_writes_a_complete_results_directory(govsim, tiny):
    status, out, err = govsim("run", "tiny.toml", "tiny-jm.toml", "--replicates", "3", "--steps", "12",
                              "--out", "res", "--backend", "serial")
    assert status == 0, err
    res = analysis.load(tiny / "res")
    runs = res.runs
    assert len(runs) == 6 and (runs["status"] == "ok").all()
    assert list(runs.groupby("scenario").size().sort_index()) == [3, 3]
    for column in ["run_id", "scenario", "replicate", "seed", *OUTCOME_NAMES, *(l.name for l in LEVERS)]:
        assert column in runs.columns, column
    # replicate r of both scenarios shares its seed: a paired design
    seeds = runs.pivot(index="replicate", columns="scenario", values="seed")
    assert (seeds["tiny"] == seeds["tiny-jm"]).all() and seeds["tiny"].nunique() == 3
    ts = pd.read_parquet(tiny / "res" / "timeseries.parquet")
    assert len(ts) == 6 * 12 and set(ts["week"]) == set(range(1, 13))
    m = res.manifest
    for key in ("command", "govsim_version", "git_revision", "packages", "created", "master_seed", "seed_derivation"):
        assert key in m, key
    assert m["govsim_version"] == sim.__version__ and m["status"] == "complete"
    assert "resolution_rate" in out and "tiny-jm" in out
    assert not list((tiny / "res").rglob(".*tmp*")), "temporary files left behind"


def test_same_seed_same_rows_whatever_the_backend(govsim, tiny):
    args = ["run", "tiny.toml", "--replicates", "4", "--steps", "10", "--seed", "99"]
    assert govsim(*args, "--out", "a", "--backend", "serial")[0] == 0
    assert govsim(*args, "--out", "b", "--backend", "process", "--workers", "2")[0] == 0
    assert govsim(*args[:-1], "100", "--out", "c", "--backend", "serial")[0] == 0
    a, b, c = (analysis.load(tiny / d).runs.drop(columns=["wall_time_s"]) for d in "abc")
    pd.testing.assert_frame_equal(a, b)
    assert not a[list(OUTCOME_NAMES)].equals(c[list(OUTCOME_NAMES)])


def test_non_empty_out_is_refused_unless_overwrite(govsim, tiny):
    (tiny / "busy").mkdir()
    (tiny / "busy" / "keep.txt").write_text("mine")
    status, out, err = govsim("run", "tiny.toml", "--replicates", "1", "--steps", "2", "--out", "busy")
    assert status == 2 and len(err.strip().splitlines()) == 1 and "--overwrite" in err
    assert (tiny / "busy" / "keep.txt").read_text() == "mine"
    # --overwrite replaces only a directory govsim wrote: not this one
    status, _, err = govsim("run", "tiny.toml", "--replicates", "1", "--steps", "2", "--out", "busy",
                            "--overwrite", "--backend", "serial")
    assert status == 2 and "manifest" in err
    assert (tiny / "busy" / "keep.txt").read_text() == "mine"
    # but it does replace a results directory, and whatever was added to it
    assert govsim("run", "tiny.toml", "--replicates", "1", "--steps", "2", "--out", "res", "--backend", "serial")[0] == 0
    (tiny / "res" / "keep.txt").write_text("added")
    status, _, err = govsim("run", "tiny.toml", "--replicates", "1", "--steps", "2", "--out", "res",
                            "--overwrite", "--backend", "serial")
    assert status == 0, err
    assert not (tiny / "res" / "keep.txt").exists()


@pytest.mark.parametrize("args,fragment", [
    (["run", "nowhere.toml"], "no such scenario file"),
    (["run", "tiny.toml", "--replicates", "0"], "--replicates"),
    (["run", "tiny.toml", "--steps", "-3"], "--weeks"),
    (["run", "tiny.toml", "--weeks", "-3"], "--weeks"),
    (["run", "tiny.toml", "--replicates", "many"], "invalid int value"),
    (["run", "tiny.toml", "tiny.toml"], "names must differ"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(govsim, tiny, args, fragment):
    status, out, err = govsim(*args, "--out", "never")
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and fragment in err
    assert not (tiny / "never").exists()


def test_bad_scenario_file_through_the_cli(govsim, tiny):
    (tiny / "bad.toml").write_text("[levers]\nhouseholds_per_grd = 300\n")
    status, _, err = govsim("run", "bad.toml", "--out", "never")
    assert status == 2 and "bad.toml" in err and "households_per_grid" in err
    assert len(err.strip().splitlines()) == 1 and not (tiny / "never").exists()


def test_version_and_params(govsim):
    status, out, _ = govsim("--version")
    assert status == 0 and sim.__version__ in out
    status, out, _ = govsim("params", "--json")
    rows = json.loads(out)
    assert [r["name"] for r in rows] == [l.name for l in LEVERS]
    assert all(r["clause"] and r["unit"] is not None and r["meaning"] for r in rows)
    status, out, _ = govsim("params")
    assert status == 0 and "households_per_grid" in out and "十一" in out


def test_backend_is_documented_in_the_help(govsim):
    status, out, _ = govsim("run", "--help")
    assert status == 0
    text = " ".join(out.split())
    assert "--backend {serial,process}" in text and "every local core" in text and "same numbers" in text
