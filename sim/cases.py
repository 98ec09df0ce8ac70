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

from dataclasses import dataclass
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


# How a case ends, as a code: settled genuinely, escalated, abandoned, or settled on
# paper only (counted as resolved, but the grievance returns).
GENUINE, ESCALATED, ABANDONED, NOMINAL = 0, 1, 2, 3
OUTCOME_OF_CODE = np.array([Outcome.RESOLVED, Outcome.ESCALATED, Outcome.ABANDONED, Outcome.RESOLVED], np.int64)


class Channel(IntEnum):
    """How a case came to the community's knowledge."""

    REPORTED = 0   # the household reported it (in person or on the platform)
    PATROL = 1     # a grid worker's visit
    VOLUNTEER = 2  # a party volunteer's informal contact
    OUTREACH = 3   # a social organisation serving the household


_FIELDS = ("ctype", "hh", "severity", "legal", "state", "slot", "fit", "created", "slot_since")


@dataclass
class Closed:
    """The cases closed by one call, for the views of the households concerned."""

    ctype: np.ndarray
    hh: np.ndarray
    slot: np.ndarray
    known: np.ndarray     # had the community known of the case?
    outcome: np.ndarray   # Outcome per case


class CaseBook:
    """Open cases as parallel arrays, plus cumulative counts of everything closed."""

    def __init__(self) -> None:
        self.ctype = np.empty(0, np.int8)
        self.hh = np.empty(0, np.int64)
        self.severity = np.empty(0, np.float64)
        self.legal = np.empty(0, bool)
        self.state = np.empty(0, np.int8)
        self.slot = np.empty(0, np.int64)        # handler slot, -1 while none
        self.fit = np.empty(0, np.float64)       # how well the handler suits the case
        self.created = np.empty(0, np.int64)     # week the case arose
        self.slot_since = np.empty(0, np.int64)  # week the current handler took it
        # counts[type, Outcome]: cumulative created / resolved / escalated / abandoned
        self.counts = np.zeros((N_TYPES, len(Outcome)), np.int64)
        self._flat_counts = self.counts.reshape(-1)  # a view, for bincount updates
        self.weeks_to_resolution = 0.0            # summed over resolved cases
        self.known_by = np.zeros(len(Channel), np.int64)
        self.weeks_to_known = 0                   # summed over cases that became known
        self.recurrences = 0                      # nominal settlements that came back
        self.legal_disputes_closed = np.zeros(len(Outcome), np.int64)  # by outcome
        self._pending: list[tuple[np.ndarray, ...]] = []
        self._n_pending = np.zeros(N_TYPES, np.int64)

    def __len__(self) -> int:
        return len(self.ctype)

    # ---- arising --------------------------------------------------------------
    def add(self, week: int, ctype: np.ndarray, hh: np.ndarray, severity: np.ndarray,
            legal: np.ndarray) -> None:
        """New latent cases. They count as created (and open) at once, and join the
        arrays at the next `merge`."""
        if len(ctype):
            self._pending.append((ctype, hh, severity, legal, week))
            made = np.bincount(ctype, minlength=N_TYPES)
            self.counts[:, Outcome.CREATED] += made
            self._n_pending += made

    def merge(self) -> None:
        """Drop the cases closed since the last merge and take in the new ones."""
        keep = self.state != CLOSED
        if not self._pending:
            if not keep.all():
                for f in _FIELDS:
                    setattr(self, f, getattr(self, f)[keep])
            return
        ctype, hh, sev, legal, created = (self._pending[0] if len(self._pending) == 1 else
                                          _stack(self._pending))
        k = len(ctype)
        new = {"ctype": ctype, "hh": hh, "severity": sev, "legal": legal}
        fill = {**_NEW, "created": created}
        for f in _FIELDS:
            old = getattr(self, f)[keep]
            if f in new:
                setattr(self, f, np.concatenate((old, new[f])))
            else:
                out = np.empty(len(old) + k, old.dtype)
                out[:len(old)] = old
                out[len(old):] = fill[f]
                setattr(self, f, out)
        self._pending = []
        self._n_pending[:] = 0

    # ---- becoming known -------------------------------------------------------------
    def make_known(self, idx: np.ndarray, channel: np.ndarray, week: int) -> None:
        """Latent cases at idx come to the community's knowledge, each by its channel."""
        self.state[idx] = KNOWN
        self.known_by += np.bincount(channel, minlength=len(Channel))
        self.weeks_to_known += int(week * len(idx) - self.created[idx].sum())

    def assign(self, idx: np.ndarray, slots: np.ndarray, fit: np.ndarray, week: int) -> None:
        """Hand the cases at idx to handler slots, with how well each suits its case."""
        self.state[idx] = HANDLING
        self.slot[idx] = slots
        self.fit[idx] = fit
        self.slot_since[idx] = week

    # ---- ending ---------------------------------------------------------------------
    def close(self, idx: np.ndarray, outcome: np.ndarray, week: int) -> Closed:
        """End the cases at idx, each with its Outcome; they leave at the next `merge`."""
        state = self.state[idx]
        if state.max() == CLOSED:
            raise AssertionError("closing a case twice")
        self.state[idx] = CLOSED
        ctype = self.ctype[idx]
        self._flat_counts += np.bincount(ctype * len(Outcome) + outcome, minlength=self.counts.size)
        legal = self.legal[idx] & (ctype <= CaseType.PUBLIC)
        if legal.any():
            self.legal_disputes_closed += np.bincount(outcome[legal], minlength=len(Outcome))
        resolved = outcome == Outcome.RESOLVED
        self.weeks_to_resolution += float(np.add.reduce(week - self.created[idx], where=resolved))
        return Closed(ctype, self.hh[idx], self.slot[idx], state != LATENT, outcome)

    # ---- accounting -----------------------------------------------------------------
    def restart_counts(self) -> None:
        """Start counting afresh (after a warm-up): cases open now count as created now."""
        open_by_type = np.bincount(self.ctype[self.state != CLOSED], minlength=N_TYPES) + self._n_pending
        self.counts[:] = 0
        self.counts[:, Outcome.CREATED] = open_by_type
        self.weeks_to_resolution = 0.0
        self.known_by[:] = 0
        self.weeks_to_known = 0
        self.recurrences = 0
        self.legal_disputes_closed[:] = 0
        # resolution times keep counting from when a carried-over case arose

    @property
    def open_now(self) -> int:
        return int((self.state != CLOSED).sum() + self._n_pending.sum())

    def check_conservation(self) -> None:
        """created = resolved + escalated + abandoned + open, for every case type."""
        open_by_type = np.bincount(self.ctype[self.state != CLOSED], minlength=N_TYPES) + self._n_pending
        c = self.counts
        if not np.array_equal(c[:, 0], c[:, 1] + c[:, 2] + c[:, 3] + open_by_type):
            raise AssertionError(f"case conservation violated: counts {c.tolist()}, open {open_by_type.tolist()}")


_NEW = {"state": LATENT, "slot": -1, "fit": 0.0, "slot_since": -1}


def _stack(pending: list[tuple[np.ndarray, ...]]) -> tuple:
    """Several batches of new cases as one, each keeping the week it arose."""
    cols = list(zip(*pending))
    created = np.concatenate([np.full(len(b[0]), b[4]) for b in pending])
    return (*(np.concatenate(c) for c in cols[:4]), created)
