"""GovernanceModel: a community of households, its organisations, and their cases.

One step is one week; a month is four weeks, 13 a year (sim.calendar). The model
puts the community together from parts with one job each and runs the week's
processes in the order of docs/ODD.md §3:

    households   who lives here, compounds and grids        sim.households
    views        satisfaction and trust                      sim.views
    compounds    property management, routes, legitimacy     sim.compounds
    space        service space and what it adds              sim.facilities
    skill        what skill is worth, how it is learnt       sim.skill
    meetings     when deliberation and joint meetings sit    sim.meetings
    admin        administrative tasks from above             sim.admin
    cases        the case book                               sim.cases
    slots        the handlers' time and chances              sim.slots
    arising      how cases arise                             sim.arising
    discovery    how cases come to light                     sim.discovery
    casework     case work and how cases end                 sim.casework

The agents (sim.agents) decide; the parts hold the state and vectorised arithmetic.
The model never does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario

from sim.admin import AdminWork
from sim.agents import GridWorker, PartyOrganisation, PropertyFirm, Resident, SocialOrganisation
from sim.arising import CaseArising
from sim.burn_in import pre_policy_state
from sim.calendar import WEEKS_PER_MONTH, WEEKS_PER_YEAR
from sim.casework import CaseWork
from sim.cases import CaseBook, CaseType
from sim.compounds import Compounds
from sim.discovery import Discovery
from sim.facilities import ServiceSpace
from sim.households import Households
from sim.levers import Levers, resolve
from sim.meetings import MeetingCalendar
from sim.skill import SkillRules
from sim.slots import Slots
from sim.views import Views

if TYPE_CHECKING:
    from sim.scenario import ScenarioFile

# Social-organisation service types in the order communities tend to found them
# (clause 六 lists mediation, health and elderly care, ...; elderly care first).
SO_ORDER = (CaseType.ELDERLY_CARE, CaseType.NEIGHBOUR, CaseType.PSYCH, CaseType.HEALTH,
            CaseType.LEGAL_NEED)


class GovernanceModel(mesa.Model):
    """A community under the levers of one scenario, seeded for reproducibility."""

    def __init__(self, levers: Mapping[str, Any] | None = None, *, seed: int | None = None,
                 observed: bool = True) -> None:
        """A community under `levers` (validated here unless they come from
        sim.levers.resolve already), seeded by `seed` (None: fresh entropy). With
        `burn_in_weeks` > 0 its households start from the state the pre-2018 regime
        leads them to (sim.burn_in). An unobserved model (the burn-in, which nobody
        measures) leaves out the running sums the outcomes read."""
        values = levers if isinstance(levers, Levers) else resolve(levers or {})
        if seed is None:  # the burn-in must see the same households: fix the seed now
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        super().__init__(scenario=Scenario(rng=seed, **values))
        self.levers = levers = self.scenario  # read-only during the run (Mesa's Scenario)
        self.week = 0
        # the population comes from its own child stream: the same seed gives the same
        # households whatever the levers do later (common random numbers)
        population_rng = self.rng.spawn(1)[0]
        self.households = households = Households(levers, population_rng)
        self.views = Views(levers, households, observed)
        self.compounds = Compounds(levers, households, population_rng)
        self.space = ServiceSpace(levers, households)
        self.skill = SkillRules(levers)
        self.meetings = MeetingCalendar(levers)
        n_so = round(levers.social_orgs_per_1000_households * households.n / 1000)
        self.so_types = sorted(SO_ORDER[i % len(SO_ORDER)] for i in range(n_so))
        self.slots = slots = Slots(households.n_grids, self.so_types, int((self.compounds.firm >= 0).sum()))
        self.compounds.route_property_disputes(slots)
        self.cases = CaseBook(no_slot=slots.none, age_rate=1.0 / levers.escalation_age_weeks,
                              mediation_slot=slots.mediation, community=slots.community_list)
        self.arising = CaseArising(levers, households, self.cases, self.rng)
        self.discovery = Discovery(levers, households, self.views, self.cases, slots, self.rng)
        self.party = PartyOrganisation(self)
        self.admin = AdminWork(levers, self.party.workers + households.n_grids)
        self.casework = CaseWork(levers, households, self.views, self.compounds, self.cases, slots, self.admin,
                                 self.rng)
        self.residents_added = False
        self.add_agents(population_rng)
        self.views.start(self.compounds.quality)
        if levers.burn_in_weeks:
            self.views.take_state(pre_policy_state(GovernanceModel, values, seed))  # a plain model, whatever observes this one
        self.party.allocate_budget()
        Resident.pay_fees(self)  # the fees of the month before the run
        self.start_month()

    def add_agents(self, rng: np.random.Generator) -> None:
        """The grid workers (their skill drawn from the population stream), social
        organisations and property firms, kept by role for the model's own use (Mesa's
        registry is for observers: see `agents`)."""
        levers, households, slots = self.levers, self.households, self.slots
        g = households.n_grids
        professional = rng.random(g) < levers.professional_social_worker_share
        phases = rng.integers(0, self.skill.training_interval_weeks, g)
        start = rng.uniform(0.1, 0.5, g)
        self.grid_workers = []
        for i in range(g):
            floor = self.skill.floor_of(professional[i])
            self.grid_workers.append(GridWorker(self, i, slots.grid0 + i, bool(professional[i]),
                                                float(floor + (1 - floor) * start[i]), int(phases[i])))
        self.social_organisations = [SocialOrganisation(self, t, slots.so0 + i) for i, t in enumerate(self.so_types)]
        compounds = self.compounds
        self.firms = [PropertyFirm(self, int(c), slots.firm0 + int(compounds.firm[c]), bool(compounds.owners_committee[c]))
                      for c in np.flatnonzero(compounds.firm >= 0)]

    # ---- households as Mesa agents, for observers -------------------------------------------------
    def add_residents(self) -> None:
        """One Resident agent per household, the first time anything looks at the
        model's agents. A Resident is a view of its household's row, and households
        behave as a population (sim.agents.Resident), so the model's processes never
        need the 3,000 objects; creating them costs as much as a month of the model, so a
        run that nobody observes goes without. Signals are suppressed while they are
        registered: nothing could have subscribed to them before they existed."""
        if self.residents_added:
            return
        self.residents_added = True
        with self.suppress():
            for i in range(self.households.n):
                Resident(self, i)

    @property
    def agents(self):
        """All agents (Mesa's registry), households included."""
        self.add_residents()
        return super().agents

    @property
    def agents_by_type(self):
        """Agents by type (Mesa's registry), households included."""
        self.add_residents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self.add_residents()
        return super().agent_types

    @classmethod
    def from_scenario(cls, scenario: str | Path | ScenarioFile = "sichuan-2020", *, seed: int | None = None,
                      **levers: Any) -> GovernanceModel:
        """A model of a scenario (a name in scenarios/, a file, or a loaded
        sim.scenario.ScenarioFile), with lever overrides on top:

            model = GovernanceModel.from_scenario("sichuan-2020", seed=1, households_per_grid=200)
            for _ in range(52):
                model.step()

        Bad names or values raise sim.errors.InputError naming the lever. Without a
        seed the run is not reproducible."""
        from sim.scenario import ScenarioFile, load
        sc = scenario if isinstance(scenario, ScenarioFile) else load(scenario)
        model = cls({**sc.overrides, **levers}, seed=seed)
        model.scenario_name = sc.name
        return model

    # ---- the week ---------------------------------------------------------------------------------
    def step(self) -> None:
        """One week, in the order of docs/ODD.md §3:

        1. cases arise (S1), and join the book;
        2. the party sets this week's meeting agendas; grid workers plan their patrols
           from the cases in hand (S2);
        3. latent cases come to light (S3) and are triaged, routed and referred (S4);
        4. deliberation sits, in its weeks (S8);
        5. handlers work their cases, and cases end (S5, S6);
        6. the week's administrative hours are counted (S16);
        7. at a month's end: fees, firms, activities, views, learning, the budget
           (yearly) and the next month's plans (see end_month);
        8. the book notes the week and checks that no case is lost.
        """
        book = self.cases
        self.week = week = self.steps
        self.arising.raise_cases(week)
        book.merge()
        self.party.plan_week()
        load = np.bincount(book.slot, minlength=self.slots.n)
        GridWorker.plan_patrols(self, load)
        self.party.triage(self.discovery.come_to_light(week), load.tolist())
        if self.meetings.deliberation_sits(week):
            self.party.convene_deliberation()
        self.casework.work_cases(week)
        self.admin.count_week()
        if week % WEEKS_PER_MONTH == 0:
            self.end_month()
        book.end_week()
        book.check_conservation()

    def end_month(self) -> None:
        """Fees, firms, activities, views and learning move monthly; the budget yearly."""
        Resident.pay_fees(self)
        for firm in list(self.firms):  # (a firm may leave)
            firm.review_month()
        Resident.take_part_in_activities(self)
        Resident.update_views(self)
        self.casework.count_settled()
        for worker in self.grid_workers:
            worker.learn()
        self.party.learn()
        if self.week % WEEKS_PER_YEAR == 0:
            self.party.allocate_budget()
        self.start_month()

    def start_month(self) -> None:
        """Plans and rates for the coming month (and the fee collection of the month
        that ended, which the outcomes report)."""
        compounds = self.compounds
        compounds.count_fees()
        self.admin.assign_admin_tasks(self.rng)
        self.party.plan_month()
        self.party.reconsider_waiting_needs()
        compounds.update_quality(self.views.compound_trust)
        self.arising.update_case_rates(compounds.quality)
        compounds.update_kind_factor(self.views.compound_trust)

    def restart_counts(self) -> None:
        """Count afresh from now (the end of a warm-up): cases, and hours."""
        self.cases.restart_counts(self.week)
        self.admin.restart_counts()
