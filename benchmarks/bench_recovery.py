"""Recovery of known parameters by `govsim calibrate`, larger than the test suite's version.

Pseudo-observations come from the model itself at TRUTH (mean of REFERENCE_RUNS runs on
a 300-household community over 104 weeks, each target's sd the run-to-run standard
deviation); the calibration then has to find TRUTH again. `joint_meeting_prob` is inert
(the scenario has no joint meeting), so its posterior must stay at its prior. Prints,
per parameter, the truth, the 90% credible interval, whether it covers the truth and
the posterior sd over the prior sd.

    python benchmarks/bench_recovery.py [--population 150] [--generations 6] [--out DIR]

About 4,000 runs of a small community: ~10 minutes on 2 idle cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TRUTH = {"report_prob_week": 0.15, "rate_neighbour_dispute": 0.06, "case_outcome_impact": 0.3,
         "joint_meeting_prob": 0.4}
PRIORS = {"report_prob_week": "{ low = 0.01, high = 0.4 }", "rate_neighbour_dispute": "{ low = 0.01, high = 0.15 }",
          "case_outcome_impact": "{}", "joint_meeting_prob": "{}"}
OUTCOMES = ("discovery_share", "cases_created", "share_satisfied", "trust", "resolution_rate")
REFERENCE_RUNS = 20
WEEKS = 104


def write_problem(d: Path, population: int, generations: int) -> Path:
    from sim.levers import resolve
    from sim.run import run
    from sim.scenario import load

    (d / "small.toml").write_text(f'extends = "{ROOT / "scenarios" / "sichuan-2020.toml"}"\n[levers]\n'
                                  "households = 300\nhouseholds_per_grid = 100\njoint_meeting = false\n")
    levers = resolve({**load(d / "small.toml").overrides, **TRUTH})
    runs = pd.DataFrame([run(levers, seed=50_000 + k, weeks=WEEKS, timeseries_every=0).outcomes
                         for k in range(REFERENCE_RUNS)])
    blocks = [f"weeks = {WEEKS}"]
    for o in OUTCOMES:
        m, sd = float(runs[o].mean()), float(runs[o].std(ddof=1))
        blocks.append(f'[[target]]\nid = "{o}"\noutcome = "{o}"\nscenario = "small.toml"\nvalue = {m}\n'
                      f'interval = [{m - 1.96 * sd}, {m + 1.96 * sd}]\nsd = {sd}\nsource = "the model at TRUTH"')
    (d / "targets.toml").write_text("\n".join(blocks) + "\n")
    params = "\n".join(f"{k} = {v}" for k, v in PRIORS.items())
    (d / "cal.toml").write_text(f'targets = "targets.toml"\npopulation = {population}\ngenerations = {generations}\n'
                                f"seed = 11\nppc_draws = 20\nppc_replicates = 1\n[parameters]\n{params}\n")
    return d / "cal.toml"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--population", type=int, default=150)
    p.add_argument("--generations", type=int, default=6)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    from analysis.cli import main as govsim

    d = Path(tempfile.mkdtemp(prefix="recovery-"))
    cal = write_problem(d, args.population, args.generations)
    out = args.out or d / "out"
    start = time.perf_counter()
    status = govsim(["calibrate", str(cal), "--out", str(out)])
    seconds = time.perf_counter() - start
    if status:
        return status
    params = pd.read_csv(out / "parameters.csv").set_index("parameter")
    print(f"\nrecovery: population {args.population}, {args.generations} generations, {seconds:.0f} s")
    print(f"{'parameter':24s} {'truth':>7s} {'90% credible interval':>24s} {'covers':>7s} {'sd ratio':>9s}")
    covered = 0
    for name, truth in TRUTH.items():
        r = params.loc[name]
        ok = r["posterior_q05"] <= truth <= r["posterior_q95"]
        covered += ok
        print(f"{name:24s} {truth:7.3f} {'[' + format(r['posterior_q05'], '.3f') + ', ' + format(r['posterior_q95'], '.3f') + ']':>24s} "
              f"{'yes' if ok else 'NO':>7s} {r['sd_ratio']:9.2f}")
    print(f"{covered} of {len(TRUTH)} covered; joint_meeting_prob is inert (its sd ratio should stay near 1)")
    print(f"outputs: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
