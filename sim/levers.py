"""The one table of parameters: every lever of a scenario, with its clause.

Adding a lever is one row here plus the behaviour it drives. This table feeds
scenario validation, `govsim params`, the parameter table of docs/ODD.md (a test
checks they match), experiment designs and the SALib problem.

Three kinds of parameter, after EMA Workbench's split of levers and uncertainties:
- ``policy``: what the 2018 Implementation Opinions set or ask for; each names its clause.
- ``context``: the community the policy lands in (population make-up, layout).
- ``behaviour``: how people and organisations respond. These are the model's
  assumptions; they are exposed so that analysts can test them, not hide them.

A parameter may take a different default per settlement type (clause 五 sets
different community sizes for cities, towns and villages; villages have no
property firms). Resolution order: the scenario's own value, then the settlement
default, then the general default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sim.errors import InputError, show, unknown_key

Kind = Literal["policy", "context", "behaviour"]
ValueType = Literal["float", "int", "bool", "choice"]

SETTLEMENTS = ("urban", "town", "rural")


@dataclass(frozen=True)
class Lever:
    """One parameter: its type, default, bounds, unit, clause, meaning and source."""

    name: str
    kind: Kind
    type: ValueType
    default: Any
    unit: str
    clause: str
    meaning: str
    source: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    by_settlement: Mapping[str, Any] = field(default_factory=dict)

    @property
    def numeric(self) -> bool:
        return self.type in ("float", "int")

    @property
    def label(self) -> str:
        """How figures and tables name the lever: 'Households per grid worker'."""
        return LABELS.get(self.name, (self.name.replace("_", " ").capitalize(),))[0]

    @property
    def short(self) -> str:
        """A few characters for crowded legends and group names: 'hh/grid'."""
        entry = LABELS.get(self.name)
        return entry[1] if entry else self.name.replace("_", " ")

    def default_for(self, settlement: str) -> Any:
        return self.by_settlement.get(settlement, self.default)

    def allowed(self) -> str:
        """What values are allowed, in words, for error messages and tables."""
        if self.type == "bool":
            return "true or false"
        if self.type == "choice":
            return "one of " + ", ".join(f'"{c}"' for c in self.choices)
        kind = "an integer" if self.type == "int" else "a number"
        return f"{kind} in [{_fmt(self.low)}, {_fmt(self.high)}]"

    def check(self, value: Any, source: str | None = None) -> Any:
        """The value converted to this lever's type, or an InputError saying why not."""

        def bad(why: str) -> InputError:
            return InputError(
                f"{why} {show(value)}; allowed: {self.allowed()}", source=source, key=self.name
            )

        if self.type == "bool":
            if isinstance(value, bool):
                return value
            raise bad("expected true or false, got")
        if self.type == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            raise bad("got")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("expected a number, got")
        if self.type == "int":
            if isinstance(value, float) and not value.is_integer():
                raise bad("expected an integer, got")
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise bad("got")
        if not (self.low <= value <= self.high):
            raise bad("out of bounds:")
        return value


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:g}"


def _p(name, kind, type_, default, unit, clause, meaning, source, low=None, high=None,
       choices=(), **by_settlement) -> Lever:
    return Lever(name, kind, type_, default, unit, clause, meaning, source, low, high,
                 tuple(choices), dict(by_settlement))


ASSUMED = "assumption"

LEVERS: tuple[Lever, ...] = (
    # ---- policy levers ---------------------------------------------------------
    _p("settlement", "policy", "choice", "urban", "", "五",
       "urban, town or rural community; sets size and layout defaults",
       "clause 五 distinguishes city, town and rural communities",
       choices=SETTLEMENTS),
    _p("households", "policy", "int", 3000, "households", "五",
       "households in the community",
       "clause 五: 2000–4000 (city), 700–2000 (town), 300–1500 (rural); defaults near the middle",
       100, 50000, town=1200, rural=800),
    _p("households_per_grid", "policy", "int", 300, "households", "十一",
       "households per grid, each with one full-time grid worker",
       "clause 十一 (grid-based service management); 300 is a common municipal grid norm — assumption",
       30, 3000, town=250, rural=200),
    # -- administrative work from above and service space (clauses 四, 五, 八, 十四) --
    _p("admin_burden_share", "policy", "float", 0.5, "share of time", "四, 十四",
       "administrative tasks the street office and departments push down onto the community, as the share of "
       "community and grid workers' hours they would take if all were accepted (the time actually spent, "
       "after the access system, is the outcome admin_time_share)",
       "clauses 四 (list of powers and duties) and 十四 (burden reduction); no time-use statistic was found "
       "(STATISTICS.md §5): 0.65 before 2018 and 0.5 after (Beijing halved meetings and paper ledgers, §5) are assumptions",
       0.0, 0.95),
    _p("task_access_refusal", "policy", "float", 0.47, "share of tasks", "四, 十四",
       "share of pushed-down tasks outside the community's list of duties that the access system (准入) turns back",
       "clause 十四 (work-item access system); Beijing cancelled 150 of 322 municipal items pushed onto "
       "communities in 2016 (STATISTICS.md §5) — used as the 2020 value; 0 before 2018",
       0.0, 1.0),
    _p("facility_m2_per_100_households", "policy", "float", 30.0, "m² per 100 households", "八",
       "community service space where a facility is within reach",
       "clause 八: the standard is 30 m² per 100 households",
       0.0, 100.0),
    _p("facility_coverage", "policy", "float", 1.0, "share of compounds", "五, 八",
       "share of compounds (in villages: village groups) within reach of a community service facility",
       "clause 八: city communities fully covered by 2020, rural communities 50% (a share of communities, "
       "modelled as the share of one community's compounds)",
       0.0, 1.0, rural=0.5),
    _p("social_orgs_per_1000_households", "policy", "float", 3.3, "per 1000 households", "六",
       "community social organisations",
       "MCA 2017 opinion on community social organisations: by 2020 at least 10 per urban and 5 per rural community",
       0.0, 20.0, town=4.2, rural=6.2),
    _p("professional_social_worker_share", "policy", "float", 0.3, "share of workers", "十八",
       "share of community workers, grid workers and social-organisation staff with a social-work qualification",
       "clause 十八 (professionalisation, allowances); 0.3 by 2020 — assumption",
       0.0, 1.0, rural=0.15),
    _p("three_social_linkage", "policy", "float", 0.6, "0–1", "六",
       "how readily cases are referred between the community, social organisations and social workers",
       "clause 六 (三社联动); 0 = no referral, 1 = every suitable case referred — the 2020 value is an assumption",
       0.0, 1.0),
    _p("deliberation_per_year", "policy", "int", 6, "meetings per year", "七",
       "resident deliberation meetings on public-interest matters and hard disputes (0 = none)",
       "clause 七 (democratic consultation); bimonthly meetings — assumption",
       0, 52),
    _p("legal_advisor_hours_per_week", "policy", "float", 4.0, "hours per week", "十",
       "time of the community legal advisor (0 = none)",
       "clause 十: one legal advisor per community; half a day a week on site — assumption",
       0.0, 40.0),
    _p("mediators_per_1000_households", "policy", "float", 3.0, "per 1000 households", "十一",
       "people's mediators of the community mediation committee",
       "clause 十一 (people's mediation organisations) — assumption",
       0.0, 20.0),
    _p("property_firm_coverage", "policy", "float", 0.8, "share of compounds", "十五",
       "share of compounds served by a property firm",
       "clause 十五; commercial estates are mostly managed, old courtyards often not — assumption",
       0.0, 1.0, town=0.4, rural=0.0),
    _p("owners_committee_share", "policy", "float", 0.5, "share of managed compounds", "十五",
       "share of managed compounds with an owners' committee",
       "clause 十五; owners' committees were formed in a minority of estates before 2018 — assumption",
       0.0, 1.0, town=0.3, rural=0.0),
    _p("joint_meeting", "policy", "bool", True, "", "十五",
       "the multi-party joint meeting (party organisation, residents' committee, owners' committee, firm, social organisations) for property disputes",
       "clause 十五"),
    _p("courtyard_self_governance", "policy", "bool", True, "", "五",
       "compounds without a property firm govern themselves (courtyard councils) rather than stay unmanaged",
       "clauses 五 and 十五 (院落自治; self-, entrusted or co-management of old courtyards)"),
    _p("digital_platform_adoption", "policy", "float", 0.5, "share of households", "十二",
       "share of households using the online reporting platform",
       "clause 十二 (一号申请、一窗受理、一网通办); 0.5 by 2020 — assumption",
       0.0, 1.0, town=0.35, rural=0.25),
    _p("party_volunteers_per_100_households", "policy", "float", 2.0, "per 100 households", "三",
       "registered party members volunteering in the community (双报到)",
       "clause 三 (双报到) — assumption",
       0.0, 20.0),
    _p("migrant_inclusion", "policy", "float", 0.6, "0–1", "七",
       "how far migrant households are drawn into deliberation and activities (1 = as locals)",
       "clause 七 (orderly participation of the floating population) — assumption",
       0.0, 1.0),
    _p("training_interval_years", "policy", "float", 3.0, "years", "十八",
       "full training of community workers, grid workers and mediators every N years",
       "clause 十八: full training every 3 years",
       0.5, 10.0),
    _p("satisfaction_weight_in_assessment", "policy", "float", 0.6, "0–1", "十六",
       "weight of resident satisfaction in how community staff are assessed",
       "clause 十六: satisfaction as the main yardstick; 0.6 — assumption",
       0.0, 1.0),
    _p("budget_per_household", "policy", "float", 100.0, "yuan per household per year", "十七",
       "community governance and service budget",
       "clause 十七; Chengdu's community fund was at least 200,000 yuan per community a year — assumption",
       0.0, 1000.0),
    _p("community_workers_per_1000_households", "policy", "float", 3.0, "per 1000 households", "十八",
       "full-time community workers of the residents' committee (besides grid workers)",
       "clause 十八 (community worker posts); one per 300–400 households is a common norm — assumption",
       0.0, 20.0),
    _p("warmup_weeks", "context", "int", 0, "weeks", "—",
       "weeks simulated under the scenario's levers before recording starts (0: start from 2017 conditions)",
       "0 studies the transition from 2017; a warm-up of a year or more compares steady states",
       0, 520),
    _p("burn_in_weeks", "context", "int", 26, "weeks", "—",
       "weeks the community first lives under the pre-2018 regime (the policy levers of PRE_POLICY) to reach "
       "the households' views, propensities, participation and compounds' record of 2017 (0: start from "
       "households' dispositions)",
       "replaces initial values tuned to the model's own output; 26 weeks (one responsiveness memory) keeps a default run "
       "within 1.25× of its cost without; longer burn-ins are cached per seed (docs/ODD.md §5)",
       0, 520),
    # ---- context ---------------------------------------------------------------
    _p("compound_size", "context", "int", 250, "households", "五",
       "households per compound / courtyard (小区/院落)",
       "assumption",
       5, 5000, town=120, rural=60),
    _p("migrant_share", "context", "float", 0.25, "share of households", "—",
       "share of migrant (non-local) households",
       "assumption; Chengdu had a large non-registered resident population in 2018",
       0.0, 1.0, town=0.15, rural=0.05),
    _p("elderly_share", "context", "float", 0.30, "share of households", "—",
       "share of households headed by someone aged 60 or over",
       "assumption informed by the 2020 census (21.7% of Sichuan's people were 60+)",
       0.0, 1.0, town=0.35, rural=0.45),
    _p("owner_share", "context", "float", 0.75, "share of households", "—",
       "share of owner-occupier households (the rest rent)",
       "assumption informed by the 2020 census (about a fifth of city households rent)",
       0.0, 1.0, town=0.85, rural=0.95),
    _p("migrant_owner_ratio", "context", "float", 0.4, "relative", "—",
       "home ownership of migrant households relative to locals' (the mean stays owner_share)",
       "assumption: migrants mostly rent", 0.0, 1.0),
    _p("vulnerable_share", "context", "float", 0.08, "share of households", "十一",
       "households in difficulty (minimum-living allowance, disability, left-behind members)",
       "assumption; about 5% of Sichuan's people drew the minimum-living allowance around 2018",
       0.0, 1.0),
    # ---- behaviour: cases arising --------------------------------------------------
    _p("rate_neighbour_dispute", "behaviour", "float", 0.05, "per household per year", "十一",
       "neighbour and family disputes arising",
       "assumption; people's mediation handled roughly 0.02 disputes per household a year nationally in the late 2010s, a fraction of all disputes",
       0.0, 1.0),
    _p("rate_property_dispute", "behaviour", "float", 0.01, "per household per year", "十五",
       "property-management disputes arising even under perfect service",
       ASSUMED, 0.0, 1.0),
    _p("rate_property_dispute_poor_service", "behaviour", "float", 0.10, "per household per year", "十五",
       "extra property disputes at zero service quality (scales with 1 − quality)",
       ASSUMED, 0.0, 2.0),
    _p("rate_public_matter", "behaviour", "float", 2.0, "per compound per year", "七",
       "public-interest matters needing a collective decision (renovation, lifts, parking)",
       ASSUMED, 0.0, 20.0),
    _p("rate_elderly_care_need", "behaviour", "float", 0.30, "per elderly household per year", "八",
       "elderly-care needs",
       ASSUMED, 0.0, 3.0),
    _p("rate_health_need", "behaviour", "float", 0.05, "per household per year", "八",
       "health-service needs of households without elderly members (elderly: ×3)",
       ASSUMED, 0.0, 2.0),
    _p("rate_legal_need", "behaviour", "float", 0.03, "per household per year", "十",
       "needs for legal consultation or aid",
       ASSUMED, 0.0, 1.0),
    _p("rate_psych_need", "behaviour", "float", 0.30, "per vulnerable household per year", "十一",
       "psychological-support needs of vulnerable households (others: ×1/30)",
       ASSUMED, 0.0, 3.0),
    _p("legal_complexity_share", "behaviour", "float", 0.25, "share of disputes", "十",
       "share of neighbour and property disputes that need legal knowledge to resolve",
       ASSUMED, 0.0, 1.0),
    _p("initial_severity_mean", "behaviour", "float", 0.33, "0–1", "—",
       "mean severity of a new dispute (Beta distribution, concentration 6)",
       ASSUMED, 0.05, 0.95),
    # ---- behaviour: reporting and discovery ----------------------------------------
    _p("report_prob_week", "behaviour", "float", 0.08, "per week", "十二",
       "weekly chance that a fully trusting local household off the platform reports a latent dispute of severity 0.5 (× (0.5 + severity); needs: ×1.5)",
       ASSUMED, 0.0, 1.0),
    _p("digital_report_boost", "behaviour", "float", 1.0, "relative", "十二",
       "extra reporting of platform users (reporting chance × (1 + boost))",
       ASSUMED, 0.0, 5.0),
    _p("elderly_digital_ratio", "behaviour", "float", 0.37, "relative", "十二",
       "platform adoption of elderly households relative to others",
       "CNNIC 43rd report (2019): internet use about 22% among people 60+ against 59.6% overall",
       0.0, 1.0),
    _p("migrant_report_factor", "behaviour", "float", 0.7, "relative", "七",
       "reporting of migrant households relative to locals, before inclusion",
       ASSUMED, 0.0, 1.0),
    _p("severity_growth_week", "behaviour", "float", 0.02, "per week", "十一",
       "growth of an unattended dispute's severity towards 1",
       ASSUMED, 0.0, 0.2),
    _p("dispute_fade_week", "behaviour", "float", 0.01, "per week", "—",
       "weekly chance that a household gives up a dispute nobody attends to (× (1 − severity))",
       ASSUMED, 0.0, 0.2),
    _p("need_give_up_week", "behaviour", "float", 0.03, "per week", "八",
       "weekly chance that a waiting, unserved need is given up (unmet)",
       ASSUMED, 0.0, 0.5),
    _p("work_hours_week", "behaviour", "float", 40.0, "hours per week", "十四",
       "working hours of a community or grid worker",
       "statutory 40-hour week", 20.0, 60.0),
    _p("visit_hours", "behaviour", "float", 0.5, "hours", "十一",
       "time a grid worker needs per household visit, travel included",
       ASSUMED, 0.1, 3.0, town=0.6, rural=0.8),
    _p("detect_prob", "behaviour", "float", 0.6, "probability", "十一",
       "chance that a visit brings a latent case to light (scaled by skill)",
       ASSUMED, 0.0, 1.0),
    _p("volunteer_hours_week", "behaviour", "float", 2.0, "hours per week", "三",
       "time a registered party volunteer gives",
       ASSUMED, 0.0, 20.0),
    _p("volunteer_visit_efficiency", "behaviour", "float", 0.5, "relative", "三",
       "discovery per volunteer hour of informal contact, relative to a fully skilled grid worker's visits",
       ASSUMED, 0.0, 1.0),
    # ---- behaviour: handling ---------------------------------------------------------
    _p("simple_severity", "behaviour", "float", 0.45, "0–1", "十一",
       "disputes below this severity and without legal complexity are mediated by the grid worker",
       ASSUMED, 0.0, 1.0),
    _p("hard_severity", "behaviour", "float", 0.65, "0–1", "七",
       "disputes above this severity are hard: deliberated where deliberation exists",
       ASSUMED, 0.0, 1.0),
    _p("grid_case_hours", "behaviour", "float", 2.0, "hours per case-week", "十一",
       "grid-worker time a case in hand takes each week",
       ASSUMED, 0.1, 20.0),
    _p("grid_mediation_prob", "behaviour", "float", 0.35, "per week", "十一",
       "weekly chance a grid worker settles a simple dispute, with full time and skill, at zero severity",
       ASSUMED, 0.0, 1.0),
    _p("mediator_hours_week", "behaviour", "float", 4.0, "hours per week", "十一",
       "time a people's mediator gives",
       ASSUMED, 0.0, 40.0),
    _p("mediation_case_hours", "behaviour", "float", 3.0, "hours per case-week", "十一",
       "mediation time a dispute in hand takes each week",
       ASSUMED, 0.1, 20.0),
    _p("mediation_prob", "behaviour", "float", 0.30, "per week", "十一",
       "weekly chance the mediation committee settles a dispute, with full time and skill, at zero severity",
       ASSUMED, 0.0, 1.0),
    _p("desk_case_hours", "behaviour", "float", 2.0, "hours per case-week", "八",
       "community-worker time a service need in hand takes each week",
       ASSUMED, 0.1, 20.0),
    _p("desk_service_prob", "behaviour", "float", 0.25, "per week", "八",
       "weekly chance the residents' committee meets a need itself, with full time and skill",
       ASSUMED, 0.0, 1.0),
    _p("so_service_prob", "behaviour", "float", 0.45, "per week", "六",
       "weekly chance a social organisation meets a need of its type, with full time and fully qualified staff",
       ASSUMED, 0.0, 1.0),
    _p("so_case_hours", "behaviour", "float", 2.0, "hours per case-week", "六",
       "social-organisation time a case in hand takes each week",
       ASSUMED, 0.1, 20.0),
    _p("so_cost_per_hour", "behaviour", "float", 60.0, "yuan per hour", "十七",
       "cost of an hour of purchased social-organisation service",
       "assumption; social workers earned about 4,000 yuan a month around 2018, with overheads",
       10.0, 500.0),
    _p("so_volunteer_hours_week", "behaviour", "float", 8.0, "hours per week", "六",
       "unpaid hours each social organisation brings",
       ASSUMED, 0.0, 100.0),
    _p("committee_property_prob", "behaviour", "float", 0.04, "per week", "十五",
       "weekly chance the residents' committee alone settles a property dispute (no authority over the firm)",
       ASSUMED, 0.0, 1.0),
    _p("committee_decision_prob", "behaviour", "float", 0.30, "per week", "七",
       "weekly chance the residents' committee decides a public matter top-down",
       ASSUMED, 0.0, 1.0),
    _p("topdown_acceptance", "behaviour", "float", 0.85, "probability", "七",
       "chance residents accept a top-down decision at full trust (see topdown_trust_weight; else they petition upward)",
       ASSUMED, 0.0, 1.0),
    _p("courtyard_prob", "behaviour", "float", 0.20, "per week", "五",
       "weekly chance a courtyard council settles a property matter, at full trust and zero severity",
       ASSUMED, 0.0, 1.0),
    _p("unmanaged_quality", "behaviour", "float", 0.25, "0–1", "十五",
       "property-service quality of an unmanaged compound; courtyard councils add half their residents' mean trust",
       ASSUMED, 0.0, 1.0),
    _p("firm_response_prob", "behaviour", "float", 0.30, "per week", "十五",
       "weekly chance a property firm settles a complaint at full effort and zero severity",
       ASSUMED, 0.0, 1.0),
    _p("firm_patience_weeks", "behaviour", "int", 4, "weeks", "十五",
       "weeks a property dispute stays with the firm before it goes to the joint meeting or committee",
       ASSUMED, 1, 52),
    _p("joint_meeting_prob", "behaviour", "float", 0.7, "per meeting", "十五",
       "chance the joint meeting settles a property dispute on its agenda, at zero severity and full supervision",
       ASSUMED, 0.0, 1.0),
    _p("joint_meeting_interval_weeks", "behaviour", "int", 4, "weeks", "十五",
       "weeks between joint meetings",
       ASSUMED, 1, 26),
    _p("meeting_agenda", "behaviour", "int", 10, "items", "七",
       "items a deliberation or joint meeting can take up",
       ASSUMED, 1, 100),
    _p("deliberation_prob", "behaviour", "float", 0.8, "per meeting", "七",
       "chance a deliberation settles an item when attendance reaches the quorum, at zero severity",
       ASSUMED, 0.0, 1.0),
    _p("deliberation_max_wait_weeks", "behaviour", "int", 8, "weeks", "七",
       "a matter goes to deliberation only if a meeting sits within this many weeks; otherwise the committee decides",
       ASSUMED, 1, 52),
    _p("attendance_quorum", "behaviour", "float", 0.10, "share of households", "七",
       "attendance at which a deliberation is fully legitimate",
       ASSUMED, 0.01, 1.0),
    _p("legal_case_hours", "behaviour", "float", 1.0, "hours per case-week", "十",
       "legal-advisor time a legally complex case takes each week",
       ASSUMED, 0.1, 10.0),
    _p("legal_floor", "behaviour", "float", 0.25, "relative", "十",
       "settlement chance of a legally complex dispute without legal advice, relative to with",
       ASSUMED, 0.0, 1.0),
    _p("severity_penalty", "behaviour", "float", 0.6, "relative", "十一",
       "how much severity lowers the chance of settlement (× (1 − penalty × severity))",
       ASSUMED, 0.0, 1.0),
    _p("escalation_week", "behaviour", "float", 0.008, "per week", "十一",
       "weekly chance a dispute of severity 1 leaves the community (street office, petition, court), before attention's damping",
       ASSUMED, 0.0, 0.5),
    _p("attention_escalation_damping", "behaviour", "float", 0.5, "share", "十一",
       "share of a dispute's weekly escalation chance that full attention from its handler (or a place on a meeting's agenda) takes away",
       ASSUMED, 0.0, 1.0),
    _p("mediation_escalation_damping", "behaviour", "float", 0.8, "share", "十一",
       "the same for a dispute in people's mediation: mediators act to keep a dispute from intensifying",
       "People's Mediation Law 2010 art. 25 (mediators take preventive measures where a dispute may intensify); the value is an assumption",
       0.0, 1.0),
    _p("escalation_age_weeks", "behaviour", "float", 8.0, "weeks", "十一",
       "escalation risk grows by its base value every this many weeks a dispute stays open",
       ASSUMED, 1.0, 104.0),
    # ---- behaviour: handlers' time, chances and fit (S2, S4; formerly fixed constants) ----
    _p("grid_case_time_share", "behaviour", "float", 0.6, "share of free hours", "十一",
       "share of a grid worker's free hours that cases in hand may take; the rest goes to patrol",
       ASSUMED, 0.0, 1.0),
    _p("desk_time_share", "behaviour", "float", 0.6, "share of free hours", "八",
       "share of community workers' free hours at the service desk",
       ASSUMED, 0.0, 1.0),
    _p("committee_time_share", "behaviour", "float", 0.3, "share of free hours", "七",
       "share of community workers' free hours on the committee's cases (decisions, property disputes, mediation without mediators); desk and committee shares together at most 1 is not enforced, the rest is unmodelled duties",
       ASSUMED, 0.0, 1.0),
    _p("committee_case_hours", "behaviour", "float", 3.0, "hours per case-week", "七",
       "community-worker time a case at the committee takes each week",
       ASSUMED, 0.1, 20.0),
    _p("legal_need_case_hours", "behaviour", "float", 1.5, "hours per case-week", "十",
       "legal-advisor time a legal need brought to the advisor takes each week",
       ASSUMED, 0.1, 15.0),
    _p("legal_advice_prob", "behaviour", "float", 0.5, "per week", "十",
       "weekly chance the legal advisor meets a legal need, with full time",
       ASSUMED, 0.0, 1.0),
    _p("desk_legal_fit", "behaviour", "float", 0.3, "relative", "十",
       "fit of the service desk for a legal need (it can only point the way)",
       ASSUMED, 0.0, 1.0),
    _p("committee_mediation_fit", "behaviour", "float", 0.5, "relative to mediation_prob", "十一",
       "the residents' committee's chance of settling a neighbour dispute itself, relative to people's mediation (used only without mediators)",
       ASSUMED, 0.0, 2.0),
    _p("outreach_find_prob", "behaviour", "float", 0.3, "per week", "六",
       "weekly chance that a social organisation serving a household brings its other latent case to light, at full three-social linkage",
       ASSUMED, 0.0, 1.0),
    _p("courtyard_trust_weight", "behaviour", "float", 0.5, "0–1", "五",
       "how far a courtyard council's success depends on its residents' mean trust (factor 1 − weight + weight × trust)",
       ASSUMED, 0.0, 1.0),
    _p("joint_meeting_supervision_weight", "behaviour", "float", 0.3, "0–1", "十五",
       "how far the joint meeting's success depends on the supervision of the compound's firm (factor 1 − weight + weight × supervision)",
       ASSUMED, 0.0, 1.0),
    _p("deliberation_legitimacy_floor", "behaviour", "float", 0.4, "relative", "七",
       "a deliberation's chance of settling an item with nobody attending, relative to a quorate one",
       ASSUMED, 0.0, 1.0),
    _p("recurrence_severity_step", "behaviour", "float", 0.1, "0–1", "十六",
       "rise in severity of a grievance that returns after a paper closure or a lapsed settlement",
       ASSUMED, 0.0, 1.0),
    _p("so_unqualified_factor", "behaviour", "float", 0.6, "relative", "十八",
       "a social organisation's chance (and the hold of its settlements) with no qualified staff, relative to fully qualified staff",
       ASSUMED, 0.0, 1.0),
    _p("topdown_trust_weight", "behaviour", "float", 0.3, "0–1", "七",
       "how far residents' acceptance of a top-down decision depends on their trust (× (1 − weight + weight × trust))",
       ASSUMED, 0.0, 1.0),
    _p("firm_quality_floor", "behaviour", "float", 0.2, "0–1", "十五",
       "property-service quality a firm keeps up at no effort",
       ASSUMED, 0.0, 1.0),
    _p("firm_quality_span", "behaviour", "float", 0.7, "0–1", "十五",
       "rise of a firm's service quality from no to full effort (quality capped at 1)",
       ASSUMED, 0.0, 1.0),
    _p("firm_initial_effort", "behaviour", "float", 0.6, "0–1", "十五",
       "a property firm's effort at the start",
       ASSUMED, 0.0, 1.0),
    _p("firm_min_effort", "behaviour", "float", 0.05, "0–1", "十五",
       "the least effort a firm's fees are taken to afford",
       ASSUMED, 0.0, 1.0),
    _p("firm_effort_adjustment", "behaviour", "float", 0.3, "per month", "十五",
       "monthly share of the gap to its target effort that a firm closes",
       ASSUMED, 0.0, 1.0),
    # ---- behaviour: staff incentives (clause 十六) ----------------------------------------
    _p("shortcut_week", "behaviour", "float", 0.05, "per week", "十六",
       "weekly chance that staff who cannot give a case its time (overloaded, or holding it past the deadline) consider clearing it off their books; they do so with the logit chance of its payoff in their assessment",
       ASSUMED, 0.0, 1.0),
    _p("closure_deadline_weeks", "behaviour", "int", 4, "weeks", "十二",
       "weeks a case may stay with a staff handler before it counts as overdue on the platform",
       "assumption; platforms set reply limits of days (Chengdu's 网络理政 platform replied in 4.24 working days on average in 2020–21) and closure limits of weeks",
       1, 52),
    _p("incentive_sensitivity", "behaviour", "float", 3.0, "per unit payoff", "十六",
       "logit scale of staff's choice to clear a case off their books: chance = logistic(sensitivity × payoff), payoff = (1 − w) − w × shortcut_satisfaction_cost",
       ASSUMED, 0.0, 20.0),
    _p("shortcut_satisfaction_cost", "behaviour", "float", 1.0, "relative", "十六",
       "what a case cleared without a settlement costs staff in the satisfaction part of their assessment, relative to what closing it earns in the part on upward targets",
       ASSUMED, 0.0, 5.0),
    # ---- behaviour: what skill is worth (clause 十八) -------------------------------------
    _p("skill_effect", "behaviour", "float", 0.5, "relative", "十八",
       "how much skill scales handlers' weekly chances (settling, a visit finding a case): × (1 − skill_effect × (1 − skill)); elasticity at skill z: skill_effect·z / (1 − skill_effect·(1 − z))",
       ASSUMED, 0.0, 1.0),
    _p("settlement_hold_floor", "behaviour", "float", 0.6, "probability", "十八",
       "chance that a dispute settled by a handler of skill 0 stays settled (skill z: floor + (1 − floor) z); a settlement that does not hold comes back as a new case",
       "assumption; re-mediation of agreements that failed is rare in official statistics (over 96% success), but these count agreements, not whether they held",
       0.0, 1.0),
    _p("mediation_agreement_binding", "behaviour", "float", 0.5, "share of lapses", "十一",
       "share of the lapses of an informal settlement that a binding people's-mediation agreement prevents",
       "People's Mediation Law 2010 art. 31 (a mediation agreement binds the parties) and art. 33 (judicial confirmation); the value is an assumption",
       0.0, 1.0),
    # ---- behaviour: skill --------------------------------------------------------------
    _p("skill_floor", "behaviour", "float", 0.2, "0–1", "十八",
       "skill an untrained worker falls back to",
       ASSUMED, 0.0, 1.0),
    _p("skill_decay_weeks", "behaviour", "float", 104.0, "weeks", "十八",
       "e-folding time of skill's decay towards the floor without training",
       ASSUMED, 4.0, 1000.0),
    _p("training_gain", "behaviour", "float", 0.4, "share of gap", "十八",
       "share of the gap to full skill that a training closes",
       ASSUMED, 0.0, 1.0),
    _p("experience_gain", "behaviour", "float", 0.01, "share of gap", "十八",
       "share of the gap to full skill that settling one case closes",
       ASSUMED, 0.0, 0.2),
    _p("professional_skill_bonus", "behaviour", "float", 0.2, "0–1", "十八",
       "extra skill floor of workers with a social-work qualification",
       ASSUMED, 0.0, 1.0),
    # ---- behaviour: property firms -------------------------------------------------------
    _p("fee_threshold", "behaviour", "float", 0.25, "0–1", "十五",
       "satisfaction with property service at which half the households pay their fees",
       ASSUMED, 0.0, 1.0),
    _p("fee_sensitivity", "behaviour", "float", 6.5, "per unit", "十五",
       "slope of the logistic fee-payment rule",
       ASSUMED, 0.0, 100.0),
    _p("firm_fixed_cost", "behaviour", "float", 0.55, "share of full fees", "十五",
       "a firm's fixed cost, in units of the fees of a fully paying compound",
       ASSUMED, 0.0, 1.0),
    _p("firm_effort_cost", "behaviour", "float", 0.40, "share of full fees", "十五",
       "a firm's extra cost at full effort",
       ASSUMED, 0.0, 1.0),
    _p("firm_shirking", "behaviour", "float", 0.4, "share of effort", "十五",
       "share of affordable effort an unsupervised firm withholds (× (1 − supervision))",
       ASSUMED, 0.0, 1.0),
    _p("firm_exit_months", "behaviour", "int", 12, "months", "十五",
       "consecutive loss-making months after which a firm leaves",
       ASSUMED, 1, 120),
    _p("owners_committee_supervision", "behaviour", "float", 0.7, "0–1", "十五",
       "supervision an owners' committee exerts on its firm",
       ASSUMED, 0.0, 1.0),
    _p("residents_committee_supervision", "behaviour", "float", 0.3, "0–1", "十五",
       "supervision the residents' committee exerts on every firm (acting for owners where there is no owners' committee)",
       ASSUMED, 0.0, 1.0),
    _p("joint_meeting_supervision", "behaviour", "float", 0.1, "0–1", "十五",
       "extra supervision of firms where the joint meeting sits",
       ASSUMED, 0.0, 1.0),
    # ---- behaviour: views and participation ------------------------------------------------
    _p("trust_disposition", "behaviour", "float", 0.6, "0–1", "十六",
       "mean of local households' disposition to trust (Beta, concentration 10; migrants lower by migrant_trust_gap): the part of "
       "their trust in community organisations that does not depend on how the community performs",
       "proxy: about 60% of Chinese respondents say most people can be trusted (World Values Survey, wave 6); "
       "no survey of trust in community organisations was found",
       0.05, 0.95),
    _p("migrant_trust_gap", "behaviour", "float", 0.1, "0–1", "七",
       "how much lower migrant households' mean trust disposition is than locals' (floor 0.02)",
       ASSUMED, 0.0, 0.5),
    _p("trust_weight_performance", "behaviour", "float", 0.6, "0–1", "十六",
       "weight of the compound's record (responsiveness) in the trust a household returns to; the rest is its disposition",
       "Mishler & Rose (2001): trust in institutions follows their performance more than cultural dispositions; "
       "the value is an assumption",
       0.0, 1.0),
    _p("participation_propensity", "behaviour", "float", 0.15, "0–1", "七",
       "mean of households' lasting propensity to take part in community affairs (Beta, concentration 5), "
       "to which their propensity returns after the habit of taking part",
       "assumption; the share of residents taking part in deliberation was not found (STATISTICS.md §8)",
       0.01, 0.95),
    _p("satisfaction_disposition_sd", "behaviour", "float", 0.1, "0–1", "十六",
       "standard deviation of households' lasting offsets from the satisfaction their environment warrants "
       "(some are harder to please), drawn once",
       "dispositional component of satisfaction (Staw & Ross 1985); the value is an assumption",
       0.0, 0.5),
    _p("survey_threshold_mean", "behaviour", "float", 0.6, "0–1", "十六",
       "mean latent satisfaction at which a household answers \"satisfied\" or \"very satisfied\" "
       "(the upper two of five equally spaced answer categories begin at 0.6)",
       "response model: ordered probit with household-specific thresholds (King et al. 2004); 0.6 is the "
       "equal-spacing assumption",
       0.0, 1.0),
    _p("survey_threshold_sd", "behaviour", "float", 0.1, "0–1", "十六",
       "standard deviation of households' response thresholds (differential item functioning), drawn once",
       "King et al. (2004) on thresholds that differ between respondents; the value is an assumption",
       0.0, 0.5),
    _p("survey_noise_sd", "behaviour", "float", 0.05, "0–1", "十六",
       "standard deviation of the noise in one answer (ordered probit)",
       ASSUMED, 0.001, 0.5),
    _p("meeting_without_facility", "behaviour", "float", 0.5, "relative", "七, 八",
       "attendance of deliberation and activities where no service facility is within reach (in the open, a "
       "courtyard, the village office), relative to a facility at saturation",
       "assumption: villages meet without a facility (clause 七's village deliberation predates the facility "
       "programme); no attendance statistic was found (STATISTICS.md §8)",
       0.0, 1.0),
    _p("view_memory_weeks", "behaviour", "float", 52.0, "weeks", "十六",
       "time scale on which satisfaction returns to what the living environment warrants",
       ASSUMED, 4.0, 1000.0),
    _p("trust_memory_weeks", "behaviour", "float", 156.0, "weeks", "十六",
       "time scale on which trust returns to a household's base level",
       ASSUMED, 4.0, 1000.0),
    _p("satisfaction_floor", "behaviour", "float", 0.3, "0–1", "十六",
       "satisfaction warranted by what the community does not control",
       ASSUMED, 0.0, 1.0),
    _p("satisfaction_weight_property", "behaviour", "float", 0.25, "0–1", "十五",
       "relative weight of property-service quality in the satisfaction the environment warrants (the three weights share 1 − satisfaction_floor)",
       ASSUMED, 0.0, 1.0),
    _p("satisfaction_weight_services", "behaviour", "float", 0.2, "0–1", "八",
       "relative weight of the community's services and activities in the satisfaction the environment warrants, "
       "for a household that joined its activities in the last 52 weeks (service space acts through this use)",
       ASSUMED, 0.0, 1.0),
    _p("satisfaction_weight_responsiveness", "behaviour", "float", 0.25, "0–1", "十六",
       "relative weight of responsiveness — how the compound's cases have been ending — in the satisfaction the environment warrants",
       ASSUMED, 0.0, 1.0),
    _p("responsiveness_memory_weeks", "behaviour", "float", 26.0, "weeks", "十六",
       "time scale of a compound's memory of how its cases ended",
       ASSUMED, 4.0, 520.0),
    _p("neighbour_influence", "behaviour", "float", 0.01, "per week", "十六",
       "weekly pull of a household's views towards its compound's mean (what neighbours say)",
       ASSUMED, 0.0, 0.5),
    _p("case_outcome_impact", "behaviour", "float", 0.2, "share of gap", "十六",
       "how far one's own case outcome moves satisfaction and trust (good: towards 1, bad: towards 0)",
       ASSUMED, 0.0, 1.0),
    _p("public_matter_impact", "behaviour", "float", 0.3, "relative to case_outcome_impact", "七",
       "how far a compound's public matter moves the views of every household of the compound, relative to "
       "case_outcome_impact: its outcome (settled, escalated) and, for a top-down decision of the committee, the "
       "trust it costs whether or not it is accepted",
       "procedural justice: a decision taken without residents' say costs the authority legitimacy even when "
       "accepted (Lind & Tyler 1988; Tyler 2006); clause 七 asks that such matters be deliberated; the value is an "
       "assumption",
       0.0, 1.0),
    _p("deliberation_trust_gain", "behaviour", "float", 0.05, "share of gap", "七",
       "trust gained by taking part in a deliberation (procedural fairness)",
       ASSUMED, 0.0, 1.0),
    _p("participation_habit", "behaviour", "float", 0.05, "share of gap", "七",
       "rise in the propensity to take part after taking part",
       ASSUMED, 0.0, 1.0),
    _p("facility_half_saturation", "behaviour", "float", 15.0, "m² per 100 households", "八",
       "service space at which facilities give half their full benefit",
       ASSUMED, 1.0, 100.0),
    _p("activity_rate_month", "behaviour", "float", 0.15, "per month", "三",
       "monthly chance that a household with full propensity joins a volunteer-run activity at full volunteer and space provision",
       ASSUMED, 0.0, 1.0),
    # ---- behaviour: organisations' time, budget, activities and fees (formerly fixed constants) ----
    _p("admin_task_hours", "behaviour", "float", 2.0, "hours per task", "十四",
       "hours one pushed-down administrative task (a form, ledger, inspection, meeting) takes",
       "assumption; only task counts were found, not their time (STATISTICS.md §5)",
       0.25, 20.0),
    _p("admin_listed_share", "behaviour", "float", 0.33, "share of tasks", "四",
       "share of pushed-down tasks that are on the community's list of duties (statutory; the access system cannot refuse them)",
       "Beijing 2018: 53 of 162 community work items statutory, 109 assisting government (STATISTICS.md §5)",
       0.0, 1.0),
    _p("desk_space_dependence", "behaviour", "float", 0.5, "0–1", "八",
       "share of the desk's hours that need the service space: desk hours × (1 − d + d·F̄)",
       ASSUMED, 0.0, 1.0),
    _p("deliberation_turnout", "behaviour", "float", 0.5, "probability", "七",
       "chance that a household with full propensity, trust and inclusion, and a saturated venue, attends a deliberation",
       "assumption; the share of residents taking part in deliberation was not found (STATISTICS.md §8)",
       0.0, 1.0),
    _p("attendance_trust_dependence", "behaviour", "float", 0.5, "0–1", "七",
       "how much attendance depends on trust: × (1 − d + d·trust)",
       ASSUMED, 0.0, 1.0),
    _p("activity_trust_gain", "behaviour", "float", 0.0125, "share of gap", "三",
       "trust gained by taking part in an activity (a quarter of a deliberation's by default)",
       ASSUMED, 0.0, 1.0),
    _p("volunteer_activity_share", "behaviour", "float", 0.5, "share of hours", "三",
       "share of registered volunteers' hours spent running activities (the rest on informal contact)",
       ASSUMED, 0.0, 1.0),
    _p("activity_hours_full_provision", "behaviour", "float", 2.0, "hours per 100 households per week", "三",
       "activity hours a week per 100 households at which activities are fully provided",
       ASSUMED, 0.1, 20.0),
    _p("activity_budget_share", "behaviour", "float", 0.1, "share of budget", "十七",
       "share of the community budget buying activity hours",
       ASSUMED, 0.0, 1.0),
    _p("service_budget_share_base", "behaviour", "float", 0.3, "share of budget", "十七",
       "share of the budget buying social-organisation services when satisfaction carries no weight in assessment",
       ASSUMED, 0.0, 1.0),
    _p("service_budget_share_assessment", "behaviour", "float", 0.3, "share of budget", "十六, 十七",
       "extra share of the budget buying services at full weight of satisfaction in assessment (× the weight)",
       ASSUMED, 0.0, 1.0),
    _p("fee_view_satisfaction_weight", "behaviour", "float", 0.5, "0–1", "十五",
       "weight of an owner-occupier's own satisfaction in their view of the property service (the rest: service quality)",
       ASSUMED, 0.0, 1.0),
)

LEVER_BY_NAME: dict[str, Lever] = {lever.name: lever for lever in LEVERS}

# How readers see the policy and context levers: (label, short form). Labels name the
# lever in figures and tables; short forms name design points in legends. A lever
# without an entry (the behaviour levers) is shown by its name in words.
LABELS: dict[str, tuple[str, str]] = {
    "settlement": ("Settlement type", "settlement"),
    "households": ("Households in the community", "hh"),
    "households_per_grid": ("Households per grid worker", "hh/grid"),
    "admin_burden_share": ("Administrative burden (share of time)", "burden"),
    "facility_m2_per_100_households": ("Service space (m² per 100 households)", "m²/100hh"),
    "social_orgs_per_1000_households": ("Social organisations per 1000 households", "orgs/1000hh"),
    "professional_social_worker_share": ("Qualified social workers (share)", "qualified"),
    "three_social_linkage": ("Three-social linkage", "linkage"),
    "deliberation_per_year": ("Deliberation meetings per year", "deliberations/yr"),
    "legal_advisor_hours_per_week": ("Legal advisor (hours per week)", "legal h/wk"),
    "mediators_per_1000_households": ("Mediators per 1000 households", "mediators/1000hh"),
    "property_firm_coverage": ("Compounds with a property firm (share)", "firm cover"),
    "owners_committee_share": ("Managed compounds with an owners' committee (share)", "owners' cttee"),
    "joint_meeting": ("Property joint meeting", "joint meeting"),
    "courtyard_self_governance": ("Courtyard self-governance", "courtyard"),
    "digital_platform_adoption": ("Households on the digital platform (share)", "platform"),
    "party_volunteers_per_100_households": ("Party volunteers per 100 households", "volunteers/100hh"),
    "migrant_inclusion": ("Migrant inclusion", "migrant incl."),
    "training_interval_years": ("Training interval (years)", "training yrs"),
    "satisfaction_weight_in_assessment": ("Weight of satisfaction in staff assessment", "sat. weight"),
    "budget_per_household": ("Budget (yuan per household per year)", "budget"),
    "community_workers_per_1000_households": ("Community workers per 1000 households", "workers/1000hh"),
    "warmup_weeks": ("Warm-up (weeks)", "warm-up"),
    "compound_size": ("Households per compound", "hh/compound"),
    "migrant_share": ("Migrant households (share)", "migrants"),
    "elderly_share": ("Elderly households (share)", "elderly"),
    "owner_share": ("Owner-occupiers (share)", "owners"),
    "vulnerable_share": ("Households in difficulty (share)", "vulnerable"),
}
POLICY_LEVERS: tuple[str, ...] = tuple(l.name for l in LEVERS if l.kind == "policy")

# The regime before the 2018 Implementation Opinions: the policy levers of
# scenarios/baseline-2017.toml (a test keeps the two equal; the file says where each
# value comes from). The burn-in (sim/burn_in.py) runs a community under these values,
# its own context and behaviour kept, to reach its 2017 state. Community size and
# settlement are the community's own; facility coverage too (clause 八's rural
# target has no 2017 figure for Sichuan).
PRE_POLICY: dict[str, Any] = {
    "households_per_grid": 800,
    "admin_burden_share": 0.65,
    "task_access_refusal": 0.0,
    "facility_m2_per_100_households": 18.0,
    "social_orgs_per_1000_households": 1.0,
    "professional_social_worker_share": 0.1,
    "three_social_linkage": 0.2,
    "deliberation_per_year": 1,
    "legal_advisor_hours_per_week": 0.0,
    "mediators_per_1000_households": 2.0,
    "owners_committee_share": 0.25,
    "joint_meeting": False,
    "courtyard_self_governance": False,
    "digital_platform_adoption": 0.1,
    "party_volunteers_per_100_households": 0.5,
    "migrant_inclusion": 0.3,
    "training_interval_years": 6.0,
    "satisfaction_weight_in_assessment": 0.2,
    "budget_per_household": 50.0,
    "community_workers_per_1000_households": 2.5,
}

# Levers that were replaced: an old scenario naming one gets told what took its place.
REPLACED: dict[str, str] = {
    "initial_satisfaction": "the burn-in (burn_in_weeks) under the pre-2018 regime",
    "initial_trust": "trust_disposition and the burn-in (burn_in_weeks)",
    "initial_participation": "the burn-in (burn_in_weeks)",
    "initial_propensity": "participation_propensity",
    "satisfaction_weight_facilities": "satisfaction_weight_services",
    "initial_responsiveness": "a compound record that starts from the first closures its households hear of",
}


def lever(name: str, source: str | None = None) -> Lever:
    """The lever of that name, or an InputError suggesting the closest one."""
    try:
        return LEVER_BY_NAME[name]
    except KeyError:
        if name in REPLACED:
            raise InputError(f"lever '{name}' was replaced by {REPLACED[name]} (docs/ODD.md)",
                             source=source, key=name) from None
        raise unknown_key(name, LEVER_BY_NAME, source=source, what="lever") from None


class Levers(dict):
    """Every lever's value, validated: what `resolve` returns. The model and the run
    take a Levers as it is (validated once, at the boundary) and resolve anything
    else. A plain dict in every other respect."""


def resolve(values: Mapping[str, Any], source: str | None = None) -> Levers:
    """Every lever's value: validated explicit values, then settlement and general defaults.

    The result has one entry per lever, in table order, so that a run is always
    described in full by its record. Resolving a Levers again returns it unchanged.
    """
    if isinstance(values, Levers) and source is None:
        return values
    checked = {name: lever(name, source).check(v, source) for name, v in values.items()}
    settlement = checked.get("settlement", LEVER_BY_NAME["settlement"].default)
    return Levers({
        l.name: checked[l.name] if l.name in checked else l.default_for(settlement)
        for l in LEVERS
    })


def table_rows() -> list[dict[str, Any]]:
    """The lever table as plain rows (for `govsim params --json` and the ODD table)."""
    rows = []
    for l in LEVERS:
        rows.append({
            "name": l.name, "kind": l.kind, "type": l.type, "default": l.default,
            "by_settlement": dict(l.by_settlement), "low": l.low, "high": l.high,
            "choices": list(l.choices), "unit": l.unit, "clause": l.clause,
            "meaning": l.meaning, "source": l.source,
        })
    return rows


def markdown_table() -> str:
    """The lever table in Markdown, as docs/ODD.md carries it."""
    head = ("| name | kind | default | town / rural | allowed | unit | clause | meaning | source |\n"
            "|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for l in LEVERS:
        alt = " / ".join(_cell(l.default_for(s)) for s in ("town", "rural")) if l.by_settlement else ""
        lines.append(
            f"| `{l.name}` | {l.kind} | {_cell(l.default)} | {alt} | {l.allowed()} | {l.unit} "
            f"| {l.clause} | {l.meaning} | {l.source} |"
        )
    return "\n".join(lines)


def _cell(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)
