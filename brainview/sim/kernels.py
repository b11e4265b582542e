"""Numba kernels of the engine: a whole chunk of time steps runs inside one compiled call.

The kernels take only arrays and numbers, grouped in named tuples (:class:`Network`,
:class:`ModelConstants`, :class:`EngineState`, :class:`PoissonDrive`, :class:`ChunkRecord`);
:mod:`brainview.sim.engine` validates input, converts units and owns the arrays.

One step ``i`` follows Brian2's schedule, so spike times agree to the step:

1. *groups*: the gap current of every stepped cell is computed from the voltages at the start
   of the step; every stepped cell that is not refractory advances ``v`` and ``g`` exactly by
   ``dt`` (see :mod:`brainview.sim.models`);
2. *thresholds*: a stepped, non-refractory cell with ``v > v_th`` spikes at step ``i``;
3. *synapses*: this step's spikes enter the delay ring buffer, then the spikes of step
   ``i - delay`` add ``w_syn x count x sign`` to the ``g`` of their targets; Poisson events add
   ``w_syn x f_poi`` to ``v``;
4. *resets*: spiking cells get ``v = v_rst`` and ``g = 0``.

A cell that spiked at step ``j`` is refractory at step ``i`` while ``i - j < refractory_steps``:
its ``v`` and ``g`` are frozen, it cannot spike, and synaptic input reaching it is lost (Brian2
writes nothing to a variable marked ``(unless refractory)`` while the cell is refractory).

Silent cells cost nothing. A cell is *stepped* (kept in the active list) only while it could
cross threshold: it is pinned (Poisson-driven, injected, gap-coupled), refractory, or its
reachable voltage ``v_0 + max(u, 0) + max(g, 0) x g_peak`` exceeds the threshold. Any other
cell is left alone, its ``(v, g)`` valid at step ``last_update``; when a spike reaches it, it is
first advanced in closed form over the steps it skipped (the same linear solution, ``n`` steps
at once), and joins the active list if the input may bring it to threshold. Spike propagation
is event-driven over the CSR rows of the cells that spiked ``delay`` steps ago.

Lesions act through ``status`` (0 normal, 1 silenced, 2 ablated): lesioned cells are never
stepped (the engine holds them at rest), inputs to them are dropped, and their own spikes still
in the ring buffer are dropped at delivery, as if their synaptic weights were set to zero.
Ablated cells also leave the gap-junction coupling; silenced ones stay in it at rest.

Poisson events come from a counter-based generator: the uniform number for drive entry ``m`` at
step ``i`` is a hash of ``(key[m], i)``. A run is therefore the same however it is cut into
chunks, and independent of which thread runs it.

A step with many synaptic events can deliver them on several threads (:func:`run_steps_threaded`):
each thread owns a span of target cells (``EngineState.partition``), so no two threads touch the
same cell, and each cell still receives its inputs in queue order. The cells spiking in a step
are sorted before they enter the queue, so every sum runs in the same order whatever the order
of the active list: serial and parallel runs agree to the bit.

Caching: every serial kernel is compiled once and cached on disk (``cache=True``); numba writes
each cache entry to a temporary file and renames it into place, and a serial function's entry
holds the machine code of everything it calls, so processes compiling at the same moment (two
``brainview simulate`` runs, parallel test jobs, a notebook) can only overwrite an entry with an
equivalent one. A ``parallel=True`` function is different: its cached code refers to a separately
cached thread-pool wrapper by a name that depends on the order the process compiled things in,
so two processes can leave a pair of entries that do not match, and every later run segfaults
(numba#10128; a cached caller of a parallel function has the same hazard, numba#4807, #8578).
So the parallel delivery and the threaded step loop that calls it are never cached: they are
compiled once per process, and only by runs that ask for more than one thread.
tests/sim/test_sim_kernel_cache.py compiles the cache from two processes at once and runs from it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

NORMAL, SILENCED, ABLATED = 0, 1, 2
"""Values of ``EngineState.status``."""

NEVER = -(2**62)
"""``last_spike`` of a cell that has never spiked."""

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


class Network(NamedTuple):
    """Connectivity, read-only during a run."""

    indptr: np.ndarray  # int64 (N + 1): chemical CSR by presynaptic cell
    targets: np.ndarray  # int32 (E)
    signed_count: np.ndarray  # float32 (E): synapse count x sign
    gap_indptr: np.ndarray  # int64 (N + 1): symmetric gap-junction CSR
    gap_partners: np.ndarray  # int32 (G)
    gap_weight: np.ndarray  # float64 (G)


class ModelConstants(NamedTuple):
    """Per-step constants of the Shiu model, SI units (volts, seconds)."""

    v_0: float
    v_rst: float
    v_th: float
    quiet_below: float  # a cell whose reachable voltage stays at or below this is not stepped
    decay_v: float  # exp(-dt / t_mbr)
    decay_g: float  # exp(-dt / tau)
    g_to_v: float  # K(dt): voltage gained over one step per volt of g
    dt_over_t_mbr: float
    dt_over_tau: float
    dt_delta: float  # dt (t_mbr - tau) / (tau t_mbr), for K over n steps
    g_peak: float  # max over s of K(s)
    w_syn: float  # volts per synapse
    w_poi: float  # volts per Poisson event
    t_mbr: float
    g_gap: float  # 1/s per unit of gap-junction weight
    delay_steps: int


class EngineState(NamedTuple):
    """Everything that changes during a run, one entry per cell unless noted."""

    v: np.ndarray  # float64, volts
    g: np.ndarray  # float64, volts
    i_ext: np.ndarray  # float64, volts: injected current as R x I
    last_update: np.ndarray  # int64: (v, g) hold the state after this step
    last_spike: np.ndarray  # int64: step of the cell's last spike
    refractory_steps: np.ndarray  # int64
    status: np.ndarray  # uint8: NORMAL, SILENCED, ABLATED
    pinned: np.ndarray  # uint8: stepped every step whatever its voltage
    in_active: np.ndarray  # uint8: 1 while in the active list
    active: np.ndarray  # int32: the active list (first counters[1] entries)
    gap_forcing: np.ndarray  # float64 scratch: t_mbr x gap current, volts
    spiking: np.ndarray  # int32 scratch: cells spiking in the current step
    queue: np.ndarray  # int32 (delay + 1, N): spiking cells per ring-buffer slot
    queue_len: np.ndarray  # int64 (delay + 1)
    counters: np.ndarray  # int64 (2): [steps done, active list length]
    partition: np.ndarray  # int64 (T + 1): cell spans delivered by T threads at once
    partition_counts: np.ndarray  # int64 (T) scratch: cells activated per span
    activated: np.ndarray  # int32 (N) scratch: cells activated, at their span's start
    parallel_min_events: int  # synaptic events in a step from which delivery uses the threads


class PoissonDrive(NamedTuple):
    """Independent Bernoulli(p) event trains, one per (stimulus, cell) entry."""

    cell: np.ndarray  # int32 (M)
    probability: np.ndarray  # float64 (M): events per step
    key: np.ndarray  # uint64 (M): random stream of the entry


class ChunkRecord(NamedTuple):
    """Output buffers of one chunk."""

    spike_step: np.ndarray  # int64 (capacity)
    spike_cell: np.ndarray  # int32 (capacity)
    probe_cells: np.ndarray  # int32 (P)
    probe_v: np.ndarray  # float64 (steps, P): v after each step, volts
    n_spikes: np.ndarray  # int64 (1)


@njit(cache=True, inline="always")
def mix64(x):
    """The splitmix64 finaliser: a bijective scramble of a uint64."""
    x = (x ^ (x >> np.uint64(30))) * _MIX_1
    x = (x ^ (x >> np.uint64(27))) * _MIX_2
    return x ^ (x >> np.uint64(31))


@njit(cache=True, inline="always")
def uniform(key, step):
    """A uniform number in [0, 1) for random stream ``key`` at ``step``."""
    x = mix64(key + np.uint64(step) * _GOLDEN)
    return np.float64(x >> np.uint64(11)) * _TO_UNIT


@njit(cache=True, inline="always")
def _quiet_state(k, table, v, g, n):
    """(v, g) after ``n`` state updates without input, forcing or threshold (closed form)."""
    if n < table.shape[0]:
        a_n, k_n, b_n = table[n, 0], table[n, 1], table[n, 2]
    else:
        a_n = math.exp(-n * k.dt_over_t_mbr)
        x = n * k.dt_delta
        k_n = a_n * (n * k.dt_over_t_mbr) * (-math.expm1(-x) / x if x != 0.0 else 1.0)
        b_n = math.exp(-n * k.dt_over_tau)
    return k.v_0 + (v - k.v_0) * a_n + g * k_n, g * b_n


@njit(cache=True, inline="always")
def _may_fire(k, v, g):
    """True when a cell left alone might still cross threshold (a safe upper bound)."""
    return k.v_0 + max(v - k.v_0, 0.0) + max(g, 0.0) * k.g_peak > k.quiet_below


@njit(cache=True)
def _gap_forcing(net, k, st):
    """``t_mbr x`` gap current of every active cell, from the voltages at the start of the step."""
    gap_indptr, partners, weight = net.gap_indptr, net.gap_partners, net.gap_weight
    v, status, active, forcing = st.v, st.status, st.active, st.gap_forcing
    scale = k.t_mbr * k.g_gap
    for a in range(st.counters[1]):
        cell = active[a]
        total = 0.0
        for e in range(gap_indptr[cell], gap_indptr[cell + 1]):
            partner = partners[e]
            if status[partner] != ABLATED:
                total += weight[e] * (v[partner] - v[cell])
        forcing[cell] = scale * total


@njit(cache=True)
def _update_and_threshold(k, st, step):
    """State update and threshold of the active list; drops cells that can no longer fire.

    Returns the number of cells spiking, listed in ``st.spiking``.
    """
    v, g, i_ext, forcing = st.v, st.g, st.i_ext, st.gap_forcing
    last_update, last_spike, refractory_steps = st.last_update, st.last_spike, st.refractory_steps
    status, pinned, in_active, active, spiking = st.status, st.pinned, st.in_active, st.active, st.spiking
    kept = 0
    n_spiking = 0
    for a in range(st.counters[1]):
        cell = active[a]
        if status[cell] != NORMAL:
            in_active[cell] = 0
            continue
        fired = False
        since_spike = step - last_spike[cell]
        if since_spike >= refractory_steps[cell]:
            drive = i_ext[cell] + forcing[cell]
            u = v[cell] - k.v_0
            v_new = k.v_0 + drive + (u - drive) * k.decay_v + g[cell] * k.g_to_v
            v[cell] = v_new
            g[cell] *= k.decay_g
            if v_new > k.v_th:
                spiking[n_spiking] = cell
                n_spiking += 1
                fired = True
        last_update[cell] = step
        if fired or pinned[cell] or since_spike < refractory_steps[cell] or _may_fire(k, v[cell], g[cell]):
            active[kept] = cell
            kept += 1
        else:
            in_active[cell] = 0
    st.counters[1] = kept
    return n_spiking


@njit(cache=True, inline="always")
def _first_at_least(targets, start, stop, cell):
    """The first position in the sorted ``targets[start:stop]`` holding ``cell`` or more."""
    while start < stop:
        middle = (start + stop) >> 1
        if targets[middle] < cell:
            start = middle + 1
        else:
            stop = middle
    return start


@njit(cache=True)
def _deliver_span(net, k, table, st, step, low, high, activated, offset):
    """Deliver the spikes of this step's ring-buffer slot to the targets in ``[low, high)``.

    A target that is not stepped first catches up over the steps it skipped; if the input may
    bring it to threshold it is marked active and written to ``activated[offset + i]``.
    Returns how many were. Touches only cells in ``[low, high)``, so disjoint spans can run in
    parallel; each cell sees its inputs in queue order whatever the span.
    """
    indptr, targets, signed_count = net.indptr, net.targets, net.signed_count
    v, g, last_update, last_spike, refractory_steps = st.v, st.g, st.last_update, st.last_spike, st.refractory_steps
    status, in_active = st.status, st.in_active
    whole = low == 0 and high == v.shape[0]
    slot = step % st.queue.shape[0]
    sources = st.queue[slot]
    count = 0
    for q in range(st.queue_len[slot]):
        source = sources[q]
        if status[source] != NORMAL:
            continue
        first, stop = indptr[source], indptr[source + 1]
        if not whole:
            first = _first_at_least(targets, first, stop, low)
            stop = _first_at_least(targets, first, stop, high)
        for e in range(first, stop):
            cell = targets[e]
            if status[cell] != NORMAL:
                continue
            jump = np.float64(signed_count[e]) * k.w_syn
            if in_active[cell]:
                if step - last_spike[cell] >= refractory_steps[cell]:
                    g[cell] += jump
                continue
            n = step - last_update[cell]
            if n > 0:
                v[cell], g[cell] = _quiet_state(k, table, v[cell], g[cell], n)
                last_update[cell] = step
            g[cell] += jump
            if _may_fire(k, v[cell], g[cell]):
                in_active[cell] = 1
                activated[offset + count] = cell
                count += 1
    return count


# Not cached (nor is anything that calls it): numba's cache of a parallel function is not safe
# when two processes compile at once (numba#10128), nor is a cached function that calls one
# (numba#4807, #8578); other projects removed the cache from these for the same reason. See
# "Caching" in the module docstring.
@njit(parallel=True)
def _deliver_parallel(net, k, table, st, step):
    """:func:`_deliver_span` over the spans of ``st.partition``, one thread each."""
    bounds, counts = st.partition, st.partition_counts
    for t in prange(bounds.shape[0] - 1):
        counts[t] = _deliver_span(net, k, table, st, step, bounds[t], bounds[t + 1], st.activated, bounds[t])
    for t in range(bounds.shape[0] - 1):
        for i in range(counts[t]):
            st.active[st.counters[1]] = st.activated[bounds[t] + i]
            st.counters[1] += 1


@njit(cache=True)
def _deliver_serial(net, k, table, st, step):
    """Spikes of step ``step - delay`` reach their targets' ``g``, on the calling thread."""
    n_active = st.counters[1]
    st.counters[1] += _deliver_span(net, k, table, st, step, 0, st.v.shape[0], st.active, n_active)
    st.queue_len[step % st.queue.shape[0]] = 0


@njit
def _deliver_threaded(net, k, table, st, step):
    """Like :func:`_deliver_serial`, on several threads when ``st.partition`` has more than one
    span and there are ``st.parallel_min_events`` synaptic events or more."""
    slot = step % st.queue.shape[0]
    n_events = 0
    for q in range(st.queue_len[slot]):
        source = st.queue[slot, q]
        n_events += net.indptr[source + 1] - net.indptr[source]
    if st.partition.shape[0] > 2 and n_events >= st.parallel_min_events:
        _deliver_parallel(net, k, table, st, step)
        st.queue_len[slot] = 0
    else:
        _deliver_serial(net, k, table, st, step)


@njit(cache=True)
def _poisson_events(k, st, drive, step):
    v, status = st.v, st.status
    for m in range(drive.cell.shape[0]):
        cell = drive.cell[m]
        if status[cell] == NORMAL and uniform(drive.key[m], step) < drive.probability[m]:
            v[cell] += k.w_poi


@njit(cache=True)
def _begin_step(net, k, st, step):
    """Steps 1 and 2 of a step, and this step's spikes into the ring buffer; returns how many."""
    if net.gap_partners.shape[0] > 0:
        _gap_forcing(net, k, st)
    n_spiking = _update_and_threshold(k, st, step)
    # A canonical spike order makes every later sum run in the same order, however the
    # active list happens to be ordered, so serial and parallel delivery agree to the bit.
    st.spiking[:n_spiking].sort()
    push = (step + k.delay_steps) % st.queue.shape[0]
    for q in range(n_spiking):
        st.queue[push, st.queue_len[push] + q] = st.spiking[q]
    st.queue_len[push] += n_spiking
    return n_spiking


@njit(cache=True)
def _end_step(k, table, st, drive, rec, s, step, n_spiking):
    """Poisson events, resets, the record of spikes and probes; then the step is done."""
    _poisson_events(k, st, drive, step)
    for q in range(n_spiking):
        cell = st.spiking[q]
        st.v[cell] = k.v_rst
        st.g[cell] = 0.0
        st.last_spike[cell] = step
        rec.spike_step[rec.n_spikes[0]] = step
        rec.spike_cell[rec.n_spikes[0]] = cell
        rec.n_spikes[0] += 1
    for p in range(rec.probe_cells.shape[0]):
        rec.probe_v[s, p] = _voltage_now(k, table, st, rec.probe_cells[p], step)
    st.counters[0] = step + 1


@njit(cache=True, nogil=True)
def run_steps(net, k, table, st, drive, rec, n_steps):
    """Run up to ``n_steps`` steps on the calling thread; returns how many ran.

    ``table`` is :func:`brainview.sim.models.quiet_table` for this model and ``dt``. Stops
    early, before a step, when the spike buffer could overflow in it (a step cannot produce
    more spikes than there are active cells); the caller empties the buffer and calls again.
    """
    capacity = rec.spike_step.shape[0]
    for s in range(n_steps):
        if capacity - rec.n_spikes[0] < st.counters[1]:
            return s
        step = st.counters[0]
        n_spiking = _begin_step(net, k, st, step)
        _deliver_serial(net, k, table, st, step)
        _end_step(k, table, st, drive, rec, s, step, n_spiking)
    return n_steps


@njit(nogil=True)
def run_steps_threaded(net, k, table, st, drive, rec, n_steps):
    """:func:`run_steps` with the delivery of busy steps shared by the threads of ``st.partition``.

    Compiled in each process at first use, never cached (see "Caching" above); the results are
    the same to the bit as :func:`run_steps`. The loop repeats :func:`run_steps`' few lines
    rather than taking the delivery as an argument: a function argument would make the cached
    kernel depend on the uncached parallel one, which is what must not happen.
    """
    capacity = rec.spike_step.shape[0]
    for s in range(n_steps):
        if capacity - rec.n_spikes[0] < st.counters[1]:
            return s
        step = st.counters[0]
        n_spiking = _begin_step(net, k, st, step)
        _deliver_threaded(net, k, table, st, step)
        _end_step(k, table, st, drive, rec, s, step, n_spiking)
    return n_steps


@njit(cache=True, inline="always")
def _voltage_now(k, table, st, cell, step):
    """``v`` of ``cell`` after step ``step``, without disturbing the cell's state."""
    if st.in_active[cell] or st.status[cell] != NORMAL or st.last_update[cell] >= step:
        return st.v[cell]
    v, _ = _quiet_state(k, table, st.v[cell], st.g[cell], step - st.last_update[cell])
    return v


@njit(cache=True)
def voltages_now(k, table, st, cells, out):
    """``out[i]`` = ``v`` of ``cells[i]`` after the last step done, in volts."""
    step = st.counters[0] - 1
    for i in range(cells.shape[0]):
        out[i] = _voltage_now(k, table, st, cells[i], step)


@njit(cache=True)
def bring_up_to_date(k, table, st, cells):
    """Advance ``cells`` (which are not stepped) to the state after the last step done."""
    step = st.counters[0] - 1
    v, g, last_update = st.v, st.g, st.last_update
    for i in range(cells.shape[0]):
        cell = cells[i]
        n = step - last_update[cell]
        if n > 0:
            v[cell], g[cell] = _quiet_state(k, table, v[cell], g[cell], n)
            last_update[cell] = step
