"""Calibration of behaviour parameters against a targets file: ABC-SMC with pyABC,
its runs executed by govsim's experiment engine (`govsim calibrate`).

- `file`: the calibration file (targets, parameters and priors, population, ...);
- `sampler`: a pyABC sampler whose simulations are batches of engine runs;
- `run`: the ABC-SMC analysis, new or resumed, and its outputs;
- `figures`: marginal posteriors against priors, pairwise densities, generations.
"""
