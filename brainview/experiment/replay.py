"""An experiment's simulation, and its log replayed on it step for step.

The window's worker applies each lesion and stimulus between two chunks of steps and reports
the step it took effect at; :func:`replay` applies the same changes at the same steps to a new
:class:`~brainview.sim.Simulation` with the same seed, so it draws the same Poisson trains
(each stimulus' random stream comes from its key, not from the order stimuli were added) and
fires the same spikes.
"""

from __future__ import annotations

from brainview.errors import ParameterError
from brainview.experiment.model import Experiment, LesionEntry, StimulusEntry
from brainview.sim import ShiuParams, Simulation
from brainview.sim.params import steps_of


def simulation(experiment: Experiment, trial: int = 0) -> Simulation:
    """A new simulation of ``experiment``'s dataset with its model parameters, dt and seed."""
    if experiment.model != "shiu":
        raise ParameterError(f"model {experiment.model!r} is not available; this brainview runs 'shiu'")
    params = ShiuParams().replace(**experiment.params)
    return Simulation(experiment.connectome, params, dt_ms=experiment.dt_ms, seed=experiment.seed, trial=trial)


def replay(experiment: Experiment, sim: Simulation, duration_ms: float) -> Simulation:
    """Run ``sim`` from step 0 for ``duration_ms``, applying ``experiment.log`` at its steps.

    Probes and traced groups are the caller's to set (``sim.set_probes``, monitors).
    """
    n_steps = steps_of(duration_ms, sim.dt_ms, "the duration")
    if sim.steps_done:
        raise ParameterError("replay starts at step 0: pass a new or reset simulation")
    handles: dict[tuple[str, str], object] = {}
    for record in sorted(experiment.log, key=lambda r: r.step):  # stable: same-step order kept
        if record.step >= n_steps:
            break
        if record.step > sim.steps_done:
            sim.step(record.step - sim.steps_done)
        slot = (record.kind, record.key)
        old = handles.pop(slot, None)
        if old is not None:
            (sim.undo if record.kind == "lesion" else sim.remove)(old)
        entry = record.entry
        if isinstance(entry, LesionEntry):
            handles[slot] = sim.lesion(entry.cells.rows, entry.mode)
        elif isinstance(entry, StimulusEntry) and entry.on:
            handles[slot] = sim.stimulate(entry.cells.rows, entry.rate_Hz, stream=entry.stream)
    if n_steps > sim.steps_done:
        sim.step(n_steps - sim.steps_done)
    return sim
