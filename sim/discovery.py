"""How latent cases come to the community's knowledge (docs/ODD.md, S3; clause 十).

A household reports its case (sim.agents.Resident.report_chance), or someone finds
it first: the grid worker's patrol, a registered volunteer's contact, or a social
organisation serving the household (outreach, as far as the three-social linkage lets
it pass problems on). The channels are rare and taken as additive; one uniform draw
per case decides whether and through which channel a case comes to light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.agents import Resident
from sim.cases import IS_DISPUTE, LATENT, CaseBook, Channel

if TYPE_CHECKING:
    from sim.households import Households
    from sim.slots import Slots
    from sim.views import Views

# needs are reported half as readily again as disputes (assumption: docs/ODD.md, S3)
NEED_REPORT_FACTOR = 1.5


class Discovery:
    """The chances of finding latent cases this week, per grid, and the draw."""

    def __init__(self, levers: Any, households: Households, views: Views, cases: CaseBook, slots: Slots,
                 rng: np.random.Generator) -> None:
        self.levers, self.households, self.views, self.cases, self.slots, self.rng = \
            levers, households, views, cases, slots, rng
        self.report_base = np.where(IS_DISPUTE, levers.report_prob_week,
                                    min(1.0, NEED_REPORT_FACTOR * levers.report_prob_week))
        g = households.n_grids
        self.grid_detect = [0.0] * g  # a visit's chance to find a latent case, per grid (the worker's skill)
        self.grid_find = np.zeros((2, g))  # this week's chance per grid: by patrol; by patrol or volunteer
        self.volunteer_visits_per_household = 0.0  # weekly (PartyOrganisation.mobilise_volunteers)

    def come_to_light(self, week: int) -> np.ndarray:
        """Latent cases become known. Returns them."""
        book, h = self.cases, self.households
        latent = (book.state == LATENT).nonzero()[0]
        if not len(latent):
            return latent
        hh = book.hh[latent]
        p_report = Resident.report_chance(self.report_base[book.ctype[latent]] * h.report_channel[hh],
                                          self.views.trust[hh], book.severity[latent])
        a, b = self.grid_find.take(h.grid[hh], axis=1)  # patrol; patrol or volunteer
        p_find = np.minimum(1.0, b + self.outreach_chance(hh))
        u = self.rng.random(len(latent))
        unreported = 1.0 - p_report
        known = (u < p_report + unreported * p_find).nonzero()[0]
        if len(known):
            # given the case came to light, where u falls tells the channel (case by
            # case: a few tens a week)
            channels = [0] * len(Channel)
            for ui, pi, ai, bi in zip(u[known].tolist(), p_report[known].tolist(), a[known].tolist(),
                                      b[known].tolist()):
                if ui < pi:
                    channels[Channel.REPORTED] += 1
                else:
                    v = (ui - pi) / max(1.0 - pi, 1e-12)  # uniform on [0, p_find)
                    channels[1 + (v >= ai) + (v >= bi)] += 1  # patrol, volunteer, outreach
            known = latent[known]
            book.make_known(known, channels, week)
        return known

    def outreach_chance(self, hh: np.ndarray) -> np.ndarray | float:
        """Social organisations serving a household notice its other troubles, as
        readily as the three-social linkage lets them pass them on."""
        link = self.levers.three_social_linkage
        if link == 0:
            return 0.0
        book = self.cases
        at_so = self.slots.is_social_org[book.slot]
        if not at_so.any():
            return 0.0
        served = np.zeros(self.households.n, bool)
        served[book.hh[at_so]] = True
        return (self.levers.outreach_find_prob * link) * served[hh]
