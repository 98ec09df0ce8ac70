"""Statistics of `analysis.compare` on synthetic data whose differences are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import compare
from synthstore import make_store

EXPERIMENTS = 200
NOMINAL = 0.95
N = 30  # replicates per group: where bootstrap intervals are close to their nominal level
RESAMPLES = 2000  # coverage does not depend on it beyond ~1000; the default 9999 only steadies endpoints


def acceptance(alpha: float = 0.01) -> tuple[int, int]:
    """Hit counts a correct 95% interval gives in 99% of batches of 200 experiments.

    Hits of a correct interval are Binomial(200, 0.95): the central 99% of that
    distribution is [182, 196]; the tolerance is this, not a tuned number.
    """
    return (int(stats.binom.ppf(alpha / 2, EXPERIMENTS, NOMINAL)),
            int(stats.binom.isf(alpha / 2, EXPERIMENTS, NOMINAL)))


def sample(rng: np.random.Generator, paired: bool, true_diff: float) -> tuple[np.ndarray, np.ndarray]:
    if paired:  # common random numbers: a shared component per replicate
        luck = rng.normal(0, 1.0, N)
        return true_diff + luck + rng.normal(0, 0.4, N), luck + rng.normal(0, 0.4, N)
    return true_diff + rng.normal(0, 1.0, N), rng.normal(0, 0.5, N)  # unequal spreads


@pytest.mark.slow
@pytest.mark.parametrize("paired", [False, True])
@pytest.mark.parametrize("true_diff", [0.0, 0.3])
def test_interval_covers_the_true_difference_at_the_nominal_rate(paired, true_diff):
    rng = np.random.default_rng(20180409 + 2 * paired + (true_diff > 0))
    hits = 0
    for _ in range(EXPERIMENTS):
        x, y = sample(rng, paired, true_diff)
        low, high, how = compare.difference_interval(x, y, paired=paired, rng=rng, n_resamples=RESAMPLES)
        assert how == "BCa"
        hits += low <= true_diff <= high
    lo, hi = acceptance()
    print(f"coverage paired={paired} diff={true_diff}: {hits}/{EXPERIMENTS}")
    assert lo <= hits <= hi, f"{hits}/{EXPERIMENTS} intervals covered the true difference; expected {lo}-{hi}"


def test_zero_difference_gives_an_interval_around_zero():
    rng = np.random.default_rng(3)
    x, y = rng.normal(5, 1, 40), rng.normal(5, 1, 40)
    x = x - x.mean() + y.mean()  # exactly equal means: the point estimate is 0
    low, high, _ = compare.difference_interval(x, y, paired=False, rng=np.random.default_rng(1))
    assert low < 0 < high
    assert abs(low + high) < 0.25 * (high - low)  # roughly symmetric about zero


def test_pairing_removes_shared_luck_from_the_interval():
    rng = np.random.default_rng(4)
    x, y = sample(rng, paired=True, true_diff=0.3)
    pl, ph, _ = compare.difference_interval(x, y, paired=True)
    ul, uh, _ = compare.difference_interval(x, y, paired=False)
    assert ph - pl < 0.6 * (uh - ul)
    assert pl < 0.3 < ph


def test_interval_is_reproducible_and_degenerate_cases_are_defined():
    x, y = np.array([1.0, 2, 3, 4]), np.array([0.0, 1, 1, 2])
    a = compare.difference_interval(x, y, paired=False, rng=np.random.default_rng(9))
    b = compare.difference_interval(x, y, paired=False, rng=np.random.default_rng(9))
    assert a == b
    assert compare.difference_interval(np.full(5, 2.0), np.full(5, 1.0), paired=True) == (1.0, 1.0, "BCa")
    low, high, how = compare.difference_interval(np.array([1.0]), y, paired=False)
    assert np.isnan(low) and np.isnan(high) and how == "none"


def test_hedges_g_follows_its_formula():
    x, y = np.array([3.0, 4, 5, 6]), np.array([1.0, 2, 2, 3])
    sp = np.sqrt((3 * x.var(ddof=1) + 3 * y.var(ddof=1)) / 6)
    j = 1 - 3 / (4 * 8 - 9)
    assert compare.hedges_g(x, y) == pytest.approx(j * (x.mean() - y.mean()) / sp)
    assert compare.hedges_g(y, x) == pytest.approx(-compare.hedges_g(x, y))
    rng = np.random.default_rng(5)
    assert compare.hedges_g(rng.normal(0.5, 1, 4000), rng.normal(0, 1, 4000)) == pytest.approx(0.5, abs=0.06)
    assert np.isnan(compare.hedges_g(np.array([1.0]), y))


# ---- effects on stores ---------------------------------------------------------------------------
PLANTED = {0: 0.50, 1: 0.60, 2: 0.45}  # true mean satisfaction per point


def planted(point_id, replicate, rng):
    """Satisfaction with a planted mean per point; renters undefined (NaN) in point 2's first runs."""
    v = {"satisfaction": PLANTED[point_id] + rng.normal(0, 0.01)}
    if point_id == 2 and replicate < 3:
        v["satisfaction_renter"] = float("nan")
    return v


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "crn", [("base", {}), ("more", {"households": 800}),
                                         ("less", {"joint_meeting": False})],
                      replicates=8, values=planted)


def test_effects_recover_planted_differences_and_say_how(store):
    c = compare.gather([store])
    e = compare.effects(c, ["satisfaction", "satisfaction_renter"]).set_index(["group", "outcome"])
    assert set(e.index.get_level_values("group")) == {"more", "less"}
    for g, p in (("more", 1), ("less", 2)):
        r = e.loc[(g, "satisfaction")]
        assert r["ci_low"] < PLANTED[p] - PLANTED[0] < r["ci_high"]
        assert r["pairing"] == "paired" and r["interval"] == "BCa 95%"
        assert np.sign(r["hedges_g"]) == np.sign(PLANTED[p] - PLANTED[0])
    # NaN outcomes are left out pairwise: 3 of 8 replicates undefined in 'less'
    assert e.loc[("less", "satisfaction_renter"), "n"] == 5
    assert e.loc[("less", "satisfaction_renter"), "n_ref"] == 5
    assert e.loc[("more", "satisfaction_renter"), "n"] == 8


def test_effects_are_reproducible_and_independent_of_the_outcome_list(store):
    c = compare.gather([store])
    a = compare.effects(c, ["satisfaction", "trust"])
    b = compare.effects(c, ["trust", "satisfaction"])
    key = ["group", "outcome"]
    pd.testing.assert_frame_equal(a.sort_values(key).reset_index(drop=True),
                                  b.sort_values(key).reset_index(drop=True))


def test_unpaired_when_seeds_differ(tmp_path):
    own = make_store(tmp_path / "own", [("a", {}), ("b", {"households": 800})], common=False)
    assert set(compare.effects(compare.gather([own]), ["satisfaction"])["pairing"]) == {"unpaired"}
    other = make_store(tmp_path / "other", [("c", {"households": 900})], seed=2)
    e = compare.effects(compare.gather([own, other], reference="a"), ["satisfaction"]).set_index("group")
    assert e.loc["c", "pairing"] == "unpaired"


def test_all_nan_outcome_gives_nan_not_an_error(tmp_path):
    s = make_store(tmp_path / "s", [("a", {}), ("b", {"households": 800})],
                   values=lambda p, r, rng: {"satisfaction_migrant": float("nan")} if p == 1 else {})
    r = compare.effects(compare.gather([s]), ["satisfaction_migrant"]).iloc[0]
    assert r["n"] == 0 and np.isnan(r["difference"]) and np.isnan(r["ci_low"]) and np.isnan(r["hedges_g"])


def test_bands_are_quantiles_over_runs(tmp_path):
    s = make_store(tmp_path / "s", [("a", {})], replicates=5, weeks=4,
                   values=lambda p, r, rng: {"trust": float(r)})  # run r ends at r
    b = compare.bands(compare.gather([s]), "trust")
    last = b[b["week"] == 4].iloc[0]
    values = np.arange(5.0)
    assert last["median"] == pytest.approx(2.0)
    assert last["low50"] == pytest.approx(np.quantile(values, 0.25))
    assert last["high90"] == pytest.approx(np.quantile(values, 0.95))
    assert last["n"] == 5 and list(b["week"]) == [1, 2, 3, 4]


def test_groups_are_labelled_by_point_and_directory(tmp_path):
    sweep = make_store(tmp_path / "sweep", [("base", {"households": 500}), ("base", {"households": 900}),
                                            ("alt", {})])
    run = make_store(tmp_path / "run", [("alt", {"joint_meeting": False})])
    c = compare.gather([sweep, run], reference="base: households=500")
    assert c.groups == ["base: households=500", "base: households=900", "alt [sweep]", "alt [run]"]
    assert c.short["base: households=900"] == "base: hh 900"
    assert c.reference == "base: households=500"
    assert compare.gather([sweep, run], reference="base #0").reference == "base: households=500"
    assert compare.gather([sweep], reference="alt").reference == "alt"  # a scenario name with one group
    assert list(c.differing_levers().index) == ["households", "joint_meeting"]
    assert {"clause", "unit", "meaning"} <= set(c.differing_levers().columns)


def test_a_failed_run_leaves_the_comparison_paired(tmp_path):
    s = make_store(tmp_path / "s", [("a", {}), ("b", {"households": 800})], replicates=5, failed=[6])
    c = compare.gather([s])
    r = compare.effects(c, ["trust"]).iloc[0]
    assert r["pairing"] == "paired" and r["n"] == 4 and r["n_ref"] == 4  # replicate 1's partner left out
    assert c.failed == 1
