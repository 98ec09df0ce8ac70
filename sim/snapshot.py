"""What a model looks like from outside: tables of households and organisations, the
case pipeline, the map's layout, and a week-by-week record of outcomes.

This is the one module that reads the model's internals for the page (app.py), for
`govsim run --agents` and for notebooks. It only reads: nothing here changes the
model's arrays, its agents or its random stream, so a watched run gives the same
numbers as an unwatched one (a test checks it). When the model's internals change,
this file is the one to follow them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.agents import GridWorker, PropertyFirm, SocialOrganisation
from sim.calendar import WEEKS_PER_YEAR
from sim.compounds import Mode
from sim.cases import CLOSED, HANDLING, KNOWN, LATENT, CaseType, Outcome
from sim.model import GovernanceModel
from sim.outcomes import OUTCOME_NAMES, measure
from sim.run import start_model
from sim.slots import HandlerKind

MODE_NAMES = {Mode.MANAGED: "managed", Mode.SELF_GOVERNED: "self-governed", Mode.UNMANAGED: "unmanaged"}

# The handlers a case can be with, in the order the page lists them.
HANDLER_NAMES = {HandlerKind.GRID: "grid worker", HandlerKind.MEDIATION: "mediation committee", HandlerKind.DESK: "service desk",
                 HandlerKind.COMMITTEE: "residents' committee", HandlerKind.COURTYARD: "courtyard council",
                 HandlerKind.JOINT_MEETING: "joint meeting", HandlerKind.DELIBERATION: "deliberation",
                 HandlerKind.LEGAL: "legal advisor", HandlerKind.SOCIAL_ORG: "social organisation", HandlerKind.FIRM: "property firm"}


# ---- households ---------------------------------------------------------------------------
def _pending_households(cb) -> np.ndarray:
    """Households of the cases added since the last merge (this week's recurrences of
    paper settlements): open, but not yet in the case book's arrays."""
    pending = getattr(cb, "_pending", ())
    if not pending:
        return np.empty(0, np.int64)
    return np.concatenate([ints[1] for ints, _, _ in pending])


def open_cases_by_household(model: GovernanceModel) -> np.ndarray:
    """Open cases (latent, known or in hand) per household."""
    cb, n = model.cases, model.households.n
    open_hh = cb.hh[cb.state != CLOSED]
    return (np.bincount(open_hh, minlength=n) + np.bincount(_pending_households(cb), minlength=n)).astype(np.int64)


def closed_this_week_by_household(model: GovernanceModel) -> np.ndarray:
    """Cases closed since the week began, per household: they stay in the case book,
    marked closed, until the next week's merge."""
    cb = model.cases
    return np.bincount(cb.hh[cb.state == CLOSED], minlength=model.households.n).astype(np.int64)


def households(model: GovernanceModel, closed_cases: np.ndarray | None = None) -> pd.DataFrame:
    """One row per household: where it lives, who it is, its views, whether it took part
    in the last 52 weeks, its open cases and (if counted by a Watch) its closed ones."""
    m = model
    n = m.households.n
    mode = m.compounds.mode[m.households.compound]
    return pd.DataFrame({
        "household": np.arange(n, dtype=np.int64),
        "compound": m.households.compound.astype(np.int64),
        "grid": m.households.grid.astype(np.int64),
        "compound_mode": pd.Categorical.from_codes(mode, list(MODE_NAMES.values())),
        "elderly": m.households.elderly.copy(),
        "migrant": m.households.migrant.copy(),
        "owner": m.households.owner.copy(),
        "vulnerable": m.households.vulnerable.copy(),
        "digital": m.households.digital.copy(),
        "satisfaction": m.views.satisfaction.copy(),
        "trust": m.views.trust.copy(),
        "propensity": m.households.propensity.copy(),
        "participated": m.households.last_participation > m.week - WEEKS_PER_YEAR,
        "open_cases": open_cases_by_household(m),
        "closed_cases": (closed_cases.copy() if closed_cases is not None
                         else np.full(n, -1, np.int64)),
    })


# ---- organisations ------------------------------------------------------------------------
def cases_in_hand(model: GovernanceModel) -> np.ndarray:
    """Open cases held by each handler slot."""
    cb, sl = model.cases, model.slots
    return np.bincount(cb.slot[cb.state == HANDLING], minlength=sl.n)


ORGANISATION_COLUMNS = ("kind", "agent_id", "slot", "grid", "compound", "service", "households",
                        "professional", "skill", "cases_in_hand", "hours", "case_hours",
                        "quality", "effort", "fee_collection", "loss_months", "left")


def organisations(model: GovernanceModel, firms: Iterable[PropertyFirm] | None = None) -> pd.DataFrame:
    """One row per organisation: grid workers (load, hours for cases, skill), social
    organisations (capacity, load) and property firms (quality, fee collection,
    whether they left). `firms`: every firm the run began with (a Watch keeps them),
    so that firms that left are listed too; by default only those still there."""
    m, sl = model, model.slots
    load = cases_in_hand(m)
    rows: list[dict[str, Any]] = []
    for w in m.agents_by_type.get(GridWorker, ()):
        rows.append({"kind": "grid_worker", "agent_id": w.unique_id, "slot": w.slot, "grid": w.grid,
                     "households": w.households, "professional": w.professional, "skill": w.skill,
                     "cases_in_hand": load[w.slot], "hours": sl.hours[w.slot],
                     "case_hours": sl.case_hours[w.slot]})
    for o in m.agents_by_type.get(SocialOrganisation, ()):
        rows.append({"kind": "social_org", "agent_id": o.unique_id, "slot": o.slot,
                     "service": CaseType(o.service).name.lower(), "cases_in_hand": load[o.slot],
                     "hours": sl.hours[o.slot], "case_hours": sl.case_hours[o.slot]})
    present = set(m.firms)
    for f in (firms if firms is not None else m.firms):
        here = f in present
        rows.append({"kind": "property_firm", "agent_id": f.unique_id, "slot": f.slot, "compound": f.compound,
                     "households": int(m.households.compound_size[f.compound]), "cases_in_hand": load[f.slot] if here else 0,
                     "quality": float(m.compounds.quality[f.compound]) if here else np.nan, "effort": f.effort,
                     "fee_collection": float(m.compounds.collection[f.compound]) if here else np.nan,
                     "loss_months": f.loss_months, "left": not here})
    table = pd.DataFrame(rows, columns=list(ORGANISATION_COLUMNS))
    for col in ("slot", "grid", "compound", "households", "cases_in_hand", "loss_months"):
        table[col] = table[col].astype("Int64")
    for col in ("professional", "left"):
        table[col] = table[col].astype("boolean")
    for col in ("skill", "hours", "case_hours", "quality", "effort", "fee_collection"):
        table[col] = table[col].astype("float64")
    table["service"] = table["service"].astype("string")
    return table


# ---- the case pipeline --------------------------------------------------------------------
def pipeline(model: GovernanceModel) -> dict[str, dict[str, int]]:
    """Where the cases are this week: open ones by state (latent, known and waiting, in
    hand by handler), and those closed so far by ending."""
    cb, sl = model.cases, model.slots
    state = cb.state
    latent = int(np.count_nonzero(state == LATENT)) + len(_pending_households(cb))
    kinds = np.bincount(sl.kind[cb.slot[state == HANDLING]], minlength=len(HandlerKind))
    counts = cb.counts.sum(axis=0)
    return {
        "open": {"latent": latent, "known, waiting": int(np.count_nonzero(state == KNOWN)),
                 **{name: int(kinds[k]) for k, name in HANDLER_NAMES.items()}},
        "closed": {"resolved": int(counts[Outcome.RESOLVED]), "escalated": int(counts[Outcome.ESCALATED]),
                   "abandoned": int(counts[Outcome.ABANDONED])},
    }


def grid_load(model: GovernanceModel) -> pd.DataFrame:
    """Per grid worker: cases in hand, the hours they ask for and the hours free for
    cases after paperwork, skill and the chance this week's patrol finds a latent case."""
    m, sl = model, model.slots
    load = cases_in_hand(m)
    g = np.arange(m.households.n_grids)
    slots = sl.grid0 + g
    skill = np.zeros(m.households.n_grids)
    for w in m.agents_by_type.get(GridWorker, ()):
        skill[w.grid] = w.skill
    return pd.DataFrame({"grid": g, "cases_in_hand": load[slots],
                         "hours_needed": load[slots] * sl.case_hours[slots],
                         "hours_free": np.full(m.households.n_grids, m.levers.grid_case_time_share * m.admin.free_hours),
                         "skill": skill, "patrol_find_chance": np.asarray(m.discovery.grid_find[0], float)})


# ---- the map ------------------------------------------------------------------------------
MAP_QUANTITIES = ("satisfaction", "trust", "open cases", "compound")


def household_values(model: GovernanceModel, quantity: str) -> np.ndarray:
    """The per-household value the map colours by (a compound's management mode as
    its code: 0 managed, 1 self-governed, 2 unmanaged)."""
    if quantity == "satisfaction":
        return model.views.satisfaction
    if quantity == "trust":
        return model.views.trust
    if quantity == "open cases":
        return open_cases_by_household(model)
    if quantity == "compound":
        return model.compounds.mode[model.households.compound]
    raise ValueError(f"unknown map quantity {quantity!r}; allowed: {', '.join(MAP_QUANTITIES)}")


@dataclass(frozen=True)
class MapLayout:
    """Where each household sits in the map image: grids are tiles, and within a tile
    each compound's households fill rows of their own (a blank row between compounds),
    so a grid that cuts across compounds shows as bands."""

    shape: tuple[int, int]
    rows: np.ndarray            # image row of each household
    cols: np.ndarray            # image column of each household
    tiles: tuple[tuple[int, int, int, int], ...]   # per grid: row0, col0, height, width

    def image(self, values: np.ndarray) -> np.ndarray:
        img = np.full(self.shape, np.nan)
        img[self.rows, self.cols] = values
        return img


def map_layout(model: GovernanceModel) -> MapLayout:
    m = model
    width = max(8, int(np.ceil(np.sqrt(m.households.grid_size.max()) * 1.3)))
    pieces = []  # per grid: the (row, col) of each of its households, relative to the tile
    heights = []
    for g in range(m.households.n_grids):
        hh = np.flatnonzero(m.households.grid == g)
        comp = m.households.compound[hh]
        starts = np.flatnonzero(np.r_[True, comp[1:] != comp[:-1]])
        rows, cols, row = np.empty(len(hh), np.int64), np.empty(len(hh), np.int64), 0
        for a, b in zip(starts, np.r_[starts[1:], len(hh)]):
            k = np.arange(b - a)
            rows[a:b], cols[a:b] = row + k // width, k % width
            row += -(-(b - a) // width) + 1
        pieces.append((hh, rows, cols))
        heights.append(row - 1)
    # tiles per row: about twice as wide as high overall, as a page's panel is
    per_row = min(m.households.n_grids, max(1, round(np.sqrt(2.0 * m.households.n_grids * max(heights) / width))))
    gap = 4  # blank rows and columns between tiles (room for each grid's label)
    all_rows, all_cols = np.empty(m.households.n, np.int64), np.empty(m.households.n, np.int64)
    tiles, top, h_max, n_rows = [], 0, 0, 0
    for g, (hh, rows, cols) in enumerate(pieces):
        if g and g % per_row == 0:
            top += h_max + gap
            h_max = 0
        left = (g % per_row) * (width + gap)
        all_rows[hh], all_cols[hh] = top + rows, left + cols
        tiles.append((top, left, heights[g], width))
        h_max = max(h_max, heights[g])
    n_rows = top + h_max
    n_cols = min(per_row, m.households.n_grids) * (width + gap) - gap
    return MapLayout((n_rows, n_cols), all_rows, all_cols, tuple(tiles))


# ---- following a run week by week ---------------------------------------------------------
class Watch:
    """Follows one model: its outcomes every week it is told of (`observe`, after each
    step), each household's closed cases, and every firm it began with. Reading only."""

    def __init__(self, model: GovernanceModel) -> None:
        self.model = model
        self.firms = list(model.firms)
        self.closed_cases = np.zeros(model.households.n, np.int64)
        self.weeks: list[int] = [model.week]
        self.rows: list[np.ndarray] = [outcome_row(model)]

    def observe(self) -> None:
        m = self.model
        self.closed_cases += closed_this_week_by_household(m)
        self.weeks.append(m.week)
        self.rows.append(outcome_row(m))

    def outcomes(self) -> pd.DataFrame:
        """Outcomes by week (week 0: the community before its first step)."""
        return pd.DataFrame(np.array(self.rows), columns=list(OUTCOME_NAMES),
                            index=pd.Index(self.weeks, name="week"))

    def households(self) -> pd.DataFrame:
        return households(self.model, self.closed_cases)

    def organisations(self) -> pd.DataFrame:
        return organisations(self.model, self.firms)


def outcome_row(model: GovernanceModel) -> np.ndarray:
    """The model's outcomes now, in the order of OUTCOME_NAMES (a time series' columns)."""
    values = measure(model)
    return np.array([values[name] for name in OUTCOME_NAMES], np.float64)


class WatchedModel(GovernanceModel):
    """A GovernanceModel that keeps a Watch on itself after every step (for the page,
    which redraws from the record). Same levers and seed, same numbers."""

    def __init__(self, levers: Mapping[str, Any] | None = None, *, seed: int | None = None) -> None:
        super().__init__(levers, seed=seed)
        self.watch = Watch(self)

    def step(self) -> None:
        super().step()
        self.watch.observe()


# ---- agent tables of a whole run ----------------------------------------------------------
def agent_tables(levers: Mapping[str, Any], seed: int, weeks: int, at: Iterable[int] | None = None
                 ) -> Iterator[tuple[int, pd.DataFrame, pd.DataFrame, np.ndarray]]:
    """Run one community as sim.run.run does (warm-up included) and yield, at each week
    of `at` (default: the last), the households table, the organisations table and
    the outcomes then. The same levers and seed give the run sim.run.run records."""
    at_weeks = sorted(set(at)) if at else [weeks]
    if at_weeks[0] < 1 or at_weeks[-1] > weeks:
        raise ValueError(f"agent weeks must lie in [1, {weeks}], got {at_weeks}")
    model = start_model(levers, seed)
    watch = Watch(model)
    watch.closed_cases[:] = 0  # counted from week 1, as the outcomes are
    wanted = set(at_weeks)
    for week in range(1, at_weeks[-1] + 1):
        model.step()
        watch.observe()
        if week in wanted:
            yield week, watch.households(), watch.organisations(), watch.rows[-1]
