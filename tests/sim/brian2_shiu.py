"""The Shiu et al. 2024 model written for Brian2, as the reference brainview is checked against.

The equations, the reset, the refractoriness and the synapses follow Shiu et al.'s Brian2 code;
gap junctions are a ``(summed)`` variable, held constant over a step as brainview does. Trials
run side by side as independent copies of the network in one NeuronGroup, which is much faster
in Brian2's numpy target than one run per trial.

The Poisson drive is a per-step Bernoulli event (``rand() < rate x dt``) adding
``w_syn x f_poi`` to ``v`` in the ``synapses`` slot of the schedule: the same process, in the
same slot, as Shiu et al.'s ``PoissonInput(N=1)``, in one vectorised operation. Alternatively
Brian2 can replay given input events (``events``) through a SpikeGeneratorGroup whose synapses
act in the same slot, so both simulators see the very same Poisson trains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brainview.connectome import Connectome
from brainview.sim import ShiuParams


@dataclass(frozen=True)
class CurrentStep:
    """A current step on ``rows``: ``amplitude_mV`` (R x I) from ``start_ms`` to ``stop_ms``."""

    rows: np.ndarray
    amplitude_mV: float
    start_ms: float
    stop_ms: float


def run_brian2(
    connectome: Connectome,
    params: ShiuParams,
    dt_ms: float,
    duration_ms: float,
    trials: int = 1,
    seed: int = 0,
    poisson_rows: np.ndarray | None = None,
    rate_Hz: float = 0.0,
    current: CurrentStep | None = None,
    events: list[tuple[np.ndarray, np.ndarray]] | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Spikes of each trial as (step, cell) arrays, simulated by Brian2's numpy target.

    ``poisson_rows`` and ``rate_Hz`` draw Poisson drive with Brian2's own random numbers;
    ``events`` instead gives, per trial, the (cells, steps) of every Poisson event to replay
    (``poisson_rows`` then only marks the driven cells, which have no refractory period).
    """
    import brian2 as b2

    b2.prefs.codegen.target = "numpy"
    b2.seed(seed)
    n = connectome.n
    size = n * trials
    p = params
    namespace = {
        "v_0": p.v_0_mV * b2.mV, "v_rst": p.v_rst_mV * b2.mV, "v_th": p.v_th_mV * b2.mV,
        "t_mbr": p.t_mbr_ms * b2.ms, "tau": p.tau_ms * b2.ms,
        "w_poi": p.w_syn_mV * p.f_poi * b2.mV, "g_gap": p.g_gap_per_ms / b2.ms,
    }
    equations = """
        dv/dt = (v_0 - v + g + I) / t_mbr + I_gap : volt (unless refractory)
        dg/dt = -g / tau : volt (unless refractory)
        I : volt
        I_gap : volt/second
        rfc : second
        p_poi : 1
    """
    neurons = b2.NeuronGroup(
        size, equations, threshold="v > v_th", reset="v = v_rst; g = 0*mV",
        refractory="rfc", method="exact", namespace=namespace, dt=dt_ms * b2.ms,
    )
    neurons.v = p.v_0_mV * b2.mV
    neurons.g = 0 * b2.mV
    rfc = np.full(n, p.t_rfc_ms)
    p_poi = np.zeros(n)
    if poisson_rows is not None:
        rfc[poisson_rows] = 0.0  # Shiu et al.: no refractory period for Poisson targets
        p_poi[poisson_rows] = rate_Hz * dt_ms * 1e-3
    neurons.rfc = np.tile(rfc, trials) * b2.ms
    neurons.p_poi = np.tile(p_poi, trials)
    objects = [neurons]
    if events is not None:
        cells = np.concatenate([c + trial * n for trial, (c, _) in enumerate(events)])
        steps = np.concatenate([s for _, s in events])
        source = b2.SpikeGeneratorGroup(size, cells, steps * dt_ms * b2.ms, dt=dt_ms * b2.ms)
        replay = b2.Synapses(source, neurons, on_pre="v_post += w_poi", namespace=namespace, dt=dt_ms * b2.ms)
        replay.connect(j="i")
        objects += [source, replay]
    elif poisson_rows is not None:
        objects.append(neurons.run_regularly("v += w_poi * int(rand() < p_poi)", when="synapses"))

    chemical = connectome.chemical
    offsets = np.repeat(np.arange(trials) * n, chemical.n_connections)
    synapses = b2.Synapses(neurons, neurons, "w : volt", on_pre="g += w", delay=p.t_dly_ms * b2.ms, dt=dt_ms * b2.ms)
    synapses.connect(i=np.tile(chemical.pre, trials) + offsets, j=np.tile(chemical.indices, trials) + offsets)
    synapses.w = np.tile(chemical.weight.astype(np.float64) * chemical.sign, trials) * p.w_syn_mV * b2.mV
    objects.append(synapses)
    if connectome.gap is not None and connectome.gap.n_connections:
        gap = connectome.gap
        offsets = np.repeat(np.arange(trials) * n, gap.n_connections)
        junctions = b2.Synapses(
            neurons, neurons, "w_gap : 1\nI_gap_post = g_gap * w_gap * (v_pre - v_post) : volt/second (summed)",
            namespace=namespace, dt=dt_ms * b2.ms,
        )
        junctions.connect(i=np.tile(gap.pre, trials) + offsets, j=np.tile(gap.indices, trials) + offsets)
        junctions.w_gap = np.tile(gap.weight.astype(np.float64), trials)
        objects.append(junctions)
    monitor = b2.SpikeMonitor(neurons)
    network = b2.Network(*objects, monitor)

    if current is None:
        network.run(duration_ms * b2.ms, namespace=namespace)
    else:
        injected = np.zeros(n)
        injected[current.rows] = current.amplitude_mV
        for start, stop, amplitude in (
            (0.0, current.start_ms, 0.0),
            (current.start_ms, current.stop_ms, 1.0),
            (current.stop_ms, duration_ms, 0.0),
        ):
            neurons.I = np.tile(injected * amplitude, trials) * b2.mV
            if stop > start:
                network.run((stop - start) * b2.ms, namespace=namespace)

    steps = np.round(np.asarray(monitor.t / b2.ms) / dt_ms).astype(np.int64)
    cells = np.asarray(monitor.i, dtype=np.int64)
    return [
        (steps[cells // n == trial], (cells[cells // n == trial] % n).astype(np.int32))
        for trial in range(trials)
    ]
