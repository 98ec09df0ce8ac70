"""The outcomes a run reports, weekly and at its end. Names are the interface.

Rates are cumulative from the first week: at week t, `resolution_rate` is the
share of the cases closed so far that were resolved inside the community; the
end-of-run value is the value at the last week. A ratio whose denominator is still
zero (nothing closed yet, an empty group, no managed compound) is NaN: undefined,
not zero.
"""

from __future__ import annotations

from dataclasses import dataclass
import mesa
import numpy as np

from sim.calendar import WEEKS_PER_YEAR
from sim.cases import N_TYPES, CaseType, Channel, Ending, Outcome

# measure reads the sim.model.GovernanceModel, annotated as the Mesa model it is so that
# this module (which sim.model imports) need not import sim.model
GovernanceModel = mesa.Model


@dataclass(frozen=True)
class OutcomeSpec:
    name: str
    unit: str
    meaning: str
    kind: str  # "share" (in [0, 1]), "count" (>= 0), "weeks" (>= 0), "ratio" (>= 0)

    @property
    def label(self) -> str:
        """How figures and tables name the outcome: 'Resolution rate'."""
        return OUTCOME_LABELS.get(self.name, self.name.replace("_", " ").capitalize())

    @property
    def bounds(self) -> tuple[float, float]:
        """The values the outcome can take: [0, 1] for shares, [0, inf) otherwise."""
        return (0.0, 1.0) if self.kind == "share" else (0.0, float("inf"))


OUTCOMES: tuple[OutcomeSpec, ...] = (
    OutcomeSpec("resolution_rate", "share", "cases resolved inside the community / cases closed", "share"),
    OutcomeSpec("escalation_rate", "share", "cases that left the community (street office, petition, court) / cases closed", "share"),
    OutcomeSpec("unmet_need_rate", "share", "service needs given up unmet / service needs closed", "share"),
    OutcomeSpec("mean_weeks_to_resolution", "weeks", "mean weeks from a case arising to its resolution", "weeks"),
    OutcomeSpec("satisfaction", "0–1", "mean resident satisfaction over households", "share"),
    OutcomeSpec("trust", "0–1", "mean trust in community organisations over households", "share"),
    OutcomeSpec("participation", "share", "households that took part in a deliberation or activity in the last 52 weeks", "share"),
    OutcomeSpec("satisfaction_elderly", "0–1", "mean satisfaction of elderly households", "share"),
    OutcomeSpec("satisfaction_migrant", "0–1", "mean satisfaction of migrant households", "share"),
    OutcomeSpec("satisfaction_renter", "0–1", "mean satisfaction of renter households", "share"),
    OutcomeSpec("dispute_resolution_rate", "share", "disputes resolved inside the community / disputes closed", "share"),
    OutcomeSpec("legal_dispute_resolution_rate", "share", "disputes needing legal knowledge resolved / such disputes closed", "share"),
    OutcomeSpec("neighbour_escalation_rate", "share", "neighbour and family disputes escalated / such disputes closed", "share"),
    OutcomeSpec("property_escalation_rate", "share", "property disputes escalated / property disputes closed", "share"),
    OutcomeSpec("discovery_share", "share", "cases that became known through patrol, volunteers or outreach / cases that became known", "share"),
    OutcomeSpec("mean_weeks_to_known", "weeks", "mean weeks from a case arising to the community knowing of it", "weeks"),
    OutcomeSpec("fee_collection_rate", "share", "share of households of managed compounds paying the property fee (last month)", "share"),
    OutcomeSpec("recurrence_rate", "share", "nominal settlements that came back as new cases / cases resolved", "share"),
    OutcomeSpec("firms_remaining", "firms", "property firms still serving a compound", "count"),
    OutcomeSpec("paper_closure_share", "share", "cases closed on paper by staff who could not give them their time / cases resolved", "share"),
    OutcomeSpec("passed_up_share", "share", "cases passed upward to the street office by staff who could not give them their time / cases closed", "share"),
    OutcomeSpec("mediation_success_rate", "share", "disputes whose people's mediation ended in an agreement (including agreements that later lapse and paper ones) / disputes whose people's mediation ended (the official 调解成功率)", "share"),
    OutcomeSpec("mediation_genuine_rate", "share", "people's-mediation agreements that hold / people's-mediation agreements", "share"),
    OutcomeSpec("patrol_discovery_share", "share", "cases first known through a grid worker's patrol / cases that became known", "share"),
    OutcomeSpec("volunteer_discovery_share", "share", "cases first known through a registered volunteer's contact / cases that became known", "share"),
    OutcomeSpec("outreach_discovery_share", "share", "cases first known through a social organisation serving the household / cases that became known", "share"),
    OutcomeSpec("handled_rate", "share", "cases that became known since week 1 and have been settled by a community handler (办结: genuinely, on paper or lapsing) / cases that became known since week 1 (the platforms' 办结率; open cases count against it)", "share"),
    OutcomeSpec("petitions_per_1000_households", "per 1000 households per year", "cases escalated beyond the community (petitioned by the household or passed upward by staff) per 1,000 households per year since week 1", "count"),
    OutcomeSpec("neighbour_disputes_arising_per_1000", "per 1000 households per year", "neighbour and family disputes arising (recurrences included) in the last 52 weeks (so far, per year, before week 52) per 1,000 households", "count"),
    OutcomeSpec("property_disputes_arising_per_1000", "per 1000 households per year", "property disputes arising (recurrences included) in the last 52 weeks per 1,000 households", "count"),
    OutcomeSpec("public_matters_arising_per_1000", "per 1000 households per year", "public-interest matters arising in the last 52 weeks per 1,000 households", "count"),
    OutcomeSpec("neighbour_disputes_reported_per_1000", "per 1000 households per year", "neighbour and family disputes that became known (reported or found) in the last 52 weeks per 1,000 households", "count"),
    OutcomeSpec("property_disputes_reported_per_1000", "per 1000 households per year", "property disputes that became known in the last 52 weeks per 1,000 households", "count"),
    OutcomeSpec("public_matters_reported_per_1000", "per 1000 households per year", "public-interest matters that became known in the last 52 weeks per 1,000 households", "count"),
    OutcomeSpec("property_disputes_arising_yoy", "ratio", "property disputes arising in the last 52 weeks / in the 52 weeks before (NaN before week 104)", "ratio"),
    OutcomeSpec("property_disputes_reported_yoy", "ratio", "property disputes that became known in the last 52 weeks / in the 52 weeks before (NaN before week 104); compare: Sichuan's property-dispute mediations +23% in 2020 over 2019", "ratio"),
    OutcomeSpec("cases_created", "cases", "cases arisen so far", "count"),
    OutcomeSpec("cases_resolved", "cases", "cases resolved inside the community so far", "count"),
    OutcomeSpec("cases_escalated", "cases", "cases escalated beyond the community so far", "count"),
    OutcomeSpec("cases_abandoned", "cases", "cases given up so far (grievances swallowed, needs unmet)", "count"),
    OutcomeSpec("cases_open", "cases", "cases open now (latent, known or in hand)", "count"),
    # ---- observables defined as the statistics they are compared with count them ----
    OutcomeSpec("share_satisfied", "share", "households that would answer \"satisfied\" or \"very satisfied\" "
                "to a survey now (expected share; ordered-probit response with per-household thresholds)", "share"),
    OutcomeSpec("admin_time_share", "share", "share of community and grid workers' hours spent on "
                "administrative tasks from above, as accepted since the start", "share"),
)

# Labels for figures and tables; an outcome without one is shown by its name in words.
OUTCOME_LABELS: dict[str, str] = {
    "resolution_rate": "Resolved in the community",
    "escalation_rate": "Escalated beyond the community",
    "unmet_need_rate": "Service needs left unmet",
    "mean_weeks_to_resolution": "Weeks to resolution",
    "satisfaction": "Resident satisfaction",
    "trust": "Trust in community bodies",
    "participation": "Households taking part",
    "satisfaction_elderly": "Satisfaction of elderly households",
    "satisfaction_migrant": "Satisfaction of migrant households",
    "satisfaction_renter": "Satisfaction of renter households",
    "dispute_resolution_rate": "Disputes resolved in the community",
    "legal_dispute_resolution_rate": "Legally complex disputes resolved",
    "property_escalation_rate": "Property disputes escalated",
    "discovery_share": "Cases found by patrol or outreach",
    "mean_weeks_to_known": "Weeks until a case is known",
    "fee_collection_rate": "Property fees paid",
    "recurrence_rate": "Settlements that came back",
    "firms_remaining": "Property firms still serving",
}

OUTCOME_NAMES: tuple[str, ...] = tuple(o.name for o in OUTCOMES)
OUTCOME_BY_NAME = {o.name: o for o in OUTCOMES}

NAN = float("nan")


# ---- the counters every outcome is worked out from -----------------------------------
# A recorded week keeps one row of counters (`counters`): the case book's cumulative
# counts, the satisfaction the model keeps summed by household group, the yearly
# history rows and a few sums. `outcome_table` turns any number of such rows into
# outcomes at once, so a run does the arithmetic once, not every week, and `measure`
# is the same arithmetic on one row: the two cannot disagree.
_N_COUNTS = N_TYPES * len(Outcome)
_N_HISTORY = 2 * N_TYPES  # cases arisen by type, then cases known by type


def _fields(sizes: tuple[tuple[str, int], ...]) -> tuple[dict[str, slice | int], int]:
    """Where each counter sits in a row (a slice, or a column for a single value), and the row's width."""
    where, width = {}, 0
    for name, size in sizes:
        where[name] = slice(width, width + size) if size > 1 else width
        width += size
    return where, width


_LAYOUT, N_COUNTERS = _fields((
    ("counts", _N_COUNTS), ("known_by", len(Channel)), ("legal", len(Outcome)), ("satisfaction_by_group", 8),
    ("endings", len(Ending)), ("mediated", len(Ending)),
    ("history_now", _N_HISTORY), ("history_year_ago", _N_HISTORY), ("history_two_years_ago", _N_HISTORY),
    ("span", 1), ("weeks_to_resolution", 1), ("weeks_to_known", 1), ("recurrences", 1), ("handled", 1),
    ("known_carried", 1), ("satisfied_total", 1), ("trust_total", 1), ("participating", 1), ("fee_collection", 1),
    ("firms", 1), ("admin_hours", 1), ("work_hours", 1), ("weeks", 1)))


def counters(m: GovernanceModel) -> list[float]:
    """This week's counters (the layout above), as one flat row."""
    book, views = m.cases, m.views
    history = book.history
    weeks = len(history) - 1
    span = min(weeks, WEEKS_PER_YEAR)
    year_ago = history[-1 - span]
    # two years back only once there are two years (else as a year ago: no ratio yet)
    two_years_ago = history[-1 - 2 * WEEKS_PER_YEAR] if weeks >= 2 * WEEKS_PER_YEAR else year_ago
    return [*book.counts.ravel().tolist(), *book.known_by.tolist(), *book.legal_disputes_closed.tolist(),
            *views.satisfaction_by_group.tolist(), *book.endings, *book.mediation_endings,
            *history[-1], *year_ago, *two_years_ago,
            span, book.weeks_to_resolution, book.weeks_to_known, book.recurrences, book.handled, book.known_carried,
            views.satisfied_total, float(views.trust.sum()),
            np.count_nonzero(m.households.last_participation > m.week - WEEKS_PER_YEAR),
            m.compounds.fee_collection, len(m.firms), m.admin.hours_spent, m.admin.hours_total,
            m.week - book.week_started]


def _ratio(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """a / b (arrays, or a number for every row); a ratio with a zero denominator is
    undefined: NaN."""
    a, b = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
    return np.divide(a, b, out=np.full(a.shape, NAN), where=b != 0)


def _compensated_sum(columns: np.ndarray) -> np.ndarray:
    """Row sums by Neumaier's compensated summation, as Python's sum() adds floats
    (3.12 and later): a little more accurate than adding in turn, and how this outcome
    was added up before the outcomes were worked out a table at a time."""
    total = np.zeros(len(columns))
    compensation = np.zeros(len(columns))
    for x in columns.T:
        t = total + x
        compensation += np.where(np.abs(total) >= np.abs(x), (total - t) + x, (x - t) + total)
        total = t
    return total + compensation


def outcome_table(rows: np.ndarray, households: int, group_size: dict[str, int]) -> np.ndarray:
    """Every outcome (columns in the order of OUTCOME_NAMES) of each row of counters."""
    c = {name: rows[:, where] for name, where in _LAYOUT.items()}
    counts = c["counts"].reshape(len(rows), N_TYPES, len(Outcome))
    created, n_res, n_esc, n_ab = (counts[:, :, o].sum(axis=1) for o in range(len(Outcome)))  # exact: integers
    n_closed = n_res + n_esc + n_ab
    disputes = counts[:, :int(CaseType.PUBLIC) + 1]
    d_res = disputes[:, :, Outcome.RESOLVED].sum(axis=1)
    d_closed = disputes[:, :, 1:].sum(axis=(1, 2))
    need_ab = n_ab - disputes[:, :, Outcome.ABANDONED].sum(axis=1)
    nb, pr = counts[:, CaseType.NEIGHBOUR], counts[:, CaseType.PROPERTY]
    known_by = c["known_by"]
    known = known_by.sum(axis=1)
    legal = c["legal"]
    s = c["satisfaction_by_group"]
    n = households

    def group_sum(*codes: int) -> np.ndarray:  # in order, as the group's households were added up
        total = s[:, codes[0]]
        for k in codes[1:]:
            total = total + s[:, k]
        return total

    endings, mediated = c["endings"], c["mediated"]
    agreements = mediated[:, Ending.GENUINE] + mediated[:, Ending.PAPER] + mediated[:, Ending.LAPSED]
    weeks = c["weeks"]
    per_1000_year = _ratio(1000.0 * WEEKS_PER_YEAR, n * weeks)
    now, year_ago, two_years_ago = c["history_now"], c["history_year_ago"], c["history_two_years_ago"]
    scale = _ratio(1000.0 * WEEKS_PER_YEAR, c["span"] * n)
    last_year = now - year_ago
    columns = {
        "resolution_rate": _ratio(n_res, n_closed),
        "escalation_rate": _ratio(n_esc, n_closed),
        "unmet_need_rate": _ratio(need_ab, n_closed - d_closed),
        "mean_weeks_to_resolution": _ratio(c["weeks_to_resolution"], n_res),
        "satisfaction": _compensated_sum(s) / n,
        "trust": c["trust_total"] / n,
        "participation": c["participating"] / n,
        "satisfaction_elderly": _ratio(group_sum(1, 3, 5, 7), group_size["elderly"]),
        "satisfaction_migrant": _ratio(group_sum(2, 3, 6, 7), group_size["migrant"]),
        "satisfaction_renter": _ratio(group_sum(4, 5, 6, 7), group_size["renter"]),
        "dispute_resolution_rate": _ratio(d_res, d_closed),
        "legal_dispute_resolution_rate": _ratio(legal[:, Outcome.RESOLVED], legal.sum(axis=1)),
        "neighbour_escalation_rate": _ratio(nb[:, Outcome.ESCALATED], nb[:, 1:].sum(axis=1)),
        "property_escalation_rate": _ratio(pr[:, Outcome.ESCALATED], pr[:, 1:].sum(axis=1)),
        "discovery_share": _ratio(known - known_by[:, Channel.REPORTED], known),
        "mean_weeks_to_known": _ratio(c["weeks_to_known"], known),
        "fee_collection_rate": c["fee_collection"],
        "recurrence_rate": _ratio(c["recurrences"], n_res),
        "firms_remaining": c["firms"],
        "paper_closure_share": _ratio(endings[:, Ending.PAPER], n_res),
        "passed_up_share": _ratio(endings[:, Ending.PASSED_UP], n_closed),
        "mediation_success_rate": _ratio(agreements, mediated.sum(axis=1)),
        "mediation_genuine_rate": _ratio(mediated[:, Ending.GENUINE], agreements),
        "patrol_discovery_share": _ratio(known_by[:, Channel.PATROL], known),
        "volunteer_discovery_share": _ratio(known_by[:, Channel.VOLUNTEER], known),
        "outreach_discovery_share": _ratio(known_by[:, Channel.OUTREACH], known),
        "handled_rate": _ratio(c["handled"], known + c["known_carried"]),
        "petitions_per_1000_households": n_esc * per_1000_year,
        **{name: last_year[:, i] * scale for i, name in _YEARLY_NAMES},
        **{f"property_disputes_{kind}_yoy": _ratio(last_year[:, i], year_ago[:, i] - two_years_ago[:, i])
           for kind, i in (("arising", CaseType.PROPERTY), ("reported", N_TYPES + CaseType.PROPERTY))},
        "cases_created": created,
        "cases_resolved": n_res,
        "cases_escalated": n_esc,
        "cases_abandoned": n_ab,
        "cases_open": created - n_closed,
        # the expected share answering "satisfied" or "very satisfied": household i does
        # when its latent satisfaction plus the answer's noise exceeds its own threshold,
        # P_i = Phi((S_i - tau_i) / survey_noise_sd) (docs/ODD.md, S7); the model keeps
        # the sum of P_i up to date as satisfaction changes (sim.views.Views.note_change)
        "share_satisfied": c["satisfied_total"] / n,
        "admin_time_share": _ratio(c["admin_hours"], c["work_hours"]),
    }
    return np.stack([columns[name] for name in OUTCOME_NAMES], axis=1)


def measure(m: GovernanceModel) -> dict[str, float]:
    """Every outcome now, by name (the names of OUTCOMES, in its order): the outcome
    table of this week's counters."""
    row = outcome_table(np.array([counters(m)], np.float64), m.households.n, m.households.group_size)[0]
    return named(row)


def named(row: np.ndarray) -> dict[str, float]:
    """A row of the outcome table by outcome name, as plain floats; undefined values
    are the one NAN, so that two records of the same run compare equal."""
    return {name: v if v == v else NAN for name, v in zip(OUTCOME_NAMES, row.tolist())}


# the dispute types with yearly counts, and their names in the outcomes (column of
# the history rows, outcome)
_YEARLY_TYPES = ((CaseType.NEIGHBOUR, "neighbour_disputes"), (CaseType.PROPERTY, "property_disputes"),
                 (CaseType.PUBLIC, "public_matters"))
_YEARLY_NAMES = [(offset + t, f"{name}_{kind}_per_1000") for kind, offset in (("arising", 0), ("reported", N_TYPES))
                 for t, name in _YEARLY_TYPES]
