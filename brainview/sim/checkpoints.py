"""Checkpoints of a running :class:`~brainview.sim.Simulation`, to rewind it and branch from there.

A :class:`Checkpoint` holds everything the engine needs to go on from its step exactly as it
went on the first time: every cell's state (``v``, ``g``, injected current, the step its state
is valid at, its last spike, refractory period, lesion status, flags, its place in the active
list and in the refractory timing wheel), the spikes still in the synaptic delay ring, the
lesions and stimuli in force (their serial numbers too, which name the Poisson drives' random
streams; the drives are counter-based, so no generator state is needed beyond them), and for a
plastic run the plastic weights and eligibility traces. The monitors (spikes, rates, weights)
are cut back to the checkpoint's step on restore; probe voltages start afresh there.

Memory. Most cells of a big brain stay at rest, so a checkpoint stores each per-cell array as
the entries that differ, bit for bit, from a *baseline* (the first checkpoint of the run, kept
whole), or whole where most entries differ, plus the used part of the active list and of the
delay ring. bench/bench_timeline.py measures it at FlyWire scale (139,255 cells): the baseline
8.2 MB; later checkpoints about 1.9 MB with 50 cells driven (the cells their spikes reached
differ), about 6 to 9 MB when most cells are active.

:class:`CheckpointStore` takes one every ``every_ms`` of simulated time within a budget of
``budget_MB``: over budget, it drops checkpoints, the older ones first (it never drops the
first, which is the baseline, nor the newest), so the recent past stays finely resolved.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from brainview.errors import ParameterError

CELL_FIELDS = (
    "v", "g", "i_ext", "last_update", "last_spike", "refractory_steps", "status", "pinned", "in_active",
    "next_sleeper",
)
"""Per-cell arrays of :class:`~brainview.sim.state.EngineState` that a checkpoint keeps."""

SMALL_FIELDS = ("queue_len", "counters", "wheel")
"""Small arrays kept whole."""


def _bits(array: np.ndarray) -> np.ndarray:
    """``array`` seen as unsigned integers of its item size: compared bit for bit (-0.0 is not 0.0)."""
    return array.view(np.dtype(f"u{array.dtype.itemsize}"))


@dataclass(frozen=True, eq=False)
class Checkpoint:
    """A simulation's full state at ``step``; see the module notes. Immutable once taken.

    ``cells[name]`` is ``(rows, values)``: where the array differs from ``baseline``, or
    ``(None, the whole array)`` (always so in the baseline itself); ``extra`` is
    whatever the caller attached (the GUI worker: its table of interventions in force).
    """

    step: int
    time_ms: float
    trial: int
    cells: dict[str, tuple[np.ndarray | None, np.ndarray]]
    small: dict[str, np.ndarray]
    active: np.ndarray
    queue: np.ndarray
    plastic: dict[str, tuple[np.ndarray | None, np.ndarray]]
    lesions: object
    stimuli: object
    log_length: int
    baseline: Checkpoint | None = None
    extra: object = None
    nbytes: int = field(default=0)

    @property
    def is_baseline(self) -> bool:
        """True for a checkpoint that keeps its arrays whole."""
        return self.baseline is None

    def full(self, name: str, group: str = "cells") -> np.ndarray:
        """The whole per-cell array ``name`` at this checkpoint (a new array)."""
        rows, values = getattr(self, group)[name]
        if rows is None:
            return values.copy()
        out = self.baseline.full(name, group)
        out[rows] = values
        return out


def _delta(now: np.ndarray, base: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray]:
    """(rows, values) where ``now`` differs from ``base``; (None, a copy) when that would take
    more room than the whole array (a busy brain: most cells differ)."""
    if base is None:
        return None, now.copy()
    rows = np.flatnonzero(_bits(now) != _bits(base)).astype(np.int32)
    if rows.size * (rows.itemsize + now.itemsize) >= now.nbytes:
        return None, now.copy()
    return rows, now[rows]


def take(sim, baseline: Checkpoint | None = None, extra: object = None) -> Checkpoint:
    """A :class:`Checkpoint` of ``sim`` now (between two steps); stored against ``baseline``.

    Parameters
    ----------
    sim : Simulation
        The simulation (any thread that owns it).
    baseline : Checkpoint, optional
        A baseline checkpoint of the same simulation (``baseline.is_baseline``); None: this
        one keeps its arrays whole and may serve as the baseline of later ones.
    extra : object
        Attached to the checkpoint as it is.
    """
    if baseline is not None and not baseline.is_baseline:
        raise ParameterError("a checkpoint's baseline must be one taken without a baseline")
    st = sim._state
    base_cells = {} if baseline is None else {name: baseline.cells[name][1] for name in CELL_FIELDS}
    cells = {name: _delta(getattr(st, name), base_cells.get(name)) for name in CELL_FIELDS}
    small = {name: getattr(st, name).copy() for name in SMALL_FIELDS}
    active = st.active[: int(st.counters[1])].copy()
    queue = np.concatenate([st.queue[slot, : int(st.queue_len[slot])] for slot in range(st.queue.shape[0])])
    plastic = {}
    if sim.plastic is not None:
        plasticity = sim._plasticity
        base = {} if baseline is None else {name: baseline.plastic[name][1] for name in ("trace", "trace_step")}
        plastic = {name: _delta(getattr(plasticity, name), base.get(name)) for name in ("trace", "trace_step")}
        plastic["weights"] = (None, sim.network.signed_count[sim.plastic.edges].copy())
    checkpoint = Checkpoint(
        step=sim.steps_done, time_ms=sim.time_ms, trial=sim.trial, cells=cells, small=small, active=active,
        queue=queue, plastic=plastic, lesions=copy.deepcopy(sim.lesions), stimuli=copy.deepcopy(sim.stimuli),
        log_length=len(sim.log), baseline=baseline, extra=extra,
    )
    arrays = [a for _, a in cells.values()] + [r for r, _ in cells.values() if r is not None]
    arrays += [*small.values(), active, queue] + [a for pair in plastic.values() for a in pair if a is not None]
    object.__setattr__(checkpoint, "nbytes", int(sum(a.nbytes for a in arrays)) + _book_bytes(sim))
    return checkpoint


def _book_bytes(sim) -> int:
    """Bytes of the copied lesion and stimulus books (their row arrays and lesion counts)."""
    rows = sum(s.rows.nbytes for s in sim.stimuli._stimuli.values())
    rows += sum(lesion.rows.nbytes for lesion in sim.lesions._lesions.values())
    return int(rows + sim.lesions._silence.nbytes + sim.lesions._ablate.nbytes)


def restore(sim, checkpoint: Checkpoint) -> None:
    """Put ``sim`` back in the state of ``checkpoint`` (taken of ``sim``); see the module notes.

    Spikes, rate bins and weight samples after the checkpoint's step are forgotten, and so are
    the log entries made after it was taken; probes keep their cells and record afresh.

    Raises
    ------
    ParameterError
        If the checkpoint is of a simulation with a different number of cells, delay or
        plasticity.
    """
    st = sim._state
    queue_slots = checkpoint.small["queue_len"].size
    base = checkpoint if checkpoint.is_baseline else checkpoint.baseline
    if base.cells["v"][1].size != sim.n or queue_slots != st.queue.shape[0]:
        raise ParameterError("this checkpoint was taken of another simulation (its cells or delay differ)")
    if bool(checkpoint.plastic) != (sim.plastic is not None):
        raise ParameterError("this checkpoint was taken of a simulation with different plasticity")
    for name in CELL_FIELDS:
        getattr(st, name)[:] = checkpoint.full(name)
    for name in SMALL_FIELDS:
        getattr(st, name)[:] = checkpoint.small[name]
    st.active[: checkpoint.active.size] = checkpoint.active
    lengths = checkpoint.small["queue_len"]
    starts = np.concatenate([[0], np.cumsum(lengths)])
    for slot in range(queue_slots):
        st.queue[slot, : lengths[slot]] = checkpoint.queue[starts[slot] : starts[slot + 1]]
    # Scratch arrays are clean between two steps; make sure of it after a restore.
    st.input_sum[:] = 0
    st.received[:] = 0
    if sim.plastic is not None:
        sim._plasticity.trace[:] = checkpoint.full("trace", "plastic")
        sim._plasticity.trace_step[:] = checkpoint.full("trace_step", "plastic")
        sim.network.signed_count[sim.plastic.edges] = checkpoint.plastic["weights"][1]
    sim.lesions = copy.deepcopy(checkpoint.lesions)
    sim.stimuli = copy.deepcopy(checkpoint.stimuli)
    sim.trial = checkpoint.trial
    sim._drive = sim.stimuli.poisson_drive(sim.dt_ms, sim.seed, sim.trial)
    del sim.log[checkpoint.log_length :]
    step = checkpoint.step
    sim.spikes.truncate(step)
    steps, cells = sim.spikes.arrays()
    for monitor in sim.rates.values():
        first = monitor.truncate(step)
        recount = steps >= first
        monitor.add_spikes(steps[recount], cells[recount], step)
    for monitor in sim.weight_monitors:
        monitor.drop_after(checkpoint.time_ms)
    sim.probes.clear(step)


class CheckpointStore:
    """Checkpoints of one run, taken every ``every_ms`` of simulated time within ``budget_MB``.

    Parameters
    ----------
    every_ms : float
        Simulated time between two checkpoints, ms.
    budget_MB : float
        Most memory the checkpoints may hold, megabytes (10**6 bytes).
    """

    def __init__(self, every_ms: float = 2000.0, budget_MB: float = 256.0) -> None:
        if not every_ms > 0:
            raise ParameterError(f"checkpoints must be taken more than 0 ms apart, was {every_ms!r}")
        if not budget_MB > 0:
            raise ParameterError(f"the checkpoint budget must be more than 0 MB, was {budget_MB!r}")
        self.every_ms = float(every_ms)
        self.budget_bytes = int(budget_MB * 1e6)
        self.checkpoints: list[Checkpoint] = []

    def __len__(self) -> int:
        return len(self.checkpoints)

    def __repr__(self) -> str:
        times = ", ".join(f"{c.time_ms:g}" for c in self.checkpoints[:6])
        more = ", ..." if len(self.checkpoints) > 6 else ""
        return f"<CheckpointStore: {len(self)} checkpoints at {times}{more} ms, {self.nbytes / 1e6:.2f} MB>"

    @property
    def nbytes(self) -> int:
        """Bytes the checkpoints hold."""
        return sum(c.nbytes for c in self.checkpoints)

    def clear(self) -> None:
        """Forget every checkpoint (a new run: the next one taken is the new baseline)."""
        self.checkpoints = []

    def take(self, sim, extra: object = None) -> Checkpoint:
        """Take a checkpoint of ``sim`` now and keep it (thinning the old ones to the budget)."""
        if self.checkpoints and sim.steps_done <= self.checkpoints[-1].step:
            self.discard_after(sim.steps_done - 1)
        checkpoint = take(sim, self.checkpoints[0] if self.checkpoints else None, extra)
        self.checkpoints.append(checkpoint)
        self.thin()
        return checkpoint

    def maybe_take(self, sim, extra: object = None) -> Checkpoint | None:
        """Take a checkpoint if ``every_ms`` has passed since the newest (or there is none)."""
        if self.checkpoints and sim.time_ms < self.checkpoints[-1].time_ms + self.every_ms - 1e-9:
            return None
        return self.take(sim, extra)

    def at_or_before(self, step: int) -> Checkpoint:
        """The newest checkpoint at or before ``step``; ParameterError if there is none."""
        for checkpoint in reversed(self.checkpoints):
            if checkpoint.step <= step:
                return checkpoint
        raise ParameterError(f"no checkpoint at or before step {step} (the run keeps none yet)")

    def discard_after(self, step: int) -> None:
        """Forget the checkpoints after ``step`` (they belong to a branch left behind)."""
        self.checkpoints = [c for c in self.checkpoints if c.step <= step]

    def thin(self) -> None:
        """Drop checkpoints until within budget: the one whose neighbours are closest, weighted
        so that older ones go first; never the baseline nor the newest."""
        while self.nbytes > self.budget_bytes and len(self.checkpoints) > 2:
            steps = np.array([c.step for c in self.checkpoints], np.float64)
            span = max(steps[-1] - steps[0], 1.0)
            inner = np.arange(1, steps.size - 1)
            gap = steps[inner + 1] - steps[inner - 1]
            score = gap * (1.0 + (steps[inner] - steps[0]) / span)
            del self.checkpoints[int(inner[np.argmin(score)])]
