"""The page's figures, drawn from what sim.snapshot reads off a running model.

Each panel builds its figure once. Its axes, ticks, labels and legends are drawn once
into a background; each week only the artists that change (lines, the map's image,
bars) are drawn again over a copy of it (matplotlib's blitting) and the pixels are
encoded as PNG. Scales only grow, in steps, so the background is redrawn rarely.
Rebuilding and fully redrawing the figures would cost ten times the model's week.
No Solara here, so that the page (analysis.page), the benchmark and the tests draw
the same thing.
"""

from __future__ import annotations

import io
import math

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from PIL import Image

from analysis.style import PALETTE, RC
from sim import snapshot
from sim.model import GovernanceModel
from sim.run import DEFAULT_WEEKS

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


def grow(limit: float, needed: float) -> tuple[float, bool]:
    """An axis limit that only grows, to a round number above what is needed: the
    new limit and whether it changed (then the background is drawn again)."""
    if needed <= limit:
        return limit, False
    step = 10 ** math.floor(math.log10(needed * 1.3))
    return math.ceil(needed * 1.3 / step) * step, True


class Panel:
    """A figure built once for one model and brought up to date each week."""

    dynamic: list  # the artists drawn again each week (the rest is the background)

    def __init__(self, model: GovernanceModel) -> None:
        self.model = model
        with self._style():
            self.fig = self.build(model)
        self.fig.set_dpi(PAGE_DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        for artist in self.dynamic:
            artist.set_animated(True)
        self._background = None

    @staticmethod
    def _style():
        return matplotlib.rc_context(PAGE_RC)

    def build(self, model: GovernanceModel) -> Figure:
        raise NotImplementedError

    def update(self) -> bool:
        """Bring the artists up to date; True if the background changed (a scale grew)."""
        raise NotImplementedError

    def render(self) -> np.ndarray:
        """The figure as it is now, as RGBA pixels."""
        with self._style():
            if self.update() or self._background is None:
                self.canvas.draw()  # everything but the dynamic artists
                self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            else:
                self.canvas.restore_region(self._background)
            for artist in self.dynamic:
                self.fig.draw_artist(artist)
        return np.asarray(self.canvas.buffer_rgba())

    def png(self) -> bytes:
        """The figure as it is now, as the page sends it to the browser."""
        out = io.BytesIO()
        Image.fromarray(self.render()).save(out, format="PNG", compress_level=1)
        return out.getvalue()


class OutcomesPanel(Panel):
    """Headline outcomes by week: how cases end (cumulative shares) and residents' views.
    The week axis spans the policy's horizon (156 weeks) and doubles when a run goes on."""

    def build(self, model):
        fig = Figure(figsize=(6.0, 2.8))
        fig.subplots_adjust(left=0.07, right=0.99, bottom=0.33, top=0.91, wspace=0.18)
        self.axes = fig.subplots(1, 2, sharex=True)
        self.lines = []
        self.horizon = DEFAULT_WEEKS
        for ax, names, title in ((self.axes[0], CASE_OUTCOMES, "Cases closed: how they ended"),
                                 (self.axes[1], VIEW_OUTCOMES, "Residents (mean)")):
            for name, colour, ls in zip(names, PALETTE, LINESTYLES):
                (line,) = ax.plot([], [], color=colour, linestyle=ls, label=name.replace("_", " "))
                self.lines.append((name, line))
            ax.set_ylim(0, 1)
            ax.set_xlabel("week", labelpad=1)
            ax.set_title(title, fontsize=9)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=6.5, handlelength=1.6,
                      columnspacing=0.8)
        self.axes[0].set_xlim(0, self.horizon)
        self.dynamic = [line for _, line in self.lines]
        return fig

    def update(self):
        table = _watch(self.model).outcomes()
        weeks = table.index.to_numpy()
        for name, line in self.lines:
            line.set_data(weeks, table[name].to_numpy())
        changed = False
        while weeks[-1] > self.horizon:
            self.horizon *= 2
            changed = True
        if changed:
            self.axes[0].set_xlim(0, self.horizon)
        return changed


class MapPanel(Panel):
    """The community: one tile per grid, compounds as bands of households, coloured by
    a household quantity (one of sim.snapshot.MAP_QUANTITIES)."""

    def __init__(self, model, quantity: str, layout: snapshot.MapLayout) -> None:
        self.quantity, self.layout = quantity, layout
        self.top = 3.0  # open cases: the colour scale's top, which only grows
        super().__init__(model)

    def build(self, model):
        layout, quantity = self.layout, self.quantity
        h, w = layout.shape
        fig = Figure(figsize=(6.0, 3.3))  # the panel's size on the page; the map keeps its aspect inside
        ax = fig.subplots()
        fig.subplots_adjust(left=0.01, right=0.8 if quantity == "compound" else 0.9, bottom=0.01, top=0.9)
        image = layout.image(snapshot.household_values(model, quantity).astype(float))
        if quantity == "compound":
            self.im = ax.imshow(image, cmap=ListedColormap(MODE_COLOURS), vmin=-0.5, vmax=2.5,
                                interpolation="nearest")
            ax.legend(handles=[Patch(color=c, label=n) for c, n in zip(MODE_COLOURS, snapshot.MODE_NAMES.values())],
                      loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
        else:
            top = self.top if quantity == "open cases" else 1.0
            self.im = ax.imshow(image, cmap="viridis", vmin=0.0, vmax=top, interpolation="nearest")
            fig.colorbar(self.im, ax=ax, shrink=0.85, pad=0.02).set_label(quantity, fontsize=8)
        for g, (r0, c0, th, tw) in enumerate(layout.tiles):
            ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), tw, th, fill=False, lw=0.6, ec="#555555", zorder=3))
            ax.text(c0 - 0.5, r0 - 1.0, f"grid {g + 1}", fontsize=6, va="bottom", color="#333333")
        ax.set_ylim(h - 0.5, -3.5)  # room above the top row of tiles for their labels
        ax.set_axis_off()
        ax.set_title(f"{quantity} by household: grids as tiles, compounds as bands", fontsize=9)
        self.dynamic = [self.im]
        return fig

    def update(self):
        values = snapshot.household_values(self.model, self.quantity).astype(float)
        self.im.set_data(self.layout.image(values))
        if self.quantity != "open cases":
            return False
        self.top, changed = grow(self.top, float(values.max()))
        if changed:
            self.im.set_clim(0.0, self.top)
        return changed


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
        self.total = self.left.set_title(" ", fontsize=9)
        self.closed_names = list(p["closed"])
        self.closed_bars = self.right.bar(self.closed_names, np.zeros(len(self.closed_names)),
                                          color=[PALETTE[2], PALETTE[4], PALETTE[1]])
        self.right.set_title("Closed so far", fontsize=9)
        self.right.tick_params(axis="x", labelsize=7, rotation=30)
        self.xmax, self.ymax = 10.0, 10.0
        self.left.set_xlim(0, self.xmax)
        self.right.set_ylim(0, self.ymax)
        self.dynamic = [*self.open_bars, *self.closed_bars, self.total]
        return fig

    def update(self):
        p = snapshot.pipeline(self.model)
        opened = [p["open"][n] for n in self.open_names]
        closed = [p["closed"][n] for n in self.closed_names]
        for bar, v in zip(self.open_bars, opened):
            bar.set_width(v)
        for bar, v in zip(self.closed_bars, closed):
            bar.set_height(v)
        self.total.set_text(f"Open cases this week: {sum(opened)}")
        self.xmax, wider = grow(self.xmax, max(opened))
        self.ymax, taller = grow(self.ymax, max(closed))
        if wider:
            self.left.set_xlim(0, self.xmax)
        if taller:
            self.right.set_ylim(0, self.ymax)
        return wider or taller


class WorkloadPanel(Panel):
    """Grid workers: the hours their cases ask for against the hours they have for
    cases, and skill; social organisations: the same against their capacity."""

    def build(self, model):
        fig = Figure(figsize=(6.0, 2.6))
        fig.subplots_adjust(left=0.08, right=0.93, bottom=0.22, top=0.88, wspace=0.5)
        a, b = fig.subplots(1, 2)
        grids = snapshot.grid_load(model)
        x = grids["grid"].to_numpy() + 1
        self.grid_bars = a.bar(x, np.zeros(len(x)), color=PALETTE[0], label="hours cases ask for")
        a.plot(x, grids["hours_free"], color="#333333", ls=(0, (4, 2)), lw=1, label="hours free for cases")
        twin = a.twinx()
        (self.skill,) = twin.plot(x, grids["skill"], "o", color=PALETTE[1], ms=3, label="skill")
        twin.set_ylim(0, 1)
        twin.set_ylabel("skill", fontsize=7)
        twin.tick_params(labelsize=6)
        twin.grid(False)
        a.set_xticks(x if len(x) <= 12 else x[::max(1, len(x) // 10)])
        a.set_xlabel("grid")
        a.set_ylabel("hours a week", fontsize=8)
        a.set_title("Grid workers", fontsize=9)
        a.legend(handles=[*a.get_legend_handles_labels()[0], self.skill], loc="upper left", fontsize=6)
        self.a, self.b = a, b
        self.ya = grow(0.0, float(grids["hours_free"].max()))[0]
        a.set_ylim(0, self.ya)
        self.dynamic = [*self.grid_bars, self.skill]
        so = self._so()
        self.so_bars = None
        if len(so):
            xs = np.arange(len(so)) + 1
            self.so_bars = b.bar(xs, np.zeros(len(xs)), color=PALETTE[2], label="hours cases ask for")
            (self.capacity,) = b.plot(xs, so["hours"], "_", color="#333333", ms=10, mew=1.5, label="capacity")
            b.set_xticks(xs, [s.replace("_", " ")[:8] for s in so["service"]], rotation=60, fontsize=6)
            b.legend(loc="upper left", fontsize=6)
            self.yb = grow(0.0, float(so["hours"].max()))[0]
            b.set_ylim(0, self.yb)
            self.dynamic += [*self.so_bars, self.capacity]
        else:
            b.text(0.5, 0.5, "no social organisations", ha="center", va="center", transform=b.transAxes)
        b.set_title("Social organisations", fontsize=9)
        return fig

    def _so(self):
        orgs = snapshot.organisations(self.model)
        return orgs[orgs["kind"] == "social_org"]

    def update(self):
        grids = snapshot.grid_load(self.model)
        need = grids["hours_needed"].to_numpy(float)
        for bar, v in zip(self.grid_bars, need):
            bar.set_height(v)
        self.skill.set_ydata(grids["skill"].to_numpy(float))
        self.ya, changed = grow(self.ya, float(need.max()))
        if changed:
            self.a.set_ylim(0, self.ya)
        if self.so_bars is not None:
            so = self._so()
            asked = (so["cases_in_hand"] * so["case_hours"]).to_numpy(float)
            hours = so["hours"].to_numpy(float)
            for bar, v in zip(self.so_bars, asked):
                bar.set_height(v)
            self.capacity.set_ydata(hours)
            self.yb, taller = grow(self.yb, max(float(asked.max()), float(hours.max())))
            if taller:
                self.b.set_ylim(0, self.yb)
            changed = changed or taller
        return changed
