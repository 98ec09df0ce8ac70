"""Policy effects under parameter uncertainty: scenarios run over draws from a calibration's
posterior, and each effect's spread split into parameter uncertainty and stochastic noise.

Running (`govsim run ... --posterior DIR --draws K`, `govsim sweep ... --posterior DIR`):
every point of the plan is run at K parameter sets drawn from the posterior (by weight,
fixed seed), with common random numbers: draw k with replicate r uses the same
parameters and the same seed in every scenario, so differences between scenarios are
policy effects alone. Point ids become point × K + k; the manifest's plan meta records
the posterior, K and the drawn parameters.

Reading (`govsim compare`, `govsim report`): the draws of a point are pooled into one
group, with replicate q = k × R + r, so the usual paired effects hold over the
posterior predictive distribution. Beside them, per effect:

- the interval over calibrated assumptions: the 2.5% and 97.5% quantiles over draws
  of the draw's mean effect (its R replicates averaged);
- a variance split from the crossed design (draws × replicates, two-way ANOVA without
  replication): parameter variance (MS_draw − MS_resid) / R, noise variance
  (MS_rep − MS_resid) / K + MS_resid (the seed's main effect and its interaction with
  the parameters), each floored at zero; with R = 1 the two cannot be separated.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.plan import Plan, Point
from sim.levers import resolve

KIND = "posterior"


def posterior_draws(path: str | Path, k: int, seed: int) -> tuple[list[dict[str, float]], str]:
    """K parameter sets from a posterior (a calibration directory or its posterior.parquet)."""
    from analysis.calibrate.output import draws, read_posterior
    from sim.levers import LEVER_BY_NAME

    df, _ = read_posterior(path)
    params = [c for c in df.columns if c in LEVER_BY_NAME]
    return draws(df, params, k, seed), str(Path(path).resolve())


def over_draws(plan: Plan, thetas: Sequence[Mapping[str, float]], posterior: str) -> Plan:
    """The plan with every point run at every draw (common random numbers across all)."""
    from analysis.validate import lever_value

    k = len(thetas)
    points = []
    for p in plan.points:
        base = dict(p.levers)
        for j, theta in enumerate(thetas):
            values = {**base, **{n: lever_value(n, v) for n, v in theta.items()}}
            points.append(Point(p.point_id * k + j, p.scenario, resolve(values)))
    meta = {**plan.meta, "posterior": {"kind": KIND, "path": posterior, "draws": k,
                                       "parameters": [dict(t) for t in thetas]}}
    return Plan(points=points, replicates=plan.replicates, seed=plan.seed, weeks=plan.weeks,
                timeseries_every=plan.timeseries_every, common_random_numbers=True, meta=meta)


def posterior_meta(manifest: Mapping[str, Any]) -> Mapping[str, Any] | None:
    meta = (manifest.get("plan") or {}).get("meta") or {}
    post = meta.get("posterior")
    return post if isinstance(post, Mapping) and post.get("kind") == KIND else None


def pool_draws(manifest: Mapping[str, Any], runs: pd.DataFrame) -> pd.DataFrame:
    """A posterior run's draws as replicates of their point (others unchanged)."""
    post = posterior_meta(manifest)
    if post is None or runs.empty:
        return runs
    k = int(post["draws"])
    replicates = int((manifest.get("plan") or {}).get("replicates", runs["replicate"].max() + 1))
    runs = runs.copy()
    runs["draw"] = runs["point_id"] % k
    runs["draw_replicate"] = runs["replicate"]
    runs["point_id"] = runs["point_id"] // k
    runs["replicate"] = runs["draw"] * replicates + runs["replicate"]
    return runs


# ---- effects with parameter uncertainty ---------------------------------------------------------
def decompose(e: np.ndarray) -> dict[str, float]:
    """Mean, interval over draws and variance split of an effect matrix (draws × replicates)."""
    e = e[~np.isnan(e).any(axis=1)]
    k, r = e.shape if e.size else (0, 0)
    out = {"draws": k, "replicates": r, "effect": float(e.mean()) if e.size else np.nan,
           "low_draws": np.nan, "high_draws": np.nan, "var_parameters": np.nan, "var_noise": np.nan,
           "share_parameters": np.nan}
    if k < 2:
        return out
    a = e.mean(axis=1)
    out["low_draws"], out["high_draws"] = (float(q) for q in np.quantile(a, [0.025, 0.975]))
    if r < 2:
        return out
    m = e.mean()
    b = e.mean(axis=0)
    ms_draw = r * np.sum((a - m) ** 2) / (k - 1)
    ms_rep = k * np.sum((b - m) ** 2) / (r - 1)
    ms_res = np.sum((e - a[:, None] - b[None, :] + m) ** 2) / ((k - 1) * (r - 1))
    v_par = max(0.0, (ms_draw - ms_res) / r)
    v_noise = max(0.0, (ms_rep - ms_res) / k) + ms_res
    out.update(var_parameters=float(v_par), var_noise=float(v_noise),
               share_parameters=float(v_par / (v_par + v_noise)) if v_par + v_noise > 0 else np.nan)
    return out


def effects(comp, outcomes: Sequence[str]) -> pd.DataFrame:
    """Per group (against the reference) and outcome, for groups that come from posterior runs."""
    runs = comp.runs
    if "draw" not in runs.columns or runs["draw"].isna().all():
        return pd.DataFrame()
    ref = runs[runs["group"] == comp.reference]
    rows = []
    for g in comp.groups:
        mine = runs[runs["group"] == g]
        if g == comp.reference or mine["draw"].isna().any() or ref["draw"].isna().any():
            continue
        both = mine.merge(ref, on=["draw", "replicate"], suffixes=("", "_ref"))
        for o in outcomes:
            e = both.assign(_e=both[o] - both[f"{o}_ref"])
            mat = e.pivot(index="draw", columns="draw_replicate", values="_e").to_numpy(float)
            rows.append({"group": g, "reference": comp.reference, "outcome": o, **decompose(mat)})
    return pd.DataFrame(rows)


def format_effects(table: pd.DataFrame) -> str:
    if table.empty:
        return ""
    lines = ["\neffects over the posterior (K draws × R replicates; 95% interval over calibrated assumptions; "
             "share of the effect's variance from parameter uncertainty):"]
    for _, r in table.iterrows():
        share = "n/a" if not np.isfinite(r["share_parameters"]) else f"{r['share_parameters']:.0%}"
        lines.append(f"  {r['group']} − {r['reference']}: {r['outcome']:28s} {r['effect']:+.4f} "
                     f"[{r['low_draws']:+.4f}, {r['high_draws']:+.4f}]  parameters {share} "
                     f"({r['draws']} draws × {r['replicates']} replicates)")
    return "\n".join(lines)


def section(comp, outcomes: Sequence[str]) -> list[str]:
    """The report's section on effects under parameter uncertainty (empty without posterior runs)."""
    table = effects(comp, outcomes)
    if table.empty:
        return []
    posts = [posterior_meta(s.manifest) for s in comp.sources]
    paths = sorted({p["path"] for p in posts if p})
    rows = "".join(
        f"<tr><td>{html.escape(r['group'])}</td><td><code>{html.escape(r['outcome'])}</code></td>"
        f'<td class="num">{r["effect"]:+.4f}</td><td class="num">[{r["low_draws"]:+.4f}, {r["high_draws"]:+.4f}]</td>'
        f'<td class="num">{_pct(r["share_parameters"])}</td><td class="num">{r["draws"]} × {r["replicates"]}</td></tr>'
        for _, r in table.iterrows())
    return ["<h2>Effects under parameter uncertainty</h2>",
            f'<p class="small">Runs over draws from the posterior of {html.escape(", ".join(paths))}: draw k with '
            "replicate r has the same parameters and seed in every scenario. Effect: mean difference from "
            f"<b>{html.escape(comp.reference)}</b>; interval: 2.5–97.5% over draws of each draw's mean effect (the "
            "calibrated assumptions); parameters: share of the effect's variance due to parameter uncertainty, "
            "the rest being stochastic noise (two-way ANOVA of the draws × replicates design).</p>",
            '<div class="scroll"><table><thead><tr><th>scenario</th><th>outcome</th><th>effect</th>'
            "<th>95% over calibrated assumptions</th><th>parameter share of variance</th><th>draws × replicates</th>"
            f"</tr></thead><tbody>{rows}</tbody></table></div>"]


def _pct(v: float) -> str:
    return "n/a" if not np.isfinite(v) else f"{v:.0%}"


def write(comp, outcomes: Sequence[str], out: Path) -> Path | None:
    table = effects(comp, outcomes)
    if table.empty:
        return None
    from sim.engine.store import write_atomic
    path = Path(out) / "effects-uncertainty.csv"
    write_atomic(path, lambda tmp: table.to_csv(tmp, index=False))
    return path


def report_sections(comp, outcomes: Sequence[str]) -> list[str]:
    """Every section this room adds to `govsim report`: validation and calibration of the
    directories compared, and effects under parameter uncertainty."""
    from analysis.calibrate.report import section as calibration_section, validation_section

    parts = []
    for s in comp.sources:
        parts += validation_section(Path(s.path))
        post = posterior_meta(s.manifest)
        if post:
            where = Path(post["path"])
            parts += calibration_section(where if where.is_dir() else where.parent)
    return parts + section(comp, outcomes)
