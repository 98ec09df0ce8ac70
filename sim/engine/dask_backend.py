"""Running a plan's chunks on a Dask distributed cluster.

The cluster is one that `dask scheduler` and `dask worker` (or dask-jobqueue, on
SLURM or PBS) started, reached by its scheduler address, or else a local cluster
with one single-threaded worker process per core. The plan's settings and bases
are scattered to every worker once; chunks of runs, each carrying its own points,
are submitted a few per worker thread at a time, and
each finished chunk comes back to this process, which writes it as a store part —
so memory stays bounded and a lost worker costs only its chunks in flight (Dask
reruns them elsewhere; a lost coordinator costs nothing that `--resume` cannot
redo). Workers must be able to import govsim's `sim` package: start them in the
environment where govsim is installed.

Dask is an optional extra: `pip install 'govsim[cluster]'`.
"""

from __future__ import annotations

import logging
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pyarrow as pa

from sim.errors import InputError, show
from sim.engine.plan import Chunk, RunSpec
from sim.engine.settings import available_cores

if TYPE_CHECKING:
    from distributed import Client

INSTALL = "pip install 'govsim[cluster]' (or: pip install 'dask[distributed]')"
LOOPBACK = "127.0.0.1"
WORKER_WAIT_S = 300  # how long to wait for a first worker to join a fresh scheduler
NOTICE_EVERY_S = 10  # how often to say that it is still waiting


def require_dask() -> None:
    """An InputError saying how to install Dask, unless it is installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise InputError(f"needs Dask's distributed scheduler, an optional extra; install it with {INSTALL}",
                         key="--backend dask") from None


SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")  # the transports Dask's distributed knows (inproc: same process only)


def check_address(address: str) -> tuple[str, str | None, int | None]:
    """(scheme, host, port) of a --scheduler address, or an InputError saying what one
    looks like; checked before anything is written, without touching the network."""
    allowed = "allowed: a scheduler address such as tcp://10.0.0.5:8786 (schemes: " + ", ".join(SCHEMES) + ")"
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in SCHEMES:
        raise InputError(f"got {show(address)}, an unsupported scheme {show(parts.scheme)}; {allowed}",
                         key="--scheduler")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if parts.scheme != "ucx" and (not host or not port):
        raise InputError(f"got {show(address)}; {allowed}", key="--scheduler")
    return parts.scheme, host, port


def check_options(backend: str, scheduler: str | None) -> None:
    """--backend dask's needs, before anything is read or written: Dask installed, and
    a well-formed --scheduler address (given only with --backend dask)."""
    if scheduler and backend != "dask":
        raise InputError("applies only to --backend dask", key="--scheduler")
    if backend == "dask":
        require_dask()
        if scheduler:
            check_address(scheduler)


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """An InputError unless something listens at a tcp:// scheduler address.

    Checked before a store is created, so a typo in --scheduler writes nothing.
    """
    scheme, host, port = check_address(address)
    if scheme not in ("tcp", "tls"):
        return  # other transports are for Dask itself to check
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as e:
        raise InputError(f"no Dask scheduler answers at {address} ({e.strerror or e}); start one with "
                         "`dask scheduler` (and workers with `dask worker ADDRESS`)", key="--scheduler") from None


@contextmanager
def client_for(scheduler: str | None, workers: int | None) -> Iterator[Client]:
    """A client of the cluster at `scheduler`, or of a local cluster of `workers` processes."""
    require_dask()
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise InputError(f"cannot connect to the Dask scheduler at {scheduler}: {' '.join(str(e).split())}",
                             key="--scheduler") from None
        with client:
            wait_for_workers(client, scheduler)
            yield client
        return
    # one single-threaded process per core: the model holds the GIL, threads would not help;
    # scheduler, workers and dashboard listen on the loopback interface only (a local cluster
    # has no business on the network), the dashboard on any free port, as 8787 may be taken
    with LocalCluster(n_workers=workers or available_cores(), threads_per_worker=1, processes=True,
                      host=LOOPBACK, dashboard_address=f"{LOOPBACK}:0", silence_logs=logging.WARNING) as cluster, \
            Client(cluster) as client:
        yield client


def wait_for_workers(client: Client, scheduler: str, timeout: float | None = None,
                     every: float | None = None) -> None:
    """Until a worker has joined: say so on stderr every `every` seconds (how many are
    connected, how long it has waited), then how many there are; an InputError after
    `timeout` seconds without any."""
    timeout = WORKER_WAIT_S if timeout is None else timeout
    every = NOTICE_EVERY_S if every is None else every
    start = time.monotonic()
    next_notice = 0.0
    while not client.nthreads():
        waited = time.monotonic() - start
        if waited >= timeout:
            raise InputError(f"no Dask worker joined the scheduler at {scheduler} within {timeout:.0f} s; start "
                             f"workers with `dask worker {scheduler}` in govsim's environment", key="--scheduler")
        if waited >= next_notice:
            say(f"waiting for Dask workers to join {scheduler}: 0 connected so far (waited {waited:.0f} s of "
                f"{timeout:.0f}); start them with `dask worker {scheduler}`")
            next_notice += every
        time.sleep(min(0.5, every))
    if next_notice:  # it had to wait: say when the wait is over
        say(f"{len(client.nthreads())} Dask worker(s) connected ({cluster_threads(client)} threads)")


def say(text: str) -> None:
    """A notice to the person at the terminal (stderr, not the results on stdout)."""
    print(text, file=sys.stderr, flush=True)


def cluster_threads(client: Client) -> int:
    return max(1, sum(client.nthreads().values()))


def run_dask(spec: RunSpec, make_chunks: Callable[[int], Iterator[Chunk]],
             work: Callable[[RunSpec, Chunk], tuple[pa.Table, pa.Table]],
             collect: Callable[[pa.Table, pa.Table], None], *, workers: int | None = None,
             scheduler: str | None = None) -> None:
    """Run chunks on the cluster, handing each finished chunk to collect().

    make_chunks(threads) gives the chunks, sized for that many worker threads, each
    built only when it is submitted; work(spec, chunk) runs one on a worker. Both come
    from sim.engine.execute, which imports this module, never the reverse.
    """
    from distributed import as_completed

    with client_for(scheduler, workers) as client:
        threads = max(cluster_threads(client), workers or 0)
        chunks = make_chunks(threads)
        spec_future = client.scatter(spec, broadcast=True, hash=False)

        def submit(chunk: Chunk):
            return client.submit(work, spec_future, chunk, pure=False)

        pending = as_completed([submit(c) for c in islice(chunks, 2 * threads)])
        for future in pending:
            try:
                runs, series = future.result()
            except ImportError as e:
                raise InputError(f"Dask workers cannot import govsim ({e}); start them in the environment "
                                 "where govsim is installed", key="--scheduler") from None
            future.release()
            collect(runs, series)
            # keep about two chunks per worker thread in flight, as workers come and go
            room = 2 * cluster_threads(client) - pending.count()
            for chunk in islice(chunks, max(1, room)):
                pending.add(submit(chunk))
