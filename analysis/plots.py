"""Figures of a comparison, as matplotlib Figures (for notebooks) and PNG + SVG files.

Figures are made with ``matplotlib.figure.Figure``, not pyplot: nothing is registered
with a GUI backend or pyplot's figure list, so scripts and the CLI need no display
(rendering is Agg's) and notebooks still show a returned Figure inline.

Every function takes a ``compare.Comparison`` (or a table made from one) and draws each
group in its fixed look (``comparison.looks``), inside govsim's style context, so the
figures of one comparison match one another and leave a notebook's rcParams alone.

    >>> fig = plots.fan_chart(c, "satisfaction")
    >>> plots.save_all(plots.figures(c, ["satisfaction"], compare.effects(c)), "out/")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.colors
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, MultipleLocator

from analysis import compare
from analysis.compare import Comparison
from analysis.style import Look, figure_style, outcome_label, save

WIDTH = 6.4          # inches: a page width minus margins; scales down to one column cleanly
BAND_ALPHA = {50: 0.30, 90: 0.12}
JITTER_SEED = 0      # points in distributions are jittered the same way every time


def _words(outcome: str) -> str:
    return outcome.replace("_", " ")


def _week_ticks(ax: Axes, last_week: int) -> None:
    step = 26 if last_week > 78 else 13 if last_week > 26 else 4 if last_week > 8 else 1
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.set_xlim(0, last_week + 1)


# ---- time series ----------------------------------------------------------------------------
def fan_chart(comp: Comparison, outcome: str, ax: Axes | None = None) -> Figure:
    """Median over replicates by week, with the central 50% and 90% of runs shaded.

    One median line (its own line style and markers) and two bands (the 50% band
    hatched) per group. On a given ``ax`` the legend is left to the caller.
    """
    table = compare.bands(comp, outcome)
    with figure_style():
        fig, own = (ax.figure, False) if ax is not None else (Figure(figsize=(WIDTH, 3.6)), True)
        ax = ax if ax is not None else fig.add_subplot()
        last = 1
        for i, g in enumerate(comp.groups):
            t = table[table["group"] == g] if not table.empty else table
            if t.empty:
                continue
            look = comp.looks[g]
            week = t["week"].to_numpy()
            last = max(last, int(week.max()))
            ax.fill_between(week, t["low90"], t["high90"], facecolor=_rgba(look.color, BAND_ALPHA[90]),
                            linewidth=0, label=f"_{g} 90%")
            ax.fill_between(week, t["low50"], t["high50"], facecolor=_rgba(look.color, BAND_ALPHA[50]),
                            edgecolor=_rgba(look.color, 0.55), hatch=look.hatch, linewidth=0,
                            label=f"_{g} 50%")
            every = max(1, len(week) // 8)
            ax.plot(week, t["median"], color=look.color, linestyle=look.linestyle, marker=look.marker,
                    markersize=4, markevery=(min(i * max(1, every // 4), len(week) - 1), every),
                    label=g)
        _week_ticks(ax, last)
        ax.set_xlabel("week")
        ax.set_ylabel(outcome_label(outcome))
        ax.set_title(_words(outcome).capitalize())
        if own:
            handles = [_line_handle(g, comp.looks[g]) for g in comp.groups]
            handles += [Line2D([], [], color="0.3", label="median of runs"),
                        Patch(facecolor=_rgba("0.3", BAND_ALPHA[50]), label="central 50% of runs"),
                        Patch(facecolor=_rgba("0.3", BAND_ALPHA[90]), label="central 90% of runs")]
            fig.legend(handles=handles, loc="outside right upper")
    return fig


# ---- end-of-run distributions ---------------------------------------------------------------
def distributions(comp: Comparison, outcomes: Sequence[str]) -> Figure:
    """End-of-run value of every run, per outcome and group: a box (quartiles, whiskers
    to 1.5 IQR) with each run drawn as a point over it."""
    n = len(outcomes)
    cols = min(3, n)
    rows = -(-n // cols)
    rng = np.random.default_rng(JITTER_SEED)
    with figure_style():
        fig = Figure(figsize=(max(WIDTH, 2.4 * cols), 0.6 + 2.6 * rows))
        axes = fig.subplots(rows, cols, squeeze=False)
        for k, outcome in enumerate(outcomes):
            ax = axes[k // cols][k % cols]
            values = [comp.runs.loc[comp.runs["group"] == g, outcome].dropna().to_numpy(float)
                      for g in comp.groups]
            positions = np.arange(1, len(comp.groups) + 1)
            present = [i for i, v in enumerate(values) if len(v)]
            boxes = ax.boxplot([values[i] for i in present], positions=positions[present], widths=0.55,
                               patch_artist=True, showfliers=False,
                               medianprops={"color": "black", "linewidth": 1.2},
                               whiskerprops={"color": "0.35"}, capprops={"color": "0.35"})
            for i, box in zip(present, boxes["boxes"]):
                look = comp.looks[comp.groups[i]]
                box.set(facecolor=_rgba(look.color, 0.25), edgecolor=look.color, hatch=look.hatch,
                        linewidth=1.0)
            for i, g in enumerate(comp.groups):
                look = comp.looks[g]
                x = positions[i] + rng.uniform(-0.16, 0.16, len(values[i]))
                ax.scatter(x, values[i], s=14, marker=look.marker, facecolor=look.color,
                           edgecolor="white", linewidth=0.4, zorder=3, label=g)
            ax.set_xticks(positions, comp.groups)
            _tidy_categories(ax, comp.groups)
            ax.set_ylabel(outcome_label(outcome))
            ax.set_title(_words(outcome).capitalize())
            ax.grid(axis="x", visible=False)
        for k in range(n, rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        weeks = sorted(comp.runs["weeks"].unique())
        fig.suptitle(f"End of run (week {'/'.join(map(str, weeks))}): one point per run, box = quartiles",
                     x=0.0, ha="left", fontsize=9, fontweight="normal")
    return fig


# ---- effects --------------------------------------------------------------------------------
def forest(effects: pd.DataFrame, looks: Mapping[str, Look]) -> Figure:
    """Difference from the reference with its interval, per outcome and group.

    Outcomes with the same unit share a panel (and an x-axis in that unit); the zero
    line is the reference. The interval kind and pairing are taken from the table.
    """
    if effects.empty:
        raise ValueError("no effects to plot: a comparison needs at least two groups")
    ref = effects["reference"].iloc[0]
    groups = list(dict.fromkeys(effects["group"]))
    units = list(dict.fromkeys(effects["unit"]))
    outcomes_by_unit = {u: list(dict.fromkeys(effects.loc[effects["unit"] == u, "outcome"])) for u in units}
    heights = [len(o) * max(0.45, 0.22 * len(groups)) + 0.55 for o in outcomes_by_unit.values()]
    spread = 0.6 / max(1, len(groups))
    with figure_style():
        fig = Figure(figsize=(WIDTH, 0.9 + sum(heights)))
        axes = fig.subplots(len(units), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
        for ax, unit in zip(axes, units):
            names = outcomes_by_unit[unit]
            ax.axvline(0, color="black", linewidth=0.9, zorder=1)
            for j, g in enumerate(groups):
                look = looks[g]
                t = effects[(effects["group"] == g) & (effects["unit"] == unit)].set_index("outcome").loc[names]
                y = np.arange(len(names)) + (j - (len(groups) - 1) / 2) * spread
                d = t["difference"].to_numpy(float)
                err = np.vstack([d - t["ci_low"].to_numpy(float), t["ci_high"].to_numpy(float) - d])
                ax.errorbar(d, y, xerr=np.where(np.isfinite(err), err, 0), fmt=look.marker, color=look.color,
                            markersize=5, capsize=2.5, elinewidth=1.3, linestyle="none", label=g, zorder=3)
            ax.set_yticks(np.arange(len(names)), [_words(o) for o in names])
            ax.set_ylim(len(names) - 0.5, -0.5)
            ax.set_xlabel(f"difference from {ref} ({unit})")
            ax.grid(axis="y", visible=False)
            ax.xaxis.set_major_locator(MaxNLocator(7, symmetric=False))
            lo, hi = ax.get_xlim()
            if lo > 0 or hi < 0:  # keep the zero line in view
                ax.set_xlim(min(lo, 0), max(hi, 0))
        how = "; ".join(sorted(set(effects["pairing"] + ", " + effects["interval"].str.split().str[0])))
        fig.suptitle(f"Effect against {ref} (zero line)\ndifference in means with 95% bootstrap interval ({how})",
                     x=0.0, ha="left", fontsize=9, fontweight="normal")
        handles = [Line2D([], [], color=looks[g].color, marker=looks[g].marker, linestyle="none", label=g)
                   for g in groups]
        fig.legend(handles=handles, loc="outside lower center", ncols=min(4, len(groups)))
    return fig


# ---- households ----------------------------------------------------------------------------
def household_groups(comp: Comparison) -> Figure:
    """Satisfaction of all, elderly, migrant and renter households: mean and t-based 95%
    interval per group, with each run as a small point."""
    table = compare.household_groups(comp)
    cats = list(compare.HOUSEHOLD_GROUPS)
    spread = 0.7 / max(1, len(comp.groups))
    rng = np.random.default_rng(JITTER_SEED)
    with figure_style():
        fig = Figure(figsize=(WIDTH, 3.6))
        ax = fig.add_subplot()
        for j, g in enumerate(comp.groups):
            look = comp.looks[g]
            t = table[table["group"] == g].set_index("households").loc[cats]
            x = np.arange(len(cats)) + (j - (len(comp.groups) - 1) / 2) * spread
            for xi, col in zip(x, compare.HOUSEHOLD_GROUPS.values()):
                v = comp.runs.loc[comp.runs["group"] == g, col].dropna().to_numpy(float)
                ax.scatter(xi + rng.uniform(-0.25, 0.25, len(v)) * spread, v, s=8, marker=look.marker,
                           color=_rgba(look.color, 0.35), linewidth=0, zorder=2)
            m = t["mean"].to_numpy(float)
            err = np.vstack([m - t["ci_low"].to_numpy(float), t["ci_high"].to_numpy(float) - m])
            ax.errorbar(x, m, yerr=np.where(np.isfinite(err), err, 0), fmt=look.marker, color=look.color,
                        markersize=6, capsize=3, elinewidth=1.4, linestyle="none", label=g, zorder=3,
                        markeredgecolor="white", markeredgewidth=0.5)
        ax.set_xticks(np.arange(len(cats)), cats)
        ax.set_xlim(-0.6, len(cats) - 0.4)
        ax.set_ylabel(outcome_label("satisfaction"))
        ax.set_title("Satisfaction by household group")
        ax.grid(axis="x", visible=False)
        fig.legend(handles=[_line_handle(g, comp.looks[g], line=False) for g in comp.groups],
                   loc="outside right upper", title="mean, 95% CI", title_fontsize=8)
        weeks = sorted(comp.runs["weeks"].unique())
        ax.text(0, -0.16, f"end of run (week {'/'.join(map(str, weeks))}); small points: single runs",
                transform=ax.transAxes, fontsize=7.5, color="0.3", va="top")
    return fig


# ---- all of them ----------------------------------------------------------------------------
def figures(comp: Comparison, outcomes: Sequence[str], effects: pd.DataFrame | None = None) -> dict[str, Figure]:
    """Every figure of a comparison, by file stem, in reading order."""
    figs: dict[str, Figure] = {}
    if not comp.timeseries.empty:
        for o in outcomes:
            figs[f"fan-{o}"] = fan_chart(comp, o)
    figs["distributions"] = distributions(comp, outcomes)
    if effects is not None and not effects.empty:
        figs["forest"] = forest(effects, comp.looks)
    figs["households"] = household_groups(comp)
    return figs


def save_all(figs: Mapping[str, Figure], directory: Path | str) -> list[Path]:
    """Each figure as STEM.png and STEM.svg in directory."""
    return [p for stem, fig in figs.items() for p in save(fig, directory, stem)]


# ---- helpers --------------------------------------------------------------------------------
def _rgba(color: str, alpha: float) -> tuple[float, float, float, float]:
    return matplotlib.colors.to_rgba(color, alpha)


def _line_handle(g: str, look: Look, line: bool = True) -> Line2D:
    return Line2D([], [], color=look.color, linestyle=look.linestyle if line else "none", marker=look.marker,
                  markersize=4 if line else 5, label=g)


def _tidy_categories(ax: Axes, labels: Sequence[str]) -> None:
    if len(labels) > 3 or max(map(len, labels)) > 14:
        for t in ax.get_xticklabels():
            t.set(rotation=30, ha="right", rotation_mode="anchor")

