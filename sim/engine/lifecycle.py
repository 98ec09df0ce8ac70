"""Worker processes that end with the sweep, and signals that end a sweep cleanly.

A process-backend sweep's workers are forked by multiprocessing's fork server. When
the sweep is killed outright (kill -9, the OOM killer, a lost SSH session without
SIGHUP handling) nothing tells them: each holds the write end of its own task queue,
so it waits for work forever, and the fork server waits for them. So every worker
watches the sweep's process (a daemon thread that checks, twice a second, that it
is still there) and exits the moment it is gone; once the workers are gone, the fork
server sees its last client leave and exits too.

Ctrl-C, SIGTERM (`kill`, `scancel`) and SIGHUP (a closed terminal) all become a
KeyboardInterrupt in the sweep, which kills its workers at once rather than waiting
for their chunks, records the store as interrupted, and says how to resume.
Workers ignore SIGINT: a Ctrl-C reaches every process of the terminal's group, and
it is the sweep's to handle, not theirs.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

WATCH_INTERVAL_S = 0.5
INTERRUPTING = ("SIGTERM", "SIGHUP")  # besides SIGINT, which Python already turns into KeyboardInterrupt


def alive(pid: int) -> bool:
    """Whether process pid exists and is not a zombie (a killed process not yet reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except (OSError, IndexError):
        return True  # no /proc (not Linux): os.kill's answer stands


def end_with(pid: int, interval: float = WATCH_INTERVAL_S) -> None:
    """In a worker: exit as soon as process pid (the sweep) is gone; ignore Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while alive(pid):
            time.sleep(interval)
        os._exit(1)  # the sweep is gone: no one will read what this worker makes

    threading.Thread(target=watch, name="govsim-watch-sweep", daemon=True).start()


class Interrupted(KeyboardInterrupt):
    """A termination signal, raised where the sweep is, so that it ends cleanly."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise(signum: int, frame: object) -> None:
    raise Interrupted(signum)


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM and SIGHUP raise Interrupted (a KeyboardInterrupt) while inside; the
    previous handlers come back afterwards. Only the main thread can set handlers:
    elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = [getattr(signal, name) for name in INTERRUPTING if hasattr(signal, name)]
    before = {s: signal.signal(s, _raise) for s in sigs}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def describe(e: KeyboardInterrupt) -> str:
    return e.args[0] if isinstance(e, Interrupted) and e.args else "interrupted"
