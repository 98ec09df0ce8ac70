"""The interactive page: Mesa's SolaraViz over a running community.

A page in the Mesa tradition (see mesa/examples/*/app.py): a model class, the user's
parameters and a list of components; SolaraViz adds step, play and reset. It holds no
model logic. The model is a sim.snapshot.WatchedModel (a GovernanceModel that keeps
its weekly outcomes); every component draws from what sim.snapshot reads off it.

The levers live in a panel of their own, grouped by clause with their units and
meanings from the lever table (context and behaviour parameters collapsed), because
Mesa's parameter card lists ~115 parameters flat. The panel edits the lever values
that SolaraViz passes to the model when it is rebuilt: as with Mesa's own
parameters, changes take effect at Reset. Picking a scenario loads its values and
rebuilds the model at once.

Run it with `govsim view [SCENARIO]` or `solara run app.py` (the `viz` extra).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from analysis import drawing
from sim import snapshot
from sim.levers import LEVERS, Lever, resolve
from sim.scenario import SCENARIO_DIR, load

SCENARIO_ENV = "GOVSIM_VIEW_SCENARIO"   # set by `govsim view SCENARIO`
SEED_ENV = "GOVSIM_VIEW_SEED"
DEFAULT_SCENARIO = "sichuan-2020"

NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}


def clause_order(clause: str) -> int:
    """Clauses 一 … 十八 in their order (unnumbered ones last)."""
    if not clause or clause[0] not in NUMERALS:
        return 99
    if clause.startswith("十"):
        return 10 + NUMERALS.get(clause[1:2], 0)
    if len(clause) > 1 and clause[1] == "十":
        return 10 * NUMERALS[clause[0]] + NUMERALS.get(clause[2:3], 0)
    return NUMERALS[clause[0]]


def lever_groups() -> list[tuple[str, list[Lever]]]:
    """Policy levers by clause, then the context and the behaviour parameters."""
    policy = sorted((l for l in LEVERS if l.kind == "policy"), key=lambda l: clause_order(l.clause))
    groups: dict[str, list[Lever]] = {}
    for l in policy:
        groups.setdefault(f"Clause {clause_order(l.clause)} ({l.clause})", []).append(l)
    out = list(groups.items())
    out.append(("Context (the community)", [l for l in LEVERS if l.kind == "context"]))
    out.append(("Behaviour (the model's assumptions)", [l for l in LEVERS if l.kind == "behaviour"]))
    return out


def scenario_files(extra: str | None = None) -> dict[str, str]:
    """The scenarios the page offers, name -> file: those in scenarios/, and `extra`
    (a file given to `govsim view`) under its own name."""
    files = {p.stem: str(p) for p in sorted(SCENARIO_DIR.glob("*.toml"))}
    if extra:
        sc = load(extra)
        files[sc.name] = str(sc.path)
    return files


def step_of(l: Lever) -> float:
    if l.type == "int":
        return 1
    span = l.high - l.low
    return 10 ** (round(math.log10(span)) - 2) if span > 0 else 0.01


# ---- the lever panel ----------------------------------------------------------------------
def show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


@solara.component
def LeverInput(l: Lever, value: Any, on_change) -> None:
    """One lever: its name, value and unit above its control, and its meaning below.
    (The wrapper's class, govsim-lever-NAME, lets the browser test find it.)"""
    unit = f" {l.unit}" if l.unit and l.type != "bool" else ""
    label = f"{l.name.replace('_', ' ')}: {show(value)}{unit}"

    def set_value(v, name=l.name):
        on_change(name, v)

    with solara.Column(gap="0px", classes=[f"govsim-lever-{l.name}"], style={"margin-bottom": "10px"}):
        if l.type == "bool":
            solara.Checkbox(label=label, value=bool(value), on_value=set_value)
        else:
            solara.Text(label, classes=["govsim-lever-label"], style={"font-size": "13px", "font-weight": "500"})
            if l.type == "choice":
                solara.Select(label="", value=value, values=list(l.choices), on_value=set_value, dense=True)
            elif l.type == "int":
                solara.SliderInt(label="", value=int(value), min=int(l.low), max=int(l.high), on_value=set_value)
            else:
                solara.SliderFloat(label="", value=float(value), min=float(l.low), max=float(l.high),
                                   step=step_of(l), on_value=set_value)
        solara.Text(l.meaning, style={"font-size": "11px", "color": "#555", "line-height": "1.3"})


@solara.component
def LeverPanel(levers: dict[str, Any], base: Mapping[str, Any], scenario: solara.Reactive[str],
               choices: list[str], on_scenario) -> None:
    """Scenario picker and lever controls. Edits `levers` in place: SolaraViz rebuilds
    the model from that dict at Reset. The values are resolved as a scenario file's
    would be — the scenario's own values (`base`), then the levers edited here, then
    the defaults — so that a change of settlement brings its own defaults."""
    edited = solara.use_memo(dict, [])  # the levers edited on this page
    version, set_version = solara.use_state(0)
    changed = solara.use_reactive(False)

    def on_change(name, value):
        edited[name] = value
        levers.update(resolve({**base, **edited}))
        changed.set(True)
        set_version(version + 1)

    with solara.Card("Scenario and levers"):
        solara.Select(label="Scenario", value=scenario.value, values=choices, on_value=on_scenario)
        if changed.value:
            solara.Info("Levers you change take effect at the next Reset.", dense=True)
        for title, group in lever_groups():
            with solara.Details(summary=title, expand=title.startswith("Clause")):
                for l in group:
                    LeverInput(l, levers[l.name], on_change)


# ---- components drawn from the model ------------------------------------------------------
def _figure(panel: drawing.Panel, model, *extra) -> None:
    """A panel's figure as a PNG, drawn again only when the model has moved (or is
    another one)."""
    png = solara.use_memo(panel.png, [panel, model, model.steps, *extra])
    solara.Image(png, format="png")


@solara.component
def Headline(model) -> None:
    """The week and the headline outcomes now, as numbers (for a screen reader, and for
    the browser test, which reads the hidden machine-readable copy)."""
    update_counter.get()
    row = model.watch.outcomes().iloc[-1]
    names = drawing.CASE_OUTCOMES + drawing.VIEW_OUTCOMES
    text = " · ".join(f"{name.replace('_', ' ')} {row[name]:.3f}" for name in names)
    with solara.Column(gap="0px"):
        solara.Text(f"Week {model.week}: {text}", style={"font-size": "13px"})
        solara.Text(f"{model.week}", classes=["govsim-week"], style={"display": "none"})
        solara.Text(" ".join(f"{row[n]:.6f}" for n in names), classes=["govsim-outcomes"], style={"display": "none"})


@solara.component
def Outcomes(model) -> None:
    update_counter.get()
    panel = solara.use_memo(lambda: drawing.OutcomesPanel(model), [model])
    Headline(model)
    _figure(panel, model)


@solara.component
def CommunityMap(model) -> None:
    update_counter.get()
    quantity = solara.use_reactive("satisfaction")
    layout = solara.use_memo(lambda: snapshot.map_layout(model), [model])
    panel = solara.use_memo(lambda: drawing.MapPanel(model, quantity.value, layout), [model, quantity.value])
    solara.ToggleButtonsSingle(value=quantity, values=list(snapshot.MAP_QUANTITIES), dense=True)
    _figure(panel, model, quantity.value)


@solara.component
def Pipeline(model) -> None:
    update_counter.get()
    _figure(solara.use_memo(lambda: drawing.PipelinePanel(model), [model]), model)


@solara.component
def Workload(model) -> None:
    update_counter.get()
    _figure(solara.use_memo(lambda: drawing.WorkloadPanel(model), [model]), model)


@solara.component
def BelowControls(child) -> None:
    """Puts child in the sidebar after SolaraViz's cards. Solara sorts the sidebar's
    parts by 2**(depth of the Sidebar in the page) plus their index among its children:
    declared one component further down, ours sits at SolaraViz's depth, and an empty
    first child puts it one place after SolaraViz's cards."""
    _InSidebar(child)


@solara.component
def _InSidebar(child) -> None:
    with solara.Sidebar():
        solara.Div()
        solara.Column(children=[child])


COMPONENTS = [(Outcomes, 0), (CommunityMap, 0), (Pipeline, 1), (Workload, 1)]


def initial_scenario() -> str:
    """The scenario to start from: a name in scenarios/ or a file (`govsim view` sets it)."""
    return os.environ.get(SCENARIO_ENV, DEFAULT_SCENARIO)


def initial_seed() -> int:
    return int(os.environ.get(SEED_ENV, "1"))


@solara.component
def Page() -> None:
    files = solara.use_memo(lambda: scenario_files(initial_scenario()), [])
    first = solara.use_memo(lambda: load(initial_scenario()), [])
    scenario = solara.use_reactive(first.name)
    levers = solara.use_memo(first.levers, [])  # this session's levers, edited in place
    base = solara.use_memo(lambda: load(files[scenario.value]).overrides, [scenario.value])
    model = solara.use_reactive(None)
    if model.value is None:
        model.value = snapshot.WatchedModel(dict(levers), seed=initial_seed())

    def pick(name: str) -> None:
        levers.clear()
        levers.update(load(files[name]).levers())
        scenario.set(name)
        model.set(snapshot.WatchedModel(dict(levers), seed=initial_seed()))

    BelowControls(LeverPanel(levers, base, scenario, list(files), pick).key(f"levers-{scenario.value}"))
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params={
            "levers": levers,
            "seed": {"type": "SliderInt", "value": initial_seed(), "min": 0, "max": max(999, initial_seed()),
                     "step": 1, "label": "Seed"},
        },
        name=f"govsim · {scenario.value}",
    )
