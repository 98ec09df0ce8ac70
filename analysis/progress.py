"""Progress for long jobs: a bar on a terminal, plain periodic lines in batch logs."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressReporter:
    """Call with (done, total). On a terminal it redraws one line with rate and ETA;
    elsewhere (SLURM logs, pipes) it prints a line at most every `every` seconds."""

    def __init__(self, label: str = "runs", stream: TextIO | None = None, every: float = 30.0) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = every
        self.start = time.monotonic()
        self.last = -1e9
        self.total = 0

    def __call__(self, done: int, total: int) -> None:
        self.total = total
        now = time.monotonic()
        finished = done >= total
        if not self.tty and not finished and now - self.last < self.every:
            return
        if self.tty and not finished and now - self.last < 0.1:
            return
        self.last = now
        elapsed = now - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else float("nan")
        text = (f"{done}/{total} {self.label} ({100 * done / max(total, 1):.0f}%), "
                f"{rate:.1f}/s, elapsed {_clock(elapsed)}, eta {_clock(eta)}")
        if self.tty:
            width = 24
            filled = int(width * done / max(total, 1))
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}\033[K")
            if finished:
                self.stream.write("\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    if seconds != seconds:  # nan
        return "--:--"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
