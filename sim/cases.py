"""The case book: every dispute and service need, from the week it arises to its end.

Cases are rows of parallel numpy arrays owned by the model. Only open cases are
kept; a closed case leaves the arrays at the weekly `merge` (which also takes in the
week's new cases) and is added to the running counts, so the cost of a week grows
with the open caseload, not with history. Conservation — created = resolved +
escalated + abandoned + open — is checked here, every week.

States: latent (the household has it, nobody in the community knows) -> known
(reported by the household or found by a grid worker, volunteer or social
organisation) -> handling (a handler slot has it) -> resolved, escalated (left the
community: street office, petition, court) or abandoned (given up: a grievance
swallowed, a need unmet).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class CaseType(IntEnum):
    NEIGHBOUR = 0     # neighbour and family disputes
    PROPERTY = 1      # property-management disputes
    PUBLIC = 2        # public-interest matters of a compound
    ELDERLY_CARE = 3
    HEALTH = 4
    LEGAL_NEED = 5
    PSYCH = 6


N_TYPES = len(CaseType)
IS_DISPUTE = np.array([t <= CaseType.PUBLIC for t in CaseType])


class State(IntEnum):
    LATENT = 0
    KNOWN = 1
    HANDLING = 2
    CLOSED = 3  # closed this week; dropped at the next `merge`


# plain ints for the hot paths (comparing an array with an IntEnum is slower)
LATENT, KNOWN, HANDLING, CLOSED = (int(s) for s in State)


class Outcome(IntEnum):
    CREATED = 0
    RESOLVED = 1
    ESCALATED = 2
    ABANDONED = 3


class Ending(IntEnum):
    """How a case ends: what happened, finer than the Outcome it counts as.

    Settlements that do not last still count as resolved, as the official statistics
    count them (a mediation that ends in an agreement is a success): the grievance
    comes back as a new case.
    """

    GENUINE = 0    # settled, and the settlement holds
    PETITIONED = 1  # the household took it beyond the community (street office, petition, court)
    GIVEN_UP = 2   # a grievance swallowed, a need unmet
    PAPER = 3      # closed on paper by staff who could not give it its time (comes back)
    PASSED_UP = 4  # passed upward to the street office by staff who could not give it its time
    LAPSED = 5     # settled, but the settlement does not hold (comes back)


# plain ints for the case-by-case loops
GENUINE, PETITIONED, GIVEN_UP, PAPER, PASSED_UP, LAPSED = (int(e) for e in Ending)
N_ENDINGS = len(Ending)
OUTCOME_OF_ENDING = (int(Outcome.RESOLVED), int(Outcome.ESCALATED), int(Outcome.ABANDONED),
                     int(Outcome.RESOLVED), int(Outcome.ESCALATED), int(Outcome.RESOLVED))
# endings whose grievance returns as a new case
RETURNS = (False, False, False, True, False, True)


class Channel(IntEnum):
    """How a case came to the community's knowledge."""

    REPORTED = 0   # the household reported it (in person or on the platform)
    PATROL = 1     # a grid worker's visit
    VOLUNTEER = 2  # a party volunteer's informal contact
    OUTREACH = 3   # a social organisation serving the household


# The open cases are columns of two blocks, one of integers and one of reals; each
# field is a row of its block (a contiguous view). A block per dtype makes dropping the
# closed cases and taking in the new ones a handful of numpy calls a week, whatever
# the number of fields.
_INT_FIELDS = ("ctype", "hh", "state", "slot", "created", "slot_since")
_REAL_FIELDS = ("severity", "fit", "clock")


class CaseBook:
    """Open cases as parallel arrays, plus cumulative counts of everything closed.

    A case nobody holds (latent, known, closed) has the handler slot `no_slot`, so
    `slot == s` alone says "in hand at s" (sim.slots: the `none` slot).
    """

    # the row views, refreshed at every merge
    ctype: np.ndarray       # CaseType
    hh: np.ndarray          # household
    state: np.ndarray       # State
    slot: np.ndarray        # handler slot (no_slot while none)
    created: np.ndarray     # week the case arose
    slot_since: np.ndarray  # week the current handler took it
    severity: np.ndarray
    fit: np.ndarray         # how well the handler suits the case
    clock: np.ndarray       # 1 - created x age_rate: escalation's age factor is clock + week x age_rate

    def __init__(self, no_slot: int, age_rate: float, mediation_slot: int = -1,
                 community: list[bool] | None = None) -> None:
        self.no_slot = no_slot
        self.age_rate = age_rate
        # which slot is the people's mediation committee, and which slots are the
        # community's own handlers (sim.slots.COMMUNITY_KINDS): for the observables
        self.mediation_slot = mediation_slot
        self.community = community if community is not None else [True] * (no_slot + 1)
        self._ints = np.empty((len(_INT_FIELDS), 0), np.int64)
        self._reals = np.empty((len(_REAL_FIELDS), 0), np.float64)
        self.legal = np.empty(0, bool)  # a dispute that needs legal knowledge
        self._views()
        # a new case: latent, with no handler
        self._new_ints = np.array([[0], [0], [LATENT], [no_slot], [0], [-1]], np.int64)
        # counts[type, Outcome]: cumulative created / resolved / escalated / abandoned
        self.counts = np.zeros((N_TYPES, len(Outcome)), np.int64)
        self._flat_counts = self.counts.reshape(-1)  # a view, for bincount updates
        self.weeks_to_resolution = 0.0            # summed over resolved cases
        self.known_by = np.zeros(len(Channel), np.int64)
        self.weeks_to_known = 0                   # summed over cases that became known
        self.recurrences = 0                      # paper and lapsed settlements that came back
        self.endings = [0] * N_ENDINGS            # cases closed, by Ending
        self.mediation_endings = [0] * N_ENDINGS  # cases whose people's mediation ended, by Ending
        self.handled = 0                          # known cases resolved by a community handler
        self.known_carried = 0                    # known cases carried over at a restart (known before it)
        self.known_by_type = np.zeros(N_TYPES, np.int64)  # cases that became known, by type
        self.week_started = 0                     # the week counting (re)started: 0, or the end of the warm-up
        # cumulative cases arisen and cases known, by type, at the end of each week
        # (the first row at week_started): yearly counts are differences of two rows
        self.history: list[list[int]] = [[0] * (2 * N_TYPES)]
        self.legal_disputes_closed = np.zeros(len(Outcome), np.int64)  # by outcome
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._n_pending = [0] * N_TYPES  # cases by type waiting for the next merge
        self._created = self.counts[:, Outcome.CREATED]  # a view

    def _views(self) -> None:
        self.ctype, self.hh, self.state, self.slot, self.created, self.slot_since = self._ints
        self.severity, self.fit, self.clock = self._reals

    def __len__(self) -> int:
        return len(self.legal)

    # ---- arising --------------------------------------------------------------
    def add(self, week: int, ctype: np.ndarray, hh: np.ndarray, severity: np.ndarray,
            legal: np.ndarray) -> None:
        """New latent cases. They count as created (and open) at once, and join the
        arrays at the next `merge`."""
        k = len(ctype)
        if k:
            ints = self._new_ints.repeat(k, axis=1)
            ints[0], ints[1], ints[4] = ctype, hh, week
            reals = np.zeros((len(_REAL_FIELDS), k))
            reals[0] = severity
            reals[2] = 1.0 - week * self.age_rate
            self._pending.append((ints, reals, legal))
            made = np.bincount(ctype, minlength=N_TYPES)
            self._created += made
            self._n_pending = [a + b for a, b in zip(self._n_pending, made.tolist())]

    def merge(self) -> None:
        """Drop the cases closed since the last merge and take in the new ones."""
        keep = (self.state != CLOSED).nonzero()[0]
        if self._pending:
            ints, reals, legal = zip(*self._pending)
            self._ints = np.concatenate((self._ints.take(keep, axis=1), *ints), axis=1)
            self._reals = np.concatenate((self._reals.take(keep, axis=1), *reals), axis=1)
            self.legal = np.concatenate((self.legal.take(keep), *legal))
            self._pending = []
            self._n_pending = [0] * N_TYPES
        elif len(keep) < len(self.legal):
            self._ints, self._reals, self.legal = (self._ints.take(keep, axis=1), self._reals.take(keep, axis=1),
                                                   self.legal.take(keep))
        else:
            return
        self._views()

    # ---- becoming known -------------------------------------------------------------
    def make_known(self, idx: np.ndarray, channels: list[int], week: int) -> None:
        """Latent cases at idx come to the community's knowledge (`channels`: how many
        by each Channel)."""
        self.state[idx] = KNOWN
        self.known_by += channels
        self.known_by_type += np.bincount(self.ctype[idx], minlength=N_TYPES)
        self.weeks_to_known += int(week * len(idx) - self.created[idx].sum())

    def assign(self, idx: np.ndarray, slots: np.ndarray, fit: np.ndarray, week: int) -> None:
        """Hand the cases at idx to handler slots, with how well each suits its case."""
        self.state[idx] = HANDLING
        self.slot[idx] = slots
        self.fit[idx] = fit
        self.slot_since[idx] = week

    # ---- ending ---------------------------------------------------------------------
    def close(self, idx: np.ndarray, ctype: list[int], ending: list[int], slot: list[int], week: int
              ) -> tuple[np.ndarray, list[bool]]:
        """End the cases at idx (of types ctype, held at slots `slot`), each with its
        Ending; they leave at the next `merge`. Returns their households and whether the
        community had known of them."""
        known = (self.state[idx] != LATENT).tolist()  # (closing twice would break conservation: checked weekly)
        self.state[idx] = CLOSED
        self.slot[idx] = self.no_slot
        counts, legal_counts, waited = [0] * self.counts.size, [0] * len(Outcome), 0
        n_outcomes, resolved, outcome_of = len(Outcome), Outcome.RESOLVED, OUTCOME_OF_ENDING
        endings, mediation, community, handled = self.endings, self.mediation_slot, self.community, 0
        for t, e, x, k, legal, created in zip(ctype, ending, slot, known, self.legal[idx].tolist(),
                                              self.created[idx].tolist()):
            o = outcome_of[e]
            counts[t * n_outcomes + o] += 1
            endings[e] += 1
            if legal:
                legal_counts[o] += 1
            if o == resolved:
                waited += week - created
                if k and community[x]:
                    handled += 1
            if x == mediation:
                self.mediation_endings[e] += 1
        self._flat_counts += counts
        self.handled += handled
        self.legal_disputes_closed += legal_counts
        self.weeks_to_resolution += float(waited)
        return self.hh[idx], known

    def end_week(self) -> None:
        """Note the week's cumulative cases arisen and known by type (for yearly counts)."""
        self.history.append(self._created.tolist() + self.known_by_type.tolist())

    # ---- accounting -----------------------------------------------------------------
    def restart_counts(self, week: int) -> None:
        """Start counting afresh (after a warm-up, at the end of `week`): cases open now
        count as created now, and those already known as known now."""
        open_by_type = np.bincount(self.ctype[self.state != CLOSED], minlength=N_TYPES) + self._n_pending
        self.known_carried = int(np.count_nonzero((self.state == KNOWN) | (self.state == HANDLING)))
        self.counts[:] = 0
        self.counts[:, Outcome.CREATED] = open_by_type
        self.weeks_to_resolution = 0.0
        self.known_by[:] = 0
        self.weeks_to_known = 0
        self.recurrences = 0
        self.legal_disputes_closed[:] = 0
        self.endings = [0] * N_ENDINGS
        self.mediation_endings = [0] * N_ENDINGS
        self.handled = 0
        self.known_by_type[:] = 0
        self.week_started = week
        # carried-over cases count as created at the restart, not as arisen in its first year
        self.history = [self._created.tolist() + [0] * N_TYPES]
        # resolution times keep counting from when a carried-over case arose

    @property
    def open_now(self) -> int:
        return int((self.state != CLOSED).sum()) + sum(self._n_pending)

    def check_conservation(self) -> None:
        """created = resolved + escalated + abandoned + open, for every case type."""
        in_book = np.bincount(self.ctype[self.state != CLOSED], minlength=N_TYPES).tolist()
        open_by_type = [a + b for a, b in zip(in_book, self._n_pending)]
        c = self.counts.tolist()
        if [r[0] - r[1] - r[2] - r[3] for r in c] != open_by_type:
            raise AssertionError(f"case conservation violated: counts {c}, open {open_by_type}")
