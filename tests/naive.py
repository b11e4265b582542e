"""Slow, obviously correct references for the numba kernels, one section per package.

Tests assert that the fast kernels and these references agree on small and random inputs.
"""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------------------------------------
# brainview.sim: the Shiu et al. 2024 model, stepped cell by cell without any shortcut
# ---------------------------------------------------------------------------------------------

_MASK = (1 << 64) - 1


def mix64_reference(x: int) -> int:
    """splitmix64's finaliser, written out on Python integers."""
    x &= _MASK
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def uniform_reference(key: int, step: int) -> float:
    """The engine's uniform number for stream ``key`` at ``step``."""
    x = mix64_reference((key + step * 0x9E3779B97F4A7C15) & _MASK)
    return (x >> 11) / 2.0**53


def poisson_events_reference(cells, probability, keys, n_steps):
    """(cells, steps) of every Poisson event the engine's drive entries produce in ``n_steps``.

    The same counter-based generator as :func:`uniform_reference`, vectorised with numpy.
    """
    steps = np.arange(n_steps, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = np.asarray(keys, np.uint64)[:, None] + steps[None, :] * np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    uniform = (x >> np.uint64(11)).astype(np.float64) / 2.0**53
    entry, step = np.nonzero(uniform < np.asarray(probability)[:, None])
    return np.asarray(cells)[entry], step


def shiu_reference(
    connectome,
    params,
    dt_ms: float,
    n_steps: int,
    injected_mV=None,
    drive=None,
    status_at=None,
    probe=None,
    plastic=None,
):
    """Step the Shiu model on every cell, every step, with dense arrays.

    Parameters
    ----------
    injected_mV : array, optional
        Current step (R x I, mV) per cell for the whole run.
    drive : (cells, probabilities, keys), optional
        Poisson entries as the engine builds them; the same random streams are used.
    status_at : dict of int to array, optional
        Lesion status per cell (0 normal, 1 silenced, 2 ablated) from a step on.
    probe : array of int, optional
        Cells whose ``v`` (mV) is returned after every step.
    plastic : dict, optional
        The three-factor rule: ``pre``, ``post`` (one entry per plastic connection), ``gates``
        (``(modulator, connection, sign)`` triples), ``tau_e_ms``, ``eta_mV``, ``w_min_mV``,
        ``w_max_mV``. The trace of every cell decays every step by ``exp(-dt / tau_e)``.

    Returns
    -------
    spikes : list of (step, cell)
    probes : array (n_steps, len(probe)), mV
    weights : array (n_steps, connections), mV, after every step (only with ``plastic``)
    """
    n = connectome.n
    p = params
    dt = dt_ms * 1e-3
    t_mbr, tau = p.t_mbr_ms * 1e-3, p.tau_ms * 1e-3
    v_0, v_rst, v_th = p.v_0_mV * 1e-3, p.v_rst_mV * 1e-3, p.v_th_mV * 1e-3
    decay_v, decay_g = np.exp(-dt / t_mbr), np.exp(-dt / tau)
    g_to_v = tau / (tau - t_mbr) * (decay_g - decay_v)
    delay = int(round(p.t_dly_ms / dt_ms))
    refractory = int((p.t_rfc_ms + 1e-3 * dt_ms) / dt_ms)
    chemical = connectome.chemical
    signed_counts = np.zeros((n, n))
    signed = chemical.weight.astype(np.float64) * chemical.sign
    np.add.at(signed_counts, (chemical.pre, chemical.indices), signed)
    gap = np.zeros((n, n))
    if connectome.gap is not None:
        np.add.at(gap, (connectome.gap.pre, connectome.gap.indices), connectome.gap.weight)
    i_ext = np.zeros(n) if injected_mV is None else np.asarray(injected_mV) * 1e-3
    cells, probability, keys = drive if drive is not None else ([], [], [])
    refractory_steps = np.full(n, refractory)
    refractory_steps[np.asarray(cells, dtype=np.int64)] = 0
    status_at = status_at or {}
    status = np.zeros(n, np.uint8)
    v = np.full(n, v_0)
    g = np.zeros(n)
    last_spike = np.full(n, -(2**62))
    queue = [[] for _ in range(n_steps + delay + 1)]
    spikes, trace, weight_trace = [], [], []
    if plastic is not None:
        w_syn = p.w_syn_mV
        weights = signed_counts[plastic["pre"], plastic["post"]] * w_syn
        eligibility = np.zeros(n)
        decay_e = np.exp(-dt_ms / plastic["tau_e_ms"])
    for step in range(n_steps):
        if step in status_at:
            new = np.asarray(status_at[step], np.uint8)
            changed = new != status
            v[changed], g[changed], last_spike[changed] = v_0, 0.0, -(2**62)
            status = new
        normal = status == 0
        coupling = gap * (status != 2)[None, :] * (status != 2)[:, None]
        forcing = i_ext + t_mbr * p.g_gap_per_ms * 1e3 * (coupling @ v - coupling.sum(axis=1) * v)
        integrating = normal & (step - last_spike >= refractory_steps)
        u = v - v_0
        v = np.where(integrating, v_0 + forcing + (u - forcing) * decay_v + g * g_to_v, v)
        g = np.where(integrating, g * decay_g, g)
        spiking = np.flatnonzero(integrating & (v > v_th))
        if plastic is not None:  # eligibility first, then the modulators; arrivals see the new weights
            eligibility *= decay_e
            eligibility[np.intersect1d(spiking, plastic["pre"])] += 1.0
            for modulator, connection, sign in plastic["gates"]:
                if modulator in spiking:
                    changed = weights[connection] + sign * plastic["eta_mV"] * eligibility[plastic["pre"][connection]]
                    weights[connection] = min(max(changed, plastic["w_min_mV"]), plastic["w_max_mV"])
            signed_counts[plastic["pre"], plastic["post"]] = weights / w_syn
        queue[step + delay].extend(spiking.tolist())
        receptive = normal & (step - last_spike >= refractory_steps)
        # A step's input is w_syn times the sum of the signed synapse counts arriving: whole
        # numbers, so the sum is exact in any order.
        arriving = np.zeros(n)
        for source in queue[step]:
            if status[source] == 0:
                arriving += signed_counts[source]
        g = np.where(receptive & (arriving != 0), g + arriving * (p.w_syn_mV * 1e-3), g)
        for cell, chance, key in zip(cells, probability, keys):
            if normal[cell] and uniform_reference(int(key), step) < chance:
                v[cell] += p.w_syn_mV * 1e-3 * p.f_poi
        v[spiking], g[spiking], last_spike[spiking] = v_rst, 0.0, step
        spikes.extend((step, int(cell)) for cell in spiking)
        if probe is not None:
            trace.append(v[np.asarray(probe)] * 1e3)
        if plastic is not None:
            weight_trace.append(weights.copy())
    if plastic is not None:
        return spikes, np.array(trace), np.array(weight_trace)
    return spikes, np.array(trace)


def shortest_path_reference(connectome, source: int, target: int, min_count: float = 1) -> list[int]:
    """Fewest-hop path by a plain queue-based breadth-first search, one cell at a time."""
    from collections import deque

    csr = connectome.chemical
    parent = {source: source}
    queue = deque([source])
    while queue:
        here = queue.popleft()
        if here == target:
            path = [target]
            while path[-1] != source:
                path.append(parent[path[-1]])
            return path[::-1]
        for e in range(csr.indptr[here], csr.indptr[here + 1]):
            there = int(csr.indices[e])
            if csr.weight[e] >= min_count and there not in parent:
                parent[there] = here
                queue.append(there)
    return []
