"""Data loss and escapes: what a careless or hostile path, name or file must never do.

Every test here failed before the fix it guards: `--out ""` emptied the working
directory, names escaped results/, `--overwrite` deleted directories govsim never
wrote, symlinked --out raised tracebacks, `govsim slurm` let a name inject shell
lines, the local Dask dashboard listened on every interface and a design file named
/proc/self/environ was echoed into the error message.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from sim.engine.store import MANIFEST

TINY_EXPERIMENT = """
name = {name}
scenario = "sichuan-2020"
replicates = 1
weeks = 2
[levers]
households = 100
[design]
kind = "grid"
[vary]
households_per_grid = [60, 120]
"""

TINY_ANALYSIS = """
name = {name}
method = "morris"
scenario = "sichuan-2020"
weeks = 2
n = 2
replicates = 1
outcomes = ["resolution_rate"]
levers = ["admin_burden_share", "households_per_grid"]
"""


def toml_string(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def experiment(tmp_path: Path, name: str = "tiny") -> Path:
    f = tmp_path / "exp.toml"
    f.write_text(TINY_EXPERIMENT.format(name=toml_string(name)))
    return f


def analysis_file(tmp_path: Path, name: str = "tiny") -> Path:
    f = tmp_path / "sa.toml"
    f.write_text(TINY_ANALYSIS.format(name=toml_string(name)))
    return f


def one_line_error(status: int, err: str) -> None:
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


# ---- --out "" ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["run", "sweep", "sensitivity"])
def test_an_empty_out_is_refused_and_deletes_nothing(govsim, tmp_path, command):
    work = tmp_path / "work"
    work.mkdir()
    (work / "thesis.tex").write_text("years of work")
    # a store in the working directory: even that must not be replaced by --out ""
    (work / MANIFEST).write_text(json.dumps({"plan_digest": "0" * 16}))
    target = {"run": [], "sweep": [str(experiment(tmp_path))], "sensitivity": [str(analysis_file(tmp_path))]}
    status, out, err = govsim(command, *target[command], "--out", "", "--overwrite", cwd=work)
    one_line_error(status, err)
    assert "empty path" in err
    assert (work / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in work.iterdir()) == [MANIFEST, "thesis.tex"]


# ---- names are identifiers -----------------------------------------------------------------------------
BAD_NAMES = [
    ("", "empty"),
    ("   ", "empty"),
    ("/some/abs/dir", "path separator"),
    ("../../x", "path separator"),
    ("..", "starts with '.'"),
    (".hidden", "starts with '.'"),
    ("a\nb", "control"),
    ("tab\there", "control"),
    ("x" * 101, "101 characters"),
]


@pytest.mark.parametrize("name,why", BAD_NAMES)
def test_an_experiment_name_must_be_one_path_component(govsim, tmp_path, name, why):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    status, out, err = govsim("sweep", str(experiment(tmp_path, name)), "--overwrite", "--backend", "serial")
    one_line_error(status, err)
    assert "name" in err and why in err
    assert (victim / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "results").exists() and not (tmp_path.parent / "x").exists()


@pytest.mark.parametrize("name,why", BAD_NAMES[:7])
def test_a_sensitivity_name_must_be_one_path_component(govsim, tmp_path, name, why):
    status, out, err = govsim("sensitivity", str(analysis_file(tmp_path, name)), "--backend", "serial")
    one_line_error(status, err)
    assert "name" in err and why in err
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("name,why", BAD_NAMES[:7])
def test_a_scenario_name_must_be_one_path_component(govsim, tmp_path, name, why):
    (tmp_path / "s.toml").write_text(f"name = {toml_string(name)}\n[levers]\nhouseholds = 100\n")
    status, out, err = govsim("run", str(tmp_path / "s.toml"), "--replicates", "1", "--steps", "1")
    one_line_error(status, err)
    assert "name" in err and why in err
    assert not (tmp_path / "results").exists()


def test_a_name_with_spaces_and_unicode_is_fine(tmp_path):
    from sim.engine.experiment import load_experiment

    assert load_experiment(experiment(tmp_path, "grid size × burden (v2)")).name == "grid size × burden (v2)"


# ---- --overwrite deletes only what govsim wrote ----------------------------------------------------------
def test_overwrite_refuses_a_directory_govsim_did_not_write(govsim, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    (mine / MANIFEST).write_text('{"not": "govsim"}')  # a manifest.json, but not govsim's
    status, out, err = govsim("sweep", str(experiment(tmp_path)), "--out", str(mine), "--overwrite",
                              "--backend", "serial")
    one_line_error(status, err)
    assert "--overwrite" in err and "manifest" in err
    assert sorted(p.name for p in mine.iterdir()) == [MANIFEST, "notes.txt"]


def test_overwrite_replaces_a_store_govsim_wrote(govsim, tmp_path):
    exp = experiment(tmp_path)
    out = tmp_path / "store"
    assert govsim("sweep", str(exp), "--out", str(out), "--backend", "serial")[0] == 0
    (out / "compare").mkdir()  # what govsim compare writes into a store by default
    status, _, err = govsim("sweep", str(exp), "--out", str(out), "--overwrite", "--backend", "serial")
    assert status == 0, err
    assert not (out / "compare").exists()
    assert json.loads((out / MANIFEST).read_text())["status"] == "complete"


def test_a_symlinked_out_writes_into_its_target_and_keeps_the_link(govsim, tmp_path):
    exp = experiment(tmp_path)
    target = tmp_path / "scratch" / "store"
    target.mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    assert govsim("sweep", str(exp), "--out", str(link), "--backend", "serial")[0] == 0
    assert (target / MANIFEST).is_file() and link.is_symlink()
    status, _, err = govsim("sweep", str(exp), "--out", str(link), "--overwrite", "--backend", "serial")
    assert status == 0, err
    assert link.is_symlink() and (target / MANIFEST).is_file()
    import analysis
    assert len(analysis.load(link).runs) == 2


def test_a_dangling_symlinked_out_is_one_line(govsim, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    status, _, err = govsim("sweep", str(experiment(tmp_path)), "--out", str(link), "--backend", "serial")
    one_line_error(status, err)
    assert "symbolic link" in err


def test_compare_overwrite_refuses_a_directory_that_is_not_a_comparison(govsim, tmp_path):
    from tests.synthstore import make_store

    make_store(tmp_path / "r", [("a", {}), ("b", {"households_per_grid": 200})], replicates=3)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    status, _, err = govsim("compare", str(tmp_path / "r"), "--out", str(mine), "--overwrite")
    one_line_error(status, err)
    assert (mine / "notes.txt").read_text() == "keep"


# ---- govsim slurm quotes what it interpolates ------------------------------------------------------------
def test_slurm_refuses_a_name_that_would_inject_shell_lines(govsim, tmp_path):
    status, out, err = govsim("slurm", str(experiment(tmp_path, "x\ntouch pwned")), "--shards", "2")
    one_line_error(status, err)
    assert out == ""


def test_slurm_script_runs_hostile_names_and_paths_as_data(govsim, tmp_path, monkeypatch):
    """The generated script, run by bash with `govsim` replaced by a recorder: every
    interpolated value reaches it as one argument, and nothing else runs."""
    import analysis.commands.slurm as slurm

    name = "a'b\"c $(touch pwned1) `touch pwned2`; touch pwned3"
    recorder = tmp_path / "record.py"
    recorder.write_text("import json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    monkeypatch.setattr(slurm, "govsim_command", lambda: [os.environ.get("PYTHON", "python3"), str(recorder)])
    d = tmp_path / "dir with 'quotes' and $HOME"
    d.mkdir()
    exp = experiment(d, name)
    out = d / "out $(touch pwned4)"
    status, script, err = govsim("slurm", str(exp), "--shards", "2", "--out", str(out))
    assert status == 0, err
    assert all(line.startswith("#") for line in script.splitlines() if name[:3] in line)
    run = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "SLURM_ARRAY_TASK_ID": "1", "SLURM_CPUS_PER_TASK": "2"})
    assert run.returncode == 0, run.stderr
    argv = json.loads(run.stdout)
    assert argv == ["sweep", str(exp.resolve()), "--out", str(out.resolve()), "--shard", "1/2",
                    "--backend", "process", "--workers", "2"]
    assert not list(tmp_path.rglob("pwned*"))
    # the commands the header suggests copy-paste as the same arguments
    wrap = next(line for line in script.splitlines() if "--wrap" in line)
    inner = shlex.split(wrap.split("--wrap", 1)[1])
    assert len(inner) == 1 and shlex.split(inner[0])[-2:] == ["merge", str(out.resolve())]


def test_slurm_refuses_a_working_directory_an_sbatch_line_cannot_carry(govsim, tmp_path):
    d = tmp_path / "my runs"
    d.mkdir()
    status, out, err = govsim("slurm", str(experiment(tmp_path)), "--shards", "2", cwd=d)
    one_line_error(status, err)
    assert "working directory" in err and out == ""


# ---- the local Dask cluster stays on loopback ----------------------------------------------------------
LOOPBACK = {"127.0.0.1", "::1"}


def test_the_local_dask_cluster_is_asked_for_loopback_only(monkeypatch):
    pytest.importorskip("distributed")
    import distributed

    from sim.engine import dask_backend

    seen = {}

    class Stop(Exception):
        pass

    def fake(**kwargs):
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(distributed, "LocalCluster", fake)
    with pytest.raises(Stop):
        with dask_backend.client_for(None, 1):
            pass
    assert seen["host"] in LOOPBACK
    assert seen["dashboard_address"].rsplit(":", 1)[0] in LOOPBACK


def test_the_local_dask_cluster_listens_on_loopback_only():
    pytest.importorskip("distributed")
    psutil = pytest.importorskip("psutil")
    from sim.engine import dask_backend

    with dask_backend.client_for(None, 1) as client:
        client.wait_for_workers(1, timeout=60)
        me = psutil.Process()
        pids = {me.pid} | {c.pid for c in me.children(recursive=True)}
        listening = [c for c in psutil.net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN and c.pid in pids]
        assert listening, "the cluster's sockets were not found"
        assert {c.laddr.ip for c in listening} <= LOOPBACK, listening


# ---- a rejected file is never echoed -----------------------------------------------------------------
SECRET = "hunter2-do-not-print"


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")
def test_a_design_file_that_is_not_a_csv_is_not_echoed(tmp_path):
    """/proc/self/environ holds the environment the process started with: a child's."""
    import sys

    f = tmp_path / "list.toml"
    f.write_text('scenario = "sichuan-2020"\n[design]\nkind = "list"\nfile = "/proc/self/environ"\n')
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "analysis.cli", "sweep", str(f), "--dry-run"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(root), "GOVSIM_TEST_SECRET": SECRET})
    one_line_error(proc.returncode, proc.stderr)
    assert SECRET not in proc.stderr and SECRET not in proc.stdout


@pytest.mark.parametrize("content", [
    f"households_per_grid,{SECRET}\n1,2\n",              # a header that is no lever name
    f"SECRET={SECRET};PATH=/usr/bin:/bin\n",             # a text file that is not a CSV of levers
])
def test_a_rejected_csv_is_not_quoted_beyond_a_short_value(govsim, tmp_path, content):
    (tmp_path / "points.csv").write_text(content)
    f = tmp_path / "list.toml"
    f.write_text('scenario = "sichuan-2020"\n[design]\nkind = "list"\nfile = "points.csv"\n')
    status, out, err = govsim("sweep", str(f), "--dry-run")
    one_line_error(status, err)
    assert SECRET not in err


def test_error_messages_cut_long_values_short():
    from sim.errors import SHOW_MAX, show

    assert len(show("x" * 10_000)) <= SHOW_MAX + 2
    assert "\n" not in show("a\nb") and "\x00" not in show("a\x00b")
