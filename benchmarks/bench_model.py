"""Speed of one run: the default urban community, and scaling with community size.

    python benchmarks/bench_model.py [--repeats N]

Prints seconds per run (after start-up: imports and a warm-up run are excluded) as
the minimum and median over repeats — the minimum is the machine's best case, the
median what a sweep sees — for the default community (3,000 households, 156 weeks)
and for 1,000 / 3,000 / 10,000 / 30,000 households, and the ratio of the 30,000 to
the 3,000 time (linear scaling would give 10; the target is at most 12).
Targets (issue 2): at most 0.1 s per default run in one process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.model import GovernanceModel  # noqa: E402
from sim.run import run  # noqa: E402


def time_runs(levers: dict, repeats: int, weeks: int = 156) -> list[float]:
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        run(levers, seed=1000 + i, weeks=weeks)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=15)
    args = p.parse_args()
    run({}, seed=0)  # warm-up: imports, caches
    t = time_runs({}, args.repeats)
    start = time.perf_counter()
    for i in range(args.repeats):
        GovernanceModel({}, seed=i)
    init = (time.perf_counter() - start) / args.repeats
    print(f"default run (3000 households, 156 weeks, weekly time series): "
          f"min {min(t):.3f} s, median {statistics.median(t):.3f} s over {args.repeats} runs "
          f"(of which set-up {init:.3f} s); target <= 0.100 s")
    sizes = (1000, 3000, 10000, 30000)
    medians = {}
    print(f"\n{'households':>10s} {'min s':>8s} {'median s':>9s} {'s per 1000 hh':>14s}")
    for n in sizes:
        reps = max(3, args.repeats * 3000 // n // 2)
        t = time_runs({"households": n}, reps)
        medians[n] = statistics.median(t)
        print(f"{n:10d} {min(t):8.3f} {medians[n]:9.3f} {1000 * medians[n] / n:14.4f}")
    ratio = medians[30000] / medians[3000]
    print(f"\n30000 / 3000 households: {ratio:.1f}x (linear: 10x; target <= 12x)")


if __name__ == "__main__":
    main()
