"""The households of a community and where they live.

Who the households are (migrant, owner, elderly, vulnerable, on the platform) and
their lasting dispositions are drawn once, from the population's own random stream,
so that the same seed gives the same households whatever the policy levers do later
(common random numbers). Compounds and grids are contiguous blocks of households:
a compound's value reaches its households by np.repeat, and per-compound sums are
np.add.reduceat. Nothing here changes during a run except the participation state
(propensity and the weeks of last taking part).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

NEVER = -10_000  # the week of something that has not happened


class Households:
    """Per household: traits, dispositions and participation; the compound and grid
    layout; and the sums and spreads between households and compounds."""

    def __init__(self, levers: Any, rng: np.random.Generator) -> None:
        n = self.n = levers.households
        self.migrant = rng.random(n) < levers.migrant_share
        # migrants mostly rent: their ownership is migrant_owner_ratio times locals', keeping the mean
        ratio = levers.migrant_owner_ratio
        local_owner = min(1.0, levers.owner_share / max(1.0 - (1.0 - ratio) * levers.migrant_share, 1e-9))
        self.owner = rng.random(n) < np.where(self.migrant, ratio * local_owner, local_owner)
        self.elderly = rng.random(n) < levers.elderly_share
        self.vulnerable = rng.random(n) < levers.vulnerable_share
        # the digital divide: elderly adopt at elderly_digital_ratio times others' rate
        e, r = levers.elderly_share, levers.elderly_digital_ratio
        other = min(1.0, levers.digital_platform_adoption / max(1.0 - e + e * r, 1e-9))
        self.digital = rng.random(n) < np.where(self.elderly, r * other, other)
        # access to community affairs and facilities: migrants as far as they are included
        self.access = np.where(self.migrant, levers.migrant_inclusion, 1.0)
        # how readily a household reports a case: more on the platform; migrants less, unless included
        factor = levers.migrant_report_factor
        self.report_channel = (1.0 + levers.digital_report_boost * self.digital) * np.where(
            self.migrant, factor + (1 - factor) * levers.migrant_inclusion, 1.0)
        # how much an owner's own satisfaction colours their view of the property service
        # (landlords of rented homes, who do not live there, judge by the service alone)
        self.fee_view_weight = levers.fee_view_satisfaction_weight * self.owner
        # lasting individual differences: the disposition to trust, the propensity to take
        # part, how hard to please, and where on the answer scale "satisfied" begins
        # (the outcome share_satisfied, sim.outcomes)
        gap = max(levers.trust_disposition - levers.migrant_trust_gap, 0.02)
        self.trust_disposition = _beta(rng, np.where(self.migrant, gap, levers.trust_disposition), 10.0, n)
        self.base_propensity = _beta(rng, levers.participation_propensity, 5.0, n)
        self.propensity = self.base_propensity.copy()
        self.satisfaction_offset = levers.satisfaction_disposition_sd * rng.standard_normal(n)
        self.survey_threshold = levers.survey_threshold_mean + levers.survey_threshold_sd * rng.standard_normal(n)
        self.last_participation = np.full(n, NEVER)  # week of last taking part
        self.last_activity = np.full(n, NEVER)  # week of last joining an activity
        # compounds are contiguous blocks; grids are contiguous blocks cutting across them
        c = self.n_compounds = max(1, math.ceil(n / levers.compound_size))
        self.compound = np.arange(n) * c // n
        self.compound_list = self.compound.tolist()
        self.compound_size = np.bincount(self.compound, minlength=c).astype(np.float64)
        self._compound_start = np.searchsorted(self.compound, np.arange(c))
        self._compound_households = np.diff(np.append(self._compound_start, n))
        g = self.n_grids = max(1, math.ceil(n / levers.households_per_grid))
        self.grid = np.arange(n) * g // n
        self.grid_list = self.grid.tolist()
        self.grid_size = np.bincount(self.grid, minlength=g)
        self.grid_size_list = self.grid_size.tolist()
        self.group_code = group_codes(self.elderly, self.migrant, ~self.owner)
        self.group_size = {"elderly": int(self.elderly.sum()), "migrant": int(self.migrant.sum()),
                           "renter": int((~self.owner).sum())}

    def compound_sum(self, x: np.ndarray) -> np.ndarray:
        """Per compound, the sum of x over its households (along the last axis)."""
        return np.add.reduceat(x, self._compound_start, axis=-1, dtype=np.float64)

    def to_households(self, x: np.ndarray) -> np.ndarray:
        """A value per compound (along the last axis) as a value per household."""
        return np.repeat(x, self._compound_households, axis=-1)


def group_codes(elderly: np.ndarray, migrant: np.ndarray, renter: np.ndarray) -> np.ndarray:
    """Each household's combination of the groups outcomes are reported for (0..7):
    bit 0 elderly, bit 1 migrant, bit 2 renter."""
    return elderly.astype(np.int64) + 2 * migrant + 4 * renter


def _beta(rng: np.random.Generator, mean: float | np.ndarray, concentration: float, n: int) -> np.ndarray:
    mean = np.clip(mean, 1e-3, 1 - 1e-3)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n)
