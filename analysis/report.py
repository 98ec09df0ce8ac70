"""One HTML file that tells a comparison's whole story and travels alone.

The report holds the scenarios' differing levers (with the policy clause each comes
from), the outcome table, the effects against the reference, every figure and the
provenance of every results directory. It needs no network and no other file:
figures are SVG embedded as ``data:`` URIs, the style sheet is inline and there is no
script, so it can be mailed, archived next to a paper or opened offline years later.

    >>> from analysis import report
    >>> report.write_report("results/study-...")        # -> results/study-.../report.html
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import sim
from analysis import compare, plots, uncertainty
from analysis.compare import Comparison
from analysis.style import figure_style
from sim.errors import InputError
from sim.outcomes import OUTCOME_BY_NAME
from sim.engine.store import write_atomic

REPORT = "report.html"

CSS = """
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #222; max-width: 72rem;
       margin: 2rem auto; padding: 0 1.5rem; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem;
     border-bottom: 1px solid #ccc; padding-bottom: .2rem; } h3 { font-size: 1.05rem; }
.meta, .caption, .small { color: #555; font-size: .88rem; }
.notes { background: #fff6e0; border-left: 4px solid #E69F00; padding: .5rem 1rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .88rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1.2rem 0 2rem; } figure img { max-width: 100%; height: auto; }
figcaption { color: #444; font-size: .88rem; margin-top: .3rem; }
code { background: #f3f3f3; padding: 0 .2rem; }
"""


def default_path(paths: Sequence[str | Path] | str | Path) -> Path:
    """Where a report goes unless told: report.html in the first results directory."""
    first = paths if isinstance(paths, (str, Path)) else paths[0]
    return Path(first) / REPORT


def write_report(paths: Sequence[str | Path] | str | Path, out: str | Path | None = None, *,
                 reference: str | None = None, outcomes: str | Sequence[str] | None = None,
                 overwrite: bool = False) -> Path:
    """Compare the results directories and write the report; returns its path.

    Everything is checked first (directories, outcomes, reference, the output path),
    and the file is written under a temporary name and renamed into place. An
    existing report is replaced only with overwrite.
    """
    names = compare.parse_outcomes(outcomes)
    comp = compare.gather(paths, reference=reference)
    comp.check_outcomes(names)
    target = Path(out) if out is not None else default_path(paths)
    if target.is_dir():
        target = target / REPORT
    if target.exists() and not overwrite:
        raise InputError("exists; pass --overwrite to replace it, or choose another --out",
                         source=str(target), key="--out")
    text = render(comp, names)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return target


def render(comp: Comparison, outcomes: Sequence[str]) -> str:
    """The report as one HTML document."""
    effects = compare.effects(comp, outcomes)
    figs = plots.figures(comp, outcomes, effects)
    title = " vs ".join(comp.groups) if len(comp.groups) <= 4 else f"{len(comp.groups)} scenarios"
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>govsim: {_e(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<h1>govsim: {_e(title)}</h1>",
        f'<p class="meta">Reference: <b>{_e(comp.reference)}</b>. Written '
        f"{dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')} by govsim {sim.__version__} "
        f"from {', '.join(_e(str(s.path)) for s in comp.sources)}.</p>",
    ]
    notes = comp.notes()
    if notes:
        parts.append('<div class="notes"><b>Read first.</b><ul>' + "".join(f"<li>{_e(n)}</li>" for n in notes)
                     + "</ul></div>")
    parts += _scenarios(comp)
    parts += _levers(comp)
    parts += _outcome_section(comp, outcomes)
    parts += _effects_section(effects)
    parts += _figures(figs)
    parts += uncertainty.report_sections(comp, outcomes)   # validation, calibration, effects over a posterior
    parts += _provenance(comp)
    parts += _methods()
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


# ---- sections -------------------------------------------------------------------------------
def _scenarios(comp: Comparison) -> list[str]:
    runs = comp.runs
    rows = []
    for g in comp.groups:
        r = runs[runs["group"] == g]
        src = comp.sources[int(r["source"].iloc[0])]
        rows.append([g, r["scenario"].iloc[0], ", ".join(map(str, sorted(r["point_id"].unique()))),
                     str(src.path), str(len(r)), "/".join(map(str, sorted(r["weeks"].unique())))])
    return ["<h2>Scenarios</h2>",
            _table(["group", "scenario", "point", "results directory", "finished runs", "weeks"], rows)]


def _levers(comp: Comparison) -> list[str]:
    table = comp.differing_levers()
    out = ["<h2>Levers that differ</h2>"]
    if table.empty:
        return out + ["<p>Every lever has the same value in every group.</p>"]
    rows = []
    for name, r in table.iterrows():
        lever = f"<code>{_e(name)}</code><br><span class=\"small\">{_e(r['meaning'])}</span>"
        ref = _value(r[comp.reference])
        values = [_value(r[g]) for g in comp.groups]
        rows.append([_Raw(lever), r["clause"], r["unit"],
                     *[_Raw(f"<b>{_e(v)}</b>") if v != ref else v for v in values]])
    out.append('<p class="small">Only levers whose value differs between the groups, in bold where it differs '
               f"from the reference ({_e(comp.reference)}); clause: the article of the 2018 Implementation "
               "Opinions the lever stands for (see <code>govsim params</code> for every lever).</p>")
    out.append(_table(["lever", "clause", "unit", *comp.groups], rows, numeric_from=3))
    return out


def _outcome_section(comp: Comparison, outcomes: Sequence[str]) -> list[str]:
    table = compare.outcomes(comp, outcomes)
    cells = {(r["group"], r["outcome"]): r for _, r in table.iterrows()}
    rows = []
    for o in outcomes:
        rows.append([_Raw(f"<code>{_e(o)}</code>"), OUTCOME_BY_NAME[o].unit,
                     *[_mean_ci(cells[(g, o)]) for g in comp.groups]])
    return ["<h2>Outcomes</h2>",
            '<p class="small">End-of-run value: mean over finished runs [t-based 95% confidence interval of '
            "the mean] (number of runs where the outcome is defined).</p>",
            _table(["outcome", "unit", *comp.groups], rows, numeric_from=2)]


def _effects_section(effects: pd.DataFrame) -> list[str]:
    out = ["<h2>Effects against the reference</h2>"]
    if effects.empty:
        return out + ["<p>Only one group: nothing to compare.</p>"]
    ref = effects["reference"].iloc[0]
    rows = [[r["group"], _Raw(f"<code>{_e(r['outcome'])}</code>"), r["unit"], _fmt(r["mean"]),
             _fmt(r["mean_ref"]), _diff_ci(r), _fmt(r["hedges_g"], 2), f"{r['n']}/{r['n_ref']}",
             f"{r['pairing']}, {r['interval']}"] for _, r in effects.iterrows()]
    out.append(f'<p class="small">Difference in means, scenario − <b>{_e(ref)}</b>, with its 95% bootstrap '
               "interval; Hedges' g is the difference over the pooled run-to-run standard deviation. "
               "See <a href=\"#methods\">Methods</a>.</p>")
    out.append(_table(["scenario", "outcome", "unit", "mean", f"mean of {ref}", "difference [95% CI]",
                       "Hedges' g", "n / n ref", "interval"], rows, numeric_from=3, numeric_to=8))
    return out


TITLES = {"distributions": "End-of-run distributions", "forest": "Effects against the reference",
          "households": "Satisfaction by household group"}
CAPTIONS = {
    "fan": "Median over runs by week (line), with the central 50% (darker, hatched) and 90% (lighter) of runs "
           "shaded.",
    "distributions": "End-of-run value of every run (points) over a box of its quartiles "
                     "(whiskers to 1.5 × the interquartile range).",
    "forest": "Difference from the reference (zero line) with its 95% bootstrap interval; "
              "outcomes that share a unit share a panel.",
    "households": "Satisfaction at the end of the run by household group: mean and t-based 95% interval "
                  "per scenario, single runs as small points.",
}
CUMULATIVE = " The rate is cumulative from week 1, so early weeks rest on few cases."


def _figures(figs: dict[str, Figure]) -> list[str]:
    out = ["<h2>Figures</h2>"]
    for stem, fig in figs.items():
        kind, _, outcome = stem.partition("-")
        if kind == "fan":
            title = f"{outcome.replace('_', ' ').capitalize()} over time"
            caption = CAPTIONS["fan"] + (CUMULATIVE if outcome.endswith("_rate") else "")
        else:
            title, caption = TITLES.get(stem, stem), CAPTIONS.get(stem, "")
        out.append(f'<figure id="fig-{_e(stem)}"><img alt="{_e(title)}" src="{svg_data_uri(fig)}">'
                   f"<figcaption><b>{_e(title)}.</b> {_e(caption)}</figcaption></figure>")
    return out


def _provenance(comp: Comparison) -> list[str]:
    out = ["<h2>Provenance</h2>"]
    keys = ("command", "created", "govsim_version", "git_revision", "status", "master_seed",
            "seed_derivation", "plan_digest", "n_points", "n_runs", "failed", "seconds", "python",
            "platform", "packages")
    for res in comp.sources:
        m = res.manifest
        rows = [[k, _manifest_value(m[k])] for k in keys if k in m]
        rows += [[k, _manifest_value(v)] for k, v in m.items() if k not in keys and k != "plan"]
        plan = m.get("plan", {})
        for k in ("replicates", "weeks", "timeseries_every", "common_random_numbers", "meta"):
            if k in plan:
                rows.append([f"plan: {k}", _manifest_value(plan[k])])
        out += [f"<h3>{_e(str(res.path))}</h3>", _table(["manifest", "value"], rows)]
    return out


def _methods() -> list[str]:
    return ['<h2 id="methods">Methods</h2>', "<ul>",
            "<li><b>Effect</b>: difference in means of the end-of-run outcome, scenario − reference, over "
            "finished runs where the outcome is defined (an outcome is undefined, NaN, when its denominator is "
            "zero, e.g. an empty household group).</li>",
            f"<li><b>Interval</b>: bootstrap, bias-corrected and accelerated (BCa; scipy.stats.bootstrap), "
            f"{compare.N_RESAMPLES} resamples, fixed seed. <i>Paired</i> when the two scenarios' replicates "
            "share their seeds (common random numbers): replicate pairs are resampled together; otherwise "
            "<i>unpaired</i>: each scenario's runs are resampled on their own. In synthetic checks a nominal "
            "95% interval covered the true difference in 91–94% of experiments with 10–30 replicates "
            "(bootstrap intervals are a little narrow at small n).</li>",
            "<li><b>Hedges' g</b> = J · (mean − mean<sub>ref</sub>) / s<sub>p</sub>, with s<sub>p</sub> the "
            "pooled standard deviation of the runs and J = 1 − 3 / (4 (n + n<sub>ref</sub>) − 9). The spread of "
            "runs is the model's stochastic noise only, so |g| is often far larger than in field studies: read "
            "it as signal-to-noise, not as a real-world effect size.</li>",
            "<li><b>Outcome table</b>: mean and t-based 95% confidence interval of the mean over runs.</li>",
            "<li><b>Bands</b>: empirical quantiles over runs per week (5–95% and 25–75%); with few replicates "
            "the 90% band is close to the range of the runs.</li>",
            "</ul>"]


# ---- helpers --------------------------------------------------------------------------------
class _Raw(str):
    """Markup that the table writer must not escape."""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]], numeric_from: int | None = None,
           numeric_to: int | None = None) -> str:
    def cell(i: int, v: Any) -> str:
        num = numeric_from is not None and i >= numeric_from and (numeric_to is None or i < numeric_to)
        text = v if isinstance(v, _Raw) else _e(v)
        return f'<td class="num">{text}</td>' if num else f"<td>{text}</td>"
    body = "".join("<tr>" + "".join(cell(i, v) for i, v in enumerate(r)) + "</tr>" for r in rows)
    return ('<div class="scroll"><table><thead><tr>' + "".join(f"<th>{_e(h)}</th>" for h in head)
            + f"</tr></thead><tbody>{body}</tbody></table></div>")


def _digits(*values: float) -> int:
    m = max((abs(v) for v in values if np.isfinite(v)), default=0)
    return 1 if m >= 10 else 2 if m >= 1 else 3


def _fmt(v: float, digits: int | None = None) -> str:
    if not np.isfinite(v):
        return "n/a" if np.isnan(v) else ("∞" if v > 0 else "−∞")
    return f"{v:.{digits if digits is not None else _digits(v)}f}"


def _mean_ci(r) -> str:
    if r["n"] == 0:
        return "n/a (0)"
    d = _digits(r["mean"])
    if r["n"] == 1:
        return f"{r['mean']:.{d}f} (1)"
    return f"{r['mean']:.{d}f} [{r['ci_low']:.{d}f}, {r['ci_high']:.{d}f}] ({r['n']})"


def _diff_ci(r) -> str:
    d = _digits(r["difference"], r["ci_low"], r["ci_high"])
    if not np.isfinite(r["difference"]):
        return "n/a"
    if not np.isfinite(r["ci_low"]):
        return f"{r['difference']:+.{d}f}"
    return f"{r['difference']:+.{d}f} [{r['ci_low']:+.{d}f}, {r['ci_high']:+.{d}f}]"


def _value(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return f"{v:g}"
    return str(v)


def _manifest_value(v: Any) -> str:
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return " ".join(v)
    if isinstance(v, dict):
        return ", ".join(f"{k} {x}" if not isinstance(x, (dict, list)) else f"{k} {json.dumps(x)}"
                         for k, x in v.items())
    return str(v)


def svg_data_uri(fig: Figure) -> str:
    """The figure as an SVG data: URI (text as outlines: no font or file needed to show it)."""
    buf = io.BytesIO()
    with figure_style():
        fig.savefig(buf, format="svg")
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
