"""Speed of one run: the default urban community, and scaling with community size.

    python benchmarks/bench_model.py [--repeats N] [--against REF] [--rounds K]

Prints seconds per run (after start-up: imports and a warm-up run are excluded) as
the minimum and median over repeats — the minimum is the machine's best case, the
median what a sweep sees — for the default community (3,000 households, 156 weeks)
and for 1,000 / 3,000 / 10,000 / 30,000 households, and the ratio of the 30,000 to
the 3,000 time (linear scaling would give 10; the target is at most 12).
Targets (issue 2): at most 0.1 s per default run in one process.

With --against REF (a git commit, e.g. 1cfbdbd, the model before issue 9) it times
instead the default run of this checkout and of REF, checked out in a temporary git
worktree, in alternating fresh processes (K rounds of 8 runs each, fresh seeds, so
that both meet the same machine load), and prints both and their ratio. Target
(issue 9): the default run within 1.25x of 1cfbdbd's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.model import GovernanceModel  # noqa: E402
from sim.run import run  # noqa: E402


def time_runs(levers: dict, repeats: int, first_seed: int, weeks: int = 156) -> list[float]:
    """Seconds per run, each with a seed of its own: every run pays for its burn-in
    (which a process caches per seed)."""
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        run(levers, seed=first_seed + i, weeks=weeks)
        times.append(time.perf_counter() - start)
    return times


ROOT = Path(__file__).resolve().parent.parent

# one process's timings: import the model of the checkout at argv[1], warm up, then
# time argv[3] default runs from seed argv[2] on
_TIMER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from sim.run import run
run({}, seed=0)
times = []
for i in range(int(sys.argv[3])):
    start = time.perf_counter()
    run({}, seed=int(sys.argv[2]) + i)
    times.append(time.perf_counter() - start)
print(json.dumps(times))
"""


def against(ref: str, rounds: int) -> None:
    """Paired timing of this checkout and `ref`, alternating which goes first."""
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "ref"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(other), ref], check=True)
        try:
            times: dict[Path, list[float]] = {ROOT: [], other: []}
            for r in range(rounds):
                for checkout in ((other, ROOT) if r % 2 == 0 else (ROOT, other)):
                    out = subprocess.run([sys.executable, "-c", _TIMER, str(checkout), str(1000 + 100 * r), "8"],
                                         capture_output=True, text=True, check=True)
                    times[checkout] += json.loads(out.stdout)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False)
    mine, theirs = times[ROOT], times[other]
    print(f"default run, {len(mine)} runs each, alternating processes:")
    print(f"  {ref:>12s}: min {min(theirs):.4f} s, median {statistics.median(theirs):.4f} s")
    print(f"  {'this checkout':>12s}: min {min(mine):.4f} s, median {statistics.median(mine):.4f} s")
    print(f"  ratio: min {min(mine) / min(theirs):.3f}, median {statistics.median(mine) / statistics.median(theirs):.3f}"
          f" (target <= 1.25 against 1cfbdbd)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--against", metavar="REF", help="time this checkout against git commit REF instead")
    p.add_argument("--rounds", type=int, default=6, help="with --against: rounds of 8 runs per checkout")
    args = p.parse_args()
    if args.against:
        against(args.against, args.rounds)
        return
    run({}, seed=0)  # warm-up: imports, caches
    t = time_runs({}, args.repeats, first_seed=1000)
    start = time.perf_counter()
    for i in range(args.repeats):
        GovernanceModel({}, seed=5000 + i)
    init = (time.perf_counter() - start) / args.repeats
    print(f"default run (3000 households, 156 weeks, weekly time series): "
          f"min {min(t):.3f} s, median {statistics.median(t):.3f} s over {args.repeats} runs "
          f"(of which set-up, burn-in included, {init:.3f} s); target <= 0.100 s")
    sizes = (1000, 3000, 10000, 30000)
    medians = {}
    print(f"\n{'households':>10s} {'min s':>8s} {'median s':>9s} {'s per 1000 hh':>14s}")
    for n in sizes:
        reps = max(3, args.repeats * 3000 // n // 2)
        t = time_runs({"households": n}, reps, first_seed=2000 + 100 * sizes.index(n))
        medians[n] = statistics.median(t)
        print(f"{n:10d} {min(t):8.3f} {medians[n]:9.3f} {1000 * medians[n] / n:14.4f}")
    ratio = medians[30000] / medians[3000]
    print(f"\n30000 / 3000 households: {ratio:.1f}x (linear: 10x; target <= 12x)")


if __name__ == "__main__":
    main()
