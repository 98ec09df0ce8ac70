"""The policy's mechanisms, each shown by the model with everything else held fixed.

Each test runs two arms that differ in one lever, paired by seed (replicate r of
both arms uses the same seed: same households, same luck), and asserts that the 99%
confidence interval of the mean paired difference (t distribution, n - 1 degrees of
freedom) lies entirely on the side the mechanism predicts. Seeds are fixed, so the
tests are deterministic; the interval, not a tuned threshold, is the tolerance.
The effects come from the model's mechanisms (time, coverage, authority, advice,
attendance), not from any bonus attached to a scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from scipy import stats

from sim.engine.plan import run_seed
from sim.run import run
from sim.scenario import load

from conftest import SCENARIOS

SMALL = {"households": 1000}


def paired_difference(a: Mapping[str, Any], b: Mapping[str, Any], outcome: str, *, n: int,
                      weeks: int, base: Mapping[str, Any] = SMALL, master: int = 2018) -> tuple[float, float]:
    """Mean of outcome(b) - outcome(a) over n seed-paired replicates, and the half-width
    of its 99% confidence interval."""
    d = []
    for r in range(n):
        seed = run_seed(master, 0, r, common=True)
        xa = run({**base, **a}, seed=seed, weeks=weeks, timeseries_every=0).outcomes[outcome]
        xb = run({**base, **b}, seed=seed, weeks=weeks, timeseries_every=0).outcomes[outcome]
        d.append(xb - xa)
    d = np.asarray(d)
    assert np.isfinite(d).all(), f"{outcome} undefined in some runs"
    return float(d.mean()), float(stats.t.ppf(0.995, n - 1) * d.std(ddof=1) / np.sqrt(n))


def assert_increases(mean: float, half: float) -> None:
    assert mean - half > 0, f"difference {mean:+.4f} ± {half:.4f} (99% CI) does not exclude zero from above"


def assert_decreases(mean: float, half: float) -> None:
    assert mean + half < 0, f"difference {mean:+.4f} ± {half:.4f} (99% CI) does not exclude zero from below"


def test_smaller_grids_discover_cases_earlier():
    big, small = {"households_per_grid": 800}, {"households_per_grid": 200}
    assert_decreases(*paired_difference(big, small, "mean_weeks_to_known", n=10, weeks=104))
    assert_increases(*paired_difference(big, small, "discovery_share", n=10, weeks=104))


def test_lower_admin_burden_resolves_more():
    heavy, light = {"admin_burden_share": 0.7}, {"admin_burden_share": 0.2}
    assert_increases(*paired_difference(heavy, light, "resolution_rate", n=10, weeks=104))


def test_joint_meeting_lowers_escalation_of_property_disputes():
    off, on = {"joint_meeting": False}, {"joint_meeting": True}
    assert_decreases(*paired_difference(off, on, "property_escalation_rate", n=12, weeks=156,
                                        base={"households": 3000}))


def test_legal_advisor_helps_disputes_that_need_legal_knowledge():
    none, advisor = {"legal_advisor_hours_per_week": 0.0}, {"legal_advisor_hours_per_week": 8.0}
    assert_increases(*paired_difference(none, advisor, "legal_dispute_resolution_rate", n=12, weeks=156,
                                        base={"households": 3000}))


@pytest.mark.parametrize("outcome", ["participation", "trust"])
def test_deliberation_raises_participation_and_trust(outcome):
    none, monthly = {"deliberation_per_year": 0}, {"deliberation_per_year": 12}
    assert_increases(*paired_difference(none, monthly, outcome, n=10, weeks=104))


@pytest.mark.parametrize("outcome", ["resolution_rate", "satisfaction"])
def test_sichuan_2020_beats_baseline_2017(outcome):
    baseline = load(SCENARIOS / "baseline-2017.toml").levers()
    target = load(SCENARIOS / "sichuan-2020.toml").levers()
    assert_increases(*paired_difference(baseline, target, outcome, n=6, weeks=156, base={}))
