"""A calibration as HTML: a section for `govsim report` and a report file of its own
(out/report.html). Self-contained like every govsim report: figures embedded as SVG."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from analysis import validate
from sim.engine.store import write_atomic

CSS = ("body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1.5rem;"
       "color:#222;font-size:15px}table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0 1rem}"
       "th,td{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left}th{background:#f3f3f3}"
       "td.num{text-align:right;font-variant-numeric:tabular-nums}figure img{max-width:100%}"
       ".small{color:#555;font-size:.88rem}")


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _svg(path: Path) -> str:
    if not path.is_file():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<figure><img alt="{_e(path.stem)}" src="data:image/svg+xml;base64,{data}"></figure>'


def _table(df: pd.DataFrame, digits: int = 3) -> str:
    def cell(v):
        if isinstance(v, float):
            return f'<td class="num">{v:.{digits}g}</td>'
        return f"<td>{_e(v)}</td>"
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(cell(v) for v in r) + "</tr>" for r in df.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def validation_section(directory: Path, heading: str = "Validation against targets") -> list[str]:
    """The validation table and figure of a results directory that has them."""
    found = validate.read(directory)
    if found is None:
        return []
    table, summary = found
    show = table[["target", "scenario", "set", "observed", "low", "high", "sim_mean", "sim_q05", "sim_q95",
                  "share_runs_inside", "met", "soft", "reliability", "geography"]]
    return [f"<h2>{_e(heading)}</h2>",
            f'<p class="small">Targets file {_e(summary.get("targets_file", ""))}: {summary["met"]} of '
            f"{summary['rows']} rows met (simulated mean inside the observed band). Soft targets are "
            "assumption-based bands, not statistics. See targets.csv for sources and notes.</p>",
            _table(show), _svg(Path(directory) / validate.VALIDATION / summary.get("figure", "targets.svg"))]


def section(out: Path) -> list[str]:
    """The calibration: its settings, cost, parameters, generations, figures and PPC."""
    out = Path(out)
    f = out / "calibration.json"
    if not f.is_file():
        return []
    s = json.loads(f.read_text())
    c = s["calibration"]
    parts = [f"<h2>Calibration {_e(c['name'])}</h2>",
             f'<p class="small">ABC-SMC (pyABC, govsim runs through the experiment engine) of '
             f"{len(c['parameters'])} parameters against {len(c['targets'])} targets ({', '.join(map(_e, c['targets']))}); "
             f"population {c['population']}, {s['generations']} generations, final tolerance ε = "
             f"{s['final_epsilon']:.3g}, {c['replicates']} replicate(s) per particle and scenario, seed {c['seed']}; "
             f"{s['runs_total']} runs in all.</p>"]
    params = pd.read_csv(out / "parameters.csv")
    parts += ["<h3>Parameters: prior and posterior</h3>",
              _table(params[["parameter", "prior", "prior_mean", "posterior_mean", "posterior_sd", "posterior_q05",
                             "posterior_q95", "sd_ratio"]]),
              '<p class="small">sd_ratio: posterior sd / prior sd (1: the targets say nothing about it).</p>',
              _svg(out / "figures" / "marginals.svg"), _svg(out / "figures" / "pairs.svg"),
              "<h3>Generations</h3>", _table(pd.read_csv(out / "generations.csv")),
              _svg(out / "figures" / "generations.svg")]
    parts += validation_section(out / "ppc", "Posterior predictive check")
    return parts


def write(out: Path) -> Path:
    body = section(out)
    text = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>govsim calibration</title>"
            f"<style>{CSS}</style></head><body><h1>govsim calibration</h1>" + "\n".join(body) + "</body></html>\n")
    path = Path(out) / "report.html"
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path
