"""A pyABC sampler whose simulations are batches of runs of govsim's experiment engine.

pyABC hands a sampler `simulate_one`: propose a parameter, simulate, accept or not.
Its own parallel samplers run that function in worker processes, each with its own
random stream, so which particles are accepted depends on which worker finishes
first. This sampler splits `simulate_one` into its two halves (pyABC's own
`generate_valid_proposal` and `evaluate_proposal`, which `simulate_one` is a
`functools.partial` of) and does:

1. seed numpy's global generator (which pyABC's priors and transitions draw from)
   from (seed, generation), so every generation starts from a known state, also
   after a resume;
2. propose a batch of parameters, in order;
3. run them all with the engine (`run_batch`: serial, every local core or Dask,
   into a store that a killed calibration resumes); a proposal's run seeds derive
   from (seed, generation, its index in the generation's sequence);
4. evaluate the proposals in proposal order with the simulated statistics, and stop
   at the n-th accepted one.

Acceptance with pyABC's UniformAcceptor draws no random numbers, so the accepted
particles are the first n accepted proposals of one fixed sequence: the posterior
does not depend on the backend, the number of workers or the batch size.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pyabc
from pyabc.inference_util import inference_util as iu

# (generation, index of the first proposal in the generation, proposals) -> one statistics dict
# per proposal, in order; a proposal's runs (and seeds) depend on (generation, index) alone
RunBatch = Callable[[int, int, Sequence[Mapping[str, float]]], list[dict[str, float]]]
PRIOR_GENERATION = -1      # pyABC's calibration sample from the prior (t = -1 when it asks for one)
GENERATION_KEY = 0x6162    # "ab": the stream of proposals, apart from every run's stream


def generation_seed(seed: int, t: int) -> int:
    """The numpy seed generation t's proposals start from."""
    return int(np.random.SeedSequence(seed, spawn_key=(GENERATION_KEY, t + 1)).generate_state(1)[0])


class Replay(pyabc.Model):
    """A pyABC model that returns statistics simulated beforehand, for the proposal at hand."""

    def __init__(self) -> None:
        super().__init__(name="govsim")
        self.result: dict[str, float] | None = None

    def sample(self, pars):  # noqa: ARG002 - the statistics were simulated for exactly these parameters
        assert self.result is not None
        return self.result


class EngineSampler(pyabc.sampler.Sampler):
    """Proposals in batches, their runs through `run_batch`, evaluation in proposal order."""

    def __init__(self, run_batch: RunBatch, seed: int, *, min_batch: int = 8, max_batch: float = 3.0,
                 expected_acceptance: Callable[[int], float] | None = None) -> None:
        super().__init__()
        self.run_batch = run_batch
        self.seed = seed
        self.min_batch = min_batch
        self.max_batch = max_batch
        self.expected_acceptance = expected_acceptance or (lambda t: 1.0 if t <= 0 else 0.3)
        self.batches: list[dict] = []      # one record per batch: t, batch, proposals, accepted

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                ana_vars=None):
        if not isinstance(simulate_one, functools.partial) or simulate_one.func not in (
                iu._simulate_one, iu._simulate_one_from_prior):
            raise TypeError("EngineSampler needs pyABC's simulate_one (pyabc 0.13's inference_util partials)")
        kw = simulate_one.keywords
        from_prior = simulate_one.func is iu._simulate_one_from_prior
        if not from_prior and not kw.get("evaluate", True):
            raise TypeError("EngineSampler does not support look-ahead (preliminary) sampling")
        np.random.seed(generation_seed(self.seed, t))
        sample = self._create_empty_sample()
        replay = Replay()
        evaluations = accepted = batch = 0
        acceptance = max(self.expected_acceptance(t), 0.01) if not (from_prior or all_accepted) else 1.0
        while accepted < n and evaluations < max_eval:
            need = n - accepted
            # at most max_batch × n proposals at once: an acceptance rate estimated from a few
            # accepted particles can be far too low, and the runs after the n-th acceptance are waste
            size = need if acceptance >= 1.0 else max(self.min_batch, min(math.ceil(need / acceptance * 1.1),
                                                                          int(self.max_batch * n)))
            if max_eval < np.inf:
                size = int(min(size, max_eval - evaluations))
            proposals = [self._propose(kw, from_prior) for _ in range(size)]
            results = self.run_batch(t, evaluations, [dict(theta) for _, theta in proposals])
            got = 0
            for (m, theta), stats in zip(proposals, results):
                replay.result = stats
                particle = self._evaluate(kw, from_prior, m, theta, replay)
                sample.append(particle)
                evaluations += 1
                if particle.accepted:
                    accepted += 1
                    got += 1
                    if accepted == n:
                        break
            self.batches.append({"t": t, "batch": batch, "proposals": size, "evaluated": evaluations,
                                 "accepted": accepted})
            acceptance = max(got / size, 0.5 / size)
            batch += 1
        self.nr_evaluations_ = evaluations
        if sample.n_accepted < n:
            sample.ok = False
        return sample

    @staticmethod
    def _propose(kw, from_prior: bool):
        if from_prior:
            m = int(kw["model_prior"].rvs())
            return m, kw["parameter_priors"][m].rvs()
        return iu.generate_valid_proposal(t=kw["t"], m=kw["m"], p=kw["p"], model_prior=kw["model_prior"],
                                          parameter_priors=kw["parameter_priors"],
                                          model_perturbation_kernel=kw["model_perturbation_kernel"],
                                          transitions=kw["transitions"])

    @staticmethod
    def _evaluate(kw, from_prior: bool, m: int, theta, replay: Replay):
        if from_prior:
            result = replay.summary_statistics(0, theta, kw["summary_statistics"])
            return pyabc.population.Particle(m=m, parameter=theta, weight=1.0, sum_stat=result.sum_stat,
                                             distance=np.inf, accepted=True, proposal_id=0, preliminary=False)
        return iu.evaluate_proposal(m, theta, t=kw["t"], models=[replay], summary_statistics=kw["summary_statistics"],
                                    distance_function=kw["distance_function"], eps=kw["eps"],
                                    acceptor=kw["acceptor"], x_0=kw["x_0"], weight_function=kw["weight_function"],
                                    proposal_id=kw["proposal_id"])
