"""Figures of a calibration: marginal posteriors against priors, pairwise densities of the
most informed parameters, and the generations (tolerance, acceptance, ESS)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.calibrate.file import Calibration
from analysis.style import PALETTE, figure_style

MAX_PAIRS = 4


def marginals(c: Calibration, pops: pd.DataFrame) -> Figure:
    """Per parameter: the prior density, the first and last generations' weighted histograms."""
    ps = c.priors
    cols = min(3, len(ps))
    rows = -(-len(ps) // cols)
    last = int(pops["generation"].max())
    with figure_style():
        fig = Figure(figsize=(max(6.5, 2.8 * cols), 0.7 + 2.3 * rows))
        axes = fig.subplots(rows, cols, squeeze=False)
        for i, p in enumerate(ps):
            ax = axes[i // cols][i % cols]
            grid = np.linspace(p.low, p.high, 200)
            ax.plot(grid, p.scipy().pdf(grid), color="0.3", lw=1.2, ls=(0, (4, 2)), label="prior")
            bins = np.linspace(p.low, p.high, 25)
            for g, color, label in ((0, PALETTE[2], "generation 0"), (last, PALETTE[0], f"posterior (gen. {last})")):
                if g == 0 and last == 0:
                    continue
                d = pops[pops["generation"] == g]
                ax.hist(d[p.name], bins=bins, weights=d["weight"], density=True, histtype="stepfilled" if g == last
                        else "step", color=color, alpha=0.45 if g == last else 0.9, label=label,
                        hatch="" if g == last else None)
            ax.set_title(p.name, fontsize=8)
            ax.set_xlim(p.low, p.high)
            ax.set_yticks([])
            if i == 0:
                ax.legend(fontsize=6)
        for k in range(len(ps), rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        fig.suptitle("Marginal posteriors (weighted histograms) against priors (dashed)", x=0.0, ha="left",
                     fontsize=9, fontweight="normal")
    return fig


def most_informed(params: pd.DataFrame, k: int = MAX_PAIRS) -> list[str]:
    """The k parameters whose posterior is narrowest relative to the prior."""
    return params.sort_values("sd_ratio")["parameter"].head(k).tolist()


def pairs(c: Calibration, posterior: pd.DataFrame, params: pd.DataFrame) -> Figure:
    """Weighted 2-D densities (and marginals on the diagonal) of the most informed parameters."""
    names = most_informed(params)
    by = {p.name: p for p in c.priors}
    n = len(names)
    w = posterior["weight"].to_numpy(float)
    with figure_style():
        fig = Figure(figsize=(1.9 * max(n, 2) + 0.8, 1.9 * max(n, 2) + 0.6))
        axes = fig.subplots(n, n, squeeze=False)
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                ax = axes[i][j]
                if j > i:
                    ax.set_visible(False)
                    continue
                pa, pb = by[a], by[b]
                if i == j:
                    ax.hist(posterior[a], bins=20, weights=w, range=(pa.low, pa.high), color=PALETTE[0], alpha=0.6)
                    ax.set_yticks([])
                else:
                    ax.hist2d(posterior[b], posterior[a], bins=15, weights=w, range=[[pb.low, pb.high],
                                                                                     [pa.low, pa.high]],
                              cmap="Blues")
                if i == n - 1:
                    ax.set_xlabel(b, fontsize=7)
                else:
                    ax.set_xticklabels([])
                if j == 0 and i > 0:
                    ax.set_ylabel(a, fontsize=7)
                ax.tick_params(labelsize=6)
                ax.grid(False)
        fig.suptitle("Posterior of the most informed parameters (narrowest against their prior)", x=0.0,
                     ha="left", fontsize=9, fontweight="normal")
    return fig


def generations(gens: pd.DataFrame) -> Figure:
    g = gens[gens["generation"] >= 0]
    with figure_style():
        fig = Figure(figsize=(8, 2.5))
        axes = fig.subplots(1, 3)
        for ax, col, title in zip(axes, ("epsilon", "acceptance_rate", "ess"),
                                  ("Tolerance ε", "Acceptance rate", "Effective sample size")):
            ax.plot(g["generation"], g[col], marker="o", color=PALETTE[0])
            ax.set_title(title)
            ax.set_xlabel("generation")
            if col == "epsilon":
                ax.set_yscale("log")
    return fig
