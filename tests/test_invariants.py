"""Invariants over many seeds and random lever values inside the bounds: every case
accounted for at every step, every share in [0, 1], no NaN where a value is
defined, no exception."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import ndtr

from sim.calendar import WEEKS_PER_YEAR
from sim.cases import N_TYPES, CaseType, Ending
from sim.levers import LEVERS
from sim.model import GovernanceModel
from sim.outcomes import OUTCOMES, measure

# keep communities small and runs short: the invariants do not depend on size
CAPS = {"households": 600, "compound_size": 600, "households_per_grid": 600, "burn_in_weeks": 30}


def lever_values():
    fields = {}
    for l in LEVERS:
        if l.type == "bool":
            fields[l.name] = st.booleans()
        elif l.type == "choice":
            fields[l.name] = st.sampled_from(l.choices)
        elif l.type == "int":
            fields[l.name] = st.integers(int(l.low), int(min(l.high, CAPS.get(l.name, l.high))))
        else:
            fields[l.name] = st.floats(l.low, l.high, allow_nan=False)
    return st.fixed_dictionaries(fields)


def undefined(m: GovernanceModel, name: str) -> bool:
    """Outcomes that are NaN by definition: an empty group, an empty denominator."""
    c = m.cases.counts
    return {
        "satisfaction_elderly": not m.households.elderly.any(),
        "satisfaction_migrant": not m.households.migrant.any(),
        "satisfaction_renter": m.households.owner.all(),
        "fee_collection_rate": not (m.compounds.firm >= 0).any(),
        "resolution_rate": c[:, 1:].sum() == 0,
        "escalation_rate": c[:, 1:].sum() == 0,
        "unmet_need_rate": c[3:, 1:].sum() == 0,
        "dispute_resolution_rate": c[:3, 1:].sum() == 0,
        "property_escalation_rate": c[1, 1:].sum() == 0,
        "neighbour_escalation_rate": c[0, 1:].sum() == 0,
        "legal_dispute_resolution_rate": m.cases.legal_disputes_closed.sum() == 0,
        "mean_weeks_to_resolution": c[:, 1].sum() == 0,
        "recurrence_rate": c[:, 1].sum() == 0,
        "discovery_share": m.cases.known_by.sum() == 0,
        "mean_weeks_to_known": m.cases.known_by.sum() == 0,
        "patrol_discovery_share": m.cases.known_by.sum() == 0,
        "volunteer_discovery_share": m.cases.known_by.sum() == 0,
        "outreach_discovery_share": m.cases.known_by.sum() == 0,
        "handled_rate": m.cases.known_by.sum() == 0,
        "paper_closure_share": c[:, 1].sum() == 0,
        "passed_up_share": c[:, 1:].sum() == 0,
        "mediation_success_rate": sum(m.cases.mediation_endings) == 0,
        "mediation_genuine_rate": mediation_agreements(m) == 0,
        "property_disputes_arising_yoy": len(m.cases.history) <= 2 * WEEKS_PER_YEAR or year_before(m, 0) == 0,
        "property_disputes_reported_yoy": len(m.cases.history) <= 2 * WEEKS_PER_YEAR or year_before(m, N_TYPES) == 0,
    }.get(name, False)


def mediation_agreements(m: GovernanceModel) -> int:
    e = m.cases.mediation_endings
    return e[Ending.GENUINE] + e[Ending.PAPER] + e[Ending.LAPSED]


def year_before(m: GovernanceModel, offset: int) -> int:
    h, i = m.cases.history, offset + CaseType.PROPERTY
    return h[-1 - WEEKS_PER_YEAR][i] - h[-1 - 2 * WEEKS_PER_YEAR][i]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(levers=lever_values(), seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_for_any_levers(levers, seed):
    m = GovernanceModel(levers, seed=seed)
    for _ in range(30):
        m.step()  # checks case conservation itself, every week
        for name, x in (("satisfaction", m.views.satisfaction), ("trust", m.views.trust),
                        ("propensity", m.households.propensity)):
            assert np.isfinite(x).all() and (x >= 0).all() and (x <= 1).all(), name
        # the satisfaction the model keeps summed by group (for the outcomes) is the sum
        fresh = np.bincount(m.households.group_code, weights=m.views.satisfaction, minlength=8)
        np.testing.assert_allclose(m.views.satisfaction_by_group, fresh, rtol=1e-12, atol=1e-9)
        # and so is the chance of answering "satisfied" (share_satisfied)
        chance = ndtr((m.views.satisfaction - m.households.survey_threshold) / m.levers.survey_noise_sd)
        assert abs(m.views.satisfied_total - chance.sum()) < 1e-6
        values = measure(m)
        assert list(values) == [spec.name for spec in OUTCOMES]
        for spec in OUTCOMES:
            v = values[spec.name]
            if undefined(m, spec.name):
                assert math.isnan(v), f"{spec.name} should be undefined (NaN), got {v}"
                continue
            assert math.isfinite(v), f"{spec.name} is {v}"
            if spec.kind == "share":
                assert 0.0 <= v <= 1.0, f"{spec.name} = {v}"
            else:
                assert v >= 0.0, f"{spec.name} = {v}"
    c = m.cases.counts
    assert c[:, 0].sum() == c[:, 1:].sum() + m.cases.open_now


def test_conservation_check_catches_a_lost_case():
    m = GovernanceModel({"households": 300}, seed=1)
    for _ in range(10):
        m.step()
    assert len(m.cases) > 0
    m.cases.counts[0, 0] += 1  # a case created but nowhere to be found
    try:
        m.cases.check_conservation()
    except AssertionError as e:
        assert "conservation" in str(e)
    else:
        raise AssertionError("a lost case went unnoticed")
