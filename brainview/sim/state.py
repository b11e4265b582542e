"""The arrays the engine's kernels work on, grouped in named tuples (numba passes them whole).

:mod:`brainview.sim.kernels` holds the compiled code; this module only says what each array is,
with its dtype and unit, so the engine and the kernels agree on one description.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

NORMAL, SILENCED, ABLATED = 0, 1, 2
"""Values of ``EngineState.status``."""

STEPPED, SLEEPING = 1, 2
"""Values of ``EngineState.in_active`` besides 0 (left alone): in the active list, or refractory
and asleep in the timing wheel (``wheel``, ``next_sleeper``) until it can integrate again."""

NEVER = -(2**62)
"""``last_spike`` of a cell that has never spiked."""

CELL_RECORD = np.dtype(
    [
        ("v", np.float64), ("g", np.float64), ("last_spike", np.int64), ("refractory_steps", np.int32),
        ("status", np.uint8), ("pinned", np.uint8), ("received", np.uint8),
    ],
    align=True,
)
"""One cell's hot state, 32 bytes: :class:`EngineState` holds views of the fields of one array
of these, so a busy step that reads a cell loads one cache line rather than one per array.
``in_active`` stays a separate byte array: a busy step scans it for every cell."""

DENSE_FRACTION = 4
"""Default ``EngineState.dense_fraction``: a step works on the cells in row order, rather than
from a list, once its active cells (for the update) or its synaptic events (for the delivery)
reach ``1 / DENSE_FRACTION`` of the cells."""



class Network(NamedTuple):
    """Connectivity, read-only during a run."""

    indptr: np.ndarray  # int64 (N + 1): chemical CSR by presynaptic cell
    targets: np.ndarray  # int32 (E)
    signed_count: np.ndarray  # float32 (E): synapse count x sign
    gap_indptr: np.ndarray  # int64 (N + 1): symmetric gap-junction CSR
    gap_partners: np.ndarray  # int32 (G)
    gap_weight: np.ndarray  # float64 (G)
    packed: np.ndarray  # int32 (E) or (0,): signed count << target_bits | target, when that fits
    target_bits: int  # bits of a target in ``packed``


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


class Plasticity(NamedTuple):
    """The three-factor rule's state (:mod:`brainview.sim.plasticity`); every array is empty
    when the simulation has no plastic synapses. ``weights`` is the simulation's own
    ``Network.signed_count`` (synapse-count units: ``w_syn`` volts each), which the rule changes
    where it is plastic; a separate field because the shared network's arrays are read-only."""

    trace: np.ndarray  # float64 (N): eligibility of each cell's outgoing plastic synapses, at trace_step
    trace_step: np.ndarray  # int64 (N): the step ``trace`` was last brought up to
    is_pre: np.ndarray  # uint8 (N): the cell has outgoing plastic synapses
    gate_indptr: np.ndarray  # int64 (N + 1) or (0,): per modulator cell, its range of gate_*
    gate_edge: np.ndarray  # int64 (G): index into signed_count of a gated plastic connection
    gate_pre: np.ndarray  # int32 (G): that connection's presynaptic cell
    gate_sign: np.ndarray  # float64 (G): +1 potentiation, -1 depression
    weights: np.ndarray  # float32 (E) or (0,): the simulation's Network.signed_count itself, writable
    dt_over_tau_e: float  # dt / tau_e: the trace decays by exp(-n dt / tau_e) over n steps
    eta: float  # weight change per modulator spike per unit of eligibility, synapse counts
    w_min: float  # bounds of a plastic weight, synapse counts
    w_max: float


class EngineState(NamedTuple):
    """Everything that changes during a run, one entry per cell unless noted."""

    cells: np.ndarray  # CELL_RECORD: the hot state; v, g, last_spike, refractory_steps, status, pinned and received view its fields
    v: np.ndarray  # float64, volts
    g: np.ndarray  # float64, volts
    i_ext: np.ndarray  # float64, volts: injected current as R x I
    last_update: np.ndarray  # int64: (v, g) hold the state after this step (read when not stepped)
    last_spike: np.ndarray  # int64: step of the cell's last spike
    refractory_steps: np.ndarray  # int32
    status: np.ndarray  # uint8: NORMAL, SILENCED, ABLATED
    pinned: np.ndarray  # uint8: stepped every step whatever its voltage
    in_active: np.ndarray  # uint8: 0, STEPPED or SLEEPING
    active: np.ndarray  # int32: the active list (first counters[1] entries)
    gap_forcing: np.ndarray  # float64 scratch: t_mbr x gap current, volts
    spiking: np.ndarray  # int32 scratch: cells spiking in the current step
    queue: np.ndarray  # int32 (delay + 1, N): spiking cells per ring-buffer slot
    queue_len: np.ndarray  # int64 (delay + 1)
    counters: np.ndarray  # int64 (4): [steps done, active list length, cells asleep, busy steps done]
    wheel: np.ndarray  # int32 (max refractory steps + 1): first cell asleep per wake step, or -1
    next_sleeper: np.ndarray  # int32 (N): the next cell in the same wheel slot, or -1
    partition: np.ndarray  # int64 (T + 1): cell spans of T threads sharing a busy step
    partition_counts: np.ndarray  # int64 (T, 3) scratch: per span, cells kept active, spiking, going to sleep
    spike_shares: np.ndarray  # int64 (2, T + 1) scratch: runs of spikes each thread sums, this step and next
    input_parts: np.ndarray  # like input_sum (T, N), or (0, N) for one thread, scratch: each thread's sums
    sleepers: np.ndarray  # int32 (N) scratch: per span, the cells going to sleep in a busy step
    input_sum: np.ndarray  # float32 or float64 (N) scratch: signed synapse counts arriving now
    received: np.ndarray  # uint8 (N) scratch: 1 while listed in receivers
    receivers: np.ndarray  # int32 (N) scratch: cells receiving input, at their span's start
    dense_fraction: int  # see DENSE_FRACTION; 0: always from lists


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
