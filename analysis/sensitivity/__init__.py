"""Sensitivity analysis with SALib: the methods (`methods`), analysis files (`file`),
running a file's design on the experiment engine (`run`), its outputs (`output`) and
figures (`plots`).

The public entry points are re-exported here, so `analysis.sensitivity.analyze_function`
works for any model, govsim or not.
"""
from analysis.sensitivity.methods import (DUMMY, METHODS, TABLE_COLUMNS, Method, analyze, analyze_function,
                                          get_method, n_points, nested, pawn_ks, problem, sample,
                                          widest_interval)

__all__ = ["DUMMY", "METHODS", "TABLE_COLUMNS", "Method", "analyze", "analyze_function", "get_method",
           "n_points", "nested", "pawn_ks", "problem", "sample", "widest_interval"]
