"""Case work (docs/ODD.md, S5–S6): handlers work their cases, and cases end.

Every week each open case is settled by its handler, cleared off the books by staff
who cannot give it its time (closed on paper or passed upward), escalated beyond the
community by the household, or given up — competing risks drawn with one uniform per
case. What depends only on the handler (its share of attention, chance, the effect
of attention) is worked out per handler slot, and per case type, then looked up per
case. Ending a case lets the households concerned feel it (sim.agents.Resident.feel).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.agents import Resident
from sim.cases import (GENUINE, GIVEN_UP, IS_DISPUTE, LAPSED, PAPER, PASSED_UP, PETITIONED, RETURNS,
                       CaseBook, CaseType)
from sim.slots import HandlerKind, Slots

if TYPE_CHECKING:
    from sim.admin import AdminWork
    from sim.compounds import Compounds
    from sim.households import Households
    from sim.views import Views

PUBLIC = int(CaseType.PUBLIC)

# What each Ending (GENUINE, PETITIONED, GIVEN_UP, PAPER, PASSED_UP, LAPSED) does to the
# household's views, in units of case_outcome_impact: towards 1 when positive, towards
# 0 when negative. Being brushed off with a paper settlement costs trust fully and
# satisfaction half; being passed upward costs as much as having to petition; a
# swallowed grievance or unmet need costs half, and trust only where the community
# knew of it; a settlement that will not hold changes nothing yet (its grievance
# returns as a new case, which ends in its own way).
SATISFACTION_IMPACT = np.array([1.0, -1.0, -0.5, -0.5, -1.0, 0.0])
TRUST_IMPACT = np.array([1.0, -1.0, -0.5, -1.0, -1.0, 0.0])
# the Ending of each competing risk of work_cases: settled, closed on paper, passed
# upward, escalated by the household, given up
ENDING_OF_RISK = np.array([GENUINE, PAPER, PASSED_UP, PETITIONED, GIVEN_UP], np.int8)


class CaseWork:
    """What handlers do with the cases in hand, and what ending a case does."""

    def __init__(self, levers: Any, households: Households, views: Views, compounds: Compounds, cases: CaseBook,
                 slots: Slots, admin: AdminWork, rng: np.random.Generator) -> None:
        self.levers, self.households, self.views, self.compounds = levers, households, views, compounds
        self.cases, self.slots, self.admin, self.rng = cases, slots, admin, rng
        self.grid_slots = slice(slots.grid0, slots.grid0 + households.n_grids)
        slots.case_hours[self.grid_slots] = levers.grid_case_hours
        # staff's shortcuts (clause 十六): a case they cannot give its time is cleared off
        # their books with a weekly chance that follows its payoff in their assessment,
        # logit in (1 - w) - w x cost
        w = levers.satisfaction_weight_in_assessment
        payoff = (1.0 - w) - w * levers.shortcut_satisfaction_cost
        shortcut_chance = levers.shortcut_week / (1.0 + math.exp(-levers.incentive_sensitivity * payoff))
        # per handler slot, refreshed weekly (rows: settle, escalation factor, abandonment
        # factor, shortcut), and fixed (staff's shortcut chance, and 1 for the `none` slot)
        self.slot_table = np.zeros((6, slots.n))
        self.slot_table[4] = np.where(slots.staff, shortcut_chance, 0.0)
        self.slot_table[5, slots.none] = 1.0
        # what full attention does per slot: to escalation (people's mediation damps it
        # most), to abandonment (stops it)
        self.attention_effect = np.ones((2, slots.n))
        self.attention_effect[0] = levers.attention_escalation_damping
        self.attention_effect[0, slots.mediation] = levers.mediation_escalation_damping
        # per case type: escalation, abandonment, severity growth, is a dispute
        self.type_table = np.stack((np.where(IS_DISPUTE, levers.escalation_week, 0.0),
                                    np.where(IS_DISPUTE, levers.dispute_fade_week, levers.need_give_up_week),
                                    levers.severity_growth_week * IS_DISPUTE, IS_DISPUTE.astype(np.float64)))
        self.impact = (levers.case_outcome_impact * np.stack((SATISFACTION_IMPACT, TRUST_IMPACT))).tolist()
        # a compound's public matter moves every household of the compound by the share
        # public_matter_impact of case_outcome_impact (its own case moves it by the whole)
        self.public_impact = levers.public_matter_impact * levers.case_outcome_impact
        self.fit_table = fit_table(levers)
        self.settled_this_month: list[int] = []  # slots of this month's genuine settlements
        self.settled_by_slot = [0] * slots.n      # last month's

    def count_settled(self) -> None:
        """Monthly: last month's genuine settlements per slot (they teach: sim.skill)."""
        settled = self.settled_this_month
        self.settled_by_slot = np.bincount(np.array(settled, np.int64), minlength=self.slots.n).tolist()
        settled.clear()

    def assign_cases(self, idx: np.ndarray, slots: list[int], week: int, ctype: list[int] | None = None,
                     hh: list[int] | None = None, severity: list[float] | None = None) -> None:
        """Hand cases to handlers, noting how well each handler suits its case: its
        kind, the compound (courtyards, joint meeting) and the case's severity. (The
        caller may pass the cases' type, household and severity as lists.) Case by
        case: cases are handed over a few at a time."""
        book = self.cases
        if ctype is None:
            ctype, hh, severity = book.ctype[idx].tolist(), book.hh[idx].tolist(), book.severity[idx].tolist()
        kind, fit = self.slots.kind_list, self.fit_table
        factor, comp = self.compounds.kind_factor_list, self.households.compound_list
        penalty = self.levers.severity_penalty
        fits = [fit[t][kind[x]] * factor[comp[h]][kind[x]] * (1.0 - penalty * sv)
                for x, t, h, sv in zip(slots, ctype, hh, severity)]
        book.assign(idx, slots, fits, week)

    def work_cases(self, week: int) -> None:
        """One week of every open case: the competing risks, and the cases that end."""
        levers, book, slots = self.levers, self.cases, self.slots
        n = len(book)
        if n == 0:
            return
        ctype, severity, slot = book.ctype, book.severity, book.slot
        load = np.bincount(slot, minlength=slots.n)
        # grid workers give the cases now in hand (this week's new ones too) the time they
        # need, up to the share of their free time they keep for cases
        grid = self.grid_slots
        slots.hours[grid] = np.minimum(load[grid] * levers.grid_case_hours,
                                       levers.grid_case_time_share * self.admin.free_hours)
        # the legal advisor's hours serve legally complex disputes (advice to whoever
        # handles them) and legal needs brought to the advisor, all in the same proportion
        legal = book.legal & (slot != slots.none)
        n_legal = np.count_nonzero(legal)
        demand = n_legal * levers.legal_case_hours + load[slots.legal] * slots.case_hours[slots.legal]
        advice = min(1.0, levers.legal_advisor_hours_per_week / demand) if demand > 0 else 1.0
        slots.hours[slots.legal] = advice * load[slots.legal] * slots.case_hours[slots.legal]
        # per slot: the chance to settle at the share of attention it can give; what
        # attention (or a place on a scheduled meeting's agenda) does to the risks (it
        # halves escalation and stops grievances fading and needs being given up); and
        # staff's chance of clearing a case off their books, in proportion to the
        # attention they cannot give
        share = slots.share(load)
        table = self.slot_table  # rows: settle, escalation factor, abandonment factor, shortcut, overdue shortcut, no handler
        np.multiply(slots.prob, share, out=table[0])
        attention = table[1:3]  # rows 1 - damping x attention, 1 - attention
        np.multiply(self.attention_effect, np.where(slots.is_meeting, 1.0, share), out=attention)
        np.subtract(1.0, attention, out=attention)
        np.subtract(1.0, share, out=table[3])
        table[3] *= table[4]
        settle, esc_factor, ab_factor, shortcut, overdue_shortcut, no_handler = table.take(slot, axis=1)
        esc, ab, dispute, is_dispute = self.type_table.take(ctype, axis=1)
        p_settle = settle * book.fit
        if n_legal:
            np.multiply(p_settle, levers.legal_floor + (1.0 - levers.legal_floor) * advice, out=p_settle, where=legal)
        # a deliberation is as legitimate as its attendance
        if slots.hours[slots.deliberation] > 0:
            delib = (slot == slots.deliberation).nonzero()[0]
            floor = levers.deliberation_legitimacy_floor
            legitimacy = self.compounds.legitimacy[self.households.compound[book.hh[delib]]]
            p_settle[delib] *= floor + (1.0 - floor) * legitimacy
        np.minimum(p_settle, 1.0, out=p_settle)
        # staff clear a case they hold past the platform's deadline as readily as one
        # they have no time for; severe disputes are passed upward, the rest closed on
        # paper (needs are never passed upward)
        overdue_shortcut *= book.slot_since <= week - levers.closure_deadline_weeks
        np.maximum(shortcut, overdue_shortcut, out=shortcut)
        dispute_severity = severity * is_dispute  # a need's severity does not matter here
        p_up = shortcut * dispute_severity
        # escalation grows with severity and weeks open; unattended grievances fade, and
        # needs waiting unserved are given up
        p_escalate = esc * esc_factor
        p_escalate *= severity * (book.clock + week * book.age_rate)
        p_abandon = ab * ab_factor
        p_abandon *= 1.0 - dispute_severity  # lighter grievances fade sooner
        # the risks' running sums: settled, + closed on paper, + passed upward, + escalated, + given up
        risks = np.empty((5, n))
        risks[0] = p_settle
        np.add(risks[0], shortcut - p_up, out=risks[1])
        np.add(risks[1], p_up, out=risks[2])
        np.add(risks[2], p_escalate, out=risks[3])
        np.add(risks[3], p_abandon, out=risks[4])
        u = self.rng.random(n) * np.maximum(1.0, risks[4])  # rescaled where the risks exceed 1
        # disputes nobody is handling worsen (those ending now too: it no longer matters)
        dispute *= no_handler  # the type table's row holds severity_growth_week for disputes
        lighter = 1.0 - severity
        lighter *= dispute
        severity += lighter
        ending = (u < risks[4]).nonzero()[0]
        if len(ending):
            u, p_settle = u[ending], p_settle[ending]
            risk = (u[None, :] >= risks[:4, ending]).sum(axis=0)
            self.end_cases(ending, ENDING_OF_RISK[risk], ctype[ending], slot[ending], u, p_settle, week)

    def end_cases(self, idx: np.ndarray, ending: np.ndarray, ctype: np.ndarray, slot: np.ndarray,
                  u: np.ndarray, p_settle: np.ndarray, week: int) -> None:
        """Close the cases ending this week, each with its Ending.

        A dispute's settlement holds with its handler's hold chance (u / p_settle is
        uniform given settlement: its top share lapses), else it lapses and the
        grievance comes back, as it does after a paper closure. Top-down decisions on
        public matters are accepted, or petitioned upward. Case by case: a week ends a
        few tens of cases, too few for array arithmetic to pay.
        """
        book, slots, levers = self.cases, self.slots, self.levers
        ending, ctype, slot = ending.tolist(), ctype.tolist(), slot.tolist()
        committee, hold = slots.committee, slots.hold
        decided = []
        for i, (e, t, x, ui, pi) in enumerate(zip(ending, ctype, slot, u.tolist(), p_settle.tolist())):
            if e == GENUINE:
                if x == committee and t == PUBLIC:
                    decided.append(i)
                elif t <= PUBLIC and ui >= hold[x] * pi:
                    ending[i] = LAPSED
        if decided:
            hh = book.hh[idx[decided]]
            weight = levers.topdown_trust_weight
            accept = levers.topdown_acceptance * (1.0 - weight + weight * self.views.trust[hh])
            for i, yes in zip(decided, (self.rng.random(len(hh)) < accept).tolist()):
                ending[i] = GENUINE if yes else PETITIONED
            np.add.at(self.views.trust_down, self.households.compound[hh], self.public_impact)
        # only genuine settlements teach (paper, lapsed ones and rejected decisions do not)
        genuine = [e == GENUINE for e in ending]
        self.settled_this_month.extend(x for x, g in zip(slot, genuine) if g)
        back = [i for i, e in enumerate(ending) if RETURNS[e]]
        if back:
            back = idx[back]
            book.recurrences += len(back)
            book.add(week, book.ctype[back], book.hh[back],
                     np.minimum(1.0, book.severity[back] + levers.recurrence_severity_step), book.legal[back])
        self.close_cases(idx, ending, week, ctype, slot, genuine)

    def close_cases(self, idx: np.ndarray, ending: list[int] | int, week: int, ctype: list[int] | None = None,
                    slot: list[int] | None = None, genuine: list[bool] | None = None) -> None:
        """Close cases (by Ending), and let the households concerned feel it: their own
        case moves their satisfaction, and their trust where the community's
        organisations were involved; a compound's public matter moves the compound.
        (The caller may pass the cases' type and slot, and ending == GENUINE, as lists.)"""
        book, views = self.cases, self.views
        if isinstance(ending, int):
            ending = [ending] * len(idx)
        if ctype is None:
            ctype, slot = book.ctype[idx].tolist(), book.slot[idx].tolist()
        if genuine is None:
            genuine = [e == GENUINE for e in ending]
        hh, known = book.close(idx, ctype, ending, slot, week)
        views.closed_households.extend(hh.tolist())
        views.closed_genuine.extend(genuine)
        if PUBLIC in ctype:
            comp, x = self.households.compound_list, self.public_impact
            delib = self.slots.deliberation
            for h, t, e, sx, k in zip(hh.tolist(), ctype, ending, slot, known):
                if t == PUBLIC:
                    if e == GENUINE:
                        views.satisfaction_up[comp[h]] += x
                        if sx == delib:
                            views.trust_up[comp[h]] += x
                    elif e == PETITIONED or e == PASSED_UP:
                        views.satisfaction_down[comp[h]] += x
                        if k:  # like a household's own case: trust suffers only if the community knew
                            views.trust_down[comp[h]] += x
            own = [t != PUBLIC for t in ctype]
            hh = hh[own]
            ending, slot, known, genuine = ([v for v, o in zip(col, own) if o] for col in (ending, slot, known, genuine))
        # trust moves only where the community knew of the case; a settlement raises it
        # only where the community's own organisations (not the firm) settled it
        sat, trust, community = self.impact[0], self.impact[1], self.slots.community_list
        impact = np.array([[sat[e] for e in ending],
                           [trust[e] * (community[sx] if g else k) for e, sx, g, k in zip(ending, slot, genuine, known)]])
        Resident.feel(views, hh, np.array(genuine, bool), impact)


def fit_table(levers: Any) -> list[list[float]]:
    """How well a handler of each kind suits each case type, beyond time and skill."""
    fit = np.ones((len(CaseType), len(HandlerKind)))
    # psychological support needs qualified social workers
    fit[CaseType.PSYCH, :] = 0.3 + 0.7 * levers.professional_social_worker_share
    fit[CaseType.PSYCH, HandlerKind.SOCIAL_ORG] = 1.0
    # legal needs at the desk: the committee can only point the way
    fit[CaseType.LEGAL_NEED, HandlerKind.DESK] = levers.desk_legal_fit
    # the residents' committee: its chance depends on what it is asked to do —
    # decide a public matter top-down, mediate a property dispute without authority
    # over the firm, or mediate a neighbour dispute itself
    fit[:, HandlerKind.COMMITTEE] = 0.0
    fit[CaseType.PUBLIC, HandlerKind.COMMITTEE] = levers.committee_decision_prob
    fit[CaseType.PROPERTY, HandlerKind.COMMITTEE] = levers.committee_property_prob
    fit[CaseType.NEIGHBOUR, HandlerKind.COMMITTEE] = levers.committee_mediation_fit * levers.mediation_prob
    return fit.tolist()
