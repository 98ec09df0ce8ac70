"""Same experiment, same rows: serial, local processes, a Dask cluster (a real scheduler
and two workers as separate processes on 127.0.0.1), a local Dask cluster, and three
shards written at once into one directory and merged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import analysis
from analysis.cli import build_parser
from sim.engine.store import RUNS, read_runs

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

EXPERIMENT = """
name = "backends"
scenario = "sichuan-2020"
seed = 11
replicates = 3
weeks = 8
timeseries = 4
[levers]
households = 200
[design]
kind = "grid"
[vary]
households_per_grid = [60, 120]
joint_meeting = [true, false]
"""
N_RUNS = 12


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A scheduler and two single-threaded workers, each its own process, on loopback."""
    where = tmp_path_factory.mktemp("dask")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    log = open(where / "dask.log", "w")
    started = []

    def start(*argv: str) -> None:
        started.append(subprocess.Popen([str(BIN / "dask"), *argv], cwd=ROOT, env=env, stdout=log,
                                        stderr=subprocess.STDOUT))

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0",
              "--scheduler-file", str(where / "scheduler.json"))
        deadline = time.monotonic() + 60
        while not (where / "scheduler.json").is_file():
            assert time.monotonic() < deadline and started[0].poll() is None, (where / "dask.log").read_text()
            time.sleep(0.1)
        address = json.loads((where / "scheduler.json").read_text())["address"]
        for i in range(2):
            start("worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
                  "--no-dashboard", "--name", f"w{i}", "--local-directory", str(where / f"w{i}"))
        from distributed import Client
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        # workers linger for many seconds on SIGTERM; these hold nothing worth a clean exit
        for p in reversed(started):
            p.kill()
        for p in started:
            p.wait()
        log.close()


def comparable(directory: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    res = analysis.load(directory)
    return res.runs.drop(columns="wall_time_s"), res.timeseries


def sweep_in_thread(*argv: str) -> threading.Thread:
    """`govsim sweep ...` in a thread of this process (cwd and stdout shared, so no fixture)."""
    args = build_parser().parse_args(["sweep", *argv])
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("status", args.handler(args)))
    t.result = result
    t.start()
    return t


def test_every_backend_gives_the_same_rows(govsim, tmp_path, dask_cluster):
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT)
    runs = {
        "serial": ["--backend", "serial"],
        "process": ["--backend", "process", "--workers", "2", "--chunk-size", "2"],
        "dask": ["--backend", "dask", "--scheduler", dask_cluster, "--chunk-size", "2"],
        "dask-local": ["--backend", "dask", "--workers", "2"],
    }
    for name, options in runs.items():
        status, _, err = govsim("sweep", "exp.toml", "--out", name, *options)
        assert status == 0, (name, err)

    # the cluster's own worker processes did the runs
    from distributed import Client
    with Client(dask_cluster) as client:
        ran_model = client.run(lambda: "sim.model" in sys.modules)
    assert len(ran_model) == 2 and all(ran_model.values()), ran_model

    # three shards at once into one directory (they race to create it), then merged
    threads = [sweep_in_thread(str(exp), "--out", str(tmp_path / "sharded"), "--shard", f"{i}/3",
                               "--backend", "serial") for i in range(3)]
    for t in threads:
        t.join(timeout=120)
        assert t.result.get("status") == 0
    shard_parts = sorted({p.name.split("-")[1] for p in (tmp_path / "sharded" / RUNS).iterdir()})
    assert shard_parts == ["s000", "s001", "s002"]
    status, out, err = govsim("merge", "sharded")
    assert status == 0, err
    assert f"{N_RUNS} of {N_RUNS} runs ({N_RUNS} ok, 0 failed, 0 missing)" in out
    assert analysis.load(tmp_path / "sharded").manifest["status"] == "complete"

    reference_runs, reference_ts = comparable(tmp_path / "serial")
    assert len(reference_runs) == N_RUNS and reference_runs["status"].eq("ok").all()
    assert reference_runs["seed"].is_unique
    assert len(reference_ts) == N_RUNS * 2  # weeks 4 and 8
    for name in [*list(runs)[1:], "sharded"]:
        got_runs, got_ts = comparable(tmp_path / name)
        pd.testing.assert_frame_equal(got_runs, reference_runs, obj=name)
        pd.testing.assert_frame_equal(got_ts, reference_ts, obj=name)
        raw = pd.read_parquet(tmp_path / name / RUNS)
        assert sorted(raw["run_id"]) == list(range(N_RUNS))  # each run once on disk, too


def test_a_shard_joins_only_a_store_of_the_same_plan_and_split(govsim, tmp_path):
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT)
    status, _, err = govsim("sweep", "exp.toml", "--out", "s", "--shard", "0/3", "--backend", "serial")
    assert status == 0, err
    status, _, err = govsim("sweep", "exp.toml", "--out", "s", "--shard", "1/4", "--backend", "serial")
    assert status == 2 and "3 shard(s), not 4" in err
    exp.write_text(EXPERIMENT.replace("seed = 11", "seed = 12"))
    status, _, err = govsim("sweep", "exp.toml", "--out", "s", "--shard", "1/3", "--backend", "serial")
    assert status == 2 and "different experiment" in err and "seed was 11, now 12" in err
    exp.write_text(EXPERIMENT)
    # the missing shards' runs, filled in by one unsharded resume
    status, out, err = govsim("merge", "s")
    assert status == 1 and "shards with missing runs: 1/3, 2/3" in out
    status, _, err = govsim("sweep", "exp.toml", "--out", "s", "--resume", "--backend", "serial")
    assert status == 0, err
    assert sorted(read_runs(tmp_path / "s")["run_id"]) == list(range(N_RUNS))
    status, out, _ = govsim("merge", "s")
    assert status == 0 and "status complete" in out
