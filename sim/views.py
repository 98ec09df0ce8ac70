"""What households think: satisfaction with community life and trust in its organisations.

The state of the views process (docs/ODD.md, S7–S9): the two views per household
(rows of one block, so that the monthly update moves both at once), what each
compound remembers of how its cases end, this month's effects of its public matters,
and the constants of the monthly drift. The behaviour that moves them — feeling
one's own case, hearing how the compound's cases end, the monthly update — is the
households' (sim.agents.Resident); the survey bookkeeping that `share_satisfied`
reads is kept here, next to the satisfaction it follows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import ndtr

from sim.calendar import WEEKS_PER_MONTH

if TYPE_CHECKING:
    from sim.burn_in import BurnInState
    from sim.households import Households

# a compound's record of how its cases end before its households have heard of any
# closure: neutral, and replaced by the first closures heard of (no parameter: it
# matters only until then)
NO_RECORD = 0.5


class Views:
    """Satisfaction and trust per household, the compounds' record and mean trust, and
    the running sums the weekly outcomes read (in an observed model)."""

    def __init__(self, levers: Any, households: Households, observed: bool) -> None:
        self.households = households
        self.observed = observed
        n, c = households.n, households.n_compounds
        self.block = np.empty((2, n))
        self.satisfaction, self.trust = self.block
        self.survey_scale = 1.0 / levers.survey_noise_sd
        # per compound: its mean trust; this month's effects of public-matter outcomes
        # (rows satisfaction up, trust up, satisfaction down, trust down; applied at the
        # month's end); how its cases have been ending, a half-year memory of the share
        # resolved genuinely fed by the month's closures (what neighbours say), and the
        # weight of what it has heard so far (0: nothing yet) — the record is the
        # exponentially weighted mean of the monthly shares normalised by that weight, so
        # the first closures heard replace NO_RECORD entirely
        self.compound_trust = np.zeros(c)
        self.public = np.zeros((4, c))
        self.satisfaction_up, self.trust_up, self.satisfaction_down, self.trust_down = self.public
        self.responsiveness = np.full(c, NO_RECORD)
        self.record_weight = np.zeros(c)
        # the month's closures (households, and whether settled genuinely), told per
        # compound at the month's end
        self.closed_households: list[int] = []
        self.closed_genuine: list[bool] = []
        # satisfaction warranted by the environment: a floor for what the community does
        # not control, then property service, services used and responsiveness
        w = np.array([levers.satisfaction_weight_property, levers.satisfaction_weight_services,
                      levers.satisfaction_weight_responsiveness])
        w = w / w.sum() if w.sum() > 0 else np.full(3, 1 / 3)  # relative weights
        self.weights = (levers.satisfaction_floor, *((1.0 - levers.satisfaction_floor) * w))
        self.view_rate = WEEKS_PER_MONTH / levers.view_memory_weeks
        self.trust_rate = WEEKS_PER_MONTH / levers.trust_memory_weeks
        self.performance_rate = self.trust_rate * levers.trust_weight_performance
        # the part of the monthly drift that is per household (Resident.update_views):
        # towards the household's own offset and, for users of the community's services,
        # their share of what the environment warrants (satisfaction, refreshed monthly);
        # towards the disposition's share of the trust a household returns to (trust)
        self.target_household = np.stack((
            self.view_rate * households.satisfaction_offset,
            self.trust_rate * (1.0 - levers.trust_weight_performance) * households.trust_disposition))
        self.keep = np.array([[1.0 - self.view_rate], [1.0 - self.trust_rate]])
        self.coefficients = np.empty((4, c))
        self.responsiveness_rate = min(1.0, WEEKS_PER_MONTH / levers.responsiveness_memory_weeks)
        self.neighbour_rate = min(1.0, WEEKS_PER_MONTH * levers.neighbour_influence)

    def environment(self, quality: np.ndarray) -> np.ndarray:
        """Per compound, the satisfaction its environment warrants a household that has
        used no service: the floor, property service (`quality`) and responsiveness."""
        w = self.weights
        return w[0] + w[1] * quality + w[3] * self.responsiveness

    def start(self, quality: np.ndarray) -> None:
        """Views before any experience (the burn-in's start): satisfaction at what the
        environment warrants a household that has used no service yet and has no record
        to judge by, trust at its disposition."""
        h = self.households
        self.satisfaction[:] = np.clip(h.to_households(self.environment(quality)) + h.satisfaction_offset, 0.0, 1.0)
        self.trust[:] = h.trust_disposition
        self.compound_trust = h.compound_sum(self.trust) / h.compound_size
        self.note_change()

    def take_state(self, state: BurnInState) -> None:
        """Start from the households' and compounds' state at the end of the burn-in."""
        h = self.households
        self.satisfaction[:] = state.satisfaction
        self.trust[:] = state.trust
        h.propensity[:] = state.propensity
        h.last_participation[:] = state.last_participation
        h.last_activity[:] = state.last_activity
        self.responsiveness[:] = state.responsiveness
        self.record_weight[:] = state.record_weight
        self.compound_trust = h.compound_sum(self.trust) / h.compound_size
        self.note_change()

    def note_change(self, hh: np.ndarray | None = None, change: np.ndarray | None = None) -> None:
        """Keep the satisfaction summed by household group (Households.group_code), and
        each household's chance of answering "satisfied" with its sum
        (the outcome share_satisfied), which the weekly outcomes read: adjusted for
        the change of households hh (each once), or worked out afresh. (Not in an
        unobserved model: the burn-in.)"""
        if not self.observed:
            return
        h = self.households
        if hh is not None and len(set(hh.tolist())) == len(hh):
            self.satisfaction_by_group += np.bincount(h.group_code[hh], weights=change, minlength=8)
            chance = ndtr((self.satisfaction[hh] - h.survey_threshold[hh]) * self.survey_scale)
            self.satisfied_total += float((chance - self.satisfied_chance[hh]).sum())
            self.satisfied_chance[hh] = chance
        else:
            self.satisfaction_by_group = np.bincount(h.group_code, weights=self.satisfaction, minlength=8)
            self.satisfied_chance = ndtr((self.satisfaction - h.survey_threshold) * self.survey_scale)
            self.satisfied_total = float(self.satisfied_chance.sum())
