"""sim.snapshot reads a model without changing it, and its tables add up to the
model's own outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import snapshot
from sim.errors import InputError
from sim.model import GovernanceModel
from sim.outcomes import OUTCOME_NAMES
from sim.run import run
from sim.scenario import load

# firms run at a loss and leave after 3 months: 6 of 10 leave within a year at this seed
FIRMS_LEAVE = {"firm_fixed_cost": 0.7, "firm_exit_months": 3}


def outcome(watch: snapshot.Watch, name: str) -> float:
    return float(watch.rows[-1][OUTCOME_NAMES.index(name)])


def test_watching_a_run_leaves_it_unchanged():
    m = snapshot.WatchedModel(FIRMS_LEAVE, seed=5)
    for _ in range(52):
        m.step()
        m.watch.households(), m.watch.organisations(), snapshot.pipeline(m), snapshot.grid_load(m)
    record = run(FIRMS_LEAVE, seed=5, weeks=52)
    np.testing.assert_array_equal(record.timeseries, np.array(m.watch.rows[1:]))
    assert list(m.watch.outcomes().index) == list(range(53))


def test_household_table_adds_up_to_the_outcomes():
    m = snapshot.WatchedModel({"households": 900, "households_per_grid": 150}, seed=3)
    for _ in range(30):
        m.step()
    hh = m.watch.households()
    assert len(hh) == 900 and hh["household"].is_unique
    assert hh["open_cases"].sum() == outcome(m.watch, "cases_open")
    closed = sum(outcome(m.watch, f"cases_{e}") for e in ("resolved", "escalated", "abandoned"))
    assert hh["closed_cases"].sum() == closed
    assert hh["satisfaction"].mean() == pytest.approx(outcome(m.watch, "satisfaction"))
    assert hh["participated"].mean() == pytest.approx(outcome(m.watch, "participation"))
    assert sorted(hh["grid"].unique()) == list(range(6))
    # the table is a copy: changing it leaves the model alone
    hh["satisfaction"] = 0.0
    assert m.views.satisfaction.mean() > 0.1


def test_organisations_list_firms_that_left():
    m = snapshot.WatchedModel(FIRMS_LEAVE, seed=5)
    began = len(m.firms)
    for _ in range(52):
        m.step()
    orgs = m.watch.organisations()
    firms = orgs[orgs["kind"] == "property_firm"]
    assert len(firms) == began
    assert int(firms["left"].sum()) == began - outcome(m.watch, "firms_remaining") > 0
    assert firms.loc[firms["left"], "fee_collection"].isna().all()
    workers = orgs[orgs["kind"] == "grid_worker"]
    assert len(workers) == m.households.n_grids and workers["skill"].between(0, 1).all()
    # cases in hand per organisation add up to the pipeline's count for their kind
    p = snapshot.pipeline(m)["open"]
    assert workers["cases_in_hand"].sum() == p["grid worker"]
    assert orgs.loc[orgs["kind"] == "social_org", "cases_in_hand"].sum() == p["social organisation"]


def test_pipeline_counts_every_open_and_closed_case():
    m = snapshot.WatchedModel({}, seed=2)
    for _ in range(20):
        m.step()
    p = snapshot.pipeline(m)
    assert sum(p["open"].values()) == outcome(m.watch, "cases_open")
    assert p["closed"]["resolved"] == outcome(m.watch, "cases_resolved")
    assert p["closed"]["abandoned"] == outcome(m.watch, "cases_abandoned")


@pytest.mark.parametrize("scenario", ["sichuan-2020", "town", "rural"])
def test_map_layout_gives_each_household_its_own_cell_inside_its_grid_tile(scenario):
    m = GovernanceModel.from_scenario(scenario, seed=1)
    layout = snapshot.map_layout(m)
    cells = layout.rows * layout.shape[1] + layout.cols
    assert len(np.unique(cells)) == m.households.n
    for g, (r0, c0, h, w) in enumerate(layout.tiles):
        mine = m.households.grid == g
        assert layout.rows[mine].min() >= r0 and layout.rows[mine].max() < r0 + h
        assert layout.cols[mine].min() >= c0 and layout.cols[mine].max() < c0 + w
    image = layout.image(m.views.satisfaction)
    assert np.count_nonzero(~np.isnan(image)) == m.households.n


def test_map_values_per_quantity():
    m = GovernanceModel.from_scenario("sichuan-2020", seed=1)
    for q in snapshot.MAP_QUANTITIES:
        assert len(snapshot.household_values(m, q)) == m.households.n
    with pytest.raises(ValueError, match="allowed"):
        snapshot.household_values(m, "wealth")


@pytest.mark.parametrize("levers", [{}, {"warmup_weeks": 8}])
def test_agent_tables_rerun_the_recorded_run(levers):
    record = run(levers, seed=11, weeks=26)
    seen = list(snapshot.agent_tables(levers, 11, 26, [13, 26]))
    assert [w for w, *_ in seen] == [13, 26]
    np.testing.assert_array_equal(seen[-1][3], record.timeseries[-1])
    np.testing.assert_array_equal(seen[0][3], record.timeseries[12])
    with pytest.raises(ValueError, match=r"\[1, 26\]"):
        list(snapshot.agent_tables(levers, 11, 26, [27]))


def test_from_scenario_is_the_scenario_with_overrides():
    sc = load("sichuan-2020")
    a = GovernanceModel.from_scenario("sichuan-2020", seed=4, households_per_grid=200)
    b = GovernanceModel({**sc.overrides, "households_per_grid": 200}, seed=4)
    c = GovernanceModel.from_scenario(sc, seed=4, households_per_grid=200)
    d = GovernanceModel.from_scenario(sc.path, seed=4, households_per_grid=200)
    for m in (a, b, c, d):
        for _ in range(10):
            m.step()
    assert a.scenario_name == "sichuan-2020" and a.households.n_grids == 15
    for other in (b, c, d):
        np.testing.assert_array_equal(a.views.satisfaction, other.views.satisfaction)


def test_from_scenario_rejects_bad_input_by_name():
    with pytest.raises(InputError, match="households_per_grid"):
        GovernanceModel.from_scenario("sichuan-2020", seed=1, households_per_grd=200)
    with pytest.raises(InputError, match="out of bounds"):
        GovernanceModel.from_scenario("sichuan-2020", seed=1, admin_burden_share=1.5)
    with pytest.raises(InputError, match="no such scenario"):
        GovernanceModel.from_scenario("sichuan-2030", seed=1)


def test_watch_outcomes_table():
    m = snapshot.WatchedModel({}, seed=1)
    m.step()
    table = m.watch.outcomes()
    assert isinstance(table, pd.DataFrame) and list(table.columns) == list(OUTCOME_NAMES)
