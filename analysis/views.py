"""Figures of a sweep: outcomes against the levers its design varies.

A sweep of 30 or 200 design points is not 30 scenarios to overlay: a reader wants to
see how each outcome moves with the levers. Which figure shows that depends on how
many levers the design varies (``comparison.varied``):

- one lever: each outcome against the lever, the mean of each point's runs with its
  t-based 95% interval as a band, one line per scenario (``responses``);
- two levers on a grid: a heatmap per outcome with each cell's mean written in it
  (``heatmaps``), and each outcome against the lever with more values, one line per
  value of the other (``responses``);
- two levers sampled (LHS, Sobol'): the points coloured by their mean over a smoothed
  surface (``surfaces``);
- more levers: each outcome against each lever, as small multiples with a smoothed
  trend (``small_multiples``); for a list of up to 40 points, also one row per point
  and a marker per scenario (``dots``).

Every function takes a ``compare.Comparison``; levers and outcomes are named by their
labels from sim.levers and sim.outcomes; colour maps are sequential with monotone
lightness (cividis), so a greyscale print keeps the order, and heatmap cells carry
their numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis import compare
from analysis.compare import Comparison
from analysis.style import (PALETTE, LINESTYLES, MARKERS, clause_label, decimals_for, figure_style,
                            format_number, has_cjk_font, lever_value, outcome_label, panel_grid)
from sim.levers import LEVER_BY_NAME
from sim.outcomes import OUTCOME_BY_NAME

WIDTH = 6.4
CMAP = "cividis"
MAX_LINES = 7         # lines of a response plot told apart by look; more get a colour ramp
MAX_DOT_ROWS = 40     # a dot plot of more design points no longer reads
BANDWIDTH = 0.15      # kernel smoother: Gaussian sd as a share of each lever's range


# ---- what to draw ---------------------------------------------------------------------------
def sweep_figures(comp: Comparison, outcomes: Sequence[str]) -> dict[str, Figure]:
    """The views that suit the comparison's design, by file stem; empty when nothing is varied."""
    varied = comp.varied
    if not varied:
        return {}
    figs: dict[str, Figure] = {}
    if len(varied) == 1:
        figs["response"] = responses(comp, outcomes, varied[0], _by(comp, None))
    elif len(varied) == 2:
        a, b = sorted(varied, key=lambda v: -comp.design[v].nunique())
        if is_grid(comp, a, b):
            figs["heatmaps"] = heatmaps(comp, outcomes, b, a)
            figs["response"] = responses(comp, outcomes, a, b)
        elif _numeric(comp, a) and _numeric(comp, b):
            figs["surfaces"] = surfaces(comp, outcomes, a, b)
        else:
            x, by = (a, b) if _numeric(comp, a) else (b, a)
            figs["response"] = responses(comp, outcomes, x, by)
    else:
        if _rows(comp) <= MAX_DOT_ROWS:
            figs["dots"] = dots(comp, outcomes)
        for o in outcomes:
            figs[f"levers-{o}"] = small_multiples(comp, o)
    return figs


def is_grid(comp: Comparison, a: str, b: str) -> bool:
    """True when every combination of the two levers' values occurs once per scenario."""
    d = comp.design
    per = d.groupby("scenario")[[a, b]].apply(lambda t: len(t) == t[a].nunique() * t[b].nunique()
                                              and not t.duplicated().any())
    return bool(per.all())


def _numeric(comp: Comparison, lever: str) -> bool:
    spec = LEVER_BY_NAME.get(lever)
    return spec is not None and spec.numeric


def _by(comp: Comparison, lever: str | None) -> str | None:
    if lever:
        return lever
    return "scenario" if comp.design["scenario"].nunique() > 1 else None


def _rows(comp: Comparison) -> int:
    """Design rows: the points of one scenario (the same row under several scenarios counts once)."""
    return int(comp.design.groupby("scenario").size().max())


def point_means(comp: Comparison, outcome: str) -> pd.DataFrame:
    """Per group: scenario, varied levers, n, mean and the (bounded) t interval of the mean."""
    table = compare.outcome_table_for(comp, [outcome])
    return table.merge(comp.design, left_on="group", right_index=True, how="left")


def lever_axis_label(name: str) -> str:
    """'Households per grid worker (clause 11)': the label, with its clause where it has one."""
    if name == "scenario":
        return "scenario"
    lever = LEVER_BY_NAME.get(name)
    if lever is None:
        return name
    if clause_label(lever.clause, chinese=False) == lever.clause:  # no clause numeral ("—")
        return lever.label
    return f"{lever.label} — clause {clause_label(lever.clause, chinese=has_cjk_font())}"


# ---- one lever (and lines by another) -------------------------------------------------------
def responses(comp: Comparison, outcomes: Sequence[str], x: str, by: str | None = None) -> Figure:
    """Each outcome against lever x: mean of each point's runs (line and markers) and its
    t-based 95% interval (band), one line per value of ``by`` (a lever or 'scenario')."""
    n = len(outcomes)
    rows, cols = panel_grid(n, 2)
    with figure_style():
        fig = Figure(figsize=(WIDTH, 1.3 + 2.2 * rows))
        axes = fig.subplots(rows, cols, squeeze=False)
        levels = list(dict.fromkeys(comp.design[by])) if by else [None]
        if by and by != "scenario" and _numeric(comp, by):
            levels = sorted(levels)
        looks = _line_looks(len(levels))
        for k, outcome in enumerate(outcomes):
            ax = axes[k // cols][k % cols]
            t = point_means(comp, outcome)
            for i, level in enumerate(levels):
                part = t if by is None else t[t[by] == level]
                part = part.sort_values(x) if _numeric(comp, x) else part
                xs = _positions(comp, x, part[x])
                ax.fill_between(xs, part["ci_low"], part["ci_high"], color=looks[i]["color"], alpha=0.12,
                                linewidth=0)
                ax.plot(xs, part["mean"], markersize=3.5, linewidth=1.3, **looks[i])
            _categorical_ticks(ax, comp, x)
            ax.set_title(_wrap(outcome_label(outcome, unit=False), 40), fontsize=8.5)
            ax.set_ylabel(OUTCOME_BY_NAME[outcome].unit, fontsize=8)
            ax.tick_params(labelsize=7.5)
            if k + cols >= n:  # nothing below this panel
                ax.set_xlabel(_wrap(lever_axis_label(x), 40), fontsize=8)
        if by is not None:
            title = "scenario" if by == "scenario" else _wrap(lever_axis_label(by), 30)
            handles = [Line2D([], [], markersize=4, label=str(level) if by == "scenario" else lever_value(by, level),
                              **looks[i]) for i, level in enumerate(levels)]
            _legend(fig, axes, n, handles, title)
        else:
            _hide_spare(axes, n)
        fig.suptitle("Mean of each design point's runs; band: 95% interval of the mean", x=0.0, ha="left",
                     fontsize=9, fontweight="normal")
    return fig


def _legend(fig: Figure, axes, n: int, handles: list, title: str) -> None:
    """The legend in the first spare panel of the grid where there is one, else below the figure."""
    flat = [ax for row in axes for ax in row]
    _hide_spare(axes, n)
    if len(flat) > n:
        spare = flat[n]
        spare.set_visible(True)
        spare.axis("off")
        spare.legend(handles=handles, loc="center", title=title, title_fontsize=8, frameon=False)
    else:
        fig.legend(handles=handles, loc="outside lower center", title=title, title_fontsize=8,
                   ncols=min(len(handles), 7))


def _hide_spare(axes, n: int) -> None:
    for ax in [ax for row in axes for ax in row][n:]:
        ax.set_visible(False)


def _line_looks(n: int) -> list[dict]:
    """Colour, line style and marker per line; beyond MAX_LINES a colour ramp with one style."""
    if n <= MAX_LINES:
        return [{"color": PALETTE[i], "linestyle": LINESTYLES[i % len(LINESTYLES)], "marker": MARKERS[i]}
                for i in range(n)]
    from matplotlib import colormaps
    return [{"color": colormaps[CMAP](v), "linestyle": "solid", "marker": "o"} for v in np.linspace(0.0, 0.9, n)]


def _positions(comp: Comparison, lever: str, values: pd.Series) -> np.ndarray:
    """Numbers to plot a lever's values at: the values, or category positions for true/false and choices."""
    if _numeric(comp, lever):
        return values.to_numpy(float)
    cats = _categories(comp, lever)
    return np.array([cats.index(v) for v in values], float)


def _categories(comp: Comparison, lever: str) -> list:
    return sorted(dict.fromkeys(comp.design[lever]), key=str)


def _categorical_ticks(ax: Axes, comp: Comparison, lever: str) -> None:
    if not _numeric(comp, lever):
        cats = _categories(comp, lever)
        ax.set_xticks(range(len(cats)), [lever_value(lever, c) for c in cats])
        ax.set_xlim(-0.5, len(cats) - 0.5)


# ---- two levers on a grid -------------------------------------------------------------------
def heatmaps(comp: Comparison, outcomes: Sequence[str], row: str, col: str) -> Figure:
    """One heatmap per outcome (and scenario): lever ``row`` down, lever ``col`` across,
    each cell the mean of its runs, written in the cell in one format per outcome."""
    scenarios = list(dict.fromkeys(comp.design["scenario"]))
    panels = [(o, s) for s in scenarios for o in outcomes]
    n = len(panels)
    rows, cols = panel_grid(n, 2)
    rvals = sorted(dict.fromkeys(comp.design[row]), key=_sort_key)
    cvals = sorted(dict.fromkeys(comp.design[col]), key=_sort_key)
    with figure_style():
        fig = Figure(figsize=(WIDTH, 0.7 + (0.75 + 0.32 * len(rvals)) * rows))
        axes = fig.subplots(rows, cols, squeeze=False)
        for k, (outcome, scenario) in enumerate(panels):
            ax = axes[k // cols][k % cols]
            t = point_means(comp, outcome)
            t = t[t["scenario"] == scenario]
            grid = t.pivot_table(index=row, columns=col, values="mean", aggfunc="first").reindex(
                index=rvals, columns=cvals)
            m = grid.to_numpy(float)
            im = ax.imshow(m, cmap=CMAP, aspect="auto", origin="lower")
            decimals = decimals_for(t["mean"], OUTCOME_BY_NAME[outcome].kind)
            lo, hi = np.nanmin(m), np.nanmax(m)
            for i in range(m.shape[0]):
                for j in range(m.shape[1]):
                    if np.isfinite(m[i, j]):
                        light = (m[i, j] - lo) / (hi - lo) > 0.6 if hi > lo else False
                        ax.text(j, i, format_number(m[i, j], decimals), ha="center", va="center", fontsize=6.5,
                                color="black" if light else "white")
            ax.set_xticks(range(len(cvals)), [lever_value(col, v) for v in cvals])
            ax.set_yticks(range(len(rvals)), [lever_value(row, v) for v in rvals])
            ax.grid(False)
            for side in ("top", "right"):
                ax.spines[side].set_visible(True)
            title = outcome_label(outcome, unit=False) + (f" — {scenario}" if len(scenarios) > 1 else "")
            ax.set_title(title, fontsize=8.5)
            cb = fig.colorbar(im, ax=ax, shrink=0.9, pad=0.02)
            cb.ax.tick_params(labelsize=7)
            cb.set_label(OUTCOME_BY_NAME[outcome].unit, fontsize=7)
            ax.set_xlabel(LEVER_BY_NAME[col].label if col in LEVER_BY_NAME else col, fontsize=8)
            ax.set_ylabel(LEVER_BY_NAME[row].label if row in LEVER_BY_NAME else row, fontsize=8)
        for k in range(n, rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        fig.suptitle("Mean of each design point's runs (see the outcome table for intervals)", x=0.0, ha="left",
                     fontsize=9, fontweight="normal")
    return fig


def _sort_key(v):
    return (0, float(v)) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else (1, str(v))


# ---- two levers sampled ---------------------------------------------------------------------
def surfaces(comp: Comparison, outcomes: Sequence[str], x: str, y: str) -> Figure:
    """Per outcome: every design point at (x, y), coloured by the mean of its runs, over a
    kernel-smoothed surface of those means (Gaussian kernel, sd = 15% of each range)."""
    scenarios = list(dict.fromkeys(comp.design["scenario"]))
    panels = [(o, s) for s in scenarios for o in outcomes]
    n = len(panels)
    rows, cols = panel_grid(n, 2)
    with figure_style():
        fig = Figure(figsize=(WIDTH, 0.7 + 2.7 * rows))
        axes = fig.subplots(rows, cols, squeeze=False)
        for k, (outcome, scenario) in enumerate(panels):
            ax = axes[k // cols][k % cols]
            t = point_means(comp, outcome)
            t = t[(t["scenario"] == scenario) & np.isfinite(t["mean"])]
            px, py, v = t[x].to_numpy(float), t[y].to_numpy(float), t["mean"].to_numpy(float)
            gx, gy = np.linspace(px.min(), px.max(), 60), np.linspace(py.min(), py.max(), 60)
            GX, GY = np.meshgrid(gx, gy)
            Z = kernel_smooth(np.column_stack([px, py]), v, np.column_stack([GX.ravel(), GY.ravel()])).reshape(GX.shape)
            lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
            cs = ax.contourf(GX, GY, Z, levels=12, cmap=CMAP, vmin=lo, vmax=hi, alpha=0.85)
            ax.scatter(px, py, c=v, cmap=CMAP, vmin=lo, vmax=hi, s=16, edgecolors="white", linewidths=0.5)
            ax.grid(False)
            ax.set_title(outcome_label(outcome, unit=False) + (f" — {scenario}" if len(scenarios) > 1 else ""),
                         fontsize=8.5)
            cb = fig.colorbar(cs, ax=ax, shrink=0.9, pad=0.02)
            cb.ax.tick_params(labelsize=7)
            cb.set_label(OUTCOME_BY_NAME[outcome].unit, fontsize=7)
            ax.set_xlabel(LEVER_BY_NAME[x].label, fontsize=8)
            ax.set_ylabel(LEVER_BY_NAME[y].label, fontsize=8)
        for k in range(n, rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        fig.suptitle("Design points coloured by the mean of their runs, over a kernel-smoothed surface",
                     x=0.0, ha="left", fontsize=9, fontweight="normal")
    return fig


def kernel_smooth(at: np.ndarray, values: np.ndarray, where: np.ndarray, bandwidth: float = BANDWIDTH) -> np.ndarray:
    """Nadaraya–Watson estimate at ``where`` from points ``at`` (n × d): a Gaussian kernel whose
    sd is ``bandwidth`` of each column's range. Stays inside the range of the data (a weighted
    mean), never extrapolates wildly, and is deterministic."""
    at, where = np.atleast_2d(at.T).T, np.atleast_2d(where.T).T
    span = np.ptp(at, axis=0)
    span[span == 0] = 1.0
    d = (where[:, None, :] - at[None, :, :]) / (bandwidth * span)
    w = np.exp(-0.5 * (d ** 2).sum(axis=2))
    return (w @ values) / w.sum(axis=1)


# ---- many levers ----------------------------------------------------------------------------
def small_multiples(comp: Comparison, outcome: str) -> Figure:
    """One outcome against each varied lever: every design point (mean of its runs), and a
    kernel-smoothed trend per scenario; categorical levers as columns of points."""
    varied = comp.varied
    n = len(varied)
    rows, cols = panel_grid(n, 3 if n <= 6 else 4)
    t = point_means(comp, outcome)
    scenarios = list(dict.fromkeys(comp.design["scenario"]))
    with figure_style():
        fig = Figure(figsize=(max(WIDTH, 2.0 * cols), 0.8 + 2.0 * rows))
        axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
        for k, lever in enumerate(varied):
            ax = axes[k // cols][k % cols]
            for i, scenario in enumerate(scenarios):
                part = t[(t["scenario"] == scenario) & np.isfinite(t["mean"])]
                xs = _positions(comp, lever, part[lever])
                if not _numeric(comp, lever):
                    xs = xs + (i - (len(scenarios) - 1) / 2) * 0.15
                ax.scatter(xs, part["mean"], s=9, marker=MARKERS[i % len(MARKERS)], color=PALETTE[i % len(PALETTE)],
                           alpha=0.55 if len(part) > 40 else 0.85, linewidths=0, label=scenario)
                if _numeric(comp, lever) and part[lever].nunique() > 5 and len(part) >= 15:
                    grid = np.linspace(xs.min(), xs.max(), 50)
                    ax.plot(grid, kernel_smooth(xs, part["mean"].to_numpy(float), grid), color=PALETTE[i % len(PALETTE)],
                            linestyle=LINESTYLES[i % len(LINESTYLES)], linewidth=1.6)
            _categorical_ticks(ax, comp, lever)
            label = LEVER_BY_NAME[lever].label if lever in LEVER_BY_NAME else lever
            ax.set_xlabel(_wrap(label), fontsize=7.5)
            ax.tick_params(labelsize=7)
            if k % cols == 0:
                ax.set_ylabel(OUTCOME_BY_NAME[outcome].unit)
        for k in range(n, rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        if len(scenarios) > 1:
            fig.legend(handles=[Line2D([], [], color=PALETTE[i % len(PALETTE)], marker=MARKERS[i % len(MARKERS)],
                                       linestyle=LINESTYLES[i % len(LINESTYLES)], label=s)
                                for i, s in enumerate(scenarios)], loc="outside lower center",
                       ncols=min(4, len(scenarios)))
        trend = "; line: kernel-smoothed trend" if any(_numeric(comp, v) for v in varied) else ""
        fig.suptitle(f"{outcome_label(outcome, unit=False)} against each varied lever\n"
                     f"one point per design point (mean of its runs){trend}", x=0.0, ha="left", fontsize=9,
                     fontweight="normal")
    return fig


def _wrap(text: str, width: int = 28) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "\n".join([*lines, line])


def dots(comp: Comparison, outcomes: Sequence[str]) -> Figure:
    """A list design at a glance: one row per design row, one panel per outcome, each
    scenario's mean and 95% interval as a marker and whisker (a Cleveland dot plot)."""
    scenarios = list(dict.fromkeys(comp.design["scenario"]))
    first = comp.design[comp.design["scenario"] == scenarios[0]]
    names = [_row_name(comp, g) for g in first.index]
    n = len(outcomes)
    rows, cols = panel_grid(n, 4)
    with figure_style():
        fig = Figure(figsize=(max(WIDTH, 1.9 * cols + 2.2), 0.9 + (0.4 + 0.2 * len(names)) * rows))
        axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
        for k, outcome in enumerate(outcomes):
            ax = axes[k // cols][k % cols]
            t = point_means(comp, outcome)
            for i, scenario in enumerate(scenarios):
                part = t[t["scenario"] == scenario]
                y = np.arange(len(part)) + (i - (len(scenarios) - 1) / 2) * 0.22
                m = part["mean"].to_numpy(float)
                err = np.vstack([m - part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float) - m])
                ax.errorbar(m, y, xerr=np.where(np.isfinite(err), err, 0), fmt=MARKERS[i % len(MARKERS)],
                            color=PALETTE[i % len(PALETTE)], markersize=4, elinewidth=1.0, capsize=1.5,
                            linestyle="none", label=scenario)
            ax.set_yticks(np.arange(len(names)), names, fontsize=7)
            ax.set_ylim(len(names) - 0.5, -0.5)
            ax.grid(axis="y", visible=False)
            ax.set_title(_wrap(outcome_label(outcome, unit=False), 24), fontsize=8)
            ax.tick_params(axis="x", labelsize=7)
            ax.set_xlabel(OUTCOME_BY_NAME[outcome].unit, fontsize=7.5)
        for k in range(n, rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        fig.legend(handles=[Line2D([], [], color=PALETTE[i % len(PALETTE)], marker=MARKERS[i % len(MARKERS)],
                                   linestyle="none", label=s) for i, s in enumerate(scenarios)],
                   loc="outside lower center", ncols=min(4, len(scenarios)))
        fig.suptitle("Each design point: mean of its runs with the 95% interval of the mean", x=0.0, ha="left",
                     fontsize=9, fontweight="normal")
    return fig


def _row_name(comp: Comparison, group: str) -> str:
    """A design row in a few characters, without the scenario (rows are shared by scenarios)."""
    short = comp.short.get(group, group)
    scenario = str(comp.design.at[group, "scenario"])
    return short[len(scenario) + 2:] if short.startswith(scenario + ": ") else short
