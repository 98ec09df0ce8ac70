"""The agents a scenario implies exist, in the numbers it implies."""

from __future__ import annotations

import math

import pytest

from sim.agents import GridWorker, PartyOrganisation, PropertyFirm, Resident, SocialOrganisation
from sim.compounds import SELF_GOVERNED
from sim.model import GovernanceModel


@pytest.mark.parametrize("households,per_grid", [(3000, 300), (1000, 333), (777, 200), (150, 1000)])
def test_one_grid_worker_per_grid(households, per_grid):
    m = GovernanceModel({"households": households, "households_per_grid": per_grid}, seed=0)
    workers = m.agents_by_type[GridWorker]
    assert len(workers) == math.ceil(households / per_grid)
    assert sum(w.households for w in workers) == households


def test_one_resident_per_household_and_one_party_organisation():
    m = GovernanceModel({"households": 1234}, seed=0)
    assert len(m.agents_by_type[Resident]) == 1234
    assert len(m.agents_by_type[PartyOrganisation]) == 1


def test_no_property_firms_without_coverage():
    m = GovernanceModel({"property_firm_coverage": 0.0}, seed=0)
    assert PropertyFirm not in m.agents_by_type or len(m.agents_by_type[PropertyFirm]) == 0
    assert (m.compounds.firm < 0).all()


def test_firms_serve_the_covered_share_of_compounds_and_committees_sit_in_some():
    m = GovernanceModel({"households": 5000, "compound_size": 100, "property_firm_coverage": 0.6,
                         "owners_committee_share": 0.5}, seed=0)
    firms = m.agents_by_type[PropertyFirm]
    assert len(firms) == round(0.6 * 50)
    assert sum(f.owners_committee for f in firms) == round(0.5 * len(firms))
    assert {f.compound for f in firms} == set(map(int, (m.compounds.firm >= 0).nonzero()[0]))


def test_rural_default_has_no_firms_and_governs_courtyards():
    m = GovernanceModel({"settlement": "rural"}, seed=0)
    assert len(m.firms) == 0
    assert (m.compounds.mode == SELF_GOVERNED).all()


def test_social_organisations_follow_the_density():
    m = GovernanceModel({"households": 3000, "social_orgs_per_1000_households": 2.0}, seed=0)
    assert len(m.agents_by_type[SocialOrganisation]) == 6
    none = GovernanceModel({"social_orgs_per_1000_households": 0.0}, seed=0)
    assert SocialOrganisation not in none.agents_by_type or len(none.agents_by_type[SocialOrganisation]) == 0


def test_a_resident_agent_reads_its_own_row():
    m = GovernanceModel({"households": 300}, seed=3)
    r = m.agents_by_type[Resident][17]
    assert r.satisfaction == m.views.satisfaction[17]
    assert r.compound == m.households.compound[17] and r.grid == m.households.grid[17]


def test_households_become_agents_when_looked_at_and_looking_changes_nothing():
    looked = GovernanceModel({"households": 500}, seed=3)
    plain = GovernanceModel({"households": 500}, seed=3)
    assert len(looked.agents_by_type[Resident]) == 500
    assert sum(isinstance(a, Resident) for a in looked.agents) == 500
    for _ in range(20):
        looked.step()
        plain.step()
    assert not plain.residents_added  # nothing looked: the run went without them
    assert (looked.views.satisfaction == plain.views.satisfaction).all()
    assert len(plain.agents_by_type[Resident]) == 500 and plain.agents_by_type[Resident][7].idx == 7
