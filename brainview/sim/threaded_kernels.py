"""The engine's kernels for several threads: a busy step shared by them, and the loop that uses it.

Nothing here is cached on disk (see "Caching" in :mod:`brainview.sim.kernels`): numba's cache of
a ``parallel=True`` function is not safe when two processes compile at once (numba#10128), nor
is a cached function that calls one (numba#4807, #8578). These are compiled once per process,
and only by simulations that ask for more than one thread; every function they call is the
cached one of :mod:`brainview.sim.kernels`, so the arithmetic is the same code.
"""

from __future__ import annotations

from numba import njit, prange

from brainview.sim.kernels import (
    NORMAL,
    SLEEPING,
    STEPPED,
    _busy_blocks,
    _busy_step,
    _deliver_listed,
    _events_due,
    _gap_forcing,
    _gather_share,
    _is_busy,
    _plasticity_step,
    _poisson_events,
    _prefetch_rows,
    _put_to_sleep,
    _sort_cells,
    _update_and_threshold,
    _voltage_now,
    _wake,
)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _list_sleepers(st, step, low, high):
    """Mark the stepped cells of ``[low, high)`` that are refractory at ``step`` SLEEPING, as
    the update would, and list them in ``st.sleepers[low:]`` for the timing wheel; returns how
    many. (The update then has none to put to sleep, so spans of cells can update at once.)"""
    cells, in_active, sleepers = st.cells, st.in_active, st.sleepers
    n_sleeping = 0
    for cell in range(low, high):  # without branches: stepped or not goes either way at random
        state = cells[cell]
        was = in_active[cell]
        sleeps = (was == STEPPED) & (state.status == NORMAL) & (step - state.last_spike < state.refractory_steps)
        in_active[cell] = SLEEPING if sleeps else was
        sleepers[low + n_sleeping] = cell
        n_sleeping += sleeps
    return n_sleeping


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _split_spikes(net, st, slot, shares):
    """Cut ring-buffer ``slot``'s spikes into ``shares.shape[0] - 1`` runs of about equal
    numbers of synaptic events: run ``t`` is ``shares[t]:shares[t + 1]``."""
    n_runs = shares.shape[0] - 1
    total = _events_due(net, st, slot)
    shares[0] = 0
    run = 1
    events = 0
    for q in range(st.queue_len[slot]):
        source = st.queue[slot, q]
        events += net.indptr[source + 1] - net.indptr[source]
        while run < n_runs and events * n_runs >= total * run:
            shares[run] = q + 1
            run += 1
    for t in range(run, n_runs + 1):
        shares[t] = st.queue_len[slot]


_ONLY_PRANGE = {
    "prange": True, "fusion": False, "comprehension": False, "reduction": False, "inplace_binop": False,
    "setitem": False, "numpy": False, "stencil": False,
}
"""numba's parallel options for :func:`_busy_step_parallel`: threads only where it says prange,
and no fusion of its two prange loops: the second reads what every thread of the first wrote,
which numba cannot see through the calls, so they must stay two loops with a barrier between."""


@njit(parallel=_ONLY_PRANGE, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _busy_step_parallel(net, k, table, st, step):
    """:func:`~brainview.sim.kernels._busy_step` on the threads of ``st.partition``, one span of cells each.

    Each thread sums a run of the spikes of about equal events (:func:`_split_spikes`) into
    its own row of ``st.input_parts``, then adds the rows' sums for its own cells into
    ``st.input_sum`` and goes through its span's blocks. The sums are
    of whole synapse counts, exact in any order, so the result is the same to the bit as on
    one thread. The lists the spans made are then joined in span order (the spiking cells stay
    in row order), and the cells going to sleep are put in the shared timing wheel: each
    thread first marks and lists its span's (:func:`_list_sleepers`), so that no update in the
    threads touches the wheel.
    """
    # Arrays the loops write are taken out of ``st`` first: an element of an array reached
    # through a tuple's field, written in the body of a prange loop, did not reach memory
    # (numba 0.68.1: tests/sim/test_sim_kernels.py caught it).
    bounds, counts, parts, input_sum = st.partition, st.partition_counts, st.input_parts, st.input_sum
    shares, next_shares = st.spike_shares[0], st.spike_shares[1]
    n_spans = bounds.shape[0] - 1
    slot = step % st.queue.shape[0]
    next_slot = (step + 1) % st.queue.shape[0]
    _split_spikes(net, st, slot, shares)
    _split_spikes(net, st, next_slot, next_shares)
    for t in prange(n_spans):
        _gather_share(net, st, slot, shares[t], shares[t + 1], parts[t])
    for t in prange(n_spans):
        low, high = bounds[t], bounds[t + 1]
        for j in range(n_spans):
            part = parts[j]
            for cell in range(low, high):
                input_sum[cell] += part[cell]
                part[cell] = 0
        _prefetch_rows(net, st, next_slot, next_shares[t], next_shares[t + 1])  # the run this thread sums next
        counts[t, 2] = _list_sleepers(st, step, low, high)
        counts[t, 0], counts[t, 1] = _busy_blocks(k, table, st, step, low, high)
    n_active, n_spiking = 0, 0
    for t in range(n_spans):
        low = bounds[t]
        for i in range(counts[t, 0]):
            st.active[n_active + i] = st.active[low + i]
        for i in range(counts[t, 1]):
            st.spiking[n_spiking + i] = st.spiking[low + i]
        for i in range(counts[t, 2]):
            _put_to_sleep(st, st.sleepers[low + i])
        n_active += counts[t, 0]
        n_spiking += counts[t, 1]
    st.counters[1] = n_active
    st.queue_len[slot] = 0
    return n_spiking


@njit(nogil=True, no_cfunc_wrapper=True)
def run_steps_threaded(net, k, table, st, drive, rec, pl, n_steps):
    """:func:`~brainview.sim.kernels.run_busy_steps` with its busy steps shared by the threads
    of ``st.partition`` (:func:`_busy_step_parallel`); the other steps run on the calling
    thread. The results are the same to the bit. (The step is written out, as there.)
    """
    capacity = rec.spike_step.shape[0]
    for s in range(n_steps):
        if capacity - rec.n_spikes[0] < st.counters[1] + st.counters[2]:
            return s
        step = st.counters[0]
        _wake(st, step)
        if net.gap_partners.shape[0] > 0:
            _gap_forcing(net, k, st)
        busy = _is_busy(net, k, st, pl, step)
        if busy and st.partition.shape[0] > 2:
            n_spiking = _busy_step_parallel(net, k, table, st, step)
        else:
            n_spiking = _busy_step(net, k, table, st, step) if busy else _update_and_threshold(k, st, step)
        st.counters[3] += busy
        _sort_cells(st.spiking, n_spiking)
        _plasticity_step(pl, st.spiking, n_spiking, step)
        push = (step + k.delay_steps) % st.queue.shape[0]
        for q in range(n_spiking):
            st.queue[push, st.queue_len[push] + q] = st.spiking[q]
        st.queue_len[push] += n_spiking
        if not busy:
            _deliver_listed(net, k, table, st, step)
        _poisson_events(k, st, drive, step)
        for q in range(n_spiking):  # resets, and the record
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
    return n_steps
