"""Outcome tables: mean and 95% confidence interval of the mean over replicates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

HEADLINE = ("resolution_rate", "escalation_rate", "satisfaction", "trust", "participation",
            "unmet_need_rate", "mean_weeks_to_resolution")


def outcome_table(runs: pd.DataFrame, outcomes: Sequence[str] = HEADLINE, by: str = "scenario",
                  order: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per scenario and outcome: n, mean, and the t-based 95% interval of the mean.

    NaN outcomes (undefined in a run) are left out of n. `order` fixes the order of
    the groups (default: by first point_id), e.g. when runs come from several stores.
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
            rows.append({by: name, "outcome": outcome, "n": n, "mean": mean,
                         "ci_low": mean - half, "ci_high": mean + half})
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame, by: str = "scenario") -> str:
    """Scenarios as columns, outcomes as rows: 'mean [low, high]'."""
    names = list(dict.fromkeys(table[by]))
    outcomes = list(dict.fromkeys(table["outcome"]))
    cells = {(r[by], r["outcome"]): _cell(r) for _, r in table.iterrows()}
    width = max(26, *(len(n) + 2 for n in names))
    head = f"{'outcome (mean [95% CI])':26s}" + "".join(f"{n:>{width}s}" for n in names)
    lines = [head, "-" * len(head)]
    for o in outcomes:
        lines.append(f"{o:26s}" + "".join(f"{cells[(n, o)]:>{width}s}" for n in names))
    return "\n".join(lines)


def _cell(r) -> str:
    if r["n"] == 0:
        return "n/a"
    digits = 1 if abs(r["mean"]) >= 10 else 3
    if r["n"] == 1:
        return f"{r['mean']:.{digits}f}"
    return f"{r['mean']:.{digits}f} [{r['ci_low']:.{digits}f}, {r['ci_high']:.{digits}f}]"
