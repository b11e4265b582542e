"""The three-factor rule of :mod:`brainview.sim.plasticity` against the same rule written in Brian2.

A small network: 10 presynaptic cells ("KC"), 5 postsynaptic ones ("MBON"), two depressing
modulators ("DAN") and one potentiating one ("OAN"). The DANs synapse onto some of the MBONs, the
OAN onto one MBON and one KC, so the gating follows the connectome both ways (the connections
onto, and those from, the cells a modulator reaches). Nine KCs, one DAN and the OAN are driven by
Poisson trains that both simulators share (brainview's events, replayed in Brian2 through a
SpikeGeneratorGroup); KC 9 and the other DAN get the same current step, so they spike in the same
steps, and eligibility and teaching meet in one step. The spike times of the teachers and the
learners are thus the same in both simulators to the step, and the weights can be compared
exactly: no statistics.

Brian2 writes the rule with its own means, on the Shiu model of ``brian2_shiu.py``:

* the plastic connections are a ``Synapses`` object of their own, with a weight ``w`` and an
  eligibility ``elig`` per synapse (``d elig/dt = -elig / tau_e``, event-driven), and two
  pathways: ``pre`` (no delay) does ``elig += 1``, ``transmit`` (the 1.8 ms delay) ``g_post += w``;
* the modulators act through synapses *onto those synapses* (a ``Synapses`` object whose target
  is the plastic one), one per (modulator, gated connection), whose ``on_pre`` does
  ``w_post = clip(w_post + polarity x eta x elig_post x exp(-(t - lastupdate_post) / tau_e),
  w_min, w_max)`` (an event-driven variable is stored as of its synapse's last event, so the
  decay since then is written out). Brian2's numpy target runs that statement synapse by
  synapse, in order, as brainview does;
* the order inside a step is the pathways' ``order`` in the ``synapses`` slot, which comes
  after the thresholds: eligibility rises (0), the modulators change the weights (1), then the
  delayed spikes arrive (2) and the replayed Poisson events (3), as in brainview's step.

Compared: the weight of every plastic connection every 10 ms for 200 ms, within float32
rounding (brainview keeps the weights as float32 synapse counts; the largest difference is about
1e-6 mV); the spikes of every cell within one step, as in test_sim_brian2.py (they are in fact
the same); and the MBONs' voltage after every step, within 1e-4 mV, which shows that each
arriving spike carries the weight of its arrival step. In the Brian2 version, teaching before
eligibility, arrivals before teaching, or a missing decay each make this test fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from naive import poisson_events_reference

pytest.importorskip("brian2")

from brainview.sim import ShiuParams, Simulation
from brainview.sim.plasticity import PlasticityRule

pytestmark = pytest.mark.brian2
DT = 0.1
DURATION_MS = 200.0
SAMPLE_MS = 10.0
TAU_E_MS, ETA_MV, W_MIN_MV, W_MAX_MV = 20.0, 0.15, 0.0, 8.5
KCS, MBONS, DANS, OAN = np.arange(10), np.arange(10, 15), np.array([15, 16]), 17
SIGN = {15: -1.0, 16: -1.0, OAN: 1.0}  # the DANs depress, the OAN potentiates
INJECTED, INJECTED_MV = np.array([9, 16]), 25.0  # KC 9 and DAN 16: the same current


def mushroom_body(factory, seed=11):
    """KC -> MBON connections (most strong enough to make the MBONs fire, a few weak enough to
    reach 0), DAN -> MBON, OAN -> MBON and OAN -> KC, one KC -> DAN connection (not plastic:
    the DAN is no MBON) and MBON -> MBON inhibition."""
    rng = np.random.default_rng(seed)
    edges = []
    for mbon in MBONS:
        for kc in sorted(rng.choice(KCS[:-1], 5, replace=False)):
            count = rng.choice([2, 3]) if rng.random() < 0.2 else rng.integers(20, 31)
            edges.append((int(kc), int(mbon), float(count), 1))
    edges += [(9, 12, 20.0, 1), (9, 13, 2.0, 1), (9, 14, 24.0, 1)]  # KC 9 -> MBONs DAN 16 and the OAN gate
    edges += [(15, 10, 2.0, 1), (15, 11, 2.0, 1), (15, 12, 1.0, 1), (16, 12, 2.0, 1), (16, 13, 3.0, 1)]
    edges += [(OAN, 14, 2.0, 1), (OAN, 3, 1.0, 1), (0, 15, 3.0, 1), (13, 14, 4.0, -1), (14, 10, 3.0, -1)]
    kinds = ["KC"] * 10 + ["MBON"] * 5 + ["DAN"] * 2 + ["OAN"]
    return factory(18, edges=sorted(edges), cell_type=kinds, nt=["ACh"] * 18)


def plastic_connections_and_gates(connectome):
    """Independently of brainview: the plastic (pre, post, count) and, for every modulator in row
    order, the plastic connections it gates (it synapses onto their post or their pre cell)."""
    chemical = connectome.chemical
    pre, post = np.asarray(chemical.pre), np.asarray(chemical.indices)
    plastic = [(int(a), int(b), float(c)) for a, b, c in zip(pre, post, chemical.weight) if a in KCS and b in MBONS]
    gates = []
    for modulator, sign in SIGN.items():
        reached = set(post[pre == modulator].tolist())
        gates += [(modulator, c, sign) for c, (a, b, _) in enumerate(plastic) if a in reached or b in reached]
    return plastic, gates


def run_brian2_plastic(connectome, params, plastic, gates, driven, events, injected, n_samples):
    """Spikes (steps, cells), the weights (mV) of ``plastic`` every SAMPLE_MS (samples x
    connections, the first at SAMPLE_MS) and the MBONs' voltages after every step (steps x
    MBONs, mV), simulated by Brian2's numpy target with the rule in Brian2's terms. ``driven``
    are the Poisson targets (no refractory period), ``events`` their (cells, steps), ``injected``
    (rows, mV) the constant current."""
    import brian2 as b2

    b2.prefs.codegen.target = "numpy"
    n, p = connectome.n, params
    ms, mV = b2.ms, b2.mV
    namespace = {
        "v_0": p.v_0_mV * mV, "v_rst": p.v_rst_mV * mV, "v_th": p.v_th_mV * mV, "t_mbr": p.t_mbr_ms * ms,
        "tau": p.tau_ms * ms, "w_poi": p.w_syn_mV * p.f_poi * mV, "tau_e": TAU_E_MS * ms, "eta": ETA_MV * mV,
        "w_min": W_MIN_MV * mV, "w_max": W_MAX_MV * mV,
    }
    neurons = b2.NeuronGroup(
        n, """dv/dt = (v_0 - v + g + I) / t_mbr : volt (unless refractory)
              dg/dt = -g / tau : volt (unless refractory)
              I : volt
              rfc : second""",
        threshold="v > v_th", reset="v = v_rst; g = 0*mV", refractory="rfc", method="exact",
        namespace=namespace, dt=DT * ms,
    )
    neurons.v = p.v_0_mV * mV
    rfc = np.full(n, p.t_rfc_ms)
    rfc[driven] = 0.0  # as Shiu et al.: no refractory period for Poisson targets
    neurons.rfc = rfc * ms
    rows, amplitude_mV = injected
    current = np.zeros(n)
    current[rows] = amplitude_mV
    neurons.I = current * mV

    chemical = connectome.chemical
    pre, post = np.asarray(chemical.pre), np.asarray(chemical.indices)
    is_plastic = np.isin(pre, KCS) & np.isin(post, MBONS)
    static = b2.Synapses(neurons, neurons, "w : volt", on_pre="g_post += w", delay=p.t_dly_ms * ms,
                         namespace=namespace, dt=DT * ms)
    static.connect(i=pre[~is_plastic], j=post[~is_plastic])
    static.w = (np.asarray(chemical.weight, np.float64) * chemical.sign)[~is_plastic] * p.w_syn_mV * mV

    learning = b2.Synapses(
        neurons, neurons, "w : volt\ndelig/dt = -elig / tau_e : 1 (event-driven)",
        on_pre={"pre": "elig += 1", "transmit": "g_post += w"}, delay={"transmit": p.t_dly_ms * ms},
        namespace=namespace, dt=DT * ms,
    )
    learning.connect(i=np.array([a for a, _, _ in plastic]), j=np.array([b for _, b, _ in plastic]))
    learning.w = np.array([c for _, _, c in plastic]) * p.w_syn_mV * mV

    teaching = b2.Synapses(
        neurons, learning, "polarity : 1",
        on_pre="w_post = clip(w_post + polarity * eta * elig_post * exp(-(t - lastupdate_post) / tau_e), w_min, w_max)",
        namespace=namespace, dt=DT * ms,
    )
    teaching.connect(i=np.array([m for m, _, _ in gates]), j=np.array([c for _, c, _ in gates]))
    teaching.polarity = np.array([s for _, _, s in gates])

    cells, steps = events
    source = b2.SpikeGeneratorGroup(n, cells, steps * DT * ms, dt=DT * ms)
    replay = b2.Synapses(source, neurons, on_pre="v_post += w_poi", namespace=namespace, dt=DT * ms)
    replay.connect(j="i")

    learning.pre.order, teaching.pre.order, learning.transmit.order = 0, 1, 2
    static.pre.order, replay.pre.order = 2, 3
    spikes = b2.SpikeMonitor(neurons)
    weights = b2.StateMonitor(learning, "w", record=True, dt=SAMPLE_MS * ms)  # at each step's start
    voltages = b2.StateMonitor(neurons, "v", record=MBONS, when="end")  # after each step
    network = b2.Network(neurons, static, learning, teaching, source, replay, spikes, weights, voltages)
    network.run(n_samples * SAMPLE_MS * ms, namespace=namespace)
    sampled = np.vstack([np.asarray(weights.w / mV).T[1:], np.asarray(learning.w / mV)[None, :]])
    steps = np.round(np.asarray(spikes.t / ms) / DT).astype(np.int64)
    return (steps, np.asarray(spikes.i, np.int64)), sampled, np.asarray(voltages.v / mV).T


def assert_same_spike_trains_within_one_step(ours, theirs, n):
    (our_steps, our_cells), (their_steps, their_cells) = ours, theirs
    for cell in range(n):
        mine, reference = np.sort(our_steps[our_cells == cell]), np.sort(their_steps[their_cells == cell])
        assert mine.size == reference.size, f"cell {cell}: {mine.size} spikes here, {reference.size} in Brian2"
        assert np.all(np.abs(mine - reference) <= 1), f"cell {cell}: spike times differ by more than a step"


def test_weight_trajectories_agree_with_brian2(connectome_factory):
    connectome = mushroom_body(connectome_factory)
    params = ShiuParams()
    rule = PlasticityRule(pre="type:KC", post="type:MBON", modulators=(("type:DAN", -1.0), ("type:OAN", 1.0)),
                          tau_e_ms=TAU_E_MS, eta_mV=ETA_MV, w_min_mV=W_MIN_MV, w_max_mV=W_MAX_MV)
    sim = Simulation(connectome, params, DT, seed=5, plasticity=rule)
    driven = np.r_[KCS[:-1], 15, OAN]
    sim.stimulate(KCS[:-1], 100.0)
    sim.stimulate([15, OAN], 25.0)
    sim.inject(INJECTED, INJECTED_MV)
    sim.set_probes(MBONS)
    n_samples = int(DURATION_MS / SAMPLE_MS)
    ours = []
    for _ in range(n_samples):
        sim.run(duration_ms=SAMPLE_MS)
        ours.append(sim.plastic_weights_mV())
    ours = np.array(ours)

    plastic, gates = plastic_connections_and_gates(connectome)
    position = {(a, b): k for k, (a, b, _) in enumerate(plastic)}
    pairs = list(zip(sim.plastic.pre.tolist(), sim.plastic.post.tolist()))
    assert sorted(pairs) == sorted(position)
    events = poisson_events_reference(*sim._drive[:3], round(DURATION_MS / DT))
    spikes, theirs, their_v = run_brian2_plastic(
        connectome, params, plastic, gates, driven, events, (INJECTED, INJECTED_MV), n_samples
    )
    theirs = theirs[:, [position[pair] for pair in pairs]]  # in brainview's order of the connections

    steps, cells = sim.spikes.arrays()
    counts = np.bincount(cells, minlength=connectome.n)
    assert np.all(counts[KCS] > 2) and np.all(counts[15:] > 2) and np.sum(counts[MBONS] > 0) >= 4  # all active
    together = np.intersect1d(steps[cells == 9], steps[cells == 16])
    assert together.size == counts[16] > 10  # same-step eligibility and teaching, on KC 9 -> MBONs 12, 13
    change = ours[-1] - sim.plastic.initial * params.w_syn_mV
    assert np.sum(change < -0.5) > 5 and np.sum(change > 0.5) >= 2  # depression and potentiation
    assert np.any(ours[-1] == W_MIN_MV) and np.any(np.isclose(ours[-1], W_MAX_MV, rtol=1e-6))  # both bounds
    assert_same_spike_trains_within_one_step((steps, cells), spikes, connectome.n)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    (segment,) = sim.probes.segments()
    np.testing.assert_allclose(segment.volts_mV, their_v, rtol=0, atol=1e-4)  # arrivals carry the new weights
