"""`analyze_function` against functions whose indices are known.

Exact values are computed here from their formulas (not copied constants) and each
estimate must fall within the method's own 95% interval. With a dozen indices per
test, an interval that fails 5% of the time would fail somewhere often, so the
check allows 1.5 half-widths (a 99.7% interval for a normal estimator) plus a small
absolute slack for bootstrap noise in the half-width itself. Seeds are fixed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.sensitivity import DUMMY, METHODS, analyze_function, n_points, sample
from sim.errors import InputError

PI = np.pi


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, float]:
    """Analytic Sobol' indices of the Ishigami function on [-π, π]³."""
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * PI**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return {"S1:x1": v1 / v, "S1:x2": v2 / v, "S1:x3": 0.0,
            "ST:x1": (v1 + v13) / v, "ST:x2": v2 / v, "ST:x3": v13 / v,
            "S2:x1:x2": 0.0, "S2:x1:x3": v13 / v, "S2:x2:x3": 0.0}


ISHIGAMI_BOUNDS = {"x1": (-PI, PI), "x2": (-PI, PI), "x3": (-PI, PI)}

# a linear additive model: S1 = ST = a_i² var_i / Σ a_j² var_j, var_i = (high − low)² / 12
COEF = {"a": 2.0, "b": -1.0, "c": 0.7, "d": 0.0}
LINEAR_BOUNDS = {"a": (0.0, 1.0), "b": (-1.0, 2.0), "c": (1.0, 3.0), "d": (0.0, 1.0)}


def linear(x: np.ndarray) -> np.ndarray:
    return x @ np.array(list(COEF.values()))


def linear_indices() -> dict[str, float]:
    var = {k: COEF[k] ** 2 * (hi - lo) ** 2 / 12 for k, (lo, hi) in LINEAR_BOUNDS.items()}
    total = sum(var.values())
    return {k: v / total for k, v in var.items()}


def within(row: pd.Series, exact: float, slack: float = 0.01) -> bool:
    return abs(row["value"] - exact) <= 1.5 * row["conf"] + slack


def get(df: pd.DataFrame, index: str, param: str, partner: str = "") -> pd.Series:
    t = df[(df["index"] == index) & (df["partner"] == partner)]
    return t.loc[param]


def test_sobol_ishigami_first_total_and_second_order():
    df = analyze_function(ishigami, ISHIGAMI_BOUNDS, method="sobol", n=2048, seed=1, num_resamples=200)
    for key, exact in ishigami_indices().items():
        index, *params = key.split(":")
        row = get(df, index, params[0], params[1] if len(params) > 1 else "")
        assert within(row, exact), (key, row["value"], row["conf"], exact)
    # x3 alone does nothing (S1 = 0) but interacts with x1: its interval says so
    assert bool(get(df, "S1", "x3")["includes_zero"])
    assert not bool(get(df, "ST", "x3")["includes_zero"])


@pytest.mark.parametrize("method,n", [("sobol", 1024), ("fast", 1025), ("rbd_fast", 1024)])
def test_linear_additive_model(method, n):
    df = analyze_function(linear, LINEAR_BOUNDS, method=method, n=n, seed=3)
    exact = linear_indices()
    for index in ("S1", "ST"):
        if index not in METHODS[method].indices:
            continue
        for p, s in exact.items():
            row = get(df, index, p)
            assert within(row, s), (method, index, p, row["value"], row["conf"], s)
    assert bool(get(df, "S1", "d")["includes_zero"])  # the input with no coefficient


def test_fast_ishigami_first_order():
    df = analyze_function(ishigami, ISHIGAMI_BOUNDS, method="fast", n=2049, seed=2)
    exact = ishigami_indices()
    # FAST's bootstrap intervals are indicative only (SALib says so); its interference
    # bias is a few hundredths at M=4, hence the absolute slack
    for p in ("x1", "x2", "x3"):
        assert within(get(df, "S1", p), exact[f"S1:{p}"], slack=0.03)
        assert within(get(df, "ST", p), exact[f"ST:{p}"], slack=0.05)


def test_rbd_fast_ishigami_first_order():
    df = analyze_function(ishigami, ISHIGAMI_BOUNDS, method="rbd_fast", n=4096, seed=5)
    exact = ishigami_indices()
    for p in ("x1", "x2", "x3"):
        assert within(get(df, "S1", p), exact[f"S1:{p}"], slack=0.03), p
    assert bool(get(df, "S1", DUMMY)["includes_zero"])


def test_morris_elementary_effects_known():
    """f = 3·x1·x2 + 2·x3 + 0·x4 with x3 on [0, 5].

    SALib's elementary effect is Δf / Δ with Δ the unit-scale step, so for 2·x3 on
    [0, 5] every effect is 2·5 = 10 (mu = mu* = 10, sigma = 0). The effect of x1 is
    3·x2 at the trajectory's current x2, which is low (x*) or high (x* + Δ) with
    equal chance: mu* = 3·E[x2] = 1.5; likewise for x2. x4: 0.
    """
    bounds = {"x1": (0.0, 1.0), "x2": (0.0, 1.0), "x3": (0.0, 5.0), "x4": (0.0, 1.0)}
    f = lambda x: 3 * x[:, 0] * x[:, 1] + 2 * x[:, 2]  # noqa: E731
    df = analyze_function(f, bounds, method="morris", n=200, seed=7, num_levels=4, num_resamples=500)
    assert get(df, "mu_star", "x3")["value"] == pytest.approx(10.0)
    assert get(df, "mu", "x3")["value"] == pytest.approx(10.0)
    assert get(df, "sigma", "x3")["value"] == pytest.approx(0.0, abs=1e-9)
    for p in ("x1", "x2"):
        assert within(get(df, "mu_star", p), 1.5, slack=0.0), p
    # sd of 3·x2 over the 4 levels {0, 1/3, 2/3, 1}: 3·sqrt(5/36)
    assert get(df, "sigma", "x1")["value"] == pytest.approx(3 * np.sqrt(5 / 36), rel=0.1)
    assert get(df, "mu_star", "x4")["value"] == 0.0


@pytest.mark.parametrize("method,index", [("delta", "delta"), ("pawn", "median")])
def test_moment_independent_methods_rank_and_null(method, index):
    """No exact values (these indices are not shares of variance, so they need not rank
    like S1 below the top): the dominant input ranks first, every input with influence
    stands clear of the dummy column the model never saw, and the input with no
    influence is indistinguishable from it."""
    df = analyze_function(linear, LINEAR_BOUNDS, method=method, n=1024, seed=11, num_resamples=30)
    t = df[df["index"] == index]
    exact = linear_indices()
    assert t.drop(DUMMY)["value"].idxmax() == max(exact, key=exact.get)
    dummy = t.loc[DUMMY]
    for p in (p for p in exact if exact[p] > 0):
        assert t.loc[p, "ci_low"] > dummy["ci_high"], p
    d = t.loc["d"]
    assert d["ci_low"] <= dummy["ci_high"] and dummy["ci_low"] <= d["ci_high"]


def test_pawn_bootstrap_statistic_is_salibs():
    """The intervals' resamples use the same statistic as SALib's estimate."""
    from SALib.analyze import pawn
    from analysis.sensitivity import pawn_ks, problem
    rng = np.random.default_rng(0)
    X = rng.random((300, 3))
    y = X @ np.array([1.0, 0.3, 0.0]) + 0.1 * rng.random(300)
    ref = pawn.analyze(problem({"a": (0, 1), "b": (0, 1), "c": (0, 1)}), X, y, S=8)
    ks = pawn_ks(X, y, 8)
    np.testing.assert_allclose(np.median(ks, axis=0), ref["median"], rtol=1e-12)
    np.testing.assert_allclose(ks.max(axis=0), ref["maximum"], rtol=1e-12)


def test_several_outputs_and_reproducibility():
    f = lambda x: np.column_stack([linear(x), 2 * linear(x) + 1])  # noqa: E731
    a = analyze_function(f, LINEAR_BOUNDS, method="sobol", n=256, seed=4, outputs=["u", "v"])
    b = analyze_function(f, LINEAR_BOUNDS, method="sobol", n=256, seed=4, outputs=["u", "v"])
    pd.testing.assert_frame_equal(a, b)
    assert set(a["output"]) == {"u", "v"}
    u, v = a[a["output"] == "u"], a[a["output"] == "v"]
    # an affine transform of the output leaves variance-based indices unchanged
    np.testing.assert_allclose(u["value"].to_numpy(), v["value"].to_numpy(), atol=1e-12)
    assert a.index.name == "parameter"


@pytest.mark.parametrize("method,options", [("sobol", {}), ("sobol", {"second_order": False}),
                                            ("morris", {}), ("rbd_fast", {}), ("delta", {}), ("pawn", {})])
def test_designs_are_nested(method, options):
    """The design for 2N begins with the design for N: --converge reuses those runs."""
    small = sample(method, LINEAR_BOUNDS, 32, 9, options)
    large = sample(method, LINEAR_BOUNDS, 64, 9, options)
    assert len(small) == n_points(method, 4, 32, options)
    np.testing.assert_array_equal(small, large[:len(small)])


def test_latin_and_fast_designs_are_not_nested():
    for method, options, n in (("fast", {}, 65), ("delta", {"sampler": "latin"}, 32)):
        small = sample(method, LINEAR_BOUNDS, n, 9, options)
        large = sample(method, LINEAR_BOUNDS, 2 * n, 9, options)
        assert not np.array_equal(small, large[:len(small)])


@pytest.mark.parametrize("kwargs,fragment", [
    ({"method": "sobol", "n": 1000}, "power of two"),
    ({"method": "sobolev"}, "unknown method"),
    ({"method": "fast", "n": 64}, "more than 4·M²"),
    ({"method": "morris", "num_levels": 3}, "even"),
    ({"method": "sobol", "colour": 1}, "unknown option"),
])
def test_bad_arguments_are_input_errors(kwargs, fragment):
    with pytest.raises(InputError, match=fragment):
        analyze_function(linear, LINEAR_BOUNDS, **kwargs)


def test_bad_bounds_and_undefined_outputs():
    with pytest.raises(InputError, match="low < high"):
        analyze_function(linear, {**LINEAR_BOUNDS, "a": (1.0, 1.0)})
    with pytest.raises(InputError, match="at least 2"):
        analyze_function(lambda x: x[:, 0], {"a": (0, 1)})
    with pytest.raises(ValueError, match="NaN"):
        analyze_function(lambda x: np.where(x[:, 0] > 0.5, np.nan, 1.0), LINEAR_BOUNDS, n=64)


def test_constant_output_has_no_influential_input():
    df = analyze_function(lambda x: np.ones(len(x)), LINEAR_BOUNDS, method="sobol", n=64)
    assert (df["value"] == 0).all()
