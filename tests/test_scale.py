"""A plan's memory does not grow with its number of points: points are generated
where they are used, from the design's description (the timed, million-run figures
are in benchmarks/bench_scale.py)."""

from __future__ import annotations

import pickle
import tracemalloc
from pathlib import Path

import numpy as np

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
