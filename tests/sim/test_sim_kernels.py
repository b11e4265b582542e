"""The numba kernels against the plain-numpy references in tests/naive.py."""

from __future__ import annotations

import numpy as np
import pytest
from naive import mix64_reference, shiu_reference, uniform_reference

from brainview.sim import ShiuParams, Simulation
from brainview.sim.kernels import mix64, uniform
from brainview.sim.models import ShiuLIF, psp_kernel, quiet_table
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


def test_parallel_delivery_gives_the_same_spikes_as_serial(connectome_factory):
    connectome = random_network(connectome_factory, n=300, n_edges=6000, seed=5)
    results = []
    for threads, minimum in ((1, 0), (2, 0), (3, 1)):
        sim = Simulation(connectome, seed=9, threads=threads, parallel_min_events=minimum)
        sim.stimulate(np.arange(0, 300, 7), 200)
        sim.set_probes([1, 2, 3])
        sim.run(duration_ms=100)
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
    assert Simulation(connectome, threads=2).delivery_threads == 1  # 5,781 connections < 20,000
    assert Simulation(connectome, threads=2, parallel_min_events=5781).delivery_threads == 2
    assert Simulation(connectome, threads=2, parallel_min_events=5782).delivery_threads == 1
    assert Simulation(connectome, threads=1, parallel_min_events=0).delivery_threads == 1
