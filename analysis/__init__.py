"""govsim's analysis side: loading results, comparing scenarios, sensitivity, the CLI.

    >>> import analysis
    >>> res = analysis.load("results/study-...")      # any store: run, sweep, sensitivity
    >>> res.runs, res.timeseries, res.manifest
"""

from analysis.results import Results, load

__all__ = ["Results", "load"]
