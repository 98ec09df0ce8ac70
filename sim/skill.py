"""Skill (docs/ODD.md, S10): what it is worth and how it changes.

One set of rules for every worker who handles cases — grid workers one by one, the
pooled community workers and people's mediators — so that the skill floor, the
effect of skill on a handler's chances and on whether its settlements hold, and the
monthly learning are each written once.
"""

from __future__ import annotations

import math
from typing import Any

from sim.calendar import WEEKS_PER_MONTH, WEEKS_PER_YEAR

# a pool of workers starts 30% of the way from its skill floor to full skill (grid
# workers draw their own start, uniformly 10–50% of the way: sim.model)
POOLED_START = 0.3


class SkillRules:
    """The skill rules under one scenario's levers."""

    def __init__(self, levers: Any) -> None:
        self.levers = levers
        self.training_interval_weeks = max(WEEKS_PER_MONTH, round(levers.training_interval_years * WEEKS_PER_YEAR))
        self.retention_month = math.exp(-WEEKS_PER_MONTH / levers.skill_decay_weeks)
        self.experience_keep = 1.0 - levers.experience_gain

    def floor_of(self, professional_share: float) -> float:
        """The skill a worker (or pool of workers, by its qualified share) falls back to."""
        return self.levers.skill_floor + self.levers.professional_skill_bonus * professional_share

    def initial_pooled(self, professional_share: float) -> float:
        """Mean starting skill of a pool of workers (community workers, mediators)."""
        floor = self.floor_of(professional_share)
        return floor + (1 - floor) * POOLED_START

    def factor(self, skill: float) -> float:
        """How skill scales a handler's weekly chances (settling, a visit finding a
        case): 1 at full skill, 1 - skill_effect at none."""
        return 1.0 - self.levers.skill_effect * (1.0 - skill)

    def settlement_hold(self, skill: float) -> float:
        """The chance that a dispute's settlement by a handler of this skill holds."""
        floor = self.levers.settlement_hold_floor
        return floor + (1.0 - floor) * skill

    def mediation_agreement_hold(self, skill: float) -> float:
        """A people's-mediation agreement is binding (People's Mediation Law 2010, art.
        31, 33): it prevents the share mediation_agreement_binding of the lapses an
        informal settlement at that skill would have."""
        return 1.0 - (1.0 - self.settlement_hold(skill)) * (1.0 - self.levers.mediation_agreement_binding)

    def next_month(self, skill: float, floor: float, trained: float, settled: float) -> float:
        """A month of a worker's skill: it decays towards the floor, training closes the
        share `trained` of the gap to full skill, and each case settled closes
        experience_gain of what is left."""
        k = floor + (skill - floor) * self.retention_month
        k += trained * (1.0 - k)
        k += (1.0 - k) * (1.0 - self.experience_keep ** settled)
        return min(k, 1.0)

    def trained_this_month(self, week: int, phase: int) -> float:
        """The share of the gap a worker whose training cycle is offset by `phase` weeks
        closes this month: training_gain in the month of its training, else nothing."""
        due = (week + phase) % self.training_interval_weeks < WEEKS_PER_MONTH
        return self.levers.training_gain if due else 0.0

    def trained_share_of_pool(self) -> float:
        """A pool is trained a share at a time (all of it once per interval): the part
        of the gap the pool closes a month on average."""
        return self.levers.training_gain * WEEKS_PER_MONTH / self.training_interval_weeks
