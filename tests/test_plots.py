"""Figures of a comparison: what they draw, how they are labelled, and the files they become."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import matplotlib
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex

from analysis import compare, plots, style
from synthstore import make_store

OUTCOMES = ["resolution_rate", "satisfaction", "mean_weeks_to_resolution"]


@pytest.fixture(scope="module")
def comp(tmp_path_factory):
    path = make_store(tmp_path_factory.mktemp("plots") / "store",
                      [("baseline", {}), ("policy", {"joint_meeting": False}), ("town", {"settlement": "town"})],
                      replicates=5, weeks=30)
    return compare.gather([path])


def legend_texts(fig) -> list[str]:
    return [t.get_text() for leg in fig.legends for t in leg.get_texts()]


def test_fan_chart_draws_a_median_and_two_bands_per_group(comp):
    fig = plots.fan_chart(comp, "satisfaction")
    (ax,) = fig.axes
    assert len(ax.lines) == 3
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 6
    assert [to_hex(l.get_color()) for l in ax.lines] == [comp.looks[g].color.lower() for g in comp.groups]
    assert len({(str(l.get_linestyle()), l.get_marker()) for l in ax.lines}) == 3  # greyscale: not colour alone
    assert ax.get_xlabel() == "week"          # 30 weeks: weeks; a run of a year or more is shown in years
    assert ax.get_ylabel() == "Resident satisfaction (0–1)"   # the outcome's label from sim.outcomes
    assert set(comp.groups) <= set(legend_texts(fig))
    assert {"median of runs", "central 50% of runs", "central 90% of runs"} <= set(legend_texts(fig))
    assert ax.lines[0].get_xdata()[-1] == 30


def test_fan_chart_on_a_given_axes_leaves_the_legend_to_the_caller(comp):
    from matplotlib.figure import Figure
    fig = Figure()
    axes = fig.subplots(1, 2)
    plots.fan_chart(comp, "trust", ax=axes[1])
    assert len(axes[1].lines) == 3 and not axes[0].lines and not fig.legends


def test_distributions_draw_a_box_and_points_per_group_and_outcome(comp):
    fig = plots.distributions(comp, OUTCOMES)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3
    for ax, o in zip(visible, OUTCOMES):
        assert len(ax.patches) == 3                                  # boxes
        assert [len(c.get_offsets()) for c in ax.collections] == [5, 5, 5]  # one point per run
        assert [t.get_text() for t in ax.get_xticklabels()] == comp.groups
        assert ax.get_ylabel() == style.outcome_label(o)
    assert visible[2].get_ylabel() == "Weeks to resolution (weeks)"


def test_forest_has_one_panel_per_unit_a_zero_line_and_names_the_reference(comp):
    effects = compare.effects(comp, OUTCOMES, n_resamples=500)
    fig = plots.forest(effects, comp.looks)
    assert len(fig.axes) == 3  # share, 0–1, weeks
    for ax in fig.axes:
        assert len(ax.containers) == 2                       # one errorbar series per non-reference group
        assert any(np.allclose(l.get_xdata(), 0) for l in ax.lines)  # the zero line
        assert "baseline" in ax.get_xlabel()
    assert fig.axes[2].get_xlabel() == "difference from baseline (weeks)"
    assert legend_texts(fig) == ["policy", "town"]
    assert "baseline" in fig.get_suptitle() and "paired" in fig.get_suptitle()


def test_household_groups_show_every_group_per_scenario(comp):
    fig = plots.household_groups(comp)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["all households", "elderly", "migrant", "renter"]
    assert len(ax.containers) == 3
    assert ax.get_ylabel() == "Resident satisfaction (0–1)"


def test_figures_are_saved_as_png_and_svg(comp, tmp_path):
    effects = compare.effects(comp, OUTCOMES[:1], n_resamples=500)
    figs = plots.figures(comp, OUTCOMES[:1], effects)
    assert list(figs) == ["fan-resolution_rate", "distributions", "forest", "households"]
    paths = plots.save_all(figs, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{s}.{f}" for s in figs for f in ("png", "svg"))
    for p in paths:
        data = p.read_bytes()
        if p.suffix == ".png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            assert ET.fromstring(data).tag.endswith("svg")


def test_plotting_leaves_global_rcparams_alone(comp):
    before = dict(matplotlib.rcParams)
    plots.fan_chart(comp, "trust")
    after = dict(matplotlib.rcParams)
    assert before == after


def test_looks_are_distinct_beyond_the_palette():
    groups = [f"g{i}" for i in range(12)]
    looks = style.looks(groups)
    combos = {(l.color, str(l.linestyle), l.marker) for l in looks.values()}
    assert len(combos) == 12
    assert style.looks(groups[:3]) == {g: looks[g] for g in groups[:3]}  # a group's look depends on its place only


def test_a_store_without_time_series_or_a_second_group_still_gets_its_figures(tmp_path):
    path = make_store(tmp_path / "s", [("only", {})], replicates=3, timeseries=False)
    c = compare.gather([path])
    assert c.timeseries.empty and compare.bands(c, "trust").empty
    effects = compare.effects(c, ["trust"])
    assert effects.empty and "no scenario to compare" in compare.format_effects(effects)
    assert list(plots.figures(c, ["trust"], effects)) == ["distributions", "households"]
