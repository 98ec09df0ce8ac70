"""Rules written once: the run-setting limits, the backend list, the "did you mean"
hint, each sensitivity method's behaviour, and an engine without import circles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.engine import settings

ROOT = Path(__file__).resolve().parent.parent


def test_one_table_of_limits_governs_every_command_and_file(govsim, tmp_path, monkeypatch):
    """Lower one limit in the table: the CLI, experiment files and analysis files all follow."""
    monkeypatch.setitem(settings.LIMITS, "replicates", settings.Limit(1, 3, "a test's limit"))
    (tmp_path / "e.toml").write_text('scenario = "sichuan-2020"\nreplicates = 4\n[design]\nkind = "grid"\n'
                                     '[vary]\nhouseholds_per_grid = [60, 120]\n')
    (tmp_path / "a.toml").write_text('method = "morris"\nn = 2\nreplicates = 4\noutcomes = ["trust"]\n'
                                     'levers = ["admin_burden_share", "households_per_grid"]\n')
    for argv in (["run", "--replicates", "4"], ["sweep", "e.toml", "--dry-run"], ["sensitivity", "a.toml"]):
        status, _, err = govsim(*argv)
        assert status == 2 and "from 1 to 3 (a test's limit)" in err, (argv, err)


def test_one_backend_list():
    from analysis.cli import build_parser

    parser = build_parser()
    for command in ("sweep", "sensitivity"):
        args = parser.parse_args([command, "x", "--backend", "dask"])
        assert args.backend == "dask"
        with pytest.raises(SystemExit):
            parser.parse_args([command, "x", "--backend", "threads"])
    choices = {a.dest: a.choices for a in parser._subparsers._group_actions[0].choices["sweep"]._actions}
    assert tuple(choices["backend"]) == settings.BACKENDS


def test_one_did_you_mean(tmp_path):
    from sim.engine.execute import execute
    from sim.engine.experiment import load_experiment
    from sim.errors import InputError
    from sim.scenario import load

    (tmp_path / "s.toml").write_text("levrs = {}\n")
    (tmp_path / "e.toml").write_text('scenario = "sichuan-2020"\n[design]\nkind = "gird"\n')
    messages = []
    for attempt in (lambda: load(tmp_path / "s.toml"), lambda: load_experiment(tmp_path / "e.toml"),
                    lambda: execute(None, None, backend="proces")):
        with pytest.raises(InputError) as e:
            attempt()
        messages.append(str(e.value))
    assert "did you mean 'levers'?" in messages[0]
    assert "did you mean 'grid'?" in messages[1]
    assert "did you mean 'process'?" in messages[2]


def test_the_dask_backend_does_not_import_execute():
    """execute imports dask_backend (when asked for Dask), never the reverse."""
    code = "import sys, sim.engine.dask_backend; print('sim.engine.execute' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name", ["sobol", "morris", "fast", "rbd_fast", "delta", "pawn"])
def test_a_method_carries_its_behaviour_as_data(name):
    """Points, nesting, main index, sampler and analyser sit with the method; the
    points it says a design has are the rows its sampler draws."""
    from analysis.sensitivity import methods as sa

    m = sa.METHODS[name]
    opts = sa.check_options(m, {})
    n = {"sobol": 16, "morris": 4, "fast": 65, "rbd_fast": 32, "delta": 32, "pawn": 32}[name]
    bounds = {"a": (0.0, 1.0), "b": (0.0, 2.0), "c": (-1.0, 1.0)}
    X = sa.sample(name, bounds, n, seed=3, options=opts)
    assert len(X) == m.points(3, n, opts) == sa.n_points(name, 3, n, opts)
    assert set(m.main_index) <= set(m.indices)
    assert m.n_problem(n, opts) is None and m.n_problem(1, opts)
    if m.nests(opts):  # the design for 2N begins with the design for N
        np.testing.assert_allclose(sa.sample(name, bounds, 2 * n, seed=3, options=opts)[:len(X)], X)
    table = sa.analyze(name, bounds, X, X[:, 0] + 2 * X[:, 1], seed=3, options=opts)
    assert set(table["index"]) == set(m.indices) - ({"S2"} if not opts.get("second_order") else set())
