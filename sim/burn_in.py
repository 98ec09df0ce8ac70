"""The 2017 state of a community: its households after a burn-in under the regime
before the 2018 Implementation Opinions.

The views, propensities and participation a run starts from are not parameters tuned
to the model's own output: they are what the model's households come to under the
pre-2018 policy levers (sim.levers.PRE_POLICY, with the community's own context and
behaviour parameters), lived for `burn_in_weeks` from their dispositions. The same
seed gives the same households (the population stream does not depend on policy
levers), so household i of the burn-in is household i of the run.

A burn-in depends only on the pre-2018 regime, the community and the seed, not on the
scenario's policy levers: a sweep over policy levers with common random numbers
computes one per seed. It is cached in the process (least recently used first out).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from sim.levers import PRE_POLICY, Levers


@dataclass(frozen=True)
class BurnInState:
    """Per household: satisfaction, trust, propensity and weeks of last taking part and
    of last joining an activity (counted back from the run's week 0); per compound: the
    remembered share of cases resolved genuinely, and the weight of what it has heard.
    Read-only: shared between runs through the cache."""

    satisfaction: np.ndarray
    trust: np.ndarray
    propensity: np.ndarray
    last_participation: np.ndarray
    last_activity: np.ndarray
    responsiveness: np.ndarray
    record_weight: np.ndarray


def pre_policy_levers(levers: Mapping[str, Any]) -> Levers:
    """The regime of the burn-in: the community's levers with the pre-2018 policy (all
    of them valid levers: no need to check them again)."""
    return Levers({**levers, **PRE_POLICY, "burn_in_weeks": 0, "warmup_weeks": 0})


def pre_policy_state(model_class: type, levers: Mapping[str, Any], seed: int) -> BurnInState:
    """The state after `levers['burn_in_weeks']` weeks under the pre-2018 regime."""
    regime = pre_policy_levers(levers)
    return _burn_in(model_class, tuple(regime.items()), int(seed), int(levers["burn_in_weeks"]))


@lru_cache(maxsize=64)
def _burn_in(model_class: type, regime: tuple[tuple[str, Any], ...], seed: int, weeks: int) -> BurnInState:
    model = model_class(Levers(regime), seed=seed, observed=False)
    for _ in range(weeks):
        model.step()
    views, households = model.views, model.households
    arrays = (views.satisfaction.copy(), views.trust.copy(), households.propensity.copy(),
              households.last_participation - model.week, households.last_activity - model.week,
              views.responsiveness.copy(), views.record_weight.copy())
    for a in arrays:
        a.flags.writeable = False
    return BurnInState(*arrays)
