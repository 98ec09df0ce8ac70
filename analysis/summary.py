"""Outcome tables: mean and 95% confidence interval of the mean over replicates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim.outcomes import OUTCOME_BY_NAME

HEADLINE = ("resolution_rate", "escalation_rate", "satisfaction", "trust", "participation",
            "unmet_need_rate", "mean_weeks_to_resolution")


def outcome_table(runs: pd.DataFrame, outcomes: Sequence[str] = HEADLINE, by: str = "scenario",
                  order: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per scenario and outcome: n, mean, and the t-based 95% interval of the mean.

    NaN outcomes (undefined in a run) are left out of n. `order` fixes the order of
    the groups (default: by first point_id), e.g. when runs come from several stores.
    An interval is clipped to the values the outcome can take (a share to [0, 1]): the
    t interval is symmetric, and near a bound it would otherwise promise impossible
    values (a resolution rate of 1.02); the mean itself is never moved.
    """
    ok = runs[runs["status"] == "ok"]
    rows = []
    if order is None:
        order = ok.sort_values("point_id").drop_duplicates(by)[by].tolist()
    for name in order:
        group = ok[ok[by] == name]
        for outcome in outcomes:
            x = group[outcome].dropna().to_numpy(float)
            n = len(x)
            mean = float(x.mean()) if n else float("nan")
            half = float(stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
            low, high = _bounds(outcome)
            rows.append({by: name, "outcome": outcome, "n": n, "mean": mean,
                         "ci_low": max(mean - half, low) if n > 1 else mean - half,
                         "ci_high": min(mean + half, high) if n > 1 else mean + half})
    return pd.DataFrame(rows)


def _bounds(outcome: str) -> tuple[float, float]:
    spec = OUTCOME_BY_NAME.get(outcome)
    return spec.bounds if spec else (-np.inf, np.inf)


def format_table(table: pd.DataFrame, by: str = "scenario") -> str:
    """Scenarios as columns, outcomes as rows: 'mean [low, high]'."""
    names = list(dict.fromkeys(table[by]))
    outcomes = list(dict.fromkeys(table["outcome"]))
    digits = {o: 1 if table.loc[table["outcome"] == o, "mean"].abs().max() >= 10 else 3 for o in outcomes}
    cells = {(r[by], r["outcome"]): _cell(r, digits[r["outcome"]]) for _, r in table.iterrows()}
    width = max(26, *(len(n) + 2 for n in names))
    head = f"{'outcome (mean [95% CI])':26s}" + "".join(f"{n:>{width}s}" for n in names)
    lines = [head, "-" * len(head)]
    for o in outcomes:
        lines.append(f"{o:26s}" + "".join(f"{cells[(n, o)]:>{width}s}" for n in names))
    return "\n".join(lines)


def _cell(r, digits: int) -> str:
    if r["n"] == 0:
        return "n/a"
    if r["n"] == 1:
        return f"{r['mean']:.{digits}f}"
    return f"{r['mean']:.{digits}f} [{r['ci_low']:.{digits}f}, {r['ci_high']:.{digits}f}]"


def format_rows(table: pd.DataFrame, by: str = "group", labels: dict[str, str] | None = None) -> str:
    """Groups as rows, outcomes as columns ('mean [low, high]'), for many groups (a sweep):
    one number format per outcome column. ``labels`` shortens the group names."""
    names = list(dict.fromkeys(table[by]))
    outcomes = list(dict.fromkeys(table["outcome"]))
    digits = {o: 1 if table.loc[table["outcome"] == o, "mean"].abs().max() >= 10 else 3 for o in outcomes}
    cells = {(r[by], r["outcome"]): _cell(r, digits[r["outcome"]]) for _, r in table.iterrows()}
    shown = {n: (labels or {}).get(n, n) for n in names}
    first = max(len("group"), *(len(v) for v in shown.values()))
    widths = {o: max(len(o), *(len(cells[(n, o)]) for n in names)) + 2 for o in outcomes}
    head = f"{'group':{first}s}" + "".join(f"{o:>{widths[o]}s}" for o in outcomes)
    lines = [head, "-" * len(head)]
    for n in names:
        lines.append(f"{shown[n]:{first}s}" + "".join(f"{cells[(n, o)]:>{widths[o]}s}" for o in outcomes))
    return "\n".join(lines)
