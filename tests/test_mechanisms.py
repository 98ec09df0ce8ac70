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


# ---- the case pipeline (issue 9 §2) ----------------------------------------------------
# At the urban defaults (the 2020 targets) with 3,000 households: cases and handlers at
# the scale where the social organisations, the mediation committee and the desk each
# hold a few to a few tens of cases.
URBAN = {"households": 3000}


def assert_not_decreasing(mean: float, half: float) -> None:
    assert mean + half >= 0, f"difference {mean:+.4f} ± {half:.4f} (99% CI) lies below zero"


def test_more_three_social_linkage_never_lowers_resolution():
    """Referral routes by the organisations' free capacity and fit (clause 六: linkage
    adds capacity), so no step up in linkage lowers resolution beyond the noise, and
    the whole range raises it."""
    levels = [0.0, 0.25, 0.5, 0.75, 1.0]
    for low, high in zip(levels, levels[1:]):
        assert_not_decreasing(*paired_difference({"three_social_linkage": low}, {"three_social_linkage": high},
                                                 "resolution_rate", n=8, weeks=156, base=URBAN))
    assert_increases(*paired_difference({"three_social_linkage": 0.0}, {"three_social_linkage": 1.0},
                                        "resolution_rate", n=8, weeks=156, base=URBAN))


def test_peoples_mediation_keeps_neighbour_disputes_from_escalating():
    """People's mediation first for neighbour disputes (clause 十一): going from no
    mediators to the policy's 3 per 1,000 households lowers their escalation."""
    none, policy = {"mediators_per_1000_households": 0.0}, {"mediators_per_1000_households": 3.0}
    assert_decreases(*paired_difference(none, policy, "neighbour_escalation_rate", n=10, weeks=156, base=URBAN))


@pytest.mark.parametrize("outcome", ["recurrence_rate", "mean_weeks_to_resolution"])
def test_training_makes_settlements_hold_and_come_sooner(outcome):
    """Skill sets how long a settlement takes and whether it holds: training every half
    year rather than every ten years means fewer grievances back, and sooner."""
    rare, often = {"training_interval_years": 10.0}, {"training_interval_years": 0.5}
    assert_decreases(*paired_difference(rare, often, outcome, n=10, weeks=156, base=URBAN))


def test_assessment_acts_through_staff_under_pressure():
    """The assessment weight changes the payoff of clearing a case off the books; it
    does not set paper closures itself: with satisfaction as the whole yardstick,
    overloaded staff still close some cases on paper, more pressure means more of them
    at the same weight, and more weight means fewer at the same pressure."""
    seeds = [run_seed(2018, 0, r, common=True) for r in range(6)]
    full_weight = [run({**URBAN, "satisfaction_weight_in_assessment": 1.0, "admin_burden_share": 0.8}, seed=s,
                       timeseries_every=0).outcomes["paper_closure_share"] for s in seeds]
    assert sum(full_weight) > 0, f"no paper closures at full satisfaction weight: {full_weight}"
    lenient, strict = {"closure_deadline_weeks": 26}, {"closure_deadline_weeks": 2}
    assert_increases(*paired_difference(lenient, strict, "paper_closure_share", n=8, weeks=156, base=URBAN))
    upward, satisfaction = {"satisfaction_weight_in_assessment": 0.0}, {"satisfaction_weight_in_assessment": 1.0}
    assert_decreases(*paired_difference(upward, satisfaction, "paper_closure_share", n=8, weeks=156, base=URBAN))
