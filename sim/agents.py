"""The five kinds of agent and their behaviour.

Residents are numerous: each household is a Mesa agent that reads its own row of
the model's household arrays (sim.households, sim.views), and the population's
behaviour (reporting cases, taking part, paying fees, feeling outcomes, updating
views) is written as class-level methods that act on every household at once. Grid
workers, the party organisation, social organisations and property firms are few;
each decides for itself as an ordinary Mesa agent.

Agents read the model's parts (households, views, compounds, slots, skill, ...), not
dozens of model attributes; each method is named after the process of docs/ODD.md
that it implements.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.calendar import WEEKS_PER_YEAR
from sim.cases import CaseType

if TYPE_CHECKING:
    from sim.views import Views

# The agents take the model, `m`: the sim.model.GovernanceModel whose parts they read.
# Annotated as the Mesa model it is, so that this module need not import sim.model
# (which imports it): the import runs one way.
GovernanceModel = mesa.Model

NEIGHBOUR, PROPERTY, PUBLIC = int(CaseType.NEIGHBOUR), int(CaseType.PROPERTY), int(CaseType.PUBLIC)


# ------------------------------------------------------------------------------------
class Resident(mesa.Agent):
    """A household. Its state lives in row `idx` of the model's household arrays."""

    def __init__(self, model: GovernanceModel, idx: int) -> None:
        super().__init__(model)
        self.idx = idx

    # an individual household's view of its own row
    satisfaction = property(lambda self: float(self.model.views.satisfaction[self.idx]))
    trust = property(lambda self: float(self.model.views.trust[self.idx]))
    propensity = property(lambda self: float(self.model.households.propensity[self.idx]))
    owner = property(lambda self: bool(self.model.households.owner[self.idx]))
    migrant = property(lambda self: bool(self.model.households.migrant[self.idx]))
    elderly = property(lambda self: bool(self.model.households.elderly[self.idx]))
    vulnerable = property(lambda self: bool(self.model.households.vulnerable[self.idx]))
    digital = property(lambda self: bool(self.model.households.digital[self.idx]))
    compound = property(lambda self: int(self.model.households.compound[self.idx]))
    grid = property(lambda self: int(self.model.households.grid[self.idx]))

    # ---- population behaviour ------------------------------------------------------
    @staticmethod
    def report_chance(base: np.ndarray, trust: np.ndarray, severity: np.ndarray) -> np.ndarray:
        """This week's chance that households report their latent cases: more when they
        trust and when the case is severe; `base` holds the case type's rate times the
        household's channel (more on the platform; migrants less, unless included)."""
        p = base * (0.3 + 0.7 * trust) * (0.5 + severity)
        return np.minimum(p, 1.0)

    @staticmethod
    def take_part_in_activities(m: GovernanceModel) -> None:
        """Monthly: households join activities that volunteers run, in the service
        space where a facility is within reach, in the open elsewhere (the venue)."""
        h = m.households
        p = (m.party.activity_intensity * m.levers.activity_rate_month) * m.space.venue * h.access
        joined = (m.rng.random(h.n) < p * h.propensity).nonzero()[0]
        h.last_activity[joined] = m.week
        Resident.took_part(m, joined, trust_gain=m.levers.activity_trust_gain)

    @staticmethod
    def took_part(m: GovernanceModel, who: np.ndarray, trust_gain: float) -> None:
        """Taking part builds the habit of taking part, and some trust."""
        h, trust = m.households, m.views.trust
        h.last_participation[who] = m.week
        h.propensity[who] += m.levers.participation_habit * (1.0 - h.propensity[who])
        trust[who] += trust_gain * (1.0 - trust[who])

    @staticmethod
    def pay_fees(m: GovernanceModel) -> None:
        """Monthly: owners in managed compounds pay the property fee, or withhold it when
        unhappy (logistic in their view of the service: partly their own satisfaction,
        the rest the service quality); landlords of rented homes, who do not live there, pay as
        the service quality alone warrants."""
        compounds, h = m.compounds, m.households
        if not m.firms:
            compounds.collection[:] = 0.0
            return
        # the chance to pay, 1 / (1 + e^-x), with x = sensitivity (view - threshold):
        # paid where u (1 + e^-x) < 1
        k, quality = m.levers.fee_sensitivity, h.to_households(compounds.quality)
        x = m.views.satisfaction - quality
        x *= h.fee_view_weight
        x += quality
        x -= m.levers.fee_threshold
        x *= -k
        np.exp(x, out=x)
        x += 1.0
        x *= m.rng.random(h.n)
        compounds.collection = h.compound_sum(x < 1.0) / h.compound_size

    @staticmethod
    def feel(views: Views, hh: np.ndarray, good: np.ndarray, impact: np.ndarray) -> None:
        """One's own case outcome moves one's views (impact: rows satisfaction, trust):
        an impact x moves a view the share |x| of the way to 1 where the outcome was
        good (x > 0), to 0 otherwise."""
        v = views.block.take(hh, axis=1)
        new = v + impact * np.where(good, 1.0 - v, v)
        views.satisfaction[hh], views.trust[hh] = new
        views.note_change(hh, new[0] - v[0])

    @staticmethod
    def hear_how_cases_end(views: Views) -> None:
        """Monthly: word of how the compound's cases ended (resolved genuinely, or
        escalated, abandoned, settled only on paper) updates its half-year memory."""
        hh, genuine = views.closed_households, views.closed_genuine
        if not hh:
            return
        c = views.households.n_compounds
        comps = views.households.compound.take(hh)
        closed = np.bincount(comps, minlength=c)
        heard = closed > 0
        share = np.bincount(comps, weights=genuine, minlength=c)[heard] / closed[heard]
        hh.clear()
        genuine.clear()
        # an exponentially weighted mean of the monthly shares, normalised by the weight
        # heard so far: the first closures replace the neutral start entirely
        weight, rate = views.record_weight, views.responsiveness_rate
        weight[heard] += rate * (1.0 - weight[heard])
        record = views.responsiveness
        record[heard] += (rate / weight[heard]) * (share - record[heard])

    @staticmethod
    def update_views(m: GovernanceModel) -> None:
        """Monthly: views follow what happened to their compound's public matters, drift
        towards what the living environment, the services a household used and its
        offset warrant (satisfaction), and towards what its disposition and the
        compound's record warrant (trust), and are pulled towards the compound's mean:
        what neighbours say.

        Satisfaction and trust move together as the rows of views.block. All three steps
        are linear in the view, with coefficients per compound and a term per household
        (the compound means after the first two follow from the means before), so they
        are composed and applied to every household at once."""
        views, h = m.views, m.households
        Resident.hear_how_cases_end(views)
        # what the environment warrants: property service and how problems around the
        # compound end; per household (below): the community's services for those who
        # joined its activities in the last year (service space acts through this use;
        # the desk's acts through the cases it settles), and the household's own offset
        env = views.environment(m.compounds.quality)
        used = h.last_activity > m.week - WEEKS_PER_YEAR
        target = views.target_household.copy()
        target[0] += (views.view_rate * views.weights[2]) * used
        target_compound = h.compound_sum(target) / h.compound_size
        # public matters: v += up (1 - v) - down v; then the drift: v += rate (target - v);
        # composed: v -> v scale + shift + target, with scale = (1 - up - down)(1 - rate),
        # shift = up (1 - rate) (+ rate env for satisfaction) per compound
        up, down = views.public[:2], views.public[2:]
        coef = views.coefficients  # rows: scale (satisfaction, trust), shift (satisfaction, trust)
        scale, shift = coef[:2], coef[2:]
        np.subtract(1.0, up, out=scale)
        scale -= down
        scale *= views.keep
        np.multiply(up, views.keep, out=shift)
        shift[0] += views.view_rate * env
        shift[1] += views.performance_rate * views.responsiveness
        views.public[:] = 0.0
        # the neighbours' pull, v -> (1 - pull) v + pull mean, towards the compound means after
        # that (scale mean + shift + mean target), folded into the same coefficients
        block, pull = views.block, views.neighbour_rate
        mean = h.compound_sum(block) / h.compound_size
        mean *= scale
        mean += shift
        mean += target_compound
        coef *= 1.0 - pull
        shift += pull * mean
        coef = h.to_households(coef)
        block *= coef[:2]
        block += coef[2:]
        target *= 1.0 - pull
        block += target
        views.compound_trust = mean[1]
        np.clip(block, 0.0, 1.0, out=block)
        views.note_change()
        h.propensity *= 1.0 - views.trust_rate
        h.propensity += views.trust_rate * h.base_propensity


# ------------------------------------------------------------------------------------
class GridWorker(mesa.Agent):
    """A full-time grid worker: patrols a grid, mediates simple disputes, refers the rest.

    Each worker learns for itself (monthly); the weekly patrol plans, the same
    arithmetic for every worker, are made in one pass over the workers
    (`plan_patrols`), in the per-grid lists of the discovery process."""

    def __init__(self, model: GovernanceModel, grid: int, slot: int, professional: bool, skill: float,
                 phase: int) -> None:
        super().__init__(model)
        self.grid = grid
        self.slot = slot
        self.professional = professional
        self.skill = skill
        self.phase = phase  # week offset of this worker's training cycle
        self.apply_skill()

    households = property(lambda self: int(self.model.households.grid_size[self.grid]), doc="households of the grid")

    @staticmethod
    def plan_patrols(m: GovernanceModel, load: np.ndarray) -> None:
        """Each worker plans the patrol: the hours left after paperwork and the cases in
        hand at the start of the week (`load` per slot) go to visits; the grid's
        registered volunteers cover some of the households not visited. (The cases get
        their time in case work, from the caseload after triage.) Sets, per grid, the
        chance a latent case is found by the patrol, and by the patrol or a volunteer.
        Worker by worker: there are a few of them (one per 300 households or so)."""
        levers, discovery = m.levers, m.discovery
        free, per_case, visit = m.admin.free_hours, levers.grid_case_hours, levers.visit_hours
        most = levers.grid_case_time_share * free
        volunteer_visits, volunteer_detect = discovery.volunteer_visits_per_household, levers.detect_prob
        patrol, either = [], []
        for n, households, detect in zip(load[m.casework.grid_slots].tolist(), m.households.grid_size_list,
                                          discovery.grid_detect):
            coverage = min(1.0, (free - min(n * per_case, most)) / visit / households)
            patrol.append(coverage * detect)
            either.append(min(1.0 - coverage, volunteer_visits) * volunteer_detect + coverage * detect)
        discovery.grid_find = np.array((patrol, either))

    def learn(self) -> None:
        """Monthly: skill decays towards the floor without training, jumps at training,
        grows with each case settled."""
        m = self.model
        rules = m.skill
        self.skill = rules.next_month(self.skill, rules.floor_of(self.professional),
                                      rules.trained_this_month(m.week, self.phase), m.casework.settled_by_slot[self.slot])
        self.apply_skill()

    def apply_skill(self) -> None:
        """Skill makes visits find more, mediation settle more, and settlements hold."""
        m = self.model
        factor = m.skill.factor(self.skill)
        m.discovery.grid_detect[self.grid] = m.levers.detect_prob * factor
        m.slots.prob[self.slot] = m.levers.grid_mediation_prob * factor
        m.slots.hold[self.slot] = m.skill.settlement_hold(self.skill)


# ------------------------------------------------------------------------------------
class PartyOrganisation(mesa.Agent):
    """The community party committee with the residents' committee.

    Takes reports and routes cases (triage), mobilises registered party volunteers,
    convenes deliberation and the joint meeting, allocates the budget, and sets
    priorities by how staff are assessed (clause 十六).
    """

    def __init__(self, model: GovernanceModel) -> None:
        super().__init__(model)
        levers, slots = model.levers, model.slots
        n = model.households.n
        self.volunteers = round(levers.party_volunteers_per_100_households * n / 100)
        self.workers = levers.community_workers_per_1000_households * n / 1000
        self.mediators = levers.mediators_per_1000_households * n / 1000
        self.staff_skill = model.skill.initial_pooled(levers.professional_social_worker_share)
        self.mediator_skill = model.skill.initial_pooled(0.0)
        self.service_budget_share = 0.0
        self.purchased_desk_hours = 0.0  # service staff the community hires where no organisation sells services
        self.activity_intensity = 0.0    # activities provided, as a share of full provision
        # where each case type goes when nothing more specific applies: neighbour disputes
        # that people's mediation has no room for wait for it (without mediators the
        # residents' committee mediates itself); property disputes and public matters to
        # the committee; needs to the desk, legal needs to the advisor where there is one
        self.default_route = [slots.desk] * len(CaseType)
        self.default_route[NEIGHBOUR] = slots.mediation if levers.mediators_per_1000_households > 0 else slots.committee
        self.default_route[PROPERTY] = slots.committee
        self.default_route[PUBLIC] = slots.committee
        if levers.legal_advisor_hours_per_week > 0:
            self.default_route[CaseType.LEGAL_NEED] = slots.legal

    # ---- budget and volunteers --------------------------------------------------------
    def allocate_budget(self) -> None:
        """Yearly: buy social-organisation services (or, with no organisation to buy
        from, service staff for the desk) and fund activities. Staff assessed on
        satisfaction put more of the budget into services residents feel; the rest of
        the budget goes to running costs the model does not represent."""
        m, levers = self.model, self.model.levers
        self.service_budget_share = levers.service_budget_share_base + \
            levers.service_budget_share_assessment * levers.satisfaction_weight_in_assessment
        yearly = levers.budget_per_household * m.households.n
        sos = m.social_organisations
        service_hours = yearly * self.service_budget_share / WEEKS_PER_YEAR / levers.so_cost_per_hour
        if sos:
            for so in sos:
                so.fund(service_hours / len(sos))
            self.purchased_desk_hours = 0.0
        else:  # no organisation to buy from: the community hires service staff itself
            self.purchased_desk_hours = service_hours
        self.mobilise_volunteers(yearly * levers.activity_budget_share / WEEKS_PER_YEAR / levers.so_cost_per_hour)

    def mobilise_volunteers(self, activity_budget_hours: float) -> None:
        """Registered party volunteers (双报到) split their time between keeping an eye
        on their neighbours (informal discovery) and running activities."""
        m, levers = self.model, self.model.levers
        n = m.households.n
        hours = self.volunteers * levers.volunteer_hours_week
        running = levers.volunteer_activity_share
        patrol_visits = (1.0 - running) * hours / levers.visit_hours * levers.volunteer_visit_efficiency
        m.discovery.volunteer_visits_per_household = patrol_visits / n
        activity_hours = running * hours + activity_budget_hours
        self.activity_intensity = min(1.0, activity_hours / (levers.activity_hours_full_provision * n / 100))

    # ---- planning -------------------------------------------------------------------------
    def plan_month(self) -> None:
        """Set the time and chances of the residents' committee, mediators and courtyard
        councils, and the legal advisor's chance, for the coming month."""
        m, levers = self.model, self.model.levers
        slots, rules = m.slots, m.skill
        free = self.workers * m.admin.free_hours
        skill = rules.factor(self.staff_skill)
        slots.hold[slots.desk] = slots.hold[slots.committee] = rules.settlement_hold(self.staff_skill)
        slots.hold[slots.mediation] = rules.mediation_agreement_hold(self.mediator_skill)
        slots.hours[slots.desk] = (levers.desk_time_share * free + self.purchased_desk_hours) * m.space.desk_factor
        slots.case_hours[slots.desk] = levers.desk_case_hours
        slots.prob[slots.desk] = levers.desk_service_prob * skill
        slots.hours[slots.committee] = levers.committee_time_share * free
        slots.case_hours[slots.committee] = levers.committee_case_hours
        slots.prob[slots.committee] = skill  # × the chance for the case type, in the case's fit
        slots.hours[slots.mediation] = self.mediators * levers.mediator_hours_week
        slots.case_hours[slots.mediation] = levers.mediation_case_hours
        slots.prob[slots.mediation] = levers.mediation_prob * rules.factor(self.mediator_skill)
        slots.hours[slots.courtyard] = np.inf
        slots.prob[slots.courtyard] = levers.courtyard_prob
        slots.case_hours[slots.legal] = levers.legal_need_case_hours  # hours: see CaseWork.work_cases
        slots.prob[slots.legal] = levers.legal_advice_prob
        slots.prob[slots.joint_meeting] = levers.joint_meeting_prob
        slots.prob[slots.deliberation] = levers.deliberation_prob

    def plan_week(self) -> None:
        """Meetings have an agenda in the weeks they sit, nothing otherwise."""
        m, slots = self.model, self.model.slots
        agenda = m.levers.meeting_agenda
        slots.hours[slots.joint_meeting] = agenda if m.meetings.joint_meeting_sits(m.week) else 0.0
        slots.hours[slots.deliberation] = agenda if m.meetings.deliberation_sits(m.week) else 0.0

    def learn(self) -> None:
        """Monthly: pooled skill of community workers and mediators. A share of them is
        trained each month (all of them once per interval); all forget; cases teach."""
        m, slots, rules = self.model, self.model.slots, self.model.skill
        trained = rules.trained_share_of_pool()
        settled = m.casework.settled_by_slot
        staff_settled = settled[slots.desk] + settled[slots.committee]
        self.staff_skill = rules.next_month(self.staff_skill, rules.floor_of(m.levers.professional_social_worker_share),
                                            trained, staff_settled / max(self.workers, 1.0))
        per_mediator = settled[slots.mediation] / max(self.mediators, 1.0)
        self.mediator_skill = rules.next_month(self.mediator_skill, rules.floor_of(0.0), trained, per_mediator)

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
            m.casework.assign_cases(known, handlers, m.week, t, hh, sev)
        self.move_on()

    def route(self, t: list[int], sev: list[float], hh: list[int], legal: list[bool],
              u: list[float], load: list[int]) -> list[int]:
        """Who handles what (clauses 六, 七, 十, 十一, 十五), case by case; u is the
        uniform draw that `refer_one` uses, `load` the cases in hand per slot (updated as
        cases are handed over)."""
        m, levers, slots = self.model, self.model.levers, self.model.slots
        default, comp = self.default_route, m.households.compound_list
        grid0, grid = slots.grid0, m.households.grid_list
        property_route = m.compounds.property_route
        hard_severity, simple_severity = levers.hard_severity, levers.simple_severity
        near = m.meetings.deliberation_near(m.week)
        mediation = slots.mediation
        room = slots.hours[mediation] / slots.case_hours[mediation]  # disputes it can give full attention
        refer, link, referable = self.refer_one, levers.three_social_linkage, slots.referable_to_so_list
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
                    slot = grid0 + grid[hi]
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
        slots, fit = self.model.slots, self.model.casework.fit_table
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
        m, levers, book, slots = self.model, self.model.levers, self.model.cases, self.model.slots
        stuck = (slots.is_firm[book.slot] & (book.slot_since <= m.week - levers.firm_patience_weeks)).nonzero()[0]
        if len(stuck):
            to = slots.joint_meeting if levers.joint_meeting else slots.committee
            m.casework.assign_cases(stuck, [to] * len(stuck), m.week)

    def reconsider_waiting_needs(self) -> None:
        """Monthly: needs waiting at the desk are looked at again and, as the
        three-social linkage allows, referred to a social organisation that would
        serve them better (`refer_one`)."""
        m, book, slots = self.model, self.model.cases, self.model.slots
        link = m.levers.three_social_linkage
        at_desk = (book.slot == slots.desk).nonzero()[0]
        if len(at_desk) and link > 0:
            load = np.bincount(book.slot, minlength=slots.n).tolist()
            capacity = (slots.prob.tolist(), slots.hours.tolist(), slots.case_hours.tolist())
            desk, referable = slots.desk, slots.referable_to_so_list[slots.desk]
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
                m.casework.assign_cases(at_desk[moved], [x for x in new if x != desk], m.week)

    # ---- meetings -------------------------------------------------------------------------------
    def convene_deliberation(self) -> None:
        """The meeting sits on its calendar, with or without disputes on its agenda
        (public affairs, plans and budgets are deliberated too): every household is
        invited and comes as it is inclined, trusting and included, and as the venue
        allows (the service space, or the open). Attendance makes the compound's
        outcomes legitimate; attending builds trust and the habit."""
        m, levers, h = self.model, self.model.levers, self.model.households
        trust_dependence = levers.attendance_trust_dependence
        chance = h.propensity * (1.0 - trust_dependence + trust_dependence * m.views.trust) * h.access * m.space.venue
        chance *= levers.deliberation_turnout
        came = (m.rng.random(h.n) < chance).nonzero()[0]
        attendance = np.bincount(h.compound[came], minlength=h.n_compounds) / h.compound_size
        m.compounds.legitimacy = np.minimum(1.0, attendance / levers.attendance_quorum)
        Resident.took_part(m, came, trust_gain=levers.deliberation_trust_gain)


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
        m, levers = self.model, self.model.levers
        unqualified = levers.so_unqualified_factor
        qualified = unqualified + (1.0 - unqualified) * levers.professional_social_worker_share
        m.slots.hours[self.slot] = hours + levers.so_volunteer_hours_week
        m.slots.case_hours[self.slot] = levers.so_case_hours
        m.slots.prob[self.slot] = levers.so_service_prob * qualified
        m.slots.hold[self.slot] = m.skill.settlement_hold(qualified)


# ------------------------------------------------------------------------------------
class PropertyFirm(mesa.Agent):
    """A property-service firm under contract with one compound (clause 十五)."""

    def __init__(self, model: GovernanceModel, compound: int, slot: int, owners_committee: bool) -> None:
        super().__init__(model)
        levers = model.levers
        self.compound = compound
        self.slot = slot
        self.owners_committee = owners_committee
        sup = levers.residents_committee_supervision
        sup += levers.owners_committee_supervision if owners_committee else 0.0
        sup += levers.joint_meeting_supervision if levers.joint_meeting else 0.0
        self.supervision = min(1.0, sup)
        model.compounds.supervision[compound] = self.supervision
        self.loss_months = 0
        model.slots.hours[slot] = np.inf  # a firm answers every complaint it is given
        self.set_effort(levers.firm_initial_effort)

    def set_effort(self, effort: float) -> None:
        m, levers = self.model, self.model.levers
        self.effort = effort
        # service quality: what even a neglectful firm keeps up, plus effort
        m.compounds.quality[self.compound] = min(1.0, levers.firm_quality_floor + levers.firm_quality_span * effort)
        m.slots.prob[self.slot] = levers.firm_response_prob * effort

    def review_month(self) -> None:
        """Set effort towards what the fees pay for, less shirking where supervision is
        weak; leave after too many loss-making months."""
        m, levers = self.model, self.model.levers
        collection = float(m.compounds.collection[self.compound])
        affordable = min(1.0, max(levers.firm_min_effort,
                                  (collection - levers.firm_fixed_cost) / max(levers.firm_effort_cost, 1e-9)))
        target = affordable * (1.0 - levers.firm_shirking * (1.0 - self.supervision))
        self.set_effort(self.effort + levers.firm_effort_adjustment * (target - self.effort))
        cost = levers.firm_fixed_cost + levers.firm_effort_cost * self.effort
        self.loss_months = self.loss_months + 1 if collection < cost else 0
        if self.loss_months >= levers.firm_exit_months:
            self.leave()

    def leave(self) -> None:
        """The compound governs itself (where courtyard self-governance is on) or stays
        unmanaged; the firm's open complaints go to the courtyard council or committee."""
        m, slots, book = self.model, self.model.slots, self.model.cases
        m.compounds.lose_firm(self.compound)
        mine = (book.slot == self.slot).nonzero()[0]
        to = slots.courtyard if m.levers.courtyard_self_governance else slots.committee
        m.casework.assign_cases(mine, [to] * len(mine), m.week)
        m.firms.remove(self)
        self.remove()
