"""What `govsim sensitivity` leaves beside the runs in its results directory.

    DIR/indices-OUTCOME.parquet|.csv   the last N's indices: parameter, output, index,
                                       partner (S2), value, conf, ci_low, ci_high, includes_zero
    DIR/noise.parquet|.csv             run-to-run noise per outcome
    DIR/convergence.parquet|.csv       every N's indices (one N without --converge), columns n, runs
    DIR/sample.parquet                 the design as SALib drew it: point_id and each lever's
                                       continuous input (before rounding ints and switching bools)
    DIR/sensitivity.json               the analysis, the N run, convergence, undefined outcomes
    DIR/figures/*.png|.svg             bars, S2 heatmap, Morris plane, convergence

Every file is written under a temporary name and renamed into place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis.sensitivity import methods as sa
from analysis.sensitivity import plots
from analysis import style
from analysis.sensitivity.run import Report
from sim.outcomes import OUTCOME_BY_NAME
from sim.engine.store import write_atomic, write_json, write_table


def write_frame(stem: Path, df: pd.DataFrame, csv: bool = True) -> None:
    write_table(stem.with_suffix(".parquet"), pa.Table.from_pandas(df, preserve_index=False))
    if csv:
        write_atomic(stem.with_suffix(".csv"), lambda tmp: df.to_csv(tmp, index=False))


def write_outputs(out: Path, report: Report, X: np.ndarray) -> list[Path]:
    a = report.analysis
    written = []
    for o, table in report.indices.items():
        write_frame(out / f"indices-{o}", table.reset_index())
        written.append(out / f"indices-{o}.csv")
    if report.noise is not None:
        write_frame(out / "noise", report.noise)
    if report.convergence is not None:
        write_frame(out / "convergence", report.convergence)
    sample = pd.DataFrame(X, columns=list(a.levers))
    sample.insert(0, "point_id", np.arange(len(X)))
    write_frame(out / "sample", sample, csv=False)
    write_json(out / "sensitivity.json", summary(report))
    figures = out / "figures"
    figures.mkdir(exist_ok=True)
    for o, table in report.indices.items():
        written += figures_for(figures, o, table, report)
    return written


def figures_for(figures: Path, outcome: str, table: pd.DataFrame, report: Report) -> list[Path]:
    a = report.analysis
    m = sa.METHODS[a.method]
    n = report.levels[report.levels_done - 1].n
    title = f"{style.outcome_label(outcome, unit=False)}: {m.label}, N={n}, {report.runs} runs"
    paths = []
    if a.method == "morris":
        unit = OUTCOME_BY_NAME[outcome].unit
        paths += style.save(plots.morris(table, title, unit), figures, f"morris-{outcome}")
        paths += style.save(plots.bars(table, ("mu_star",), title, "μ*"), figures, f"bars-{outcome}")
    else:
        paths += style.save(plots.bars(table, m.main_index, title), figures, f"bars-{outcome}")
    if (table["index"] == "S2").any():
        paths += style.save(plots.s2_heatmap(table, title), figures, f"s2-{outcome}")
    if report.convergence is not None and report.convergence["n"].nunique() > 1:
        h = report.convergence[report.convergence["output"] == outcome]
        paths += style.save(plots.convergence(h, report.watched, style.outcome_label(outcome, unit=False)), figures, f"convergence-{outcome}")
    return paths


def summary(report: Report) -> dict[str, Any]:
    a = report.analysis
    return {
        "analysis": a.name, "description": a.description, "file": str(a.path) if a.path else None,
        "method": a.method, "levers": list(a.levers), "bounds": {k: list(v) for k, v in a.bounds.items()},
        "design_bounds": {k: list(v) for k, v in a.design_bounds.items()},
        "outcomes": list(a.outcomes), "n": a.n, "replicates": a.replicates, "seed": a.seed,
        "base_scenario": a.scenario.name, "weeks": a.weeks, "common_random_numbers": a.common_random_numbers,
        "options": dict(a.options),
        "levels_planned": [lv.n for lv in report.levels],
        "n_analysed": report.levels[report.levels_done - 1].n if report.levels_done else None,
        "runs": report.runs, "converged": report.converged, "watched_indices": list(report.watched),
        "widest_interval": None if report.widest != report.widest else report.widest,
        "undefined_outcomes": report.undefined,
        "noise": [] if report.noise is None else report.noise.to_dict("records"),
    }
