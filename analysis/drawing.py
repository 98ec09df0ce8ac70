"""The page's figures, drawn from what sim.snapshot reads off a running model.

Each panel builds its figure once and then only updates the data of its artists
(lines, image, bars) each week: rebuilding figures, and matplotlib's constrained
layout, cost more than the model's week. No Solara here, so that the page
(analysis.page), the benchmark and the tests draw the same thing.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from analysis.style import PALETTE, RC, figure_style
from sim import snapshot
from sim.model import GovernanceModel

# what the page plots over time, in two panels: how cases end, and how residents feel
CASE_OUTCOMES = ("resolution_rate", "escalation_rate", "unmet_need_rate")
VIEW_OUTCOMES = ("satisfaction", "trust", "participation")
LINESTYLES = ("solid", (0, (5, 2)), (0, (1, 1.2)))
MODE_COLOURS = ("#0072B2", "#009E73", "#D55E00")   # managed, self-governed, unmanaged
PAGE_DPI = 80
# govsim's look, with fixed margins instead of constrained layout (a third of the
# drawing time of these small figures)
PAGE_RC = {**RC, "figure.constrained_layout.use": False}


def _watch(model: GovernanceModel) -> snapshot.Watch:
    watch = getattr(model, "watch", None)
    if watch is None:
        raise TypeError("the page draws a sim.snapshot.WatchedModel (it keeps the weekly outcomes)")
    return watch


class Panel:
    """A figure built once for one model and brought up to date each week."""

    def __init__(self, model: GovernanceModel) -> None:
        self.model = model
        with figure_style():
            import matplotlib
            with matplotlib.rc_context(PAGE_RC):
                self.fig = self.build(model)

    def build(self, model: GovernanceModel) -> Figure:
        raise NotImplementedError

    def update(self) -> Figure:
        raise NotImplementedError

    def png(self, dpi: int = PAGE_DPI) -> bytes:
        """The figure as it is now (what the page sends to the browser)."""
        out = io.BytesIO()
        self.update().savefig(out, format="png", dpi=dpi)
        return out.getvalue()


class OutcomesPanel(Panel):
    """Headline outcomes by week: how cases end (cumulative shares) and residents' views."""

    def build(self, model):
        fig = Figure(figsize=(6.0, 2.5))
        fig.subplots_adjust(left=0.07, right=0.99, bottom=0.17, top=0.9, wspace=0.18)
        self.axes = fig.subplots(1, 2, sharex=True)
        self.lines = []
        for ax, names, title in ((self.axes[0], CASE_OUTCOMES, "Cases closed: how they ended"),
                                 (self.axes[1], VIEW_OUTCOMES, "Residents (mean)")):
            for name, colour, ls in zip(names, PALETTE, LINESTYLES):
                (line,) = ax.plot([], [], color=colour, linestyle=ls, label=name.replace("_", " "))
                self.lines.append((name, line))
            ax.set_ylim(0, 1)
            ax.set_xlabel("week")
            ax.set_title(title, fontsize=9)
            ax.legend(loc="lower left", fontsize=7)
        return fig

    def update(self):
        table = _watch(self.model).outcomes()
        weeks = table.index.to_numpy()
        for name, line in self.lines:
            line.set_data(weeks, table[name].to_numpy())
        self.axes[0].set_xlim(0, max(4, int(weeks[-1])))
        return self.fig


class MapPanel(Panel):
    """The community: one tile per grid, compounds as bands of households, coloured by
    a household quantity (one of sim.snapshot.MAP_QUANTITIES)."""

    def __init__(self, model, quantity: str, layout: snapshot.MapLayout) -> None:
        self.quantity, self.layout = quantity, layout
        super().__init__(model)

    def build(self, model):
        layout, quantity = self.layout, self.quantity
        h, w = layout.shape
        fig = Figure(figsize=(6.0, max(2.2, 5.0 * h / w + 0.5)))
        ax = fig.subplots()
        fig.subplots_adjust(left=0.01, right=0.8 if quantity == "compound" else 0.9, bottom=0.01, top=0.9)
        image = layout.image(snapshot.household_values(model, quantity).astype(float))
        if quantity == "compound":
            self.im = ax.imshow(image, cmap=ListedColormap(MODE_COLOURS), vmin=-0.5, vmax=2.5,
                                interpolation="nearest")
            ax.legend(handles=[Patch(color=c, label=n) for c, n in zip(MODE_COLOURS, snapshot.MODE_NAMES.values())],
                      loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
        else:
            self.im = ax.imshow(image, cmap="viridis", vmin=0.0, vmax=1.0, interpolation="nearest")
            fig.colorbar(self.im, ax=ax, shrink=0.85, pad=0.02).set_label(quantity, fontsize=8)
        for g, (r0, c0, th, tw) in enumerate(layout.tiles):
            ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), tw, th, fill=False, lw=0.6, ec="#555555"))
            ax.text(c0 - 0.5, r0 - 1.0, f"grid {g + 1}", fontsize=6, va="bottom", color="#333333")
        ax.set_ylim(h - 0.5, -3.5)  # room above the top row of tiles for their labels
        ax.set_axis_off()
        ax.set_title(f"{quantity} by household: grids as tiles, compounds as bands", fontsize=9)
        return fig

    def update(self):
        values = snapshot.household_values(self.model, self.quantity).astype(float)
        self.im.set_data(self.layout.image(values))
        if self.quantity == "open cases":
            self.im.set_clim(0.0, max(3.0, float(values.max())))
        return self.fig


class PipelinePanel(Panel):
    """Where this week's open cases are (latent, known, in hand by handler), and how
    the closed ones ended."""

    def build(self, model):
        p = snapshot.pipeline(model)
        fig = Figure(figsize=(6.0, 2.6))
        fig.subplots_adjust(left=0.24, right=0.98, bottom=0.2, top=0.88, wspace=0.35)
        self.left, self.right = fig.subplots(1, 2, width_ratios=(2.2, 1))
        self.open_names = list(p["open"])[::-1]
        self.open_bars = self.left.barh(self.open_names, np.zeros(len(self.open_names)), color=PALETTE[0])
        self.left.tick_params(axis="y", labelsize=7)
        self.closed_names = list(p["closed"])
        self.closed_bars = self.right.bar(self.closed_names, np.zeros(len(self.closed_names)),
                                          color=[PALETTE[2], PALETTE[4], PALETTE[1]])
        self.right.set_title("Closed so far", fontsize=9)
        self.right.tick_params(axis="x", labelsize=7, rotation=30)
        return fig

    def update(self):
        p = snapshot.pipeline(self.model)
        opened = [p["open"][n] for n in self.open_names]
        closed = [p["closed"][n] for n in self.closed_names]
        for bar, v in zip(self.open_bars, opened):
            bar.set_width(v)
        for bar, v in zip(self.closed_bars, closed):
            bar.set_height(v)
        self.left.set_xlim(0, max(5, max(opened)) * 1.1)
        self.right.set_ylim(0, max(5, max(closed)) * 1.1)
        self.left.set_title(f"Open cases this week: {sum(opened)}", fontsize=9)
        return self.fig


class WorkloadPanel(Panel):
    """Grid workers: the hours their cases ask for against the hours they have for
    cases, and skill; social organisations: the same against their capacity."""

    def build(self, model):
        fig = Figure(figsize=(6.0, 2.6))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.22, top=0.88, wspace=0.45)
        a, b = fig.subplots(1, 2)
        grids = snapshot.grid_load(model)
        x = grids["grid"].to_numpy() + 1
        self.grid_bars = a.bar(x, np.zeros(len(x)), color=PALETTE[0], label="hours cases ask for")
        (self.free,) = a.plot(x, grids["hours_free"], color="#333333", ls=(0, (4, 2)), lw=1,
                              label="hours free for cases")
        (self.skill,) = a.plot(x, grids["skill"] * 0, "o", color=PALETTE[1], ms=3, label="skill (0–1, of the top)")
        a.set_xticks(x if len(x) <= 12 else x[::max(1, len(x) // 10)])
        a.set_xlabel("grid")
        a.set_ylabel("hours a week", fontsize=8)
        a.set_title("Grid workers", fontsize=9)
        a.legend(loc="upper left", fontsize=6)
        self.a, self.b = a, b
        so = self._so()
        if len(so):
            xs = np.arange(len(so)) + 1
            self.so_bars = b.bar(xs, np.zeros(len(xs)), color=PALETTE[2], label="hours cases ask for")
            (self.capacity,) = b.plot(xs, so["hours"], "_", color="#333333", ms=10, mew=1.5, label="capacity")
            b.set_xticks(xs, [s.replace("_", " ")[:8] for s in so["service"]], rotation=60, fontsize=6)
            b.legend(loc="upper left", fontsize=6)
        else:
            self.so_bars = None
            b.text(0.5, 0.5, "no social organisations", ha="center", va="center", transform=b.transAxes)
        b.set_title("Social organisations", fontsize=9)
        return fig

    def _so(self):
        orgs = snapshot.organisations(self.model)
        return orgs[orgs["kind"] == "social_org"]

    def update(self):
        grids = snapshot.grid_load(self.model)
        need = grids["hours_needed"].to_numpy()
        top = max(float(need.max()), float(grids["hours_free"].max())) * 1.25
        for bar, v in zip(self.grid_bars, need):
            bar.set_height(v)
        self.skill.set_ydata(grids["skill"].to_numpy() * top)  # skill drawn on the panel's scale: 1 = top
        self.a.set_ylim(0, top)
        if self.so_bars is not None:
            so = self._so()
            asked = (so["cases_in_hand"] * so["case_hours"]).to_numpy(float)
            for bar, v in zip(self.so_bars, asked):
                bar.set_height(v)
            self.capacity.set_ydata(so["hours"].to_numpy(float))
            self.b.set_ylim(0, max(1.0, float(asked.max()), float(so["hours"].max())) * 1.25)
        return self.fig
