"""The observables that are compared with published statistics count what their
definitions say (docs/ODD.md §8): windows, denominators and rates per 1,000
households are checked against the case book's own counts."""

from __future__ import annotations

import math

import pytest

from sim.calendar import WEEKS_PER_YEAR
from sim.cases import CaseType, Ending, Outcome
from sim.model import GovernanceModel
from sim.outcomes import measure

HOUSEHOLDS = 1000


@pytest.fixture(scope="module")
def weekly():
    """A small community stepped for three years, its outcomes and counts every week."""
    m = GovernanceModel({"households": HOUSEHOLDS}, seed=7)
    rows = []
    for _ in range(3 * WEEKS_PER_YEAR):
        m.step()
        rows.append((measure(m), m.cases.counts.copy(), m.cases.known_by_type.copy(),
                     list(m.cases.mediation_endings)))
    return rows


def per_1000(count: float) -> float:
    return count * 1000 / HOUSEHOLDS


def test_yearly_counts_are_the_last_52_weeks(weekly):
    year1, year2 = weekly[WEEKS_PER_YEAR - 1], weekly[2 * WEEKS_PER_YEAR - 1]
    for ctype, name in ((CaseType.NEIGHBOUR, "neighbour_disputes"), (CaseType.PROPERTY, "property_disputes")):
        arisen1 = year1[1][ctype, Outcome.CREATED]
        arisen2 = year2[1][ctype, Outcome.CREATED] - arisen1
        assert year1[0][f"{name}_arising_per_1000"] == pytest.approx(per_1000(arisen1))
        assert year2[0][f"{name}_arising_per_1000"] == pytest.approx(per_1000(arisen2))
        assert year2[0][f"{name}_reported_per_1000"] == pytest.approx(per_1000(year2[2][ctype] - year1[2][ctype]))


def test_year_on_year_ratio_needs_two_years(weekly):
    assert math.isnan(weekly[2 * WEEKS_PER_YEAR - 2][0]["property_disputes_reported_yoy"])
    last, year2, year1 = weekly[-1], weekly[2 * WEEKS_PER_YEAR - 1], weekly[WEEKS_PER_YEAR - 1]
    reported = [w[2][CaseType.PROPERTY] for w in (year1, year2, last)]
    expected = (reported[2] - reported[1]) / (reported[1] - reported[0])
    assert last[0]["property_disputes_reported_yoy"] == pytest.approx(expected)


def test_petitions_are_escalations_per_1000_households_a_year(weekly):
    outcomes, counts = weekly[-1][0], weekly[-1][1]
    years = len(weekly) / WEEKS_PER_YEAR
    assert outcomes["petitions_per_1000_households"] == pytest.approx(
        per_1000(counts[:, Outcome.ESCALATED].sum()) / years)


def test_mediation_success_counts_agreements_whether_or_not_they_hold(weekly):
    outcomes, ended = weekly[-1][0], weekly[-1][3]
    agreements = ended[Ending.GENUINE] + ended[Ending.LAPSED] + ended[Ending.PAPER]
    assert sum(ended) > 0
    assert outcomes["mediation_success_rate"] == pytest.approx(agreements / sum(ended))
    assert outcomes["mediation_genuine_rate"] == pytest.approx(ended[Ending.GENUINE] / agreements)
    assert outcomes["mediation_genuine_rate"] <= 1.0


def test_discovery_channels_add_up_and_handling_is_bounded_by_resolution(weekly):
    o = weekly[-1][0]
    assert o["patrol_discovery_share"] + o["volunteer_discovery_share"] + o["outreach_discovery_share"] == \
        pytest.approx(o["discovery_share"])
    # handled cases were known and resolved by the community: no more than all resolved cases
    assert 0 < o["handled_rate"] * sum(weekly[-1][2]) <= o["cases_resolved"]
