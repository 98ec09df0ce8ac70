"""Writing a comparison to disk: its tables as CSV and its figures as PNG and SVG.

Everything is checked before anything is written (a bad directory, outcome or
reference leaves no trace), and the output directory appears whole or not at all:
it is filled under a hidden temporary name beside its destination and renamed into
place, like the files of a results store.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from analysis import compare, plots
from analysis.compare import Comparison
from analysis.summary import format_rows, format_table
from sim.errors import InputError


def check_out_dir(out: Path, overwrite: bool, keep: Sequence[Path] = ()) -> None:
    """Refuse an existing non-empty directory unless overwrite, as `govsim run` does,
    and never one that is or holds a directory in keep (the results being compared)."""
    target = Path(out).resolve()
    for k in keep:
        k = Path(k).resolve()
        if target == k or target in k.parents:
            raise InputError(f"would replace the results directory {k}; choose another --out",
                             source=str(out), key="--out")
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a directory", source=str(out), key="--out")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise InputError("is not empty; pass --overwrite to replace it, or choose another --out",
                         source=str(out), key="--out")
    if overwrite and out.is_dir() and any(out.iterdir()) and not (out / "outcomes.csv").is_file():
        raise InputError("holds no outcomes.csv of an earlier comparison, so --overwrite will not delete it; "
                         "choose another --out", source=str(out), key="--overwrite")


def publish_dir(tmp: Path, out: Path) -> None:
    """Move a finished temporary directory to out, replacing what was there."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        os.replace(out, old)
    os.replace(tmp, out)
    if old.exists():
        shutil.rmtree(old)


def write_comparison(comp: Comparison, outcomes: Sequence[str], out: Path, *,
                     overwrite: bool = False) -> dict[str, object]:
    """Tables (CSV) and figures (PNG, SVG) of a comparison into out; returns the tables.

    Files: outcomes.csv (mean, 95% CI per group), effects.csv (against the
    reference or each group's pair), households.csv (satisfaction by household group),
    levers.csv (levers that differ), design.csv (per group: scenario and varied levers;
    the first three also carry the varied levers as columns), and per figure STEM.png and
    STEM.svg (``plots.figures``): fan-OUTCOME, distributions, forest, households for up
    to MAX_GROUPS groups, and the views of a design that varies levers.
    """
    out = Path(out)
    check_out_dir(out, overwrite, keep=[res.path for res in comp.sources])
    table = compare.outcomes(comp, outcomes)
    effects = compare.effects(comp, outcomes)
    households = compare.with_levers(comp, compare.household_groups(comp))
    levers = comp.differing_levers()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        table.to_csv(tmp / "outcomes.csv", index=False)
        effects.to_csv(tmp / "effects.csv", index=False)
        households.to_csv(tmp / "households.csv", index=False)
        levers.to_csv(tmp / "levers.csv", index_label="lever")
        comp.design.assign(label=[comp.short[g] for g in comp.design.index]).to_csv(tmp / "design.csv")
        plots.save_all(plots.figures(comp, outcomes, effects), tmp)
        publish_dir(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    many = len(comp.groups) > 4
    text = format_rows(table, labels=comp.short) if many else format_table(table, by="group")
    text += "".join(f"\n{comp.short.get(g, g)}: {compare.failed_words(p)}" for g, p in comp.failed_points.iterrows())
    if effects["group"].nunique() > compare.MAX_GROUPS if not effects.empty else False:
        text += (f"\n\n{len(effects)} effects ({effects['group'].nunique()} groups × "
                 f"{effects['outcome'].nunique()} outcomes): see {out / 'effects.csv'}")
    else:
        text += "\n\n" + compare.format_effects(effects, labels=comp.short if many else None)
    return {"outcomes": table, "effects": effects, "households": households, "levers": levers, "text": text}
