"""Dopamine-gated plasticity: analytic cases on three cells, and the dense reference in tests/naive.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from brainview.errors import ParameterError
from brainview.sim import ShiuParams, Simulation
from brainview.sim.plasticity import PlasticityRule
from naive import shiu_reference

W_SYN = ShiuParams().w_syn_mV
DT = 0.1


def triad(factory, modulator_to_post=True):
    """Cell 0 (pre) -> cell 1 (post), 4 synapses, plastic; cell 2 (modulator) -> cell 1, 1 synapse."""
    edges = [(0, 1, 4.0, 1)] + ([(2, 1, 1.0, 1)] if modulator_to_post else [(2, 0, 1.0, 1)])
    return factory(3, edges=edges, cell_type=["pre", "post", "mod"])


def rule(**changes):
    values = dict(pre="type:pre", post="type:post", modulators="type:mod", tau_e_ms=20.0, eta_mV=0.05)
    values.update(changes)
    return PlasticityRule(**values)


def spike_steps(sim, cell):
    steps, cells = sim.spikes.arrays()
    return steps[cells == cell]


def expected_weight(w0, pre_steps, modulator_steps, sign, eta, tau_e_ms, low, high):
    """The rule written out from the spike times: each modulator spike adds sign x eta x sum of
    the decayed presynaptic spikes so far (same step included), clipped after every change."""
    weight = w0
    for t in modulator_steps:
        eligibility = sum(math.exp(-(t - s) * DT / tau_e_ms) for s in pre_steps if s <= t)
        weight = min(max(weight + sign * eta * eligibility, low), high)
    return weight


@pytest.mark.parametrize("sign", [-1.0, 1.0])
def test_each_modulator_spike_changes_the_weight_by_eta_times_the_decayed_eligibility(connectome_factory, sign):
    sim = Simulation(triad(connectome_factory), plasticity=rule(modulators=(("type:mod", sign),), w_max_mV=50.0))
    sim.inject([0], 40.0)  # pre fires regularly
    sim.run(duration_ms=30)
    sim.inject([2], 30.0)  # then the modulator too
    sim.run(duration_ms=40)
    pre, modulator = spike_steps(sim, 0), spike_steps(sim, 2)
    assert pre.size > 5 and modulator.size > 2 and modulator[0] > pre[0]
    expected = expected_weight(4 * W_SYN, pre, modulator, sign, 0.05, 20.0, 0.0, 50.0)
    assert sim.plastic_weights_mV()[0] == pytest.approx(expected, rel=1e-5)
    assert abs(expected - 4 * W_SYN) > 0.05  # it did change


def test_without_a_modulator_spike_or_presynaptic_activity_nothing_changes(connectome_factory):
    sim = Simulation(triad(connectome_factory), plasticity=rule())
    sim.inject([0], 40.0)
    sim.run(duration_ms=50)
    assert spike_steps(sim, 0).size > 5 and sim.plastic_weights_mV()[0] == pytest.approx(4 * W_SYN, rel=1e-7)
    quiet_pre = Simulation(triad(connectome_factory), plasticity=rule())
    quiet_pre.inject([2], 40.0)
    quiet_pre.run(duration_ms=50)
    assert spike_steps(quiet_pre, 2).size > 5 and quiet_pre.plastic_weights_mV()[0] == pytest.approx(4 * W_SYN, rel=1e-7)


def test_weights_are_clipped_to_their_bounds(connectome_factory):
    down = Simulation(triad(connectome_factory), plasticity=rule(eta_mV=5.0, w_min_mV=0.3))
    up = Simulation(triad(connectome_factory), plasticity=rule(eta_mV=5.0, modulators=(("type:mod", 1.0),),
                                                              w_max_mV=2.0))
    for sim in (down, up):
        sim.inject([0], 40.0)
        sim.inject([2], 40.0)
        sim.run(duration_ms=40)
    assert down.plastic_weights_mV()[0] == pytest.approx(0.3, rel=1e-6)
    assert up.plastic_weights_mV()[0] == pytest.approx(2.0, rel=1e-6)


def test_a_modulator_gates_the_synapses_from_the_cells_it_reaches_too(connectome_factory):
    sim = Simulation(triad(connectome_factory, modulator_to_post=False), plasticity=rule())
    sim.inject([0], 40.0)
    sim.inject([2], 40.0)
    sim.run(duration_ms=30)
    assert sim.plastic_weights_mV()[0] < 4 * W_SYN - 0.05


def test_a_silenced_modulator_stops_teaching_and_lesions_keep_the_weights(connectome_factory):
    sim = Simulation(triad(connectome_factory), plasticity=rule())
    sim.inject([0], 40.0)
    sim.inject([2], 40.0)
    sim.run(duration_ms=30)
    learned = sim.plastic_weights_mV()[0]
    handle = sim.lesion([2])
    assert sim.plastic_weights_mV()[0] == learned
    sim.run(duration_ms=30)
    assert sim.plastic_weights_mV()[0] == learned
    sim.undo(handle)
    sim.run(duration_ms=10)
    assert sim.plastic_weights_mV()[0] < learned


def test_reset_restores_the_starting_weights_and_a_monitor_records_sums(connectome_factory):
    sim = Simulation(triad(connectome_factory), plasticity=rule())
    monitor = sim.add_weight_monitor("cell_type", every_ms=5.0)
    sim.inject([0], 40.0)
    sim.inject([2], 40.0)
    sim.run(duration_ms=20)
    assert monitor.labels == ("post",)
    np.testing.assert_allclose(monitor.times_ms, [0, 5, 10, 15, 20])
    assert monitor.sums_mV[0, 0] == pytest.approx(4 * W_SYN) and monitor.sums_mV[-1, 0] == pytest.approx(
        sim.plastic_weights_mV()[0])
    assert np.all(np.diff(monitor.sums_mV[:, 0]) <= 1e-12)  # depression only
    sim.reset()
    assert sim.plastic_weights_mV()[0] == pytest.approx(4 * W_SYN, rel=1e-7)
    assert monitor.times_ms.tolist() == [0.0]


def test_the_engine_matches_the_dense_reference_with_plasticity(connectome_factory):
    rng = np.random.default_rng(3)
    n = 24
    edges = {(int(a), int(b)) for a, b in rng.integers(0, n, (160, 2)) if a != b}
    edges = [(a, b, float(rng.integers(3, 9)), 1 if rng.random() < 0.85 or a < 10 else -1) for a, b in sorted(edges)]
    kinds = ["pre"] * 10 + ["post"] * 8 + ["mod"] * 6
    connectome = connectome_factory(n, edges=edges, cell_type=kinds)
    plastic_rule = rule(tau_e_ms=15.0, eta_mV=0.08, w_max_mV=3.0)
    sim = Simulation(connectome, plasticity=plastic_rule, seed=2)
    sim.stimulate(np.arange(0, 10), 120.0)
    sim.stimulate(np.arange(18, 24), 80.0)
    sim.run(duration_ms=120)
    plastic = sim.plastic
    assert plastic.pre.size > 10
    gates = []
    pl = sim._plasticity
    for m in range(n):
        for j in range(pl.gate_indptr[m], pl.gate_indptr[m + 1]):
            connection = int(np.flatnonzero(plastic.edges == pl.gate_edge[j])[0])
            gates.append((m, connection, pl.gate_sign[j]))
    # Independently: a modulator gates a connection whose post or pre it synapses onto.
    reached = {m: {b for a, b, *_ in edges if a == m} for m in range(18, 24)}
    independent = sorted((m, c) for m in range(18, 24) for c in range(plastic.pre.size)
                         if plastic.post[c] in reached[m] or plastic.pre[c] in reached[m])
    assert sorted((m, c) for m, c, _ in gates) == independent
    drive = (sim._drive.cell, sim._drive.probability, sim._drive.key)
    spikes, _, weights = shiu_reference(
        connectome, ShiuParams(), DT, 1200, drive=drive,
        plastic={"pre": plastic.pre, "post": plastic.post, "gates": gates, "tau_e_ms": 15.0, "eta_mV": 0.08,
                 "w_min_mV": 0.0, "w_max_mV": 3.0},
    )
    steps, cells = sim.spikes.arrays()
    assert len(spikes) > 100
    assert sorted(zip(steps.tolist(), cells.tolist())) == sorted(spikes)
    np.testing.assert_allclose(sim.plastic_weights_mV(), weights[-1], rtol=1e-5, atol=1e-6)
    assert np.any(np.abs(weights[-1] - weights[0]) > 0.05)


@pytest.mark.parametrize("changes, words", [
    ({"tau_e_ms": -1.0}, "tau_e_ms"),
    ({"eta_mV": float("nan")}, "eta_mV"),
    ({"post": "type:mod"}, "no chemical synapse"),
    ({"modulators": "type:post"}, "reach no plastic synapse"),
    ({"w_min_mV": 2.0, "w_max_mV": 1.0}, "below"),
    ({"modulators": (("type:mod", 0.5),)}, "sign"),
])
def test_bad_rules_say_what_is_missing(connectome_factory, changes, words):
    with pytest.raises(ParameterError, match=words):
        Simulation(triad(connectome_factory), plasticity=rule(**changes))


def test_inhibitory_plastic_synapses_are_refused(connectome_factory):
    connectome = connectome_factory(3, edges=[(0, 1, 4.0, -1), (2, 1, 1.0, 1)], cell_type=["pre", "post", "mod"])
    with pytest.raises(ParameterError, match="inhibitory"):
        Simulation(connectome, plasticity=rule())
