"""Targets files and `govsim validate`: loading, statistics, outputs, bad input."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from analysis.targets import Target, load_targets, simulated, year_end
from sim.errors import InputError
from tests.conftest import ROOT, SCENARIOS

SMALL = f"""
extends = "{SCENARIOS / 'sichuan-2020.toml'}"
[levers]
households = 200
households_per_grid = 100
"""

TARGETS = """
weeks = 104
[[target]]
id = "res"
outcome = "resolution_rate"
scenario = "small.toml"
interval = [0.5, 0.99]
source = "test"
[[target]]
id = "growth"
outcome = "cases_created"
scenario = "small.toml"
statistic = "growth"
years = [2018, 2019]
interval = [-0.5, 0.5]
soft = true
calibrate = false
source = "test"
"""


@pytest.fixture
def targets_dir(tmp_path):
    (tmp_path / "small.toml").write_text(SMALL)
    (tmp_path / "targets.toml").write_text(TARGETS)
    return tmp_path


def test_the_shipped_targets_file_loads_with_sources_and_bands():
    t = load_targets(ROOT / "scenarios" / "targets" / "sichuan.toml")
    assert {s.name for s in t.scenarios} == {"baseline-2017", "sichuan-2020"}
    for target in t.targets:
        assert target.source and target.note and target.geography and target.reliability
        assert target.low < target.high and target.sd > 0
        if target.upper_bound:   # official self-reports: the figure is the band's top
            assert target.value == target.high and target.centre < target.value


@pytest.mark.parametrize("edit, key", [
    (lambda s: s.replace('outcome = "resolution_rate"', 'outcome = "resolution_rat"'), "resolution_rat"),
    (lambda s: s.replace("interval = [0.5, 0.99]", "interval = [0.99, 0.5]"), "res.interval"),
    (lambda s: s.replace('scenario = "small.toml"', 'scenario = "nowhere.toml"', 1), "res.scenario"),
    (lambda s: s.replace("years = [2018, 2019]", "years = [2019, 2020]"), "growth.years"),
    (lambda s: s.replace('id = "growth"', 'id = "res"'), "target[1].id"),
    (lambda s: s.replace('source = "test"', 'sorce = "test"', 1), "sorce"),
    (lambda s: s.replace('statistic = "growth"', 'statistic = "trend"'), "growth.statistic"),
])
def test_bad_targets_are_one_line_errors_naming_the_key(targets_dir, edit, key):
    f = targets_dir / "targets.toml"
    f.write_text(edit(TARGETS))
    with pytest.raises(InputError) as e:
        load_targets(f)
    assert key in str(e.value) and "\n" not in str(e.value) and str(f) in str(e.value)


def test_growth_reads_year_ends_of_a_cumulative_count():
    t = Target("g", "cases_created", "s", -1, 1, 0, 0.5, statistic="growth", years=(2019, 2020))
    runs = pd.DataFrame({"run_id": [0, 1]})
    ts = pd.DataFrame({"run_id": [0, 0, 0, 1, 1, 1], "week": [52, 104, 156] * 2,
                       "cases_created": [100, 200, 320, 50, 50, 80]})
    g = simulated(t, runs, ts)
    assert g.loc[0] == pytest.approx(120 / 100 - 1)     # 2020's 120 against 2019's 100
    assert np.isnan(g.loc[1])                            # nothing arose in 2019: undefined
    assert year_end(2018) == 52 and year_end(2017) == 0


def test_validate_writes_the_table_figure_and_report_section(govsim, targets_dir):
    status, out, err = govsim("validate", str(targets_dir / "targets.toml"), "--replicates", "3",
                              "--out", "v", "--backend", "serial")
    assert status == 0, err
    table = pd.read_csv(targets_dir / "v" / "validation" / "validation.csv")
    assert list(table["target"]) == ["res", "growth"]
    runs = pd.read_parquet(targets_dir / "v" / "runs.parquet")
    assert table.loc[0, "sim_mean"] == pytest.approx(runs["resolution_rate"].mean())
    assert table.loc[0, "met"] == (0.5 <= runs["resolution_rate"].mean() <= 0.99)
    assert table.loc[0, "runs"] == 3
    for f in ("targets.png", "targets.svg", "statistics.csv", "targets.csv", "validation.json"):
        assert (targets_dir / "v" / "validation" / f).is_file()
    assert "target rows met" in out
    status, _, err = govsim("report", "v")
    assert status == 0, err
    assert "Validation against targets" in (targets_dir / "v" / "report.html").read_text()


def test_validate_exits_0_when_targets_are_missed(govsim, targets_dir):
    (targets_dir / "targets.toml").write_text(TARGETS.replace("interval = [0.5, 0.99]", "interval = [0.0, 0.01]"))
    status, out, _ = govsim("validate", str(targets_dir / "targets.toml"), "--replicates", "2", "--out", "v",
                            "--backend", "serial")
    assert status == 0 and "NO" in out


@pytest.mark.parametrize("args, key", [
    (["nowhere.toml"], "no such targets file"),
    (["targets.toml", "--replicates", "0"], "--replicates"),
    (["targets.toml", "--scheduler", "tcp://x:1"], "--scheduler"),
    (["targets.toml", "--resume", "--overwrite"], "--overwrite"),
])
def test_validate_bad_input_is_one_line_exit_2_nothing_written(govsim, targets_dir, args, key):
    status, out, err = govsim("validate", *args, "--out", "v", cwd=targets_dir)
    assert status == 2 and key in err and len(err.strip().splitlines()) == 1
    assert not (targets_dir / "v").exists()
