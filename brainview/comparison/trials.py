"""One trial of one condition, as a task any worker can run.

:class:`TrialContext` is what a worker needs for every trial: the comparison and the engine's
network arrays, built once. It is sent to each worker once (a Dask cluster keeps it in memory);
tasks then carry only a condition name and a trial number. :func:`run_trial` returns the
readouts' spike counts and rates, and the readout cells' spikes of the first trial (for the raster).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from brainview.comparison.design import Comparison, trial_stream
from brainview.experiment.model import stream_of
from brainview.sim.engine import Simulation
from brainview.sim.kernels import Network
from brainview.sim.network import network_arrays
from brainview.sim.params import steps_of

RASTER_TRIAL = 0
"""The trial of each condition whose readout spikes are kept for the raster."""


@dataclass(frozen=True, eq=False)
class TrialContext:
    """A comparison with its network arrays, shared by every trial a worker runs."""

    comparison: Comparison
    network: Network

    @classmethod
    def of(cls, comparison: Comparison) -> TrialContext:
        return cls(comparison, network_arrays(comparison.connectome))


@dataclass(frozen=True)
class TrialOutcome:
    """What one trial gives: spikes and rate per readout, and the raster of :data:`RASTER_TRIAL`.

    ``raster_ms`` and ``raster_rows`` are the times (ms) and rows, in the readouts' cells laid
    end to end (:func:`readout_layout`), of the readout cells' spikes; empty for other trials.
    """

    condition: str
    trial: int
    spikes: np.ndarray  # int64 per readout
    rates_Hz: np.ndarray  # float64 per readout
    raster_ms: np.ndarray
    raster_rows: np.ndarray
    wall_s: float


def readout_layout(comparison: Comparison) -> list[tuple[str, int, int]]:
    """(label, first row, end row) of each readout in the raster, readouts laid end to end."""
    layout, start = [], 0
    for readout in comparison.readouts:
        layout.append((readout.label, start, start + readout.rows.size))
        start += readout.rows.size
    return layout


def run_trial(context: TrialContext, condition: str, trial: int) -> TrialOutcome:
    """Run trial ``trial`` of ``condition`` from rest and count the readouts' spikes."""
    started = time.perf_counter()
    comparison = context.comparison
    dt_ms = comparison.dt_ms
    sim = Simulation(
        comparison.connectome, comparison.model_params(), dt_ms, comparison.seed,
        trial_stream(condition, trial), network=context.network, plasticity=comparison.plasticity,
    )
    events = []  # (step, order, action, thing): same-step events apply in the order listed
    for order, drive in enumerate(comparison.stimuli):
        events.append((steps_of(drive.start_ms, dt_ms, "start"), order, "on", drive))
        if drive.stop_ms is not None:
            events.append((steps_of(drive.stop_ms, dt_ms, "stop"), order, "off", drive))
    for order, lesion in enumerate(comparison.condition(condition).lesions):
        events.append((steps_of(lesion.time_ms, dt_ms, "lesion"), len(comparison.stimuli) + order, "lesion", lesion))
    handles = {}
    for step, order, action, thing in sorted(events, key=lambda e: e[:2]):
        if step > sim.steps_done:
            sim.step(step - sim.steps_done)
        if action == "lesion":
            sim.lesion(thing.cells.rows, thing.mode)
        elif action == "off":
            if order in handles:
                sim.remove(handles.pop(order))
        elif thing.rate_Hz > 0:
            handles[order] = sim.stimulate(thing.cells.rows, thing.rate_Hz, stream=stream_of(thing.cells.key))
    if comparison.n_steps > sim.steps_done:
        sim.step(comparison.n_steps - sim.steps_done)
    steps, cells = sim.spikes.arrays()
    first = steps_of(comparison.readout_from_ms, dt_ms, "the readout start")
    window_s = (comparison.n_steps - first) * dt_ms * 1e-3
    in_window = steps >= first
    counts, rates, raster_ms, raster_rows = [], [], [], []
    for (_label, offset, _end), readout in zip(readout_layout(comparison), comparison.readouts):
        hit = np.isin(cells, readout.rows)
        counts.append(int(np.count_nonzero(hit & in_window)))
        rates.append(counts[-1] / (readout.rows.size * window_s))
        if trial == RASTER_TRIAL:
            raster_ms.append(steps[hit] * dt_ms)
            raster_rows.append(offset + np.searchsorted(readout.rows, cells[hit]))
    return TrialOutcome(
        condition, int(trial), np.array(counts, np.int64), np.array(rates, np.float64),
        np.concatenate(raster_ms) if raster_ms else np.zeros(0),
        np.concatenate(raster_rows).astype(np.int64) if raster_rows else np.zeros(0, np.int64),
        time.perf_counter() - started,
    )
