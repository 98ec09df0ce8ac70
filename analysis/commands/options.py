"""Command-line value types that several commands share (no command of its own)."""

from __future__ import annotations

import argparse
from pathlib import Path


def out_path(text: str) -> Path:
    """An --out value: a path, never the empty string.

    `Path("")` is the current directory, so `--out "$UNSET"` would otherwise aim
    --overwrite at wherever the command was started.
    """
    if not text.strip():
        raise argparse.ArgumentTypeError("got an empty path (an unset shell variable?); "
                                         "allowed: a directory path")
    if not text.isprintable():
        raise argparse.ArgumentTypeError(f"got {text!r}, which contains control characters; "
                                         "allowed: a printable directory path")
    return Path(text)
