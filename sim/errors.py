"""The one error type users can cause, and how it reads.

Every problem with user input (scenario files, experiment files, command-line
values) becomes an `InputError`, whose message is a single line naming where the
problem is, the key, the bad value and what is allowed. The CLI prints it and exits
with status 2; nothing deeper in the code prints or exits.
"""

from __future__ import annotations

import difflib
from collections.abc import Container, Iterable, Mapping, Sequence
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


def check_keys(table: Mapping[str, Any], allowed: Iterable[str], *, source: str | None, required: Sequence[str] = (),
               strings: Iterable[str] = (), levers: Container[str] = (), lever_goes: str = "", where: str = "") -> None:
    """The checks every file's table gets: no unknown key (a lever's name, one of
    `levers`, written where a key belongs is told where it goes: `lever_goes`), every
    required key present, and the keys in `strings` strings. `where` prefixes the key
    in messages ("target[2].")."""
    allowed = set(allowed)
    for key in table:
        if key not in allowed:
            if key in levers:
                raise InputError(f"lever '{key}' {lever_goes}", source=source, key=where + key)
            raise unknown_key(key, allowed, source=source, key=where + show(str(key))[1:-1] if where else None)
    for key in required:
        if key not in table:
            raise InputError(f"missing; required keys: {', '.join(required)}", source=source, key=where + key)
    for key in strings:
        if key in table and not isinstance(table[key], str):
            raise InputError(f"expected a string, got {show(table[key])}", source=source, key=where + key)
