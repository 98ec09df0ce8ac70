"""The calibration's machinery: the engine sampler's determinism and resume on a toy model,
calibration files, the variance split of effects over a posterior, and the CLI's bad input."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyabc")

import pyabc  # noqa: E402

from analysis.calibrate.sampler import EngineSampler  # noqa: E402
from analysis.uncertainty import decompose  # noqa: E402
from tests.conftest import SCENARIOS  # noqa: E402


def toy_runner(calls):
    """y = x + noise, the noise seeded by (generation, proposal index) as the engine's runs are."""
    def run_batch(t, start, proposals):
        calls.append((t, start, len(proposals)))
        return [{"y": p["x"] + 0.05 * np.random.default_rng([t + 1, start + j]).normal()}
                for j, p in enumerate(proposals)]
    return run_batch


def toy_abc(db, min_batch, generations, resume=False):
    calls = []
    sampler = EngineSampler(toy_runner(calls), seed=3, min_batch=min_batch)
    abc = pyabc.ABCSMC(lambda p: None, pyabc.Distribution(x=pyabc.RV("uniform", 0, 1)),
                       pyabc.PNormDistance(p=2, fixed_weights={"y": 20.0}), population_size=30,
                       eps=pyabc.MedianEpsilon(), sampler=sampler)
    if resume:
        abc.load(f"sqlite:///{db}", 1)
    else:
        abc.new(f"sqlite:///{db}", {"y": 0.3})
    h = abc.run(max_nr_populations=generations)
    df, w = h.get_distribution(m=0, t=h.max_t)
    return df["x"].to_numpy(), np.asarray(w), calls


def test_the_posterior_does_not_depend_on_batch_sizes(tmp_path):
    x1, w1, calls1 = toy_abc(tmp_path / "a.db", min_batch=4, generations=3)
    x2, w2, calls2 = toy_abc(tmp_path / "b.db", min_batch=500, generations=3)
    assert len(calls1) > len(calls2)                 # different batching...
    np.testing.assert_array_equal(x1, x2)            # ...same particles
    np.testing.assert_array_equal(w1, w2)
    assert abs(np.average(x1, weights=w1) - 0.3) < 0.1


def test_a_resumed_calibration_ends_where_an_uninterrupted_one_does(tmp_path):
    x_full, w_full, _ = toy_abc(tmp_path / "full.db", 8, generations=3)
    toy_abc(tmp_path / "cut.db", 8, generations=2)                   # "killed" after 2 generations
    x_res, w_res, calls = toy_abc(tmp_path / "cut.db", 8, generations=1, resume=True)
    assert {t for t, _, _ in calls} == {2}                            # only the missing generation ran
    np.testing.assert_array_equal(x_full, x_res)
    np.testing.assert_array_equal(w_full, w_res)


def test_variance_split_recovers_known_components():
    rng = np.random.default_rng(0)
    k, r = 400, 6
    par = rng.normal(0, 2.0, size=(k, 1))          # parameter variance 4
    seed = rng.normal(0, 1.0, size=(1, r))         # seed main effect variance 1
    inter = rng.normal(0, 1.0, size=(k, r))        # interaction (noise) variance 1
    d = decompose(1.5 + par + seed + inter)
    assert d["var_parameters"] == pytest.approx(4.0, rel=0.2)
    assert d["var_noise"] == pytest.approx(2.0, rel=0.5)   # only 6 seeds estimate the seed effect
    assert d["low_draws"] < 1.5 < d["high_draws"]
    assert decompose(np.ones((5, 1)))["share_parameters"] != decompose(np.ones((5, 1)))["share_parameters"]  # NaN


CAL = """
targets = "targets.toml"
population = 10
generations = 1
ppc_draws = 2
ppc_replicates = 1
[parameters]
report_prob_week = { prior = "loguniform", low = 0.01, high = 0.3 }
case_outcome_impact = {}
"""


@pytest.fixture
def problem(tmp_path):
    (tmp_path / "small.toml").write_text(textwrap.dedent(f"""
        extends = "{SCENARIOS / 'sichuan-2020.toml'}"
        [levers]
        households = 150
        households_per_grid = 75
        """))
    (tmp_path / "targets.toml").write_text(textwrap.dedent("""
        weeks = 26
        [[target]]
        id = "sat"
        outcome = "satisfaction"
        scenario = "small.toml"
        interval = [0.6, 0.8]
        source = "test"
        """))
    (tmp_path / "cal.toml").write_text(CAL)
    return tmp_path


@pytest.mark.parametrize("edit, key", [
    (lambda s: s.replace("case_outcome_impact = {}", "case_outcome_impat = {}"), "case_outcome_impat"),
    (lambda s: s.replace("case_outcome_impact = {}", "settlement = {}"), "parameters.settlement"),
    (lambda s: s.replace('low = 0.01', 'low = 0.0'), "parameters.report_prob_week.low"),
    (lambda s: s.replace("case_outcome_impact = {}", 'case_outcome_impact = { prior = "normal", mean = 0.5 }'),
     "parameters.case_outcome_impact.sd"),
    (lambda s: s.replace("population = 10", "population = 1"), "population"),
    (lambda s: s.replace('targets = "targets.toml"', 'targets = "none.toml"'), "targets"),
    (lambda s: s.replace("case_outcome_impact = {}", 'case_outcome_impact = { prior = "beta" }'),
     "parameters.case_outcome_impact.prior"),
])
def test_bad_calibration_files_are_one_line_exit_2_nothing_written(govsim, problem, edit, key):
    (problem / "cal.toml").write_text(edit(CAL))
    status, _, err = govsim("calibrate", "cal.toml", "--out", "c", cwd=problem)
    assert status == 2 and key in err and len(err.strip().splitlines()) == 1, err
    assert not (problem / "c").exists()


def test_calibrate_refuses_to_reuse_a_directory_silently(govsim, problem):
    (problem / "c").mkdir()
    (problem / "c" / "x").write_text("")
    status, _, err = govsim("calibrate", "cal.toml", "--out", "c", cwd=problem)
    assert status == 2 and "--resume" in err
    status, _, err = govsim("calibrate", "cal.toml", "--out", "c", "--resume", cwd=problem)
    assert status == 2 and "nothing to resume" in err


@pytest.mark.slow
def test_a_killed_calibration_resumes_and_a_posterior_drives_paired_runs(govsim, problem):
    status, _, err = govsim("calibrate", "cal.toml", "--out", "c", "--backend", "serial", cwd=problem)
    assert status == 0, err
    (problem / "cal.toml").write_text(CAL.replace("generations = 1", "generations = 2"))
    status, out, err = govsim("calibrate", "cal.toml", "--out", "c", "--backend", "serial", "--resume", cwd=problem)
    assert status == 0, err
    gens = pd.read_csv(problem / "c" / "generations.csv")
    assert list(gens["generation"]) == [-1, 0, 1]
    # a changed calibration is not resumed
    (problem / "cal.toml").write_text(CAL.replace("population = 10", "population = 12"))
    status, _, err = govsim("calibrate", "cal.toml", "--out", "c", "--resume", cwd=problem)
    assert status == 2 and "population" in err
    # the posterior drives a paired run: draw k, replicate r share parameters and seed across scenarios
    (problem / "base.toml").write_text((problem / "small.toml").read_text() + "admin_burden_share = 0.7\n")
    status, out, err = govsim("run", "small.toml", "base.toml", "--posterior", "c", "--draws", "3",
                              "--replicates", "2", "--steps", "13", "--out", "p", "--backend", "serial",
                              cwd=problem)
    assert status == 0, err
    runs = pd.read_parquet(problem / "p" / "runs.parquet")
    assert len(runs) == 2 * 3 * 2
    post = pd.read_parquet(problem / "c" / "posterior.parquet")
    for (_, draw), g in runs.assign(draw=runs["point_id"] % 3).groupby(["replicate", "draw"]):
        assert g["seed"].nunique() == 1 and g["report_prob_week"].nunique() == 1
        assert g["report_prob_week"].iloc[0] in set(post["report_prob_week"])
    status, out, err = govsim("compare", "p", cwd=problem)
    assert status == 0, err
    table = pd.read_csv(problem / "p" / "compare" / "effects-uncertainty.csv")
    assert set(table["draws"]) == {3} and set(table["replicates"]) == {2}
    status, _, err = govsim("run", "small.toml", "--posterior", "nowhere", cwd=problem)
    assert status == 2 and "--posterior" in err
