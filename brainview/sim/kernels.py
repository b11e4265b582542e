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
   ``i - delay`` reach their targets: each target's ``g`` grows by ``w_syn`` times the sum of
   the signed synapse counts arriving (``count x sign`` per connection); Poisson events add
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

Exactness. Synapse counts are whole numbers, so the sum arriving at a cell in a step is exact
(in float32 when every such sum stays under 2**24, see :func:`brainview.sim.network.input_sum_dtype`)
and the same in any order: the spikes do not depend on the order of the active list, on how
cells are numbered, or on how many threads deliver. With fractional weights (a weighted
matrix) the sums run in the order of the sorted spiking cells, the same for every thread count.

A busy brain is a different workload from a quiet one, and each step picks its way:

* the update runs over the active list; once it holds ``1 / dense_fraction`` of the cells the
  list is first rebuilt in row order, so each cell's state is read front to back. The loop has
  no data-dependent branches (selects and counted appends), which an irregular step would
  mispredict. The state a step reads of every cell (``v``, ``g``, ``last_spike``,
  ``refractory_steps`` and the flags) shares one 32-byte record, one cache line per cell;
* the delivery first adds each connection's signed count to its target's ``input_sum`` (one
  random read-modify-write of a small array per synaptic event; with :attr:`Network.packed`
  the target and count are read as one 4-byte word), listing the targets as they are first
  reached; once the events reach ``1 / dense_fraction`` of the cells, the targets are found
  by a scan of ``input_sum`` instead. Stepped targets then get their input without a branch,
  and the others catch up in a second pass.

A step with many synaptic events can deliver them on several threads (:func:`run_steps_threaded`):
each thread owns a span of target cells (``EngineState.partition``), so no two threads touch the
same cell, and each cell still receives its inputs in queue order.

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
Functions only ever called from other kernels are built without numba's Python and C entry
points (``no_cpython_wrapper``, ``no_cfunc_wrapper``), and spiking cells are put in order by a
small heap sort rather than ``ndarray.sort``: together that halves the first run's compilation.
Every compiled function lives in this one file because numba's cache checks only the source
file of the function it loads: a cached caller would not notice a changed callee elsewhere.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from brainview.sim.state import (  # noqa: F401  (re-exported: the kernels' vocabulary)
    ABLATED,
    CELL_RECORD,
    DENSE_FRACTION,
    NEVER,
    NORMAL,
    SILENCED,
    ChunkRecord,
    EngineState,
    ModelConstants,
    Network,
    PoissonDrive,
)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True, inline="always", no_cfunc_wrapper=True)
def mix64(x):
    """The splitmix64 finaliser: a bijective scramble of a uint64."""
    x = (x ^ (x >> np.uint64(30))) * _MIX_1
    x = (x ^ (x >> np.uint64(27))) * _MIX_2
    return x ^ (x >> np.uint64(31))


@njit(cache=True, inline="always", no_cfunc_wrapper=True)
def uniform(key, step):
    """A uniform number in [0, 1) for random stream ``key`` at ``step``."""
    x = mix64(key + np.uint64(step) * _GOLDEN)
    return np.float64(x >> np.uint64(11)) * _TO_UNIT


@njit(cache=True, inline="always", no_cpython_wrapper=True, no_cfunc_wrapper=True)
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


@njit(cache=True, inline="always", no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _may_fire(k, v, g):
    """True when a cell left alone might still cross threshold (a safe upper bound)."""
    return k.v_0 + max(v - k.v_0, 0.0) + max(g, 0.0) * k.g_peak > k.quiet_below


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
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


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _update_and_threshold(k, st, step):
    """State update and threshold of the active list; drops cells that can no longer fire.

    Returns the number of cells spiking, listed in ``st.spiking``. When many cells are stepped,
    the list is first rebuilt in row order from the ``in_active`` flags, so that their state is
    read front to back rather than at random. The loop body is written without data-dependent
    branches (selects and counted appends), which a busy, irregular step would mispredict.
    """
    v, g, i_ext, forcing = st.v, st.g, st.i_ext, st.gap_forcing
    last_update, last_spike, refractory_steps = st.last_update, st.last_spike, st.refractory_steps
    status, pinned, in_active, active, spiking = st.status, st.pinned, st.in_active, st.active, st.spiking
    n = v.shape[0]
    n_listed = st.counters[1]
    if n_listed * st.dense_fraction >= n:
        n_listed = 0
        for cell in range(n):
            active[n_listed] = cell
            n_listed += in_active[cell]
    kept = 0
    n_spiking = 0
    for a in range(n_listed):
        cell = active[a]
        if status[cell] != NORMAL:
            in_active[cell] = 0
            continue
        refractory = step - last_spike[cell] < refractory_steps[cell]
        is_pinned = pinned[cell] != 0
        # Only pinned cells have injected current or gap forcing; the rest read neither.
        drive = i_ext[cell] + forcing[cell] if is_pinned else 0.0
        v_old, g_old = v[cell], g[cell]
        u = v_old - k.v_0
        v_new = k.v_0 + drive + (u - drive) * k.decay_v + g_old * k.g_to_v
        g_new = g_old * k.decay_g
        v_new = v_old if refractory else v_new
        g_new = g_old if refractory else g_new
        v[cell] = v_new
        g[cell] = g_new
        fired = (not refractory) & (v_new > k.v_th)
        keep = fired | is_pinned | refractory | _may_fire(k, v_new, g_new)
        spiking[n_spiking] = cell
        n_spiking += fired
        active[kept] = cell
        kept += keep
        in_active[cell] = keep
        last_update[cell] = step
    st.counters[1] = kept
    return n_spiking


@njit(cache=True, inline="always", no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _first_at_least(targets, start, stop, cell):
    """The first position in the sorted ``targets[start:stop]`` holding ``cell`` or more."""
    while start < stop:
        middle = (start + stop) >> 1
        if targets[middle] < cell:
            start = middle + 1
        else:
            stop = middle
    return start


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _events_due(net, st, slot):
    """Synaptic events of the spikes in ring-buffer ``slot`` (lesioned sources included)."""
    n_events = 0
    for q in range(st.queue_len[slot]):
        source = st.queue[slot, q]
        n_events += net.indptr[source + 1] - net.indptr[source]
    return n_events


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _gather_input(net, st, slot, low, high, listing):
    """Sum the signed synapse counts of ``slot``'s spikes onto their targets in ``[low, high)``.

    The sums go to ``st.input_sum``. With ``listing``, each target is also written once to
    ``st.receivers[low:]``; returns how many were (0 without ``listing``).
    """
    indptr, targets, signed_count, packed = net.indptr, net.targets, net.signed_count, net.packed
    input_sum, received, receivers, status = st.input_sum, st.received, st.receivers, st.status
    shift = net.target_bits
    mask = np.int32((1 << shift) - 1)
    whole = low == 0 and high == input_sum.shape[0]
    sources = st.queue[slot]
    n_listed = 0
    for q in range(st.queue_len[slot]):
        source = sources[q]
        if status[source] != NORMAL:
            continue
        first, stop = indptr[source], indptr[source + 1]
        if not whole:
            first = _first_at_least(targets, first, stop, low)
            stop = _first_at_least(targets, first, stop, high)
        if packed.shape[0] and whole and not listing:  # half the bytes read per event
            for e in range(first, stop):
                event = packed[e]
                input_sum[np.uint32(event & mask)] += event >> shift
        elif listing:
            for e in range(first, stop):
                cell = targets[e]
                input_sum[cell] += signed_count[e]
                if not received[cell]:
                    received[cell] = 1
                    receivers[low + n_listed] = cell
                    n_listed += 1
        else:
            for e in range(first, stop):
                input_sum[targets[e]] += signed_count[e]
    return n_listed


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _deliver_span(net, k, table, st, step, low, high, dense, out, offset):
    """Deliver the spikes of this step's ring-buffer slot to the targets in ``[low, high)``.

    First every event adds its signed synapse count to its target's ``input_sum``; then each
    target gets ``w_syn`` times its sum at once. A target that is not stepped first catches up
    over the steps it skipped, and is marked active if the input may bring it to threshold;
    input to a refractory or lesioned cell is lost. The cells that become active are written to
    ``out[offset:]``; returns how many did. With ``dense`` the targets are found by scanning
    ``[low, high)`` after the events arrive instead of being listed as they do. Touches only cells in
    ``[low, high)``, so disjoint spans can run in parallel.
    """
    v, g, last_update, last_spike, refractory_steps = st.v, st.g, st.last_update, st.last_spike, st.refractory_steps
    status, in_active, input_sum, received, receivers = st.status, st.in_active, st.input_sum, st.received, st.receivers
    slot = step % st.queue.shape[0]
    n_listed = _gather_input(net, st, slot, low, high, not dense)
    if dense:  # list the targets in row order, without a branch per cell
        for cell in range(low, high):
            receivers[low + n_listed] = cell
            n_listed += input_sum[cell] != 0
    # Stepped targets first, without branches; the others are set aside for a second pass,
    # so that neither loop takes a branch that goes one way or the other at random.
    n_quiet = 0
    for i in range(n_listed):
        cell = receivers[low + i]
        received[cell] = 0
        total = input_sum[cell]
        input_sum[cell] = 0
        if status[cell] != NORMAL:
            continue
        stepped = in_active[cell] != 0
        receptive = stepped & (step - last_spike[cell] >= refractory_steps[cell])
        g[cell] = g[cell] + np.float64(total) * k.w_syn if receptive else g[cell]
        receivers[low + n_quiet] = cell
        input_sum[cell] = 0 if stepped else total
        n_quiet += not stepped
    count = 0
    for i in range(n_quiet):
        cell = receivers[low + i]
        total = input_sum[cell]
        input_sum[cell] = 0
        n = step - last_update[cell]
        if n > 0:
            v[cell], g[cell] = _quiet_state(k, table, v[cell], g[cell], n)
            last_update[cell] = step
        g[cell] += np.float64(total) * k.w_syn
        if _may_fire(k, v[cell], g[cell]):
            in_active[cell] = 1
            out[offset + count] = cell
            count += 1
    return count


# Not cached (nor is anything that calls it): numba's cache of a parallel function is not safe
# when two processes compile at once (numba#10128), nor is a cached function that calls one
# (numba#4807, #8578); other projects removed the cache from these for the same reason. See
# "Caching" in the module docstring.
@njit(parallel=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _deliver_parallel(net, k, table, st, step, dense):
    """:func:`_deliver_span` over the spans of ``st.partition``, one thread each."""
    bounds, counts = st.partition, st.partition_counts
    for t in prange(bounds.shape[0] - 1):
        counts[t] = _deliver_span(net, k, table, st, step, bounds[t], bounds[t + 1], dense, st.receivers, bounds[t])
    for t in range(bounds.shape[0] - 1):
        for i in range(counts[t]):
            st.active[st.counters[1]] = st.receivers[bounds[t] + i]
            st.counters[1] += 1


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _deliver_serial(net, k, table, st, step):
    """Spikes of step ``step - delay`` reach their targets' ``g``, on the calling thread."""
    slot = step % st.queue.shape[0]
    dense = _events_due(net, st, slot) * st.dense_fraction >= st.v.shape[0]
    n_active = st.counters[1]
    st.counters[1] += _deliver_span(net, k, table, st, step, 0, st.v.shape[0], dense, st.active, n_active)
    st.queue_len[slot] = 0


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _deliver_threaded(net, k, table, st, step):
    """Like :func:`_deliver_serial`, on several threads when ``st.partition`` has more than one
    span and there are ``st.parallel_min_events`` synaptic events or more."""
    slot = step % st.queue.shape[0]
    n_events = _events_due(net, st, slot)
    if st.partition.shape[0] > 2 and n_events >= st.parallel_min_events:
        _deliver_parallel(net, k, table, st, step, n_events * st.dense_fraction >= st.v.shape[0])
        st.queue_len[slot] = 0
    else:
        _deliver_serial(net, k, table, st, step)


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _poisson_events(k, st, drive, step):
    v, status = st.v, st.status
    for m in range(drive.cell.shape[0]):
        cell = drive.cell[m]
        if status[cell] == NORMAL and uniform(drive.key[m], step) < drive.probability[m]:
            v[cell] += k.w_poi


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _sift_down(values, root, end):
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and values[child + 1] > values[child]:
            child += 1
        if values[root] >= values[child]:
            return
        values[root], values[child] = values[child], values[root]
        root = child


# numba's own ndarray.sort costs about a second of compilation on a first run; this one, 0.07 s.
@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _heap_sort(values, count):
    """Sort ``values[:count]`` in place, ascending (O(n log n) in the worst case)."""
    for root in range(count // 2 - 1, -1, -1):
        _sift_down(values, root, count)
    for end in range(count - 1, 0, -1):
        values[0], values[end] = values[end], values[0]
        _sift_down(values, 0, end)


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _begin_step(net, k, st, step):
    """Steps 1 and 2 of a step, and this step's spikes into the ring buffer; returns how many."""
    if net.gap_partners.shape[0] > 0:
        _gap_forcing(net, k, st)
    n_spiking = _update_and_threshold(k, st, step)
    # A canonical spike order makes every later sum run in the same order, however the
    # active list happens to be ordered, so serial and parallel delivery agree to the bit.
    _heap_sort(st.spiking, n_spiking)
    push = (step + k.delay_steps) % st.queue.shape[0]
    for q in range(n_spiking):
        st.queue[push, st.queue_len[push] + q] = st.spiking[q]
    st.queue_len[push] += n_spiking
    return n_spiking


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
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


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
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


@njit(nogil=True, no_cfunc_wrapper=True)
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


@njit(cache=True, inline="always", no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _voltage_now(k, table, st, cell, step):
    """``v`` of ``cell`` after step ``step``, without disturbing the cell's state."""
    if st.in_active[cell] or st.status[cell] != NORMAL or st.last_update[cell] >= step:
        return st.v[cell]
    v, _ = _quiet_state(k, table, st.v[cell], st.g[cell], step - st.last_update[cell])
    return v


@njit(cache=True, no_cfunc_wrapper=True)
def voltages_now(k, table, st, cells, out):
    """``out[i]`` = ``v`` of ``cells[i]`` after the last step done, in volts."""
    step = st.counters[0] - 1
    for i in range(cells.shape[0]):
        out[i] = _voltage_now(k, table, st, cells[i], step)


@njit(cache=True, no_cfunc_wrapper=True)
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
