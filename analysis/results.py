"""Reading a results directory, whichever command or backend wrote it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError
from sim.engine.store import read_manifest, read_runs, read_timeseries


@dataclass
class Results:
    """A store's runs (one row per run), time series (one row per run and week) and manifest."""

    path: Path
    runs: pd.DataFrame
    manifest: dict[str, Any]
    _timeseries: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def timeseries(self) -> pd.DataFrame:
        """Read on first use: time series can be much larger than the runs table."""
        if self._timeseries is None:
            self._timeseries = read_timeseries(self.path)
        return self._timeseries

    @property
    def ok(self) -> pd.DataFrame:
        """The runs that finished without error."""
        return self.runs[self.runs["status"] == "ok"]

    @property
    def scenarios(self) -> list[str]:
        """Scenario names in the order of their first point."""
        order = self.runs.sort_values("point_id").drop_duplicates("scenario")
        return order["scenario"].tolist()


def load(path: str | Path) -> Results:
    """Open a results directory written by `govsim run`, `sweep` or `sensitivity`."""
    path = Path(path)
    if not path.is_dir():
        raise InputError("no such results directory", source=str(path))
    manifest = read_manifest(path)
    return Results(path, read_runs(path), manifest)
