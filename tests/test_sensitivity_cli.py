"""`govsim sensitivity` end to end on a small community: outputs, process backend,
resume without duplicate runs, --converge on a tiny budget, undefined outcomes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.sensitivity.file import read, to_lever
from analysis.sensitivity.run import Converge, build_plan, design, plan_levels, sub_plan
from sim.engine.execute import execute
from sim.levers import LEVER_BY_NAME
from sim.engine.provenance import provenance
from sim.engine.store import RUNS, Store

SMALL = """
method = "sobol"
weeks = 20
n = 4
replicates = 2
seed = 7
outcomes = ["resolution_rate", "satisfaction"]
levers = ["admin_burden_share", "households_per_grid", "joint_meeting"]
[bounds]
households_per_grid = [60, 300]
"""
BASE = """
name = "small"
extends = "{root}/scenarios/sichuan-2020.toml"
[levers]
households = 300
"""


@pytest.fixture
def analysis_file(tmp_path):
    root = Path(__file__).resolve().parent.parent
    (tmp_path / "small.toml").write_text(BASE.format(root=root))

    def make(text: str = SMALL, name: str = "a.toml") -> Path:
        f = tmp_path / name
        f.write_text('scenario = "small.toml"\n' + text)
        return f
    return make


def raw_runs(out: Path) -> pd.DataFrame:
    """Every row of every part, duplicates included."""
    return pd.read_parquet(out / RUNS)


def test_sobol_end_to_end_through_process_backend(govsim, analysis_file, tmp_path):
    f = analysis_file()
    status, out, err = govsim("sensitivity", str(f), "--out", "o", "--backend", "process", "--workers", "2")
    assert status == 0, err
    o = tmp_path / "o"
    runs = raw_runs(o)
    assert len(runs) == 4 * (2 * 3 + 2) * 2 and runs["run_id"].is_unique
    assert (runs["households"] == 300).all() and runs["joint_meeting"].isin([True, False]).all()
    assert runs["households_per_grid"].between(60, 300).all()
    assert (runs["households_per_grid"] == runs["households_per_grid"].round()).all()
    for outcome in ("resolution_rate", "satisfaction"):
        table = pd.read_parquet(o / f"indices-{outcome}.parquet")
        assert set(table["index"]) == {"S1", "ST", "S2"}
        assert list(table.columns[:3]) == ["parameter", "output", "index"]
        assert {"ci_low", "ci_high", "includes_zero"} <= set(table.columns)
        assert (o / f"indices-{outcome}.csv").is_file()
        for fig in ("bars", "s2"):
            assert (o / "figures" / f"{fig}-{outcome}.png").is_file()
            assert (o / "figures" / f"{fig}-{outcome}.svg").is_file()
    noise = pd.read_csv(o / "noise.csv")
    # a ratio of variances: finite and non-negative; it exceeds 1 where the levers barely
    # move an outcome in 20 weeks (satisfaction, from the common 2017 state of the burn-in)
    assert (noise["noise_share"] >= 0).all() and np.isfinite(noise["noise_share"]).all()
    assert "run-to-run noise" in out and "S1" in out


def test_resume_runs_only_missing_runs_and_gives_the_same_indices(govsim, analysis_file, tmp_path):
    f = analysis_file()
    # a first session that stopped after 10 of its 32 points
    a = read(f)
    levels = plan_levels(a, None)
    X = design(a, levels)
    plan = build_plan(a, X, levels)
    store = Store.open(tmp_path / "r", plan, provenance(["test"]))
    execute(sub_plan(plan, levels[0].rows[:10]), store, backend="serial")
    assert len(raw_runs(tmp_path / "r")) == 20

    status, _, err = govsim("sensitivity", str(f), "--out", "r", "--resume", "--backend", "serial")
    assert status == 0, err
    runs = raw_runs(tmp_path / "r")
    assert len(runs) == 64 and runs["run_id"].is_unique

    status, _, err = govsim("sensitivity", str(f), "--out", "fresh", "--backend", "serial")
    assert status == 0, err
    for outcome in ("resolution_rate", "satisfaction"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "r" / f"indices-{outcome}.parquet"),
                                      pd.read_parquet(tmp_path / "fresh" / f"indices-{outcome}.parquet"))

    # resuming with a different analysis is refused, and nothing is run
    f.write_text(f.read_text().replace("seed = 7", "seed = 8"))
    status, _, err = govsim("sensitivity", str(f), "--out", "r", "--resume", "--backend", "serial")
    assert status == 2 and "different experiment" in err
    assert len(raw_runs(tmp_path / "r")) == 64


def test_converge_doubles_n_reusing_runs_within_budget(govsim, analysis_file, tmp_path):
    f = analysis_file(SMALL.replace("n = 4", "n = 2").replace("replicates = 2", "replicates = 1"))
    # points(N) = 8N: N=2 needs 16 runs, N=4 32, N=8 64 > 40
    status, out, err = govsim("sensitivity", str(f), "--out", "c", "--backend", "serial", "--converge",
                              "--tolerance", "0.001", "--max-runs", "40")
    assert status == 0, err
    o = tmp_path / "c"
    conv = pd.read_csv(o / "convergence.csv")
    assert sorted(conv["n"].unique()) == [2, 4]
    assert len(raw_runs(o)) == 32  # the rows of N=2 were reused by N=4
    assert "not converged (budget reached)" in out
    assert (o / "figures" / "convergence-satisfaction.png").is_file()

    status, out, err = govsim("sensitivity", str(f), "--out", "c2", "--backend", "serial", "--converge",
                              "--tolerance", "1e9", "--max-runs", "40")  # any interval is narrower
    assert status == 0 and "convergence: converged" in out
    assert len(raw_runs(tmp_path / "c2")) == 16


def test_levels_of_a_design_that_is_not_nested(analysis_file):
    f = analysis_file(SMALL.replace('"sobol"', '"fast"').replace("n = 4", "n = 65")
                      .replace('"joint_meeting"', '"deliberation_per_year"'))
    a = read(f)
    levels = plan_levels(a, Converge(max_runs=3 * 65 * 2 + 3 * 130 * 2))
    assert [lv.n for lv in levels] == [65, 130]
    assert levels[1].rows[0] == 3 * 65 and levels[1].runs_total == (3 * 65 + 3 * 130) * 2
    X = design(a, levels)
    assert len(X) == 3 * 65 + 3 * 130


def test_undefined_outcome_is_explained(govsim, analysis_file, tmp_path):
    text = SMALL.replace('outcomes = ["resolution_rate", "satisfaction"]',
                         'outcomes = ["satisfaction_elderly", "satisfaction"]').replace("n = 4", "n = 2")
    f = analysis_file(text)
    f.write_text(f.read_text().replace('scenario = "small.toml"', 'scenario = "noelderly.toml"'))
    (tmp_path / "noelderly.toml").write_text('extends = "small.toml"\n[levers]\nelderly_share = 0.0\n')
    status, out, err = govsim("sensitivity", str(f), "--out", "u", "--backend", "serial")
    assert status == 1
    assert "satisfaction_elderly: undefined (NaN)" in err
    assert (tmp_path / "u" / "indices-satisfaction.csv").is_file()
    assert not (tmp_path / "u" / "indices-satisfaction_elderly.csv").exists()


def test_int_and_bool_levers_map_to_equally_likely_values():
    u = np.linspace(-0.5, 52.5, 53_001)[:-1]
    ints = np.array([to_lever(LEVER_BY_NAME["deliberation_per_year"], x, (0, 52)) for x in u])
    counts = np.bincount(ints)
    assert len(counts) == 53 and counts.min() >= 999 and counts.max() <= 1001
    switch = LEVER_BY_NAME["joint_meeting"]
    assert [to_lever(switch, x, (0, 1)) for x in (0.0, 0.49, 0.5, 1.0)] == [False, False, True, True]


def test_a_name_finds_scenarios_sensitivity_and_dry_run_writes_nothing(govsim, analysis_file, tmp_path):
    (tmp_path / "scenarios" / "sensitivity").mkdir(parents=True)
    analysis_file(name="scenarios/sensitivity/mine.toml")
    (tmp_path / "scenarios" / "sensitivity" / "small.toml").write_text((tmp_path / "small.toml").read_text())
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    status, out, err = govsim("sensitivity", "mine", "--dry-run", "--backend", "serial")
    assert status == 0, err
    assert "analysis mine (sobol, 3 levers, 2 outcome(s)): 32 points × 2 replicates = 64 runs" in out
    assert "estimated wall time on --backend serial with 1 worker(s)" in out and "after a warm-up run" in out
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before   # nothing written
    status, _, err = govsim("sensitivity", "policy-screenin", "--dry-run")
    assert status == 2 and "nor a name in scenarios/sensitivity/:" in err and "policy-screening" in err
