"""How cases arise (docs/ODD.md, S1): households fall into disputes and needs, and
compounds raise public matters.

Cases arise as independent Poisson processes per household and type, at yearly rates
that are levers (the property-dispute rate rises as service quality falls). Only the
property rate changes during a run, monthly; the rest are fixed at the start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.calendar import WEEKS_PER_YEAR
from sim.cases import N_TYPES, CaseBook, CaseType

if TYPE_CHECKING:
    from sim.households import Households

# health needs are three times as frequent in elderly households; psychological
# support needs 30 times as frequent in vulnerable ones (assumptions: docs/ODD.md, S1)
ELDERLY_HEALTH_FACTOR = 3.0
VULNERABLE_PSYCH_FACTOR = 30.0


class CaseArising:
    """Weekly rates per household and type, and the draws of new cases."""

    def __init__(self, levers: Any, households: Households, cases: CaseBook, rng: np.random.Generator) -> None:
        self.levers, self.households, self.cases, self.rng = levers, households, cases, rng
        h = households
        yearly = np.zeros((h.n, N_TYPES))
        yearly[:, CaseType.NEIGHBOUR] = levers.rate_neighbour_dispute
        yearly[:, CaseType.PUBLIC] = levers.rate_public_matter / h.compound_size[h.compound]
        yearly[:, CaseType.ELDERLY_CARE] = levers.rate_elderly_care_need * h.elderly
        yearly[:, CaseType.HEALTH] = levers.rate_health_need * np.where(h.elderly, ELDERLY_HEALTH_FACTOR, 1.0)
        yearly[:, CaseType.LEGAL_NEED] = levers.rate_legal_need
        yearly[:, CaseType.PSYCH] = levers.rate_psych_need * np.where(h.vulnerable, 1.0, 1 / VULNERABLE_PSYCH_FACTOR)
        self.static_rates = yearly / WEEKS_PER_YEAR  # the PROPERTY column stays 0 here
        self.static_rate_sum = self.static_rates.sum(axis=1)
        # the share of disputes that need legal knowledge (a legal need is legal by its
        # type: the flag marks disputes only)
        self.legal_share_by_type = np.zeros(N_TYPES)
        self.legal_share_by_type[[CaseType.NEIGHBOUR, CaseType.PROPERTY]] = levers.legal_complexity_share

    def update_case_rates(self, quality: np.ndarray) -> None:
        """Monthly: property-dispute rates follow each compound's service quality; and
        the running sum of every household's total rate."""
        levers = self.levers
        self.property_rate = (levers.rate_property_dispute + levers.rate_property_dispute_poor_service * (1.0 - quality)) \
            / WEEKS_PER_YEAR
        self.rate_cumulative = np.cumsum(self.static_rate_sum + self.households.to_households(self.property_rate))
        self.rate_total = float(self.rate_cumulative[-1])

    def case_rates(self, hh: np.ndarray) -> np.ndarray:
        """This month's weekly rate of each case type, for households hh."""
        rates = self.static_rates.take(hh, axis=0)
        rates[:, CaseType.PROPERTY] = self.property_rate[self.households.compound[hh]]
        return rates

    def raise_cases(self, week: int) -> None:
        """The week's new cases. Their number is Poisson with the summed rate; each picks
        its household in proportion to the household's total rate (bisection of the
        running sum, rebuilt monthly), then its type in proportion to that household's
        rates."""
        rng = self.rng
        n = rng.poisson(self.rate_total)
        if n:
            u = rng.random((n, 2))
            hh = np.searchsorted(self.rate_cumulative, u[:, 0] * self.rate_total, side="right")
            hh = np.minimum(hh, self.households.n - 1)
            cum = np.cumsum(self.case_rates(hh), axis=1)
            ctype = (u[:, 1:] * cum[:, -1:] >= cum).sum(axis=1)
            self.open_cases(np.minimum(ctype, N_TYPES - 1), hh, week)

    def open_cases(self, ctype: np.ndarray, hh: np.ndarray, week: int) -> None:
        """New latent cases for households hh (severity and legal complexity drawn)."""
        n, mean = len(hh), self.levers.initial_severity_mean
        severity = self.rng.beta(6 * mean, 6 * (1 - mean), n)
        legal = self.rng.random(n) < self.legal_share_by_type[ctype]
        self.cases.add(week, ctype, hh, severity, legal)
