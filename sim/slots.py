"""Handler slots: who can hold a case, with what time and what chance of settling it.

Each organisation that handles cases owns one slot (one per grid worker, social
organisation and property firm; one each for the mediation committee, the
residents' committee's service desk and its decisions, courtyard councils, the
joint meeting, deliberation and the legal advisor). Agents set their slot's hours
weekly settlement chance and the chance a settlement holds when they plan — except the grid workers' case hours
and the legal advisor's, which follow the week's caseload and are set in
`GovernanceModel.work_cases` — and the model then works every open case in one
vectorised pass.

Capacity is shared like a processor: a slot with H hours and n cases each needing h
hours a week gives every case the share min(1, H / (n h)) of the attention it needs.
Meetings have an agenda instead: hours = agenda items, h = 1.

One extra slot, `none`, stands for "no handler" (latent, known and closed cases): it
has no time (so no share of attention) and no chance, so every open case can be
looked up without masking, and `slot == s` alone means "in hand at s".
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.cases import CaseType


class HandlerKind(IntEnum):
    GRID = 0
    MEDIATION = 1
    DESK = 2
    COMMITTEE = 3
    COURTYARD = 4
    JOINT_MEETING = 5
    DELIBERATION = 6
    LEGAL = 7
    SOCIAL_ORG = 8
    FIRM = 9
    NONE = 10


# Kinds staffed by community workers, who may clear a case they cannot give its time
# off their books (on paper, or upward) as their assessment rewards it (clause 十六).
STAFF_KINDS = (HandlerKind.GRID, HandlerKind.DESK, HandlerKind.COMMITTEE)
# Kinds whose settlement shows residents that the community's own organisations work.
COMMUNITY_KINDS = tuple(k for k in HandlerKind if k not in (HandlerKind.FIRM, HandlerKind.NONE))


class Slots:
    """The slot table: kinds and this week's hours and chances."""

    def __init__(self, n_grid: int, so_types: list[CaseType], n_firms: int) -> None:
        kinds = ([HandlerKind.GRID] * n_grid
                 + [HandlerKind.MEDIATION, HandlerKind.DESK, HandlerKind.COMMITTEE, HandlerKind.COURTYARD,
                    HandlerKind.JOINT_MEETING, HandlerKind.DELIBERATION, HandlerKind.LEGAL]
                 + [HandlerKind.SOCIAL_ORG] * len(so_types) + [HandlerKind.FIRM] * n_firms + [HandlerKind.NONE])
        self.kind = np.array(kinds, np.int8)
        self.n = len(kinds)
        self.grid0 = 0
        self.mediation = n_grid
        self.desk = n_grid + 1
        self.committee = n_grid + 2
        self.courtyard = n_grid + 3
        self.joint_meeting = n_grid + 4
        self.deliberation = n_grid + 5
        self.legal = n_grid + 6
        self.so0 = n_grid + 7
        self.firm0 = self.so0 + len(so_types)
        self.none = self.n - 1
        self.hours = np.zeros(self.n)             # capacity this week
        self.case_hours = np.ones(self.n)         # need per case-week
        self.prob = np.zeros(self.n)              # weekly settlement chance at full attention
        self.hold = np.ones(self.n)               # chance a dispute's settlement here holds
        self.staff = np.isin(self.kind, STAFF_KINDS)
        self.community = np.isin(self.kind, COMMUNITY_KINDS)
        self.is_firm = self.kind == HandlerKind.FIRM
        self.is_social_org = self.kind == HandlerKind.SOCIAL_ORG
        self.is_meeting = np.isin(self.kind, (HandlerKind.JOINT_MEETING, HandlerKind.DELIBERATION))
        # slots whose cases a social organisation could take instead (three-social linkage)
        # (only case types some organisation serves are ever referred: needs, and
        # neighbour disputes bound for mediation or, without mediators, the committee)
        self.referable = np.isin(self.kind, (HandlerKind.DESK, HandlerKind.LEGAL, HandlerKind.MEDIATION, HandlerKind.COMMITTEE))
        # the social organisations serving each case type: first slot and how many
        self.so_first = np.zeros(len(CaseType), np.int32)
        self.so_count = np.zeros(len(CaseType), np.int32)
        for ct in CaseType:
            mine = [self.so0 + i for i, t in enumerate(so_types) if t == ct]
            if mine:
                self.so_first[ct], self.so_count[ct] = mine[0], len(mine)
        # as lists, for case-by-case decisions (PartyOrganisation.refer)
        self.kind_list = self.kind.tolist()
        self.staff_list = self.staff.tolist()
        self.community_list = self.community.tolist()
        self.so_first_list = self.so_first.tolist()
        self.so_last_list = (self.so_first + self.so_count - 1).tolist()
        # referable_to_so[slot][type]: could a social organisation take this case instead?
        self.referable_to_so_list = (self.referable[:, None] & (self.so_count > 0)[None, :]).tolist()
        order = sorted(range(len(so_types)), key=lambda i: so_types[i])
        if order != list(range(len(so_types))):
            raise ValueError("social organisations must be grouped by service type")

    def share(self, load: np.ndarray) -> np.ndarray:
        """Per slot, the share of needed attention each of its cases gets this week."""
        # (0 for `none`, whose hours are 0)
        return np.minimum(1.0, self.hours / np.maximum(load * self.case_hours, 1e-300))
