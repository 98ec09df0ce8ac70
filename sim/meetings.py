"""When the community's meetings sit (clauses 七, 十五).

Deliberation meets `deliberation_per_year` times a year, spread evenly, each in the
middle of its share of the year (the k-th in week ceil(52 (k - 1/2) / n)); the joint
meeting on property disputes every `joint_meeting_interval_weeks`. Triage also asks
whether a deliberation sits within the longest wait the committee accepts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.calendar import WEEKS_PER_YEAR


class MeetingCalendar:
    def __init__(self, levers: Any) -> None:
        self.levers = levers
        n, w = levers.deliberation_per_year, np.arange(WEEKS_PER_YEAR)
        calendar = np.floor((2 * w + 2) * n / (2 * WEEKS_PER_YEAR) + 0.5) > np.floor((2 * w) * n / (2 * WEEKS_PER_YEAR) + 0.5)
        wait = levers.deliberation_max_wait_weeks
        ahead = np.concatenate([calendar] * (2 + wait // WEEKS_PER_YEAR))
        self.deliberation = calendar.tolist()
        self.deliberation_soon = [bool(ahead[i:i + wait + 1].any()) for i in range(WEEKS_PER_YEAR)]

    def deliberation_sits(self, week: int) -> bool:
        return self.deliberation[(week - 1) % WEEKS_PER_YEAR]

    def deliberation_near(self, week: int) -> bool:
        """Does a deliberation sit within the longest wait the committee accepts?"""
        return self.deliberation_soon[(week - 1) % WEEKS_PER_YEAR]

    def joint_meeting_sits(self, week: int) -> bool:
        return bool(self.levers.joint_meeting) and week % self.levers.joint_meeting_interval_weeks == 0
