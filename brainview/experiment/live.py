"""A run as the window recorded it, in the form the run-file writers take.

The window's worker runs one :class:`~brainview.sim.Simulation` for as long as the user plays it,
changing lesions and stimuli as it goes. Its monitors are the recording: the spike record since
the last reset, the rate monitor of the traced groups, and the engine's log of every change
with its step. :func:`recorded_run` packs them into a
:class:`~brainview.sim.protocol.RunResult` of one trial, which
:func:`brainview.experiment.export.write_run_file` writes as brainview-run, NWB or SONATA.

The run's configuration lists no protocol stimuli or lesions: they were made by hand, and the
log holds each with the step it took effect at (an experiment file replays them exactly,
:mod:`brainview.experiment.replay`). Probe voltages are not part of a live recording.
"""

from __future__ import annotations

import numpy as np

from brainview.errors import ParameterError
from brainview.sim import Simulation
from brainview.sim.protocol import Protocol, RunResult, TrialResult


def recorded_run(sim: Simulation, rates_name: str | None = None, wall_s: float = 0.0) -> RunResult:
    """``sim``'s run from step 0 to now as a one-trial :class:`RunResult`.

    Parameters
    ----------
    sim : Simulation
        A simulation whose spike record covers the run since its start (or its last reset).
    rates_name : str, optional
        The key in ``sim.rates`` of the rate monitor to include (its complete bins).
    wall_s : float
        Wall-clock seconds the run took, for the record.

    Raises
    ------
    ParameterError
        If nothing was simulated yet, or the spike record does not start at step 0.
    """
    if sim.steps_done == 0:
        raise ParameterError("nothing to export yet: the simulation has not run")
    if sim.spikes.first_step != 0:
        raise ParameterError(
            f"the spike record starts at {sim.spikes.first_step * sim.dt_ms:g} ms, not at 0 (it was cut to save "
            "memory); reset and run again to export a whole run"
        )
    monitor = sim.rates.get(rates_name) if rates_name is not None else None
    if monitor is not None:
        labels, sizes = monitor.labels, monitor.sizes
        rates = monitor.rates_Hz()[: monitor.complete_bins]
        bin_ms = monitor.bin_ms
    else:
        labels, sizes, rates, bin_ms = (), np.zeros(0, np.int64), np.zeros((0, 0)), 10.0
    steps, cells = sim.spikes.arrays()
    protocol = Protocol(duration_ms=sim.time_ms, rates_by=rates_name, rate_bin_ms=bin_ms)
    trial = TrialResult(steps, cells, np.zeros((sim.steps_done, 0)), rates, list(sim.log), wall_s)
    return RunResult(
        protocol, sim.params, sim.dt_ms, sim.seed, sim.steps_done, np.zeros(0, np.int64), tuple(labels),
        np.asarray(sizes), [trial], wall_s,
    )
