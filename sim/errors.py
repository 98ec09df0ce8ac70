"""The one error type users can cause, and how it reads.

Every problem with user input (scenario files, experiment files, command-line
values) becomes an `InputError`, whose message is a single line naming where the
problem is, the key, the bad value and what is allowed. The CLI prints it and exits
with status 2; nothing deeper in the code prints or exits.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


class InputError(ValueError):
    """Bad user input: one line, naming source, key, value and what is allowed."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        key: str | None = None,
    ) -> None:
        self.source = source
        self.key = key
        self.detail = message
        parts = [p for p in (source, key) if p]
        prefix = ": ".join(parts)
        text = f"{prefix}: {message}" if prefix else message
        super().__init__(" ".join(text.split()))  # always one line


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate a typo most likely meant, or None when nothing is close."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(name: Any, candidates: Iterable[str]) -> str:
    """The hint for a name that is none of the candidates: the closest one, else the list."""
    candidates = list(candidates)
    guess = closest(str(name), candidates)
    return f"did you mean '{guess}'?" if guess else f"allowed: {', '.join(candidates)}"


def unknown_key(
    name: str, candidates: Iterable[str], *, source: str | None, what: str = "key", key: str | None = None
) -> InputError:
    """An InputError for an unknown name, suggesting the closest known one; key is
    where it was written (default: the name itself, as for a key of a table)."""
    shown = show(str(name))[1:-1]  # escaped and cut short, without show's double quotes
    return InputError(f"unknown {what} '{shown}'; {did_you_mean(name, sorted(candidates))}", source=source,
                      key=key or shown)


SHOW_MAX = 60  # characters of a value an error message quotes


def show(value: Any) -> str:
    """A value as it would be written in TOML, for error messages: control characters
    escaped and long values cut short, so that a message stays one line and never
    reproduces a large piece of the file (or of whatever else a path pointed at)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if value.isprintable() else value.encode("unicode_escape").decode("ascii")
        return f'"{_cut(text)}"'
    try:
        return _cut(repr(value))
    except RecursionError:  # a value nested thousands deep
        return f"a deeply nested {type(value).__name__}"


def _cut(text: str) -> str:
    return text if len(text) <= SHOW_MAX else text[:SHOW_MAX - 1] + "…"
