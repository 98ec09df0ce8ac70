"""Faults that must not stop a sweep, or leave anything behind.

A worker killed as the OOM killer kills is replaced and its runs redone; kill -9 of
the sweep takes its workers and fork server with it; SIGTERM, SIGINT and SIGHUP end
everything and say how to resume; a full disk is one line and resumable; two
`--resume`s of one store cannot both run; a killed merge's temporary files go at
the next merge or resume; and a Dask scheduler with no workers says it is waiting.
Runs are small (200 households, a few weeks) so that all this takes seconds.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import analysis
import sim.engine.store
from sim.engine.store import RUNS, TIMESERIES, part_names, read_runs

psutil = pytest.importorskip("psutil")

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENT = """
name = "faults"
scenario = "sichuan-2020"
seed = 7
replicates = 4
weeks = 26
timeseries = 13
[levers]
households = 200
[design]
kind = "lhs"
n = 10
[vary]
admin_burden_share = { low = 0.2, high = 0.7 }
"""
N_RUNS = 40


@pytest.fixture
def experiment(tmp_path) -> Path:
    f = tmp_path / "exp.toml"
    f.write_text(EXPERIMENT)
    return f


def start_sweep(tmp_path: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "analysis.cli", "sweep", "exp.toml", "--out", "out", "--workers", "2",
         "--chunk-size", "1", *extra],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Ctrl-C as in a terminal, even when the tests run as a background job (which ignores SIGINT)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_parts(proc: subprocess.Popen, out: Path, n: int = 2, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while len(part_names(out / RUNS)) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the sweep wrote no parts"
        time.sleep(0.02)


def descendants(pid: int) -> list:
    return psutil.Process(pid).children(recursive=True)


def all_gone(procs: list, timeout: float = 20) -> list:
    """The processes still alive (not zombies) after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return []
        time.sleep(0.2)
    return alive


def every_run_once(out: Path) -> None:
    runs = read_runs(out)
    raw = analysis.load(out).runs
    assert sorted(runs["run_id"]) == list(range(N_RUNS)) and len(raw) == N_RUNS
    assert runs["status"].eq("ok").all(), runs.loc[runs["status"] != "ok", "error"].tolist()


def test_a_worker_killed_like_the_oom_killer_does_not_stop_the_sweep(tmp_path, experiment):
    proc = start_sweep(tmp_path)
    try:
        wait_for_parts(proc, tmp_path / "out")
        workers = [p for p in descendants(proc.pid) if p.ppid() != proc.pid]  # forked by the fork server
        assert workers, "no worker processes found"
        workers[0].send_signal(signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, stderr
    every_run_once(tmp_path / "out")


def test_kill_9_of_the_sweep_takes_its_workers_and_fork_server_with_it(tmp_path, experiment):
    proc = start_sweep(tmp_path)
    children = []
    try:
        wait_for_parts(proc, tmp_path / "out")
        children = descendants(proc.pid)
        assert len(children) >= 3, children  # fork server, two workers (and a resource tracker)
        proc.send_signal(signal.SIGKILL)  # the sweep alone, as the OOM killer would
        proc.wait()
        left = all_gone(children)
        assert not left, f"still running after the sweep was killed: {[p.cmdline()[:3] for p in left]}"
    finally:
        for p in children:
            if p.is_running():
                p.kill()
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_ends_every_process_and_says_how_to_resume(tmp_path, experiment, signum):
    proc = start_sweep(tmp_path)
    children = []
    try:
        wait_for_parts(proc, tmp_path / "out")
        children = descendants(proc.pid)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
        assert not all_gone(children), "children outlived the sweep"
    finally:
        for p in children:
            if p.is_running():
                p.kill()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr, stderr
    line = next(line for line in stderr.splitlines() if "continue with:" in line)
    command = shlex.split(line.split("continue with:", 1)[1])
    assert command == ["govsim", "sweep", "exp.toml", "--out", "out", "--resume", "--workers", "2",
                       "--chunk-size", "1"]
    assert analysis.load(tmp_path / "out").manifest["status"] == "interrupted"
    resumed = subprocess.run([sys.executable, "-m", "analysis.cli", *command[1:]], cwd=tmp_path,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    every_run_once(tmp_path / "out")


def test_a_full_disk_is_one_line_and_the_store_resumes(govsim, tmp_path, experiment, monkeypatch):
    real = sim.engine.store.write_new
    calls = {"n": 0}

    def full_after_a_few(path, write):
        if path.parent.name == RUNS:
            calls["n"] += 1
            if calls["n"] > 3:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, write)

    monkeypatch.setattr(sim.engine.store, "write_new", full_after_a_few)
    status, _, err = govsim("sweep", "exp.toml", "--out", "out", "--backend", "serial", "--chunk-size", "1")
    last = err.strip().splitlines()[-1]  # after the size line and the progress
    assert status == 2 and last.startswith("govsim sweep: ") and "Traceback" not in err, err
    assert "No space left on device" in last and "continue with: govsim sweep exp.toml --out out --resume" in last
    assert len(read_runs(tmp_path / "out")) == 3
    monkeypatch.setattr(sim.engine.store, "write_new", real)
    status, _, err = govsim("sweep", "exp.toml", "--out", "out", "--resume", "--backend", "serial")
    assert status == 0, err
    every_run_once(tmp_path / "out")


def test_a_second_writer_of_the_same_runs_is_refused(govsim, tmp_path, experiment):
    assert govsim("sweep", "exp.toml", "--out", "out", "--backend", "serial", "--shard", "0/20")[0] == 0
    lock = tmp_path / "out" / ".writer-s000.lock"
    assert not lock.exists(), "a finished sweep left its lock"
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # a live process
    try:
        lock.write_text(json.dumps({"host": socket.gethostname(), "pid": holder.pid}))
        status, _, err = govsim("sweep", "exp.toml", "--out", "out", "--resume", "--backend", "serial")
        assert status == 2 and "another govsim process writing shard 0" in err, err
        assert len(read_runs(tmp_path / "out")) == 2  # nothing ran
        # another shard may write meanwhile
        assert govsim("sweep", "exp.toml", "--out", "out", "--backend", "serial", "--shard", "1/20")[0] == 0
    finally:
        holder.kill()
        holder.wait()
    # its holder is gone: the lock is stale and taken over
    status, _, err = govsim("sweep", "exp.toml", "--out", "out", "--resume", "--backend", "serial")
    assert status == 0, err
    every_run_once(tmp_path / "out")
    assert not lock.exists()


def test_a_killed_merges_temporary_parts_are_removed_by_the_next_merge_or_resume(govsim, tmp_path, experiment):
    assert govsim("sweep", "exp.toml", "--out", "out", "--backend", "serial", "--chunk-size", "8")[0] == 0
    out = tmp_path / "out"

    def plant() -> list[Path]:
        files = []
        for table in (RUNS, TIMESERIES):
            part = out / table / part_names(out / table)[0]
            f = out / table / f".part-m000009-000001.parquet.tmp-{socket.gethostname()}-999999999-1"
            f.write_bytes(part.read_bytes()[:100])  # half written when the merge was killed
            files.append(f)
        return files

    planted = plant()
    assert govsim("merge", "out")[0] == 0
    assert not any(f.exists() for f in planted)
    planted = plant()
    assert govsim("sweep", "exp.toml", "--out", "out", "--resume", "--backend", "serial")[0] == 0
    assert not any(f.exists() for f in planted)
    assert not [f for f in out.rglob(".*") if ".tmp-" in f.name]


def test_a_scheduler_without_workers_says_it_is_waiting(govsim, tmp_path, experiment, monkeypatch):
    pytest.importorskip("distributed")
    from sim.engine import dask_backend

    where = tmp_path / "dask"
    where.mkdir()
    scheduler = subprocess.Popen(
        [str(Path(sys.executable).parent / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
         "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(where / "s.json")],
        cwd=where, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (where / "s.json").is_file():
            assert time.monotonic() < deadline and scheduler.poll() is None, "the scheduler did not start"
            time.sleep(0.1)
        address = json.loads((where / "s.json").read_text())["address"]
        monkeypatch.setattr(dask_backend, "WORKER_WAIT_S", 3)
        monkeypatch.setattr(dask_backend, "NOTICE_EVERY_S", 1, raising=False)
        for dry in ([], ["--dry-run"]):
            status, _, err = govsim("sweep", "exp.toml", "--out", "out", "--backend", "dask", "--scheduler",
                                    address, *dry)
            notices = [line for line in err.splitlines() if "waiting for Dask workers" in line]
            assert len(notices) >= 2 and "0 connected" in notices[0] and address in notices[0], err
            assert status == 2 and "no Dask worker joined" in err.splitlines()[-1], err
            assert re.search(r"waited \d+ s of 3", notices[-1]), notices
    finally:
        scheduler.kill()
        scheduler.wait()
