"""Checkpoints: restoring one and running on with the same interventions repeats the spikes exactly."""

import numpy as np
import pytest

from brainview.errors import ParameterError
from brainview.sim import Simulation
from brainview.sim.checkpoints import CheckpointStore
from brainview.sim.plasticity import PlasticityRule


def random_network(connectome_factory, n=120, seed=3, gap=False, **columns):
    rng = np.random.default_rng(seed)
    pre, post = rng.integers(0, n, 1500), rng.integers(0, n, 1500)
    edges = [(int(a), int(b), float(rng.integers(1, 12)), -1 if a >= n - n // 5 else 1)  # the last fifth inhibit
             for a, b in zip(pre, post) if a != b]
    gaps = [(i, i + 1, 0.6) for i in range(0, 40, 2)] if gap else None
    return connectome_factory(n, edges=edges, gap_edges=gaps, seed=seed, **columns)


def spikes_after(sim, step):
    steps, cells = sim.spikes.arrays()
    keep = steps >= step
    return steps[keep].copy(), cells[keep].copy()


def run_twice(sim, between, after, n_before=2000, n_after=3000):
    """Run, checkpoint, do ``between`` then run on; restore and do the same: both spike lists."""
    sim.step(n_before)
    checkpoint = sim.checkpoint()
    between(sim)
    sim.step(n_after // 2)
    after(sim)
    sim.step(n_after - n_after // 2)
    first = spikes_after(sim, checkpoint.step)
    sim.restore(checkpoint)
    assert sim.steps_done == n_before and len(sim.spikes) == np.count_nonzero(sim.spikes.arrays()[0] < n_before)
    between(sim)
    sim.step(n_after // 2)
    after(sim)
    sim.step(n_after - n_after // 2)
    second = spikes_after(sim, checkpoint.step)
    return first, second


def assert_same(first, second, at_least=50):
    assert first[0].size >= at_least, "the test network must spike"
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


def test_restore_then_rerun_gives_the_same_spikes(connectome_factory):
    sim = Simulation(random_network(connectome_factory), seed=4)
    sim.stimulate(np.arange(10), 120.0)
    first, second = run_twice(sim, lambda s: None, lambda s: None)
    assert_same(first, second)


def test_with_a_lesion_and_a_stimulus_in_between(connectome_factory):
    sim = Simulation(random_network(connectome_factory), seed=5)
    sim.stimulate(np.arange(10), 150.0)
    handles = {}

    def between(s):
        handles["lesion"] = s.lesion(np.arange(20, 40), "silence")
        handles["drive"] = s.stimulate(np.arange(50, 60), 80.0)

    def after(s):
        s.undo(handles["lesion"])
        s.lesion(np.arange(60, 70), "ablate")

    first, second = run_twice(sim, between, after)
    assert_same(first, second)
    # The interventions made after the checkpoint are not in force after the restore.
    sim.restore(sim.checkpoint())
    assert sim.lesions.status()[60:70].tolist() == [2] * 10


def test_restore_takes_back_the_interventions_made_after_it(connectome_factory):
    sim = Simulation(random_network(connectome_factory), seed=1)
    sim.step(100)
    checkpoint = sim.checkpoint()
    sim.lesion(np.arange(5), "ablate")
    sim.stimulate(np.arange(10, 20), 100.0)
    sim.step(500)
    sim.restore(checkpoint)
    assert not sim.lesions.status().any() and not sim.stimuli.driven().any()
    assert [e.action for e in sim.log] == ["reset"] * sum(e.action == "reset" for e in sim.log)


def test_with_gap_junctions(connectome_factory):
    sim = Simulation(random_network(connectome_factory, gap=True), seed=2)
    sim.stimulate(np.arange(0, 8), 150.0)
    sim.inject(np.arange(40, 45), 9.0)
    first, second = run_twice(sim, lambda s: s.lesion([3, 5], "silence"), lambda s: s.lesion([7], "ablate"))
    assert_same(first, second)


def test_with_plasticity(connectome_factory):
    n = 120
    types = ["pre"] * 30 + ["post"] * 10 + ["mod"] * 5 + ["other"] * (n - 45)
    connectome = random_network(connectome_factory, n=n, cell_type=types)
    rule = PlasticityRule(pre="type:pre", post="type:post", modulators="type:mod", tau_e_ms=20.0, eta_mV=0.05)
    sim = Simulation(connectome, seed=7, plasticity=rule)
    monitor = sim.add_weight_monitor("cell_type", every_ms=10.0)
    sim.stimulate(np.arange(0, 30), 80.0)
    sim.stimulate(np.arange(40, 45), 40.0)
    sim.step(2000)
    checkpoint = sim.checkpoint()
    weights_then = sim.plastic_weights_mV()
    sim.step(3000)
    first, weights_first = spikes_after(sim, checkpoint.step), sim.plastic_weights_mV()
    assert not np.array_equal(weights_then, weights_first), "the weights must have learnt"
    sim.restore(checkpoint)
    np.testing.assert_array_equal(sim.plastic_weights_mV(), weights_then)
    assert monitor.times_ms.max() <= checkpoint.time_ms
    sim.step(3000)
    assert_same(first, spikes_after(sim, checkpoint.step))
    np.testing.assert_array_equal(sim.plastic_weights_mV(), weights_first)


def test_rate_monitor_is_cut_back_and_counts_on(connectome_factory):
    sim = Simulation(random_network(connectome_factory), seed=4)
    rates = sim.add_rate_monitor("cell_type", bin_ms=10.0)
    sim.stimulate(np.arange(10), 150.0)
    sim.step(1234)
    checkpoint = sim.checkpoint()
    sim.step(1000)
    straight = rates.counts().copy()
    sim.restore(checkpoint)
    assert rates.n_bins == 13
    sim.step(1000)
    np.testing.assert_array_equal(rates.counts(), straight)


def test_a_delta_checkpoint_against_a_baseline_is_smaller_and_restores_the_same(connectome_factory):
    sim = Simulation(random_network(connectome_factory, n=2000), seed=4)
    sim.stimulate(np.arange(10), 150.0)
    baseline = sim.checkpoint()
    sim.step(1500)
    delta = sim.checkpoint(baseline)
    whole = sim.checkpoint()
    assert delta.nbytes < whole.nbytes / 4
    sim.step(1000)
    sim.restore(delta)
    from_delta = (sim.step(1000), spikes_after(sim, delta.step))[1]
    sim.restore(whole)
    sim.step(1000)
    assert_same(from_delta, spikes_after(sim, whole.step), at_least=10)


def test_store_takes_every_interval_and_thins_old_ones_first(connectome_factory):
    sim = Simulation(random_network(connectome_factory), seed=4)
    sim.stimulate(np.arange(10), 150.0)
    store = CheckpointStore(every_ms=10.0, budget_MB=1.0)
    store.take(sim)
    for _ in range(60):
        sim.step(25)
        store.maybe_take(sim)
    assert [c.step for c in store.checkpoints[:3]] == [0, 100, 200]
    one = max(c.nbytes for c in store.checkpoints[1:])
    store.budget_bytes = 12 * one
    store.take(sim)
    steps = [c.step for c in store.checkpoints]
    assert store.nbytes <= store.budget_bytes and steps[0] == 0 and steps[-1] == sim.steps_done
    gaps = np.diff(steps)
    assert gaps[0] > gaps[-1], "old checkpoints are thinned first"
    assert store.at_or_before(steps[3] + 1).step == steps[3]
    store.discard_after(steps[2])
    assert [c.step for c in store.checkpoints] == steps[:3]
    with pytest.raises(ParameterError, match="more than 0 MB"):
        CheckpointStore(budget_MB=0)


def test_a_checkpoint_of_another_simulation_is_refused(connectome_factory):
    small = Simulation(random_network(connectome_factory, n=50), seed=1)
    big = Simulation(random_network(connectome_factory, n=60), seed=1)
    with pytest.raises(ParameterError, match="another simulation"):
        big.restore(small.checkpoint())


def test_a_busy_network_stores_whole_arrays_where_most_cells_differ_and_restores_exactly(connectome_factory):
    sim = Simulation(random_network(connectome_factory), seed=4)
    sim.stimulate(np.arange(60), 150.0)  # half the cells driven: most of the state moves
    store = CheckpointStore(every_ms=20.0)
    store.take(sim)
    sim.step(1500)
    checkpoint = store.take(sim)
    assert checkpoint.cells["v"][0] is None, "most voltages differ: kept whole"
    sim.step(1000)
    straight = spikes_after(sim, checkpoint.step)
    sim.restore(checkpoint)
    sim.step(1000)
    assert_same(straight, spikes_after(sim, checkpoint.step))
