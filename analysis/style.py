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
import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure

from sim.levers import LEVER_BY_NAME
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
    """govsim's rcParams for the duration of the block only (with a CJK fallback font where one
    is installed, so that clause numerals draw; matplotlib falls back glyph by glyph)."""
    rc = dict(RC)
    cjk = cjk_font()
    if cjk:
        rc["font.family"] = [RC["font.family"], cjk]
    log = logging.getLogger("matplotlib.font_manager")
    level = log.level
    log.setLevel(logging.ERROR)  # a CJK fallback without a bold face is fine: say nothing per title
    try:
        with matplotlib.rc_context(rc):
            yield
    finally:
        log.setLevel(level)


def styled(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw a whole figure under govsim's rcParams (and nothing outside it)."""
    @functools.wraps(draw)
    def wrapper(*args, **kwargs) -> Figure:
        with figure_style():
            return draw(*args, **kwargs)
    return wrapper


def outcome_label(outcome: str, unit: bool = True) -> str:
    """'Resolved in the community (share)': an outcome's label from sim.outcomes, with its unit."""
    spec = OUTCOME_BY_NAME.get(outcome)
    words = spec.label if spec else outcome.replace("_", " ")
    return f"{words} ({spec.unit})" if unit and spec and spec.unit else words


def lever_label(name: str) -> str:
    """'Households per grid worker': a lever's label from sim.levers (names it does not know pass through)."""
    lever = LEVER_BY_NAME.get(name)
    return lever.label if lever else name


def lever_value(name: str, value: Any, digits: int = 3) -> str:
    """A lever's value as a reader writes it: 'true'/'false', 200, 0.35 (``digits`` significant)."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        lever = LEVER_BY_NAME.get(name)
        if lever is not None and lever.type == "int" and float(value).is_integer():
            return str(int(value))
        return f"{float(value):.{digits}g}"
    return str(value)


# ---- clauses: "11 (十一)" ----------------------------------------------------------------------
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def clause_number(clause: str) -> int | None:
    """The number a clause like '十一' or '(十八)' stands for; None where it is no numeral."""
    text = clause.strip("()（） ")
    if not text or any(c not in _NUMERALS and c != "十" for c in text):
        return None
    if "十" not in text:
        return _NUMERALS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    return (_NUMERALS.get(tens, 0) if tens else 1) * 10 + (_NUMERALS.get(ones, 0) if ones else 0)


def clause_label(clause: str, chinese: bool = True) -> str:
    """'11 (十一)', '4, 14 (四, 十四)': the clause numbers first, so that they read without a CJK
    font; ``chinese=False`` gives the numbers alone (for figures drawn without such a font)."""
    parts = [p for p in re.split(r"[,，、]\s*", clause.strip()) if p]
    numbers = [clause_number(p) for p in parts]
    if not parts or any(n is None for n in numbers):
        return clause
    digits = ", ".join(map(str, numbers))
    return f"{digits} ({clause})" if chinese else digits


# Fonts with the Chinese characters of clause numbers, in order of preference. Debian's
# fonts-noto-cjk gives the first; none is required: without one, figures write clause
# numbers in Arabic numerals only (``has_cjk_font()``).
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN")
_CJK_FILES = re.compile(r"NotoSansCJK|NotoSerifCJK|SourceHanSans|wqy-|DroidSansFallback|uming", re.I)


@functools.cache
def cjk_font() -> str | None:
    """The family of an installed font with CJK characters, or None.

    matplotlib's font cache is built once and does not see fonts installed later, so
    the system's font files are searched as well and a match is registered.
    """
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for path in sorted(font_manager.findSystemFonts()):
        if _CJK_FILES.search(Path(path).name):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    known = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in known), None)


def has_cjk_font() -> bool:
    return cjk_font() is not None


# ---- numbers: one format per column ----------------------------------------------------------
def decimals_for(values: Iterable[float], kind: str | None = None) -> int:
    """Decimals for a whole column: shares get 3, other numbers by the column's largest magnitude."""
    if kind == "share":
        return 3
    finite = [abs(float(v)) for v in values if v is not None and math.isfinite(float(v))]
    largest = max(finite, default=0.0)
    return 1 if largest >= 10 else 2 if largest >= 1 else 3


def format_number(value: float, decimals: int, sign: bool = False) -> str:
    """One number of a column formatted with that column's decimals; n/a where undefined."""
    if value is None or not math.isfinite(float(value)):
        return "n/a" if value is None or math.isnan(float(value)) else ("∞" if value > 0 else "−∞")
    return f"{float(value):{'+' if sign else ''}.{decimals}f}"


def panel_grid(n: int, most_columns: int) -> tuple[int, int]:
    """Rows and columns for n panels: at most `most_columns` a row, as few rows as that allows."""
    cols = min(most_columns, n)
    return -(-n // cols), cols


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
