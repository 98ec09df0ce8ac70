"""`govsim run --agents` writes agents.parquet; analysis.load(DIR).agents reads it."""

from __future__ import annotations

import pytest

import analysis
from sim.errors import InputError

TINY = 'name = "tiny"\n[levers]\nhouseholds = 200\ncompound_size = 50\nhouseholds_per_grid = 100\n'


@pytest.fixture
def tiny(tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY)
    (tmp_path / "tiny-burden.toml").write_text(
        'name = "tiny-burden"\nextends = "tiny.toml"\n[levers]\nadmin_burden_share = 0.8\n')
    return tmp_path


def test_agents_at_listed_weeks(govsim, tiny):
    status, out, err = govsim("run", "tiny.toml", "tiny-burden.toml", "--replicates", "2", "--steps", "16",
                              "--out", "res", "--backend", "serial", "--agents", "8,16")
    assert status == 0, err
    assert "agents.parquet" in out
    res = analysis.load(tiny / "res")
    a = res.agents
    per = a.groupby(["run_id", "week", "kind"]).size().unstack()
    assert list(per.index.get_level_values("week").unique()) == [8, 16]
    assert (per["household"] == 200).all() and (per["grid_worker"] == 2).all()
    assert set(a["scenario"]) == {"tiny", "tiny-burden"}
    # households' open cases at the last week are the runs' open cases
    end = a[(a["kind"] == "household") & (a["week"] == 16)].groupby("run_id")["open_cases"].sum()
    runs = res.runs.set_index("run_id")
    assert (end == runs.loc[end.index, "cases_open"]).all()
    # satisfaction means are the recorded outcome (same seed, same run)
    sat = a[(a["kind"] == "household") & (a["week"] == 16)].groupby("run_id")["satisfaction"].mean()
    assert sat.to_numpy() == pytest.approx(runs.loc[sat.index, "satisfaction"].to_numpy())
    # columns that do not apply to a kind are null
    assert a.loc[a["kind"] == "household", "skill"].isna().all()
    assert a.loc[a["kind"] == "grid_worker", "satisfaction"].isna().all()
    assert not list(tiny.joinpath("res").glob(".agents-*"))


def test_agents_default_to_the_last_week(govsim, tiny):
    status, out, err = govsim("run", "tiny.toml", "--replicates", "1", "--steps", "6", "--out", "res",
                              "--backend", "serial", "--agents")
    assert status == 0, err
    assert set(analysis.load(tiny / "res").agents["week"]) == {6}


@pytest.mark.parametrize("value, fragment", [("0", "[1, 6]"), ("7", "[1, 6]"), ("tiny.toml", "after the scenarios"),
                                             ("4,x", "week numbers")])
def test_bad_agent_weeks_are_one_line_and_write_nothing(govsim, tiny, value, fragment):
    status, out, err = govsim("run", "tiny.toml", "--steps", "6", "--out", "res", "--agents", value)
    assert status == 2
    assert fragment in err and "--agents" in err and len(err.strip().splitlines()) == 1
    assert not (tiny / "res").exists()


def test_results_without_agents_say_how_to_get_them(govsim, tiny):
    assert govsim("run", "tiny.toml", "--replicates", "1", "--steps", "4", "--out", "res", "--backend", "serial")[0] == 0
    with pytest.raises(InputError, match="--agents"):
        analysis.load(tiny / "res").agents
