"""The numba kernels against the plain-numpy references in tests/naive.py."""

from __future__ import annotations

import numpy as np
import pytest
from naive import mix64_reference, shiu_reference, uniform_reference

from brainview.sim import ShiuParams, Simulation
from brainview.sim.kernels import BUSY_BLOCK, mix64, uniform
from brainview.sim.models import ShiuLIF, psp_kernel, quiet_table
from brainview.sim.network import input_sum_dtype, network_arrays, packed_events
from brainview.sim.stimuli import mix64 as mix64_python
from brainview.sim.stimuli import mix64_array


def random_network(factory, n=40, n_edges=400, seed=0, gap_pairs=0, strength=40):
    rng = np.random.default_rng(seed)
    pre, post = rng.integers(0, n, n_edges), rng.integers(0, n, n_edges)
    edges = [
        (int(a), int(b), float(rng.integers(1, strength)), 1 if rng.random() < 0.8 else -1)
        for a, b in zip(pre, post) if a != b
    ]
    gaps = [(int(a), int(b), float(rng.integers(1, 5))) for a, b in rng.integers(0, n, (gap_pairs, 2)) if a != b]
    return factory(n, edges=edges, gap_edges=gaps or None)


def test_mix64_agrees_with_reference():
    values = [0, 1, 2**63, 2**64 - 1, 123456789123456789]
    for x in values:
        assert int(mix64(np.uint64(x))) == mix64_reference(x) == mix64_python(x)
    assert [int(y) for y in mix64_array(np.array(values, np.uint64))] == [mix64_reference(x) for x in values]


def test_uniform_agrees_with_reference_and_is_uniform():
    keys = np.random.default_rng(1).integers(0, 2**63, 20, dtype=np.uint64)
    for key in keys:
        for step in (0, 1, 17, 10**6):
            assert uniform(np.uint64(key), step) == uniform_reference(int(key), step)
    draws = np.array([uniform(np.uint64(7), step) for step in range(20000)])
    assert draws.min() >= 0 and draws.max() < 1
    assert abs(draws.mean() - 0.5) < 0.01
    assert abs(np.mean(draws < 0.015) - 0.015) < 0.003


def test_quiet_table_matches_closed_form():
    dt, t_mbr, tau = 1e-4, 0.02, 0.005
    table = quiet_table(dt, t_mbr, tau, 500)
    n = np.arange(500)
    direct = tau / (tau - t_mbr) * (np.exp(-n * dt / tau) - np.exp(-n * dt / t_mbr))
    np.testing.assert_allclose(table[:, 0], np.exp(-n * dt / t_mbr), rtol=1e-14)
    np.testing.assert_allclose(table[:, 1], direct, rtol=1e-10, atol=1e-16)
    np.testing.assert_allclose(table[:, 2], np.exp(-n * dt / tau), rtol=1e-14)
    # tau = t_mbr: the kernel's limit s / t_mbr exp(-s / t_mbr)
    equal = quiet_table(dt, t_mbr, t_mbr, 50)
    np.testing.assert_allclose(equal[:, 1], n[:50] * dt / t_mbr * np.exp(-n[:50] * dt / t_mbr), rtol=1e-12)
    assert psp_kernel(0.0, t_mbr, tau) == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_engine_matches_reference_with_poisson_drive(connectome_factory, seed):
    connectome = random_network(connectome_factory, seed=seed)
    params = ShiuParams()
    sim = Simulation(connectome, params, 0.1, seed=seed)
    sim.stimulate([0, 1, 2, 3], 150)
    sim.stimulate([3, 4], 400)
    sim.set_probes([5, 6, 7])
    sim.run(duration_ms=150)
    steps, cells = sim.spikes.arrays()
    drive = (sim._drive.cell, sim._drive.probability, sim._drive.key)
    expected, trace = shiu_reference(connectome, params, 0.1, 1500, drive=drive, probe=[5, 6, 7])
    assert len(expected) > 50
    assert sorted(zip(steps.tolist(), cells.tolist())) == sorted(expected)
    np.testing.assert_allclose(sim.probes.segments()[-1].volts_mV, trace, rtol=0, atol=1e-9)


def test_engine_matches_reference_with_gap_junctions_currents_and_lesions(connectome_factory):
    connectome = random_network(connectome_factory, n=30, n_edges=250, seed=4, gap_pairs=25, strength=80)
    params = ShiuParams(g_gap_per_ms=0.01)
    injected = np.zeros(30)
    injected[[0, 5, 9]] = [30.0, 25.0, 40.0]
    sim = Simulation(connectome, params, 0.1)
    for row in (0, 5, 9):
        sim.inject([row], injected[row])
    sim.set_probes(np.arange(30))
    sim.run(duration_ms=40)
    silence = sim.lesion([9, 11], "silence")
    sim.run(duration_ms=30)
    ablate = sim.lesion([2, 5], "ablate")
    sim.run(duration_ms=30)
    sim.undo(silence)
    sim.run(duration_ms=20)
    sim.undo(ablate)
    sim.run(duration_ms=30)
    silenced, both, ablated = np.zeros(30), np.zeros(30), np.zeros(30)
    silenced[[9, 11]] = both[[9, 11]] = 1
    both[[2, 5]] = ablated[[2, 5]] = 2
    status = {0: np.zeros(30), 400: silenced, 700: both, 1000: ablated, 1200: np.zeros(30)}
    expected, trace = shiu_reference(
        connectome, params, 0.1, 1500, injected_mV=injected, status_at=status, probe=np.arange(30)
    )
    steps, cells = sim.spikes.arrays()
    assert len(expected) > 100
    assert not {c for s, c in expected if 400 <= s < 1000} & {9, 11}
    assert not {c for s, c in expected if 700 <= s < 1200} & {2, 5}
    assert {c for s, c in expected if s >= 1200} & {9, 5}
    assert sorted(zip(steps.tolist(), cells.tolist())) == sorted(expected)
    np.testing.assert_allclose(sim.probes.segments()[-1].volts_mV, trace, rtol=0, atol=1e-9)


def test_busy_steps_on_threads_give_the_same_spikes_as_on_one(connectome_factory):
    connectome = random_network(connectome_factory, n=300, n_edges=6000, seed=5)
    results = []
    for threads, minimum in ((1, 0), (2, 0), (3, 1)):
        # every step with an active cell and an event is busy, and every busy step threaded
        sim = Simulation(connectome, seed=9, threads=threads, parallel_min_events=minimum, time_threads=False,
                         dense_fraction=2**30)
        sim.stimulate(np.arange(0, 300, 7), 200)
        sim.set_probes([1, 2, 3])
        sim.run(duration_ms=100)
        assert sim.busy_steps > 500 and sim.threads_in_use == threads
        results.append((*sim.spikes.arrays(), sim.probes.segments()[-1].volts_mV))
    assert results[0][0].size > 200
    for steps, cells, volts in results[1:]:
        np.testing.assert_array_equal(np.sort(steps * 1000 + cells), np.sort(results[0][0] * 1000 + results[0][1]))
        np.testing.assert_array_equal(volts, results[0][2])


def test_model_constants_repeat_brian2_refractory_count():
    model = ShiuLIF()
    assert model.refractory_steps(0.1) == 22
    assert model.delay_steps(0.1) == 18
    assert ShiuLIF(ShiuParams(t_rfc_ms=0.25)).refractory_steps(0.1) == 2


def test_threads_are_used_only_where_a_step_can_have_enough_events(connectome_factory):
    connectome = random_network(connectome_factory, n=300, n_edges=6000, seed=5)
    assert Simulation(connectome, threads=2).busy_threads == 1  # 5,781 connections < 20,000
    assert Simulation(connectome, threads=2, parallel_min_events=5781).busy_threads == 2
    assert Simulation(connectome, threads=2, parallel_min_events=5782).busy_threads == 1
    assert Simulation(connectome, threads=1, parallel_min_events=0).busy_threads == 1


# dense_fraction 0: every step from lists; 1: a scan once events or active cells reach n;
# 2**30: a scan in every step with any event or active cell.
@pytest.mark.parametrize("dense_fraction", [0, 1, 4, 2**30])
def test_listed_and_scanned_steps_match_the_reference(connectome_factory, dense_fraction):
    connectome = random_network(connectome_factory, n=60, n_edges=900, seed=6, gap_pairs=10, strength=30)
    params = ShiuParams(g_gap_per_ms=0.01)
    sim = Simulation(connectome, params, 0.1, seed=2, dense_fraction=dense_fraction)
    sim.stimulate(np.arange(0, 60, 5), 300)
    sim.set_probes([1, 2, 3])
    sim.run(duration_ms=60)
    silence = sim.lesion([7, 8], "silence")
    sim.run(duration_ms=40)
    sim.undo(silence)
    sim.run(duration_ms=50)
    steps, cells = sim.spikes.arrays()
    drive = (sim._drive.cell, sim._drive.probability, sim._drive.key)
    silenced = np.zeros(60)
    silenced[[7, 8]] = 1
    expected, trace = shiu_reference(
        connectome, params, 0.1, 1500, drive=drive, status_at={600: silenced, 1000: np.zeros(60)}, probe=[1, 2, 3]
    )
    assert len(expected) > 500 and len({c for _, c in expected}) > 40  # the network is busy
    assert sorted(zip(steps.tolist(), cells.tolist())) == sorted(expected)
    np.testing.assert_allclose(sim.probes.segments()[-1].volts_mV, trace, rtol=0, atol=1e-9)


def test_busy_steps_in_blocks_give_the_spikes_of_steps_from_lists(connectome_factory):
    # More cells than one block of the busy step, driven until the network ignites, with a
    # lesion, an injected current and gap junctions: every way a cell can be stepped.
    n = 3 * BUSY_BLOCK + 123
    rng = np.random.default_rng(21)
    pre, post = rng.integers(0, n, 30 * n), rng.integers(0, n, 30 * n)
    keep = pre != post
    edges = list(zip(pre[keep].tolist(), post[keep].tolist(), rng.integers(1, 8, keep.sum()).astype(float).tolist(),
                     np.where(rng.random(keep.sum()) < 0.8, 1, -1).tolist()))
    gaps = [(int(a), int(b), 2.0) for a, b in rng.integers(0, n, (40, 2)) if a != b]
    connectome = connectome_factory(n, edges=edges, gap_edges=gaps)
    params = ShiuParams(w_syn_mV=4.0, g_gap_per_ms=0.01)
    results = []
    for dense_fraction, threads in ((0, 1), (4, 1), (4, 2)):
        sim = Simulation(connectome, params, 0.1, seed=3, dense_fraction=dense_fraction, threads=threads,
                         time_threads=False, parallel_min_events=0)
        sim.stimulate(np.arange(0, n, 97), 200)
        sim.inject([5, 4000], 30.0)
        sim.set_probes([5, 4000, n - 1])
        sim.run(duration_ms=30)
        silenced = sim.lesion(np.arange(1000, 1500), "silence")
        sim.run(duration_ms=15)
        sim.undo(silenced)
        sim.run(duration_ms=15)
        steps, cells = sim.spikes.arrays()
        results.append((sim.busy_steps, steps, cells, np.concatenate([s.volts_mV for s in sim.probes.segments()])))
    (listed_busy, *listed), *blocked_runs = results
    assert listed_busy == 0 and listed[0].size > 5 * n
    for busy, *blocked in blocked_runs:  # the network ignited, and busy steps ran block by block
        assert busy > 100
        for got, expected in zip(blocked, listed):
            np.testing.assert_array_equal(got, expected)


def test_renumbering_the_cells_renumbers_the_spikes_and_changes_nothing_else(connectome_factory):
    n = 80
    rng = np.random.default_rng(11)
    pre, post = rng.integers(0, n, 1500), rng.integers(0, n, 1500)
    edges = [(int(a), int(b), float(rng.integers(1, 30)), 1 if rng.random() < 0.8 else -1) for a, b in zip(pre, post)]
    edges = [e for e in edges if e[0] != e[1]]
    injected = {0: 30.0, 13: 25.0, 40: 35.0}
    order = rng.permutation(n)  # new row of old cell i: order[i]
    results = []
    for rows in (np.arange(n), order):
        connectome = connectome_factory(n, edges=[(rows[a], rows[b], c, s) for a, b, c, s in edges])
        sim = Simulation(connectome, ShiuParams(w_syn_mV=1.0), seed=0)
        for cell, mV in injected.items():
            sim.inject([rows[cell]], mV)
        sim.run(duration_ms=200)
        steps, cells = sim.spikes.arrays()
        old_cell = np.argsort(rows)[cells]
        results.append(np.sort(steps * n + old_cell))
    assert results[0].size > 1000
    np.testing.assert_array_equal(results[1], results[0])


def test_packed_and_separate_connection_arrays_give_the_same_spikes(connectome_factory):
    connectome = random_network(connectome_factory, n=200, n_edges=5000, seed=8, strength=20)
    packed = network_arrays(connectome)
    assert packed.packed.size == packed.targets.size
    separate = packed._replace(packed=np.zeros(0, np.int32))
    results = []
    for network in (packed, separate):
        sim = Simulation(connectome, seed=4, network=network, dense_fraction=2**30)
        sim.stimulate(np.arange(0, 200, 9), 250)
        sim.run(duration_ms=100)
        results.append(sim.spikes.arrays())
    assert results[0][0].size > 500
    for got, expected in zip(results[1], results[0]):
        np.testing.assert_array_equal(got, expected)


def test_packed_events_hold_target_and_signed_count_or_are_left_out():
    targets = np.array([0, 5, 138_000, 139_254], np.int32)
    counts = np.array([1, -3, 8191, -8191], np.float32)
    packed, bits = packed_events(targets, counts, 139_255)
    assert bits == 18
    np.testing.assert_array_equal(packed & (2**bits - 1), targets)
    np.testing.assert_array_equal(packed >> bits, counts)
    assert packed_events(targets, np.array([1, 2, 8192, 1], np.float32), 139_255)[0].size == 0  # too large
    assert packed_events(targets, np.array([1, 2.5, 3, 1], np.float32), 139_255)[0].size == 0  # not whole


def test_input_sums_are_float32_only_where_they_are_exact(connectome_factory):
    whole = network_arrays(random_network(connectome_factory, seed=1))
    assert input_sum_dtype(whole) == np.float32
    fractional = whole._replace(signed_count=whole.signed_count * np.float32(0.5) + np.float32(0.25))
    assert input_sum_dtype(fractional) == np.float64
    heavy = whole._replace(signed_count=np.full_like(whole.signed_count, 2.0**23))  # sums reach 2**24
    assert input_sum_dtype(heavy) == np.float64


def test_fractional_weights_match_the_reference(connectome_factory):
    rng = np.random.default_rng(3)
    pre, post = rng.integers(0, 40, 500), rng.integers(0, 40, 500)
    edges = [(int(a), int(b), float(rng.uniform(1, 40)), 1 if rng.random() < 0.8 else -1) for a, b in zip(pre, post)]
    connectome = connectome_factory(40, edges=[e for e in edges if e[0] != e[1]])
    sim = Simulation(connectome, seed=3)
    assert sim.network.packed.size == 0 and sim._state.input_sum.dtype == np.float64
    sim.stimulate([0, 1, 2, 3], 200)
    sim.run(duration_ms=150)
    steps, cells = sim.spikes.arrays()
    drive = (sim._drive.cell, sim._drive.probability, sim._drive.key)
    expected, _ = shiu_reference(connectome, ShiuParams(), 0.1, 1500, drive=drive)
    assert len(expected) > 100
    assert sorted(zip(steps.tolist(), cells.tolist())) == sorted(expected)


def test_cells_are_sorted_like_numpy_sorts_them():
    from numba import njit

    from brainview.sim import kernels

    @njit
    def sort_cells(values, count):  # the kernel has no Python entry point of its own
        kernels._sort_cells(values, count)

    rng = np.random.default_rng(0)
    for count in (0, 1, 2, 3, 7, 40, 1000, 5000):
        for values in (rng.integers(0, 60, count + 3), np.arange(count + 3)[::-1], np.arange(count + 3)):
            values = values.astype(np.int32)
            expected = values.copy()
            expected[:count] = np.sort(expected[:count])
            sort_cells(values, count)
            np.testing.assert_array_equal(values, expected)
