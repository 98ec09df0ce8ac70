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
from matplotlib.ticker import FixedLocator, MaxNLocator, MultipleLocator, NullFormatter

from analysis import compare, views
from analysis.compare import MAX_GROUPS, Comparison
from analysis.style import Look, figure_style, outcome_label, panel_grid, save
from sim.calendar import WEEKS_PER_YEAR

WIDTH = 6.4          # inches: a page width minus margins; scales down to one column cleanly
BAND_ALPHA = {50: 0.30, 90: 0.12}
JITTER_SEED = 0      # points in distributions are jittered the same way every time


START_YEAR = 2018    # a run's week 1 is the first week of 2018, the year the Opinions were issued


def _words(outcome: str) -> str:
    return outcome_label(outcome, unit=False)


def _week_ticks(ax: Axes, last_week: int) -> None:
    """Years (2018, 2019, ...) under each year's span where the run lasts a year or more, else weeks."""
    ax.set_xlim(0, last_week + 1)
    if last_week < WEEKS_PER_YEAR:
        step = 13 if last_week > 26 else 4 if last_week > 8 else 1
        ax.xaxis.set_major_locator(MultipleLocator(step))
        ax.set_xlabel("week")
        return
    years = -(-last_week // WEEKS_PER_YEAR)
    ax.xaxis.set_major_locator(FixedLocator([WEEKS_PER_YEAR * y for y in range(years + 1)]))
    ax.xaxis.set_major_formatter(NullFormatter())
    mids = [WEEKS_PER_YEAR * y + min(WEEKS_PER_YEAR, last_week - WEEKS_PER_YEAR * y) / 2 for y in range(years)]
    ax.xaxis.set_minor_locator(FixedLocator(mids))
    ax.set_xticks(mids, [str(START_YEAR + y) for y in range(years)], minor=True)
    ax.tick_params(axis="x", which="minor", length=0)
    ax.set_xlabel(f"year (week 1 = first week of {START_YEAR})")


def end_of_run(weeks: Sequence[int]) -> str:
    """'end of 2020 (week 156)': when end-of-run outcomes are measured, in the reader's terms."""
    weeks = sorted({int(w) for w in weeks})
    if len(weeks) == 1 and weeks[0] % WEEKS_PER_YEAR == 0:
        return f"end of {START_YEAR + weeks[0] // WEEKS_PER_YEAR - 1} (week {weeks[0]})"
    return "week " + "/".join(map(str, weeks))


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
                    label=_short(comp, g))
        _week_ticks(ax, last)
        ax.set_ylabel(outcome_label(outcome))
        ax.set_title(_words(outcome))
        if own:
            handles = [_line_handle(_short(comp, g), comp.looks[g]) for g in comp.groups]
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
    rows, cols = panel_grid(n, 3)
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
            names = [_short(comp, g) for g in comp.groups]
            ax.set_xticks(positions, names)
            _tidy_categories(ax, names)
            ax.set_ylabel(outcome_label(outcome))
            ax.set_title(_words(outcome))
            ax.grid(axis="x", visible=False)
        for k in range(n, rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        fig.suptitle(f"End of run ({end_of_run(comp.runs['weeks'])}): one point per run, box = quartiles",
                     x=0.0, ha="left", fontsize=9, fontweight="normal")
    return fig


# ---- effects --------------------------------------------------------------------------------
def forest(effects: pd.DataFrame, looks: Mapping[str, Look], labels: Mapping[str, str] | None = None,
           against: str | None = None) -> Figure:
    """Difference from the reference with its interval, per outcome and group.

    Up to four groups: outcomes with the same unit share a panel (and an x-axis in that
    unit), groups side by side in their looks. More groups (a sweep's points, pairs of a
    design): one panel per outcome with one row per group, so that a row's label names
    it. The zero line is the reference (or, for paired rows, each row's partner); the
    interval kind and pairing are taken from the table. ``labels`` shortens group names;
    ``against`` says in words what rows are compared with (``Comparison.pairing_words``).
    """
    if effects.empty:
        raise ValueError("no effects to plot: a comparison needs at least two groups")
    labels = labels or {}
    groups = list(dict.fromkeys(effects["group"]))
    refs = list(dict.fromkeys(effects["reference"]))
    ref = refs[0] if len(refs) == 1 else None
    how = "; ".join(sorted(set(effects["pairing"] + ", " + effects["interval"].str.split().str[0])))
    if against:
        against = f"Effect of {against} (zero line)"
    else:
        against = f"Effect against {labels.get(ref, ref)} (zero line)" if ref else \
            "Effect against each row's pair (zero line)"
    title = f"{against}\ndifference in means with 95% bootstrap interval ({how})"
    if len(groups) > 4:
        return _forest_rows(effects, groups, labels, title)
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
                            markersize=5, capsize=2.5, elinewidth=1.3, linestyle="none", label=labels.get(g, g),
                            zorder=3)
            ax.set_yticks(np.arange(len(names)), [_words(o) for o in names])
            ax.set_ylim(len(names) - 0.5, -0.5)
            ax.set_xlabel(f"difference from {labels.get(ref, ref) if ref else 'its pair'} ({unit})")
            ax.grid(axis="y", visible=False)
            ax.xaxis.set_major_locator(MaxNLocator(7, symmetric=False))
            _keep_zero(ax)
        fig.suptitle(title, x=0.0, ha="left", fontsize=9, fontweight="normal")
        handles = [Line2D([], [], color=looks[g].color, marker=looks[g].marker, linestyle="none",
                          label=labels.get(g, g)) for g in groups]
        fig.legend(handles=handles, loc="outside lower center", ncols=min(4, len(groups)))
    return fig


def _forest_rows(effects: pd.DataFrame, groups: list[str], labels: Mapping[str, str], title: str) -> Figure:
    """One panel per outcome, one row per group: readable for tens of groups."""
    outcomes = list(dict.fromkeys(effects["outcome"]))
    n = len(outcomes)
    rows, cols = panel_grid(n, 4)
    names = [labels.get(g, g) for g in groups]
    with figure_style():
        fig = Figure(figsize=(max(WIDTH, 1.9 * cols + 0.06 * max(map(len, names)) + 0.6),
                              1.0 + (0.5 + 0.17 * len(groups)) * rows))
        axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
        for k, o in enumerate(outcomes):
            ax = axes[k // cols][k % cols]
            t = effects[effects["outcome"] == o].set_index("group").reindex(groups)
            d = t["difference"].to_numpy(float)
            err = np.vstack([d - t["ci_low"].to_numpy(float), t["ci_high"].to_numpy(float) - d])
            y = np.arange(len(groups))
            clear = (t["ci_low"] > 0) | (t["ci_high"] < 0)
            ax.axvline(0, color="black", linewidth=0.9, zorder=1)
            ax.errorbar(d, y, xerr=np.where(np.isfinite(err), err, 0), fmt="none", ecolor="0.35", elinewidth=1.0,
                        capsize=1.5, zorder=2)
            ax.scatter(d[clear.to_numpy()], y[clear.to_numpy()], s=14, color="black", zorder=3)
            ax.scatter(d[~clear.to_numpy()], y[~clear.to_numpy()], s=14, facecolor="white", edgecolor="black",
                       zorder=3)
            ax.set_yticks(y, names, fontsize=7)
            ax.set_ylim(len(groups) - 0.5, -0.5)
            ax.grid(axis="y", visible=False)
            ax.set_title(_wrap_words(_words(o), 26), fontsize=8)
            ax.set_xlabel(str(t["unit"].dropna().iloc[0]) if t["unit"].notna().any() else "", fontsize=7.5)
            ax.tick_params(axis="x", labelsize=7)
            ax.xaxis.set_major_locator(MaxNLocator(4, symmetric=False))
            _keep_zero(ax)
        for ax in [a for row in axes for a in row][n:]:
            ax.set_visible(False)
        fig.suptitle(title + "; hollow: interval includes zero", x=0.0, ha="left", fontsize=9,
                     fontweight="normal")
    return fig


def _keep_zero(ax: Axes) -> None:
    lo, hi = ax.get_xlim()
    if lo > 0 or hi < 0:  # keep the zero line in view
        ax.set_xlim(min(lo, 0), max(hi, 0))


def _wrap_words(text: str, width: int) -> str:
    return views._wrap(text, width)


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
            # an interval clipped to the outcome's bounds may end short of a mean outside them
            ax.errorbar(x, m, yerr=np.clip(np.where(np.isfinite(err), err, 0), 0, None), fmt=look.marker, color=look.color,
                        markersize=6, capsize=3, elinewidth=1.4, linestyle="none", label=g, zorder=3,
                        markeredgecolor="white", markeredgewidth=0.5)
        ax.set_xticks(np.arange(len(cats)), cats)
        ax.set_xlim(-0.6, len(cats) - 0.4)
        ax.set_ylabel(outcome_label("satisfaction"))
        ax.set_title("Satisfaction by household group")
        ax.grid(axis="x", visible=False)
        fig.legend(handles=[_line_handle(_short(comp, g), comp.looks[g], line=False) for g in comp.groups],
                   loc="outside right upper", title="mean, 95% CI", title_fontsize=8)
        ax.text(0, -0.16, f"{end_of_run(comp.runs['weeks'])}; small points: single runs",
                transform=ax.transAxes, fontsize=7.5, color="0.3", va="top")
    return fig


# ---- all of them ----------------------------------------------------------------------------
def figures(comp: Comparison, outcomes: Sequence[str], effects: pd.DataFrame | None = None) -> dict[str, Figure]:
    """Every figure of a comparison, by file stem, in reading order.

    Figures that draw every group in its own look (fan charts, distributions, household
    groups) are drawn for up to MAX_GROUPS groups, and the forest for up to
    MAX_GROUPS * 4 rows; a design that varies levers adds its own views
    (``analysis.views``), which stay readable for hundreds of points.
    """
    figs: dict[str, Figure] = {}
    few = len(comp.groups) <= MAX_GROUPS
    if few and not comp.timeseries.empty:
        for o in outcomes:
            figs[f"fan-{o}"] = fan_chart(comp, o)
    figs.update(views.sweep_figures(comp, outcomes))
    if few:
        figs["distributions"] = distributions(comp, outcomes)
    if effects is not None and not effects.empty and effects["group"].nunique() <= 4 * MAX_GROUPS:
        figs["forest"] = forest(effects, comp.looks, comp.effect_labels(), comp.pairing_words())
    if few:
        figs["households"] = household_groups(comp)
    return figs


def save_all(figs: Mapping[str, Figure], directory: Path | str) -> list[Path]:
    """Each figure as STEM.png and STEM.svg in directory."""
    return [p for stem, fig in figs.items() for p in save(fig, directory, stem)]


# ---- helpers --------------------------------------------------------------------------------
def _rgba(color: str, alpha: float) -> tuple[float, float, float, float]:
    return matplotlib.colors.to_rgba(color, alpha)


def _short(comp: Comparison, group: str) -> str:
    return comp.short.get(group, group) if comp.short else group


def _line_handle(g: str, look: Look, line: bool = True) -> Line2D:
    return Line2D([], [], color=look.color, linestyle=look.linestyle if line else "none", marker=look.marker,
                  markersize=4 if line else 5, label=g)


def _tidy_categories(ax: Axes, labels: Sequence[str]) -> None:
    if len(labels) > 3 or max(map(len, labels)) > 14:
        for t in ax.get_xticklabels():
            t.set(rotation=30, ha="right", rotation_mode="anchor")

