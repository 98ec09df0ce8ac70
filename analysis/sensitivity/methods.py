"""Global sensitivity analysis with SALib, for any model: sample, evaluate, analyse.

This module knows nothing of govsim. It wraps SALib's samplers and analysers behind
one vocabulary so that `govsim sensitivity` and `analyze_function` run the same code,
and so that every method returns the same tidy table: one row per (output, index,
parameter[, partner]) with the estimate, its bootstrap 95% interval and whether that
interval includes zero. A bare index without its interval is never reported.

    >>> from analysis.sensitivity import analyze_function
    >>> df = analyze_function(lambda x: x[:, 0] + 2 * x[:, 1], {"a": (0, 1), "b": (0, 1)}, n=256)
    >>> df[df["index"] == "S1"]        # doctest: +SKIP

Methods (the names of `METHODS`), their designs and whether a design for 2N begins
with the design for N (*nested*: then `--converge` reuses every run already done):

- ``sobol``: Saltelli's extension of a scrambled Sobol' sequence; N a power of two;
  N·(2k+2) points with second-order indices, N·(k+2) without. S1, ST, S2. Nested.
- ``morris``: N trajectories of k+1 points on a `num_levels` grid. mu, mu*, sigma; a
  bootstrap interval for mu*. Nested (trajectories are drawn one after another).
- ``fast``: extended FAST, N points per parameter on search curves (N > 4·M²). S1, ST.
  Not nested: the frequencies depend on N, so every N is a new design.
- ``rbd_fast``, ``delta``, ``pawn``: given-data methods on N points of a scrambled
  Sobol' sequence (``sampler="sobol"``, nested) or a Latin hypercube
  (``sampler="latin"``, SALib's usual design, not nested). These three also report a
  ``(dummy)`` parameter: a random column the model never saw, analysed like the rest.
  Its index is what "no influence" looks like at this N; PAWN's KS statistics in
  particular are never zero, so compare with the dummy, not with zero.

Seeds: one integer seeds the design, the bootstraps and the dummy, each through its
own stream (SeedSequence), so a seed gives the same table every time. Note that
several SALib analysers treat seed 0 as "no seed" and draw from numpy's global
state; the derived seeds here are never 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm, qmc
from SALib.analyze import delta as salib_delta
from SALib.analyze import fast as salib_fast
from SALib.analyze import morris as salib_morris
from SALib.analyze import pawn as salib_pawn
from SALib.analyze import rbd_fast as salib_rbd_fast
from SALib.analyze import sobol as salib_sobol
from SALib.sample import fast_sampler as salib_fast_sampler
from SALib.sample import latin as salib_latin
from SALib.sample import morris as salib_morris_sampler
from SALib.sample import sobol as salib_sobol_sampler
from SALib.util import scale_samples

from sim.errors import InputError, show

DUMMY = "(dummy)"
TABLE_COLUMNS = ("output", "index", "partner", "value", "conf", "ci_low", "ci_high", "includes_zero")


Rows = list[tuple]  # (parameter, output, index, partner, value, conf)


@dataclass(frozen=True)
class Method:
    """One SALib method as govsim offers it, with everything that differs between
    methods as data: its indices, options, how many points a design of N has, whether
    designs nest, what N may be, how it samples and how it analyses."""

    name: str
    label: str
    indices: tuple[str, ...]          # indices reported, in table order
    converge_on: tuple[str, ...]      # default indices whose intervals --converge watches
    main_index: tuple[str, ...]       # the indices a report and its bar chart show
    points: Callable[[int, int, Mapping[str, Any]], int]              # (k, N, options) -> design rows
    n_problem: Callable[[int, Mapping[str, Any]], str | None]         # what is wrong with N, if anything
    draw: Callable[[dict, int, Mapping[str, Any], int], np.ndarray]   # (problem, N, options, seed) -> X
    estimate: Callable[..., Rows]                                     # see _analyze_one
    options: Mapping[str, Any] = field(default_factory=dict)  # allowed options and defaults
    given_data: bool = False          # analyses any sample (and so gets a dummy)
    accepts_binary: bool = True       # a 0/1 input (thresholded uniform) is estimated correctly
    nests: Callable[[Mapping[str, Any]], bool] = lambda options: True  # the design for 2N begins with N's
    relative_width: bool = False      # --converge compares interval widths relative to the largest index
    option_problem: Callable[[Mapping[str, Any]], tuple[str, str] | None] = lambda options: None
    n_meaning: str = "samples"


COMMON_OPTIONS = {"num_resamples": 100, "conf_level": 0.95}
SAMPLERS = ("sobol", "latin")


def _rows(output: str, index: str, values, confs=None, params: Sequence[str] = (), partner: str = "") -> Rows:
    return [(p, output, index, partner, float(values[j]), np.nan if confs is None else float(confs[j]))
            for j, p in enumerate(params)]


# -- Sobol' (Saltelli) --
def _sobol_n(n: int, o: Mapping[str, Any]) -> str | None:
    if n < 2 or n & (n - 1):
        low = 1 << max(1, (max(n, 2) - 1).bit_length() - 1)
        return (f"got {n}; allowed for Sobol': a power of two (e.g. {low} or {2 * low}), because the Sobol' "
                "sequence is balanced only at powers of two")
    return None


def _sobol_estimate(prob, X, y, o, s, common, output) -> Rows:
    names = prob["names"]
    Si = salib_sobol.analyze(prob, y, calc_second_order=o["second_order"], seed=s, **common)
    rows = _rows(output, "S1", Si["S1"], Si["S1_conf"], names) + _rows(output, "ST", Si["ST"], Si["ST_conf"], names)
    if o["second_order"]:
        rows += [(names[a], output, "S2", names[b], float(Si["S2"][a, b]), float(Si["S2_conf"][a, b]))
                 for a in range(len(names)) for b in range(a + 1, len(names))]
    return rows


# -- Morris --
def _morris_estimate(prob, X, y, o, s, common, output) -> Rows:
    names = prob["names"]
    Si = salib_morris.analyze(prob, X, y, num_levels=o["num_levels"], seed=s, **common)
    return (_rows(output, "mu", Si["mu"], None, names) + _rows(output, "mu_star", Si["mu_star"],
                                                               Si["mu_star_conf"], names)
            + _rows(output, "sigma", Si["sigma"], None, names))


def _morris_options(o: Mapping[str, Any]) -> tuple[str, str] | None:
    if o["num_levels"] % 2:
        return "num_levels", f"got {show(o['num_levels'])}; allowed: an even integer (SALib's Morris design)"
    return None


# -- extended FAST --
def _fast_n(n: int, o: Mapping[str, Any]) -> str | None:
    floor = 4 * o["M"] ** 2
    return f"got {n}; allowed for FAST with M={o['M']}: more than 4·M² = {floor}" if n <= floor else None


def _fast_estimate(prob, X, y, o, s, common, output) -> Rows:
    Si = salib_fast.analyze(prob, y, M=o["M"], seed=s, **common)
    names = prob["names"]
    return _rows(output, "S1", Si["S1"], Si["S1_conf"], names) + _rows(output, "ST", Si["ST"], Si["ST_conf"], names)


# -- given-data methods: any sample, analysed with a dummy column beside the levers --
def _given_data_draw(prob: dict, n: int, o: Mapping[str, Any], s: int) -> np.ndarray:
    if o["sampler"] == "latin":
        return salib_latin.sample(prob, n, seed=s)
    with warnings.catch_warnings():  # scipy warns when n is not a power of two; balance is not needed here
        warnings.simplefilter("ignore", UserWarning)
        unit = qmc.Sobol(d=prob["num_vars"], scramble=True, seed=s).random(n)
    return scale_samples(unit, prob)


def _at_least(need: Callable[[Mapping[str, Any]], int], label: str) -> Callable[[int, Mapping[str, Any]], str | None]:
    def problem(n: int, o: Mapping[str, Any]) -> str | None:
        return f"got {n}; allowed for {label}: at least {need(o)} samples" if n < need(o) else None
    return problem


def _rbd_fast_estimate(prob, X, y, o, s, common, output) -> Rows:
    Si = salib_rbd_fast.analyze(prob, X, y, M=o["M"], seed=s, **common)
    return _rows(output, "S1", Si["S1"], Si["S1_conf"], prob["names"])


def _delta_estimate(prob, X, y, o, s, common, output) -> Rows:
    # "raw": Plischke's bias-reduced estimator on the design as drawn
    Si = salib_delta.analyze(prob, X, y, seed=s, method="delta", **common)
    return _rows(output, "delta", Si["delta_raw"], Si["delta_raw_conf"], prob["names"])


def _pawn_estimate(prob, X, y, o, s, common, output) -> Rows:
    est, conf = pawn_with_intervals(prob, X, y, o["S"], o["num_resamples"], o["conf_level"], s)
    return [row for index in PAWN_INDICES for row in _rows(output, index, est[index], conf[index], prob["names"])]


PAWN_INDICES = ("median", "mean", "minimum", "maximum")
_GIVEN = {"given_data": True, "points": lambda k, n, o: n, "draw": _given_data_draw,
          "nests": lambda o: o.get("sampler", "sobol") == "sobol", "n_meaning": "samples; points = N"}

METHODS: dict[str, Method] = {m.name: m for m in (
    Method("sobol", "Sobol'", ("S1", "ST", "S2"), ("S1", "ST"), ("S1", "ST"),
           points=lambda k, n, o: n * (2 * k + 2 if o.get("second_order", True) else k + 2),
           n_problem=_sobol_n,
           draw=lambda prob, n, o, s: salib_sobol_sampler.sample(prob, n, calc_second_order=o["second_order"],
                                                                 seed=s),
           estimate=_sobol_estimate, options={"second_order": True},
           n_meaning="base samples N (a power of two); points = N·(2k+2), or N·(k+2) without second order"),
    Method("morris", "Morris elementary effects", ("mu", "mu_star", "sigma"), ("mu_star",), ("mu_star", "sigma"),
           points=lambda k, n, o: n * (k + 1),
           n_problem=lambda n, o: f"got {n}; allowed for Morris: at least 2 trajectories" if n < 2 else None,
           draw=lambda prob, n, o, s: salib_morris_sampler.sample(prob, n, num_levels=o["num_levels"], seed=s),
           estimate=_morris_estimate, options={"num_levels": 4}, relative_width=True,
           option_problem=_morris_options, n_meaning="trajectories; points = N·(k+1)"),
    Method("fast", "extended FAST", ("S1", "ST"), ("S1", "ST"), ("S1", "ST"),
           points=lambda k, n, o: n * k, n_problem=_fast_n,
           draw=lambda prob, n, o, s: salib_fast_sampler.sample(prob, n, M=o["M"], seed=s),
           estimate=_fast_estimate, options={"M": 4}, accepts_binary=False, nests=lambda o: False,
           n_meaning="samples per parameter (more than 4·M²); points = N·k"),
    Method("rbd_fast", "RBD-FAST", ("S1",), ("S1",), ("S1",), n_problem=_at_least(lambda o: 20, "RBD-FAST"),
           estimate=_rbd_fast_estimate, options={"M": 10, "sampler": "sobol"}, accepts_binary=False, **_GIVEN),
    Method("delta", "delta moment-independent", ("delta",), ("delta",), ("delta",),
           n_problem=_at_least(lambda o: 20, "delta moment-independent"), estimate=_delta_estimate,
           options={"sampler": "sobol"}, **_GIVEN),
    Method("pawn", "PAWN", PAWN_INDICES, ("median",), ("median",),
           n_problem=_at_least(lambda o: 2 * o["S"], "PAWN"), estimate=_pawn_estimate,
           options={"S": 10, "sampler": "sobol"}, **_GIVEN),
)}


# ---- checking the inputs once, at the boundary ---------------------------------------------------------
def get_method(name: Any, source: str | None = None, key: str = "method") -> Method:
    if isinstance(name, str) and name in METHODS:
        return METHODS[name]
    raise InputError(f"unknown method {show(name)}; allowed: {', '.join(METHODS)}", source=source, key=key)


def check_options(m: Method, options: Mapping[str, Any], source: str | None = None,
                  prefix: str = "") -> dict[str, Any]:
    """The method's options with defaults filled in, or an InputError naming the bad one."""
    allowed = {**COMMON_OPTIONS, **m.options}
    out = dict(allowed)
    for key, value in options.items():
        where = f"{prefix}{key}"
        if key not in allowed:
            raise InputError(f"unknown option '{key}' for method {m.name}; allowed: {', '.join(allowed)}",
                             source=source, key=where)
        default = allowed[key]
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise InputError(f"expected true or false, got {show(value)}", source=source, key=where)
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(f"expected an integer, got {show(value)}", source=source, key=where)
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"expected a number, got {show(value)}", source=source, key=where)
            value = float(value)
        elif isinstance(default, str) and value not in SAMPLERS:
            raise InputError(f"got {show(value)}; allowed: {', '.join(map(show, SAMPLERS))}",
                             source=source, key=where)
        out[key] = value
    limits = {"num_resamples": (10, 100_000), "num_levels": (2, 100), "M": (1, 50), "S": (2, 100)}
    for key, (low, high) in limits.items():
        if key in out and not low <= out[key] <= high:
            raise InputError(f"got {show(out[key])}; allowed: an integer in [{low}, {high}]",
                             source=source, key=f"{prefix}{key}")
    if not 0.5 <= out["conf_level"] < 1:
        raise InputError(f"got {show(out['conf_level'])}; allowed: a number in [0.5, 1)",
                         source=source, key=f"{prefix}conf_level")
    problem = m.option_problem(out)
    if problem:
        raise InputError(problem[1], source=source, key=f"{prefix}{problem[0]}")
    return out


def check_n(m: Method, n: Any, k: int, options: Mapping[str, Any], source: str | None = None,
            key: str = "n") -> int:
    """N for this method, or an InputError saying what N must be."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise InputError(f"expected an integer, got {show(n)}; allowed: {m.n_meaning}", source=source, key=key)
    problem = m.n_problem(n, options)
    if problem:
        raise InputError(problem, source=source, key=key)
    return n


def check_bounds(bounds: Mapping[str, Sequence[float]], source: str | None = None) -> dict[str, tuple[float, float]]:
    if len(bounds) < 2:
        raise InputError(f"got {len(bounds)} parameter(s); allowed: at least 2 (sensitivity is relative)",
                         source=source, key="bounds")
    out = {}
    for name, b in bounds.items():
        try:
            low, high = (float(v) for v in b)
        except (TypeError, ValueError):
            raise InputError(f"expected (low, high), got {b!r}", source=source, key=name) from None
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise InputError(f"expected finite low < high, got ({low:g}, {high:g})", source=source, key=name)
        out[str(name)] = (low, high)
    return out


# ---- designs -------------------------------------------------------------------------------------------
def problem(bounds: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    """SALib's problem dict."""
    return {"num_vars": len(bounds), "names": list(bounds), "bounds": [list(b) for b in bounds.values()]}


def n_points(method_name: str, k: int, n: int, options: Mapping[str, Any]) -> int:
    """Rows of the design (model evaluations before replicates)."""
    return METHODS[method_name].points(k, n, options)


def nested(method_name: str, options: Mapping[str, Any]) -> bool:
    """Whether the design for 2N begins with the design for N (so runs can be reused)."""
    return METHODS[method_name].nests(options)


def derived_seed(seed: int, purpose: int) -> int:
    """A non-zero 32-bit seed for one purpose (1 design, 2 bootstrap, 3 dummy)."""
    state = np.random.SeedSequence(seed, spawn_key=(purpose,)).generate_state(1, np.uint32)[0]
    return int(state) | 1


def sample(method_name: str, bounds: Mapping[str, tuple[float, float]], n: int, seed: int = 0,
           options: Mapping[str, Any] | None = None) -> np.ndarray:
    """The method's design, scaled to bounds, in the row order its analyser expects."""
    m = METHODS[method_name]
    opts = check_options(m, options or {})
    return m.draw(problem(bounds), n, opts, derived_seed(seed, 1))


# ---- analysis ------------------------------------------------------------------------------------------
def analyze(method_name: str, bounds: Mapping[str, tuple[float, float]], X: np.ndarray, Y: np.ndarray,
            seed: int = 0, options: Mapping[str, Any] | None = None,
            outputs: Sequence[str] | None = None) -> pd.DataFrame:
    """Indices with intervals for each output column of Y (n, or (n, m)).

    X must be the design exactly as `sample` produced it (the analysers of Morris and
    the given-data methods read it); Y the model's outputs in the same row order.
    """
    m = METHODS[method_name]
    opts = check_options(m, options or {})
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] != len(X):
        raise ValueError(f"outputs must have {len(X)} rows (one per design row), got shape {Y.shape}")
    names = list(outputs) if outputs is not None else (["y"] if Y.shape[1] == 1 else [f"y{j}" for j in range(Y.shape[1])])
    if len(names) != Y.shape[1]:
        raise ValueError(f"{len(names)} output names for {Y.shape[1]} output columns")
    bad = [names[j] for j in range(Y.shape[1]) if not np.isfinite(Y[:, j]).all()]
    if bad:
        raise ValueError(f"outputs {', '.join(bad)} have NaN or infinite values; sensitivity indices need "
                         "a finite output at every design point")
    frames = [_analyze_one(m, opts, bounds, np.asarray(X, float), Y[:, j], seed, name)
              for j, name in enumerate(names)]
    return pd.concat(frames)


def _analyze_one(m: Method, opts: Mapping[str, Any], bounds: Mapping[str, tuple[float, float]],
                 X: np.ndarray, y: np.ndarray, seed: int, output: str) -> pd.DataFrame:
    prob = problem(bounds)
    if np.ptp(y) == 0:  # a constant output: nothing has any influence (SALib would divide by zero)
        return _constant_table(m, opts, prob["names"], output)
    if m.given_data:
        X, prob, _ = _with_dummy(X, prob, seed)
    common = {"num_resamples": opts["num_resamples"], "conf_level": opts["conf_level"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's notices (constant output, FAST CI caveat, delta bins)
        rows = m.estimate(prob, X, y, opts, derived_seed(seed, 2), common, output)
    return _table(rows)


def _constant_table(m: Method, opts: Mapping[str, Any], names: list[str], output: str) -> pd.DataFrame:
    params = [*names, DUMMY] if m.given_data else names
    rows = []
    for index in m.indices:
        if index == "S2":
            if opts.get("second_order"):
                rows += [(a, output, "S2", b, 0.0, 0.0) for i, a in enumerate(names) for b in names[i + 1:]]
            continue
        conf = np.nan if index in ("mu", "sigma") else 0.0
        rows += [(p, output, index, "", 0.0, conf) for p in params]
    return _table(rows)


def _with_dummy(X: np.ndarray, prob: dict, seed: int) -> tuple[np.ndarray, dict, list[str]]:
    """The design plus one uniform column the model never saw: the 'no influence' yardstick."""
    dummy = np.random.default_rng(derived_seed(seed, 3)).random(len(X))
    probd = {"num_vars": prob["num_vars"] + 1, "names": [*prob["names"], DUMMY],
             "bounds": [*prob["bounds"], [0.0, 1.0]]}
    return np.column_stack([X, dummy]), probd, probd["names"]


def pawn_with_intervals(prob: dict, X: np.ndarray, y: np.ndarray, S: int, resamples: int,
                        conf_level: float, seed: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """SALib's PAWN statistics, with the bootstrap intervals SALib does not give.

    The estimates are SALib's `pawn.analyze`. For the intervals, rows are resampled
    with replacement and the same statistics recomputed by `pawn_ks`, a vectorised
    copy of SALib's slicing and KS statistic (a test checks that the two agree):
    calling SALib a hundred times costs minutes, because scipy's ks_2samp also
    computes p-values PAWN never uses. Half-width: z·sd, as SALib reports elsewhere.
    """
    keys = ("median", "mean", "minimum", "maximum")
    full = salib_pawn.analyze(prob, X, y, S=S)
    rng = np.random.default_rng(seed)
    reducers = {"median": np.nanmedian, "mean": np.nanmean, "minimum": np.nanmin, "maximum": np.nanmax}
    boot = {k: np.empty((resamples, prob["num_vars"])) for k in keys}
    for b in range(resamples):
        idx = rng.integers(0, len(y), len(y))
        ks = pawn_ks(X[idx], y[idx], S)
        for k in keys:
            boot[k][b] = reducers[k](ks, axis=0)
    z = norm.ppf(0.5 + conf_level / 2)
    return ({k: np.asarray(full[k]) for k in keys},
            {k: z * np.nanstd(boot[k], axis=0, ddof=1) for k in keys})


def pawn_ks(X: np.ndarray, y: np.ndarray, S: int) -> np.ndarray:
    """KS distance between y in each of S slices of each input and all of y, (S, k);
    NaN for an empty slice. Slices as in SALib: quantiles of the input, half-open."""
    step = 1 / S
    seq = np.arange(0, 1 + step, step)
    y_all = np.sort(y)
    out = np.full((S, X.shape[1]), np.nan)
    for d in range(X.shape[1]):
        q = np.nanquantile(X[:, d], seq)
        for s in range(S):
            sel = np.sort(y[(X[:, d] >= q[s]) & (X[:, d] < q[s + 1])])
            if len(sel) == 0:
                continue
            pooled = np.concatenate([sel, y_all])
            cdf_sel = np.searchsorted(sel, pooled, side="right") / len(sel)
            cdf_all = np.searchsorted(y_all, pooled, side="right") / len(y_all)
            out[s, d] = np.max(np.abs(cdf_sel - cdf_all))
    return out


def _table(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["parameter", "output", "index", "partner", "value", "conf"])
    df["ci_low"] = df["value"] - df["conf"]
    df["ci_high"] = df["value"] + df["conf"]
    has_ci = df["conf"].notna()
    df["includes_zero"] = pd.array([bool(lo <= 0 <= hi) if ok else pd.NA
                                    for lo, hi, ok in zip(df["ci_low"], df["ci_high"], has_ci)], dtype="boolean")
    return df.set_index("parameter")[list(TABLE_COLUMNS)]


def widest_interval(table: pd.DataFrame, indices: Sequence[str], relative_to_max: bool = False) -> float:
    """The widest 95% interval (high − low) among the given indices, dummy excluded.

    For Morris' mu* (in the output's units) pass relative_to_max: widths are then
    divided by the largest mu* of the same output, so one tolerance fits any outcome.
    """
    t = table[table["index"].isin(indices) & (table.index != DUMMY) & table["conf"].notna()]
    if t.empty:
        return float("nan")
    width = t["ci_high"] - t["ci_low"]
    if relative_to_max:
        scale = t.groupby("output")["value"].transform(lambda v: v.abs().max())
        width = width / scale.where(scale > 0, np.nan)
        width = width.fillna(0.0)
    return float(width.max())


# ---- the whole thing for a Python function -------------------------------------------------------------
def analyze_function(func: Callable[[np.ndarray], np.ndarray], bounds: Mapping[str, tuple[float, float]],
                     method: str = "sobol", n: int = 1024, seed: int = 0, *,
                     outputs: Sequence[str] | None = None, **options: Any) -> pd.DataFrame:
    """Sensitivity indices of any vectorised model, with 95% intervals.

    func maps an (n, k) array (columns in the order of `bounds`) to an n-vector or an
    (n, m) array; bounds maps each input name to (low, high), inputs independent and
    uniform. Returns the tidy table described in the module docstring, indexed by
    parameter, one set of rows per output (named by `outputs`, else y, y0, y1, ...).
    Options are the method's (see METHODS[method].options) plus num_resamples and
    conf_level.
    """
    m = get_method(method)
    b = check_bounds(bounds)
    opts = check_options(m, options)
    check_n(m, n, len(b), opts)
    X = sample(m.name, b, n, seed, opts)
    Y = np.asarray(func(X), dtype=float)
    return analyze(m.name, b, X, Y, seed, opts, outputs)
