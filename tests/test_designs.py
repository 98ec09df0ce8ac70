"""Designs: what points grid, LHS, Sobol' and list designs give, and the plans built on them."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import design
from sim.errors import InputError
from sim.engine.experiment import load_experiment
from sim.levers import LEVER_BY_NAME, resolve
from sim.engine.plan import LeverValues, Plan, Point, parse_shard

ROOT = Path(__file__).resolve().parent.parent


def rng_range(name: str, low, high) -> design.Range:
    return design.Range(LEVER_BY_NAME[name], low, high)


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    f = tmp_path / name
    f.write_text(text)
    return f


def test_grid_is_the_full_factorial_last_factor_fastest():
    rows = design.grid({"a": [1, 2, 3], "b": [True, False]})
    assert rows == [{"a": 1, "b": True}, {"a": 1, "b": False}, {"a": 2, "b": True},
                    {"a": 2, "b": False}, {"a": 3, "b": True}, {"a": 3, "b": False}]


def test_lhs_puts_one_point_in_each_stratum_of_each_lever():
    n = 40
    ranges = [rng_range("admin_burden_share", 0.2, 0.7), rng_range("three_social_linkage", 0.0, 1.0)]
    rows = design.lhs(ranges, n, seed=3)
    assert len(rows) == n
    for r in ranges:
        x = np.array([row[r.lever.name] for row in rows])
        assert ((x >= r.low) & (x <= r.high)).all()
        strata = np.floor((x - r.low) / (r.high - r.low) * n).astype(int)
        assert sorted(strata) == list(range(n))  # exactly one point per stratum


def test_sampled_designs_follow_the_seed():
    ranges = [rng_range("admin_burden_share", 0.2, 0.7), rng_range("households_per_grid", 100, 800)]
    for sample in (design.lhs, design.sobol):
        assert sample(ranges, 16, seed=1) == sample(ranges, 16, seed=1)
        assert sample(ranges, 16, seed=1) != sample(ranges, 16, seed=2)


def test_sobol_is_balanced_and_needs_a_power_of_two():
    n = 64
    rows = design.sobol([rng_range("three_social_linkage", 0.0, 1.0), rng_range("migrant_inclusion", 0.0, 1.0)],
                        n, seed=5)
    x = np.array([[r["three_social_linkage"], r["migrant_inclusion"]] for r in rows])
    # a (0, m, 2) net: every elementary interval of area 1/n holds exactly one point
    for bits_x in range(7):
        cells = np.floor(x[:, 0] * 2 ** bits_x).astype(int) * 2 ** (6 - bits_x) + \
            np.floor(x[:, 1] * 2 ** (6 - bits_x)).astype(int)
        assert sorted(cells) == list(range(n))
    with pytest.raises(ValueError, match="power of two"):
        design.sobol([rng_range("three_social_linkage", 0.0, 1.0)], 48, seed=5)


def test_integer_levers_take_every_integer_of_their_range_equally_often():
    r = rng_range("deliberation_per_year", 0, 3)
    values = r.scale(np.linspace(0, 1, 400, endpoint=False))
    assert all(isinstance(v, int) for v in values)
    counts = np.bincount(values)
    assert counts.tolist() == [100, 100, 100, 100]  # rounding would give the ends 50 each


@settings(max_examples=200, deadline=None)
@given(u=st.floats(0, 1, exclude_max=True), low=st.integers(1, 3000), width=st.integers(1, 500))
def test_scaled_values_stay_within_their_range(u, low, width):
    high = min(low + width, 3000)
    if high <= low:
        return
    v = rng_range("households_per_grid", low, high).scale(np.array([u]))[0]
    assert low <= v <= high
    f = rng_range("admin_burden_share", 0.1, 0.9).scale(np.array([u]))[0]
    assert 0.1 <= f <= 0.9


def test_grid_steps_are_evenly_spaced_and_include_both_ends():
    assert rng_range("admin_burden_share", 0.2, 0.7).steps(6) == pytest.approx([0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    assert rng_range("households_per_grid", 100, 400).steps(4) == [100, 200, 300, 400]


def test_points_are_the_base_scenario_then_fixed_levers_then_the_row(tmp_path):
    f = write(tmp_path, """
scenario = "baseline-2017"
replicates = 2
[levers]
households = 500
[design]
kind = "grid"
[vary]
admin_burden_share = [0.3, 0.5]
settlement = ["urban", "rural"]
""")
    exp = load_experiment(f)
    plan = exp.plan()
    assert exp.n_points == 4 and plan.n_runs == 8
    base = load_experiment(f).scenarios[0].overrides
    for p in plan.points:
        expected = resolve({**base, "households": 500, **exp.rows[p.point_id]})
        assert dict(p.levers) == expected
    # a row's settlement brings that settlement's defaults for levers nobody set
    rural = [p for p in plan.points if p.levers["settlement"] == "rural"][0]
    assert rural.levers["property_firm_coverage"] == LEVER_BY_NAME["property_firm_coverage"].default_for("rural")
    assert rural.levers["households_per_grid"] == 800  # set by baseline-2017 itself, so kept


def test_several_base_scenarios_cross_the_design(tmp_path):
    f = write(tmp_path, """
scenarios = ["baseline-2017", "sichuan-2020"]
[design]
kind = "list"
rows = [{ households_per_grid = 200 }, { households_per_grid = 400, joint_meeting = false }]
""")
    plan = load_experiment(f).plan()
    assert [(p.scenario, p.levers["households_per_grid"]) for p in plan.points] == [
        ("baseline-2017", 200), ("baseline-2017", 400), ("sichuan-2020", 200), ("sichuan-2020", 400)]
    assert plan.points[3].levers["joint_meeting"] is False
    assert plan.points[2].levers["joint_meeting"] is True  # sichuan-2020's own value


def test_csv_rows_with_empty_cells_keep_the_base_value(tmp_path):
    (tmp_path / "pts.csv").write_text("households_per_grid,joint_meeting,admin_burden_share\n"
                                      "200,false,0.4\n300,,\n")
    f = write(tmp_path, 'scenario = "sichuan-2020"\n[design]\nkind = "list"\nfile = "pts.csv"\n')
    plan = load_experiment(f).plan()
    a, b = (dict(p.levers) for p in plan.points)
    assert (a["households_per_grid"], a["joint_meeting"], a["admin_burden_share"]) == (200, False, 0.4)
    base = load_experiment(f).scenarios[0].levers()
    assert (b["households_per_grid"], b["joint_meeting"], b["admin_burden_share"]) == \
        (300, base["joint_meeting"], base["admin_burden_share"])


def test_shipped_example_experiments_are_valid():
    files = sorted((ROOT / "scenarios" / "experiments").glob("*.toml"))
    kinds = {load_experiment(f).design for f in files}
    assert {"grid", "lhs", "list"} <= kinds
    grid = load_experiment(ROOT / "scenarios" / "experiments" / "grid-size-by-burden.toml")
    assert set(grid.varied) == {"households_per_grid", "admin_burden_share"}
    lhs = load_experiment(ROOT / "scenarios" / "experiments" / "lhs-ten-levers.toml")
    assert len(lhs.varied) == 10


def test_lever_values_read_like_a_dict_and_share_their_base_when_pickled():
    base = resolve({})
    points = [Point(i, "s", LeverValues(base, {"admin_burden_share": i / 1000})) for i in range(1000)]
    plan = Plan(points, replicates=2)
    assert dict(points[7].levers) == {**base, "admin_burden_share": 0.007}
    assert points[7].levers == {**base, "admin_burden_share": 0.007}
    full = Plan([Point(i, "s", {**base, "admin_burden_share": i / 1000}) for i in range(1000)], replicates=2)
    small, big = len(pickle.dumps(plan)), len(pickle.dumps(full))
    assert small < big / 10
    assert pickle.loads(pickle.dumps(plan)).digest() == plan.digest() == full.digest()


def test_shards_are_disjoint_and_cover_the_plan():
    plan = Plan([Point(i, "s", resolve({})) for i in range(7)], replicates=3)
    ids = [t.run_id for i in range(4) for t in plan.tasks((i, 4))]
    assert sorted(ids) == list(range(21))
    assert [plan.shard_runs((i, 4)) for i in range(4)] == [6, 5, 5, 5]
    assert parse_shard("2/4") == (2, 4) and parse_shard(" 0 / 1 ") == (0, 1)
    for bad in ("4/4", "-1/4", "1/0", "a/b", "1", "1/2/3"):
        with pytest.raises(InputError, match="0 <= I < N"):
            parse_shard(bad)


def test_design_rows_and_points_index_like_lists():
    from sim.engine.plan import PointList
    rows = design.grid({"a": [1, 2, 3]})
    assert rows[-1] == {"a": 3} and rows[0] == {"a": 1} and rows[1:] == [{"a": 2}, {"a": 3}]
    points = PointList([Point(i, "s", {"x": i}) for i in range(3)])
    assert points[-1].point_id == 2 and points[-3].point_id == 0 and [p.point_id for p in points[::2]] == [0, 2]
    for seq in (rows, points):
        for bad in (3, -4):
            with pytest.raises(IndexError):
                seq[bad]
