"""The Simulation: exact integration, timing to the step, lesions, stimuli, seeds, monitors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from brainview.connectome.selectors import SelectorError
from brainview.sim import ShiuParams, Simulation

V0, TH = -52.0, -45.0
DELAY, REFRACTORY = 18, 22  # steps of 0.1 ms


def chain(factory, count=10.0, gap=None):
    """Cell 0 -> cell 1 with ``count`` synapses; cell 2 is unconnected; optional gap 0 - 2."""
    return factory(3, edges=[(0, 1, count, 1)], gap_edges=[(0, 2, gap)] if gap else None)


def spikes_of(sim, cell):
    steps, cells = sim.spikes.arrays()
    return steps[cells == cell].tolist()


def test_subthreshold_current_follows_the_analytic_solution(connectome_factory):
    sim = Simulation(chain(connectome_factory))
    sim.inject([2], 5.0)
    sim.set_probes([2])
    sim.run(duration_ms=50)
    n = np.arange(1, 501)
    expected = V0 + 5.0 * (1 - np.exp(-n * 0.1 / 20.0))
    np.testing.assert_allclose(sim.probes.segments()[0].volts_mV[:, 0], expected, rtol=1e-13)
    assert sim.spikes.arrays()[0].size == 0


def test_postsynaptic_potential_has_the_exact_shape_and_arrives_after_the_delay(connectome_factory):
    sim = Simulation(chain(connectome_factory, count=10.0))
    sim.inject([0], 2000.0)  # cell 0 fires at step 0 and after every refractory period
    sim.set_probes([1])
    sim.run(duration_ms=4)
    assert spikes_of(sim, 0) == [0, 22]
    volts = sim.probes.segments()[0].volts_mV[:, 0]
    np.testing.assert_allclose(volts[: DELAY + 1], V0, atol=1e-12)  # the jump lands after step 18's update
    s = np.arange(1, 22) * 1e-4
    tau, t_mbr = 5e-3, 20e-3
    jump = 10 * 0.275
    psp = jump * tau / (tau - t_mbr) * (np.exp(-s / tau) - np.exp(-s / t_mbr))
    np.testing.assert_allclose(volts[DELAY + 1 : DELAY + 22] - V0, psp, rtol=1e-9)


def test_refractory_period_and_delay_are_exact_to_the_step(connectome_factory):
    sim = Simulation(chain(connectome_factory, count=10000.0))
    sim.inject([0], 2000.0)
    sim.run(duration_ms=10)
    assert spikes_of(sim, 0) == [0, 22, 44, 66, 88]
    # Cell 1 fires one step after each input lands (step s + 18), except that the inputs landing
    # at 40 and 84 find it refractory (21 steps after its spikes at 19 and 63) and are lost.
    assert spikes_of(sim, 1) == [0 + DELAY + 1, 44 + DELAY + 1]
    no_refractory = Simulation(chain(connectome_factory), ShiuParams(t_rfc_ms=0.0))
    no_refractory.inject([0], 2000.0)
    no_refractory.run(duration_ms=1)
    assert spikes_of(no_refractory, 0) == list(range(10))


def test_poisson_driven_cells_have_no_refractory_period(connectome_factory):
    sim = Simulation(chain(connectome_factory))
    sim.stimulate([0], 10_000.0)  # an event every step: each adds w_syn x f_poi = 68.75 mV
    sim.run(duration_ms=1)
    # the event of step s makes the spike of step s + 1; the event of a spiking step is lost
    assert spikes_of(sim, 0) == [1, 3, 5, 7, 9]
    with pytest.raises(ValueError, match="more than one event per step"):
        sim.stimulate([1], 20_000.0)


def test_lesion_mid_run_acts_at_the_next_step_and_undo_restores(connectome_factory):
    sim = Simulation(chain(connectome_factory, count=10000.0))
    sim.inject([0], 2000.0)
    sim.set_probes([0, 1])
    sim.run(duration_ms=5)  # steps 0-49: cell 0 fires at 0, 22, 44; cell 1 at 19 (refractory at 40)
    handle = sim.lesion("N0", "silence")
    sim.run(duration_ms=5)  # steps 50-99: cell 0 clamped; its spike of step 44 (due at 62) carries nothing
    volts = sim.probes.segments()[0].volts_mV
    np.testing.assert_allclose(volts[50:100, 0], V0, atol=1e-12)
    assert spikes_of(sim, 0) == [0, 22, 44]
    assert spikes_of(sim, 1) == [19]
    sim.undo(handle)
    sim.run(duration_ms=5)
    assert spikes_of(sim, 0) == [0, 22, 44, 100, 122, 144]  # restarts at rest, not refractory
    assert spikes_of(sim, 1) == [19, 119]
    assert [(e.step, e.action, e.target, e.cells) for e in sim.log[-2:]] == [
        (50, "silence", "name:N0", 1), (100, "undo silence", "name:N0", 1),
    ]
    assert sim.log[-1].time_ms == pytest.approx(10.0)


def test_ablation_removes_gap_coupling_and_silencing_shunts(connectome_factory):
    def depolarised_partner(mode):
        sim = Simulation(chain(connectome_factory, gap=20.0), ShiuParams(g_gap_per_ms=0.01))
        sim.inject([0], 6.0)
        sim.set_probes([2])
        sim.run(duration_ms=100)
        before = sim.voltages_mV([2])[0]
        if mode:
            sim.lesion([0], mode)
        sim.run(duration_ms=10)
        return before, sim.probes.segments()[0].volts_mV[1000:, 0]

    before, coupled = depolarised_partner(None)
    _, ablated = depolarised_partner("ablate")
    _, silenced = depolarised_partner("silence")
    assert before > V0 + 1.0  # cell 2 follows cell 0 through the junction
    assert np.all(coupled > before - 0.01)
    n = np.arange(1, 101)
    np.testing.assert_allclose(ablated, V0 + (before - V0) * np.exp(-n * 0.1 / 20.0), rtol=1e-12)
    assert np.all(silenced[5:] < ablated[5:])  # a clamped partner pulls towards rest: a shunt
    assert np.all(silenced > V0)


def test_gap_junctions_are_symmetric(connectome_factory):
    def trace(driven, watched):
        sim = Simulation(chain(connectome_factory, gap=3.0), ShiuParams(g_gap_per_ms=0.01))
        sim.inject([driven], 20.0)
        sim.set_probes([watched])
        sim.run(duration_ms=30)
        return sim.probes.segments()[0].volts_mV[:, 0]

    forward, backward = trace(0, 2), trace(2, 0)
    assert forward.max() > V0 + 1
    np.testing.assert_array_equal(forward, backward)


def random_network(factory, seed=3):
    rng = np.random.default_rng(seed)
    pre, post = rng.integers(0, 60, 900), rng.integers(0, 60, 900)
    edges = [(int(a), int(b), float(rng.integers(1, 30)), 1 if rng.random() < 0.8 else -1)
             for a, b in zip(pre, post) if a != b]
    return factory(60, edges=edges)


def run_spikes(connectome, seed, trial=0, chunks=(100.0,), probes=None):
    sim = Simulation(connectome, seed=seed, trial=trial)
    sim.stimulate(np.arange(8), 150)
    if probes is not None:
        sim.set_probes(probes)
    for chunk in chunks:
        sim.run(duration_ms=chunk)
    steps, cells = sim.spikes.arrays()
    return sorted(zip(steps.tolist(), cells.tolist()))


def test_same_seed_gives_the_same_spikes_however_the_run_is_cut(connectome_factory):
    connectome = random_network(connectome_factory)
    reference = run_spikes(connectome, seed=11)
    assert len(reference) > 100 and len({c for _, c in reference}) > 10
    assert run_spikes(connectome, seed=11) == reference
    assert run_spikes(connectome, seed=11, chunks=(0.1, 33.3, 66.6)) == reference
    assert run_spikes(connectome, seed=11, probes=np.arange(60)) == reference  # probing only reads
    assert run_spikes(connectome, seed=12) != reference
    assert run_spikes(connectome, seed=11, trial=1) != reference


def test_reset_replays_the_same_run(connectome_factory):
    sim = Simulation(random_network(connectome_factory), seed=5)
    sim.stimulate(np.arange(8), 150)
    sim.add_rate_monitor("cell_type", 10)
    sim.run(duration_ms=50)
    first = sim.spikes.arrays()
    sim.reset()
    assert sim.steps_done == 0 and len(sim.spikes) == 0 and sim.rates["cell_type"].n_bins == 0
    sim.run(duration_ms=50)
    np.testing.assert_array_equal(sim.spikes.arrays()[1], first[1])
    sim.reset(keep_interventions=False)
    sim.run(duration_ms=50)
    assert len(sim.spikes) == 0 and sim.n_active == 0


def test_silent_cells_are_not_stepped(connectome_factory):
    sim = Simulation(chain(connectome_factory, count=5.0))
    sim.run(duration_ms=10)
    assert sim.n_active == 0
    handle = sim.inject([0], 2000.0)
    sim.run(duration_ms=3)
    assert sim.n_active >= 1
    sim.remove(handle)
    sim.run(duration_ms=300)  # the last input to cell 1 has long decayed below anything that could fire
    assert sim.n_active == 0
    assert spikes_of(sim, 0) == [100, 122]
    assert sim.voltages_mV([1])[0] == pytest.approx(V0, abs=1e-3)


def test_stimulus_removal_acts_at_the_next_step_and_is_logged(connectome_factory):
    sim = Simulation(chain(connectome_factory))
    handle = sim.stimulate([0], 10_000.0)
    sim.run(duration_ms=1)
    sim.remove(handle)
    sim.run(duration_ms=1)
    assert spikes_of(sim, 0) == [1, 3, 5, 7, 9]  # the event of step 9 would fire at 11: gone
    assert [e.action for e in sim.log] == ["poisson on", "poisson off"]
    assert sim.log[0].detail == "10000 Hz" and sim.log[1].step == 10


def test_rate_monitor_counts_spikes_per_group_and_bin(connectome_factory):
    sim = Simulation(chain(connectome_factory, count=10000.0))
    monitor = sim.add_rate_monitor("cell_type", 5.0)
    sim.inject([0], 2000.0)
    sim.run(duration_ms=10.0)  # cell 0 (type T0 with cell 1) fires at 0, 22, 44, 66, 88; cell 1 at 19, 63
    assert monitor.labels == ("T0", "T1")
    np.testing.assert_array_equal(monitor.counts()[:, 0], [4, 3])
    np.testing.assert_array_equal(monitor.counts()[:, 1], [0, 0])
    np.testing.assert_allclose(monitor.rates_Hz()[:, 0], np.array([4, 3]) / (2 * 5e-3))


def test_spike_cursor_returns_each_spike_once(connectome_factory):
    sim = Simulation(chain(connectome_factory))
    sim.inject([0], 2000.0)
    sim.run(duration_ms=3)
    steps, _, cursor = sim.spikes.since(0)
    assert steps.tolist() == [0, 22]
    sim.run(duration_ms=3)
    steps, _, cursor = sim.spikes.since(cursor)
    assert steps.tolist() == [44]
    assert sim.spikes.since(cursor)[0].size == 0


def test_probes_change_while_running(connectome_factory):
    sim = Simulation(chain(connectome_factory))
    sim.set_probes([0])
    sim.run(duration_ms=1)
    sim.set_probes([1, 2])
    sim.run(duration_ms=2)
    first, second = sim.probes.segments()
    assert (first.first_step, first.rows.tolist(), first.volts_mV.shape) == (0, [0], (10, 1))
    assert (second.first_step, second.rows.tolist(), second.volts_mV.shape) == (10, [1, 2], (20, 2))
    assert sim.probes.latest(5).volts_mV.shape == (5, 2)


def test_bad_input_is_refused_with_the_bad_value(connectome_factory):
    connectome = chain(connectome_factory)
    with pytest.raises(ValueError, match="does not divide"):
        Simulation(connectome, dt_ms=0.25)
    with pytest.raises(ValueError, match="dt must be positive, was -0.1"):
        Simulation(connectome, dt_ms=-0.1)
    with pytest.raises(ValueError, match="t_mbr_ms must be positive, was 0"):
        ShiuParams(t_mbr_ms=0)
    with pytest.raises(ValueError, match="v_rst_mV must lie below"):
        ShiuParams(v_rst_mV=-40.0)
    sim = Simulation(connectome)
    with pytest.raises(SelectorError, match="matches no cell"):
        sim.lesion("type:NOPE")
    with pytest.raises(SelectorError, match="empty"):
        sim.stimulate([])
    with pytest.raises(ValueError, match="unknown lesion mode"):
        sim.lesion("N0", "remove")
    with pytest.raises(ValueError, match="duration must be positive"):
        sim.run(duration_ms=0)
    handle = sim.lesion("N0")
    sim.undo(handle)
    with pytest.raises(KeyError, match="already undone"):
        sim.undo(handle)
    assert math.isclose(sim.time_ms, 0.0)


def test_connectivity_cannot_be_changed_under_a_simulation(tiny):
    sim = Simulation(tiny)
    arrays = [array for array in sim.network if isinstance(array, np.ndarray)]
    assert sim.network.packed.size == tiny.chemical.indices.size  # the packed copy is checked too
    for array in (tiny.chemical.indices, *arrays):
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 10**6


def test_a_network_of_another_connectome_is_refused(connectome_factory):
    from brainview.errors import ParameterError
    from brainview.sim.engine import network_arrays

    small, large = connectome_factory(4), connectome_factory(6)
    with pytest.raises(ParameterError, match="cover 6 cells; the connectome has 4"):
        Simulation(small, network=network_arrays(large))
    forged = network_arrays(small)._replace(targets=np.array([0, 1, 2, 10**6], np.int32))
    with pytest.raises(ParameterError, match="targets must lie in"):
        Simulation(small, network=forged)
    with pytest.raises(ParameterError, match="int64"):
        Simulation(small, network=network_arrays(small)._replace(indptr=np.arange(5, dtype=np.int32)))
    shared = network_arrays(small)
    assert Simulation(small, network=shared).network.targets is shared.targets


def test_voltages_of_rows_out_of_range_are_refused(tiny):
    from brainview.errors import ParameterError

    sim = Simulation(tiny)
    assert sim.voltages_mV([5, 0]).shape == (2,)
    with pytest.raises(ParameterError, match="rows must lie in"):
        sim.voltages_mV([6])
    with pytest.raises(SelectorError, match="whole numbers"):
        sim.set_probes([1.5])


def test_a_named_stream_draws_the_same_trains_whatever_was_added_before(connectome_factory):
    c = connectome_factory(6)
    first = Simulation(c, seed=4)
    first.stimulate([1], 300.0, stream=77)
    first.run(duration_ms=100)
    second = Simulation(c, seed=4)
    second.remove(second.stimulate([0], 300.0))  # shifts the serial numbers
    second.stimulate([1], 300.0, stream=77)
    second.run(duration_ms=100)
    np.testing.assert_array_equal(first.spikes.arrays()[0], second.spikes.arrays()[0])
    unnamed = Simulation(c, seed=4)
    unnamed.stimulate([1], 300.0)
    unnamed.run(duration_ms=100)
    assert not np.array_equal(unnamed.spikes.arrays()[0], first.spikes.arrays()[0])


def test_rate_monitors_of_overlapping_groups_count_a_spike_in_each(connectome_factory):
    c = connectome_factory(6)
    sim = Simulation(c, seed=2)
    sim.stimulate([0, 1, 2], 400.0)
    monitor = sim.add_rate_monitor("watched", bin_ms=10.0, groups={"a": [0, 1], "ab": [0, 1, 2], "quiet": [5]})
    sim.run(duration_ms=55.0)
    steps, cells = sim.spikes.arrays()
    expected = np.zeros((6, 3))
    for step, cell in zip(steps, cells):
        for g, members in enumerate(([0, 1], [0, 1, 2], [5])):
            if cell in members:
                expected[step // 100, g] += 1
    np.testing.assert_array_equal(monitor.counts(), expected)
    assert monitor.complete_bins == 5 and monitor.n_bins == 6
    np.testing.assert_allclose(monitor.rates_Hz()[:, 1], expected[:, 1] / 3 / 0.01)
    assert sim.rates["watched"] is monitor


def test_a_frozen_stimulus_started_again_repeats_its_trains(connectome_factory):
    sim = Simulation(connectome_factory(4, edges=[]), seed=3)
    first = sim.stimulate([0, 1], 300.0, stream=7, frozen=True)
    sim.run(duration_ms=50)
    sim.remove(first)
    sim.run(duration_ms=20)
    again = sim.stimulate([0, 1], 300.0, stream=7, frozen=True)
    sim.run(duration_ms=50)
    sim.remove(again)
    steps, cells = sim.spikes.arrays()
    early, late = steps < 500, steps >= 700
    assert early.sum() > 10
    assert (steps[late] - 700).tolist() == steps[early].tolist() and cells[late].tolist() == cells[early].tolist()
    unfrozen = Simulation(connectome_factory(4, edges=[]), seed=3)
    unfrozen.stimulate([0, 1], 300.0, stream=7)
    unfrozen.run(duration_ms=50)
    assert unfrozen.spikes.arrays()[0].tolist() != steps[late].tolist()
