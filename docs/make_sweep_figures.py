"""Regenerate the README's sweep figures (docs/figures/sweeps/) from the shipped experiments.

    python docs/make_sweep_figures.py            # or: make sweep-figures
    python docs/make_sweep_figures.py --keep results/docs-sweeps   # keep the results directories

Runs the three shipped experiments of scenarios/experiments/ with fewer replicates than
their files ask for (the figures show the shape of each view, not final numbers), then
draws each design's views with the same code as `govsim compare`:

- grid-size-by-burden (5 × 6 grid): 3 replicates per point instead of 5, 90 runs;
- lhs-ten-levers (200 points): 1 replicate instead of 2, 200 runs;
- list-communities (8 communities × 2 scenarios): 4 replicates instead of 10, 64 runs,
  compared pair by pair (each community in 2020 against itself in 2017).

Deterministic: the same model gives the same PNG files (seeds come from the files'
master seeds; run order and worker count do not change a number). About a minute on
two idle cores. Also writes the report of the grid experiment and prints its size.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

import matplotlib
from PIL import Image

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import compare, plots, report, views  # noqa: E402
from analysis.style import figure_style  # noqa: E402
from sim.engine.execute import execute  # noqa: E402
from sim.engine.experiment import load_experiment  # noqa: E402
from sim.engine.provenance import provenance  # noqa: E402
from sim.engine.store import Store  # noqa: E402

OUT = ROOT / "docs" / "figures" / "sweeps"
DPI = 120   # enough for a README page (a 6.4-inch figure is 768 pixels wide), a fraction of the bytes
OUTCOMES = ["resolution_rate", "escalation_rate", "satisfaction", "trust", "participation",
            "unmet_need_rate", "mean_weeks_to_resolution"]
# experiment -> (replicates, figures to keep: stem in the comparison -> file name)
EXPERIMENTS = {
    "grid-size-by-burden": (3, {"heatmaps": "grid-heatmaps", "response": "grid-response"}),
    "lhs-ten-levers": (1, {"levers-resolution_rate": "lhs-resolution_rate",
                           "levers-satisfaction": "lhs-satisfaction"}),
    "list-communities": (4, {"dots": "list-dots", "forest": "list-paired-effects"}),
}


def run(name: str, replicates: int, where: Path) -> Path:
    """The experiment with fewer replicates, into where/NAME."""
    experiment = dataclasses.replace(load_experiment(name), replicates=replicates)
    plan = experiment.plan()
    out = where / name
    store = Store.open(out, plan, {**provenance(["docs/make_sweep_figures.py", name]),
                                   "experiment": experiment.describe()}, overwrite=True)
    summary = execute(plan, store)
    store.finish("complete" if summary.failed == 0 else "complete-with-failures", done=summary.done,
                 failed=summary.failed)
    print(f"{name}: {plan.n_runs} runs ({len(plan.points)} points × {replicates}) in {summary.seconds:.0f} s")
    return out


def figures(name: str, results: Path, keep: dict[str, str]) -> list[Path]:
    pair_by = "scenario" if name == "list-communities" else None
    comp = compare.gather([results], pair_by=pair_by)
    made = views.sweep_figures(comp, OUTCOMES)
    if "forest" in keep:
        made["forest"] = plots.forest(compare.effects(comp, OUTCOMES), comp.looks, comp.effect_labels(),
                                      comp.pairing_words())
    paths = []
    for stem, file in keep.items():
        path = OUT / f"{file}.png"  # PNG only: an SVG carries its date and would change on every run
        buf = io.BytesIO()
        with figure_style():
            made[stem].savefig(buf, format="png", dpi=DPI)
        # 256 colours without dithering: the same look at a third of the bytes, and deterministic
        image = Image.open(buf).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT,
                                                         dither=Image.Dither.NONE)
        image.save(path, optimize=True)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--keep", type=Path, metavar="DIR", help="write the results directories here and keep them")
    args = p.parse_args(argv)
    start = time.perf_counter()
    where = args.keep or Path(tempfile.mkdtemp(prefix="govsim-sweep-figures-"))
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        for name, (replicates, keep) in EXPERIMENTS.items():
            results = run(name, replicates, where)
            for path in figures(name, results, keep):
                print(f"  {path.relative_to(ROOT)}")
            if name == "grid-size-by-burden":
                page = report.write_report(results, where / "grid-report.html", overwrite=True)
                print(f"  report of the 30-point grid ({replicates} replicates): "
                      f"{page.stat().st_size / 1e6:.2f} MB")
    finally:
        if args.keep is None:
            shutil.rmtree(where, ignore_errors=True)
    print(f"done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
