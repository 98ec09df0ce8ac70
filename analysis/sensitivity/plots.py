"""Figures of sensitivity indices, readable in greyscale: bars, S2 heatmap, Morris plane, convergence.

Each function takes the tidy index table of `analysis.sensitivity` and returns a
matplotlib Figure drawn in govsim's figure style (`analysis.style`, which also saves
it as PNG and SVG); no pyplot state is touched, so notebooks keep their own. Intervals are always drawn, and
an index whose interval includes zero is drawn hollow, so a reader sees at a glance
which effects the data cannot tell from nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.sensitivity.methods import DUMMY
from analysis.style import lever_label, styled

FILLS = ("0.25", "white", "0.65", "0.9")
HATCHES = ("", "///", "", "..")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
LINESTYLES = ("-", "--", ":", "-.")


def _label(name: str) -> str:
    """A lever by its label from the lever table ('Households per grid worker'); the dummy as itself."""
    return name if name == DUMMY else lever_label(name)


def _first(table: pd.DataFrame, index: str) -> pd.DataFrame:
    return table[(table["index"] == index) & (table["partner"] == "")]


@styled
def bars(table: pd.DataFrame, indices: Sequence[str], title: str, xlabel: str = "index") -> Figure:
    """Horizontal bars of one or more indices per parameter with interval whiskers,
    sorted by the last index (ST for Sobol'), largest on top."""
    order = _first(table, indices[-1]).sort_values("value").index.tolist()
    k, h = len(order), 0.8 / len(indices)
    fig = Figure(figsize=(6.4, 1.2 + 0.28 * k * max(1, len(indices) / 1.5)))
    ax = fig.subplots()
    y = np.arange(k)
    for j, index in enumerate(indices):
        t = _first(table, index).reindex(order)
        pos = y - 0.4 + h * (j + 0.5)
        err = np.vstack([t["value"] - t["ci_low"], t["ci_high"] - t["value"]])
        ax.barh(pos, t["value"], height=h, color=FILLS[j % 4], hatch=HATCHES[j % 4], edgecolor="black",
                linewidth=0.6, label=index, xerr=np.nan_to_num(err), capsize=2,
                error_kw={"elinewidth": 0.8, "ecolor": "black"})
        zero = t["includes_zero"].fillna(False).to_numpy(bool)
        for p, v in zip(pos[zero], t["value"].to_numpy()[zero]):
            ax.text(max(v, 0) + 0.005, p, "○", va="center", fontsize=7)
    if DUMMY in order:
        dummy = _first(table, indices[-1]).loc[DUMMY, "ci_high"]
        ax.axvline(dummy, color="black", linestyle=":", linewidth=0.8, label=f"{DUMMY} upper 95%")
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_yticks(y, [_label(n) for n in order], fontsize=8)
    ax.set_xlabel(xlabel + "  (whiskers: 95% interval; ○ interval includes zero)")
    ax.set_ylabel("lever")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    return fig


@styled
def s2_heatmap(table: pd.DataFrame, title: str) -> Figure:
    """Second-order Sobol' indices as an upper-triangular grey matrix, values printed;
    values whose interval includes zero are printed in brackets."""
    names = _first(table, "S1").index.tolist()
    s2 = table[table["index"] == "S2"]
    k = len(names)
    M = np.full((k, k), np.nan)
    # room for rotated lever names, the colour bar and a two-line title, however few levers
    fig = Figure(figsize=(max(5.0, 3.0 + 0.55 * k), max(4.0, 2.6 + 0.5 * k)))
    ax = fig.subplots()
    for name, r in s2.iterrows():
        i, j = names.index(name), names.index(r["partner"])
        M[i, j] = r["value"]
    vmax = max(0.05, float(np.nanmax(np.abs(M)))) if np.isfinite(M).any() else 0.05
    im = ax.imshow(np.clip(M, 0, None), cmap="Greys", vmin=0, vmax=vmax)
    for name, r in s2.iterrows():
        i, j = names.index(name), names.index(r["partner"])
        text = f"{r['value']:.2f}"
        if r["includes_zero"] is not pd.NA and bool(r["includes_zero"]):
            text = f"({text})"
        ax.text(j, i, text, ha="center", va="center", fontsize=7,
                color="white" if r["value"] > 0.6 * vmax else "black")
    ax.set_xticks(range(k), [_label(n) for n in names], rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(k), [_label(n) for n in names], fontsize=8)
    ax.set_xlabel("lever")
    ax.set_ylabel("lever")
    fig.colorbar(im, ax=ax, label="S2 (second-order index)", shrink=0.8)
    ax.set_title(title + "\n(values in brackets: 95% interval includes zero)", fontsize=10)
    return fig


@styled
def morris(table: pd.DataFrame, title: str, unit: str = "") -> Figure:
    """The Morris plane: mu* (with its interval) against sigma, with the lines
    sigma/mu* = 0.1, 0.5 and 1 that separate near-linear, monotonic and non-linear or
    interacting effects (Garcia Sanchez et al. 2014)."""
    ms = _first(table, "mu_star")
    sg = _first(table, "sigma").reindex(ms.index)
    fig = Figure(figsize=(6.4, 4.8))
    ax = fig.subplots()
    x, y = ms["value"].to_numpy(), sg["value"].to_numpy()
    err = np.vstack([x - ms["ci_low"].to_numpy(), ms["ci_high"].to_numpy() - x])
    ax.errorbar(x, y, xerr=np.nan_to_num(err), fmt="o", color="black", mfc="white", ms=5, capsize=2,
                elinewidth=0.8)
    high = ms["ci_high"].to_numpy()
    top = max(float(np.nanmax(x)) if len(x) else 1.0, float(np.nanmax(y)) if len(y) else 1.0,
              float(np.nanmax(high)) if np.isfinite(high).any() else 0.0, 1e-12) * 1.1  # whiskers inside
    for ratio, style in ((0.1, ":"), (0.5, "--"), (1.0, "-")):
        ax.plot([0, top], [0, ratio * top], linestyle=style, color="0.5", linewidth=0.8,
                label=f"σ/μ* = {ratio:g}")
    rank = np.argsort(-x)
    # label the influential (the crowd near the origin would only overlap), each moved
    # down or up from its point until it clears the labels already placed
    influential = [i for i in rank[:10] if x[i] >= 0.15 * np.nanmax(x)]
    _place_labels(ax, [(x[i], y[i], _label(ms.index[i])) for i in influential], top, fig)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel(f"μ* (mean |elementary effect|{', ' + unit if unit else ''}; whiskers: 95% interval)")
    ax.set_ylabel("σ (spread of elementary effects)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def _place_labels(ax, points: list[tuple[float, float, str]], top: float, fig: Figure) -> None:
    """Annotate (x, y, text) points on axes spanning [0, top] in both directions,
    moving a label that would overlap one already placed by a line at a time (down,
    then up), with a thin leader line to its point when moved."""
    width_in, height_in = fig.get_size_inches()
    pos = ax.get_position()
    per_point_x = top / (width_in * pos.width * 72)    # data units per typographic point
    per_point_y = top / (height_in * pos.height * 72)
    line = 9 * per_point_y
    placed: list[tuple[float, float, float, float]] = []

    def clear(x0: float, y0: float, w: float) -> bool:
        return all(x0 + w < a or x0 > b or y0 + line < c or y0 > d for a, b, c, d in placed)

    for x, y, text in points:
        w = (len(text) * 4.0 + 3) * per_point_x
        x0 = x + 3 * per_point_x if x + 3 * per_point_x + w <= top else x - 3 * per_point_x - w  # left near the edge
        y0 = y + 3 * per_point_y
        for k in (0, -1, 1, -2, 2, -3, 3, -4, 4):
            if clear(x0, y0 + k * line, w):
                y0 += k * line
                break
        placed.append((x0, x0 + w, y0, y0 + line))
        moved = abs(y0 - (y + 3 * per_point_y)) > 1e-12
        ax.annotate(text, (x, y), xytext=(x0, y0), textcoords="data", fontsize=7,
                    arrowprops={"arrowstyle": "-", "color": "0.6", "linewidth": 0.5} if moved else None)


@styled
def convergence(history: pd.DataFrame, indices: Sequence[str], title: str) -> Figure:
    """Each watched index against N (log2 axis), one line style and marker per lever,
    with the 95% interval as error bars; the dummy excluded."""
    h = history[(history["partner"] == "") & (history["parameter"] != DUMMY)]
    fig = Figure(figsize=(4.2 * len(indices), 3.8))
    axes = fig.subplots(1, len(indices), squeeze=False)
    params = list(dict.fromkeys(h["parameter"]))
    for ax, index in zip(axes[0], indices):
        t = h[h["index"] == index]
        for p_i, p in enumerate(params):
            s = t[t["parameter"] == p].sort_values("n")
            if s.empty:
                continue
            err = np.vstack([s["value"] - s["ci_low"], s["ci_high"] - s["value"]])
            ax.errorbar(s["n"], s["value"], yerr=np.nan_to_num(err), marker=MARKERS[p_i % len(MARKERS)],
                        linestyle=LINESTYLES[p_i % len(LINESTYLES)], color=str(0.6 * (p_i % 4) / 3),
                        mfc="white", ms=4, capsize=2, linewidth=0.9, label=_label(p))
        ax.set_xscale("log", base=2)
        ax.axhline(0, color="black", linewidth=0.5)
        ax.set_xlabel("N (log scale)")
        ax.set_ylabel(index)
        ax.set_title(f"{title}: {index}", fontsize=10)
    axes[0][-1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    return fig
