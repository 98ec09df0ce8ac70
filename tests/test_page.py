"""The page's parts that need no browser: the lever panel's grouping, the figures,
and `govsim view`'s checks. (The page itself: tests/test_page_browser.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from analysis import drawing, page
from analysis.commands import view
from sim import snapshot
from sim.levers import LEVERS


def test_clauses_sort_in_their_order():
    clauses = ["十八", "三", "十", "五", "十一", "—", "二十一"]
    assert sorted(clauses, key=page.clause_order) == ["三", "五", "十", "十一", "十八", "二十一", "—"]


def test_every_lever_is_in_exactly_one_group_policy_first():
    groups = page.lever_groups()
    names = [l.name for _, group in groups for l in group]
    assert sorted(names) == sorted(l.name for l in LEVERS)
    titles = [t for t, _ in groups]
    assert titles[-2:] == ["Context (the community)", "Behaviour (the model's assumptions)"]
    assert all(t.startswith("Clause ") for t in titles[:-2])
    assert all(l.kind == "policy" for _, g in groups[:-2] for l in g)


def test_slider_steps_fit_the_range():
    for l in LEVERS:
        if l.type == "float":
            assert 0 < page.step_of(l) <= (l.high - l.low) / 10


def test_panels_draw_and_follow_the_model():
    m = snapshot.WatchedModel({"households": 600, "households_per_grid": 150}, seed=1)
    layout = snapshot.map_layout(m)
    panels = [drawing.OutcomesPanel(m), drawing.PipelinePanel(m), drawing.WorkloadPanel(m),
              *(drawing.MapPanel(m, q, layout) for q in snapshot.MAP_QUANTITIES)]
    before = [p.png() for p in panels]
    for _ in range(8):
        m.step()
    after = [p.png() for p in panels]
    for b, a in zip(before, after):
        assert a[:8] == b"\x89PNG\r\n\x1a\n"
    changed = [b != a for b, a in zip(before, after)]
    # the compound map changes only when a firm leaves; everything else moves in 8 weeks
    assert changed[:4] == [True, True, True, True] and changed[4] and changed[5]
    line = dict(panels[0].lines)["satisfaction"]
    np.testing.assert_array_equal(line.get_xdata(), np.arange(9))


def test_panels_need_a_watched_model():
    from sim.model import GovernanceModel
    with pytest.raises(TypeError, match="WatchedModel"):
        drawing.OutcomesPanel(GovernanceModel({}, seed=1)).update()


def test_view_without_the_viz_extra_says_how_to_install(govsim, monkeypatch):
    monkeypatch.setattr(view, "missing_viz", lambda: ["solara"])
    status, out, err = govsim("view")
    assert status == 2
    assert "pip install 'govsim[viz]'" in err and len(err.strip().splitlines()) == 1


def test_view_checks_the_offline_pins(monkeypatch):
    assert view.missing_viz() == []  # the viz extra, as installed for the tests
    real = view.importlib.metadata.version
    monkeypatch.setattr(view.importlib.metadata, "version", lambda name: "3.1.1" if name == "ipyvue" else real(name))
    assert view.missing_viz() == ["ipyvue<3"]


def test_view_refuses_a_bad_scenario_before_starting(govsim):
    status, out, err = govsim("view", "no-such-scenario", "--no-open")
    assert status == 2 and "no such scenario" in err


def test_view_runs_solara_offline_on_the_page():
    import argparse
    args = argparse.Namespace(host="127.0.0.1", port=9999, no_open=True)
    cmd = view.server_command(args)
    assert cmd[1:5] == ["-m", "solara", "run", "analysis.page"] and "--production" in cmd
    env = view.server_env("town", 3)
    assert env[page.SCENARIO_ENV] == "town" and env[page.SEED_ENV] == "3"
