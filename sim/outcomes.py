"""The outcomes a run reports, weekly and at its end. Names are the interface.

Rates are cumulative from the first week: at week t, `resolution_rate` is the
share of the cases closed so far that were resolved inside the community; the
end-of-run value is the value at the last week. A ratio whose denominator is still
zero (nothing closed yet, an empty group, no managed compound) is NaN: undefined,
not zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.cases import IS_DISPUTE, CaseType, Channel, Outcome

if TYPE_CHECKING:
    from sim.model import GovernanceModel


@dataclass(frozen=True)
class OutcomeSpec:
    name: str
    unit: str
    meaning: str
    kind: str  # "share" (in [0, 1]), "count", "weeks"


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
    OutcomeSpec("property_escalation_rate", "share", "property disputes escalated / property disputes closed", "share"),
    OutcomeSpec("discovery_share", "share", "cases that became known through patrol, volunteers or outreach / cases that became known", "share"),
    OutcomeSpec("mean_weeks_to_known", "weeks", "mean weeks from a case arising to the community knowing of it", "weeks"),
    OutcomeSpec("fee_collection_rate", "share", "share of households of managed compounds paying the property fee (last month)", "share"),
    OutcomeSpec("recurrence_rate", "share", "nominal settlements that came back as new cases / cases resolved", "share"),
    OutcomeSpec("firms_remaining", "firms", "property firms still serving a compound", "count"),
    OutcomeSpec("cases_created", "cases", "cases arisen so far", "count"),
    OutcomeSpec("cases_resolved", "cases", "cases resolved inside the community so far", "count"),
    OutcomeSpec("cases_escalated", "cases", "cases escalated beyond the community so far", "count"),
    OutcomeSpec("cases_abandoned", "cases", "cases given up so far (grievances swallowed, needs unmet)", "count"),
    OutcomeSpec("cases_open", "cases", "cases open now (latent, known or in hand)", "count"),
)

OUTCOME_NAMES: tuple[str, ...] = tuple(o.name for o in OUTCOMES)
OUTCOME_BY_NAME = {o.name: o for o in OUTCOMES}

_NEEDS = ~IS_DISPUTE
_PROACTIVE = [Channel.PATROL, Channel.VOLUNTEER, Channel.OUTREACH]
NAN = float("nan")


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else NAN


def group_mean(x: np.ndarray, mask: np.ndarray, n: int) -> float:
    """Mean of x over a group of n households (NaN for an empty group).

    A masked reduction, not a dot product: BLAS would start threads for this.
    """
    return float(np.add.reduce(x, where=mask)) / n if n else NAN


def measure(m: GovernanceModel) -> np.ndarray:
    """Every outcome now, in the order of OUTCOMES."""
    cb = m.cases
    c = cb.counts
    by_outcome = c.sum(axis=0)
    n_res, n_esc, n_ab = int(by_outcome[Outcome.RESOLVED]), int(by_outcome[Outcome.ESCALATED]), int(by_outcome[Outcome.ABANDONED])
    n_closed = n_res + n_esc + n_ab
    closed = c[:, 1:].sum(axis=1)
    disputes = c[:3].sum(axis=0)
    known = int(cb.known_by.sum())
    s = m.satisfaction
    managed = m.comp_size * (m.comp_firm >= 0)
    g = m.groups
    return np.array([
        _ratio(n_res, n_closed),
        _ratio(n_esc, n_closed),
        _ratio(c[3:, Outcome.ABANDONED].sum(), closed[3:].sum()),
        _ratio(cb.weeks_to_resolution, n_res),
        float(s.sum()) / m.n_households,
        float(m.trust.sum()) / m.n_households,
        np.count_nonzero(m.last_participation > m.week - 52) / m.n_households,
        group_mean(s, *g["elderly"]),
        group_mean(s, *g["migrant"]),
        group_mean(s, *g["renter"]),
        _ratio(disputes[Outcome.RESOLVED], disputes[1:].sum()),
        _ratio(cb.legal_disputes_closed[Outcome.RESOLVED], cb.legal_disputes_closed.sum()),
        _ratio(c[CaseType.PROPERTY, Outcome.ESCALATED], closed[CaseType.PROPERTY]),
        _ratio(int(cb.known_by[_PROACTIVE].sum()), known),
        _ratio(cb.weeks_to_known, known),
        _ratio(float((m.comp_collection * managed).sum()), float(managed.sum())),
        _ratio(cb.recurrences, n_res),
        float(len(m.firms)),
        float(c[:, Outcome.CREATED].sum()),
        float(n_res),
        float(n_esc),
        float(n_ab),
        float(cb.open_now),
    ])
