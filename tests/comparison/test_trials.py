"""One trial: the same spikes as a Simulation run by hand, wherever it runs."""

from __future__ import annotations

import pickle

import numpy as np

from brainview.comparison.design import trial_stream
from brainview.comparison.trials import TrialContext, run_trial
from brainview.experiment.model import stream_of
from brainview.sim import Simulation
from tests.comparison.conftest import DRIVEN, RELAY, relay_comparison


def test_a_trial_counts_the_spikes_a_hand_made_simulation_fires(relay):
    comparison = relay_comparison(relay)
    outcome = run_trial(TrialContext.of(comparison), "silence C", 3)
    sim = Simulation(relay, seed=comparison.seed, trial=trial_stream("silence C", 3))
    sim.stimulate(list(DRIVEN), 40.0, stream=stream_of("test:A"))
    sim.lesion([8])
    sim.step(comparison.n_steps)
    steps, fired = sim.spikes.arrays()
    expected = [np.isin(fired, list(DRIVEN)).sum(), np.isin(fired, list(RELAY)).sum()]
    assert outcome.spikes.tolist() == expected
    assert expected[0] > 0 and expected[1] > 0
    np.testing.assert_allclose(outcome.rates_Hz, np.array(expected) / (4 * 0.2))
    assert outcome.raster_ms.size == 0  # only trial 0 keeps its raster


def test_the_raster_trial_keeps_the_readout_spikes_in_readout_rows(relay):
    comparison = relay_comparison(relay)
    outcome = run_trial(TrialContext.of(comparison), "control", 0)
    assert outcome.raster_ms.size == outcome.spikes.sum()
    assert set(np.unique(outcome.raster_rows)) <= set(range(8))
    assert np.all((outcome.raster_ms >= 0) & (outcome.raster_ms < comparison.duration_ms))


def test_silencing_the_only_input_silences_the_relay(relay):
    context = TrialContext.of(relay_comparison(relay))
    outcome = run_trial(context, "silence A", 0)
    assert outcome.spikes.tolist() == [0, 0]


def test_a_context_sent_to_another_process_gives_the_same_trial(relay):
    context = TrialContext.of(relay_comparison(relay))
    copy = pickle.loads(pickle.dumps(context))  # what Dask does to send it to a worker
    assert run_trial(copy, "control", 2).spikes.tolist() == run_trial(context, "control", 2).spikes.tolist()
    assert run_trial(context, "control", 2).spikes.tolist() != run_trial(context, "control", 1).spikes.tolist()
