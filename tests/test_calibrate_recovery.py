"""Proof that the calibration works: parameters that generated pseudo-observations are
recovered, the informed ones narrowly, and a parameter no target depends on stays at
its prior.

The pseudo-observations are the model's own: the mean of REFERENCE_RUNS runs at the
true parameters on a small community (200 households, 52 weeks), with each target's sd
the run-to-run standard deviation of those runs (a particle's statistic is one run, so
that is its noise). `joint_meeting_prob` is inert by construction: the scenario has no
joint meeting. A larger version: benchmarks/bench_recovery.py.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SCENARIOS

pytest.importorskip("pyabc")

TRUTH = {"report_prob_week": 0.15, "rate_neighbour_dispute": 0.06, "joint_meeting_prob": 0.4}
INFORMED = ("report_prob_week", "rate_neighbour_dispute")
OUTCOMES = ("discovery_share", "neighbour_disputes_arising_per_1000")
REFERENCE_RUNS = 12
WEEKS = 52


def write_problem(tmp_path, population=30, generations=4, extra=""):
    from sim.levers import resolve
    from sim.run import run
    from sim.scenario import load

    (tmp_path / "small.toml").write_text(textwrap.dedent(f"""
        name = "small"
        extends = "{SCENARIOS / 'sichuan-2020.toml'}"
        [levers]
        households = 200
        households_per_grid = 100
        joint_meeting = false
        """))
    levers = resolve({**load(tmp_path / "small.toml").overrides, **TRUTH})
    runs = pd.DataFrame([run(levers, seed=10_000 + k, weeks=WEEKS, timeseries_every=0).outcomes
                         for k in range(REFERENCE_RUNS)])
    blocks = []
    for o in OUTCOMES:
        mean, sd = float(runs[o].mean()), float(runs[o].std(ddof=1))
        blocks.append(f'[[target]]\nid = "{o}"\noutcome = "{o}"\nscenario = "small.toml"\nvalue = {mean}\n'
                      f"interval = [{mean - 1.96 * sd}, {mean + 1.96 * sd}]\nsd = {sd}\nsource = \"the model at known parameters\"\n")
    (tmp_path / "targets.toml").write_text(f"weeks = {WEEKS}\n" + "\n".join(blocks))
    (tmp_path / "cal.toml").write_text(textwrap.dedent(f"""
        targets = "targets.toml"
        population = {population}
        generations = {generations}
        replicates = 1
        seed = 7
        ppc_draws = 4
        ppc_replicates = 1
        {extra}
        [parameters]
        report_prob_week = {{ prior = "uniform", low = 0.01, high = 0.4 }}
        rate_neighbour_dispute = {{ prior = "uniform", low = 0.01, high = 0.15 }}
        joint_meeting_prob = {{}}
        """))
    return tmp_path / "cal.toml"


@pytest.fixture(scope="module")
def recovered(tmp_path_factory):
    from analysis.cli import main

    d = tmp_path_factory.mktemp("recovery")
    cal = write_problem(d)
    assert main(["calibrate", str(cal), "--out", str(d / "out"), "--backend", "serial"]) == 0
    return d / "out"


@pytest.mark.slow
def test_true_parameters_lie_in_the_90_percent_intervals(recovered):
    params = pd.read_csv(recovered / "parameters.csv").set_index("parameter")
    covered = [p for p, v in TRUTH.items() if params.loc[p, "posterior_q05"] <= v <= params.loc[p, "posterior_q95"]]
    assert len(covered) >= 2, params
    assert set(INFORMED) <= set(covered), params


@pytest.mark.slow
def test_informed_parameters_narrow_and_the_inert_one_stays_at_its_prior(recovered):
    params = pd.read_csv(recovered / "parameters.csv").set_index("parameter")
    for p in INFORMED:
        assert params.loc[p, "sd_ratio"] < 0.6, params
    # the inert parameter's posterior is its prior reweighted by noise only: a uniform's sd
    # estimated from 30 weighted particles stays within about ±30% of the prior's
    assert params.loc["joint_meeting_prob", "sd_ratio"] > 0.7, params
    post = pd.read_parquet(recovered / "posterior.parquet")
    assert abs(np.average(post["joint_meeting_prob"], weights=post["weight"]) - 0.5) < 0.15


@pytest.mark.slow
def test_outputs_are_complete(recovered):
    gens = pd.read_csv(recovered / "generations.csv")
    main = gens[gens["generation"] >= 0]
    assert list(main["generation"]) == [0, 1, 2, 3]
    assert (main["epsilon"].diff().dropna() < 0).all()          # the tolerance shrinks
    assert ((main["acceptance_rate"] > 0) & (main["acceptance_rate"] <= 1)).all()
    assert ((main["ess"] > 1) & (main["ess"] <= 30 + 1e-9)).all()
    post = pd.read_parquet(recovered / "posterior.parquet")
    assert len(post) == 30 and np.isclose(post["weight"].sum(), 1.0)
    for f in ("figures/marginals.png", "figures/pairs.svg", "ppc/validation/ppc.png", "report.html",
              "ppc/validation/validation.csv", "history.db"):
        assert (recovered / f).is_file(), f
