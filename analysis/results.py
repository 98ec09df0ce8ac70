"""Reading a results directory, whichever command or backend wrote it.

    res = analysis.load("results/x")                                  # every column
    res = analysis.load("results/x", columns=["mean_satisfaction"])   # these (and the keys) only
    ds = res.dataset()                                                # lazy: pyarrow.dataset

A store of a million runs holds about 1.5 GB of runs table in memory with every
column; with `columns` only those are read from the Parquet files (plus run_id,
point_id, scenario, replicate, status, attempt), a few tens of megabytes. The
dataset reads nothing until asked (`ds.to_table(columns=..., filter=...)`); it shows
every row on disk, so a retried run's earlier attempts appear too until `govsim merge`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError
from sim.engine.store import RUNS, TIMESERIES, read_manifest, read_runs, read_timeseries


@dataclass
class Results:
    """A store's runs (one row per run), time series (one row per run and week), manifest,
    and (where `govsim run --agents` wrote them) agents."""

    path: Path
    runs: pd.DataFrame
    manifest: dict[str, Any]
    _timeseries: pd.DataFrame | None = field(default=None, repr=False)
    _agents: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def timeseries(self) -> pd.DataFrame:
        """Read on first use: time series can be much larger than the runs table."""
        if self._timeseries is None:
            self._timeseries = read_timeseries(self.path)
        return self._timeseries

    def dataset(self, table: str = "runs"):
        """The runs (or "timeseries") table as a lazy pyarrow dataset of its part files."""
        import pyarrow.dataset as ds

        if table not in ("runs", "timeseries"):
            raise InputError(f"unknown table '{table}'; allowed: runs, timeseries", source=str(self.path))
        return ds.dataset(self.path / (RUNS if table == "runs" else TIMESERIES), format="parquet")

    @property
    def agents(self) -> pd.DataFrame:
        """agents.parquet (`govsim run --agents`): households and organisations by run
        and week, read on first use."""
        if self._agents is None:
            from analysis.agents import read_agents
            self._agents = read_agents(self.path)
        return self._agents

    @property
    def ok(self) -> pd.DataFrame:
        """The runs that finished without error."""
        return self.runs[self.runs["status"] == "ok"]

    @property
    def scenarios(self) -> list[str]:
        """Scenario names in the order of their first point."""
        order = self.runs.sort_values("point_id").drop_duplicates("scenario")
        return order["scenario"].tolist()


def load(path: str | Path, columns: Sequence[str] | None = None) -> Results:
    """Open a results directory written by `govsim run`, `sweep` or `sensitivity`.

    `columns`: read only these columns of the runs table (and the key columns).
    """
    path = Path(path)
    if not path.is_dir():
        raise InputError("no such results directory", source=str(path))
    manifest = read_manifest(path)
    return Results(path, read_runs(path, columns), manifest)
