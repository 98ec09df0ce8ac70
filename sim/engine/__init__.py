"""The experiment engine: experiment files and designs, plans of runs, their execution
(serial, local processes, Dask, SLURM shards), the Parquet store, merging and provenance.

The engine imports the model (`sim.run`, `sim.levers`, `sim.scenario`); the model never
imports the engine.
"""
