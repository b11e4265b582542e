"""Conditioning: pair odour A with reward, leave odour B unpaired, and measure what was learned.

A trial runs three phases on one plastic simulation (:mod:`brainview.sim.plasticity`):

1. pre-test: odour A, then odour B, each for ``odour_ms`` with ``gap_ms`` of rest after it;
2. training, with the lesions in force: ``pairings`` times odour A with the reward (the
   modulators' drive, from ``reward_delay_ms`` after odour onset to its end: the Kenyon cells
   are active first, as Handler et al. 2019 found the order must be), then odour B alone;
3. post-test, as the pre-test, with the lesions lifted.

The readout's mean rate during each test presentation gives the learning index
``(A_post - A_pre) / A_pre - (B_post - B_pre) / B_pre``: negative when the response to the
paired odour fell more than that to the unpaired one (the depression of KC-to-MBON synapses
that Hige et al. 2015 measured). Trials are independent (seeded by the seed and the trial
number) and run through :func:`~brainview.comparison.execute.map_tasks`, here or on Dask.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from brainview.comparison.design import Lesion, check_whole, trial_stream
from brainview.connectome import Connectome
from brainview.errors import ParameterError
from brainview.experiment.model import CellSet, stream_of
from brainview.sim.params import ShiuParams, check_dt, steps_of
from brainview.sim.plasticity import PlasticityRule

PHASES = ("pre", "post")
"""The test phases whose responses enter the learning index."""


@dataclass(frozen=True, eq=False)
class Conditioning:
    """A conditioning experiment on ``connectome``; see the module docstring.

    Rates are Hz, times ms. ``rule`` names the plastic connections and the modulators; its
    ``pre``, ``post`` and ``modulators`` may be selectors or rows.
    """

    connectome: Connectome
    odour_a: CellSet
    odour_b: CellSet
    reward: CellSet
    readout: CellSet
    rule: PlasticityRule
    lesions: tuple[Lesion, ...] = ()
    pairings: int = 5
    trials: int = 10
    seed: int = 0
    odour_Hz: float = 150.0
    reward_Hz: float = 150.0
    odour_ms: float = 500.0
    gap_ms: float = 300.0
    reward_delay_ms: float = 100.0
    dt_ms: float = 0.1
    params: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lesions", tuple(self.lesions))
        check_whole(self.pairings, "pairings", 1)
        check_whole(self.trials, "trials", 2)
        check_whole(self.seed, "the seed", 0)
        dt_ms = check_dt(self.dt_ms)
        for name in ("odour_ms", "gap_ms", "reward_delay_ms"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= (0 if name == "reward_delay_ms" else dt_ms)):
                raise ParameterError(f"{name} must be a positive number of ms, was {value!r}")
            steps_of(value, dt_ms, name)
        if self.reward_delay_ms >= self.odour_ms:
            raise ParameterError("the reward must start before the odour ends (reward_delay_ms < odour_ms)")
        for name in ("odour_Hz", "reward_Hz"):
            if not (np.isfinite(getattr(self, name)) and getattr(self, name) > 0):
                raise ParameterError(f"{name} must be a rate above 0 Hz")
        ShiuParams().replace(**self.params)

    def model_params(self) -> ShiuParams:
        return ShiuParams().replace(**self.params)


@dataclass
class ConditioningResult:
    """Every trial's responses and learning index, and their summary.

    ``responses`` has one row per trial, phase (``pre``, ``training``, ``post``) and odour
    (``A``, ``B``): the readout's mean rate during the presentations, Hz. ``index`` is the
    learning index per trial; ``learning_index``, ``ci_low`` and ``ci_high`` its mean and a 95 %
    bootstrap interval of the mean over trials.
    """

    conditioning: Conditioning
    responses: pd.DataFrame
    index: np.ndarray
    learning_index: float
    ci_low: float
    ci_high: float
    wall_s: float

    def to_dict(self) -> dict:
        """The figures of ``brainview condition --json``."""
        mean = self.responses.groupby(["phase", "odour"], sort=False)["rate_Hz"].mean()
        return {
            "learning_index": self.learning_index, "ci_low": self.ci_low, "ci_high": self.ci_high,
            "trials": int(self.index.size), "pairings": self.conditioning.pairings,
            "readout_Hz": {phase: {odour: float(mean[(phase, odour)]) for odour in ("A", "B")}
                           for phase in ("pre", "training", "post")},
            "lesions": [lesion.text for lesion in self.conditioning.lesions],
            "per_trial_index": [float(x) for x in self.index],
        }


def run_trial(conditioning: Conditioning, trial: int) -> dict[tuple[str, str], float]:
    """One trial: the readout's mean rate (Hz) per (phase, odour); see the module docstring."""
    from brainview.sim import Simulation

    c = conditioning
    sim = Simulation(c.connectome, c.model_params(), c.dt_ms, c.seed, trial_stream("conditioning", trial),
                     plasticity=c.rule)
    rates: dict[tuple[str, str], list[float]] = {}

    def present(odour: str, cells: CellSet, phase: str, rewarded: bool) -> None:
        # Frozen: each presentation of an odour repeats its PN trains, so a test response changes
        # only when the weights did, not with the Poisson draws of one presentation or another.
        drive = sim.stimulate(cells.rows, c.odour_Hz, stream=stream_of(f"odour {odour}"), frozen=True)
        cursor = len(sim.spikes)
        reward = None
        if rewarded:
            if c.reward_delay_ms:
                sim.run(duration_ms=c.reward_delay_ms)
            reward = sim.stimulate(c.reward.rows, c.reward_Hz, stream=stream_of("reward"))
            sim.run(duration_ms=c.odour_ms - c.reward_delay_ms)
        else:
            sim.run(duration_ms=c.odour_ms)
        _, fired, _ = sim.spikes.since(cursor)  # this presentation's spikes only
        count = np.count_nonzero(np.isin(fired, c.readout.rows))
        rates.setdefault((phase, odour), []).append(count / (c.readout.rows.size * c.odour_ms * 1e-3))
        sim.remove(drive)
        if reward is not None:
            sim.remove(reward)
        sim.run(duration_ms=c.gap_ms)

    present("A", c.odour_a, "pre", False)
    present("B", c.odour_b, "pre", False)
    handles = [sim.lesion(lesion.cells.rows, lesion.mode) for lesion in c.lesions]
    for _ in range(c.pairings):
        present("A", c.odour_a, "training", True)
        present("B", c.odour_b, "training", False)
    for handle in handles:
        sim.undo(handle)
    present("A", c.odour_a, "post", False)
    present("B", c.odour_b, "post", False)
    return {key: float(np.mean(values)) for key, values in rates.items()}


def run_conditioning(
    conditioning: Conditioning, scheduler: str = "serial", workers: int | None = None, progress=None
) -> ConditioningResult:
    """Run every trial and summarise the learning index (ParameterError if a test response is 0 Hz)."""
    from scipy import stats

    from brainview.comparison.execute import map_tasks
    from brainview.comparison.stats import rng_keyword

    started = time.perf_counter()
    tasks = [(trial,) for trial in range(conditioning.trials)]
    by_trial = {}
    for number, rates in map_tasks(_indexed_trial, conditioning, tasks, scheduler, workers, "brainview-conditioning"):
        by_trial[number] = rates
        if progress is not None:
            progress(len(by_trial) / conditioning.trials, f"{len(by_trial)}/{conditioning.trials} trials")
    rows = []
    for trial in sorted(by_trial):
        for (phase, odour), rate in by_trial[trial].items():
            rows.append({"trial": trial, "phase": phase, "odour": odour, "rate_Hz": rate})
    responses = pd.DataFrame(rows)
    index = np.array([_index(by_trial[t]) for t in sorted(by_trial)])
    if index.size > 1 and np.ptp(index) > 0:
        interval = stats.bootstrap((index,), np.mean, confidence_level=0.95, n_resamples=9999, method="BCa",
                                   **{rng_keyword(): np.random.default_rng(conditioning.seed)}).confidence_interval
        low, high = float(interval.low), float(interval.high)
    else:
        low = high = float(index.mean())
    return ConditioningResult(conditioning, responses, index, float(index.mean()), low, high,
                              time.perf_counter() - started)


def _indexed_trial(conditioning: Conditioning, trial: int) -> tuple[int, dict]:
    return trial, run_trial(conditioning, trial)


def _index(rates: dict[tuple[str, str], float]) -> float:
    for odour in ("A", "B"):
        if rates[("pre", odour)] == 0:
            raise ParameterError(
                f"the readout does not respond to odour {odour} before training (0 Hz): choose a readout "
                "that the odours reach, a stronger odour or a longer presentation"
            )
    a = (rates[("post", "A")] - rates[("pre", "A")]) / rates[("pre", "A")]
    b = (rates[("post", "B")] - rates[("pre", "B")]) / rates[("pre", "B")]
    return a - b


