"""Compounds (小区/院落) and how they are managed (clause 十五).

A compound is managed by one property firm (sim.agents.PropertyFirm), governs itself
through a courtyard council, or is left unmanaged. Its state here: the mode, the firm
and owners' committee, service quality, fee collection, how closely its firm is
supervised, the legitimacy of its deliberated outcomes, how well the handlers whose
success depends on the compound work there, and where its property disputes go.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.slots import HandlerKind, Slots

if TYPE_CHECKING:
    from sim.households import Households


class Mode(IntEnum):
    MANAGED = 0        # a property firm under contract
    SELF_GOVERNED = 1  # a courtyard council (院落自治)
    UNMANAGED = 2      # nobody


MANAGED, SELF_GOVERNED, UNMANAGED = (int(m) for m in Mode)


class Compounds:
    """Per compound: management, service quality, fees, supervision and routes."""

    def __init__(self, levers: Any, households: Households, rng: np.random.Generator) -> None:
        self.levers = levers
        self.households = households
        c = self.n = households.n_compounds
        managed = np.zeros(c, bool)
        managed[rng.permutation(c)[:round(levers.property_firm_coverage * c)]] = True
        oc = np.zeros(c, bool)
        oc[rng.permutation(np.flatnonzero(managed))[:round(levers.owners_committee_share * managed.sum())]] = True
        self.unmanaged_mode = SELF_GOVERNED if levers.courtyard_self_governance else UNMANAGED
        self.mode = np.where(managed, MANAGED, self.unmanaged_mode)
        self.owners_committee = oc
        self.firm = np.where(managed, np.cumsum(managed) - 1, -1)  # the firm's number, or -1
        self.quality = np.full(c, levers.unmanaged_quality)
        self.collection = np.zeros(c)  # share of households paying the fee (last month)
        self.legitimacy = np.zeros(c)  # of deliberated outcomes: attendance at the last meeting
        self.supervision = np.full(c, levers.residents_committee_supervision)
        self.kind_factor = np.ones((c, len(HandlerKind)))
        self.kind_factor_list = self.kind_factor.tolist()
        self.managed_households = 0.0
        self.fee_collection = float("nan")

    def route_property_disputes(self, slots: Slots) -> None:
        """Where each compound's property disputes go (property_route[compound][severe])."""
        self.slots = slots
        self.property_route = [[slots.committee, slots.committee] for _ in range(self.n)]
        for c in range(self.n):
            self.set_property_route(c)

    def set_property_route(self, c: int) -> None:
        """To the firm, or when severe to the joint meeting (or the committee); to the
        courtyard council where the compound governs itself; to the committee where
        nobody manages it."""
        slots, mode = self.slots, self.mode[c]
        if mode == MANAGED:
            severe = slots.joint_meeting if self.levers.joint_meeting else slots.committee
            self.property_route[c] = [int(slots.firm0 + self.firm[c]), severe]
        else:
            self.property_route[c] = [slots.courtyard if mode == SELF_GOVERNED else slots.committee] * 2

    def lose_firm(self, c: int) -> None:
        """The firm of compound c has left: it governs itself or stays unmanaged."""
        self.mode[c] = self.unmanaged_mode
        self.firm[c] = -1
        self.collection[c] = 0.0
        self.supervision[c] = self.levers.residents_committee_supervision
        self.set_property_route(c)

    def count_fees(self) -> None:
        """The share of households of managed compounds that paid last month's fee."""
        managed = self.households.compound_size * (self.firm >= 0)
        self.managed_households = float(managed.sum())
        self.fee_collection = float((self.collection * managed).sum()) / self.managed_households \
            if self.managed_households else float("nan")

    def update_quality(self, trust: np.ndarray) -> None:
        """Service quality where no firm keeps it: an unmanaged compound's neglect, or a
        courtyard council's, as good as its residents trust each other (`trust`: the
        compounds' mean trust). Firms set their own (PropertyFirm.set_effort)."""
        if self.managed_households < self.households.n:
            levers, q = self.levers, self.quality
            q[self.mode == UNMANAGED] = levers.unmanaged_quality
            yard = self.mode == SELF_GOVERNED
            q[yard] = np.minimum(1.0, levers.unmanaged_quality + 0.5 * trust[yard])

    def update_kind_factor(self, trust: np.ndarray) -> None:
        """Handlers whose success depends on the compound: courtyard councils work as
        well as their residents trust each other; the joint meeting as well as the
        compound's firm is supervised."""
        f, levers = self.kind_factor, self.levers
        trust_weight, supervision_weight = levers.courtyard_trust_weight, levers.joint_meeting_supervision_weight
        f[:, HandlerKind.COURTYARD] = 1.0 - trust_weight + trust_weight * trust
        f[:, HandlerKind.JOINT_MEETING] = 1.0 - supervision_weight + supervision_weight * self.supervision
        self.kind_factor_list = f.tolist()
