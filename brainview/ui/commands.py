"""What the window and the simulation worker say to each other, as plain immutable values.

The GUI thread puts :data:`Command` values on a ``queue.Queue``; the worker drains the queue
between simulation chunks, so no command is lost or applied in the middle of a step. The worker
answers with :class:`Snapshot` values, at most about 60 a second. Nothing here imports Qt, so
the protocol is tested without a window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import count

import numpy as np

from brainview.sim.lesions import LesionMode

_serials = count(1)
"""Numbers the lesion and stimulus commands in creation order, across every window."""


@dataclass(frozen=True)
class Play:
    """Run continuously at the current pacing."""


@dataclass(frozen=True)
class Pause:
    """Stop after the current chunk."""


@dataclass(frozen=True)
class Step:
    """Advance by ``duration_ms`` of simulated time, then stay paused."""

    duration_ms: float = 10.0

    def __post_init__(self) -> None:
        if not self.duration_ms > 0:
            raise ValueError(f"a step must last more than 0 ms, was {self.duration_ms}")


@dataclass(frozen=True)
class Reset:
    """Back to time zero with the current lesions and stimuli still in place."""


@dataclass(frozen=True)
class Pacing:
    """How simulated time relates to wall-clock time.

    Parameters
    ----------
    mode : str
        ``"flat"`` (as fast as the machine can), ``"realtime"`` (one simulated second per second)
        or ``"slow"`` (``slowdown`` times slower than real time, for teaching).
    slowdown : float
        Wall seconds per simulated second in ``"slow"`` mode (10 = ten times slower).
    """

    mode: str = "realtime"
    slowdown: float = 10.0

    def __post_init__(self) -> None:
        if self.mode not in ("flat", "realtime", "slow"):
            raise ValueError(f"pacing mode must be flat, realtime or slow, was {self.mode!r}")
        if not self.slowdown >= 1:
            raise ValueError(f"slowdown must be at least 1, was {self.slowdown}")

    @property
    def target_factor(self) -> float | None:
        """Simulated seconds per wall second wanted, or None for as fast as possible."""
        if self.mode == "flat":
            return None
        return 1.0 if self.mode == "realtime" else 1.0 / self.slowdown

    @property
    def label(self) -> str:
        """Words for menus and the status bar."""
        if self.mode == "flat":
            return "flat out"
        return "real time" if self.mode == "realtime" else f"{self.slowdown:g}x slower"


@dataclass(frozen=True)
class SetPacing:
    """Change the pacing while running."""

    pacing: Pacing


def unique_rows(rows) -> np.ndarray:
    """``rows`` as sorted, distinct int64 row indices (the form every command and target holds)."""
    return np.unique(np.asarray(rows, dtype=np.int64))


@dataclass(frozen=True)
class _Intervention:
    """What every lesion and stimulus command carries.

    ``key`` names the entry so a later command can remove it; ``label`` is the words of its
    marker in the traces; ``serial`` (numbered on creation) lets the GUI tell when the engine
    has applied this very command. ``serial`` is keyword-only so that subclasses can add fields
    without defaults after it.
    """

    key: str
    label: str
    serial: int = field(default_factory=_serials.__next__, kw_only=True)


@dataclass(frozen=True)
class ApplyLesion(_Intervention):
    """Lesion the cells ``rows`` (``mode`` silence or ablate); ``key`` names it for removal."""

    rows: np.ndarray
    mode: LesionMode = LesionMode.SILENCE

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", LesionMode.parse(self.mode))
        object.__setattr__(self, "rows", unique_rows(self.rows))


@dataclass(frozen=True)
class RemoveLesion(_Intervention):
    """Undo the lesion called ``key``."""


@dataclass(frozen=True)
class ApplyStimulus(_Intervention):
    """Drive the cells ``rows`` with Poisson input at ``rate_hz``; ``key`` names it for removal.

    ``stream`` names the Poisson trains' random stream (see :meth:`Simulation.stimulate`).
    """

    rows: np.ndarray
    rate_hz: float = 150.0
    stream: int | None = None

    def __post_init__(self) -> None:
        if not self.rate_hz > 0:
            raise ValueError(f"a stimulus rate must be above 0 Hz, was {self.rate_hz}")
        object.__setattr__(self, "rows", unique_rows(self.rows))


@dataclass(frozen=True)
class RemoveStimulus(_Intervention):
    """Switch off the stimulus called ``key``."""


@dataclass(frozen=True)
class SetProbes:
    """Record the membrane voltage of ``rows`` from now on."""

    rows: tuple[int, ...]


@dataclass(frozen=True)
class SetGroups:
    """Bin population rates for these groups: ``labels[i]`` is the cells ``rows[i]``."""

    labels: tuple[str, ...]
    rows: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class SetModelParameters:
    """Rebuild the engine with these model parameters (``ShiuParams`` field names, e.g.
    ``w_syn_mV``) and start again at t = 0 with the same lesions, stimuli, probes and groups."""

    overrides: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class SetPlasticity:
    """Rebuild the engine with dopamine-gated plasticity (``rule``, a
    :class:`~brainview.sim.plasticity.PlasticityRule`; None: without) and start again at t = 0
    with the same lesions, stimuli, probes and groups. Snapshots then carry the plastic weights
    summed per label of the postsynaptic cells' column ``by`` (:class:`WeightSamples`)."""

    rule: object = None
    by: str = "cell_type"


@dataclass(frozen=True)
class SetFrozenStimuli:
    """Stimuli with these keys repeat their Poisson trains spike for spike each time they start
    (``Simulation.stimulate(frozen=True)``: an odour presented again is the same odour), from
    their next start on; the others draw new trains."""

    keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HoldAfter:
    """Run no further than ``duration_ms`` of simulated time from the step this command is
    applied at, until the next ``HoldAfter`` (``None``: no limit). The run stays "playing"; a
    panel that times a protocol (drive, then reward 100 ms later) acts when the engine waits
    there, so the protocol's times are exact whatever the pacing."""

    duration_ms: float | None = None

    def __post_init__(self) -> None:
        if self.duration_ms is not None and not self.duration_ms >= 0:
            raise ValueError(f"a hold must come 0 ms or more from now, was {self.duration_ms}")


@dataclass(frozen=True)
class ResetWeights:
    """Plastic weights back to their starting values; the run goes on (no-op without plasticity)."""


@dataclass(frozen=True)
class ExportRun:
    """Write the run so far (since the last reset) to ``path``; ``dataset`` is a
    :class:`~brainview.sim.runfile.DatasetInfo`, ``format`` as in
    :func:`brainview.experiment.export.write_run_file` (None: by the path). ``branch``: the
    number of a branch left behind to write instead of the running one (None: the running one)."""

    path: str
    dataset: object
    format: str | None = None
    branch: int | None = None


@dataclass(frozen=True)
class Restore:
    """Rewind the live run to ``t_ms`` and go on from there as a new branch (the branch left is
    kept, :mod:`brainview.experiment.branches`): the engine restores its newest checkpoint at or
    before ``t_ms``, then runs to ``t_ms`` again with the lesions and stimuli changed on the way.
    The run then holds what was in force at ``t_ms``; it stays paused or playing as it was."""

    t_ms: float

    def __post_init__(self) -> None:
        if not self.t_ms >= 0:
            raise ValueError(f"a run can be rewound to 0 ms or later, not {self.t_ms}")


@dataclass(frozen=True)
class ShareBranch:
    """Hand the window the running branch as recorded so far (the worker's ``branchShared``
    signal, a :class:`~brainview.experiment.branches.Branch`), to compare it with another."""


@dataclass(frozen=True)
class SetCheckpointing:
    """Keep a checkpoint every ``every_ms`` of simulated time within ``budget_MB`` from now on
    (:class:`~brainview.sim.checkpoints.CheckpointStore`)."""

    every_ms: float = 2000.0
    budget_MB: float = 256.0


@dataclass(frozen=True)
class Shutdown:
    """Leave the worker loop; the thread then ends."""


Command = (
    Play | Pause | Step | Reset | SetPacing | ApplyLesion | RemoveLesion | ApplyStimulus
    | RemoveStimulus | SetProbes | SetGroups | SetModelParameters | SetPlasticity | SetFrozenStimuli
    | HoldAfter | ResetWeights | ExportRun | Restore | ShareBranch | SetCheckpointing
    | Shutdown
)


@dataclass(frozen=True)
class Change:
    """A lesion or stimulus change as the engine applied it: from step ``step`` (time ``t_ms``) on."""

    t_ms: float
    kind: str
    label: str
    serial: int
    step: int = 0


@dataclass(frozen=True, eq=False)
class BranchState:
    """Sent once after a :class:`Restore`: the run now is branch ``current``, forked at
    ``fork_ms`` (step ``fork_step``) from branch ``parent``; ``in_force`` are the serials of the
    lesion and stimulus commands in force when the snapshot is sent (those of the fork point, and
    any applied since, which the same snapshot's ``changes`` report); ``kept`` the branches left behind
    (:class:`~brainview.experiment.branches.Branch`, immutable), oldest first."""

    current: int
    parent: int | None
    fork_ms: float
    fork_step: int
    in_force: tuple[int, ...]
    kept: tuple = ()


@dataclass(frozen=True, eq=False)
class WeightSamples:
    """The plastic weights of a snapshot, summed per label: ``sums_mV[i, j]`` is the sum over the
    plastic connections onto cells labelled ``labels[i]`` at ``t_ms[j]`` (samples since the
    previous snapshot); ``start_mV`` the same sums at the start of the run (the connectome's)."""

    labels: tuple[str, ...]
    start_mV: np.ndarray
    t_ms: np.ndarray
    sums_mV: np.ndarray


@dataclass(frozen=True)
class Snapshot:
    """What the worker publishes: everything that happened since its previous snapshot.

    Parameters
    ----------
    generation : int
        Increases at every reset; a snapshot of a new generation starts the traces afresh.
    t_ms : float
        Simulated time at the end of this snapshot, milliseconds.
    spike_rows, spike_t_ms : numpy.ndarray
        The spikes since the previous snapshot: cell row (int32) and time (float64, ms).
    rate_t_ms : numpy.ndarray
        End times of the rate bins completed since the previous snapshot, ms.
    rates_hz : numpy.ndarray
        (groups, bins) population rates, spikes per second per cell.
    group_labels : tuple of str
        The groups the rows of ``rates_hz`` belong to.
    probe_rows : numpy.ndarray
        The cells whose voltage is recorded.
    probe_t_ms, probe_mV : numpy.ndarray
        Sample times (ms) and (probes, samples) membrane voltages in millivolts.
    real_time_factor : float
        Simulated seconds per wall second over the last moments (0 while paused).
    running : bool
        True while the worker plays.
    changes : tuple of Change
        Lesions and stimuli applied since the previous snapshot.
    weights : WeightSamples or None
        The plastic weights sampled since the previous snapshot; None when the run is not plastic.
    branch : BranchState or None
        Set in the first snapshot after a rewind (its generation is new; its spikes, rates
        and ``changes`` are those of the moments before the fork point, to show them again;
        those changes have serial 0: they were recorded before).
    """

    generation: int
    t_ms: float
    spike_rows: np.ndarray
    spike_t_ms: np.ndarray
    rate_t_ms: np.ndarray
    rates_hz: np.ndarray
    group_labels: tuple[str, ...]
    probe_rows: np.ndarray
    probe_t_ms: np.ndarray
    probe_mV: np.ndarray
    real_time_factor: float
    running: bool
    changes: tuple[Change, ...] = ()
    weights: WeightSamples | None = None
    branch: BranchState | None = None


class Pacer:
    """Decides how much simulated time the worker may run next, to follow a :class:`Pacing`.

    Parameters
    ----------
    pacing : Pacing
        The wanted relation between simulated and wall-clock time.
    max_chunk_ms : float
        Longest stretch of simulated time run between two looks at the command queue.
    clock : callable
        Wall clock in seconds (``time.monotonic``; tests pass a fake one).
    """

    def __init__(self, pacing: Pacing, max_chunk_ms: float = 5.0, clock=time.monotonic) -> None:
        self.pacing = pacing
        self.max_chunk_ms = max_chunk_ms
        self.clock = clock
        self._wall0 = 0.0
        self._sim0_ms = 0.0

    def restart(self, sim_t_ms: float) -> None:
        """Anchor the schedule at ``sim_t_ms`` now (after play, a pacing change or a reset)."""
        self._wall0 = self.clock()
        self._sim0_ms = sim_t_ms

    def set_pacing(self, pacing: Pacing, sim_t_ms: float) -> None:
        """Follow ``pacing`` from now on."""
        self.pacing = pacing
        self.restart(sim_t_ms)

    def next_chunk_ms(self, sim_t_ms: float) -> float:
        """Simulated milliseconds to run now; 0 means the simulation is ahead: wait."""
        factor = self.pacing.target_factor
        if factor is None:
            return self.max_chunk_ms
        due_ms = self._sim0_ms + (self.clock() - self._wall0) * 1000.0 * factor
        return float(min(self.max_chunk_ms, max(due_ms - sim_t_ms, 0.0)))

    def wait_s(self, sim_t_ms: float, dt_ms: float) -> float:
        """Wall seconds until at least one step of ``dt_ms`` is due."""
        factor = self.pacing.target_factor
        if factor is None:
            return 0.0
        due_wall = self._wall0 + (sim_t_ms + dt_ms - self._sim0_ms) / 1000.0 / factor
        return max(due_wall - self.clock(), 0.0)
