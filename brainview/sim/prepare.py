"""Compile the engine's kernels into numba's on-disk cache before the first real run.

A first simulation in a fresh install otherwise spends about four seconds compiling before its
first step, and a second and a half more at its first busy step (issue 11). ``brainview
prepare`` (run once after installing) calls :func:`compile_engine`, which runs tiny networks
through every path a simulation takes on one thread: whole and fractional synapse weights
(float32 and float64 input sums), quiet and busy steps, gap junctions, Poisson drive, injected
current, a lesion, probes and voltages, and plastic synapses. Later processes load the cached
machine code in a fraction of a second. The cache is keyed by the kernels' source, so a new
version of brainview simply compiles again once.
"""

from __future__ import annotations

import time

import numpy as np

from brainview.connectome import Connectome, SynapseCSR


def _network(n: int, weights: np.ndarray, seed: int, inhibitory: float = 0.2) -> Connectome:
    rng = np.random.default_rng(seed)
    pre, post = rng.integers(0, n, weights.size), rng.integers(0, n, weights.size)
    keep = pre != post
    sign = np.where(rng.random(weights.size) >= inhibitory, 1, -1).astype(np.int8)[keep]
    chemical = SynapseCSR.from_edges(pre[keep], post[keep], weights[keep], n, sign)
    gap = SynapseCSR.from_edges(np.array([0, 1]), np.array([1, 0]), np.array([1.0, 1.0]), n)
    columns = {
        "id": np.arange(n, dtype=np.int64),
        "name": [f"n{i}" for i in range(n)],
        "kind": ["neuron"] * n,
        "cell_type": [f"t{i % 4}" for i in range(n)],
    }
    return Connectome(columns, rng.uniform(-10, 10, (n, 3)), chemical, gap, {"name": "engine warm-up"})


def compile_engine(fractional: bool = True, busy: bool = True) -> float:
    """Run every single-thread path of the engine once, so its kernels are compiled and cached.

    Parameters
    ----------
    fractional : bool
        Also the variant for fractional synapse weights (a weighted matrix: float64 input
        sums). Whole synapse counts, as every cell-level connectome has, use the other.
    busy : bool
        Also the kernel of busy steps (most cells active: :func:`brainview.sim.kernels.run_busy_steps`),
        which a brain that never gets busy never needs.

    Returns
    -------
    float
        Wall-clock seconds it took (about 4 s per kernel on a fresh install, well under 1 s afterwards).
    """
    from brainview.sim import Simulation

    started = time.perf_counter()
    rng = np.random.default_rng(0)
    variants = [rng.integers(1, 20, 400).astype(float)] + [rng.uniform(0.5, 20.0, 400)] * fractional
    for weights in variants:
        # With dense_fraction 2**30 every step with an active cell and an event is busy.
        sim = Simulation(_network(40, weights, seed=1), seed=0, dense_fraction=2**30 if busy else 4)
        sim.stimulate([2, 3, 4], 200.0)
        sim.inject([5], 20.0)
        sim.set_probes([0, 1, 6])
        sim.run(duration_ms=20)
        sim.lesion([7], "ablate")
        sim.run(duration_ms=5)
        sim.voltages_mV()
    _run_plastic(rng)
    return time.perf_counter() - started


def _run_plastic(rng: np.random.Generator) -> None:
    """The plastic variant: its own writable weights and float64 input sums compile separately."""
    from brainview.sim import Simulation
    from brainview.sim.plasticity import PlasticityRule

    connectome = _network(40, rng.integers(1, 20, 400).astype(float), seed=2, inhibitory=0.0)
    rule = PlasticityRule(pre=np.arange(0, 20), post=np.arange(20, 35), modulators=np.arange(35, 40))
    sim = Simulation(connectome, seed=0, plasticity=rule)
    sim.stimulate([2, 3, 36], 200.0)
    sim.run(duration_ms=10)
