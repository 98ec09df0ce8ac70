"""Same seed, same numbers; different seeds, different numbers."""

from __future__ import annotations

import numpy as np

from sim.run import run

LEVERS = {"households": 800}


def test_same_seed_gives_identical_records():
    a = run(LEVERS, seed=7, weeks=52)
    b = run(LEVERS, seed=7, weeks=52)
    assert a.outcomes == b.outcomes
    np.testing.assert_array_equal(a.timeseries, b.timeseries)


def test_different_seeds_give_different_records():
    a = run(LEVERS, seed=7, weeks=52)
    b = run(LEVERS, seed=8, weeks=52)
    assert a.outcomes["cases_created"] != b.outcomes["cases_created"] or a.outcomes != b.outcomes
    assert not np.array_equal(a.timeseries, b.timeseries)


def test_timeseries_keeps_every_kth_week_and_the_last():
    r = run(LEVERS, seed=1, weeks=30, timeseries_every=4)
    assert r.weeks_recorded.tolist() == [4, 8, 12, 16, 20, 24, 28, 30]
    assert r.timeseries.shape == (8, len(r.outcomes))
    none = run(LEVERS, seed=1, weeks=30, timeseries_every=0)
    assert none.timeseries.shape[0] == 0
    assert none.outcomes == r.outcomes


def test_warmup_counts_from_the_end_of_the_warmup():
    r = run({**LEVERS, "warmup_weeks": 30}, seed=3, weeks=20)
    o = r.outcomes
    # the carried-over cases are counted as created, so conservation holds afresh
    assert o["cases_created"] == o["cases_resolved"] + o["cases_escalated"] + o["cases_abandoned"] + o["cases_open"]
    assert r.weeks_recorded[0] == 1 and r.weeks_recorded[-1] == 20
    cold = run(LEVERS, seed=3, weeks=20)
    assert o != cold.outcomes
