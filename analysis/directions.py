"""Directional validity: does each policy lever move the outcomes the way the policy expects?

The expectations are data, in ``docs/directions.toml`` (the one source for the ODD's
table of expected directions and for ``tests/test_directions.py``): for every policy
lever, the sign that the clause's words give each headline outcome when the lever goes
from its low to its high bound ("+", "-", or "0" where the policy says nothing), with
the words as the reason; and the contradictions that the ODD documents as findings,
each with its mechanism.

The experiment: every lever at its low and its high bound, all other levers at the
reference scenario's values, on ``replicates`` paired seeds (replicate r of every run
gets the same seed: common random numbers, as ``govsim run`` does). The effect of a
lever on an outcome is the mean paired difference high − low and its t-interval.
Intervals are Bonferroni-corrected over every (lever, outcome) cell judged, so that
the chance of any false verdict in the whole table — an effect "beyond noise" that is
only luck, or a "contradiction" that is only luck — stays at most 1 − ``confidence``.

    >>> from analysis import directions
    >>> table = directions.load()
    >>> effects = directions.lever_effects(table)       # one row per lever and outcome
    >>> directions.verdicts(table, effects)             # the levers that fail, and why
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import tomllib
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from scipy import stats

from sim.engine.plan import run_seed
from sim.errors import InputError, show
from sim.levers import LEVER_BY_NAME, LEVERS, Lever
from sim.outcomes import OUTCOME_NAMES
from sim.run import DEFAULT_SEED, DEFAULT_WEEKS, run
from sim.scenario import load as load_scenario

TABLE = Path(__file__).resolve().parent.parent / "docs" / "directions.toml"
SIGNS = ("+", "-", "0")
EXPECTED_MARKERS = ("<!-- directions:begin -->", "<!-- directions:end -->")
EFFECTS_MARKERS = ("<!-- lever-effects:begin -->", "<!-- lever-effects:end -->")


@dataclass(frozen=True)
class Expectation:
    """One lever's row: the range it is moved over and the direction of each outcome."""

    lever: str
    clause: str
    words: str            # the clause's own words (Chinese)
    english: str          # what they say
    expect: Mapping[str, str]
    low: Any
    high: Any
    range_reason: str = ""


@dataclass(frozen=True)
class Exception_:
    """A contradiction (or an inert lever) that the ODD documents as a finding."""

    lever: str
    outcome: str          # an outcome name, or "*" for a lever that moves nothing
    observed: str         # "+", "-" or "0" (inert)
    finding: str
    mechanism: str


@dataclass(frozen=True)
class DirectionTable:
    scenario: str
    replicates: int
    weeks: int
    confidence: float
    headline: tuple[str, ...]
    levers: tuple[Expectation, ...]
    exceptions: tuple[Exception_, ...] = ()
    seed: int = DEFAULT_SEED
    path: Path | None = None
    notes: Mapping[str, str] = field(default_factory=dict)

    def outcomes(self) -> tuple[str, ...]:
        """Every outcome judged: the headline ones, then any a lever's row adds."""
        extra = [o for e in self.levers for o in e.expect if o not in self.headline]
        return self.headline + tuple(dict.fromkeys(extra))

    def exception(self, lever: str, outcome: str) -> Exception_ | None:
        for x in self.exceptions:
            if x.lever == lever and x.outcome == outcome:
                return x
        return None


def policy_levers() -> tuple[Lever, ...]:
    return tuple(lv for lv in LEVERS if lv.kind == "policy")


# ---- reading the table ---------------------------------------------------------------------
def load(path: str | Path = TABLE) -> DirectionTable:
    """The table of expected directions; an InputError names the file, key and bad value."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise InputError(f"cannot read the table of directions ({e})", source=str(path)) from None
    src = str(path)

    def need(table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
        if key not in table:
            raise InputError("missing", source=src, key=f"{where}{key}")
        value = table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise InputError(f"expected {kind.__name__}, got {show(value)}", source=src, key=f"{where}{key}")
        return value

    headline = tuple(need(data, "headline", list, ""))
    for o in headline:
        if o not in OUTCOME_NAMES:
            raise InputError(f"unknown outcome {show(o)}; outcomes: {', '.join(OUTCOME_NAMES)}",
                             source=src, key="headline")
    confidence = need(data, "confidence", float, "")
    if not 0 < confidence < 1:
        raise InputError(f"expected a number in (0, 1), got {show(confidence)}", source=src, key="confidence")
    replicates = need(data, "replicates", int, "")
    if replicates < 3:
        raise InputError(f"expected at least 3, got {show(replicates)}", source=src, key="replicates")
    rows = []
    for name, row in need(data, "levers", dict, "").items():
        where = f"levers.{name}."
        if name not in LEVER_BY_NAME or LEVER_BY_NAME[name].kind != "policy":
            raise InputError(f"not a policy lever: {show(name)}", source=src, key=f"levers.{name}")
        lv = LEVER_BY_NAME[name]
        expect = dict(need(row, "expect", dict, where))
        for o, sign in expect.items():
            if o not in OUTCOME_NAMES:
                raise InputError(f"unknown outcome {show(o)}", source=src, key=f"{where}expect.{o}")
            if sign not in SIGNS:
                raise InputError(f"expected one of \"+\", \"-\", \"0\", got {show(sign)}",
                                 source=src, key=f"{where}expect.{o}")
        low, high = _bounds(lv)
        if "low" in row or "high" in row:
            low = lv.check(row.get("low", low), src)
            high = lv.check(row.get("high", high), src)
            need(row, "range", str, where)
        rows.append(Expectation(name, need(row, "clause", str, where), need(row, "words", str, where),
                                need(row, "english", str, where), expect, low, high, row.get("range", "")))
    exceptions = []
    for i, x in enumerate(data.get("exception", [])):
        where = f"exception[{i}]."
        ex = Exception_(need(x, "lever", str, where), need(x, "outcome", str, where),
                        need(x, "observed", str, where), need(x, "finding", str, where),
                        need(x, "mechanism", str, where))
        if ex.lever not in LEVER_BY_NAME:
            raise InputError(f"unknown lever {show(ex.lever)}", source=src, key=f"{where}lever")
        if ex.outcome != "*" and ex.outcome not in OUTCOME_NAMES:
            raise InputError(f"unknown outcome {show(ex.outcome)}", source=src, key=f"{where}outcome")
        if ex.observed not in SIGNS:
            raise InputError(f"expected one of \"+\", \"-\", \"0\", got {show(ex.observed)}",
                             source=src, key=f"{where}observed")
        if not ex.finding.strip() or not ex.mechanism.strip():
            raise InputError("a documented exception needs its finding and mechanism in words",
                             source=src, key=f"{where}mechanism")
        exceptions.append(ex)
    return DirectionTable(
        scenario=need(data, "scenario", str, ""), replicates=replicates,
        weeks=int(data.get("weeks", DEFAULT_WEEKS)), confidence=confidence, headline=headline,
        levers=tuple(rows), exceptions=tuple(exceptions), seed=int(data.get("seed", DEFAULT_SEED)),
        path=path, notes=dict(data.get("notes", {})))


def _bounds(lv: Lever) -> tuple[Any, Any]:
    if lv.type == "bool":
        return False, True
    if lv.type == "choice":
        return lv.choices[0], lv.choices[-1]
    return lv.check(lv.low), lv.check(lv.high)


# ---- running the pairs ---------------------------------------------------------------------
SIDES = ("low", "reference", "high")
STEPS = (("low", "high"), ("low", "reference"), ("reference", "high"))


def _one(task: tuple[tuple[tuple[str, Any], ...], int, int]) -> list[float]:
    overrides, seed, weeks = task
    record = run(dict(overrides), seed=seed, weeks=weeks, timeseries_every=0)
    return [record.outcomes[o] for o in OUTCOME_NAMES]


def reference_levers(table: DirectionTable) -> dict[str, Any]:
    """Every lever's value in the reference scenario."""
    return load_scenario(table.scenario).levers()


def run_pairs(table: DirectionTable, *, replicates: int | None = None,
              workers: int | None = None) -> pd.DataFrame:
    """Every lever at its low bound, the reference value and its high bound, on paired
    seeds: one row per (lever, side, replicate).

    The reference runs are the same for every lever and are run once (as is any bound
    that equals the reference value). Workers: every core unless told; the
    process pool starts its workers from a forkserver, as the engine does, so call
    this under ``if __name__ == "__main__"`` in a script.
    """
    base = dict(load_scenario(table.scenario).overrides)
    n = replicates or table.replicates
    seeds = [run_seed(table.seed, 0, r, common=True) for r in range(n)]
    rows, tasks = [], {}
    for e in table.levers:
        for side, value in (("low", e.low), ("reference", None), ("high", e.high)):
            levers = tuple(sorted(base.items() if side == "reference" else {**base, e.lever: value}.items()))
            for r, seed in enumerate(seeds):
                key = (levers, seed, table.weeks)
                tasks.setdefault(key, None)
                rows.append((e.lever, side, r, seed, key))
    keys = list(tasks)
    workers = workers or os.cpu_count() or 1
    if workers > 1:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.run"])
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            results = list(pool.map(_one, keys, chunksize=max(1, len(keys) // (8 * workers))))
    else:
        results = [_one(k) for k in keys]
    done = dict(zip(keys, results))
    out = pd.DataFrame([(lv, side, r, seed, *done[key]) for lv, side, r, seed, key in rows],
                       columns=["lever", "side", "replicate", "seed", *OUTCOME_NAMES])
    out.attrs["distinct_runs"] = len(keys)
    return out


# ---- effects and verdicts -------------------------------------------------------------------
def _steps(e: Expectation, reference: Any) -> list[tuple[str, str]]:
    """The whole range, and its two halves where the reference lies strictly inside it."""
    inside = reference != e.low and reference != e.high
    return [s for s in STEPS if s == ("low", "high") or inside]


def _judged(table: DirectionTable, e: Expectation, step: tuple[str, str]) -> list[str]:
    """The outcomes a step is judged on: on the whole range every headline outcome and
    those the row expects something of; on a half only those with a direction."""
    if step == ("low", "high"):
        return [o for o in table.outcomes() if o in table.headline or o in e.expect]
    return [o for o in table.outcomes() if e.expect.get(o, "0") != "0"]


def cell_confidence(table: DirectionTable, reference: Mapping[str, Any] | None = None) -> float:
    """Per-cell confidence: Bonferroni over every (lever, step, outcome) cell judged."""
    reference = reference if reference is not None else reference_levers(table)
    cells = sum(len(_judged(table, e, s)) for e in table.levers for s in _steps(e, reference[e.lever]))
    return 1 - (1 - table.confidence) / cells


def lever_effects(table: DirectionTable, runs: pd.DataFrame | None = None, **kw) -> pd.DataFrame:
    """One row per lever, step and outcome: the paired effect (to − from), its interval,
    the expected and observed direction and the verdict.

    Steps: low→high (the whole range), and where the reference value lies inside the
    range also low→reference and reference→high, so that a lever that helps up to the
    policy's value and harms beyond it is caught. The halves are judged only where a
    direction is expected. observed: "+" or "-" when the interval excludes zero, else "0".
    verdict: "agrees" (observed = expected), "contradicts" (the opposite sign),
    "documented" (a contradiction the table's exceptions document), "not shown"
    (a direction expected, the interval includes zero), "unexpected" (the policy
    expects nothing, the model moves it), "none" (nothing expected, nothing seen).
    """
    if runs is None:
        runs = run_pairs(table, **kw)
    reference = reference_levers(table)
    level = cell_confidence(table, reference)
    values = {}
    rows = []
    for e in table.levers:
        mine = runs[runs["lever"] == e.lever]
        by_side = {side: mine[mine["side"] == side].set_index("replicate") for side in SIDES}
        values = {"low": e.low, "reference": reference[e.lever], "high": e.high}
        for a, b in _steps(e, reference[e.lever]):
            for o in _judged(table, e, (a, b)):
                d = (by_side[b][o] - by_side[a][o]).dropna().to_numpy(float)
                n = len(d)
                mean = float(d.mean()) if n else math.nan
                sd = float(d.std(ddof=1)) if n > 1 else math.nan
                half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n)) if n > 1 else math.nan
                lo, hi = mean - half, mean + half
                observed = "+" if lo > 0 else "-" if hi < 0 else "0"
                expected = e.expect.get(o, "0")
                rows.append({"lever": e.lever, "step": f"{a}→{b}", "outcome": o,
                             "from_value": fmt_value(values[a]), "to_value": fmt_value(values[b]),
                             "n": n, "from_mean": float(by_side[a][o].mean()),
                             "to_mean": float(by_side[b][o].mean()), "effect": mean,
                             "ci_low": lo, "ci_high": hi, "sd_difference": sd, "confidence": level,
                             "expected": expected, "observed": observed,
                             "verdict": _verdict(table, e.lever, o, expected, observed)})
    return pd.DataFrame(rows)


def _verdict(table: DirectionTable, lever: str, outcome: str, expected: str, observed: str) -> str:
    if expected == "0":
        return "none" if observed == "0" else "unexpected"
    if observed == "0":
        return "not shown"
    if observed == expected:
        return "agrees"
    x = table.exception(lever, outcome)
    return "documented" if x is not None and x.observed == observed else "contradicts"


def whole_range(effects: pd.DataFrame) -> pd.DataFrame:
    return effects[effects["step"] == "low→high"]


def verdicts(table: DirectionTable, effects: pd.DataFrame) -> dict[str, list[str]]:
    """What fails, lever by lever: undocumented contradictions (on the whole range or
    either half), and levers that move no headline outcome beyond noise over their
    whole range (unless documented as inert)."""
    failures: dict[str, list[str]] = {}
    for e in table.levers:
        mine = effects[effects["lever"] == e.lever]
        why = [f"{r.outcome} ({r.step}, {r.from_value} → {r.to_value}): expected {r.expected}, "
               f"observed {r.effect:+.4f} [{r.ci_low:+.4f}, {r.ci_high:+.4f}] (undocumented contradiction)"
               for r in mine.itertuples() if r.verdict == "contradicts"]
        if inert(table, mine):
            x = table.exception(e.lever, "*")
            if not (x is not None and x.observed == "0"):
                why.append("moves no headline outcome beyond noise over its whole range (inert)")
        if why:
            failures[e.lever] = why
    return failures


def inert(table: DirectionTable, effects_of_lever: pd.DataFrame) -> bool:
    w = whole_range(effects_of_lever)
    return bool((w[w["outcome"].isin(table.headline)]["observed"] == "0").all())


def stale_exceptions(table: DirectionTable, effects: pd.DataFrame) -> list[Exception_]:
    """Documented exceptions that the runs no longer show: the ODD's finding is out of date."""
    stale = []
    for x in table.exceptions:
        mine = effects[effects["lever"] == x.lever]
        if x.outcome == "*":
            shown = inert(table, mine)
        else:
            shown = (mine[mine["outcome"] == x.outcome]["observed"] == x.observed).any()
        if not shown:
            stale.append(x)
    return stale


def fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def summary(effects: pd.DataFrame) -> str:
    """A plain-text table for the terminal."""
    lines = []
    for lever, g in effects.groupby("lever", sort=False):
        lines.append(lever)
        for r in g.itertuples():
            lines.append(f"  {r.step:18s} {r.outcome:30s} {r.effect:+.4f} [{r.ci_low:+.4f}, {r.ci_high:+.4f}] "
                         f"sd {r.sd_difference:.4f}  expected {r.expected}  {r.verdict}")
    return "\n".join(lines)


# ---- the ODD's tables ----------------------------------------------------------------------
COLUMNS = 5  # headline outcomes per table of effects, so that it stays readable
MARK = {"agrees": "✓", "contradicts": "✗", "documented": "✗ (documented)", "not shown": "·",
        "unexpected": "", "none": ""}


def expected_markdown(table: DirectionTable) -> str:
    """The table of expected directions, from docs/directions.toml alone: the clause's
    words for each lever, then the signs."""
    head = list(table.headline)
    lines = ["| lever | clause | low → high | the clause's words |", "|---|---|---|---|"]
    for e in table.levers:
        rng = f"{fmt_value(e.low)} → {fmt_value(e.high)}"
        if e.range_reason:
            rng += f" ({e.range_reason})"
        lines.append(f"| `{e.lever}` | {e.clause} | {rng} | {e.words} — {e.english} |")
    lines += ["", "| lever | " + " | ".join(f"`{o}`" for o in head) + " | other outcomes |",
              "|---" * (len(head) + 2) + "|"]
    for e in table.levers:
        other = ", ".join(f"`{o}` {s}" for o, s in e.expect.items() if o not in head) or "—"
        signs = " | ".join(e.expect.get(o, "0") for o in head)
        lines.append(f"| `{e.lever}` | {signs} | {other} |")
    if table.exceptions:
        lines += ["", "Contradictions documented as findings (the test accepts these and no others):", ""]
        for x in table.exceptions:
            what = "moves no headline outcome" if x.outcome == "*" else f"`{x.outcome}` {x.observed}"
            lines.append(f"- `{x.lever}`, {what}: {x.finding} *Mechanism:* {x.mechanism}")
    return "\n".join(lines)


def _cell(r) -> str:
    if r is None:
        return ""
    if math.isnan(r.effect):
        return "n/a"
    text = f"{r.effect:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}]"
    mark = MARK[r.verdict]
    return f"{text} {mark}".strip()


def effects_markdown(table: DirectionTable, effects: pd.DataFrame) -> str:
    """The table of effects high − low (the headline outcomes in groups of at most
    COLUMNS, the row's other outcomes in the last), its notes and the verdicts."""
    head = list(table.headline)
    level = float(effects["confidence"].iloc[0])
    whole = whole_range(effects)
    lines = [f"Scenario `{table.scenario}`, {table.weeks} weeks, {int(whole['n'].max())} paired "
             f"replicates per bound (master seed {table.seed}, common random numbers); "
             f"each cell: mean paired difference high − low and its t-interval at "
             f"{100 * level:.3f}% per cell (Bonferroni over the {round((1 - table.confidence) / (1 - level))} "
             f"cells judged: {100 * table.confidence:g}% for the whole table). ✓ agrees with the expected direction, ✗ contradicts it, · a "
             "direction is expected but the interval includes 0; no mark: nothing expected."]
    groups = [head[i:i + COLUMNS] for i in range(0, len(head), COLUMNS)]
    for k, group in enumerate(groups):
        last = k == len(groups) - 1
        lines += ["", "| lever | low → high | " + " | ".join(f"`{o}`" for o in group)
                  + (" | other outcomes |" if last else " |"),
                  "|---" * (len(group) + 2 + last) + "|"]
        for e in table.levers:
            mine = whole[whole["lever"] == e.lever].set_index("outcome")
            cells = [_cell(next(mine.loc[[o]].itertuples(), None)) if o in mine.index else "" for o in group]
            row = f"| `{e.lever}` | {fmt_value(e.low)} → {fmt_value(e.high)} | " + " | ".join(cells) + " |"
            if last:
                other = "; ".join(f"`{o}` {_cell(r)}" for o, r in zip(mine.index, mine.itertuples())
                                  if o not in head) or "—"
                row += f" {other} |"
            lines.append(row)
    halves = effects[(effects["step"] != "low→high") & effects["verdict"].isin(["contradicts", "documented"])]
    lines += ["", "Where the reference value lies inside the range, each half (low → reference, "
              "reference → high) is judged too, on the outcomes with an expected direction. "
              "Halves that contradict it:", ""]
    if halves.empty:
        lines.append("- none")
    for r in halves.itertuples():
        lines.append(f"- `{r.lever}` {r.from_value} → {r.to_value}: `{r.outcome}` {_cell(r)}")
    failures = verdicts(table, effects)
    lines += ["", "Levers that fail the test (an undocumented contradiction, or no headline "
              "outcome moved beyond noise):", ""]
    if not failures:
        lines.append("- none")
    for lever, why in failures.items():
        lines.append(f"- `{lever}`: " + "; ".join(why))
    stale = stale_exceptions(table, effects)
    for x in stale:
        lines.append(f"- documented exception no longer seen: `{x.lever}` `{x.outcome}` {x.observed}")
    return "\n".join(lines)
