"""Bad experiment files and sweep options: exit 2, one line naming file, key and what is
allowed, and nothing written."""

from __future__ import annotations

import sys

import pytest

GOOD = """
name = "t"
scenario = "sichuan-2020"
seed = 3
replicates = 2
weeks = 4
timeseries = "none"
[levers]
households = 200
[design]
kind = "grid"
[vary]
households_per_grid = [100, 200]
"""

# (what to change in GOOD, words the message must contain)
BAD_FILES = {
    "unknown top-level key": (("replicates = 2", "replicate = 2"), ["'replicate'", "did you mean 'replicates'"]),
    "lever at top level": (("seed = 3", "seed = 3\nadmin_burden_share = 0.3"),
                           ["admin_burden_share", "[vary]", "[levers]"]),
    "unknown lever": (("households_per_grid = [", "households_per_gird = ["),
                      ["households_per_gird", "did you mean 'households_per_grid'"]),
    "wrong type": (("replicates = 2", 'replicates = "two"'), ["replicates", "expected an integer"]),
    "zero replicates": (("replicates = 2", "replicates = 0"), ["replicates", "from 1 to 10,000"]),
    "value out of bounds": (("[100, 200]", "[100, 20000]"), ["vary.households_per_grid", "out of bounds", "3000"]),
    "range out of bounds": (("households_per_grid = [100, 200]", "admin_burden_share = { low = -0.1, high = 0.5 }"),
                            ["vary.admin_burden_share.low", "out of bounds", "[0, 0.95]"]),
    "fixed lever out of bounds": (("households = 200", "households = 5"), ["households", "out of bounds"]),
    "bool as string": (("households_per_grid = [100, 200]", 'joint_meeting = ["yes"]'),
                       ["vary.joint_meeting", "true or false"]),
    "missing scenario": (('"sichuan-2020"', '"sichuan-2030"'), ["scenario", "sichuan-2030", "no such scenario"]),
    "no scenario": (('scenario = "sichuan-2020"', ""), ["scenario", "missing"]),
    "toml syntax": (("seed = 3", "seed = = 3"), ["TOML syntax error", "line"]),
    "unknown design kind": (('kind = "grid"', 'kind = "sobl"'), ["design.kind", '"sobl"', "did you mean 'sobol'"]),
    "sobol n not a power of two": (('kind = "grid"', 'kind = "sobol"\nn = 100'),
                                   ["design.n", "power of two", "64 or 128"]),
    "lhs without n": (('kind = "grid"', 'kind = "lhs"'), ["design.n", "number of points"]),
    "n in a grid": (('kind = "grid"', 'kind = "grid"\nn = 8'), ["design.n", "lhs and sobol"]),
    "lhs over a list": (('kind = "grid"', 'kind = "lhs"\nn = 8'), ["vary.households_per_grid", "not a list"]),
    "lhs over a bool": (('kind = "grid"', 'kind = "lhs"\nn = 8'), ["joint_meeting", "numeric"]),
    "steps in lhs": (('kind = "grid"', 'kind = "lhs"\nn = 8'), ["steps", "grid designs"]),
    "grid range without steps": (("[100, 200]", "{ low = 100, high = 200 }"), ["vary.households_per_grid", "steps"]),
    "repeating integer steps": (("[100, 200]", "{ low = 100, high = 102, steps = 5 }"), ["at most 3 steps"]),
    "range typo": (("[100, 200]", "{ low = 100, hihg = 200, steps = 2 }"),
                   ["vary.households_per_grid.hihg", "did you mean 'high'"]),
    "low above high": (("[100, 200]", "{ low = 300, high = 200, steps = 2 }"), ["must be below high"]),
    "repeated value": (("[100, 200]", "[100, 100]"), ["twice"]),
    "fixed and varied": (("households = 200", "households = 200\nhouseholds_per_grid = 100"),
                         ["households_per_grid", "both fixed"]),
    "bad timeseries": (('timeseries = "none"', 'timeseries = "weekly"'), ["timeseries", '"all", "none"']),
    "vary in a list design": (('kind = "grid"', 'kind = "list"\nrows = [{ households = 300 }]'), ["[vary]"]),
    "missing csv": (('kind = "grid"\n[vary]\nhouseholds_per_grid = [100, 200]', 'kind = "list"\nfile = "nope.csv"'),
                    ["design.file", "no such CSV"]),
    "no design": (('[design]\nkind = "grid"', ""), ["[design]", "missing"]),
}

VARY_INSTEAD = {  # cases that also need another [vary]
    "lhs over a bool": "joint_meeting = { low = 0, high = 1 }",
    "steps in lhs": "households_per_grid = { low = 100, high = 200, steps = 3 }",
}


def edit(text: str, change: tuple[str, str]) -> str:
    old, new = change
    assert old in text
    return text.replace(old, new, 1)


def assert_refused(status: int, err: str, words: list[str], tmp_path, before: set) -> None:
    assert status == 2, err
    assert err.count("\n") == 1, err  # one line
    for w in words:
        assert w in err, (w, err)
    assert {p.name for p in tmp_path.iterdir()} == before  # nothing written


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_experiment_file_is_refused_in_one_line(govsim, tmp_path, case):
    change, words = BAD_FILES[case]
    text = edit(GOOD, change)
    if case in VARY_INSTEAD:
        text = edit(text, ("households_per_grid = [100, 200]", VARY_INSTEAD[case]))
    (tmp_path / "exp.toml").write_text(text)
    before = {p.name for p in tmp_path.iterdir()}
    status, _, err = govsim("sweep", "exp.toml", "--out", "out", "--backend", "serial")
    assert_refused(status, err, [*words, "exp.toml"], tmp_path, before)


@pytest.mark.parametrize("csv,words", [
    ("households_per_gird,admin_burden_share\n100,0.3\n", ["pts.csv", "households_per_gird", "did you mean"]),
    ("households_per_grid\n100\nlots\n", ["pts.csv:3", "households_per_grid", "expected a number"]),
    ("households_per_grid\n100\n99999\n", ["pts.csv:3", "out of bounds"]),
    ("households_per_grid,households_per_grid\n100,200\n", ["appears twice"]),
    ("households_per_grid\n", ["no rows"]),
])
def test_bad_points_csv_is_refused_naming_file_row_and_column(govsim, tmp_path, csv, words):
    (tmp_path / "pts.csv").write_text(csv)
    (tmp_path / "exp.toml").write_text('scenario = "sichuan-2020"\n[design]\nkind = "list"\nfile = "pts.csv"\n')
    before = {p.name for p in tmp_path.iterdir()}
    status, _, err = govsim("sweep", "exp.toml", "--out", "out", "--backend", "serial")
    assert_refused(status, err, words, tmp_path, before)


@pytest.mark.parametrize("args,words", [
    (["--shard", "3/3"], ["--shard", "0 <= I < N"]),
    (["--shard", "one/two"], ["--shard", "I/N"]),
    (["--shard", "1/0"], ["--shard"]),
    (["--shard", "0/9"], ["--shard", "9 shards for 4 runs"]),
    (["--workers", "0"], ["--workers", "from 1 to 1,024"]),
    (["--chunk-size", "0"], ["--chunk-size"]),
    (["--scheduler", "tcp://127.0.0.1:1"], ["--scheduler", "--backend dask"]),
    (["--backend", "dask", "--scheduler", "tcp://127.0.0.1:1"], ["--scheduler", "no Dask scheduler answers"]),
    (["--overwrite", "--resume"], ["--overwrite"]),
    (["--overwrite", "--shard", "0/2"], ["--overwrite", "--shard"]),
])
def test_bad_sweep_options_are_refused_before_anything_is_written(govsim, tmp_path, args, words):
    (tmp_path / "exp.toml").write_text(GOOD)
    before = {p.name for p in tmp_path.iterdir()}
    status, _, err = govsim("sweep", "exp.toml", "--out", "out", *args)
    assert_refused(status, err, words, tmp_path, before)


def test_missing_experiment_file(govsim, tmp_path):
    status, _, err = govsim("sweep", "nowhere.toml", "--out", "out")
    assert_refused(status, err, ["nowhere.toml", "no such experiment file"], tmp_path, set())


def test_without_dask_the_error_says_how_to_install_it(govsim, tmp_path, monkeypatch):
    (tmp_path / "exp.toml").write_text(GOOD)
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    status, _, err = govsim("sweep", "exp.toml", "--out", "out", "--backend", "dask")
    assert_refused(status, err, ["--backend dask", "pip install 'govsim[cluster]'"], tmp_path, {"exp.toml"})


def test_dry_run_sizes_the_job_and_writes_nothing(govsim, tmp_path):
    (tmp_path / "exp.toml").write_text(GOOD)
    status, out, err = govsim("sweep", "exp.toml", "--out", "out", "--dry-run", "--workers", "4", "--shard", "1/2")
    assert status == 0, err
    assert "2 points × 2 replicates = 4 runs" in out
    assert "shard 1/2: 2 runs" in out
    assert "estimated wall time on --backend process with 4 worker(s)" in out
    assert {p.name for p in tmp_path.iterdir()} == {"exp.toml"}


def test_slurm_script_runs_one_shard_per_array_task(govsim, tmp_path):
    (tmp_path / "exp.toml").write_text(GOOD)
    status, out, err = govsim("slurm", "exp.toml", "--shards", "3", "--out", "res", "--time", "01:00:00",
                              "--cpus-per-task", "4", "--partition", "short", "--mem", "4G")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "#!/bin/bash"
    for directive in ("--array=0-2", "--cpus-per-task=4", "--time=01:00:00", "--partition=short", "--mem=4G"):
        assert f"#SBATCH {directive}" in lines
    sweep = [line for line in lines if " sweep " in line and not line.startswith("#")]
    assert len(sweep) == 1
    assert '--shard "$SLURM_ARRAY_TASK_ID/3" --backend process --workers "${SLURM_CPUS_PER_TASK:-1}"' in sweep[0]
    assert f"--out {tmp_path / 'res'}" in sweep[0] and str(tmp_path / "exp.toml") in sweep[0]
    assert any(" merge " in line and str(tmp_path / "res") in line for line in lines)
    # every #SBATCH line comes before the first command, or sbatch ignores it
    first_command = next(i for i, line in enumerate(lines) if line and not line.startswith("#"))
    assert max(i for i, line in enumerate(lines) if line.startswith("#SBATCH")) < first_command
    status, _, err = govsim("slurm", "exp.toml", "--shards", "5")
    assert status == 2 and "--shards" in err and "1 to 4" in err
    assert not (tmp_path / "results").exists()  # a refused script creates nothing


def test_slurm_defaults_fit_any_node_and_logs_go_under_the_results(govsim, tmp_path):
    (tmp_path / "exp.toml").write_text(GOOD)
    status, out, err = govsim("slurm", "exp.toml", "--shards", "2", "--out", "res")
    assert status == 0, err
    lines = out.splitlines()
    assert "#SBATCH --cpus-per-task=1" in lines                       # every node has one CPU
    assert not [line for line in lines if line.startswith("#SBATCH --mem")]  # nodes may declare no memory
    assert f"#SBATCH --output={tmp_path / 'res' / 'logs'}/govsim-t-%A_%a.out" in lines
    assert any("sinfo" in line for line in lines) and any("--mem" in line for line in lines if line.startswith("# "))
    assert (tmp_path / "res" / "logs").is_dir() and "logs" in err  # SLURM needs the directory before the job
    # the tasks then write their store into the directory that holds only the logs
    for shard in ("0/2", "1/2"):
        status, _, err = govsim("sweep", "exp.toml", "--out", "res", "--shard", shard, "--backend", "serial")
        assert status == 0, err
    (tmp_path / "res3" / "logs").mkdir(parents=True)
    status, _, err = govsim("sweep", "exp.toml", "--out", "res3", "--backend", "serial")  # one shard too
    assert status == 0, err


def test_dry_run_warms_up_before_timing(govsim, tmp_path, monkeypatch):
    from sim.engine import execute

    calls = []
    real = execute.run_chunk
    monkeypatch.setattr(execute, "run_chunk", lambda plan, tasks: calls.append(plan.weeks) or real(plan, tasks))
    (tmp_path / "exp.toml").write_text(GOOD.replace("weeks = 4", "weeks = 30"))
    status, out, err = govsim("sweep", "exp.toml", "--dry-run", "--backend", "serial")
    assert status == 0, err
    assert calls[0] == 8 and set(calls[1:]) == {30}   # a short, untimed warm-up run first
    timed = int(out.split("timed ", 1)[1].split()[0])
    assert len(calls) >= timed + 1 and "after a warm-up run" in out
