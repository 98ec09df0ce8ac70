"""A plan's memory does not grow with its number of points: points are generated
where they are used, from the design's description (the timed, million-run figures
are in benchmarks/bench_scale.py)."""

from __future__ import annotations

import pickle
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from sim.engine.execute import Pending, make_chunks
from sim.engine.experiment import load_experiment

LEVERS = """
households_per_grid = { low = 150, high = 800 }
admin_burden_share = { low = 0.2, high = 0.7 }
facility_m2_per_100_households = { low = 10.0, high = 40.0 }
three_social_linkage = { low = 0.0, high = 1.0 }
deliberation_per_year = { low = 0, high = 12 }
"""


def experiment(tmp_path: Path, kind: str, n: int) -> Path:
    f = tmp_path / f"{kind}-{n}.toml"
    f.write_text(f'scenario = "sichuan-2020"\nreplicates = 2\nweeks = 4\n[levers]\nhouseholds = 300\n'
                 f'[design]\nkind = "{kind}"\nn = {n}\n[vary]\n{LEVERS}')
    return f


def peak_bytes(path: Path) -> tuple[int, str]:
    """Peak traced memory of building the plan, hashing it and handing out every chunk."""
    tracemalloc.start()
    try:
        plan = load_experiment(path).plan()
        digest = plan.digest()
        pending = Pending(plan.run_ids(), None, 0)
        seen = 0
        for chunk in make_chunks(plan, pending, workers=2, chunk_size=8192):
            seen += len(chunk)
            assert len(pickle.dumps(chunk)) < 8192 * 200  # a chunk carries its own points, compactly
        assert seen == plan.n_runs
        return tracemalloc.get_traced_memory()[1], digest
    finally:
        tracemalloc.stop()


def test_plan_memory_does_not_grow_with_the_number_of_points(tmp_path):
    for kind, small, large in (("lhs", 10_000, 1_000_000), ("sobol", 2**13, 2**18)):
        low, _ = peak_bytes(experiment(tmp_path, kind, small))
        high, _ = peak_bytes(experiment(tmp_path, kind, large))
        runs = 2 * (large - small)
        # a lever dict per point costs kilobytes; arrays of run ids cost 8 bytes a run each
        assert (high - low) / runs < 64, f"{kind}: {(high - low) / runs:.0f} bytes per extra run"


def test_workers_receive_a_plan_description_whose_size_does_not_depend_on_the_points(tmp_path):
    small = load_experiment(experiment(tmp_path, "lhs", 100)).plan()
    large = load_experiment(experiment(tmp_path, "lhs", 1_000_000)).plan()
    assert len(pickle.dumps(large.spec())) == len(pickle.dumps(small.spec()))
    assert len(pickle.dumps(large)) < 100_000  # the plan itself is its description


def test_a_chunk_runs_the_points_the_plan_describes(tmp_path):
    plan = load_experiment(experiment(tmp_path, "lhs", 1_000)).plan()
    ids = np.array([5, 6, 1999])
    tasks = list(plan.chunk(ids).tasks(plan.spec()))
    for (task, scenario, levers, attempt), run_id in zip(tasks, ids):
        point = plan.point(int(run_id) // 2)
        assert (task.run_id, task.point_id, task.replicate, attempt) == (run_id, run_id // 2, run_id % 2, 1)
        assert scenario == point.scenario and levers == dict(point.levers)
    assert [t.seed for t, *_ in tasks] == [t.seed for t in plan.tasks() if t.run_id in ids]


# ---- fewer, larger parts; merged row groups; reading only some columns ---------------------------------
def runs_table(plan, run_ids, attempt=1, status="ok"):
    import pyarrow as pa

    from sim.engine.store import RUNS_SCHEMA
    from sim.outcomes import OUTCOME_NAMES

    rows = []
    for task, scenario, levers, _ in plan.chunk(np.asarray(run_ids)).tasks(plan.spec()):
        rows.append({"run_id": task.run_id, "point_id": task.point_id, "scenario": scenario,
                     "replicate": task.replicate, "seed": task.seed, "weeks": 4, **levers,
                     **{o: task.run_id + 0.5 for o in OUTCOME_NAMES}, "status": status, "error": "",
                     "attempt": attempt, "wall_time_s": 0.0})
    return pa.Table.from_pylist(rows, schema=RUNS_SCHEMA)


def small_store(tmp_path, n=30):
    from sim.engine.provenance import provenance
    from sim.engine.store import Store

    plan = load_experiment(experiment(tmp_path, "lhs", n)).plan()
    return plan, Store.open(tmp_path / "store", plan, provenance(["pytest"]))


def test_chunks_are_gathered_into_parts_and_an_interrupted_gathering_is_written(tmp_path):
    from sim.engine.execute import runs_per_part
    from sim.engine.store import RUNS, part_names, read_runs

    plan, store = small_store(tmp_path)
    ids = plan.run_ids()
    try:
        with store.parts(10) as parts:
            for a in range(0, 27, 3):
                parts.add(runs_table(plan, ids[a:a + 3]), None)
            raise KeyboardInterrupt  # Ctrl-C with 3 runs gathered: they are written on the way out
    except KeyboardInterrupt:
        pass
    assert len(part_names(store.path / RUNS)) == 3  # 12 + 12 + 3 runs
    assert read_runs(store.path)["run_id"].tolist() == list(range(27))
    assert runs_per_part(1000, 64) == 64 and runs_per_part(1000, None) == 3
    assert runs_per_part(1_000_000, None) == 3906 and runs_per_part(10**8, None) == 8192


def test_merged_parts_have_row_groups_of_the_set_size(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.engine.merge import RowGroupWriter

    with RowGroupWriter(tmp_path / "x.parquet", rows=8) as w:
        for i in range(10):
            w.write(pa.table({"a": [3 * i, 3 * i + 1, 3 * i + 2]}))
    f = pq.ParquetFile(tmp_path / "x.parquet")
    assert [f.metadata.row_group(i).num_rows for i in range(f.metadata.num_row_groups)] == [8, 8, 8, 6]
    assert f.read()["a"].to_pylist() == list(range(30))


def test_load_reads_only_the_columns_asked_for_and_the_latest_attempt(tmp_path):
    import analysis
    from sim.errors import InputError

    plan, store = small_store(tmp_path, n=10)
    ids = plan.run_ids()
    store.write(runs_table(plan, ids, status="failed"), None)
    store.write(runs_table(plan, ids[:4], attempt=2), None)  # four runs retried
    full = analysis.load(store.path)
    some = analysis.load(store.path, columns=["trust", "satisfaction"])
    assert list(some.runs.columns) == ["run_id", "point_id", "scenario", "replicate", "status", "attempt",
                                       "trust", "satisfaction"]
    assert some.runs.equals(full.runs[list(some.runs.columns)])
    assert some.runs["attempt"].tolist() == [2] * 4 + [1] * 16
    assert some.runs["status"].tolist() == ["ok"] * 4 + ["failed"] * 16
    assert some.dataset().count_rows() == 24  # the lazy dataset shows every row on disk
    with pytest.raises(InputError, match="did you mean 'trust'"):
        analysis.load(store.path, columns=["trsut"])
