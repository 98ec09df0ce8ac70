"""`govsim slurm`: print a ready sbatch script that runs an experiment as a job array.

Each array task runs one shard (`--shard $SLURM_ARRAY_TASK_ID/N`) on the cores SLURM
gave it, into one shared results directory; a requeued or resubmitted task resumes
its shard. `govsim merge DIR` consolidates the shards afterwards.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from pathlib import Path

from analysis.commands.options import out_path
from sim.errors import InputError, show

NAME = "slurm"
HELP = "print an sbatch script that runs an experiment as a SLURM job array of N shards"
ORDER = 24


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", metavar="EXPERIMENT", help="experiment file, or a name in scenarios/experiments/")
    p.add_argument("--shards", type=int, required=True, metavar="N", help="array tasks, one shard each")
    p.add_argument("--out", type=out_path, metavar="DIR",
                   help="results directory shared by every task (default: results/NAME)")
    p.add_argument("--cpus-per-task", type=int, default=1, metavar="C",
                   help="cores per task, one worker each (default 1, which every node has; more than the "
                        "smallest node of the partition has pends forever: see sinfo -o '%%P %%c %%m')")
    p.add_argument("--time", help="time limit per task, e.g. 04:00:00 (see `govsim sweep --dry-run --shard 0/N`)")
    p.add_argument("--mem", help="memory per task, e.g. 2G (default: not requested, the partition's default; "
                                 "on clusters whose nodes declare no memory, --mem makes sbatch refuse the job)")
    p.add_argument("--partition", help="SLURM partition")
    p.add_argument("--account", help="SLURM account to charge")
    p.add_argument("--max-parallel", type=int, metavar="M", help="at most M tasks at once (--array=0-N%%M)")
    p.add_argument("--job-name", help="job name (default: govsim-NAME)")
    p.add_argument("--setup", action="append", default=[], metavar="LINE",
                   help="a shell line to run first in each task, e.g. 'module load python/3.12' (repeatable)")


def main(args: argparse.Namespace) -> int:
    from sim.engine.experiment import load_experiment

    experiment = load_experiment(args.experiment)
    runs = experiment.n_runs
    if not 1 <= args.shards <= runs:
        raise InputError(f"got {args.shards}; allowed: 1 to {runs} (one shard per run at most)", key="--shards")
    for key in ("cpus_per_task", "max_parallel"):
        value = getattr(args, key)
        if value is not None and value < 1:
            raise InputError(f"must be at least 1, got {value}", key=f"--{key.replace('_', '-')}")
    check_directives({f"--{key.replace('_', '-')}": getattr(args, key)
                      for key in ("time", "mem", "partition", "account", "job_name")})
    check_directives({"chdir": str(Path.cwd())})
    text = script(experiment.path, experiment.name, runs, args)
    logs = log_directory(args, experiment.name)
    if logs is not None and not logs.is_dir():  # SLURM opens the log files before the job starts
        logs.mkdir(parents=True)
        print(f"govsim slurm: created {logs} for the job logs", file=sys.stderr)
    print(text, end="")
    return 0


def log_directory(args: argparse.Namespace, name: str) -> Path | None:
    """Job logs go under the results directory (logs/), not into the directory sbatch runs from;
    None where that path cannot go into an #SBATCH line (the logs then stay in the working directory)."""
    logs = (args.out or Path("results") / name).resolve() / "logs"
    return logs if SAFE.fullmatch(str(logs)) else None


def memory_hint(cpus: int) -> str:
    """A memory request that fits a task: the coordinating process and one worker per core (about
    0.2 GB each for the default 3,000-household community; more households, more memory)."""
    return f"{max(1, -(-(4 + 2 * cpus) // 10))}G"


SAFE = re.compile(r"[\w.:,+=@/-]+")  # what an #SBATCH line carries unquoted


def check_directives(values: dict[str, str | None]) -> None:
    """Values that go into #SBATCH lines, which sbatch reads without shell quoting:
    only characters that need none (no spaces, quotes, newlines or $)."""
    for key, value in values.items():
        if value is not None and not SAFE.fullmatch(value):
            what = "the working directory" if key == "chdir" else key
            raise InputError(f"{what} is {show(value)}; an #SBATCH line carries only letters, digits and "
                             ". : , + = @ / - _", key=None if key == "chdir" else key)


def govsim_command() -> list[str]:
    """How a batch job starts this very govsim: its script beside this Python, or the module."""
    beside = Path(sys.executable).with_name("govsim")
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    return [sys.executable, "-m", "analysis.cli"]


def script(experiment: Path, name: str, runs: int, args: argparse.Namespace) -> str:
    n = args.shards
    out = (args.out or Path("results") / name).resolve()
    logs = log_directory(args, name)
    govsim = " ".join(shlex.quote(part) for part in govsim_command())
    array = f"0-{n - 1}" + (f"%{args.max_parallel}" if args.max_parallel else "")
    job = args.job_name or f"govsim-{re.sub(r'[^A-Za-z0-9_.-]', '-', name)}"
    options = [("job-name", job), ("array", array), ("ntasks", "1"), ("cpus-per-task", str(args.cpus_per_task)),
               ("time", args.time), ("mem", args.mem), ("partition", args.partition), ("account", args.account),
               ("chdir", str(Path.cwd())), ("output", str((logs or Path()) / f"{job}-%A_%a.out"))]
    sweep = (f"{govsim} sweep {shlex.quote(str(experiment))} --out {shlex.quote(str(out))} "
             f'--shard "$SLURM_ARRAY_TASK_ID/{n}" --backend process --workers "${{SLURM_CPUS_PER_TASK:-1}}"')
    lines = [
        "#!/bin/bash",
        f"# govsim sweep {shlex.quote(name)} ({runs} runs) as a SLURM job array of {n} shards, written by `govsim slurm`.",
        "#   submit:      sbatch THIS_FILE",
        f"#   size first:  {govsim} sweep {shlex.quote(str(experiment))} --dry-run --shard 0/{n} "
        f"--workers {args.cpus_per_task}",
        "#   afterwards:  when every task has finished (sacct -j JOBID), consolidate the shards:",
        f"#                {govsim} merge {shlex.quote(str(out))}",
        f"#   or chain it: sbatch --dependency=afterany:JOBID --wrap "
        f"{shlex.quote(f'{govsim} merge {shlex.quote(str(out))}')}",
        "#   A failed or requeued task resumes its shard when it runs again.",
        f"#   logs:        {logs}/" if logs else "#   logs:        in the working directory (an #SBATCH line cannot "
        "carry the results path)",
        "#   sizing:      each task runs one worker per CPU; --cpus-per-task must not exceed the CPUs of the",
        "#                smallest node of the partition (else the job pends with reason PartitionConfig):",
        "#                sinfo -o '%P %c %m' lists CPUs and memory per node. Memory: about 0.2 GB per worker",
        f"#                for 3,000 households plus 0.4 GB, e.g. --mem {memory_hint(args.cpus_per_task)} for "
        f"{args.cpus_per_task} CPU(s); leave --mem out",
        "#                where nodes declare no memory (sinfo shows 1 MB): sbatch would refuse the job.",
        *[f"#SBATCH --{key}={value}" for key, value in options if value is not None],
        "",
        "set -euo pipefail",
        "export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1   # one core per worker process",
        *args.setup,
        sweep,
        "",
    ]
    return "\n".join(lines)
