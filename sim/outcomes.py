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
from sim.cases import Channel, Outcome

# measure reads the sim.model.GovernanceModel, annotated as the Mesa model it is so that
# this module (which sim.model imports) need not import sim.model
GovernanceModel = mesa.Model


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

NAN = float("nan")


def group_codes(elderly: np.ndarray, migrant: np.ndarray, renter: np.ndarray) -> np.ndarray:
    """Each household's combination of the groups outcomes are reported for (0..7):
    bit 0 elderly, bit 1 migrant, bit 2 renter."""
    return elderly.astype(np.int64) + 2 * migrant + 4 * renter


def measure(m: GovernanceModel) -> np.ndarray:
    """Every outcome now, in the order of OUTCOMES.

    Called every recorded week, so it works on plain Python numbers: the counters
    come out of numpy once, the group means come from the satisfaction the model keeps
    summed over the eight group combinations (`note_satisfaction_change`), and what
    changes only monthly (fee collection) is read from the model. Open cases are
    created minus closed: the model checks that identity every week.
    """
    cb = m.cases
    c = cb.counts.tolist()  # [type][created, resolved, escalated, abandoned]
    created, n_res, n_esc, n_ab = map(sum, zip(*c))
    n_closed = n_res + n_esc + n_ab
    nb, pr, pu = c[0], c[1], c[2]
    d_res = nb[1] + pr[1] + pu[1]
    d_closed = sum(nb) + sum(pr) + sum(pu) - nb[0] - pr[0] - pu[0]
    need_ab = n_ab - nb[3] - pr[3] - pu[3]
    need_closed = n_closed - d_closed
    known_by = cb.known_by.tolist()
    known = sum(known_by)
    legal = cb.legal_disputes_closed.tolist()
    n_legal, pr_closed = sum(legal), sum(pr) - pr[0]
    n = m.n_households
    s = m.satisfaction_by_group.tolist()
    g = m.group_size
    # (a ratio with a zero denominator is undefined: NaN)
    return np.array([
        n_res / n_closed if n_closed else NAN,
        n_esc / n_closed if n_closed else NAN,
        need_ab / need_closed if need_closed else NAN,
        cb.weeks_to_resolution / n_res if n_res else NAN,
        sum(s) / n,
        float(m.trust.sum()) / n,
        np.count_nonzero(m.last_participation > m.week - WEEKS_PER_YEAR) / n,
        sum((s[1], s[3], s[5], s[7])) / g["elderly"] if g["elderly"] else NAN,
        sum((s[2], s[3], s[6], s[7])) / g["migrant"] if g["migrant"] else NAN,
        sum((s[4], s[5], s[6], s[7])) / g["renter"] if g["renter"] else NAN,
        d_res / d_closed if d_closed else NAN,
        legal[Outcome.RESOLVED] / n_legal if n_legal else NAN,
        pr[Outcome.ESCALATED] / pr_closed if pr_closed else NAN,
        (known - known_by[Channel.REPORTED]) / known if known else NAN,
        cb.weeks_to_known / known if known else NAN,
        m.fee_collection,
        cb.recurrences / n_res if n_res else NAN,
        float(len(m.firms)),
        float(created),
        float(n_res),
        float(n_esc),
        float(n_ab),
        float(created - n_closed),
    ])
