"""The five kinds of agent and their behaviour.

Residents are numerous: each household is a Mesa agent that reads its own row of
the model's arrays, and the population's behaviour (raising cases, reporting them,
taking part, paying fees, updating views) is written as class-level methods that act
on every household at once. Grid workers, the party organisation, social
organisations and property firms are few; each decides for itself as an ordinary
Mesa agent.

Each method is named after the process of docs/ODD.md that it implements.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.calendar import WEEKS_PER_MONTH, WEEKS_PER_YEAR
from sim.cases import CaseType

NEIGHBOUR, PROPERTY, PUBLIC = int(CaseType.NEIGHBOUR), int(CaseType.PROPERTY), int(CaseType.PUBLIC)

# The population methods take the model, `m`: the sim.model.GovernanceModel that owns
# the arrays they read. Annotated as the Mesa model it is, so that this module need not
# import sim.model (which imports it): the import runs one way.
GovernanceModel = mesa.Model

def next_skill(m: GovernanceModel, k: float, floor: float, trained: float, settled: float) -> float:
    """A month of a worker's skill: it decays towards the floor, training closes the
    share `trained` of the gap to full skill, and each case settled closes
    experience_gain of what is left."""
    k = floor + (k - floor) * m.skill_retention_month
    k += trained * (1.0 - k)
    k += (1.0 - k) * (1.0 - m.experience_keep ** settled)
    return min(k, 1.0)


# ------------------------------------------------------------------------------------
class Resident(mesa.Agent):
    """A household. Its state lives in row `idx` of the model's household arrays."""

    def __init__(self, model: GovernanceModel, idx: int) -> None:
        super().__init__(model)
        self.idx = idx

    # an individual household's view of its own row
    satisfaction = property(lambda self: float(self.model.satisfaction[self.idx]))
    trust = property(lambda self: float(self.model.trust[self.idx]))
    propensity = property(lambda self: float(self.model.propensity[self.idx]))
    owner = property(lambda self: bool(self.model.owner[self.idx]))
    migrant = property(lambda self: bool(self.model.migrant[self.idx]))
    elderly = property(lambda self: bool(self.model.elderly[self.idx]))
    vulnerable = property(lambda self: bool(self.model.vulnerable[self.idx]))
    digital = property(lambda self: bool(self.model.digital[self.idx]))
    compound = property(lambda self: int(self.model.hh_comp[self.idx]))
    grid = property(lambda self: int(self.model.hh_grid[self.idx]))

    # ---- population behaviour ------------------------------------------------------
    @staticmethod
    def raise_cases(m: GovernanceModel) -> None:
        """Households fall into disputes and needs; compounds raise public matters.

        Cases arise as independent Poisson processes per household and type. The week's
        number is Poisson with the summed rate; each case picks its household in
        proportion to the household's total rate (bisection of the running sum, rebuilt
        monthly when property service and trust change), then its type in proportion to
        that household's rates.
        """
        n = m.rng.poisson(m.rate_total)
        if n:
            u = m.rng.random((n, 2))
            hh = np.searchsorted(m.rate_cumulative, u[:, 0] * m.rate_total, side="right")
            hh = np.minimum(hh, m.n_households - 1)
            cum = np.cumsum(m.case_rates(hh), axis=1)
            ctype = (u[:, 1:] * cum[:, -1:] >= cum).sum(axis=1)
            m.open_cases(np.minimum(ctype, m.n_types - 1), hh)

    @staticmethod
    def report_chance(m: GovernanceModel, hh: np.ndarray, ctype: np.ndarray, severity: np.ndarray) -> np.ndarray:
        """This week's chance that households report their latent cases: more when they
        trust, when the platform is at hand and when the case is severe; migrants less,
        unless included."""
        p = m.report_base[ctype] * m.report_channel[hh] * (0.3 + 0.7 * m.trust[hh]) * (0.5 + severity)
        return np.minimum(p, 1.0)

    @staticmethod
    def take_part_in_activities(m: GovernanceModel) -> None:
        """Monthly: households join activities that volunteers run, in the service
        space where a facility is within reach, in the open elsewhere (m.venue)."""
        p = (m.activity_intensity * m.s.activity_rate_month) * m.venue * m.access
        joined = (m.rng.random(m.n_households) < p * m.propensity).nonzero()[0]
        m.last_activity[joined] = m.week
        Resident.took_part(m, joined, trust_gain=m.s.activity_trust_gain)

    @staticmethod
    def took_part(m: GovernanceModel, who: np.ndarray, trust_gain: float) -> None:
        """Taking part builds the habit of taking part, and some trust."""
        m.last_participation[who] = m.week
        m.propensity[who] += m.s.participation_habit * (1.0 - m.propensity[who])
        m.trust[who] += trust_gain * (1.0 - m.trust[who])

    @staticmethod
    def pay_fees(m: GovernanceModel) -> None:
        """Monthly: owners in managed compounds pay the property fee, or withhold it when
        unhappy (logistic in their view of the service: partly their own satisfaction,
        the rest the service quality); landlords of rented homes, who do not live there, pay as
        the service quality alone warrants."""
        if not m.firms:
            m.comp_collection[:] = 0.0
            return
        # the chance to pay, 1 / (1 + e^-x), with x = sensitivity (view - threshold):
        # paid where u (1 + e^-x) < 1
        k, quality = m.s.fee_sensitivity, m.to_households(m.comp_quality)
        x = m.satisfaction - quality
        x *= m.owner_satisfaction_weight
        x += quality
        x -= m.s.fee_threshold
        x *= -k
        np.exp(x, out=x)
        x += 1.0
        x *= m.rng.random(m.n_households)
        m.comp_collection = m.compound_sum(x < 1.0) / m.comp_size

    @staticmethod
    def feel(m: GovernanceModel, hh: np.ndarray, good: np.ndarray, impact: np.ndarray) -> None:
        """One's own case outcome moves one's views (impact: rows satisfaction, trust):
        an impact x moves a view the share |x| of the way to 1 where the outcome was
        good (x > 0), to 0 otherwise."""
        v = m.views.take(hh, axis=1)
        new = v + impact * np.where(good, 1.0 - v, v)
        m.satisfaction[hh], m.trust[hh] = new
        m.note_satisfaction_change(hh, new[0] - v[0])

    @staticmethod
    def hear_how_cases_end(m: GovernanceModel) -> None:
        """Monthly: word of how the compound's cases ended (resolved genuinely, or
        escalated, abandoned, settled only on paper) updates its half-year memory."""
        hh, genuine = m.closed_households, m.closed_genuine
        if not hh:
            return
        comps = m.hh_comp.take(hh)
        closed = np.bincount(comps, minlength=m.n_compounds)
        heard = closed > 0
        share = np.bincount(comps, weights=genuine, minlength=m.n_compounds)[heard] / closed[heard]
        hh.clear()
        genuine.clear()
        # an exponentially weighted mean of the monthly shares, normalised by the weight
        # heard so far: the first closures replace the neutral start entirely
        weight = m.comp_record_weight
        weight[heard] += m.responsiveness_rate * (1.0 - weight[heard])
        record = m.comp_responsiveness
        record[heard] += (m.responsiveness_rate / weight[heard]) * (share - record[heard])

    @staticmethod
    def update_views(m: GovernanceModel) -> None:
        """Monthly: views follow what happened to their compound's public matters, drift
        towards what the living environment, the services a household used and its
        offset warrant (satisfaction), and towards what its disposition and the
        compound's record warrant (trust), and are pulled towards the compound's mean:
        what neighbours say.

        Satisfaction and trust move together as the rows of m.views. All three steps
        are linear in the view, with coefficients per compound and a term per household
        (the compound means after the first two follow from the means before), so they
        are composed and applied to every household at once."""
        Resident.hear_how_cases_end(m)
        # what the environment warrants: property service and how problems around the
        # compound end; per household (below): the community's services for those who
        # joined its activities in the last year (service space acts through this use;
        # the desk's acts through the cases it settles), and the household's own offset
        weights = m.satisfaction_weights
        env = weights[0] + weights[1] * m.comp_quality + weights[3] * m.comp_responsiveness
        used = m.last_activity > m.week - WEEKS_PER_YEAR
        target = m.view_target_household.copy()
        target[0] += (m.view_rate * weights[2]) * used
        target_compound = m.compound_sum(target) / m.comp_size
        # public matters: v += up (1 - v) - down v; then the drift: v += rate (target - v);
        # composed: v -> v scale + shift + target, with scale = (1 - up - down)(1 - rate),
        # shift = up (1 - rate) (+ rate env for satisfaction) per compound
        up, down = m.comp_public[:2], m.comp_public[2:]
        coef = m.view_coefficients  # rows: scale (satisfaction, trust), shift (satisfaction, trust)
        scale, shift = coef[:2], coef[2:]
        np.subtract(1.0, up, out=scale)
        scale -= down
        scale *= m.view_keep
        np.multiply(up, m.view_keep, out=shift)
        shift[0] += m.view_rate * env
        shift[1] += (m.trust_rate * m.s.trust_weight_performance) * m.comp_responsiveness
        m.comp_public[:] = 0.0
        # the neighbours' pull, v -> (1 - pull) v + pull mean, towards the compound means after
        # that (scale mean + shift + mean target), folded into the same coefficients
        views, pull = m.views, m.neighbour_rate
        mean = m.compound_sum(views) / m.comp_size
        mean *= scale
        mean += shift
        mean += target_compound
        coef *= 1.0 - pull
        shift += pull * mean
        coef = m.to_households(coef)
        views *= coef[:2]
        views += coef[2:]
        target *= 1.0 - pull
        views += target
        m.comp_trust = mean[1]
        np.clip(views, 0.0, 1.0, out=views)
        m.note_satisfaction_change()
        m.propensity *= 1.0 - m.trust_rate
        m.propensity += m.trust_rate * m.base_propensity


# ------------------------------------------------------------------------------------
class GridWorker(mesa.Agent):
    """A full-time grid worker: patrols a grid, mediates simple disputes, refers the rest.

    Each worker learns for itself (monthly); the weekly patrol plans, the same
    arithmetic for every worker, are made in one pass over the workers
    (`plan_patrols`), in per-grid lists the model owns."""

    def __init__(self, model: GovernanceModel, grid: int, slot: int, households: int,
                 professional: bool, skill: float, phase: int) -> None:
        super().__init__(model)
        self.grid = grid
        self.slot = slot
        self.households = households
        self.professional = professional
        self.skill = skill
        self.phase = phase  # week offset of this worker's training cycle
        self.apply_skill()

    @staticmethod
    def plan_patrols(m: GovernanceModel, load: np.ndarray) -> None:
        """Each worker plans the patrol: the hours left after paperwork and the cases in
        hand at the start of the week (`load` per slot) go to visits; the grid's
        registered volunteers cover some of the households not visited. (The cases get
        their time in work_cases, from the caseload after triage.) Sets, per grid, the
        chance a latent case is found by the patrol, and by the patrol or a volunteer.
        Worker by worker: there are a few of them (one per 300 households or so)."""
        free, per_case, visit = m.free_hours, m.grid_case_hours, m.visit_hours
        most, volunteer_visits, volunteer_detect = m.s.grid_case_time_share * free, m.volunteer_visits_per_household, m.volunteer_detect
        patrol, either = [], []
        for n, households, detect in zip(load[m.grid_slot_range].tolist(), m.grid_households, m.grid_detect):
            coverage = min(1.0, (free - min(n * per_case, most)) / visit / households)
            patrol.append(coverage * detect)
            either.append(min(1.0 - coverage, volunteer_visits) * volunteer_detect + coverage * detect)
        m.grid_find = np.array((patrol, either))

    def learn(self) -> None:
        """Monthly: skill decays towards the floor without training, jumps at training,
        grows with each case settled."""
        m = self.model
        floor = m.skill_floor_of(self.professional)
        trained = m.s.training_gain if (m.week + self.phase) % m.training_interval_weeks < WEEKS_PER_MONTH else 0.0
        self.skill = next_skill(m, self.skill, floor, trained, m.settled_list[self.slot])
        self.apply_skill()

    def apply_skill(self) -> None:
        """Skill makes visits find more, mediation settle more, and settlements hold."""
        m = self.model
        factor = m.skill_factor(self.skill)
        m.grid_detect[self.grid] = m.s.detect_prob * factor
        m.slots.prob[self.slot] = m.s.grid_mediation_prob * factor
        m.slots.hold[self.slot] = m.settlement_hold(self.skill)


# ------------------------------------------------------------------------------------
class PartyOrganisation(mesa.Agent):
    """The community party committee with the residents' committee.

    Takes reports and routes cases (triage), mobilises registered party volunteers,
    convenes deliberation and the joint meeting, allocates the budget, and sets
    priorities by how staff are assessed (clause 十六).
    """

    def __init__(self, model: GovernanceModel) -> None:
        super().__init__(model)
        s = model.s
        h = model.n_households
        self.volunteers = round(s.party_volunteers_per_100_households * h / 100)
        self.workers = s.community_workers_per_1000_households * h / 1000
        self.mediators = s.mediators_per_1000_households * h / 1000
        self.staff_skill = model.initial_pooled_skill(s.professional_social_worker_share)
        self.mediator_skill = model.initial_pooled_skill(0.0)
        self.service_budget_share = 0.0

    # ---- budget and volunteers --------------------------------------------------------
    def allocate_budget(self) -> None:
        """Yearly: buy social-organisation services (or, with no organisation to buy
        from, service staff for the desk) and fund activities. Staff assessed on
        satisfaction put more of the budget into services residents feel; the rest of
        the budget goes to running costs the model does not represent."""
        m, s = self.model, self.model.s
        self.service_budget_share = s.service_budget_share_base + \
            s.service_budget_share_assessment * s.satisfaction_weight_in_assessment
        yearly = s.budget_per_household * m.n_households
        sos = m.agents_by_type.get(SocialOrganisation, ())
        service_hours = yearly * self.service_budget_share / WEEKS_PER_YEAR / s.so_cost_per_hour
        if len(sos):
            sos.do("fund", service_hours / len(sos))
            m.purchased_desk_hours = 0.0
        else:  # no organisation to buy from: the community hires service staff itself
            m.purchased_desk_hours = service_hours
        self.mobilise_volunteers(yearly * s.activity_budget_share / WEEKS_PER_YEAR / s.so_cost_per_hour)

    def mobilise_volunteers(self, activity_budget_hours: float) -> None:
        """Registered party volunteers (双报到) split their time between keeping an eye
        on their neighbours (informal discovery) and running activities."""
        m, s = self.model, self.model.s
        hours = self.volunteers * s.volunteer_hours_week
        running = s.volunteer_activity_share
        patrol_visits = (1.0 - running) * hours / s.visit_hours * s.volunteer_visit_efficiency
        m.volunteer_visits_per_household = patrol_visits / m.n_households
        activity_hours = running * hours + activity_budget_hours
        m.activity_intensity = min(1.0, activity_hours / (s.activity_hours_full_provision * m.n_households / 100))

    # ---- planning -------------------------------------------------------------------------
    def plan_month(self) -> None:
        """Set the time and chances of the residents' committee, mediators and courtyard
        councils, and the legal advisor's chance, for the coming month."""
        m, s = self.model, self.model.s
        slots = m.slots
        free = self.workers * m.free_hours
        skill = m.skill_factor(self.staff_skill)
        slots.hold[slots.desk] = slots.hold[slots.committee] = m.settlement_hold(self.staff_skill)
        slots.hold[slots.mediation] = m.mediation_agreement_hold(self.mediator_skill)
        slots.hours[slots.desk] = (s.desk_time_share * free + m.purchased_desk_hours) * m.desk_space_factor
        slots.case_hours[slots.desk] = s.desk_case_hours
        slots.prob[slots.desk] = s.desk_service_prob * skill
        slots.hours[slots.committee] = s.committee_time_share * free
        slots.case_hours[slots.committee] = s.committee_case_hours
        slots.prob[slots.committee] = skill  # × the chance for the case type, in the case's fit
        slots.hours[slots.mediation] = self.mediators * s.mediator_hours_week
        slots.case_hours[slots.mediation] = s.mediation_case_hours
        slots.prob[slots.mediation] = s.mediation_prob * m.skill_factor(self.mediator_skill)
        slots.hours[slots.courtyard] = np.inf
        slots.prob[slots.courtyard] = s.courtyard_prob
        slots.case_hours[slots.legal] = s.legal_need_case_hours  # hours: see GovernanceModel.work_cases
        slots.prob[slots.legal] = s.legal_advice_prob
        slots.prob[slots.joint_meeting] = s.joint_meeting_prob
        slots.prob[slots.deliberation] = s.deliberation_prob

    def plan_week(self) -> None:
        """Meetings have an agenda in the weeks they sit, nothing otherwise."""
        m, slots = self.model, self.model.slots
        slots.hours[slots.joint_meeting] = m.s.meeting_agenda if m.joint_meeting_sits() else 0.0
        slots.hours[slots.deliberation] = m.s.meeting_agenda if m.deliberation_sits() else 0.0

    def learn(self) -> None:
        """Monthly: pooled skill of community workers and mediators. A share of them is
        trained each month (all of them once per interval); all forget; cases teach."""
        m, slots = self.model, self.model.slots
        floor = m.skill_floor_of(m.s.professional_social_worker_share)
        trained = m.s.training_gain * WEEKS_PER_MONTH / m.training_interval_weeks
        staff_settled = m.settled_list[slots.desk] + m.settled_list[slots.committee]
        self.staff_skill = next_skill(m, self.staff_skill, floor, trained, staff_settled / max(self.workers, 1.0))
        per_mediator = m.settled_list[slots.mediation] / max(self.mediators, 1.0)
        self.mediator_skill = next_skill(m, self.mediator_skill, m.skill_floor_of(0.0), trained, per_mediator)

    # ---- triage ------------------------------------------------------------------------------
    def triage(self, known: np.ndarray, load: list[int]) -> None:
        """Route the newly known cases to handlers, then move stuck cases on. `load` is
        the cases in hand per slot, kept up to date as cases are handed over.

        The committee decides case by case: a week brings a handful of new cases, too
        few for array arithmetic to pay (each numpy call costs as much as tens of
        plain Python operations).
        """
        m, book = self.model, self.model.cases
        if len(known):
            t, sev = book.ctype[known].tolist(), book.severity[known].tolist()
            hh = book.hh[known].tolist()
            handlers = self.route(t, sev, hh, book.legal[known].tolist(), m.rng.random(len(known)).tolist(), load)
            m.assign_cases(known, handlers, t, hh, sev)
        self.move_on()

    def route(self, t: list[int], sev: list[float], hh: list[int], legal: list[bool],
              u: list[float], load: list[int]) -> list[int]:
        """Who handles what (clauses 六, 七, 十, 十一, 十五), case by case; u is the
        uniform draw that `refer` uses, `load` the cases in hand per slot (updated as
        cases are handed over)."""
        m, s, slots = self.model, self.model.s, self.model.slots
        default, grid_slot, comp = m.default_route, m.grid_slot_of_household, m.hh_comp_list
        property_route = m.comp_property_route
        hard_severity, simple_severity = s.hard_severity, s.simple_severity
        near = m.deliberation_near()
        mediation = slots.mediation
        room = slots.hours[mediation] / slots.case_hours[mediation]  # disputes it can give full attention
        refer, link, referable = self.refer_one, s.three_social_linkage, slots.referable_to_so_list
        capacity = (slots.prob.tolist(), slots.hours.tolist(), slots.case_hours.tolist())
        out = []
        for ti, si, hi, li, ui in zip(t, sev, hh, legal, u):
            if ti == NEIGHBOUR:
                # people's mediation while it has room (clause 十一: mediation first);
                # of those it has no room for, hard ones go to deliberation where a
                # meeting is near (clause 七), simple ones stay with the grid worker
                # (small matters stay in the grid), the rest wait for mediation (without
                # mediators: the residents' committee mediates)
                if load[mediation] < room:
                    slot = mediation
                elif near and si >= hard_severity:
                    slot = slots.deliberation
                elif si < simple_severity and not li:
                    slot = grid_slot[hi]
                else:
                    slot = default[ti]
            elif ti == PROPERTY:
                # the firm first, the joint meeting (or the committee) for severe ones;
                # courtyard councils or the committee where there is no firm
                slot = property_route[comp[hi]][si >= hard_severity]
            elif ti == PUBLIC and near:
                slot = slots.deliberation  # deliberated if a meeting sits soon, else decided
            else:
                slot = default[ti]  # needs: the legal advisor or the desk; public: committee
            # three-social linkage: needs and mediation cases may go to a social organisation
            if ui < link and referable[slot][ti]:
                slot = refer(ti, slot, load, capacity)
            load[slot] += 1
            out.append(slot)
        return out

    def refer_one(self, ti: int, x: int, load: list[int], capacity: tuple[list[float], ...]) -> int:
        """Three-social linkage (clause 六), for a case of type ti bound for slot x that
        the linkage draw has put up for referral and that a social organisation of its
        type could take (a need, or a dispute bound for mediation or the committee). It
        goes to the organisation that would give it the best weekly chance of
        settlement — its chance at full attention, its fit for the case type and the
        share of attention it could give with one case more (`load`: cases in hand per
        slot; `capacity`: the slots' chances, hours and case hours as lists) — if that
        beats x. People's mediation keeps the disputes it has room for (clause 十一).
        Linkage thus adds capacity where it is free and never sends a case where it
        would be served worse. Returns the handler."""
        slots, fit = self.model.slots, self.model.fit_table
        prob, hours, case_hours = capacity
        kind = slots.kind_list
        if x == slots.mediation and load[x] * case_hours[x] < hours[x]:
            return x
        best, chance = x, prob[x] * fit[ti][kind[x]] * min(1.0, hours[x] / ((load[x] + 1) * case_hours[x]))
        for so in range(slots.so_first_list[ti], slots.so_last_list[ti] + 1):
            c = prob[so] * fit[ti][kind[so]] * min(1.0, hours[so] / ((load[so] + 1) * case_hours[so]))
            if c > chance:
                best, chance = so, c
        return best

    def move_on(self) -> None:
        """Property disputes the firm has not settled within its patience go to the joint
        meeting (or the committee)."""
        m, s, book, slots = self.model, self.model.s, self.model.cases, self.model.slots
        stuck = (slots.is_firm[book.slot] & (book.slot_since <= m.week - s.firm_patience_weeks)).nonzero()[0]
        if len(stuck):
            to = slots.joint_meeting if s.joint_meeting else slots.committee
            m.assign_cases(stuck, [to] * len(stuck))

    def reconsider_waiting_needs(self) -> None:
        """Monthly: needs waiting at the desk are looked at again and, as the
        three-social linkage allows, referred to a social organisation that would
        serve them better (`refer`)."""
        m, book, slots = self.model, self.model.cases, self.model.slots
        at_desk = (book.slot == slots.desk).nonzero()[0]
        if len(at_desk) and m.s.three_social_linkage > 0:
            load = np.bincount(book.slot, minlength=slots.n).tolist()
            capacity = (slots.prob.tolist(), slots.hours.tolist(), slots.case_hours.tolist())
            desk, link, referable = slots.desk, m.s.three_social_linkage, slots.referable_to_so_list[slots.desk]
            new = []
            for ti, ui in zip(book.ctype[at_desk].tolist(), m.rng.random(len(at_desk)).tolist()):
                x = desk
                if ui < link and referable[ti]:
                    load[desk] -= 1  # looked at as if new to the desk
                    x = self.refer_one(ti, desk, load, capacity)
                    load[x] += 1
                new.append(x)
            moved = [x != desk for x in new]
            if any(moved):
                m.assign_cases(at_desk[moved], [x for x in new if x != desk])

    # ---- meetings -------------------------------------------------------------------------------
    def convene_deliberation(self) -> None:
        """The meeting sits on its calendar, with or without disputes on its agenda
        (public affairs, plans and budgets are deliberated too): every household is
        invited and comes as it is inclined, trusting and included, and as the venue
        allows (the service space, or the open). Attendance makes the compound's
        outcomes legitimate; attending builds trust and the habit."""
        m, s = self.model, self.model.s
        trust_dependence = s.attendance_trust_dependence
        chance = m.propensity * (1.0 - trust_dependence + trust_dependence * m.trust) * m.access * m.venue
        chance *= s.deliberation_turnout
        came = (m.rng.random(m.n_households) < chance).nonzero()[0]
        attendance = np.bincount(m.hh_comp[came], minlength=m.n_compounds) / m.comp_size
        m.comp_legitimacy = np.minimum(1.0, attendance / s.attendance_quorum)
        Resident.took_part(m, came, trust_gain=s.deliberation_trust_gain)


# ------------------------------------------------------------------------------------
class SocialOrganisation(mesa.Agent):
    """A community social organisation of one service type (clause 六)."""

    def __init__(self, model: GovernanceModel, service: CaseType, slot: int) -> None:
        super().__init__(model)
        self.service = service
        self.slot = slot

    def fund(self, hours: float) -> None:
        """Yearly funding from the community budget sets the organisation's capacity:
        purchased hours plus its own volunteers, effective as its staff are qualified."""
        m, s = self.model, self.model.s
        qualified = s.so_unqualified_factor + (1.0 - s.so_unqualified_factor) * s.professional_social_worker_share
        m.slots.hours[self.slot] = hours + s.so_volunteer_hours_week
        m.slots.case_hours[self.slot] = s.so_case_hours
        m.slots.prob[self.slot] = s.so_service_prob * qualified
        m.slots.hold[self.slot] = m.settlement_hold(qualified)


# ------------------------------------------------------------------------------------
class PropertyFirm(mesa.Agent):
    """A property-service firm under contract with one compound (clause 十五)."""

    def __init__(self, model: GovernanceModel, compound: int, slot: int, owners_committee: bool) -> None:
        super().__init__(model)
        s = model.s
        self.compound = compound
        self.slot = slot
        self.owners_committee = owners_committee
        sup = s.residents_committee_supervision
        sup += s.owners_committee_supervision if owners_committee else 0.0
        sup += s.joint_meeting_supervision if s.joint_meeting else 0.0
        self.supervision = min(1.0, sup)
        self.loss_months = 0
        model.slots.hours[slot] = np.inf  # a firm answers every complaint it is given
        self.set_effort(s.firm_initial_effort)

    def set_effort(self, effort: float) -> None:
        m = self.model
        self.effort = effort
        # service quality: what even a neglectful firm keeps up, plus effort
        m.comp_quality[self.compound] = min(1.0, m.s.firm_quality_floor + m.s.firm_quality_span * effort)
        m.slots.prob[self.slot] = m.s.firm_response_prob * effort

    def review_month(self) -> None:
        """Set effort towards what the fees pay for, less shirking where supervision is
        weak; leave after too many loss-making months."""
        m, s = self.model, self.model.s
        collection = float(m.comp_collection[self.compound])
        affordable = min(1.0, max(s.firm_min_effort, (collection - s.firm_fixed_cost) / max(s.firm_effort_cost, 1e-9)))
        target = affordable * (1.0 - s.firm_shirking * (1.0 - self.supervision))
        self.set_effort(self.effort + s.firm_effort_adjustment * (target - self.effort))
        cost = s.firm_fixed_cost + s.firm_effort_cost * self.effort
        self.loss_months = self.loss_months + 1 if collection < cost else 0
        if self.loss_months >= s.firm_exit_months:
            m.firm_leaves(self)
