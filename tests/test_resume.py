"""Crashes and failures: a sweep killed part-way resumes to every run exactly once; a
changed experiment is not resumed; failing runs are recorded and retried; a merge
interrupted at any point loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import analysis
import sim.engine.execute
import sim.engine.merge
from sim.engine.store import RUNS, TIMESERIES, part_names, read_runs

ROOT = Path(__file__).resolve().parent.parent

EXPERIMENT = """
name = "resume"
scenario = "sichuan-2020"
seed = 5
replicates = 10
weeks = 52
timeseries = 13
[levers]
households = 300
[design]
kind = "lhs"
n = 6
[vary]
admin_burden_share = { low = 0.2, high = 0.7 }
households_per_grid = { low = 60, high = 300 }
"""
N_RUNS = 60


def raw(directory: Path, table: str = RUNS) -> pd.DataFrame:
    """Every row on disk, duplicates included."""
    return pd.read_parquet(directory / table)


def same_results(a: Path, b: Path) -> None:
    ra, rb = analysis.load(a), analysis.load(b)
    pd.testing.assert_frame_equal(ra.runs.drop(columns="wall_time_s"), rb.runs.drop(columns="wall_time_s"))
    pd.testing.assert_frame_equal(ra.timeseries, rb.timeseries)


@pytest.fixture
def experiment(tmp_path) -> Path:
    f = tmp_path / "exp.toml"
    f.write_text(EXPERIMENT)
    return f


def test_a_killed_sweep_resumes_to_every_run_exactly_once(govsim, tmp_path, experiment):
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis.cli", "sweep", str(experiment), "--out", str(out),
         "--backend", "process", "--workers", "2", "--chunk-size", "1"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(part_names(out / RUNS)) < 4:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the sweep wrote no parts"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the coordinator and its workers: a lost node
        proc.wait()
        proc.stderr.close()
    before = read_runs(out)
    assert 4 <= len(before) < N_RUNS, "kill came too late to test anything"

    status, _, err = govsim("sweep", "exp.toml", "--out", "killed", "--resume", "--backend", "serial")
    assert status == 0, err
    rows = raw(out)
    assert sorted(rows["run_id"]) == list(range(N_RUNS))  # nothing lost, nothing twice
    assert rows["status"].eq("ok").all() and rows["attempt"].eq(1).all()
    leftovers = [f.name for d in (RUNS, TIMESERIES) for f in (out / d).iterdir() if f.name.startswith(".")]
    assert not leftovers, leftovers
    ts = raw(out, TIMESERIES)
    assert not ts.duplicated(["run_id", "week"]).any() and len(ts) == N_RUNS * 4

    # the same rows as a sweep that never stopped
    status, _, err = govsim("sweep", "exp.toml", "--out", "clean", "--backend", "serial")
    assert status == 0, err
    same_results(out, tmp_path / "clean")


def test_resuming_a_changed_experiment_is_refused(govsim, tmp_path, experiment):
    experiment.write_text(EXPERIMENT.replace("replicates = 10", "replicates = 1"))
    status, _, err = govsim("sweep", "exp.toml", "--out", "r", "--backend", "serial")
    assert status == 0, err
    parts = part_names(tmp_path / "r" / RUNS)
    for change, words in [(("replicates = 1", "replicates = 2"), "replicates was 1, now 2"),
                          (("high = 0.7", "high = 0.8"), "design point 0 differs in levers admin_burden_share"),
                          (("weeks = 52", "weeks = 53"), "weeks was 52, now 53")]:
        experiment.write_text(EXPERIMENT.replace("replicates = 10", "replicates = 1").replace(*change))
        status, _, err = govsim("sweep", "exp.toml", "--out", "r", "--resume", "--backend", "serial")
        assert status == 2, err
        assert err.count("\n") == 1 and "different experiment" in err and words in err, err
        assert part_names(tmp_path / "r" / RUNS) == parts  # nothing run


def test_failing_runs_are_recorded_and_retried(govsim, tmp_path, experiment, monkeypatch):
    experiment.write_text(EXPERIMENT.replace("replicates = 10", "replicates = 2"))
    real_run = sim.engine.execute.run
    doomed = set()

    def flaky_run(levers, seed, **kw):
        if seed % 3 == 0:
            doomed.add(seed)
            raise FloatingPointError(f"planted failure for seed {seed}")
        return real_run(levers, seed=seed, **kw)

    monkeypatch.setattr(sim.engine.execute, "run", flaky_run)
    status, out, err = govsim("sweep", "exp.toml", "--out", "f", "--backend", "serial")
    assert status == 1 and "runs failed" in err and "--retry-failed" in err
    runs = read_runs(tmp_path / "f")
    failed = runs[runs["status"] == "failed"]
    assert len(runs) == 12 and set(failed["seed"]) == doomed and 0 < len(failed) < 12
    assert failed["error"].str.startswith("FloatingPointError: planted failure").all()
    assert failed["resolution_rate"].isna().all() and runs.loc[runs["status"] == "ok", "resolution_rate"].notna().all()

    # a plain resume leaves them, and says so (not "complete", not failed: 0); --retry-failed reruns exactly them
    status, out, err = govsim("sweep", "exp.toml", "--out", "f", "--resume", "--backend", "serial")
    assert status == 1 and "nothing to do" in out
    assert f"{len(failed)} runs failed" in err and "govsim sweep exp.toml --out f --retry-failed" in err
    manifest = analysis.load(tmp_path / "f").manifest
    assert manifest["status"] == "complete-with-failures" and manifest["failed"] == len(failed)
    monkeypatch.setattr(sim.engine.execute, "run", real_run)
    status, out, err = govsim("sweep", "exp.toml", "--out", "f", "--retry-failed", "--backend", "serial")
    assert status == 0, err
    assert f"{len(failed)} runs done (0 failed), {12 - len(failed)} already in the store" in out
    runs = read_runs(tmp_path / "f")
    assert runs["status"].eq("ok").all()
    assert set(runs.loc[runs["attempt"] == 2, "run_id"]) == set(failed["run_id"])
    assert analysis.load(tmp_path / "f").manifest["status"] == "complete"


@pytest.mark.parametrize("crash_at", ["writing the merged runs part", "removing merged parts"])
def test_an_interrupted_merge_loses_and_duplicates_nothing(govsim, tmp_path, experiment, monkeypatch, crash_at):
    experiment.write_text(EXPERIMENT.replace("replicates = 10", "replicates = 2"))
    status, _, err = govsim("sweep", "exp.toml", "--out", "m", "--backend", "serial", "--chunk-size", "1")
    assert status == 0, err
    store = tmp_path / "m"
    reference = analysis.load(store)
    reference_runs, reference_ts = reference.runs.copy(), reference.timeseries.copy()
    assert len(part_names(store / RUNS)) == 12

    class Crash(Exception):
        pass

    if crash_at == "writing the merged runs part":
        real = sim.engine.merge.write_new
        monkeypatch.setattr(sim.engine.merge, "write_new",
                            lambda path, write: (_ for _ in ()).throw(Crash()) if path.parent.name == RUNS
                            else real(path, write))
    else:
        real_unlink, calls = Path.unlink, []

        def unlink(self, missing_ok=False):
            calls.append(self)
            if len(calls) == 11:  # part-way through removing the second group's parts
                raise Crash()
            return real_unlink(self, missing_ok=missing_ok)
        monkeypatch.setattr(Path, "unlink", unlink)
    with pytest.raises(Crash):
        sim.engine.merge.merge(store, part_rows=4)
    monkeypatch.undo()

    # every reader still sees each run once, with the same values
    after = analysis.load(store)
    pd.testing.assert_frame_equal(after.runs, reference_runs)
    pd.testing.assert_frame_equal(after.timeseries, reference_ts)
    assert set(raw(store)["run_id"]) == set(range(12))

    # a second merge finishes the job: few parts, each run once on disk
    status, out, err = govsim("merge", "m", "--part-rows", "4")
    assert status == 0, err
    assert "12 of 12 runs (12 ok, 0 failed, 0 missing)" in out
    assert len(part_names(store / RUNS)) == 3 and set(part_names(store / TIMESERIES)) == set(part_names(store / RUNS))
    assert sorted(raw(store)["run_id"]) == list(range(12))
    assert not raw(store, TIMESERIES).duplicated(["run_id", "week"]).any()
    final = analysis.load(store)
    pd.testing.assert_frame_equal(final.runs, reference_runs)
    pd.testing.assert_frame_equal(final.timeseries, reference_ts)
    assert not (store / sim.engine.merge.LOCK).exists()


def test_merge_refuses_to_run_beside_another_but_not_after_a_dead_one(govsim, tmp_path, experiment):
    experiment.write_text(EXPERIMENT.replace("replicates = 10", "replicates = 1"))
    govsim("sweep", "exp.toml", "--out", "m", "--backend", "serial")
    lock = tmp_path / "m" / sim.engine.merge.LOCK
    lock.write_text(f'{{"host": "elsewhere", "pid": {os.getpid()}}}')
    status, _, err = govsim("merge", "m")
    assert status == 2 and "another merge is running" in err and "m/.merge.lock" in err
    lock.write_text(f'{{"host": "{socket.gethostname()}", "pid": 999999999}}')  # died on this host
    status, out, err = govsim("merge", "m")
    assert status == 0, err
