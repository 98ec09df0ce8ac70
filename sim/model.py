"""GovernanceModel: a community of households, its organisations, and their cases.

One step is one week; a month is four weeks, 13 a year (sim.calendar). The model owns the
household arrays, the compound arrays and the case book; agents (sim.agents) decide,
and the vectorised arithmetic over households and cases happens here or in the
Resident class's population methods. The model never does I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario
from scipy.special import ndtr

from sim.agents import GridWorker, PartyOrganisation, PropertyFirm, Resident, SocialOrganisation
from sim.burn_in import BurnInState, pre_policy_state
from sim.calendar import WEEKS_PER_MONTH, WEEKS_PER_YEAR
from sim.cases import (CLOSED, GENUINE, GIVEN_UP, IS_DISPUTE, LAPSED, LATENT, PAPER, PASSED_UP, PETITIONED,
                       RETURNS, CaseBook, CaseType, Channel)
from sim.levers import resolve
from sim.outcomes import group_codes
from sim.slots import HandlerKind, Slots

if TYPE_CHECKING:
    from sim.scenario import Scenario as ScenarioFile

PUBLIC = int(CaseType.PUBLIC)
# a compound's record of how its cases end before its households have heard of any
# closure: neutral, and replaced by the first closures heard of (no parameter: it
# matters only until then)
NO_RECORD = 0.5

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

# Social-organisation service types in the order communities tend to found them
# (clause 六 lists mediation, health and elderly care, ...; elderly care first).
SO_ORDER = (CaseType.ELDERLY_CARE, CaseType.NEIGHBOUR, CaseType.PSYCH, CaseType.HEALTH,
            CaseType.LEGAL_NEED)


class GovernanceModel(mesa.Model):
    """A community under the levers of one scenario, seeded for reproducibility."""

    MANAGED, SELF_GOVERNED, UNMANAGED = 0, 1, 2

    def __init__(self, levers: Mapping[str, Any] | None = None, *, seed: int | None = None,
                 observed: bool = True) -> None:
        """A community under `levers`, seeded by `seed` (None: fresh entropy). With
        `burn_in_weeks` > 0 its households start from the state the pre-2018 regime
        leads them to (sim.burn_in). An unobserved model (the burn-in, which nobody
        measures) leaves out the per-household Mesa agents, whose behaviour is
        class-level anyway, and the running sums the outcomes read."""
        self.observed = observed
        values = resolve(levers or {})
        if seed is None:  # the burn-in must see the same households: fix the seed now
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        super().__init__(scenario=Scenario(rng=seed, **values))
        self.s = self.scenario
        self.week = 0
        # the population comes from its own child stream: the same seed gives the same
        # households whatever the levers do later (common random numbers)
        population_rng = self.rng.spawn(1)[0]
        self.init_households(population_rng)
        self.init_compounds(population_rng)
        self.init_constants()
        self.init_organisations(population_rng)
        self.init_case_rates()
        self.cases = CaseBook(no_slot=self.slots.none, age_rate=self.age_rate, mediation_slot=self.slots.mediation,
                              community=self.slots.community_list)
        self.start_views()
        if self.s.burn_in_weeks:
            self.take_state(pre_policy_state(GovernanceModel, values, seed))  # a plain model, whatever observes this one
        self.party.allocate_budget()
        Resident.pay_fees(self)  # the fees of the month before the run
        self.start_month()

    @classmethod
    def from_scenario(cls, scenario: str | Path | ScenarioFile = "sichuan-2020", *, seed: int | None = None,
                      **levers: Any) -> GovernanceModel:
        """A model of a scenario (a name in scenarios/, a file, or a loaded
        sim.scenario.Scenario), with lever overrides on top:

            model = GovernanceModel.from_scenario("sichuan-2020", seed=1, households_per_grid=200)
            for _ in range(52):
                model.step()

        Bad names or values raise sim.errors.InputError naming the lever. Without a
        seed the run is not reproducible."""
        from sim.scenario import Scenario as ScenarioFile, load
        sc = scenario if isinstance(scenario, ScenarioFile) else load(scenario)
        model = cls({**sc.overrides, **levers}, seed=seed)
        model.scenario_name = sc.name
        return model

    # ---- initialisation ----------------------------------------------------------------
    def init_households(self, rng: np.random.Generator) -> None:
        s = self.s
        n = self.n_households = s.households
        self.migrant = rng.random(n) < s.migrant_share
        # migrants mostly rent: their ownership is migrant_owner_ratio times locals', keeping the mean
        ratio = s.migrant_owner_ratio
        local_owner = min(1.0, s.owner_share / max(1.0 - (1.0 - ratio) * s.migrant_share, 1e-9))
        self.owner = rng.random(n) < np.where(self.migrant, ratio * local_owner, local_owner)
        self.elderly = rng.random(n) < s.elderly_share
        self.vulnerable = rng.random(n) < s.vulnerable_share
        # the digital divide: elderly adopt at elderly_digital_ratio times others' rate
        e, r = s.elderly_share, s.elderly_digital_ratio
        other = min(1.0, s.digital_platform_adoption / max(1.0 - e + e * r, 1e-9))
        self.digital = rng.random(n) < np.where(self.elderly, r * other, other)
        # access to community affairs and facilities: migrants as far as they are included
        self.access = np.where(self.migrant, s.migrant_inclusion, 1.0)
        # satisfaction and trust are the two rows of one block (Resident.update_views
        # moves both at once); each is used as an array of its own everywhere else;
        # they start from what the households' dispositions warrant (start_views), then
        # from the burn-in's end
        self.views = np.empty((2, n))
        self.satisfaction, self.trust = self.views
        # lasting individual differences, drawn once: the disposition to trust, the
        # propensity to take part, how hard to please, and where on the answer scale
        # "satisfied" begins (sim.outcomes.share_satisfied)
        disposition = np.where(self.migrant, max(s.trust_disposition - s.migrant_trust_gap, 0.02), s.trust_disposition)
        self.trust_disposition = _beta(rng, disposition, 10.0, n)
        self.base_propensity = _beta(rng, s.participation_propensity, 5.0, n)
        self.propensity = self.base_propensity.copy()
        self.satisfaction_offset = s.satisfaction_disposition_sd * rng.standard_normal(n)
        self.survey_threshold = s.survey_threshold_mean + s.survey_threshold_sd * rng.standard_normal(n)
        self.survey_scale = 1.0 / s.survey_noise_sd
        self.last_participation = np.full(n, -10_000)  # week of last taking part: never
        self.last_activity = np.full(n, -10_000)  # week of last joining an activity: never
        # compounds are contiguous blocks; grids are contiguous blocks cutting across them
        c = self.n_compounds = max(1, math.ceil(n / s.compound_size))
        self.hh_comp = np.arange(n) * c // n
        self.hh_comp_list = self.hh_comp.tolist()
        self.comp_size = np.bincount(self.hh_comp, minlength=c).astype(np.float64)
        # compounds are contiguous blocks of households, none empty: a compound's value
        # reaches its households by np.repeat, and per-compound sums are np.add.reduceat
        self.comp_start = np.searchsorted(self.hh_comp, np.arange(c))
        self.comp_households = np.diff(np.append(self.comp_start, n))
        g = self.n_grids = max(1, math.ceil(n / s.households_per_grid))
        self.hh_grid = np.arange(n) * g // n
        self.grid_size = np.bincount(self.hh_grid, minlength=g)
        self.group_code = group_codes(self.elderly, self.migrant, ~self.owner)
        self.group_size = {"elderly": int(self.elderly.sum()), "migrant": int(self.migrant.sum()),
                           "renter": int((~self.owner).sum())}
        # nothing can observe a model still under construction, so the agent-added
        # signals of 3,000 registrations would go nowhere: suppress them
        if self.observed:
            with self.suppress():
                for i in range(n):
                    Resident(self, i)

    def init_compounds(self, rng: np.random.Generator) -> None:
        s, c = self.s, self.n_compounds
        managed = np.zeros(c, bool)
        managed[rng.permutation(c)[:round(s.property_firm_coverage * c)]] = True
        oc = np.zeros(c, bool)
        oc[rng.permutation(np.flatnonzero(managed))[:round(s.owners_committee_share * managed.sum())]] = True
        unmanaged_mode = self.SELF_GOVERNED if s.courtyard_self_governance else self.UNMANAGED
        self.comp_mode = np.where(managed, self.MANAGED, unmanaged_mode)
        self.comp_oc = oc
        self.comp_firm = np.where(managed, np.cumsum(managed) - 1, -1)
        self.comp_quality = np.full(c, s.unmanaged_quality)
        self.comp_collection = np.zeros(c)
        self.comp_legitimacy = np.zeros(c)
        self.comp_trust = np.zeros(c)  # the compound's mean trust (start_views, update_views)
        # this month's effects of public-matter outcomes: rows satisfaction up, trust up,
        # satisfaction down, trust down (applied at the month's end)
        self.comp_public = np.zeros((4, c))
        self.comp_sat_up, self.comp_trust_up, self.comp_sat_down, self.comp_trust_down = self.comp_public
        # how the compound's cases have been ending: a half-year memory of the share
        # resolved genuinely, fed by this month's closures (what neighbours say)
        self.comp_responsiveness = np.full(c, NO_RECORD)
        # the weight of what the compound has heard so far (0: nothing yet); the record
        # is the exponentially weighted mean of the monthly shares, normalised by it,
        # so the first closures heard replace NO_RECORD entirely (Resident.hear_how_cases_end)
        self.comp_record_weight = np.zeros(c)
        # the month's closures (households, and whether settled genuinely), told per
        # compound at the month's end
        self.closed_households: list[int] = []
        self.closed_genuine: list[bool] = []

    def init_constants(self) -> None:
        """Derived constants of the processes, computed once per run."""
        s = self.s
        self.n_types = len(CaseType)
        self.report_channel = (1.0 + s.digital_report_boost * self.digital) * np.where(
            self.migrant, s.migrant_report_factor + (1 - s.migrant_report_factor) * s.migrant_inclusion, 1.0)
        self.report_base = np.where(IS_DISPUTE, s.report_prob_week, min(1.0, 1.5 * s.report_prob_week))
        # service space: adequacy where a facility is within reach (clause 八), the
        # evenly spread share facility_coverage of compounds (clause 五/八: a share of
        # communities or village groups); meetings and activities elsewhere happen in
        # the open at meeting_without_facility of a saturated facility's attendance
        m2 = s.facility_m2_per_100_households
        adequacy = m2 / (m2 + s.facility_half_saturation)
        compound = np.arange(self.n_compounds)
        coverage = s.facility_coverage
        covered = np.floor((compound + 1) * coverage) > np.floor(compound * coverage)
        self.facility_adequacy = self.to_households(adequacy * covered)  # per household
        self.venue = s.meeting_without_facility + (1.0 - s.meeting_without_facility) * self.facility_adequacy
        # the desk serves needs in the community's rooms
        space_dependence = s.desk_space_dependence
        self.desk_space_factor = 1.0 - space_dependence + space_dependence * float(self.facility_adequacy.mean())
        # staff's shortcuts (clause 十六): a case they cannot give its time is cleared off
        # their books with a weekly chance that follows its payoff in their assessment,
        # logit in (1 - w) - w x cost (see work_cases)
        w = s.satisfaction_weight_in_assessment
        payoff = (1.0 - w) - w * s.shortcut_satisfaction_cost
        self.shortcut_chance = s.shortcut_week / (1.0 + math.exp(-s.incentive_sensitivity * payoff))
        # administrative tasks from above (clauses 四, 十四, S16): the rate pushed down per
        # worker-week, and the chance one is accepted (on the list of duties, or not
        # turned back by the access system); drawn monthly in assign_admin_tasks
        self.admin_tasks_week = s.admin_burden_share * s.work_hours_week / s.admin_task_hours
        self.admin_accept = 1.0 - (1.0 - s.admin_listed_share) * s.task_access_refusal
        self.admin_hours_spent = 0.0  # over all workers since the start (or the warm-up's end)
        self.work_hours_total = 0.0
        self.grid_case_hours = s.grid_case_hours
        self.visit_hours = s.visit_hours
        # satisfaction warranted by the environment: a floor for what the community does
        # not control, then property service, services used and responsiveness
        w = np.array([s.satisfaction_weight_property, s.satisfaction_weight_services,
                      s.satisfaction_weight_responsiveness])
        w = w / w.sum() if w.sum() > 0 else np.full(3, 1 / 3)  # relative weights
        self.satisfaction_weights = (s.satisfaction_floor, *((1.0 - s.satisfaction_floor) * w))
        self.view_rate = WEEKS_PER_MONTH / s.view_memory_weeks
        self.trust_rate = WEEKS_PER_MONTH / s.trust_memory_weeks
        # the part of the monthly drift of views that is per household (see
        # Resident.update_views): towards the household's own offset and, for users of
        # the community's services, their share of what the environment warrants
        # (satisfaction, refreshed monthly); towards the disposition's share of the
        # trust a household returns to (trust)
        self.view_target_household = np.stack((
            self.view_rate * self.satisfaction_offset,
            self.trust_rate * (1.0 - s.trust_weight_performance) * self.trust_disposition))
        self.view_keep = np.array([[1.0 - self.view_rate], [1.0 - self.trust_rate]])
        self.view_coefficients = np.empty((4, self.n_compounds))
        # an owner's view of the service is partly their own satisfaction
        self.owner_satisfaction_weight = s.fee_view_satisfaction_weight * self.owner
        self.responsiveness_rate = min(1.0, WEEKS_PER_MONTH / s.responsiveness_memory_weeks)
        self.neighbour_rate = min(1.0, WEEKS_PER_MONTH * s.neighbour_influence)
        self.training_interval_weeks = max(WEEKS_PER_MONTH, round(s.training_interval_years * WEEKS_PER_YEAR))
        self.skill_retention_month = math.exp(-WEEKS_PER_MONTH / s.skill_decay_weeks)
        self.experience_keep = 1.0 - s.experience_gain
        # escalation and abandonment per case type
        self.impact_lists = (s.case_outcome_impact * np.stack((SATISFACTION_IMPACT, TRUST_IMPACT))).tolist()
        self.escalation_by_type = np.where(IS_DISPUTE, s.escalation_week, 0.0)
        self.abandon_by_type = np.where(IS_DISPUTE, s.dispute_fade_week, s.need_give_up_week)
        self.age_rate = 1.0 / s.escalation_age_weeks
        # the share of disputes that need legal knowledge (a legal need is legal by its
        # type: the flag marks disputes only)
        self.legal_share_by_type = np.zeros(len(CaseType))
        self.legal_share_by_type[[CaseType.NEIGHBOUR, CaseType.PROPERTY]] = s.legal_complexity_share
        # deliberation calendar over the weeks of a year: n meetings spread evenly, each
        # in the middle of its share of the year (the k-th in week ceil(52 (k - 1/2) / n));
        # and whether one sits within the longest wait the committee accepts
        n, w = s.deliberation_per_year, np.arange(WEEKS_PER_YEAR)
        self.deliberation_calendar = np.floor((2 * w + 2) * n / (2 * WEEKS_PER_YEAR) + 0.5) > \
            np.floor((2 * w) * n / (2 * WEEKS_PER_YEAR) + 0.5)
        wait = s.deliberation_max_wait_weeks
        ahead = np.concatenate([self.deliberation_calendar] * (2 + wait // WEEKS_PER_YEAR))
        self.deliberation_soon = np.array([ahead[i:i + wait + 1].any() for i in range(WEEKS_PER_YEAR)])

    def init_organisations(self, rng: np.random.Generator) -> None:
        s = self.s
        n_so = round(s.social_orgs_per_1000_households * self.n_households / 1000)
        so_types = sorted(SO_ORDER[i % len(SO_ORDER)] for i in range(n_so))
        n_firms = int((self.comp_firm >= 0).sum())
        slots = self.slots = Slots(self.n_grids, so_types, n_firms)
        self.settled_this_month: list[int] = []  # slots of this month's genuine settlements
        self.settled_list = [0] * slots.n
        self.staff_shortcut = np.where(slots.staff, self.shortcut_chance, 0.0)
        self.grid_slot_range = slice(slots.grid0, slots.grid0 + self.n_grids)
        self.grid_slot_of_household = (slots.grid0 + self.hh_grid).tolist()
        # what work_cases needs per handler slot (refreshed weekly; the last two rows
        # are fixed: staff's shortcut chance, and 1 for the `none` slot) and per case
        # type (fixed)
        self.slot_table = np.zeros((6, slots.n))
        self.slot_table[4] = self.staff_shortcut
        self.slot_table[5, slots.none] = 1.0
        # what full attention does per slot: to escalation (people's mediation damps it
        # most), to abandonment (stops it)
        self.attention_effect = np.ones((2, slots.n))
        self.attention_effect[0] = s.attention_escalation_damping
        self.attention_effect[0, slots.mediation] = s.mediation_escalation_damping
        self.type_table = np.stack((self.escalation_by_type, self.abandon_by_type,
                                    s.severity_growth_week * IS_DISPUTE, IS_DISPUTE.astype(np.float64)))
        slots.case_hours[self.grid_slot_range] = s.grid_case_hours
        # per grid (GridWorker.plan_patrols): households, the chance a visit finds a
        # latent case, this week's coverage and chances of finding a case (rows: by the
        # patrol, by the patrol or a volunteer)
        self.grid_households = self.grid_size.tolist()
        self.grid_detect = [0.0] * self.n_grids
        self.grid_find = np.zeros((2, self.n_grids))
        self.volunteer_visits_per_household = 0.0
        self.activity_intensity = 0.0
        self.purchased_desk_hours = 0.0
        # a volunteer's contact finds a latent case as a fully skilled grid worker's visit
        # would; volunteer_visit_efficiency discounts their contacts (agents.mobilise_volunteers)
        self.volunteer_detect = s.detect_prob
        self.party = PartyOrganisation(self)
        professional = rng.random(self.n_grids) < s.professional_social_worker_share
        phases = rng.integers(0, self.training_interval_weeks, self.n_grids)
        start = rng.uniform(0.1, 0.5, self.n_grids)
        for g in range(self.n_grids):
            floor = self.skill_floor_of(professional[g])
            GridWorker(self, g, slots.grid0 + g, int(self.grid_size[g]), bool(professional[g]),
                       float(floor + (1 - floor) * start[g]), int(phases[g]))
        for i, t in enumerate(so_types):
            SocialOrganisation(self, t, slots.so0 + i)
        self.comp_kind_factor = np.ones((self.n_compounds, len(HandlerKind)))
        self.comp_supervision = np.full(self.n_compounds, s.residents_committee_supervision)
        for comp in np.flatnonzero(self.comp_firm >= 0):
            firm = PropertyFirm(self, int(comp), slots.firm0 + int(self.comp_firm[comp]), bool(self.comp_oc[comp]))
            self.comp_supervision[comp] = firm.supervision
        # where each case type goes when nothing more specific applies
        self.default_route = [slots.desk] * len(CaseType)
        # neighbour disputes that people's mediation has no room for wait for it; without
        # mediators the residents' committee mediates itself
        self.default_route[CaseType.NEIGHBOUR] = slots.mediation if s.mediators_per_1000_households > 0 else slots.committee
        self.default_route[CaseType.PROPERTY] = slots.committee
        self.default_route[CaseType.PUBLIC] = slots.committee
        if s.legal_advisor_hours_per_week > 0:
            self.default_route[CaseType.LEGAL_NEED] = slots.legal
        # comp_property_route[compound, severe]: property disputes go to the firm, or
        # when severe to the joint meeting (or the committee); to the courtyard council
        # where the compound governs itself; to the committee where nobody manages it
        self.comp_property_route = [[slots.committee, slots.committee] for _ in range(self.n_compounds)]
        for c in range(self.n_compounds):
            self.set_property_route(c)
        self.init_fit_table()

    def set_property_route(self, c: int) -> None:
        slots, route = self.slots, self.comp_property_route
        if self.comp_mode[c] == self.MANAGED:
            route[c] = [int(slots.firm0 + self.comp_firm[c]), slots.joint_meeting if self.s.joint_meeting else slots.committee]
        else:
            route[c] = [slots.courtyard if self.comp_mode[c] == self.SELF_GOVERNED else slots.committee] * 2

    def init_fit_table(self) -> None:
        """How well a handler of each kind suits each case type, beyond time and skill."""
        s = self.s
        fit = np.ones((len(CaseType), len(HandlerKind)))
        # psychological support needs qualified social workers
        fit[CaseType.PSYCH, :] = 0.3 + 0.7 * s.professional_social_worker_share
        fit[CaseType.PSYCH, HandlerKind.SOCIAL_ORG] = 1.0
        # legal needs at the desk: the committee can only point the way
        fit[CaseType.LEGAL_NEED, HandlerKind.DESK] = s.desk_legal_fit
        # the residents' committee: its chance depends on what it is asked to do —
        # decide a public matter top-down, mediate a property dispute without authority
        # over the firm, or mediate a neighbour dispute itself
        fit[:, HandlerKind.COMMITTEE] = 0.0
        fit[CaseType.PUBLIC, HandlerKind.COMMITTEE] = s.committee_decision_prob
        fit[CaseType.PROPERTY, HandlerKind.COMMITTEE] = s.committee_property_prob
        fit[CaseType.NEIGHBOUR, HandlerKind.COMMITTEE] = s.committee_mediation_fit * s.mediation_prob
        self.fit_table = fit.tolist()

    def start_views(self) -> None:
        """Views before any experience (the burn-in's start): satisfaction at what the
        environment warrants a household that has used no service yet and has no record
        to judge by, trust at its disposition."""
        weights = self.satisfaction_weights
        env = self.to_households(weights[0] + weights[1] * self.comp_quality + weights[3] * self.comp_responsiveness)
        self.satisfaction[:] = np.clip(env + self.satisfaction_offset, 0.0, 1.0)
        self.trust[:] = self.trust_disposition
        self.comp_trust = self.compound_sum(self.trust) / self.comp_size
        self.note_satisfaction_change()

    def take_state(self, state: BurnInState) -> None:
        """Start from the households' and compounds' state at the end of the burn-in."""
        self.satisfaction[:] = state.satisfaction
        self.trust[:] = state.trust
        self.propensity[:] = state.propensity
        self.last_participation[:] = state.last_participation
        self.last_activity[:] = state.last_activity
        self.comp_responsiveness[:] = state.responsiveness
        self.comp_record_weight[:] = state.record_weight
        self.comp_trust = self.compound_sum(self.trust) / self.comp_size
        self.note_satisfaction_change()

    def assign_admin_tasks(self) -> None:
        """Monthly: the administrative tasks pushed down from above (clauses 四, 十四)
        arrive as a Poisson flow; those on the list of duties are taken, the others as
        far as the access system does not turn them back. The accepted tasks take the
        workers' hours first (they are assessed on them), up to all of their hours."""
        s = self.s
        workers = self.party.workers + self.n_grids
        pushed = self.rng.poisson(self.admin_tasks_week * workers * WEEKS_PER_MONTH)
        accepted = self.rng.binomial(pushed, self.admin_accept) if pushed else 0
        per_worker_week = accepted * s.admin_task_hours / max(workers * WEEKS_PER_MONTH, 1e-9)
        self.admin_hours = min(s.work_hours_week, per_worker_week)
        self.free_hours = s.work_hours_week - self.admin_hours
        self.admin_workers = workers

    def note_satisfaction_change(self, hh: np.ndarray | None = None, change: np.ndarray | None = None) -> None:
        """Keep the satisfaction summed by household group (sim.outcomes.group_codes),
        and each household's chance of answering "satisfied" with its sum
        (sim.outcomes.share_satisfied), which the weekly outcomes read: adjusted for
        the change of households hh (each once), or worked out afresh. (Not in an
        unobserved model: the burn-in.)"""
        if not self.observed:
            return
        if hh is not None and len(set(hh.tolist())) == len(hh):
            self.satisfaction_by_group += np.bincount(self.group_code[hh], weights=change, minlength=8)
            chance = ndtr((self.satisfaction[hh] - self.survey_threshold[hh]) * self.survey_scale)
            self.satisfied_total += float((chance - self.satisfied_chance[hh]).sum())
            self.satisfied_chance[hh] = chance
        else:
            self.satisfaction_by_group = np.bincount(self.group_code, weights=self.satisfaction, minlength=8)
            self.satisfied_chance = ndtr((self.satisfaction - self.survey_threshold) * self.survey_scale)
            self.satisfied_total = float(self.satisfied_chance.sum())

    def compound_sum(self, x: np.ndarray) -> np.ndarray:
        """Per compound, the sum of x over its households (along the last axis)."""
        return np.add.reduceat(x, self.comp_start, axis=-1, dtype=np.float64)

    def to_households(self, x: np.ndarray) -> np.ndarray:
        """A value per compound (along the last axis) as a value per household."""
        return np.repeat(x, self.comp_households, axis=-1)

    def initial_pooled_skill(self, professional_share: float) -> float:
        """Mean starting skill of a pool of workers (community workers, mediators)."""
        floor = self.skill_floor_of(professional_share)
        return floor + (1 - floor) * 0.3

    # ---- skill (S10): what it is worth --------------------------------------------------------
    def skill_floor_of(self, professional_share: float) -> float:
        """The skill a worker (or pool of workers, by its qualified share) falls back to."""
        return self.s.skill_floor + self.s.professional_skill_bonus * professional_share

    def skill_factor(self, skill: float) -> float:
        """How skill scales a handler's weekly chances (settling, a visit finding a
        case): 1 at full skill, 1 - skill_effect at none."""
        return 1.0 - self.s.skill_effect * (1.0 - skill)

    def settlement_hold(self, skill: float) -> float:
        """The chance that a dispute's settlement by a handler of this skill holds."""
        floor = self.s.settlement_hold_floor
        return floor + (1.0 - floor) * skill

    def mediation_agreement_hold(self, skill: float) -> float:
        """A people's-mediation agreement is binding (People's Mediation Law 2010, art.
        31, 33): it prevents the share mediation_agreement_binding of the lapses an
        informal settlement at that skill would have."""
        return 1.0 - (1.0 - self.settlement_hold(skill)) * (1.0 - self.s.mediation_agreement_binding)

    # ---- organisations and calendars ------------------------------------------------------------
    @property
    def firms(self):
        return self.agents_by_type.get(PropertyFirm, ())

    def joint_meeting_sits(self) -> bool:
        return bool(self.s.joint_meeting) and self.week % self.s.joint_meeting_interval_weeks == 0

    def deliberation_sits(self) -> bool:
        return bool(self.deliberation_calendar[(self.week - 1) % WEEKS_PER_YEAR])

    def deliberation_near(self) -> bool:
        """Does a deliberation sit within the longest wait the committee accepts?"""
        return bool(self.deliberation_soon[(self.week - 1) % WEEKS_PER_YEAR])

    # ---- the week ---------------------------------------------------------------------------------
    def step(self) -> None:
        book = self.cases
        self.week = self.steps
        Resident.raise_cases(self)
        book.merge()
        self.party.plan_week()
        load = np.bincount(book.slot, minlength=self.slots.n)
        GridWorker.plan_patrols(self, load)
        self.party.triage(self.come_to_light(), load.tolist())
        if self.deliberation_sits():
            self.party.convene_deliberation()
        self.work_cases()
        self.admin_hours_spent += self.admin_hours * self.admin_workers
        self.work_hours_total += self.s.work_hours_week * self.admin_workers
        if self.week % WEEKS_PER_MONTH == 0:
            self.end_month()
        book.end_week()
        book.check_conservation()

    def end_month(self) -> None:
        """Fees, firms, activities, views and learning move monthly."""
        Resident.pay_fees(self)
        if self.firms:
            self.firms.do("review_month")
        Resident.take_part_in_activities(self)
        Resident.update_views(self)
        settled = self.settled_this_month
        self.settled_list = np.bincount(np.array(settled, np.int64), minlength=self.slots.n).tolist()
        settled.clear()
        self.agents_by_type[GridWorker].do("learn")
        self.party.learn()
        if self.week % WEEKS_PER_YEAR == 0:
            self.party.allocate_budget()
        self.start_month()

    def start_month(self) -> None:
        """Plans and rates for the coming month (and the fee collection of the month
        that ended, which the outcomes report)."""
        managed = self.comp_size * (self.comp_firm >= 0)  # households in managed compounds
        self.managed_households = float(managed.sum())
        self.fee_collection = float((self.comp_collection * managed).sum()) / self.managed_households \
            if self.managed_households else float("nan")
        self.assign_admin_tasks()
        self.party.plan_month()
        self.party.reconsider_waiting_needs()
        self.update_case_rates()
        self.update_comp_kind_factor()

    def init_case_rates(self) -> None:
        """Weekly rates of the case types that do not change during a run."""
        s = self.s
        yearly = np.zeros((self.n_households, self.n_types))
        yearly[:, CaseType.NEIGHBOUR] = s.rate_neighbour_dispute
        yearly[:, CaseType.PUBLIC] = s.rate_public_matter / self.comp_size[self.hh_comp]
        yearly[:, CaseType.ELDERLY_CARE] = s.rate_elderly_care_need * self.elderly
        yearly[:, CaseType.HEALTH] = s.rate_health_need * np.where(self.elderly, 3.0, 1.0)
        yearly[:, CaseType.LEGAL_NEED] = s.rate_legal_need
        yearly[:, CaseType.PSYCH] = s.rate_psych_need * np.where(self.vulnerable, 1.0, 1 / 30)
        self.static_rates = yearly / WEEKS_PER_YEAR  # the PROPERTY column stays 0 here
        self.static_rate_sum = self.static_rates.sum(axis=1)

    def update_case_rates(self) -> None:
        """Monthly: property-dispute rates follow service quality — a firm's, a
        courtyard council's (as good as its residents trust each other) or an unmanaged
        compound's neglect — and the running sum of every household's total rate."""
        s = self.s
        q = self.comp_quality
        if self.managed_households < self.n_households:
            q[self.comp_mode == self.UNMANAGED] = s.unmanaged_quality
            yard = self.comp_mode == self.SELF_GOVERNED
            q[yard] = np.minimum(1.0, s.unmanaged_quality + 0.5 * self.comp_trust[yard])
        self.property_rate = (s.rate_property_dispute + s.rate_property_dispute_poor_service * (1.0 - q)) / WEEKS_PER_YEAR
        self.rate_cumulative = np.cumsum(self.static_rate_sum + self.to_households(self.property_rate))
        self.rate_total = float(self.rate_cumulative[-1])

    def case_rates(self, hh: np.ndarray) -> np.ndarray:
        """This month's weekly rate of each case type, for households hh."""
        rates = self.static_rates.take(hh, axis=0)
        rates[:, CaseType.PROPERTY] = self.property_rate[self.hh_comp[hh]]
        return rates

    # ---- processes over all cases --------------------------------------------------------------------
    def open_cases(self, ctype: np.ndarray, hh: np.ndarray) -> None:
        """New latent cases for households hh (severity and legal complexity drawn)."""
        n, mean = len(hh), self.s.initial_severity_mean
        severity = self.rng.beta(6 * mean, 6 * (1 - mean), n)
        legal = self.rng.random(n) < self.legal_share_by_type[ctype]
        self.cases.add(self.week, ctype, hh, severity, legal)

    def come_to_light(self) -> np.ndarray:
        """Latent cases become known: reported by the household, or found by a grid
        worker's visit, a volunteer's contact, or a social organisation serving the
        household (discovery channels are rare and taken as additive). One draw per case
        decides whether and through which channel. Returns the cases now known."""
        book = self.cases
        latent = (book.state == LATENT).nonzero()[0]
        if not len(latent):
            return latent
        hh = book.hh[latent]
        p_report = Resident.report_chance(self, hh, book.ctype[latent], book.severity[latent])
        a, b = self.grid_find.take(self.hh_grid[hh], axis=1)  # patrol; patrol or volunteer
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
            book.make_known(known, channels, self.week)
        return known

    def outreach_chance(self, hh: np.ndarray) -> np.ndarray | float:
        """Social organisations serving a household notice its other troubles, as
        readily as the three-social linkage lets them pass them on."""
        link = self.s.three_social_linkage
        book = self.cases
        if link == 0:
            return 0.0
        at_so = self.slots.is_social_org[book.slot]
        if not at_so.any():
            return 0.0
        served = np.zeros(self.n_households, bool)
        served[book.hh[at_so]] = True
        return (self.s.outreach_find_prob * link) * served[hh]

    def assign_cases(self, idx: np.ndarray, slots: list[int], ctype: list[int] | None = None,
                     hh: list[int] | None = None, severity: list[float] | None = None) -> None:
        """Hand cases to handlers, noting how well each handler suits its case: its
        kind, the compound (courtyards, joint meeting) and the case's severity. (The
        caller may pass the cases' type, household and severity as lists.) Case by
        case: cases are handed over a few at a time."""
        book = self.cases
        if ctype is None:
            ctype, hh, severity = book.ctype[idx].tolist(), book.hh[idx].tolist(), book.severity[idx].tolist()
        kind, fit, factor, comp = self.slots.kind_list, self.fit_table, self.comp_kind_factor_list, self.hh_comp_list
        penalty = self.s.severity_penalty
        fits = [fit[t][kind[x]] * factor[comp[h]][kind[x]] * (1.0 - penalty * sv)
                for x, t, h, sv in zip(slots, ctype, hh, severity)]
        book.assign(idx, slots, fits, self.week)

    def update_comp_kind_factor(self) -> None:
        """Handlers whose success depends on the compound: courtyard councils work as
        well as their residents trust each other; the joint meeting as well as the
        compound's firm is supervised."""
        f = self.comp_kind_factor
        trust_weight, supervision_weight = self.s.courtyard_trust_weight, self.s.joint_meeting_supervision_weight
        f[:, HandlerKind.COURTYARD] = 1.0 - trust_weight + trust_weight * self.comp_trust
        f[:, HandlerKind.JOINT_MEETING] = 1.0 - supervision_weight + supervision_weight * self.comp_supervision
        self.comp_kind_factor_list = f.tolist()

    def work_cases(self) -> None:
        """One week of every open case: settled by its handler, cleared off the books by
        staff who cannot give it its time (closed on paper or passed upward), escalated
        beyond the community by the household, or given up — competing risks drawn with
        one uniform per case.

        What depends only on the handler (time share, chance, attention) is worked out
        per slot, and per (case type, slot), then looked up per case."""
        s, book, slots = self.s, self.cases, self.slots
        n = len(book)
        if n == 0:
            return
        ctype, severity, slot = book.ctype, book.severity, book.slot
        load = np.bincount(slot, minlength=slots.n)
        # grid workers give the cases now in hand (this week's new ones too) the time they
        # need, up to the share of their free time they keep for cases
        grid = self.grid_slot_range
        slots.hours[grid] = np.minimum(load[grid] * s.grid_case_hours, s.grid_case_time_share * self.free_hours)
        # the legal advisor's hours serve legally complex disputes (advice to whoever
        # handles them) and legal needs brought to the advisor, all in the same proportion
        legal = book.legal & (slot != slots.none)
        n_legal = np.count_nonzero(legal)
        demand = n_legal * s.legal_case_hours + load[slots.legal] * slots.case_hours[slots.legal]
        advice = min(1.0, s.legal_advisor_hours_per_week / demand) if demand > 0 else 1.0
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
            np.multiply(p_settle, s.legal_floor + (1.0 - s.legal_floor) * advice, out=p_settle, where=legal)
        # a deliberation is as legitimate as its attendance
        if slots.hours[slots.deliberation] > 0:
            delib = (slot == slots.deliberation).nonzero()[0]
            floor = s.deliberation_legitimacy_floor
            p_settle[delib] *= floor + (1.0 - floor) * self.comp_legitimacy[self.hh_comp[book.hh[delib]]]
        np.minimum(p_settle, 1.0, out=p_settle)
        # staff clear a case they hold past the platform's deadline as readily as one
        # they have no time for; severe disputes are passed upward, the rest closed on
        # paper (needs are never passed upward)
        overdue_shortcut *= book.slot_since <= self.week - s.closure_deadline_weeks
        np.maximum(shortcut, overdue_shortcut, out=shortcut)
        p_up = shortcut * severity
        p_up *= is_dispute
        # escalation grows with severity and weeks open; unattended grievances fade, and
        # needs waiting unserved are given up
        p_escalate = esc * esc_factor
        p_escalate *= severity * (book.clock + self.week * self.age_rate)
        p_abandon = ab * ab_factor
        lighter = 1.0 - severity
        p_abandon *= np.where(IS_DISPUTE[ctype], lighter, 1.0)  # a need's severity does not matter
        # the risks' running sums: settled, + closed on paper, + passed upward, + escalated, + given up
        risks = np.empty((5, n))
        risks[0] = p_settle
        np.add(risks[0], shortcut - p_up, out=risks[1])
        np.add(risks[1], p_up, out=risks[2])
        np.add(risks[2], p_escalate, out=risks[3])
        np.add(risks[3], p_abandon, out=risks[4])
        u = self.rng.random(n) * np.maximum(1.0, risks[4])  # rescaled where the risks exceed 1
        if book.closed_since_merge:  # closed earlier this week (no process does so today; kept so that none is worked twice)
            u[book.state == CLOSED] = np.inf
        # disputes nobody is handling worsen (those ending now too: it no longer matters)
        dispute *= no_handler  # the type table's row holds severity_growth_week for disputes
        lighter *= dispute
        severity += lighter
        ending = (u < risks[4]).nonzero()[0]
        if len(ending):
            u, p_settle = u[ending], p_settle[ending]
            risk = (u[None, :] >= risks[:4, ending]).sum(axis=0)
            self.end_cases(ending, ENDING_OF_RISK[risk], ctype[ending], slot[ending], u, p_settle)

    def end_cases(self, idx: np.ndarray, ending: np.ndarray, ctype: np.ndarray, slot: np.ndarray,
                  u: np.ndarray, p_settle: np.ndarray) -> None:
        """Close the cases ending this week, each with its Ending.

        A dispute's settlement holds with its handler's hold chance (u / p_settle is
        uniform given settlement: its top share lapses), else it lapses and the
        grievance comes back, as it does after a paper closure. Top-down decisions on
        public matters are accepted, or petitioned upward. Case by case: a week ends a
        few tens of cases, too few for array arithmetic to pay.
        """
        book, slots = self.cases, self.slots
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
            weight = self.s.topdown_trust_weight
            accept = self.s.topdown_acceptance * (1.0 - weight + weight * self.trust[hh])
            for i, yes in zip(decided, (self.rng.random(len(hh)) < accept).tolist()):
                ending[i] = GENUINE if yes else PETITIONED
            np.add.at(self.comp_trust_down, self.hh_comp[hh], 0.3 * self.s.case_outcome_impact)
        # only genuine settlements teach (paper, lapsed ones and rejected decisions do not)
        genuine = [e == GENUINE for e in ending]
        self.settled_this_month.extend(x for x, g in zip(slot, genuine) if g)
        back = [i for i, e in enumerate(ending) if RETURNS[e]]
        if back:
            back = idx[back]
            book.recurrences += len(back)
            book.add(self.week, book.ctype[back], book.hh[back],
                     np.minimum(1.0, book.severity[back] + self.s.recurrence_severity_step), book.legal[back])
        self.close_cases(idx, ending, ctype, slot, genuine)

    def close_cases(self, idx: np.ndarray, ending: list[int] | int, ctype: list[int] | None = None,
                    slot: list[int] | None = None, genuine: list[bool] | None = None) -> None:
        """Close cases (by Ending), and let the households concerned feel it: their own
        case moves their satisfaction, and their trust where the community's
        organisations were involved; a compound's public matter moves the compound.
        (The caller may pass the cases' type and slot, and ending == GENUINE, as lists.)"""
        book = self.cases
        if isinstance(ending, int):
            ending = [ending] * len(idx)
        if ctype is None:
            ctype, slot = book.ctype[idx].tolist(), book.slot[idx].tolist()
        if genuine is None:
            genuine = [e == GENUINE for e in ending]
        hh, known = book.close(idx, ctype, ending, slot, self.week)
        self.closed_households.extend(hh.tolist())
        self.closed_genuine.extend(genuine)
        if PUBLIC in ctype:
            comp, x = self.hh_comp_list, 0.3 * self.s.case_outcome_impact
            delib = self.slots.deliberation
            for h, t, e, sx, k in zip(hh.tolist(), ctype, ending, slot, known):
                if t == PUBLIC:
                    if e == GENUINE:
                        self.comp_sat_up[comp[h]] += x
                        if sx == delib:
                            self.comp_trust_up[comp[h]] += x
                    elif e == PETITIONED or e == PASSED_UP:
                        self.comp_sat_down[comp[h]] += x
                        if k:  # like a household's own case: trust suffers only if the community knew
                            self.comp_trust_down[comp[h]] += x
            own = [t != PUBLIC for t in ctype]
            hh = hh[own]
            ending, slot, known, genuine = ([v for v, o in zip(col, own) if o] for col in (ending, slot, known, genuine))
        # trust moves only where the community knew of the case; a settlement raises it
        # only where the community's own organisations (not the firm) settled it
        sat, trust, community = self.impact_lists[0], self.impact_lists[1], self.slots.community_list
        impact = np.array([[sat[e] for e in ending],
                           [trust[e] * (community[sx] if g else k) for e, sx, g, k in zip(ending, slot, genuine, known)]])
        Resident.feel(self, hh, np.array(genuine, bool), impact)

    # ---- property firms leaving --------------------------------------------------------------------
    def firm_leaves(self, firm: PropertyFirm) -> None:
        """The compound governs itself (where courtyard self-governance is on) or stays
        unmanaged; the firm's open complaints go to the courtyard council or committee."""
        comp = firm.compound
        self_govern = bool(self.s.courtyard_self_governance)
        self.comp_mode[comp] = self.SELF_GOVERNED if self_govern else self.UNMANAGED
        self.comp_firm[comp] = -1
        self.comp_collection[comp] = 0.0
        self.comp_supervision[comp] = self.s.residents_committee_supervision
        self.set_property_route(comp)
        book, slots = self.cases, self.slots
        mine = (book.slot == firm.slot).nonzero()[0]
        self.assign_cases(mine, [slots.courtyard if self_govern else slots.committee] * len(mine))
        firm.remove()


def _beta(rng: np.random.Generator, mean: float | np.ndarray, concentration: float, n: int) -> np.ndarray:
    mean = np.clip(mean, 1e-3, 1 - 1e-3)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n)
