"""Service space (clauses 五, 八): where a facility is within reach, and what it adds.

Adequacy where a facility is within reach: m² per 100 households against a
half-saturation space, m / (m + half). Clause 五/八's coverage is a share of
communities or village groups with a facility: the evenly spread share
`facility_coverage` of compounds has one. Space acts through its uses only:
meetings and activities elsewhere happen in the open at `meeting_without_facility`
of a saturated facility's attendance (the venue), and the service desk serves needs
in the community's rooms (the desk factor).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sim.households import Households


class ServiceSpace:
    def __init__(self, levers: Any, households: Households) -> None:
        m2 = levers.facility_m2_per_100_households
        adequacy = m2 / (m2 + levers.facility_half_saturation)
        compound = np.arange(households.n_compounds)
        coverage = levers.facility_coverage
        covered = np.floor((compound + 1) * coverage) > np.floor(compound * coverage)
        self.adequacy = households.to_households(adequacy * covered)  # per household
        without = levers.meeting_without_facility
        self.venue = without + (1.0 - without) * self.adequacy
        dependence = levers.desk_space_dependence
        self.desk_factor = 1.0 - dependence + dependence * float(self.adequacy.mean())
