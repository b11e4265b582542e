"""Replaying an experiment's log with the same seed gives the same spikes as the live run."""

from __future__ import annotations

import numpy as np

import brainview
from brainview.connectome.digest import connectome_digest
from brainview.experiment import DatasetRef, Experiment, read_experiment, replay, simulation, write_experiment
from brainview.experiment.cells import cells_from_selector


def _live_run(experiment: Experiment, chunks_ms, changes):
    """Drive a simulation as the window's worker does: changes between chunks, logged at their step."""
    sim = simulation(experiment)
    handles = {}
    for chunk_ms, change in zip(chunks_ms, changes):
        if change is not None:
            kind, cells, value = change
            key = (kind, cells.key)
            if key in handles:
                (sim.undo if kind == "lesion" else sim.remove)(handles.pop(key))
            if kind == "lesion":
                experiment.set_lesion(cells, value)
                entry = experiment.lesions.get(cells.key)
                if entry is not None:
                    handles[key] = sim.lesion(cells.rows, entry.mode)
            else:
                experiment.set_stimulus(cells, value)
                entry = experiment.stimuli.get(cells.key)
                if entry is not None:
                    handles[key] = sim.stimulate(cells.rows, entry.rate_Hz, stream=entry.stream)
            experiment.record(sim.steps_done, kind, cells.key, entry)
        sim.step(round(chunk_ms / sim.dt_ms))
    return sim.spikes.arrays(), sim.time_ms


def test_reopened_experiment_replays_to_the_same_spikes(tmp_path):
    worm = brainview.load_default()
    experiment = Experiment(worm, DatasetRef(None, connectome_digest(worm)), params={"w_syn_mV": 1.4}, seed=11)
    touch = cells_from_selector(worm, "ALML,ALMR,AVM,PLML,PLMR")
    ava = cells_from_selector(worm, "type:AVA")
    avb = cells_from_selector(worm, "type:AVB")
    chunks = [30.0, 47.3, 12.9, 60.0, 25.0, 40.0]
    changes = [("stimulus", touch, 200.0), ("lesion", ava, "silence"), ("stimulus", avb, 120.0),
               ("lesion", ava, None), ("stimulus", touch, None), ("lesion", avb, "ablate")]
    (steps, cells), duration_ms = _live_run(experiment, chunks, changes)
    assert steps.size > 100
    again = read_experiment(write_experiment(experiment, tmp_path / "run.toml"))
    replayed = replay(again, simulation(again), duration_ms)
    replayed_steps, replayed_cells = replayed.spikes.arrays()
    np.testing.assert_array_equal(replayed_steps, steps)
    np.testing.assert_array_equal(replayed_cells, cells)
    other_seed = Experiment(worm, again.dataset, params=again.params, seed=12)
    other_seed.log = again.log
    assert not np.array_equal(replay(other_seed, simulation(other_seed), duration_ms).spikes.arrays()[0], steps)


def test_a_recorded_run_packs_the_simulation_as_one_trial():
    import pytest

    from brainview.errors import ParameterError
    from brainview.experiment.live import recorded_run
    from brainview.sim import Simulation

    worm = brainview.load_default()
    sim = Simulation(worm, seed=3)
    with pytest.raises(ParameterError, match="nothing to export"):
        recorded_run(sim)
    sim.add_rate_monitor("watched", 10.0, groups={"touch": "ALML,ALMR,AVM"})
    sim.stimulate("ALML,ALMR,AVM", 200.0)
    sim.run("45 ms")
    result = recorded_run(sim, "watched", wall_s=1.5)
    trial = result.trials[0]
    steps, cells = sim.spikes.arrays()
    np.testing.assert_array_equal(trial.spike_steps, steps)
    assert result.n_steps == 450 and trial.rates_Hz.shape == (4, 1) and result.rate_labels == ("touch",)
    assert [e.action for e in trial.log] == ["poisson on"] and result.protocol.duration_ms == 45.0
    sim.spikes.clear()
    with pytest.raises(ParameterError, match="not at 0"):
        recorded_run(sim)
