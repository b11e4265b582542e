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
cells are numbered, or on how many threads share a step. With fractional weights (a weighted
matrix) the sums run in the order of the sorted spiking cells, and such a network runs on one
thread (:func:`brainview.sim.network.partition`).

A busy brain is a different workload from a quiet one, and each step picks its way:

* a step with few active cells or few synaptic events runs from lists: the update over the
  active list (rebuilt in row order from the flags once it holds ``1 / dense_fraction`` of the
  cells), then the delivery, which adds each connection's signed count to its target's
  ``input_sum`` (one random read-modify-write of a small array per synaptic event; with
  :attr:`Network.packed` the target and count are read as one 4-byte word), listing the
  targets as they are first reached (or, with many events, finding them by a scan), and gives
  each target its input;
* a *busy* step, in which both the active cells and the synaptic events reach
  ``1 / dense_fraction`` of the cells (:func:`_busy_step`, in :func:`run_busy_steps`, which a
  run switches to at its first busy step), first sums all its events, then
  goes through the cells block by block (:data:`BUSY_BLOCK`): a block's stepped cells are
  updated and get their input in one pass, then its other targets catch up, while the block's
  state is still in the cache. The events of a step come from spikes ``delay`` steps old, so
  summing them first changes nothing; each cell still gets its input after its update.

The loop bodies have no data-dependent branches (selects and counted appends), which an
irregular step would mispredict. The state a step reads of every cell (``v``, ``g``,
``last_spike``, ``refractory_steps`` and the flags) shares one 32-byte record
(:data:`CELL_RECORD`, ``EngineState.cells``); the hot loops read it through the record, so
every field sits at a fixed offset from one address.

A busy step can be shared by several threads (:mod:`brainview.sim.threaded_kernels`): each
sums a run of the spikes into its own array, then owns a span of cells
(``EngineState.partition``) for the update and the input, so no two threads touch the same
cell. Whether a run uses them is timed as it goes (:mod:`brainview.sim.threads`).

Caching: every serial kernel is compiled once and cached on disk (``cache=True``); numba writes
each cache entry to a temporary file and renames it into place, and a serial function's entry
holds the machine code of everything it calls, so processes compiling at the same moment (two
``brainview simulate`` runs, parallel test jobs, a notebook) can only overwrite an entry with an
equivalent one. A ``parallel=True`` function is different: its cached code refers to a separately
cached thread-pool wrapper by a name that depends on the order the process compiled things in,
so two processes can leave a pair of entries that do not match, and every later run segfaults
(numba#10128; a cached caller of a parallel function has the same hazard, numba#4807, #8578).
So the parallel busy step and the threaded step loop that calls it are never cached: they live
in :mod:`brainview.sim.threaded_kernels`, compiled once per process, and only by runs that ask
for more than one thread.
tests/sim/test_sim_kernel_cache.py compiles the cache from two processes at once and runs from it.
Functions only ever called from other kernels are built without numba's Python and C entry
points (``no_cpython_wrapper``, ``no_cfunc_wrapper``), and spiking cells are put in order by a
small Shell sort rather than ``ndarray.sort``: together that halves the first run's compilation.
Every compiled function lives in this one file because numba's cache checks only the source
file of the function it loads: a cached caller would not notice a changed callee elsewhere.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from brainview.sim.state import (  # noqa: F401  (re-exported: the kernels' vocabulary)
    ABLATED,
    CELL_RECORD,
    SLEEPING,
    STEPPED,
    DENSE_FRACTION,
    NEVER,
    NORMAL,
    SILENCED,
    ChunkRecord,
    EngineState,
    ModelConstants,
    Network,
    Plasticity,
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


@njit(cache=True, inline="always", no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _receive_quiet(k, table, state, last_update, cell, step, total):
    """A cell left alone (``state``, its record) gets ``total`` synapse counts at ``step``: it
    first catches up over the steps it skipped. Returns whether it may fire now."""
    n = step - last_update[cell]
    v_old, g_old = state.v, state.g
    v_new, g_new = _quiet_state(k, table, v_old, g_old, n)  # the table's row n, but for long gaps
    caught_up = n > 0  # selects rather than a branch: either way at random in a busy brain
    v_new = v_new if caught_up else v_old
    g_new = (g_new if caught_up else g_old) + np.float64(total) * k.w_syn
    state.v = v_new
    state.g = g_new
    last_update[cell] = step
    return _may_fire(k, v_new, g_new)


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
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


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _update_and_threshold(k, st, step):
    """State update and threshold of the active list; drops cells that can no longer fire.

    Returns the number of cells spiking, listed in ``st.spiking``. When many cells are stepped,
    the list is first rebuilt in row order from the ``in_active`` flags, so that their state is
    read front to back rather than at random.
    """
    n = st.v.shape[0]
    n_listed = st.counters[1]
    if n_listed * st.dense_fraction >= n:
        n_listed = _list_stepped(st, 0, n, 0)
    kept, n_spiking = _update_listed(k, st, step, 0, n_listed, 0, False)
    st.counters[1] = kept
    return n_spiking


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _list_stepped(st, low, high, at):
    """Write the stepped cells of ``[low, high)`` to ``st.active[at:]`` in row order; returns how many."""
    active, in_active = st.active, st.in_active
    n_listed = 0
    for cell in range(low, high):
        active[np.uint64(at + n_listed)] = cell
        n_listed += in_active[np.uint64(cell)] == STEPPED
    return n_listed


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _update_listed(k, st, step, first, n_listed, n_spiking, with_input):
    """Update and threshold the cells of ``st.active[first:first + n_listed]``.

    The cells that stay stepped are moved up to ``st.active[first:]``, the spiking ones appended
    to ``st.spiking[n_spiking:]``; returns (cells kept, spiking cells now listed). With
    ``with_input`` each cell then also gets its ``input_sum`` (cleared), as
    :func:`_apply_input` would give it. The loop body is written without data-dependent branches
    (selects and counted appends), which a busy, irregular step would mispredict.
    """
    cells, i_ext, forcing, input_sum, last_update = st.cells, st.i_ext, st.gap_forcing, st.input_sum, st.last_update
    in_active, active, spiking = st.in_active, st.active, st.spiking
    wheel, next_sleeper = st.wheel, st.next_sleeper
    kept = first
    for a in range(first, first + n_listed):
        cell = np.uint32(active[np.uint64(a)])  # unsigned: no negative-index wraparound per access
        total = input_sum[cell] if with_input else 0
        if with_input:
            input_sum[cell] = 0
        state = cells[cell]  # one record: its fields at fixed offsets from one address
        if state.status != NORMAL:
            in_active[cell] = 0
            continue
        g_old = state.g
        refractory = step - state.last_spike < state.refractory_steps
        is_pinned = state.pinned != 0
        # Only pinned cells have injected current or gap forcing; the rest read neither.
        drive = i_ext[cell] + forcing[cell] if is_pinned else 0.0
        v_old = state.v
        u = v_old - k.v_0
        v_new = k.v_0 + drive + (u - drive) * k.decay_v + g_old * k.g_to_v
        g_new = g_old * k.decay_g
        v_new = v_old if refractory else v_new
        g_new = g_old if refractory else g_new
        state.v = v_new
        state.g = g_new
        fired = (not refractory) & (v_new > k.v_th)
        keep = fired | is_pinned | refractory | _may_fire(k, v_new, g_new)
        spiking[np.uint64(n_spiking)] = cell
        n_spiking += fired
        if refractory:  # asleep until it can integrate again, see _wake
            slot = (state.last_spike + state.refractory_steps) % wheel.shape[0]
            next_sleeper[cell] = wheel[slot]
            wheel[slot] = cell
            st.counters[2] += 1
            in_active[cell] = SLEEPING
            continue
        if not keep:  # a stepped cell's last_update is read only once it has left the list
            last_update[cell] = step
        if with_input:  # as _apply_input: a stepped target, or one left alone from now (n = 0)
            g_new = g_new + np.float64(total) * k.w_syn if total != 0 else g_new
            state.g = g_new
            keep = keep | _may_fire(k, v_new, g_new)
        active[np.uint64(kept)] = cell
        kept += keep
        in_active[cell] = keep
    return kept - first, n_spiking


@njit(cache=True, inline="always", no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _put_to_sleep(st, cell):
    """Put a refractory cell (already marked SLEEPING) in the timing wheel's slot for the step
    its refractory period ends (see :func:`_wake`)."""
    state = st.cells[cell]
    slot = (state.last_spike + state.refractory_steps) % st.wheel.shape[0]
    st.next_sleeper[cell] = st.wheel[slot]
    st.wheel[slot] = cell
    st.counters[2] += 1


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _wake(st, step):
    """Cells whose refractory period ends at ``step`` rejoin the active list.

    A refractory cell changes nothing (its ``v`` and ``g`` are frozen, its input is lost), so
    rather than being visited every step of its refractory period it sleeps in the slot of a
    timing wheel for the step it can integrate again: in a busy brain about half of the
    active cells are refractory at any time. Sleeping cells keep ``in_active == SLEEPING``.
    """
    slot = step % st.wheel.shape[0]
    cell = st.wheel[slot]
    st.wheel[slot] = -1
    while cell >= 0:
        if st.in_active[cell] == SLEEPING:
            st.in_active[cell] = STEPPED
            st.active[st.counters[1]] = cell
            st.counters[1] += 1
            st.counters[2] -= 1
        cell = st.next_sleeper[cell]


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _events_due(net, st, slot):
    """Synaptic events of the spikes in ring-buffer ``slot`` (lesioned sources included)."""
    n_events = 0
    for q in range(st.queue_len[slot]):
        source = st.queue[slot, q]
        n_events += net.indptr[source + 1] - net.indptr[source]
    return n_events


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _gather_share(net, st, slot, first, stop, sums):
    """Add the signed synapse counts of spikes ``first:stop`` of ring-buffer ``slot`` to ``sums``
    (one entry per target cell); spikes of lesioned cells are dropped."""
    indptr, targets, signed_count, packed, status = net.indptr, net.targets, net.signed_count, net.packed, st.status
    shift = net.target_bits
    mask = np.int32((1 << shift) - 1)
    sources = st.queue[slot]
    for q in range(first, stop):
        source = sources[q]
        if status[source] != NORMAL:
            continue
        if packed.shape[0]:  # half the bytes read per event
            for e in range(indptr[source], indptr[source + 1]):
                event = packed[np.uint64(e)]  # unsigned indices: no negative-index wraparound
                sums[np.uint32(event & mask)] += np.float32(event >> shift)
        else:
            for e in range(indptr[source], indptr[source + 1]):
                sums[np.uint32(targets[np.uint64(e)])] += signed_count[np.uint64(e)]


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _gather_input(net, st, slot, listing):
    """Sum the signed synapse counts of ``slot``'s spikes onto their targets' ``st.input_sum``.

    With ``listing``, each target is also written once to ``st.receivers``; returns how many
    were (0 without ``listing``). (One loop over the spikes with the choice inside it, rather
    than :func:`_gather_share` for the sums alone: the two loops side by side made the listed
    steps of a quiet brain a third slower.)
    """
    indptr, targets, signed_count, packed = net.indptr, net.targets, net.signed_count, net.packed
    input_sum, received, receivers, status = st.input_sum, st.received, st.receivers, st.status
    shift = net.target_bits
    mask = np.int32((1 << shift) - 1)
    sources = st.queue[slot]
    n_listed = 0
    for q in range(st.queue_len[slot]):
        source = sources[q]
        if status[source] != NORMAL:
            continue
        first, stop = indptr[source], indptr[source + 1]
        if listing:
            for e in range(first, stop):
                cell = np.uint32(targets[np.uint64(e)])
                input_sum[cell] += signed_count[np.uint64(e)]
                if not received[cell]:
                    received[cell] = 1
                    receivers[n_listed] = cell
                    n_listed += 1
        elif packed.shape[0]:  # half the bytes read per event
            for e in range(first, stop):
                event = packed[np.uint64(e)]  # unsigned indices: no negative-index wraparound
                input_sum[np.uint32(event & mask)] += np.float32(event >> shift)
        else:
            for e in range(first, stop):
                input_sum[np.uint32(targets[np.uint64(e)])] += signed_count[np.uint64(e)]
    return n_listed


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _deliver(net, k, table, st, step, dense, out, offset):
    """Deliver the spikes of this step's ring-buffer slot to their targets.

    First every event adds its signed synapse count to its target's ``input_sum``
    (:func:`_gather_input`); then :func:`_apply_input` gives each target ``w_syn`` times its
    sum. With ``dense`` the targets are found by a scan after the events arrive instead of
    being listed as they do. The cells that become active are written to ``out[offset:]``;
    returns how many did.
    """
    n_listed = _gather_input(net, st, step % st.queue.shape[0], not dense)
    return _apply_input(k, table, st, step, 0, st.v.shape[0], dense, n_listed, out, offset)


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _apply_input(k, table, st, step, low, high, dense, n_listed, out, offset):
    """Each target in ``[low, high)`` gets ``w_syn`` times its ``input_sum``, which is cleared.

    A target that is not stepped first catches up over the steps it skipped, and is marked
    active if the input may bring it to threshold; input to a refractory or lesioned cell is
    lost. The targets are ``st.receivers[low:low + n_listed]`` (listed by :func:`_gather_input`),
    or with ``dense`` every cell of the span whose sum is not 0. The cells that become active
    are written to ``out[offset:]``; returns how many did.
    """
    cells, last_update, in_active, input_sum, receivers = st.cells, st.last_update, st.in_active, st.input_sum, st.receivers
    if dense:  # list the targets in row order, without a branch per cell
        for cell in range(low, high):
            receivers[np.uint64(low + n_listed)] = cell
            n_listed += input_sum[np.uint64(cell)] != 0
    # Stepped targets first, without branches; the others are set aside for a second pass,
    # so that neither loop takes a branch that goes one way or the other at random.
    n_quiet = 0
    for i in range(n_listed):
        cell = np.uint32(receivers[np.uint64(low + i)])
        state = cells[cell]  # one record: its fields at fixed offsets from one address
        if not dense:  # a scan lists cells without marking them
            state.received = 0
        total = input_sum[cell]
        if state.status != NORMAL:
            input_sum[cell] = 0
            continue
        stepped = in_active[cell] != 0
        receptive = stepped & (step - state.last_spike >= state.refractory_steps)
        state.g = state.g + np.float64(total) * k.w_syn if receptive else state.g
        receivers[np.uint64(low + n_quiet)] = cell
        input_sum[cell] = 0 if stepped else total  # kept for the second pass
        n_quiet += not stepped
    # Branches here rather than _receive_quiet's selects: from lists, a target left alone has
    # almost always skipped steps and almost never may fire, so they predict well (10 % faster
    # for a quiet fly-scale brain and for 5,000 driven cells than the selects).
    count = 0
    for i in range(n_quiet):
        cell = np.uint32(receivers[np.uint64(low + i)])
        total = input_sum[cell]
        input_sum[cell] = 0
        state = cells[cell]
        n = step - last_update[cell]
        if n > 0:
            state.v, state.g = _quiet_state(k, table, state.v, state.g, n)
            last_update[cell] = step
        state.g += np.float64(total) * k.w_syn
        if _may_fire(k, state.v, state.g):
            in_active[cell] = 1
            out[offset + count] = cell
            count += 1
    return count


@intrinsic
def _prefetch(typingctx, array, index):
    """Ask the CPU to start loading ``array[index]`` into its caches; no result, no wait."""

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, view, [args[1]], wraparound=False)
        byte_pointer = ir.IntType(8).as_pointer()
        int32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [byte_pointer, int32, int32, int32])
        function = builder.module.declare_intrinsic("llvm.prefetch", [byte_pointer], function_type)
        # read, keep in all cache levels, data cache
        builder.call(function, [builder.bitcast(pointer, byte_pointer), int32(0), int32(3), int32(1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _prefetch_rows(net, st, slot, first, stop):
    """Start loading the connections of spikes ``first:stop`` in ring-buffer ``slot`` from main memory.

    Called one step ahead: the loads run while this step works, and the next step's delivery
    finds its rows in the cache (a busy step's rows are about a megabyte, read at random).
    """
    indptr = net.indptr
    row_data = net.packed if net.packed.shape[0] else net.targets
    for q in range(first, stop):
        source = st.queue[slot, q]
        row_stop = indptr[source + 1]
        for e in range(indptr[source], row_stop, 16):  # one 64-byte line per 16 entries
            _prefetch(row_data, e)
        if not net.packed.shape[0]:
            for e in range(indptr[source], row_stop, 16):
                _prefetch(net.signed_count, e)


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _list_block(st, low, high, at):
    """List a block's stepped cells in ``st.active[at:]`` and its cells left alone that have
    input in ``st.receivers[low:]``, in row order and in one pass; returns how many of each.

    The second list is the same before the block's update as after it: a cell left alone is
    not updated, and one the update leaves alone has had its input (:func:`_update_listed`).
    """
    active, receivers, in_active, input_sum = st.active, st.receivers, st.in_active, st.input_sum
    n_stepped, n_quiet = 0, 0
    for cell in range(low, high):  # without a branch per cell
        flag = in_active[np.uint64(cell)]
        active[np.uint64(at + n_stepped)] = cell
        n_stepped += flag == STEPPED
        receivers[np.uint64(low + n_quiet)] = cell
        n_quiet += (input_sum[np.uint64(cell)] != 0) & (flag == 0)
    return n_stepped, n_quiet


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _quiet_targets(k, table, st, step, low, high, n_quiet, out, offset):
    """:func:`_apply_input` for the cells of ``[low, high)`` left alone with input, listed in
    ``st.receivers[low:low + n_quiet]``, once the stepped ones have had theirs
    (:func:`_update_listed` with ``with_input``).

    Input to a sleeping (refractory) or lesioned cell is lost; a cell left alone catches up
    and gets its input. Every ``input_sum`` of the span is cleared. The cells that become active
    are written to ``out[offset:]``; returns how many did.
    """
    cells, last_update = st.cells, st.last_update
    in_active, input_sum, receivers = st.in_active, st.input_sum, st.receivers
    count = 0
    for i in range(n_quiet):
        cell = np.uint32(receivers[np.uint64(low + i)])
        state = cells[cell]
        if state.status != NORMAL:
            continue
        fires = _receive_quiet(k, table, state, last_update, cell, step, input_sum[cell])
        in_active[cell] = fires
        out[offset + count] = cell  # a cell left alone is not listed, so this stays inside ``out``
        count += fires
    input_sum[low:high] = 0
    return count


BUSY_BLOCK = 4096
"""Cells per block of a busy step: a block's state (about 200 kB) stays in a core's cache
between its update and its input."""


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _busy_blocks(k, table, st, step, low, high):
    """Update, threshold and input of the cells ``[low, high)``, block by block, once this
    step's events are summed in ``st.input_sum``.

    The cells kept active go to ``st.active[low:]``, the spiking ones to ``st.spiking[low:]``
    (in row order); returns how many of each. Touches only cells of the span (and the timing
    wheel, for a refractory cell still stepped: see :mod:`brainview.sim.threaded_kernels`).
    """
    n_active, n_spiking = low, low
    for block in range(low, high, BUSY_BLOCK):
        block_end = min(block + BUSY_BLOCK, high)
        n_listed, n_quiet = _list_block(st, block, block_end, n_active)
        kept, n_spiking = _update_listed(k, st, step, n_active, n_listed, n_spiking, True)
        n_active += kept
        n_active += _quiet_targets(k, table, st, step, block, block_end, n_quiet, st.active, n_active)
    return n_active - low, n_spiking - low


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _busy_step(net, k, table, st, step):
    """Update, threshold and delivery of a step in which most cells are busy; returns the
    number of cells spiking, listed in ``st.spiking`` in row order.

    The same arithmetic as :func:`_update_and_threshold` followed by :func:`_deliver`, in
    another order: the events of this step are summed first (they come from spikes ``delay``
    steps old), then block by block of :data:`BUSY_BLOCK` cells the block is updated and gets
    its input, while its state is still in the cache. Each cell is updated before it gets its
    input, as in the other order, and a cell's update and input touch that cell only, so the
    result is the same to the bit. Not for plastic synapses (whose weights change after the
    update, before the delivery) nor for a delay of 0 steps.
    """
    slot = step % st.queue.shape[0]
    _gather_share(net, st, slot, 0, st.queue_len[slot], st.input_sum)
    next_slot = (step + 1) % st.queue.shape[0]
    _prefetch_rows(net, st, next_slot, 0, st.queue_len[next_slot])
    n_active, n_spiking = _busy_blocks(k, table, st, step, 0, st.v.shape[0])
    st.counters[1] = n_active
    st.queue_len[slot] = 0
    return n_spiking


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _poisson_events(k, st, drive, step):
    v, status = st.v, st.status
    for m in range(drive.cell.shape[0]):
        cell = drive.cell[m]
        if status[cell] == NORMAL and uniform(drive.key[m], step) < drive.probability[m]:
            v[cell] += k.w_poi


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _plasticity_step(pl, spiking, n_spiking, step):
    """The three-factor rule at ``step`` (:mod:`brainview.sim.plasticity`), for its spikes in order.

    First each spiking presynaptic cell's eligibility decays to this step and rises by 1; then
    each spiking modulator changes every plastic connection it gates by ``sign x eta x``
    eligibility (of the connection's presynaptic cell, now), clipped to ``[w_min, w_max]``. The
    new weight acts on every spike that arrives from this step on.
    """
    if pl.gate_indptr.shape[0] == 0:
        return
    trace, trace_step, weights = pl.trace, pl.trace_step, pl.weights  # weights is net.signed_count
    for q in range(n_spiking):
        cell = spiking[q]
        if pl.is_pre[cell]:
            trace[cell] = trace[cell] * math.exp(-(step - trace_step[cell]) * pl.dt_over_tau_e) + 1.0
            trace_step[cell] = step
    for q in range(n_spiking):
        modulator = spiking[q]
        for j in range(pl.gate_indptr[modulator], pl.gate_indptr[modulator + 1]):
            pre = pl.gate_pre[j]
            if trace_step[pre] != step:  # decayed to now once, then shared by the cell's other gates
                trace[pre] *= math.exp(-(step - trace_step[pre]) * pl.dt_over_tau_e)
                trace_step[pre] = step
            edge = pl.gate_edge[j]
            weight = weights[edge] + pl.gate_sign[j] * pl.eta * trace[pre]
            weights[edge] = min(max(weight, pl.w_min), pl.w_max)


@njit(cache=True, inline="always", no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _is_busy(net, k, st, pl, step):
    """Whether step ``step`` runs as a busy step (:func:`_busy_step`): both its active cells and
    its synaptic events reach ``1 / dense_fraction`` of the cells, and neither plastic
    synapses nor a delay of 0 steps rule the order of that step out."""
    n = st.v.shape[0]
    return (pl.gate_indptr.shape[0] == 0 and k.delay_steps > 0 and st.counters[1] * st.dense_fraction >= n
            and _events_due(net, st, step % st.queue.shape[0]) * st.dense_fraction >= n)


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _deliver_listed(net, k, table, st, step):
    """The delivery of a step that is not busy: :func:`_deliver`, by a scan once the events
    reach ``1 / dense_fraction`` of the cells, with the next step's rows prefetched."""
    slot = step % st.queue.shape[0]
    dense = _events_due(net, st, slot) * st.dense_fraction >= st.v.shape[0]
    next_slot = (step + 1) % st.queue.shape[0]
    _prefetch_rows(net, st, next_slot, 0, st.queue_len[next_slot])
    st.counters[1] += _deliver(net, k, table, st, step, dense, st.active, st.counters[1])
    st.queue_len[slot] = 0


# numba's own ndarray.sort costs about a second of compilation on a first run; this, 0.1 s.
@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=True)
def _sort_cells(values, count):
    """Sort ``values[:count]`` in place, ascending: Shell's sort with Knuth's gaps, at worst
    O(n**1.5), and one pass when already in order (as after a busy step's row-order update)."""
    gap = 1
    while gap < count // 3:
        gap = 3 * gap + 1
    while gap >= 1:
        for i in range(gap, count):
            value = values[i]
            j = i
            while j >= gap and values[j - gap] > value:
                values[j] = values[j - gap]
                j -= gap
            values[j] = value
        gap //= 3


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def run_steps(net, k, table, st, drive, rec, pl, n_steps):
    """Run up to ``n_steps`` steps that are not busy, on the calling thread; returns how many ran.

    One step runs groups, thresholds, synapses and resets as the module docstring says, and
    the plasticity rule of ``pl`` (:class:`Plasticity`; empty arrays: no plastic synapses).
    ``table`` is :func:`brainview.sim.models.quiet_table` for this model and ``dt``. Stops
    early, before a step, when the spike buffer could overflow in it (a step cannot produce
    more spikes than there are active cells); the caller empties the buffer and calls again.
    Stops too before a busy step: the caller goes on with :func:`run_busy_steps`. A brain that
    never gets busy, as in most first runs, so never waits for the busy steps' compilation.

    The step is written out here and in :func:`run_busy_steps` (and
    :func:`brainview.sim.threaded_kernels.run_steps_threaded`) rather than shared through helper
    functions: with helpers that take the state tuples, a quiet fly-scale step took about a
    microsecond more (1.4 times as long, bench/bench_sim.py), and a cached kernel must not call
    the uncached threaded one.
    """
    capacity = rec.spike_step.shape[0]
    for s in range(n_steps):
        if capacity - rec.n_spikes[0] < st.counters[1] + st.counters[2]:
            return s
        step = st.counters[0]
        _wake(st, step)
        if net.gap_partners.shape[0] > 0:
            _gap_forcing(net, k, st)
        if _is_busy(net, k, st, pl, step):  # (its wake and gap forcing, done, do the same again)
            return s
        n_spiking = _update_and_threshold(k, st, step)
        # A canonical spike order makes every later sum run in the same order, however the
        # active list happens to be ordered.
        _sort_cells(st.spiking, n_spiking)
        _plasticity_step(pl, st.spiking, n_spiking, step)
        push = (step + k.delay_steps) % st.queue.shape[0]
        for q in range(n_spiking):
            st.queue[push, st.queue_len[push] + q] = st.spiking[q]
        st.queue_len[push] += n_spiking
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


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def run_busy_steps(net, k, table, st, drive, rec, pl, n_steps):
    """:func:`run_steps`, with busy steps (:func:`_busy_step`) as well as the others; stops
    early only when the spike buffer could overflow."""
    capacity = rec.spike_step.shape[0]
    for s in range(n_steps):
        if capacity - rec.n_spikes[0] < st.counters[1] + st.counters[2]:
            return s
        step = st.counters[0]
        _wake(st, step)
        if net.gap_partners.shape[0] > 0:
            _gap_forcing(net, k, st)
        busy = _is_busy(net, k, st, pl, step)
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


@njit(cache=True, inline="always", no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _voltage_now(k, table, st, cell, step):
    """``v`` of ``cell`` after step ``step``, without disturbing the cell's state."""
    if st.in_active[cell] or st.status[cell] != NORMAL or st.last_update[cell] >= step:
        return st.v[cell]
    v, _ = _quiet_state(k, table, st.v[cell], st.g[cell], step - st.last_update[cell])
    return v


@njit(cache=True, no_cfunc_wrapper=True)
def catch_up(k, table, st, cells, out, advance):
    """``out[i]`` = ``v`` of ``cells[i]`` after the last step done, in volts.

    With ``advance``, cells left alone are also moved to that state (as before they are
    stepped again); without, nothing changes. One kernel for both, so a first run compiles one.
    """
    step = st.counters[0] - 1
    v, g, last_update = st.v, st.g, st.last_update
    for i in range(cells.shape[0]):
        cell = cells[i]
        out[i] = v[cell]
        if st.in_active[cell] or st.status[cell] != NORMAL or last_update[cell] >= step:
            continue  # stepped, held at rest, or up to date: v is the state now
        v_now, g_now = _quiet_state(k, table, v[cell], g[cell], step - last_update[cell])
        out[i] = v_now
        if advance:
            v[cell], g[cell], last_update[cell] = v_now, g_now, step
