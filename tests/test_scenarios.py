"""Scenario files: loading, extends, and one-line errors for every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import InputError
from sim.levers import LEVER_BY_NAME, LEVERS
from sim.scenario import load

from conftest import SCENARIOS


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["baseline-2017", "sichuan-2020", "town", "rural"])
def test_shipped_scenarios_load_and_resolve_every_lever(name):
    s = load(SCENARIOS / f"{name}.toml")
    levers = s.levers()
    assert set(levers) == {l.name for l in LEVERS}
    assert s.name == name


def test_extends_inherits_and_overrides():
    town = load(SCENARIOS / "town.toml").levers()
    target = load(SCENARIOS / "sichuan-2020.toml").levers()
    assert town["settlement"] == "town"
    assert town["joint_meeting"] == target["joint_meeting"] is True
    # settlement defaults apply where neither file sets the lever
    assert town["households"] == LEVER_BY_NAME["households"].default_for("town")
    rural = load(SCENARIOS / "rural.toml").levers()
    assert rural["property_firm_coverage"] == 0.0


def test_a_bare_name_finds_the_scenario_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load("baseline-2017").name == "baseline-2017"


BAD = {
    "unknown lever": ("[levers]\nhouseholds_per_grd = 300\n", ["households_per_grd", "households_per_grid"]),
    "unknown top-level key": ("nmae = 'x'\n", ["nmae", "name"]),
    "lever outside [levers]": ("households = 300\n", ["households", "[levers]"]),
    "wrong type": ("[levers]\nhouseholds = \"many\"\n", ["households", '"many"', "integer"]),
    "bool as number": ("[levers]\njoint_meeting = 1\n", ["joint_meeting", "true or false"]),
    "float for int": ("[levers]\nhouseholds = 300.5\n", ["households", "300.5", "integer"]),
    "out of bounds": ("[levers]\nadmin_burden_share = 1.5\n", ["admin_burden_share", "1.5", "[0, 0.95]"]),
    "bad choice": ("[levers]\nsettlement = \"suburb\"\n", ["settlement", "suburb", "urban"]),
    "syntax error": ("[levers]\nhouseholds = = 3\n", ["TOML syntax error", "line 2"]),
    "missing extends": ("extends = \"nowhere.toml\"\n", ["extends", "nowhere.toml"]),
    "levers not a table": ("levers = 3\n", ["levers", "table"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_gives_one_line_naming_file_key_and_allowed(tmp_path, case):
    text, expected = BAD[case]
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(InputError) as e:
        load(path)
    message = str(e.value)
    assert "\n" not in message
    assert str(path) in message
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such scenario file"):
        load(tmp_path / "absent.toml")


def test_extends_takes_a_scenario_name_as_the_cli_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no scenarios/ here: the name is found in govsim's own
    write(tmp_path / "mine.toml", 'extends = "sichuan-2020"\n[levers]\nhouseholds_per_grid = 150\n')
    levers = load(tmp_path / "mine.toml").levers()
    assert levers["households_per_grid"] == 150
    assert levers["joint_meeting"] == load("sichuan-2020").levers()["joint_meeting"]
    # a file beside this one still comes first
    write(tmp_path / "sichuan-2020.toml", "[levers]\nhouseholds = 999\n")
    write(tmp_path / "near.toml", 'extends = "sichuan-2020.toml"\n')
    assert load(tmp_path / "near.toml").levers()["households"] == 999


def test_no_such_scenario_lists_the_available_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "x.toml", 'extends = "sichuan-2002"\n')
    with pytest.raises(InputError) as e:
        load(tmp_path / "x.toml")
    shipped = ", ".join(sorted(p.stem for p in SCENARIOS.glob("*.toml")))
    assert "extends" in str(e.value) and f"nor a name in scenarios/: {shipped})" in str(e.value)
    with pytest.raises(InputError) as e:
        load("sichuan-2002")
    assert f"nor a name in scenarios/: {shipped})" in str(e.value) and "sichuan-2020" in shipped


def test_extends_cycle_is_named(tmp_path):
    write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(InputError) as e:
        load(tmp_path / "a.toml")
    assert "cycle" in str(e.value) and "a.toml -> b.toml -> a.toml" in str(e.value)
    assert "extends" in str(e.value)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_runs(path):
    """Including clause 五's size bands (city 2000-4000, town 700-2000, village 300-1500)."""
    from sim.run import run
    levers = load(path).levers()
    r = run({**levers, "burn_in_weeks": 4}, seed=1, weeks=8, timeseries_every=0)
    assert r.outcomes["cases_created"] > 0


@pytest.mark.parametrize("name, settlement, low, high", [
    ("city", "urban", 2000, 4000), ("town", "town", 700, 2000), ("village", "rural", 300, 1500)])
def test_size_band_scenarios_span_clause_five(name, settlement, low, high):
    sizes = [load(SCENARIOS / f"{name}-{n}.toml").levers() for n in (low, high)]
    assert [s["households"] for s in sizes] == [low, high]
    assert all(s["settlement"] == settlement for s in sizes)


def test_pre_policy_regime_is_the_baseline_2017_scenario():
    from sim.levers import PRE_POLICY
    baseline = load(SCENARIOS / "baseline-2017.toml")
    policy = {k: v for k, v in baseline.overrides.items() if k != "settlement"}
    assert policy == PRE_POLICY


def test_replaced_levers_say_what_replaced_them(tmp_path):
    f = write(tmp_path / "old.toml", "[levers]\ninitial_trust = 0.4\n")
    with pytest.raises(InputError, match="trust_disposition"):
        load(f)
