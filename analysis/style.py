"""One look for every govsim figure, so that figures go into a paper or a briefing as they are.

Why this exists:
- Style is applied with ``figure_style()`` (a ``matplotlib.rc_context``), never by
  changing global rcParams, so importing govsim leaves a notebook's own style alone.
- A scenario keeps one look (colour, line style, marker, hatch) in every figure of a
  comparison: ``looks(groups)`` is computed once and passed to every plot.
- Colour alone never identifies a scenario. The palette is Okabe & Ito's
  (colour-blind safe), ordered so that neighbours differ in lightness, and each
  scenario also has its own line style, marker and hatch, so a greyscale print reads.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from sim.outcomes import OUTCOME_BY_NAME
from sim.engine.store import write_atomic

# Okabe & Ito (2008), "Color Universal Design"; yellow left out (too light on white).
# Order alternates dark and light so that two or three scenarios differ in greyscale too.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000")
LINESTYLES = ("solid", (0, (6, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)), (0, (3, 1.5)), (0, (6, 2, 1, 2, 1, 2)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
HATCHES = ("", "////", "\\\\\\\\", "xxxx", "....", "||||", "----")

FORMATS = ("png", "svg")
PNG_DPI = 200

RC = {
    "figure.dpi": 100,
    "savefig.dpi": PNG_DPI,
    "savefig.pad_inches": 0.05,  # constrained layout keeps everything inside the figure
    "svg.fonttype": "path",      # text as outlines: the SVG needs no font to look the same
    "text.parse_math": False,    # names are labels: `$x^$` in a scenario name is text, not a formula
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "hatch.linewidth": 0.6,
    "figure.constrained_layout.use": True,
}


@dataclass(frozen=True)
class Look:
    """How one scenario is drawn, in every figure."""

    color: str
    linestyle: str | tuple
    marker: str
    hatch: str


def looks(groups: Sequence[str]) -> dict[str, Look]:
    """A fixed look per group, in the given order.

    The cycles have coprime-ish lengths (7 colours, 6 line styles), so up to 42
    groups get distinct combinations; beyond a handful, though, no figure is legible.
    """
    return {g: Look(PALETTE[i % len(PALETTE)], LINESTYLES[i % len(LINESTYLES)],
                    MARKERS[i % len(MARKERS)], HATCHES[i % len(HATCHES)])
            for i, g in enumerate(groups)}


@contextlib.contextmanager
def figure_style() -> Iterator[None]:
    """govsim's rcParams for the duration of the block only."""
    with matplotlib.rc_context(RC):
        yield


def styled(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw a whole figure under govsim's rcParams (and nothing outside it)."""
    @functools.wraps(draw)
    def wrapper(*args, **kwargs) -> Figure:
        with figure_style():
            return draw(*args, **kwargs)
    return wrapper


def outcome_label(outcome: str) -> str:
    """'resolution rate (share)': the axis label of an outcome, with its unit."""
    spec = OUTCOME_BY_NAME.get(outcome)
    words = outcome.replace("_", " ")
    return f"{words} ({spec.unit})" if spec and spec.unit else words


def save(fig: Figure, directory: Path | str, stem: str) -> list[Path]:
    """The figure as STEM.png and STEM.svg in directory, each written atomically."""
    directory = Path(directory)
    paths = []
    with figure_style():
        for fmt in FORMATS:
            path = directory / f"{stem}.{fmt}"
            write_atomic(path, lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt))
            paths.append(path)
    return paths
