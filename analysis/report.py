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
from analysis.compare import MAX_GROUPS, Comparison
from analysis.style import clause_label, decimals_for, figure_style, format_number, lever_value
from sim.errors import InputError
from sim.levers import LEVER_BY_NAME
from sim.outcomes import OUTCOME_BY_NAME
from sim.engine.store import write_atomic

REPORT = "report.html"
GENERATOR = "govsim"  # <meta name="generator" content="govsim VERSION">: how --overwrite knows a report
WIDE = 4              # more groups than this: groups become rows of the tables, outcomes columns
SVG_LIMIT = 400_000   # bytes: a figure whose SVG is larger (thousands of marks) is embedded as PNG
PNG_DPI = 130

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
th { background: #f3f3f3; position: sticky; top: 0; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1.2rem 0 2rem; } figure img { max-width: 100%; height: auto; }
figcaption { color: #444; font-size: .88rem; margin-top: .3rem; }
code { background: #f3f3f3; padding: 0 .2rem; }
.ci { color: #666; font-size: .78rem; }
"""


def default_path(paths: Sequence[str | Path] | str | Path) -> Path:
    """Where a report goes unless told: report.html in the first results directory."""
    first = paths if isinstance(paths, (str, Path)) else paths[0]
    return Path(first) / REPORT


def write_report(paths: Sequence[str | Path] | str | Path, out: str | Path | None = None, *,
                 reference: str | None = None, outcomes: str | Sequence[str] | None = None,
                 overwrite: bool = False, pair_by: str | None = None) -> Path:
    """Compare the results directories and write the report; returns its path.

    Everything is checked first (directories, outcomes, reference, the output path),
    and the file is written under a temporary name and renamed into place. An
    existing report is replaced only with overwrite.
    """
    names = compare.parse_outcomes(outcomes)
    comp = compare.gather(paths, reference=reference, pair_by=pair_by)
    comp.check_outcomes(names)
    target = Path(out) if out is not None else default_path(paths)
    if target.is_dir():
        target = target / REPORT
    if target.exists() and not overwrite:
        raise InputError("exists; pass --overwrite to replace it, or choose another --out",
                         source=str(target), key="--out")
    if target.exists() and not is_report(target):
        raise InputError("is not a report govsim wrote (no govsim generator mark), so --overwrite will not "
                         "replace it; choose another --out", source=str(target), key="--overwrite")
    text = render(comp, names)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return target


def is_report(path: Path) -> bool:
    """True for a file govsim wrote as a report: its head carries the generator mark.

    Only the first few kB are read, so a large or binary file is judged quickly."""
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return False
    return f'<meta name="generator" content="{GENERATOR} ' in head


def render(comp: Comparison, outcomes: Sequence[str]) -> str:
    """The report as one HTML document."""
    effects = compare.effects(comp, outcomes)
    figs = plots.figures(comp, outcomes, effects)
    title = _title(comp)
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta name="generator" content="{GENERATOR} {_e(sim.__version__)}">',
        f"<title>govsim: {_e(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<h1>govsim: {_e(title)}</h1>",
        f'<p class="meta">{_reference_words(comp)}. Written '
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
    parts += _effects_section(comp, effects)
    parts += _figures(figs)
    parts += uncertainty.report_sections(comp, outcomes)   # validation, calibration, effects over a posterior
    parts += _provenance(comp)
    parts += _methods()
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


# ---- sections -------------------------------------------------------------------------------
def _title(comp: Comparison) -> str:
    if len(comp.groups) <= WIDE:
        return " vs ".join(comp.groups)
    sweeps = [((r.manifest.get("plan") or {}).get("meta") or {}).get("experiment") for r in comp.sources]
    named = ", ".join(dict.fromkeys(n for n in sweeps if n))
    return f"{named}: {len(comp.groups)} design points" if named else f"{len(comp.groups)} scenarios"


def _reference_words(comp: Comparison) -> str:
    if comp.pair_by:
        return (f"Paired by <b>{_e(comp.pair_by)}</b>: each point against the same point at "
                f"{_e(comp.pair_by)} = <b>{_e(comp.reference)}</b>")
    return f"Reference: <b>{_e(comp.reference)}</b>"


def _scenarios(comp: Comparison) -> list[str]:
    runs = comp.runs
    n = runs.groupby("group").size()
    weeks = runs.groupby("group")["weeks"].apply(lambda w: "/".join(map(str, sorted(w.unique()))))
    if len(comp.groups) > MAX_GROUPS:
        return _design_section(comp, n, weeks)
    rows = []
    for g in comp.groups:
        r = runs[runs["group"] == g]
        src = comp.sources[int(r["source"].iloc[0])]
        rows.append([g, r["scenario"].iloc[0], ", ".join(map(str, sorted(r["point_id"].unique()))),
                     str(src.path), str(len(r)), weeks.get(g, "")])
    for g, p in comp.failed_points.iterrows():
        rows.append([g, p["scenario"], str(p["point_id"]), str(comp.sources[int(p["source"])].path),
                     f"0 ({compare.failed_words(p)})", ""])
    return ["<h2>Scenarios</h2>",
            _table(["group", "scenario", "point", "results directory", "finished runs", "weeks"], rows)]


def _design_section(comp: Comparison, n: pd.Series, weeks: pd.Series) -> list[str]:
    """Many groups: what the design varies (one row per lever), not one column per point."""
    out = ["<h2>Design</h2>"]
    counts = sorted(set(n.reindex(comp.groups).fillna(0).astype(int)))
    horizon = sorted(set(weeks.reindex(comp.groups).dropna()))
    out.append(f'<p>{len(comp.groups)} design points; finished runs per point: '
               f'{"–".join(map(str, (counts[0], counts[-1]) if len(counts) > 1 else counts))}; weeks: '
               f'{", ".join(horizon)}. The tables below have one row per point, labelled by the levers the '
               "design varies.</p>")
    rows = []
    for name in comp.varied:
        values = comp.design[name]
        lever = LEVER_BY_NAME.get(name)
        distinct = sorted(dict.fromkeys(values), key=_sort_key)
        if len(distinct) <= 8:
            shown = ", ".join(lever_value(name, v) for v in distinct)
        else:
            shown = (f"{lever_value(name, distinct[0])} to {lever_value(name, distinct[-1])} "
                     f"({len(distinct)} values)")
        rows.append([_Raw(f"{_e(lever.label if lever else name)}<br><code>{_e(name)}</code>"),
                     clause_label(lever.clause) if lever else "", lever.unit if lever else "", shown])
    if "scenario" in comp.dimensions:
        rows.insert(0, ["base scenario", "", "", ", ".join(dict.fromkeys(comp.design["scenario"]))])
    out.append(_table(["varied", "clause", "unit", "values"], rows))
    return out


def _sort_key(v: Any):
    return (0, float(v)) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else (1, str(v))


def _levers(comp: Comparison) -> list[str]:
    table = comp.differing_levers()
    out = ["<h2>Levers that differ</h2>"]
    if table.empty:
        return out + ["<p>Every lever has the same value in every group.</p>"]
    if len(comp.groups) > MAX_GROUPS:
        rows = [[_Raw(f"{_e(LEVER_BY_NAME[name].label)}<br><code>{_e(name)}</code>"), clause_label(r["clause"]),
                 r["unit"], "varied by the design" if name in comp.varied else "differs with the scenario or "
                 "settlement", _e(r["meaning"])] for name, r in table.iterrows()]
        out.append('<p class="small">Clause: the article of the 2018 Implementation Opinions the lever stands for '
                   "(see <code>govsim params</code> for every lever).</p>")
        out.append(_table(["lever", "clause", "unit", "why it differs", "meaning"], rows))
        return out
    rows = []
    for name, r in table.iterrows():
        lever = (f"{_e(LEVER_BY_NAME[name].label)}<br><code>{_e(name)}</code><br>"
                 f"<span class=\"small\">{_e(r['meaning'])}</span>")
        ref = _value(r[comp.reference]) if comp.reference in r else None
        values = [_value(r[g]) for g in comp.groups]
        rows.append([_Raw(lever), clause_label(r["clause"]), r["unit"],
                     *[_Raw(f"<b>{_e(v)}</b>") if ref is not None and v != ref else v for v in values]])
    out.append('<p class="small">Only levers whose value differs between the groups, in bold where it differs '
               f"from the reference ({_e(comp.reference)}); clause: the article of the 2018 Implementation "
               "Opinions the lever stands for (see <code>govsim params</code> for every lever).</p>")
    out.append(_table(["lever", "clause", "unit", *comp.groups], rows, numeric_from=3))
    return out


def _lever_columns(comp: Comparison, groups: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """Header and per-group cells of the dimensions (scenario, varied levers), one format per column."""
    dims = comp.dimensions
    head = ["scenario" if d == "scenario" else LEVER_BY_NAME[d].label if d in LEVER_BY_NAME else d for d in dims]
    cells = [[_lever_cell(comp, d, g) for d in dims] for g in groups]
    return head, cells


def _lever_cell(comp: Comparison, name: str, group: str) -> str:
    value = comp.design.at[group, name]
    lever = LEVER_BY_NAME.get(name)
    if lever is not None and lever.type == "float":
        return format_number(value, _lever_decimals(comp, name))
    return lever_value(name, value)


def _lever_decimals(comp: Comparison, name: str) -> int:
    """Enough decimals for every value of the column (at most 3), the same for all of them."""
    values = comp.design[name].astype(float)
    for d in range(4):
        if np.allclose(values.round(d), values, rtol=0, atol=1e-9):
            return d
    return 3


def _failed_rows(comp: Comparison) -> list[str]:
    """The design points whose runs all failed: one row each, with the first error."""
    if comp.failed_points.empty:
        return []
    dims = [d for d in comp.dimensions if d in comp.failed_points.columns]
    rows = [[g, *[lever_value(d, p[d]) for d in dims], compare.failed_words(p)]
            for g, p in comp.failed_points.iterrows()]
    return ['<p class="small">Design points with no finished run: they have no values in the tables and '
            "figures.</p>", _table(["failed point", *dims, "runs"], rows)]


def _outcome_section(comp: Comparison, outcomes: Sequence[str]) -> list[str]:
    table = compare.outcome_table_for(comp, outcomes)
    cells = {(r["group"], r["outcome"]): r for _, r in table.iterrows()}
    decimals = {o: decimals_for(table.loc[table["outcome"] == o, "mean"], OUTCOME_BY_NAME[o].kind)
                for o in outcomes}
    intro = ('<p class="small">End-of-run value: mean over finished runs [t-based 95% confidence interval of '
             "the mean, clipped to the values the outcome can take] (number of runs where the outcome is "
             "defined).</p>")
    if len(comp.groups) > WIDE:
        head, levers = _lever_columns(comp, comp.groups)
        same_n = table.groupby("outcome")["n"].nunique().max() == 1
        rows = [[*lv, *[_Raw(_stacked(cells[(g, o)], decimals[o], "mean", not same_n)) for o in outcomes]]
                for g, lv in zip(comp.groups, levers)]
        if same_n:
            intro = intro.replace(" (number of runs where the outcome is defined)",
                                  f"; every cell rests on {int(table['n'].iloc[0])} runs")
        return ["<h2>Outcomes</h2>", intro,
                _table([*head, *[_outcome_head(o) for o in outcomes]], rows, numeric_from=0), *_failed_rows(comp)]
    rows = []
    for o in outcomes:
        rows.append([_Raw(f"{_e(OUTCOME_BY_NAME[o].label)}<br><code>{_e(o)}</code>"), OUTCOME_BY_NAME[o].unit,
                     *[_mean_ci(cells[(g, o)], decimals[o]) for g in comp.groups]])
    return ["<h2>Outcomes</h2>", intro, _table(["outcome", "unit", *comp.groups], rows, numeric_from=2), *_failed_rows(comp)]


def _outcome_head(o: str) -> _Raw:
    spec = OUTCOME_BY_NAME[o]
    return _Raw(f"{_e(spec.label)} <span class=\"small\">({_e(spec.unit)})</span>")


def _effects_section(comp: Comparison, effects: pd.DataFrame) -> list[str]:
    out = ["<h2>Effects against the reference</h2>"]
    if effects.empty:
        return out + ["<p>Only one group: nothing to compare.</p>"]
    refs = list(dict.fromkeys(effects["reference"]))
    against = (f"scenario − its pair at {_e(comp.pair_by)} = <b>{_e(comp.reference)}</b>" if comp.pair_by
               else f"scenario − <b>{_e(refs[0])}</b>")
    out.append(f'<p class="small">Difference in means, {against}, with its 95% bootstrap '
               "interval; Hedges' g is the difference over the pooled run-to-run standard deviation. "
               f"Pairing: {_e(', '.join(sorted(set(effects['pairing'] + ' (' + effects['interval'] + ')'))))}. "
               "See <a href=\"#methods\">Methods</a>.</p>")
    outcomes = list(dict.fromkeys(effects["outcome"]))
    decimals = {o: decimals_for(effects.loc[effects["outcome"] == o, ["difference", "ci_low", "ci_high"]]
                                .to_numpy().ravel(), OUTCOME_BY_NAME[o].kind) for o in outcomes}
    groups = list(dict.fromkeys(effects["group"]))
    if len(groups) > WIDE:
        cells = {(r["group"], r["outcome"]): r for _, r in effects.iterrows()}
        head, levers = _lever_columns(comp, groups)
        pair = [f"compared with ({comp.pair_by})"] if comp.pair_by else []
        rows = [[*lv, *([lever_value(comp.pair_by, comp.design.at[cells[(g, outcomes[0])]["reference"], comp.pair_by])]
                        if comp.pair_by else []),
                 *[_Raw(_stacked(cells[(g, o)], decimals[o], "difference")) for o in outcomes]]
                for g, lv in zip(groups, levers)]
        out.append('<p class="small">One row per point; each cell: the difference, and under it its 95% '
                   "interval (bold where the interval excludes zero). Full rows, with n, "
                   "Hedges' g and pairing, are in <code>effects.csv</code> of <code>govsim compare</code>.</p>")
        out.append(_table([*head, *pair, *[_outcome_head(o) for o in outcomes]], rows, numeric_from=0))
        return out
    rows = [[r["group"], r["reference"], _Raw(f"<code>{_e(r['outcome'])}</code>"), r["unit"],
             format_number(r["mean"], decimals[r["outcome"]]), format_number(r["mean_ref"], decimals[r["outcome"]]),
             _diff_ci(r, decimals[r["outcome"]]), format_number(r["hedges_g"], 2), f"{r['n']}/{r['n_ref']}",
             f"{r['pairing']}, {r['interval']}"] for _, r in effects.iterrows()]
    out.append(_table(["scenario", "reference", "outcome", "unit", "mean", "mean of reference",
                       "difference [95% CI]", "Hedges' g", "n / n ref", "interval"], rows, numeric_from=4,
                      numeric_to=9))
    return out


TITLES = {"distributions": "End-of-run distributions", "forest": "Effects against the reference",
          "households": "Satisfaction by household group", "response": "Outcomes against the varied lever",
          "heatmaps": "Outcomes over the design grid", "surfaces": "Outcomes over the two varied levers",
          "dots": "Every design point"}
CAPTIONS = {
    "fan": "Median over runs by week (line), with the central 50% (darker, hatched) and 90% (lighter) of runs "
           "shaded.",
    "distributions": "End-of-run value of every run (points) over a box of its quartiles "
                     "(whiskers to 1.5 × the interquartile range).",
    "forest": "Difference from the reference (zero line) with its 95% bootstrap interval; "
              "outcomes that share a unit share a panel.",
    "households": "Satisfaction at the end of the run by household group: mean and t-based 95% interval "
                  "per scenario, single runs as small points.",
    "response": "Mean of each design point's runs against the lever the design varies (one line per value of "
                "the other lever or scenario), with the t-based 95% interval of the mean as a band.",
    "heatmaps": "Mean of each design point's runs, one cell per combination of the two varied levers "
                "(the outcome table gives the intervals).",
    "surfaces": "Design points coloured by the mean of their runs, over a Gaussian-kernel smoothed surface of "
                "those means.",
    "dots": "Each design point's mean and t-based 95% interval, a marker per scenario.",
    "levers": "Mean of each design point's runs against each varied lever; the line is a Gaussian-kernel "
              "smoothed trend. A lever's panel shows its effect averaged over the others.",
}
CUMULATIVE = " The rate is cumulative from week 1, so early weeks rest on few cases."


def _figures(figs: dict[str, Figure]) -> list[str]:
    out = ["<h2>Figures</h2>"]
    for stem, fig in figs.items():
        kind, _, outcome = stem.partition("-")
        if kind == "fan":
            title = f"{OUTCOME_BY_NAME[outcome].label} over time"
            caption = CAPTIONS["fan"] + (CUMULATIVE if outcome.endswith("_rate") else "")
        elif kind == "levers":
            title, caption = f"{OUTCOME_BY_NAME[outcome].label} against each varied lever", CAPTIONS["levers"]
        else:
            title, caption = TITLES.get(stem, stem), CAPTIONS.get(stem, "")
        out.append(f'<figure id="fig-{_e(stem)}"><img alt="{_e(title)}" src="{figure_data_uri(fig)}">'
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
    return ('<div class="scroll"><table><thead><tr>' + "".join(f"<th>{h if isinstance(h, _Raw) else _e(h)}</th>" for h in head)
            + f"</tr></thead><tbody>{body}</tbody></table></div>")


def _stacked(r, decimals: int, key: str, show_n: bool = False) -> str:
    """A cell of a wide table: the value, and its interval on a second, smaller line."""
    sign = key == "difference"
    value = format_number(r[key], decimals, sign=sign)
    if not np.isfinite(r["ci_low"]):
        return _e(value)
    clear = sign and (r["ci_low"] > 0 or r["ci_high"] < 0)
    interval = (f"{format_number(r['ci_low'], decimals, sign=sign)} to "
                f"{format_number(r['ci_high'], decimals, sign=sign)}")
    n = f" ({r['n']})" if show_n else ""
    return f'{"<b>" + _e(value) + "</b>" if clear else _e(value)}<br><span class="ci">{_e(interval)}{n}</span>'


def _mean_ci(r, decimals: int) -> str:
    if r["n"] == 0:
        return "n/a (0)"
    if r["n"] == 1:
        return f"{format_number(r['mean'], decimals)} (1)"
    return (f"{format_number(r['mean'], decimals)} [{format_number(r['ci_low'], decimals)}, "
            f"{format_number(r['ci_high'], decimals)}] ({r['n']})")


def _diff_ci(r, decimals: int) -> str:
    if not np.isfinite(r["difference"]):
        return "n/a"
    if not np.isfinite(r["ci_low"]):
        return format_number(r["difference"], decimals, sign=True)
    return (f"{format_number(r['difference'], decimals, sign=True)} [{format_number(r['ci_low'], decimals, sign=True)}"
            f", {format_number(r['ci_high'], decimals, sign=True)}]")


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


def figure_data_uri(fig: Figure) -> str:
    """The figure as SVG, or as PNG where its SVG would be large (a scatter of thousands of points),
    so that a report of a big sweep stays a page of a few MB."""
    uri = svg_data_uri(fig)
    if len(uri) <= SVG_LIMIT:
        return uri
    buf = io.BytesIO()
    with figure_style():
        fig.savefig(buf, format="png", dpi=PNG_DPI)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def svg_data_uri(fig: Figure) -> str:
    """The figure as an SVG data: URI (text as outlines: no font or file needed to show it)."""
    buf = io.BytesIO()
    with figure_style():
        fig.savefig(buf, format="svg")
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
