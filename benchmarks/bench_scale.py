"""A million runs: what a very large sweep costs before, during and after its runs.
Run on demand (not by pytest):

    nice python benchmarks/bench_scale.py                      # about 20 minutes on 2 cores
    python benchmarks/bench_scale.py --only plan,dryrun       # the parts that run no model
    python benchmarks/bench_scale.py --window 3600            # measure the million-run sweep longer

The design is a Latin hypercube over ten levers of the short model (300 households,
4 weeks, one replicate), run by `govsim sweep --backend process --workers 2`, at
--small (20,000) and --large (1,000,000) points. Printed, against issue 13's targets:

  plan        building, hashing and writing the design of the large plan in this
              process, and the size of what a worker receives (RunSpec) and of a chunk;
  sweep       seconds from starting `govsim sweep` to the first runs handed out and
              to the first chunk finished; peak resident memory (VmHWM) of the
              coordinating process and of each worker; runs/s in the steady state
              (after the first 10 s). The small sweep runs to the end; the large one
              for --window seconds, then is interrupted (Ctrl-C: the runs gathered so
              far are written) and resumed for --resume-window seconds, which measures
              resume's bookkeeping of the runs already done;
  merge       `govsim merge` of a complete store of --large runs (synthetic outcomes,
              written in the parts a sweep writes, since the model would need hours):
              peak memory, seconds, parts and row groups before and after;
  load        `analysis.load(DIR, columns=HEADLINE)` of that store: seconds and peak
              memory; and the same through the lazy `Results.dataset()`;
  dryrun      `govsim sweep --dry-run` of a Latin hypercube of --dry-run-points
              (10,000,000) points: seconds and peak memory.

Targets (issue 13): coordinator <= 500 MB, each worker <= 300 MB, <= 10 s to the
first run, the same runs/s at 1e6 as at 2e4, merge in bounded memory with row
groups >= 64k rows, headline outcomes of 1e6 runs loaded in seconds and < 1 GB,
--dry-run within the same bounds. Other load on the machine slows everything;
the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")

LEVERS = """
households_per_grid = { low = 150, high = 800 }
admin_burden_share = { low = 0.2, high = 0.7 }
facility_m2_per_100_households = { low = 10.0, high = 40.0 }
social_orgs_per_1000_households = { low = 0.5, high = 6.0 }
three_social_linkage = { low = 0.0, high = 1.0 }
deliberation_per_year = { low = 0, high = 12 }
legal_advisor_hours_per_week = { low = 0.0, high = 8.0 }
mediators_per_1000_households = { low = 1.0, high = 5.0 }
training_interval_years = { low = 1.0, high = 6.0 }
satisfaction_weight_in_assessment = { low = 0.0, high = 1.0 }
"""
MB = 2**20


def experiment(directory: Path, n: int) -> Path:
    f = directory / f"scale-{n}.toml"
    f.write_text(f'name = "scale-{n}"\nscenario = "sichuan-2020"\nreplicates = 1\nweeks = 4\ntimeseries = "none"\n'
                 f'[levers]\nhouseholds = 300\n[design]\nkind = "lhs"\nn = {n}\n[vary]\n{LEVERS}')
    return f


# ---- watching a process tree ---------------------------------------------------------------------------
def _hwm(pid: int) -> int:
    """Peak resident set (VmHWM) of a live process, in bytes; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Watch:
    """Peak memory of a command and its children by role, and its timestamped output."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        import psutil

        self.start = time.time()
        self.proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **(env or {}),
                                                          "BENCH_T0": repr(self.start)},
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.root = psutil.Process(self.proc.pid)
        self.peaks: dict[int, tuple[str, int]] = {}
        self.lines: list[tuple[float, str]] = []
        os.set_blocking(self.proc.stdout.fileno(), False)

    def poll(self) -> bool:
        """Sample memory and read output; False once the command has ended."""
        import psutil

        try:
            procs = [self.root] + self.root.children(recursive=True)
        except psutil.NoSuchProcess:
            procs = []
        for p in procs:
            try:
                role = self._role(p)
            except psutil.NoSuchProcess:
                continue
            peak = _hwm(p.pid)
            if peak > self.peaks.get(p.pid, ("", 0))[1]:
                self.peaks[p.pid] = (role, peak)
        while True:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append((time.time() - self.start, line.rstrip("\n")))
        return self.proc.poll() is None

    def _role(self, p) -> str:
        if p.pid == self.root.pid:
            return "coordinator"
        cmd = " ".join(p.cmdline())
        if "resource_tracker" in cmd:
            return "resource tracker"
        if p.ppid() == self.root.pid:
            return "fork server" if "forkserver" in cmd else "child"
        return "worker"

    def run(self, until: float | None = None) -> None:
        while self.poll():
            if until is not None and time.time() - self.start > until:
                self.stop()
            time.sleep(0.2)
        self.poll()

    def stop(self) -> None:
        """Ctrl-C, as a user would; then whatever is left is killed."""
        try:
            os.killpg(self.proc.pid, signal.SIGINT)
        except ProcessLookupError:
            return
        deadline = time.time() + 60
        while self.proc.poll() is None and time.time() < deadline:
            self.poll()
            time.sleep(0.2)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def peak(self, role: str) -> list[int]:
        return sorted((b for r, b in self.peaks.values() if r == role), reverse=True)

    def progress(self) -> list[tuple[float, int, int]]:
        out = []
        for _, line in self.lines:
            if line.startswith("PROGRESS "):
                _, t, done, total, cpu = line.split()
                out.append((float(t), int(done), int(total), float(cpu)))
        return out

    def output(self) -> str:
        return "\n".join(line for _, line in self.lines if not line.startswith("PROGRESS "))


# ---- children: the commands measured -------------------------------------------------------------------
def child_sweep(argv: list[str]) -> int:
    """`govsim sweep ARGV`, with a progress callback that stamps every call."""
    import analysis.progress

    t0 = float(os.environ["BENCH_T0"])

    class Stamp:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def __call__(self, done: int, total: int) -> None:
            cpu = os.times()
            print(f"PROGRESS {time.time() - t0:.3f} {done} {total} {cpu.user + cpu.system:.2f}", flush=True)

    analysis.progress.ProgressReporter = Stamp
    from analysis.cli import main

    return main(["sweep", *argv])


def child_synth(exp: str, out: str, part_runs: int) -> int:
    """A complete store of the experiment's runs with planted outcomes, in the parts a
    sweep of that size writes (the model would take hours)."""
    import numpy as np
    import pyarrow as pa

    from sim.engine.experiment import load_experiment
    from sim.engine.plan import design_block, run_seed
    from sim.engine.provenance import provenance
    from sim.engine.store import RUNS_SCHEMA, Store
    from sim.outcomes import OUTCOME_NAMES

    plan = load_experiment(exp).plan()
    store = Store.open(out, plan, provenance(["bench_scale", "synthetic"]), overwrite=True)
    rng = np.random.default_rng(1)
    ids = plan.run_ids()
    for start in range(0, len(ids), part_runs):
        run_ids = ids[start:start + part_runs]
        n = len(run_ids)
        design = design_block(plan.chunk(run_ids).points, plan.points.bases)
        cols = {"run_id": pa.array(run_ids), "point_id": pa.array(run_ids), "scenario": design["scenario"],
                "replicate": pa.array(np.zeros(n, np.int64)),
                "seed": pa.array([run_seed(plan.seed, int(r), 0, False) for r in run_ids[:1]] * n, pa.int64()),
                "weeks": pa.array(np.full(n, plan.weeks, np.int64))}
        cols.update({f.name: design[f.name] for f in RUNS_SCHEMA if f.name in design.column_names})
        cols.update({o: pa.array(rng.random(n)) for o in OUTCOME_NAMES})
        cols.update(status=pa.repeat(pa.scalar("ok"), n), error=pa.repeat(pa.scalar(""), n),
                    attempt=pa.array(np.ones(n, np.int64)), wall_time_s=pa.array(rng.random(n) * 0.01))
        store.write(pa.Table.from_pydict({f.name: cols[f.name] for f in RUNS_SCHEMA}, schema=RUNS_SCHEMA), None)
    store.finish("complete")
    return 0


def child_load(directory: str) -> int:
    import analysis
    from analysis.summary import HEADLINE

    t = time.perf_counter()
    res = analysis.load(directory, columns=list(HEADLINE))
    seconds = time.perf_counter() - t
    rows, cols = res.runs.shape
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t = time.perf_counter()
    table = res.dataset().to_table(columns=["run_id", *HEADLINE])
    lazy = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "rows": rows, "columns": cols, "peak": peak,
                      "frame_bytes": int(res.runs.memory_usage(deep=True).sum()),
                      "dataset_seconds": lazy, "dataset_rows": table.num_rows}))
    return 0


def child_plan(exp: str) -> int:
    import pickle

    t = time.perf_counter()
    from sim.engine.experiment import load_experiment
    from sim.engine.store import write_design

    imported = time.perf_counter() - t
    plan = load_experiment(exp).plan()
    built = time.perf_counter() - t
    plan.digest()
    hashed = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as d:
        write_design(Path(d) / "design.parquet", plan)
        design_mb = (Path(d) / "design.parquet").stat().st_size / MB
    written = time.perf_counter() - t
    chunk = plan.chunk(plan.run_ids()[:64])
    print(json.dumps({"imports": imported, "plan": built - imported, "digest": hashed - built,
                      "design": written - hashed, "design_mb": design_mb, "points": len(plan.points),
                      "spec_bytes": len(pickle.dumps(plan.spec())), "chunk_bytes": len(pickle.dumps(chunk)),
                      "plan_bytes": len(pickle.dumps(plan)),
                      "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
    return 0


# ---- the measurements ------------------------------------------------------------------------------------
def me(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", *args]


def last_json(w: Watch) -> dict:
    for _, line in reversed(w.lines):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no result from {w.proc.args}:\n{w.output()}")


def steady_rate(progress: list[tuple[float, int, int, float]], skip: float = 10.0) -> float:
    """Runs per second after the first `skip` seconds of runs."""
    started = [p for p in progress if p[1] > 0]
    if len(started) < 2:
        return float("nan")
    t0 = started[0][0] + skip
    window = [p for p in started if p[0] >= t0] or started
    (ta, da, *_), (tb, db, *_) = window[0], window[-1]
    return (db - da) / (tb - ta) if tb > ta else float("nan")


def measure_sweep(exp: Path, out: Path, workers: int, window: float | None, extra: list[str]) -> dict:
    done_before = done_ids(out) if "--resume" in extra else None
    w = Watch(me("sweep", str(exp), "--out", str(out), "--backend", "process", "--workers", str(workers),
                 *extra))
    w.run(until=window)
    progress = w.progress()
    first_call, _, _, cpu = progress[0] if progress else (float("nan"), 0, 0, float("nan"))
    first_done = next(((t, d) for t, d, *_ in progress if d > 0), (float("nan"), 0))
    first_run = first_done[0] - first_chunk_seconds(out, first_done[1], done_before)
    return {"to_runs_s": first_call, "to_runs_cpu_s": cpu, "first_chunk_s": first_done[0],
            "first_chunk_runs": first_done[1], "first_run_s": first_run,
            "done": progress[-1][1] if progress else 0, "total": progress[-1][2] if progress else 0,
            "rate": steady_rate(progress), "coordinator": w.peak("coordinator"), "workers": w.peak("worker"),
            "fork_server": w.peak("fork server"), "status": w.proc.returncode, "output": w.output()[-2000:]}


def done_ids(out: Path):
    import analysis

    return analysis.load(out, columns=[]).runs["run_id"].to_numpy()


def first_chunk_seconds(out: Path, runs: int, done_before=None) -> float:
    """How long the first chunk's runs took in their worker (the first chunk holds the
    lowest run ids pending at the start): the first run started that long before it was done."""
    import analysis
    import numpy as np

    try:
        res = analysis.load(out, columns=["wall_time_s"]).runs
    except Exception:  # noqa: BLE001 - no store, no estimate
        return float("nan")
    if done_before is not None:
        res = res[~np.isin(res["run_id"].to_numpy(), done_before)]
    return float(res["wall_time_s"].iloc[:runs].sum()) if runs else float("nan")


def show_sweep(label: str, r: dict) -> None:
    workers = ", ".join(f"{b / MB:.0f}" for b in r["workers"]) or "-"
    print(f"  {label}: {r['done']:,} of {r['total']:,} runs; start -> runs handed out {r['to_runs_s']:.1f} s "
          f"({r['to_runs_cpu_s']:.1f} s of coordinator CPU), "
          f"-> first run started ~{r['first_run_s']:.1f} s, -> first chunk done {r['first_chunk_s']:.1f} s "
          f"({r['first_chunk_runs']} runs); steady {r['rate']:.1f} runs/s")
    print(f"    peak memory: coordinator {r['coordinator'][0] / MB if r['coordinator'] else float('nan'):.0f} MB, "
          f"workers {workers} MB, fork server "
          f"{r['fork_server'][0] / MB if r['fork_server'] else float('nan'):.0f} MB")


def parts_and_groups(runs_dir: Path) -> tuple[int, list[int]]:
    import pyarrow.parquet as pq

    from sim.engine.store import part_names

    names = part_names(runs_dir)
    groups = []
    for n in names:
        md = pq.ParquetFile(runs_dir / n).metadata
        groups += [md.row_group(i).num_rows for i in range(md.num_row_groups)]
    return len(names), groups


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=20_000)
    ap.add_argument("--large", type=int, default=1_000_000)
    ap.add_argument("--dry-run-points", type=int, default=10_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--window", type=float, default=300.0,
                    help="seconds to run the large sweep before interrupting it (0: to the end)")
    ap.add_argument("--resume-window", type=float, default=60.0)
    ap.add_argument("--only", default="plan,sweep,merge,load,dryrun")
    ap.add_argument("--keep", metavar="DIR", help="work here and keep the stores (default: a temporary directory)")
    ap.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, rest = args.child[0], args.child[1:]
        if mode == "sweep":
            return child_sweep(rest)
        return {"synth": lambda: child_synth(rest[0], rest[1], int(rest[2])), "load": lambda: child_load(rest[0]),
                "plan": lambda: child_plan(rest[0])}[mode]()

    only = set(args.only.split(","))
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    small, large = experiment(work, args.small), experiment(work, args.large)
    print(f"bench_scale: {args.workers} workers, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"work in {work}")

    if "plan" in only:
        w = Watch(me("plan", str(large)))
        w.run()
        r = last_json(w)
        print(f"plan of {r['points']:,} points: imports {r['imports']:.1f} s, plan {r['plan']:.2f} s, "
              f"digest {r['digest']:.1f} s, design.parquet {r['design']:.1f} s ({r['design_mb']:.0f} MB); "
              f"peak {r['peak'] / MB:.0f} MB")
        print(f"  sent to each worker once: {r['spec_bytes']:,} bytes; a 64-run chunk: {r['chunk_bytes']:,} bytes; "
              f"the whole plan pickled: {r['plan_bytes']:,} bytes")

    if "sweep" in only:
        print("sweep (govsim sweep --backend process):")
        r = measure_sweep(small, work / "small", args.workers, None, ["--overwrite"])
        show_sweep(f"{args.small:,} points", r)
        n_parts, _ = parts_and_groups(work / "small" / "runs.parquet")
        print(f"    parts: {n_parts}")
        r = measure_sweep(large, work / "large", args.workers, args.window or None, ["--overwrite"])
        show_sweep(f"{args.large:,} points", r)
        n_parts, _ = parts_and_groups(work / "large" / "runs.parquet")
        print(f"    parts written: {n_parts} for {r['done']:,} runs")
        if args.resume_window and r["done"] < r["total"]:
            r = measure_sweep(large, work / "large", args.workers, args.resume_window, ["--resume"])
            show_sweep("resumed", r)

    store = work / "merge"
    if "merge" in only:
        t = time.time()
        w = Watch(me("synth", str(large), str(store), "4096"))
        w.run()
        if w.proc.returncode:
            print(w.output())
            return 1
        before, groups_before = parts_and_groups(store / "runs.parquet")
        print(f"merge: a complete store of {args.large:,} runs written in {time.time() - t:.0f} s "
              f"({before} parts, row groups of {min(groups_before):,}-{max(groups_before):,} rows)")
        w = Watch([str(Path(sys.executable).parent / "govsim"), "merge", str(store)])
        t = time.time()
        w.run()
        seconds = time.time() - t
        after, groups = parts_and_groups(store / "runs.parquet")
        print(f"  govsim merge: {seconds:.0f} s, peak {w.peak('coordinator')[0] / MB:.0f} MB; "
              f"{before} -> {after} parts, {len(groups)} row groups of {min(groups):,}-{max(groups):,} rows "
              f"(all but each part's last >= 65,536: "
              f"{all(g >= 65_536 for g in groups[:-1] if g != groups[-1]) or len(groups) == after})")
    if "load" in only and (store / "manifest.json").is_file():
        w = Watch(me("load", str(store)))
        w.run()
        r = last_json(w)
        print(f"load(DIR, columns=HEADLINE): {r['rows']:,} runs x {r['columns']} columns in {r['seconds']:.1f} s, "
              f"peak {r['peak'] / MB:.0f} MB (the frame: {r['frame_bytes'] / MB:.0f} MB); "
              f"Results.dataset().to_table(8 columns): {r['dataset_seconds']:.1f} s")

    if "dryrun" in only:
        exp = experiment(work, args.dry_run_points)
        w = Watch([str(Path(sys.executable).parent / "govsim"), "sweep", str(exp), "--dry-run",
                   "--workers", str(args.workers), "--out", str(work / "dry")])
        t = time.time()
        w.run()
        print(f"dry run of {args.dry_run_points:,} points: {time.time() - t:.1f} s, "
              f"peak {w.peak('coordinator')[0] / MB:.0f} MB, exit {w.proc.returncode}")
        print("  " + w.output().replace("\n", "\n  "))
    print(f"load average now {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
