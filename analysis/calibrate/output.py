"""What a calibration leaves behind: the posterior, its generations, its figures and the
posterior predictive check (see `analysis.calibrate.run` for the layout)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.calibrate.file import Calibration
from sim.engine.store import write_atomic

POSTERIOR = "posterior.parquet"
FIGURES = "figures"
PPC = "ppc"


def ess(w: np.ndarray) -> float:
    """Kish's effective sample size of normalised weights."""
    w = np.asarray(w, float) / np.sum(w)
    return float(1.0 / np.sum(w ** 2))


def populations(c: Calibration, history) -> pd.DataFrame:
    """Every generation's particles: generation, each parameter, weight (normalised per generation)."""
    parts = []
    for t in range(int(history.max_t) + 1):
        df, w = history.get_distribution(m=0, t=t)
        df = df[list(c.parameters)].reset_index(drop=True)
        for p in c.priors:           # from pyABC's sampling scale (log10 for log-uniform priors)
            df[p.name] = [p.to_value(v) for v in df[p.name]]
        parts.append(df.assign(weight=np.asarray(w) / np.sum(w), generation=t))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def generations(c: Calibration, history, pops: pd.DataFrame) -> pd.DataFrame:
    all_pops = history.get_all_populations()
    rows = []
    for _, r in all_pops.iterrows():
        t = int(r["t"])
        w = pops.loc[pops["generation"] == t, "weight"].to_numpy() if t >= 0 else np.array([])
        rows.append({"generation": t, "epsilon": float(r["epsilon"]), "proposals": int(r["samples"]),
                     "accepted": int(r["particles"]) if t >= 0 else 0,
                     "acceptance_rate": float(r["particles"]) / float(r["samples"]) if t >= 0 and r["samples"] else np.nan,
                     "ess": ess(w) if len(w) else np.nan, "runs": int(r["samples"]) * c.runs_per_particle})
    return pd.DataFrame(rows)


def parameter_table(c: Calibration, posterior: pd.DataFrame) -> pd.DataFrame:
    """Prior and posterior per parameter: weighted mean, sd, 5% and 95%, and how much narrower."""
    w = posterior["weight"].to_numpy(float)
    rows = []
    for p in c.priors:
        x = posterior[p.name].to_numpy(float)
        mean = float(np.sum(w * x))
        sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
        lo, hi = weighted_quantile(x, w, [0.05, 0.95])
        dist = p.scipy()
        # how much the targets narrowed it: sd ratio on the sampling scale (log10 for log-uniform priors)
        if p.kind == "loguniform":
            lx = np.log10(x)
            lm = float(np.sum(w * lx))
            ratio = float(np.sqrt(np.sum(w * (lx - lm) ** 2))) / (np.log10(p.high / p.low) / np.sqrt(12))
        else:
            ratio = sd / p.prior_sd if p.prior_sd > 0 else np.nan
        rows.append({"parameter": p.name, "prior": p.describe(), "prior_mean": float(dist.mean()),
                     "prior_sd": p.prior_sd, "prior_q05": float(dist.ppf(0.05)), "prior_q95": float(dist.ppf(0.95)),
                     "posterior_mean": mean, "posterior_sd": sd, "posterior_q05": lo, "posterior_q95": hi,
                     "sd_ratio": ratio})
    return pd.DataFrame(rows)


def weighted_quantile(x: np.ndarray, w: np.ndarray, qs) -> list[float]:
    order = np.argsort(x)
    x, w = np.asarray(x, float)[order], np.asarray(w, float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / np.sum(w)
    return [float(np.interp(q, cdf, x)) for q in qs]


def draws(posterior: pd.DataFrame, parameters, k: int, seed: int) -> list[dict[str, float]]:
    """k parameter sets resampled from the posterior by weight (fixed seed)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x707063,)))
    w = posterior["weight"].to_numpy(float)
    idx = rng.choice(len(posterior), size=k, replace=True, p=w / w.sum())
    return [{n: float(posterior[n].iloc[i]) for n in parameters} for i in idx]


def read_posterior(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A posterior: a calibration directory or its posterior.parquet; with its summary."""
    from sim.errors import InputError
    from sim.levers import LEVER_BY_NAME

    path = Path(path)
    f = path / POSTERIOR if path.is_dir() else path
    if not f.is_file():
        raise InputError(f"no {POSTERIOR} here (a directory written by `govsim calibrate`, or its "
                         f"{POSTERIOR})", source=str(path), key="--posterior")
    try:
        df = pd.read_parquet(f)
    except Exception as e:  # a damaged or foreign file
        raise InputError(f"cannot read as Parquet ({type(e).__name__})", source=str(f), key="--posterior") from None
    params = [col for col in df.columns if col in LEVER_BY_NAME]
    if "weight" not in df.columns or not params or len(df) == 0:
        raise InputError("is not a posterior (needs a weight column and lever columns)", source=str(f),
                         key="--posterior")
    summary_file = f.parent / "calibration.json"
    summary = json.loads(summary_file.read_text()) if summary_file.is_file() else {}
    return df, summary


def write_all(c: Calibration, out: Path, history, backend, extra: Mapping[str, Any]) -> dict[str, Any]:
    """Every output of a finished (or budget-stopped) calibration, then the PPC and the report."""
    import matplotlib
    matplotlib.use("Agg")
    from analysis.calibrate import figures
    from analysis.calibrate.run import write_json
    from analysis.style import save

    pops = populations(c, history)
    last = int(history.max_t)
    posterior = pops[pops["generation"] == last].drop(columns="generation").reset_index(drop=True)
    write_atomic(out / POSTERIOR, lambda tmp: posterior.to_parquet(tmp, index=False))
    write_atomic(out / "populations.parquet", lambda tmp: pops.to_parquet(tmp, index=False))
    gens = generations(c, history, pops)
    write_atomic(out / "generations.csv", lambda tmp: gens.to_csv(tmp, index=False))
    params = parameter_table(c, posterior)
    write_atomic(out / "parameters.csv", lambda tmp: params.to_csv(tmp, index=False))
    fig_dir = out / FIGURES
    fig_dir.mkdir(exist_ok=True)
    save(figures.marginals(c, pops), fig_dir, "marginals")
    save(figures.pairs(c, posterior, params), fig_dir, "pairs")
    save(figures.generations(gens), fig_dir, "generations")
    ppc = posterior_predictive(c, out, posterior, backend) if c.ppc_draws else None
    summary = {"calibration": c.describe(), "status": "complete", "generations": last + 1,
               "final_epsilon": float(gens["epsilon"].iloc[-1]),
               "runs_total": int(gens["runs"].sum()) + (ppc["runs"] if ppc else 0),
               "posterior": POSTERIOR, "parameters": params.to_dict(orient="records"),
               "ppc": ppc, **extra}
    write_json(out / "calibration.json", summary)
    from analysis.calibrate import report
    report.write(out)
    return summary


def posterior_predictive(c: Calibration, out: Path, posterior: pd.DataFrame, backend) -> dict[str, Any]:
    """Runs at the lever defaults and at draws from the posterior; every target's band
    against both (out/ppc: an engine store with its validation/)."""
    from analysis import validate
    from sim.engine.execute import execute
    from sim.engine.provenance import provenance
    from sim.engine.store import Store, is_store, read_manifest, read_runs, read_timeseries

    sets = {validate.DEFAULT_SET: [{}], "posterior": draws(posterior, c.parameters, c.ppc_draws, c.seed)}
    plan = validate.plan(c.targets, c.ppc_replicates, c.seed, sets=sets, fixed=c.fixed,
                         meta={"calibration": c.name, "check": "posterior predictive"})
    path = out / PPC
    if is_store(path) and read_manifest(path).get("plan_digest") != plan.digest():
        shutil.rmtree(path)      # the check of an earlier posterior (a resumed calibration went on): redo it
    store = Store.open(path, plan, provenance(["govsim", "calibrate", str(c.path)]), resume=True)
    summary = execute(plan, store, backend=backend.backend, workers=backend.workers, scheduler=backend.scheduler,
                      progress=backend.progress("posterior predictive") if backend.progress else None)
    store.finish("complete" if summary.failed == 0 else "complete-with-failures", failed=summary.failed)
    runs = read_runs(path)
    ts = read_timeseries(path) if plan.timeseries_every else None
    stats = validate.statistics(c.targets, runs, ts, validate.point_labels(plan, c.targets, sets))
    table = validate.evaluate(c.targets, stats)
    validate.write(path, c.targets, table, stats, title=(
        f"Posterior predictive check of {c.name}: observed band (shaded) against runs at the lever defaults "
        f"and at {c.ppc_draws} posterior draws × {c.ppc_replicates} replicates"), stem="ppc",
        extra={"draws": c.ppc_draws, "replicates": c.ppc_replicates})
    post = table[table["set"] == "posterior"]
    return {"runs": plan.n_runs, "draws": c.ppc_draws, "replicates": c.ppc_replicates,
            "met": post.loc[post["met"], "target"].tolist(), "missed": post.loc[~post["met"], "target"].tolist()}
