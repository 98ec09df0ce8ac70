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


def share_satisfied(m: GovernanceModel) -> float:
    """The expected share answering "satisfied" or "very satisfied": household i does
    when its latent satisfaction plus the answer's noise exceeds its own threshold,
    P_i = Phi((S_i - tau_i) / survey_noise_sd) (docs/ODD.md, S7). The model keeps the
    sum of P_i up to date as satisfaction changes (sim.views.Views.note_change): cheaper
    than working it out for every household each recorded week."""
    return m.views.satisfied_total / m.households.n


def measure(m: GovernanceModel) -> dict[str, float]:
    """Every outcome now, by name (the names of OUTCOMES, in its order).

    Called every recorded week, so it works on plain Python numbers: the counters
    come out of numpy once, the group means come from the satisfaction the model keeps
    summed over the eight group combinations (`sim.views.Views.note_change`), and what
    changes only monthly (fee collection) is read from the model. Open cases are
    created minus closed: the model checks that identity every week.
    """
    book = m.cases
    c = book.counts.tolist()  # [type][created, resolved, escalated, abandoned]
    created, n_res, n_esc, n_ab = map(sum, zip(*c))
    n_closed = n_res + n_esc + n_ab
    nb, pr, pu = c[0], c[1], c[2]
    d_res = nb[1] + pr[1] + pu[1]
    d_closed = sum(nb) + sum(pr) + sum(pu) - nb[0] - pr[0] - pu[0]
    need_ab = n_ab - nb[3] - pr[3] - pu[3]
    need_closed = n_closed - d_closed
    known_by = book.known_by.tolist()
    known = sum(known_by)
    legal = book.legal_disputes_closed.tolist()
    n_legal, pr_closed = sum(legal), sum(pr) - pr[0]
    n = m.households.n
    s = m.views.satisfaction_by_group.tolist()
    g = m.households.group_size
    endings, mediated = book.endings, book.mediation_endings
    mediation_ended = sum(mediated)
    agreements = mediated[Ending.GENUINE] + mediated[Ending.PAPER] + mediated[Ending.LAPSED]
    weeks = m.week - book.week_started
    per_1000_year = 1000.0 * WEEKS_PER_YEAR / (n * weeks) if weeks else NAN
    yearly = _yearly(book.history, n)

    def ratio(a: float, b: float) -> float:  # a ratio with a zero denominator is undefined: NaN
        return a / b if b else NAN

    return {
        "resolution_rate": ratio(n_res, n_closed),
        "escalation_rate": ratio(n_esc, n_closed),
        "unmet_need_rate": ratio(need_ab, need_closed),
        "mean_weeks_to_resolution": ratio(book.weeks_to_resolution, n_res),
        "satisfaction": sum(s) / n,
        "trust": float(m.views.trust.sum()) / n,
        "participation": np.count_nonzero(m.households.last_participation > m.week - WEEKS_PER_YEAR) / n,
        "satisfaction_elderly": ratio(s[1] + s[3] + s[5] + s[7], g["elderly"]),
        "satisfaction_migrant": ratio(s[2] + s[3] + s[6] + s[7], g["migrant"]),
        "satisfaction_renter": ratio(s[4] + s[5] + s[6] + s[7], g["renter"]),
        "dispute_resolution_rate": ratio(d_res, d_closed),
        "legal_dispute_resolution_rate": ratio(legal[Outcome.RESOLVED], n_legal),
        "neighbour_escalation_rate": ratio(nb[Outcome.ESCALATED], sum(nb) - nb[0]),
        "property_escalation_rate": ratio(pr[Outcome.ESCALATED], pr_closed),
        "discovery_share": ratio(known - known_by[Channel.REPORTED], known),
        "mean_weeks_to_known": ratio(book.weeks_to_known, known),
        "fee_collection_rate": m.compounds.fee_collection,
        "recurrence_rate": ratio(book.recurrences, n_res),
        "firms_remaining": float(len(m.firms)),
        "paper_closure_share": ratio(endings[Ending.PAPER], n_res),
        "passed_up_share": ratio(endings[Ending.PASSED_UP], n_closed),
        "mediation_success_rate": ratio(agreements, mediation_ended),
        "mediation_genuine_rate": ratio(mediated[Ending.GENUINE], agreements),
        "patrol_discovery_share": ratio(known_by[Channel.PATROL], known),
        "volunteer_discovery_share": ratio(known_by[Channel.VOLUNTEER], known),
        "outreach_discovery_share": ratio(known_by[Channel.OUTREACH], known),
        "handled_rate": ratio(book.handled, known + book.known_carried),
        "petitions_per_1000_households": n_esc * per_1000_year,
        **yearly,
        "cases_created": float(created),
        "cases_resolved": float(n_res),
        "cases_escalated": float(n_esc),
        "cases_abandoned": float(n_ab),
        "cases_open": float(created - n_closed),
        "share_satisfied": share_satisfied(m),
        "admin_time_share": ratio(m.admin.hours_spent, m.admin.hours_total),
    }


# the dispute types with yearly counts, and their names in the outcomes
_YEARLY_TYPES = ((CaseType.NEIGHBOUR, "neighbour_disputes"), (CaseType.PROPERTY, "property_disputes"),
                 (CaseType.PUBLIC, "public_matters"))


_YEARLY_NAMES = [(offset + t, f"{name}_{kind}_per_1000") for kind, offset in (("arising", 0), ("reported", N_TYPES))
                 for t, name in _YEARLY_TYPES]


def _yearly(history: list[list[int]], n: int) -> dict[str, float]:
    """Disputes arising and reported by type in the last 52 weeks per 1,000 households
    (scaled to a year before week 52), and property disputes' year-on-year ratios.
    history[k] holds the cumulative counts (arisen by type, then known by type) at the
    end of the k-th counted week."""
    now = history[-1]
    weeks = len(history) - 1
    span = min(weeks, WEEKS_PER_YEAR)
    year_ago = history[-1 - span]
    scale = 1000.0 * WEEKS_PER_YEAR / (span * n) if span else NAN
    out = {name: (now[i] - year_ago[i]) * scale for i, name in _YEARLY_NAMES}
    for kind, i in (("arising", CaseType.PROPERTY), ("reported", N_TYPES + CaseType.PROPERTY)):
        before = year_ago[i] - history[-1 - 2 * WEEKS_PER_YEAR][i] if weeks >= 2 * WEEKS_PER_YEAR else 0
        out[f"property_disputes_{kind}_yoy"] = (now[i] - year_ago[i]) / before if before else NAN
    return out
