"""Effect sizes of the case pipeline's levers, as issue 9 asks them to be shown.

    python benchmarks/case_mechanisms.py [--replicates N] [--scenario NAME]

For each lever of the case pipeline — three-social linkage, people's mediators,
training interval, the weight of satisfaction in staff assessment — runs the scenario
(default sichuan-2020, 156 weeks) at a few values of the lever with seed-paired
replicates (replicate r of every value shares its seed) and prints, per outcome, the
mean at each value and the paired difference between the last and the first value
with its 95% t-interval. A run-on-demand report (minutes), not a test: the tests that
assert the directions are in tests/test_mechanisms.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.engine.plan import run_seed  # noqa: E402
from sim.run import run  # noqa: E402
from sim.scenario import load  # noqa: E402

ARMS = {
    "three_social_linkage": [0.0, 0.25, 0.5, 0.75, 1.0],
    "mediators_per_1000_households": [0.0, 3.0, 20.0],
    "training_interval_years": [10.0, 3.0, 0.5],
    "satisfaction_weight_in_assessment": [0.0, 0.6, 1.0],
}
OUTCOMES = ["resolution_rate", "dispute_resolution_rate", "escalation_rate", "neighbour_escalation_rate",
            "petitions_per_1000_households", "recurrence_rate", "mean_weeks_to_resolution", "satisfaction",
            "mediation_success_rate", "mediation_genuine_rate", "paper_closure_share", "passed_up_share"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--replicates", type=int, default=10)
    p.add_argument("--scenario", default="sichuan-2020")
    p.add_argument("--weeks", type=int, default=156)
    args = p.parse_args()
    base = load(ROOT / "scenarios" / f"{args.scenario}.toml").levers()
    seeds = [run_seed(2018, 0, r, common=True) for r in range(args.replicates)]
    t = stats.t.ppf(0.975, args.replicates - 1)
    for lever, values in ARMS.items():
        runs = {v: [run({**base, lever: v}, seed=s, weeks=args.weeks, timeseries_every=0).outcomes for s in seeds]
                for v in values}
        print(f"\n{lever} = " + " / ".join(f"{v:g}" for v in values)
              + f"   ({args.scenario}, {args.replicates} seed-paired replicates, {args.weeks} weeks)")
        for o in OUTCOMES:
            cols = [np.array([r[o] for r in runs[v]]) for v in values]
            d = cols[-1] - cols[0]
            d = d[np.isfinite(d)]
            diff = (f"{d.mean():+.4f} ± {t * d.std(ddof=1) / np.sqrt(len(d)):.4f}" if len(d) > 1 else "undefined")
            print(f"  {o:30s} " + " ".join(f"{np.nanmean(c):9.4f}" if np.isfinite(c).any() else f"{'nan':>9s}"
                                          for c in cols) + f"   last - first {diff}")


if __name__ == "__main__":
    main()
