"""govsim's model and experiment engine.

Data flows one way: scenario -> parameters -> model -> run records -> store.
Nothing here imports `analysis`.
"""

__version__ = "0.1.0"
