"""Comparisons of sweeps: groups named by their levers, the views a design calls for, pairs, scale."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis import compare, plots, report, style, views
from analysis.export import write_comparison
from analysis.summary import outcome_table
from sim.errors import InputError
from synthstore import make_store

OUTCOMES = ["resolution_rate", "satisfaction", "mean_weeks_to_resolution"]


def grid_points(hpg=(150, 300, 600), burden=(0.2, 0.5), scenario="base"):
    return [(scenario, {"households_per_grid": h, "admin_burden_share": b}) for h in hpg for b in burden]


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    path = make_store(tmp_path_factory.mktemp("grid") / "store", grid_points(), replicates=4, weeks=104,
                      values=lambda p, r, rng: {"resolution_rate": 0.5 + 0.01 * p + rng.normal(0, 0.01)})
    return compare.gather([path])


def test_sweep_groups_are_named_by_the_levers_the_design_varies(grid):
    assert grid.groups[0] == "households_per_grid=150, admin_burden_share=0.2"
    assert grid.short[grid.groups[-1]] == "hh/grid 600, burden 0.5"
    assert grid.varied == ["households_per_grid", "admin_burden_share"]
    table = compare.outcomes(grid, OUTCOMES)
    assert list(table.columns[:3]) == ["group", "households_per_grid", "admin_burden_share"]
    assert table.loc[table["group"] == grid.groups[3], "households_per_grid"].unique().tolist() == [300]
    effects = compare.effects(grid, OUTCOMES, n_resamples=200)
    assert {"households_per_grid", "admin_burden_share"} <= set(effects.columns)
    assert len(effects) == 5 * len(OUTCOMES)


def test_csv_files_carry_the_varied_levers(grid, tmp_path):
    out = tmp_path / "cmp"
    tables = write_comparison(grid, ["satisfaction"], out)
    for name in ("outcomes.csv", "effects.csv", "households.csv", "design.csv"):
        cols = pd.read_csv(out / name).columns
        assert "households_per_grid" in cols and "admin_burden_share" in cols, name
    # the printed table has one row per point, named by the short form
    assert "hh/grid 600, burden 0.5" in tables["text"]


def test_a_grid_of_two_levers_gets_heatmaps_and_response_lines(grid):
    figs = views.sweep_figures(grid, OUTCOMES)
    assert set(figs) == {"heatmaps", "response"}
    heat = [ax for ax in figs["heatmaps"].axes if ax.images]
    assert len(heat) == len(OUTCOMES)
    assert heat[0].images[0].get_array().shape == (2, 3)   # burden down (fewer values), grid size across
    # every cell carries its mean in the outcome's one format (shares: 3 decimals)
    texts = [t.get_text() for t in heat[0].texts]
    assert len(texts) == 6 and all(re.fullmatch(r"0\.\d{3}", t) for t in texts)
    response = [ax for ax in figs["response"].axes if ax.get_visible() and ax.lines]
    assert len(response) == len(OUTCOMES) and all(len(ax.lines) == 2 for ax in response)  # a line per burden
    assert "Households per grid worker" in response[-1].get_xlabel()


def test_few_groups_keep_the_classic_figures_and_many_drop_them(grid, tmp_path):
    stems = set(plots.figures(grid, OUTCOMES, compare.effects(grid, OUTCOMES, n_resamples=100)))
    assert {"fan-satisfaction", "distributions", "forest", "households"} <= stems  # 6 groups: still readable
    many = make_store(tmp_path / "many", grid_points(hpg=(150, 200, 300, 400, 500), burden=(0.2, 0.4)),
                      replicates=3, timeseries=False)
    c = compare.gather([many])
    stems = set(plots.figures(c, OUTCOMES, compare.effects(c, OUTCOMES, n_resamples=100)))
    assert not {s for s in stems if s.startswith("fan-")} and "distributions" not in stems
    assert "households" not in stems and {"heatmaps", "response"} <= stems
    forest = plots.figures(c, OUTCOMES, compare.effects(c, OUTCOMES, n_resamples=100))["forest"]
    panels = [ax for ax in forest.axes if ax.get_visible()]
    assert len(panels) == len(OUTCOMES)                          # one panel per outcome, a row per group
    assert [t.get_text() for t in panels[0].get_yticklabels()][:2] == ["hh/grid 150, burden 0.4",
                                                                       "hh/grid 200, burden 0.2"]


def test_one_lever_gives_a_response_with_an_interval_band(tmp_path):
    path = make_store(tmp_path / "s", [("base", {"households_per_grid": h}) for h in (150, 300, 450, 600)],
                      replicates=4, timeseries=False)
    c = compare.gather([path])
    figs = views.sweep_figures(c, OUTCOMES)
    assert list(figs) == ["response"]
    ax = figs["response"].axes[0]
    assert len(ax.lines) == 1 and len(ax.collections) == 1               # the mean and its band
    means = compare.outcomes(c, ["resolution_rate"])["mean"].to_numpy()
    assert np.allclose(ax.lines[0].get_ydata(), means)


def test_two_sampled_levers_give_points_over_a_smoothed_surface(tmp_path):
    rng = np.random.default_rng(3)
    pts = [("base", {"households_per_grid": int(h), "admin_burden_share": float(b)})
           for h, b in zip(rng.integers(150, 800, 20), rng.uniform(0.2, 0.7, 20))]
    c = compare.gather([make_store(tmp_path / "s", pts, replicates=2, timeseries=False)])
    figs = views.sweep_figures(c, ["satisfaction"])
    assert list(figs) == ["surfaces"]
    ax = figs["surfaces"].axes[0]
    assert len(ax.collections[-1].get_offsets()) == 20                  # every design point drawn


def test_kernel_smoother_stays_within_the_data_and_recovers_a_line():
    x = np.linspace(0, 1, 200)
    y = 2 * x + 1
    fit = views.kernel_smooth(x, y, np.array([0.5]))
    assert fit[0] == pytest.approx(2.0, abs=1e-6)                       # symmetric weights: exact in the middle
    assert views.kernel_smooth(x, y, np.array([5.0]))[0] <= y.max()     # a weighted mean never extrapolates


def test_many_levers_give_small_multiples_and_a_dot_plot(tmp_path):
    rows = [("a", {"households_per_grid": 100 + 50 * i, "admin_burden_share": 0.2 + 0.05 * i,
                   "joint_meeting": bool(i % 2)}) for i in range(6)]
    c = compare.gather([make_store(tmp_path / "s", rows, replicates=3, timeseries=False)])
    figs = views.sweep_figures(c, OUTCOMES)
    assert set(figs) == {"dots", *(f"levers-{o}" for o in OUTCOMES)}
    panels = [ax for ax in figs["levers-satisfaction"].axes if ax.get_visible()]
    assert len(panels) == 3
    assert [t.get_text() for t in panels[2].get_xticklabels()] == ["false", "true"]   # a switch: two columns


@pytest.fixture(scope="module")
def two_scenarios(tmp_path_factory):
    rows = [{"households": 1200, "joint_meeting": True}, {"households": 1200, "joint_meeting": False},
            {"households": 2400, "joint_meeting": True}]
    points = [(s, r) for s in ("before", "after") for r in rows]
    planted = {0: 0.40, 1: 0.42, 2: 0.44, 3: 0.60, 4: 0.50, 5: 0.70}   # after − before: +0.20, +0.08, +0.26
    path = make_store(tmp_path_factory.mktemp("pairs") / "store", points, replicates=8, common=True,
                      values=lambda p, r, rng: {"trust": planted[p] + rng.normal(0, 0.01)})
    return path


def test_pair_by_scenario_compares_each_point_with_itself_under_the_reference(two_scenarios):
    c = compare.gather([two_scenarios], pair_by="scenario")
    assert c.reference == "before"
    e = compare.effects(c, ["trust"], n_resamples=500)
    assert len(e) == 3 and (e["scenario"] == "after").all()
    assert list(e["difference"].round(2)) == pytest.approx([0.20, 0.08, 0.26], abs=0.02)
    assert (e["pairing"] == "paired").all()                              # common random numbers: pairs
    assert e["reference"].str.startswith("before").all()
    assert e["reference"].nunique() == 3                                 # each row its own partner
    reverse = compare.gather([two_scenarios], pair_by="scenario", reference="after")
    assert compare.effects(reverse, ["trust"], n_resamples=200)["difference"].iloc[0] == pytest.approx(
        -e["difference"].iloc[0])


def test_pair_by_a_lever_compares_points_that_differ_only_in_it(two_scenarios):
    c = compare.gather([two_scenarios], pair_by="joint_meeting", reference="True")
    e = compare.effects(c, ["trust"], n_resamples=200)
    assert len(e) == 2 and (e["joint_meeting"] == False).all()  # noqa: E712 - numpy bools
    assert set(e["scenario"]) == {"before", "after"}


def test_pair_by_names_what_it_can_pair(two_scenarios, tmp_path):
    with pytest.raises(InputError, match="allowed: scenario, households, joint_meeting"):
        compare.gather([two_scenarios], pair_by="settlement")
    with pytest.raises(InputError, match="not a value of scenario; values: before, after"):
        compare.gather([two_scenarios], pair_by="scenario", reference="2019")


def test_paired_report_and_cli(govsim, two_scenarios, tmp_path):
    status, out, err = govsim("compare", str(two_scenarios), "--pair-by", "scenario", "--outcomes", "trust",
                              "--out", str(tmp_path / "c"))
    assert status == 0, err
    assert "effect vs its pair" in out
    effects = pd.read_csv(tmp_path / "c" / "effects.csv")
    assert list(effects["reference"].str.split(":").str[0]) == ["before"] * 3
    path = report.write_report(two_scenarios, tmp_path / "r.html", outcomes="trust", pair_by="scenario")
    assert "Paired by <b>scenario</b>" in path.read_text(encoding="utf-8")


def test_report_of_a_hundred_points_stays_a_readable_page_of_a_few_megabytes(tmp_path):
    rng = np.random.default_rng(0)
    pts = [("base", {"households_per_grid": int(h), "admin_burden_share": round(float(b), 3),
                     "three_social_linkage": round(float(t), 3)})
           for h, b, t in zip(rng.integers(150, 800, 100), rng.uniform(0.2, 0.7, 100), rng.uniform(0, 1, 100))]
    path = make_store(tmp_path / "s", pts, replicates=3, weeks=52)
    target = report.write_report(path, outcomes="resolution_rate,satisfaction")
    size = target.stat().st_size
    assert size < 4_000_000, size
    text = target.read_text(encoding="utf-8")
    assert "base: 100 design points" in text or "100 design points" in text
    assert text.count("<img") <= 6                      # views of the design, not a figure per point
    assert "fan-" not in text and 'id="fig-distributions"' not in text
    # the outcome table has one row per point and the levers as columns, labelled
    assert "<th>Households per grid worker</th>" in text and "<th>Three-social linkage</th>" in text


def test_t_intervals_of_shares_stay_inside_zero_and_one(tmp_path):
    runs = pd.DataFrame({"status": "ok", "point_id": 0, "scenario": "a",
                         "resolution_rate": [1.0, 1.0, 0.9, 1.0], "mean_weeks_to_resolution": [0.1, 0.0, 3.0, 0.0]})
    t = outcome_table(runs, ["resolution_rate", "mean_weeks_to_resolution"]).set_index("outcome")
    assert t.at["resolution_rate", "ci_high"] == 1.0 and t.at["resolution_rate", "ci_low"] < 0.975
    assert t.at["mean_weeks_to_resolution", "ci_low"] == 0.0               # weeks are never negative
    assert t.at["resolution_rate", "mean"] == pytest.approx(0.975)         # the mean is never moved


@pytest.mark.parametrize("clause, number", [("十一", 11), ("五", 5), ("十", 10), ("十八", 18), ("(十四)", 14),
                                            ("二十三", 23), ("—", None), ("", None)])
def test_clause_numbers(clause, number):
    assert style.clause_number(clause) == number


def test_a_lever_of_several_clauses_lists_their_numbers():
    assert style.clause_label("四, 十四") == "4, 14 (四, 十四)"
    assert style.clause_label("四, 十四", chinese=False) == "4, 14"


def test_every_clause_of_the_lever_table_reads_without_a_cjk_font():
    from sim.levers import LEVERS
    for lever in LEVERS:
        label = style.clause_label(lever.clause)
        assert lever.clause in ("—", "") or re.fullmatch(r"\d+(, \d+)* \(.+\)", label), (lever.name, label)
        assert not re.search("[\u4e00-\u9fff]", style.clause_label(lever.clause, chinese=False))


def test_figures_without_a_cjk_font_write_clause_numbers_only(grid, monkeypatch):
    monkeypatch.setattr(style, "cjk_font", lambda: None)
    monkeypatch.setattr(views, "has_cjk_font", lambda: False)
    assert views.lever_axis_label("households_per_grid") == "Households per grid worker — clause 11"
    fig = views.responses(grid, ["satisfaction"], "households_per_grid", "admin_burden_share")
    report.svg_data_uri(fig)  # renders with DejaVu Sans alone


def test_time_axis_is_in_years_for_runs_of_a_year_or_more(grid):
    ax = plots.fan_chart(grid, "satisfaction").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels(minor=True)] == ["2018", "2019"]   # 104 weeks
    assert plots.end_of_run([156]) == "end of 2020 (week 156)"


def test_sensitivity_figures_name_levers_by_their_labels():
    from analysis.sensitivity import analyze_function
    from analysis.sensitivity import plots as splots

    bounds = {"households_per_grid": (100, 800), "admin_burden_share": (0.2, 0.7), "joint_meeting": (0, 1)}
    table = analyze_function(lambda X: X[:, 0] / 800 + X[:, 1], bounds, method="sobol", n=64, seed=0)
    ax = splots.bars(table, ("S1", "ST"), "t").axes[0]
    names = {t.get_text() for t in ax.get_yticklabels()}
    assert {"Households per grid worker", "Administrative burden (share of time)", "Property joint meeting"} == names


def test_paired_rows_are_named_by_their_point_without_the_scenario(two_scenarios):
    c = compare.gather([two_scenarios], pair_by="scenario")
    labels = c.effect_labels()
    after = [g for g in c.groups if g.startswith("after")]
    assert [labels[g] for g in after] == ["hh 1200, joint meeting", "hh 1200, no joint meeting", "hh 2400, joint meeting"]
    assert c.pairing_words() == "each point under after against itself under before"
