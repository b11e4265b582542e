"""brainview against Brian2 (numpy target) running the same Shiu et al. 2024 model.

Two networks: a random one built here, and the embedded C. elegans hermaphrodite (with its gap
junctions and muscles). Deterministic input (current steps) must give the same spikes to the
step. Poisson drive is compared two ways:

* each simulator with its own random numbers: per-cell mean rates over trials must correlate
  (Pearson r >= 0.95 over the active cells). On the random network, which is built so that every
  cell is either strongly driven or can never reach threshold, the silent sets must be equal
  too. On C. elegans some cells fire a spike in a few trials out of many, so whether they
  show up at all is chance; there the silent sets are compared with:
* the same Poisson trains replayed in Brian2: spikes, hence rates and silent sets, must agree.
"""

from __future__ import annotations

import numpy as np
import pytest
from naive import poisson_events_reference

pytest.importorskip("brian2")
from brian2_shiu import CurrentStep, run_brian2  # noqa: E402

import brainview  # noqa: E402
from brainview.connectome.selectors import resolve  # noqa: E402
from brainview.sim import ShiuParams, Simulation  # noqa: E402

pytestmark = pytest.mark.brian2
DT = 0.1


def random_network(factory, n=120, seed=7):
    """Cells 0-19 are driven; 20-79 get strong excitation from them and recurrent input of both
    signs; 80-119 get only inhibition, so they can never fire."""
    rng = np.random.default_rng(seed)
    edges = []
    for cell in range(20, 80):
        edges += [(int(src), cell, float(rng.integers(15, 30)), 1) for src in rng.choice(20, 4, replace=False)]
        edges += [(int(src), cell, float(rng.integers(1, 10)), int(rng.choice([-1, 1])))
                  for src in rng.choice(np.r_[20:cell, cell + 1:80], 3, replace=False)]
    for cell in range(80, n):
        edges += [(int(src), cell, float(rng.integers(1, 20)), -1) for src in rng.choice(np.arange(20, 80), 3, replace=False)]
    return factory(n, edges=edges)


def brainview_spikes(connectome, duration_ms, current=None, poisson_rows=None, rate_Hz=0.0, seed=0, trial=0):
    sim = Simulation(connectome, ShiuParams(), DT, seed=seed, trial=trial)
    if poisson_rows is not None:
        sim.stimulate(poisson_rows, rate_Hz)
    if current is None:
        sim.run(duration_ms=duration_ms)
    else:
        sim.run(duration_ms=current.start_ms)
        handle = sim.inject(current.rows, current.amplitude_mV)
        sim.run(duration_ms=current.stop_ms - current.start_ms)
        sim.remove(handle)
        sim.run(duration_ms=duration_ms - current.stop_ms)
    steps, cells = sim.spikes.arrays()
    return steps, cells, sim


def assert_same_spike_trains_within_one_step(ours, theirs, n):
    (our_steps, our_cells), (their_steps, their_cells) = ours, theirs
    for cell in range(n):
        mine, reference = np.sort(our_steps[our_cells == cell]), np.sort(their_steps[their_cells == cell])
        assert mine.size == reference.size, f"cell {cell}: {mine.size} spikes here, {reference.size} in Brian2"
        assert np.all(np.abs(mine - reference) <= 1), f"cell {cell}: spike times differ by more than a step"


def mean_counts(trials, n):
    return np.mean([np.bincount(cells, minlength=n) for _, cells in trials], axis=0)


def test_current_step_gives_the_same_spikes_on_a_random_network(connectome_factory):
    connectome = random_network(connectome_factory)
    current = CurrentStep(np.arange(20), 20.0, 10.0, 250.0)
    steps, cells, _ = brainview_spikes(connectome, 300.0, current)
    (reference,) = run_brian2(connectome, ShiuParams(), DT, 300.0, current=current)
    assert steps.size > 500 and np.unique(cells).size > 60  # the network itself is active
    assert_same_spike_trains_within_one_step((steps, cells), reference, connectome.n)


def test_current_step_gives_the_same_spikes_on_celegans():
    worm = brainview.load_default()
    current = CurrentStep(resolve(worm, "class:sensory")[::2], 12.0, 20.0, 250.0)
    steps, cells, _ = brainview_spikes(worm, 300.0, current)
    (reference,) = run_brian2(worm, ShiuParams(), DT, 300.0, current=current)
    assert steps.size > 100 and np.unique(cells).size > 10
    assert_same_spike_trains_within_one_step((steps, cells), reference, worm.n)


def test_poisson_rates_agree_with_independent_noise_on_a_random_network(connectome_factory):
    connectome = random_network(connectome_factory)
    trials, driven = 8, np.arange(20)
    ours = [brainview_spikes(connectome, 1000.0, poisson_rows=driven, rate_Hz=150, seed=3, trial=k)[:2]
            for k in range(trials)]
    theirs = run_brian2(connectome, ShiuParams(), DT, 1000.0, trials, seed=3, poisson_rows=driven, rate_Hz=150)
    our_rates, their_rates = mean_counts(ours, connectome.n), mean_counts(theirs, connectome.n)
    np.testing.assert_array_equal(our_rates == 0, their_rates == 0)
    assert np.all(our_rates[80:] == 0) and np.all(our_rates[:80] > 2)
    active = our_rates > 0
    assert np.corrcoef(our_rates[active], their_rates[active])[0, 1] >= 0.95
    assert abs(our_rates[:20].mean() - their_rates[:20].mean()) < 0.05 * their_rates[:20].mean()


def test_poisson_rates_agree_on_celegans():
    worm = brainview.load_default()
    trials, driven = 8, resolve(worm, "class:sensory")
    ours, sims = [], []
    for k in range(trials):
        steps, cells, sim = brainview_spikes(worm, 1000.0, poisson_rows=driven, rate_Hz=50, seed=1, trial=k)
        ours.append((steps, cells))
        sims.append(sim)
    n = worm.n
    our_rates = mean_counts(ours, n)
    independent = run_brian2(worm, ShiuParams(), DT, 1000.0, trials, seed=1, poisson_rows=driven, rate_Hz=50)
    their_rates = mean_counts(independent, n)
    active = (our_rates > 0) | (their_rates > 0)
    assert active.sum() > 60
    assert np.corrcoef(our_rates[active], their_rates[active])[0, 1] >= 0.95

    events = [poisson_events_reference(*sim._drive[:3], 10_000) for sim in sims]
    replayed = run_brian2(worm, ShiuParams(), DT, 1000.0, trials, poisson_rows=driven, events=events)
    replayed_rates = mean_counts(replayed, n)
    np.testing.assert_array_equal(our_rates == 0, replayed_rates == 0)
    np.testing.assert_allclose(our_rates, replayed_rates)
    for mine, reference in zip(ours, replayed):
        assert_same_spike_trains_within_one_step(mine, reference, n)
