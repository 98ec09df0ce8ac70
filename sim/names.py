"""Names users give to scenarios, experiments and analyses: identifiers, never paths.

A name becomes a directory (`results/NAME`), a label in tables and figures and a word
in generated shell scripts, so it must be one harmless path component: not empty,
printable (no control characters such as a newline), no path separator, not `.` or
`..` and not hidden (a leading dot: Parquet readers and `ls` skip such entries), and
short enough to be a file name everywhere.
"""

from __future__ import annotations

from typing import Any

from sim.errors import InputError, show

MAX_NAME = 100  # characters; file systems allow 255 bytes, and a name is also a label


def check_name(value: Any, *, source: str | None = None, key: str = "name") -> str:
    """value, if it is a valid name; else an InputError saying what a name may be."""
    allowed = ("allowed: a non-empty printable name of one path component (no '/', no control characters, "
               f"not starting with '.'), at most {MAX_NAME} characters")
    if not isinstance(value, str):
        raise InputError(f"expected a string, got {show(value)}; {allowed}", source=source, key=key)
    problem = None
    if not value.strip():
        problem = "is empty"
    elif len(value) > MAX_NAME:
        problem = f"has {len(value)} characters"
    elif not value.isprintable():
        problem = "contains a control or non-printable character"
    elif "/" in value or "\\" in value:
        problem = "contains a path separator"
    elif value.startswith("."):
        problem = "starts with '.'"
    elif value != value.strip():
        problem = "starts or ends with white space"
    if problem:
        raise InputError(f"got {show(value)}, which {problem}; {allowed}", source=source, key=key)
    return value
