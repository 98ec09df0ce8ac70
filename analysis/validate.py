"""Validation: the scenarios a targets file names, run through the experiment engine, and
every target's observed band against the distribution of simulated values.

    >>> from analysis import validate
    >>> t = targets.load_targets("scenarios/targets/sichuan.toml")
    >>> table = validate.evaluate(t, runs, timeseries)     # one row per target (and parameter set)

A target is *met* when the mean of its simulated statistic over the runs lies inside
its band; the table also gives the share of single runs inside, and the 5–95% range,
so that a mean that is inside only on average is visible. Validation is a measurement:
it never fails because a target is missed.

The same machinery checks a calibration (the posterior predictive check): runs are
then grouped by *set* (e.g. "lever defaults", "posterior"), each a list of parameter
values applied over the scenarios' own levers.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.style import PALETTE, figure_style, outcome_label, save
from analysis.targets import Targets, simulated
from sim.engine.plan import Plan, Point
from sim.engine.store import write_atomic
from sim.levers import LEVER_BY_NAME, resolve
from sim.run import DEFAULT_SEED

VALIDATION = "validation"          # the directory inside a results directory
TABLE = "validation.csv"
DEFAULT_SET = "lever defaults"
SET_COLORS = (PALETTE[0], PALETTE[2], PALETTE[3], PALETTE[6], PALETTE[5])  # the band is orange


def lever_value(name: str, value: float) -> Any:
    """A sampled number as the lever takes it: kept in bounds, integers rounded."""
    l = LEVER_BY_NAME[name]
    v = min(max(float(value), l.low), l.high)
    return int(round(v)) if l.type == "int" else v


def points(targets: Targets, sets: Mapping[str, Sequence[Mapping[str, float]]] | None = None,
           fixed: Mapping[str, Any] | None = None) -> list[Point]:
    """One point per (set, parameter draw, scenario), point ids in that order.

    Scenario names carry the set and draw (``sichuan-2020 | posterior #3``) only when there
    is more than the one default set, so a plain validation's groups are the scenarios.
    """
    sets = sets or {DEFAULT_SET: [{}]}
    out = []
    plain = list(sets) == [DEFAULT_SET] and len(sets[DEFAULT_SET]) == 1
    for label, draws in sets.items():
        for k, theta in enumerate(draws):
            for s in targets.scenarios:
                values = {**s.overrides, **(fixed or {}), **{n: lever_value(n, v) for n, v in theta.items()}}
                name = s.name if plain else f"{s.name} | {label}" + (f" #{k}" if len(draws) > 1 else "")
                out.append(Point(len(out), name, resolve(values, str(s.path))))
    return out


def plan(targets: Targets, replicates: int, seed: int = DEFAULT_SEED,
         sets: Mapping[str, Sequence[Mapping[str, float]]] | None = None,
         fixed: Mapping[str, Any] | None = None, meta: Mapping[str, Any] | None = None) -> Plan:
    """The runs a validation needs. Replicate r of every point shares its seed (common
    random numbers), so scenarios and parameter draws differ by their levers alone."""
    return Plan(points=points(targets, sets, fixed), replicates=replicates, seed=seed, weeks=targets.weeks,
                timeseries_every=targets.timeseries_every, common_random_numbers=True,
                meta={"kind": "validate", "targets": targets.name, **(meta or {})})


def point_labels(plan: Plan, targets: Targets,
                 sets: Mapping[str, Sequence[Mapping[str, float]]] | None = None) -> pd.DataFrame:
    """point_id → (set, draw, scenario), the inverse of `points`."""
    sets = sets or {DEFAULT_SET: [{}]}
    rows = []
    for label, draws in sets.items():
        for k in range(len(draws)):
            for s in targets.scenarios:
                rows.append({"point_id": len(rows), "set": label, "draw": k, "target_scenario": s.name})
    return pd.DataFrame(rows)


def statistics(targets: Targets, runs: pd.DataFrame, timeseries: pd.DataFrame | None,
               labels: pd.DataFrame) -> pd.DataFrame:
    """Every target's statistic in every run of every scenario: long table with columns
    target, set, draw, scenario, replicate, value (the panel shows a target's outcome
    in each scenario; its band belongs to one)."""
    runs = runs[runs["status"] == "ok"].merge(labels, on="point_id")
    parts = []
    for t in targets.targets:
        for scenario, mine in runs.groupby("target_scenario", sort=False):
            v = simulated(t, mine, timeseries)
            parts.append(pd.DataFrame({"target": t.id, "set": mine["set"].to_numpy(),
                                       "draw": mine["draw"].to_numpy(), "scenario": scenario,
                                       "replicate": mine["replicate"].to_numpy(), "value": v.to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def evaluate(targets: Targets, stats: pd.DataFrame) -> pd.DataFrame:
    """One row per target and set: observed band, simulated distribution, met or not."""
    rows = []
    for t in targets.targets:
        mine = stats[(stats["target"] == t.id) & (stats["scenario"] == t.scenario)]
        for label, g in mine.groupby("set", sort=False):
            v = g["value"].to_numpy(float)
            ok = v[np.isfinite(v)]
            mean = float(ok.mean()) if len(ok) else float("nan")
            rows.append({
                "target": t.id, "outcome": t.outcome, "scenario": t.scenario, "set": label,
                "observed": t.value, "low": t.low, "high": t.high, "sd": t.sd,
                "sim_mean": mean, "sim_sd": float(ok.std(ddof=1)) if len(ok) > 1 else float("nan"),
                "sim_q05": float(np.quantile(ok, 0.05)) if len(ok) else float("nan"),
                "sim_median": float(np.median(ok)) if len(ok) else float("nan"),
                "sim_q95": float(np.quantile(ok, 0.95)) if len(ok) else float("nan"),
                "runs": int(len(ok)), "undefined_runs": int(len(v) - len(ok)),
                "share_runs_inside": float(((ok >= t.low) & (ok <= t.high)).mean()) if len(ok) else float("nan"),
                "z": (mean - t.centre) / t.sd if len(ok) else float("nan"),
                "met": bool(len(ok) and t.low <= mean <= t.high),
                "soft": t.soft, "calibrate": t.calibrate, "reliability": t.reliability,
                "geography": t.geography, "source": t.source,
            })
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame) -> str:
    """The validation table for a terminal."""
    lines = [f"{'target':38s} {'set':16s} {'band':>17s} {'simulated mean [5%, 95%]':>30s} {'inside':>7s}  met"]
    for _, r in table.iterrows():
        band = f"[{r['low']:.3g}, {r['high']:.3g}]"
        sim = "undefined" if not r["runs"] else f"{r['sim_mean']:.3g} [{r['sim_q05']:.3g}, {r['sim_q95']:.3g}]"
        inside = "" if not r["runs"] else f"{r['share_runs_inside']:.0%}"
        met = ("yes" if r["met"] else "NO") + (" (soft)" if r["soft"] else "")
        lines.append(f"{r['target'][:38]:38s} {str(r['set'])[:16]:16s} {band:>17s} {sim:>30s} {inside:>7s}  {met}")
    met = int(table["met"].sum())
    lines.append(f"{met} of {len(table)} target rows met (simulated mean inside the band)")
    return "\n".join(lines)


# ---- the figure -----------------------------------------------------------------------------------
def figure(targets: Targets, stats: pd.DataFrame, title: str = "") -> Figure:
    """One panel per target: its outcome in every scenario (a box and points per set),
    the observed band shaded over the scenario it belongs to, the observed value a line."""
    ts = list(targets.targets)
    sets = list(dict.fromkeys(stats["set"]))
    scenarios = [s.name for s in targets.scenarios]
    cols = min(3, len(ts))
    rows = -(-len(ts) // cols)
    rng = np.random.default_rng(0)
    width = 0.7 / len(sets)
    with figure_style():
        fig = Figure(figsize=(max(6.5, 3.0 * cols), 0.8 + 2.7 * rows))
        axes = fig.subplots(rows, cols, squeeze=False)
        for i, t in enumerate(ts):
            ax = axes[i // cols][i % cols]
            x0 = scenarios.index(t.scenario)
            ax.axvspan(x0 - 0.45, x0 + 0.45, ymin=0, ymax=1, color="0.93", zorder=0)
            ax.fill_between([x0 - 0.45, x0 + 0.45], t.low, t.high, color="#E69F00", alpha=0.35, zorder=1,
                            hatch="" if not t.soft else "////", edgecolor="#E69F00", linewidth=0,
                            label="observed band" + (" (assumed)" if t.soft else ""))
            ax.plot([x0 - 0.45, x0 + 0.45], [t.value, t.value], color="#D55E00", lw=1.4, zorder=2,
                    label="observed value")
            mine = stats[stats["target"] == t.id]
            for j, label in enumerate(sets):
                color = SET_COLORS[j % len(SET_COLORS)]
                for xi, s in enumerate(scenarios):
                    v = mine[(mine["set"] == label) & (mine["scenario"] == s)]["value"].to_numpy(float)
                    v = v[np.isfinite(v)]
                    if not len(v):
                        continue
                    x = xi + (j - (len(sets) - 1) / 2) * width
                    ax.boxplot([v], positions=[x], widths=width * 0.8, showfliers=False, patch_artist=True,
                               boxprops={"facecolor": "none", "edgecolor": color},
                               medianprops={"color": color}, whiskerprops={"color": color},
                               capprops={"color": color}, zorder=3)
                    ax.scatter(x + rng.uniform(-width / 4, width / 4, len(v)), v, s=8, color=color, alpha=0.6,
                               zorder=4, label=label if xi == x0 else None, edgecolor="none")
            ax.set_xticks(range(len(scenarios)), scenarios)
            ax.set_xlim(-0.6, len(scenarios) - 0.4)
            what = outcome_label(t.outcome) if t.statistic == "final" else \
                f"growth {t.years[0]}→{t.years[1]} of {t.outcome.replace('_', ' ')}"
            ax.set_ylabel(what, fontsize=7)
            ax.set_title(t.id, fontsize=8)
            ax.grid(axis="x", visible=False)
            if i == 0:
                ax.legend(loc="best", fontsize=6)
        for k in range(len(ts), rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        text = title or (f"Targets of {targets.name}: observed band (shaded, over the scenario it belongs to) "
                         "against simulated runs (box = quartiles, points = runs)")
        fig.suptitle("\n".join(textwrap.wrap(text, 40 * cols)), x=0.0, ha="left", fontsize=9, fontweight="normal")
    return fig


# ---- writing and reading ------------------------------------------------------------------------
def write(directory: Path, targets: Targets, table: pd.DataFrame, stats: pd.DataFrame,
          extra: Mapping[str, Any] | None = None, title: str = "", stem: str = "targets") -> Path:
    """The validation's table, per-run statistics, figure and summary into DIR/validation/."""
    out = Path(directory) / VALIDATION
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / TABLE, lambda tmp: table.to_csv(tmp, index=False))
    write_atomic(out / "statistics.csv", lambda tmp: stats.to_csv(tmp, index=False))
    write_atomic(out / "targets.csv", lambda tmp: targets.table().to_csv(tmp, index=False))
    save(figure(targets, stats, title), out, stem)
    summary = {"targets_file": str(targets.path), "targets": targets.name, "rows": len(table),
               "met": int(table["met"].sum()), "figure": f"{stem}.svg", **(extra or {})}
    write_atomic(out / "validation.json", lambda tmp: tmp.write_text(json.dumps(summary, indent=2) + "\n"))
    return out


def read(directory: Path) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """A results directory's validation table and summary, if it has one."""
    d = Path(directory) / VALIDATION
    if not (d / TABLE).is_file() or not (d / "validation.json").is_file():
        return None
    return pd.read_csv(d / TABLE), json.loads((d / "validation.json").read_text())
