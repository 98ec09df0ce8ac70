"""Administrative work from above (clauses 四, 十四; docs/ODD.md, S16).

Tasks pushed down to the community arrive monthly as a Poisson flow. Those on the
community's list of duties are taken; the others as far as the access system (准入)
does not turn them back. The accepted tasks take the workers' hours first (they are
assessed on them), up to all of their hours; what is left is the workers' free time
for residents. `admin_time_share` is what results, not an input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.calendar import WEEKS_PER_MONTH


class AdminWork:
    """This month's administrative hours per worker, and the hours counted since the
    start (or the warm-up's end) for `admin_time_share`."""

    def __init__(self, levers: Any, workers: float) -> None:
        self.levers = levers
        self.workers = workers  # community workers and grid workers
        # the rate pushed down per worker-week, and the chance one is accepted
        self.tasks_week = levers.admin_burden_share * levers.work_hours_week / levers.admin_task_hours
        self.accept = 1.0 - (1.0 - levers.admin_listed_share) * levers.task_access_refusal
        self.hours = 0.0       # administrative hours per worker-week this month
        self.free_hours = levers.work_hours_week
        self.hours_spent = 0.0  # over all workers
        self.hours_total = 0.0

    def assign_admin_tasks(self, rng: np.random.Generator) -> None:
        """Monthly: this month's tasks, pushed down and accepted."""
        levers, workers = self.levers, self.workers
        pushed = rng.poisson(self.tasks_week * workers * WEEKS_PER_MONTH)
        accepted = rng.binomial(pushed, self.accept) if pushed else 0
        per_worker_week = accepted * levers.admin_task_hours / max(workers * WEEKS_PER_MONTH, 1e-9)
        self.hours = min(levers.work_hours_week, per_worker_week)
        self.free_hours = levers.work_hours_week - self.hours

    def count_week(self) -> None:
        self.hours_spent += self.hours * self.workers
        self.hours_total += self.levers.work_hours_week * self.workers

    def restart_counts(self) -> None:
        """Count afresh (after a warm-up)."""
        self.hours_spent = self.hours_total = 0.0
