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
            log = p.kind == "loguniform"
            grid = np.geomspace(p.low, p.high, 200) if log else np.linspace(p.low, p.high, 200)
            # densities per unit of the axis: of log10(x) on a log axis
            density = p.scipy().pdf(grid) * (grid * np.log(10) if log else 1.0)
            ax.plot(grid, density, color="0.3", lw=1.2, ls=(0, (4, 2)), label="prior")
            bins = np.geomspace(p.low, p.high, 25) if log else np.linspace(p.low, p.high, 25)
            if log:
                ax.set_xscale("log")
            for g, color, label in ((0, PALETTE[2], "generation 0"), (last, PALETTE[0], f"posterior (gen. {last})")):
                if g == 0 and last == 0:
                    continue
                d = pops[pops["generation"] == g]
                x = np.log10(d[p.name]) if log else d[p.name]
                edges = np.log10(bins) if log else bins
                heights, _ = np.histogram(x, bins=edges, weights=d["weight"], density=True)
                ax.stairs(heights, bins, fill=g == last, color=color, alpha=0.45 if g == last else 0.9,
                          label=label)
            ax.set_title(p.name, fontsize=8)
            ax.set_xlim(p.low, p.high)
            ax.set_yticks([])
            if i == 0:
                ax.legend(fontsize=6)
        for k in range(len(ps), rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        fig.suptitle("Marginal posteriors (weighted histograms) against priors (dashed); log-uniform priors on "
                     "log axes", x=0.0, ha="left",
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
                    log = pa.kind == "loguniform"
                    bins = np.geomspace(pa.low, pa.high, 21) if log else np.linspace(pa.low, pa.high, 21)
                    ax.hist(posterior[a], bins=bins, weights=w, color=PALETTE[0], alpha=0.6)
                    ax.set_yticks([])
                else:
                    # one point per particle, its area proportional to its weight: with a few
                    # dozen particles a binned density would show the binning, not the posterior
                    ax.scatter(posterior[b], posterior[a], s=4 + 400 * w / w.max() * min(1.0, 30 / len(w)),
                               color=PALETTE[0], alpha=0.5, edgecolor="none")
                    ax.set_ylim(pa.low, pa.high)
                    if pa.kind == "loguniform":
                        ax.set_yscale("log")
                ax.set_xlim(pb.low, pb.high)
                if pb.kind == "loguniform":
                    ax.set_xscale("log")
                if i == n - 1:
                    ax.set_xlabel(b, fontsize=7)
                else:
                    ax.set_xticklabels([])
                if j == 0 and i > 0:
                    ax.set_ylabel(a, fontsize=7)
                ax.tick_params(labelsize=6)
                ax.grid(False)
        fig.suptitle("Posterior of the most informed parameters (narrowest against their prior); "
                     "point area ∝ particle weight", x=0.0,
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
