"""The worker's side of rewinding a live run: checkpoints, the commands since, and branches.

The simulation worker (:mod:`brainview.ui.worker`) applies lesion and stimulus commands between
chunks of steps. :class:`Rewinder` remembers each one with the step it took effect at, keeps
checkpoints of the engine (:class:`~brainview.sim.checkpoints.CheckpointStore`) with the table of
interventions in force and how many commands had been applied when each was taken, and rewinds:
restore the newest checkpoint at or before the chosen step, apply again the commands that came
after it and before that step, at their steps, and run up to it. The engine is deterministic
(counter-based Poisson drives, exact sums), so the rewound run is the old one up to that step,
spike for spike. The branch left behind is kept in a :class:`~brainview.experiment.branches.BranchBook`.

Nothing here imports Qt; it runs in the worker's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from brainview.errors import ParameterError
from brainview.experiment.branches import Branch, BranchBook
from brainview.experiment.live import recorded_run
from brainview.sim import Simulation
from brainview.sim.checkpoints import CheckpointStore
from brainview.ui import commands as cmd

Interventions = dict
"""``{(kind, key): (command, engine handle)}``, as the worker keeps them, in the order applied."""

KINDS = {
    cmd.ApplyLesion: "lesion", cmd.RemoveLesion: "lesion",
    cmd.ApplyStimulus: "stimulus", cmd.RemoveStimulus: "stimulus",
}
"""Which table of interventions a lesion or stimulus command acts on."""


class RecentPast(NamedTuple):
    """What a run recorded in its last moments, for the first snapshot after a rewind."""

    first_step: int
    spike_rows: np.ndarray  # int32
    spike_t_ms: np.ndarray  # float64
    rate_t_ms: np.ndarray  # end of each complete rate bin
    rates_hz: np.ndarray  # (groups, bins)
    next_rate_bin: int  # the first bin of the rate monitor not in rates_hz


def recent_past(sim, rates_name: str, window_ms: float) -> RecentPast:
    """The spikes of ``sim``'s last ``window_ms`` and the complete bins of its rate monitor
    ``rates_name`` in them (see :class:`RecentPast`)."""
    first = max(sim.steps_done - round(window_ms / sim.dt_ms), 0)
    steps, cells = sim.spikes.arrays()
    recent = steps >= first
    monitor = sim.rates.get(rates_name)
    rate_t, rates, next_bin = np.zeros(0), np.zeros((0, 0)), 0
    if monitor is not None:
        first_bin, last = first // monitor.bin_steps, monitor.complete_bins
        rate_t = np.arange(first_bin + 1, last + 1) * monitor.bin_ms
        rates = monitor.rates_Hz(first_bin)[: max(last - first_bin, 0)].T
        next_bin = max(last, first_bin)
    return RecentPast(first, cells[recent].astype(np.int32), steps[recent] * sim.dt_ms, rate_t, rates, next_bin)


def apply_command(sim, interventions: Interventions, command, install: Callable) -> str:
    """Apply a lesion or stimulus ``command`` to ``sim`` and ``interventions``; returns what it
    changed ("lesion", "unlesion", "stimulus", "unstimulus"). ``install(command)`` puts an
    Apply command into the engine and returns its handle."""
    kind = KINDS.get(type(command))
    if kind is None:
        raise TypeError(f"the worker does not know the command {command!r}")
    slot = (kind, command.key)
    if isinstance(command, (cmd.ApplyLesion, cmd.ApplyStimulus)):
        interventions[slot] = (command, install(command))
        return kind
    _, handle = interventions.pop(slot)
    (sim.undo if kind == "lesion" else sim.remove)(handle)
    return "un" + kind


class Rewinder:
    """Checkpoints and commands of the running branch, and the branches left behind.

    Parameters
    ----------
    every_ms, budget_MB : float
        As for :class:`~brainview.sim.checkpoints.CheckpointStore`.
    """

    def __init__(self, every_ms: float = 2000.0, budget_MB: float = 256.0) -> None:
        self.store = CheckpointStore(every_ms, budget_MB)
        self.applied: list[tuple[int, object]] = []
        """(step, command) of every lesion and stimulus command since the run started, in order."""
        self.branches = BranchBook()

    def configure(self, every_ms: float, budget_MB: float) -> None:
        """Checkpoints every ``every_ms`` within ``budget_MB`` from now on (those kept stay)."""
        checked = CheckpointStore(every_ms, budget_MB)  # checks the numbers
        self.store.every_ms, self.store.budget_bytes = checked.every_ms, checked.budget_bytes
        self.store.thin()

    def start(self) -> None:
        """A new run at step 0 (a reset or a rebuilt engine): no checkpoint, command or branch yet."""
        self.store.clear()
        self.applied = []
        self.branches = BranchBook()

    def note(self, step: int, command) -> None:
        """``command`` took effect at ``step``."""
        self.applied.append((int(step), command))

    def before_steps(self, sim, interventions: Interventions) -> None:
        """Called before the engine steps: the run's first checkpoint, if there is none yet.
        (A stand-in engine, not a :class:`~brainview.sim.Simulation`, keeps none.)"""
        if isinstance(sim, Simulation) and not len(self.store):
            self.store.take(sim, (dict(interventions), len(self.applied)))

    def after_steps(self, sim, interventions: Interventions) -> None:
        """Called after the engine stepped: a checkpoint if one is due."""
        if isinstance(sim, Simulation):
            self.store.maybe_take(sim, (dict(interventions), len(self.applied)))

    def rewind(self, sim, step: int, install: Callable) -> Interventions:
        """Bring ``sim`` back to ``step`` (see the module notes); returns the interventions in
        force there. The commands after ``step`` are forgotten, and so are the checkpoints
        taken after it."""
        if not isinstance(sim, Simulation):
            raise ParameterError(f"this engine ({type(sim).__name__}) keeps no checkpoints: it cannot be rewound")
        checkpoint = self.store.at_or_before(step)
        sim.restore(checkpoint)
        table, index = checkpoint.extra
        interventions = dict(table)
        again = [(at, command) for at, command in self.applied[index:] if at < step]
        for at, command in again:
            if at > sim.steps_done:
                sim.step(at - sim.steps_done)
            apply_command(sim, interventions, command, install)
        if step > sim.steps_done:
            sim.step(step - sim.steps_done)
        self.applied = self.applied[:index] + again
        self.store.checkpoints = [c for c in self.store.checkpoints if c.step < step or c is checkpoint]
        return interventions

    def fork_at(self, sim, step: int, install: Callable, rates_name: str, wall_s: float
                ) -> tuple[Interventions, cmd.BranchState]:
        """Rewind ``sim`` to ``step`` (clipped to the run so far) as a new branch, keeping the
        one left (its recording, with the rate monitor ``rates_name``); returns the interventions
        in force there and the :class:`~brainview.ui.commands.BranchState` to report."""
        step = min(max(int(step), 0), sim.steps_done)
        recorded = sim.steps_done > 0 and sim.spikes.first_step == 0  # else cut to save memory: not kept
        left = recorded_run(sim, rates_name, wall_s) if recorded else None
        end_ms = sim.time_ms
        interventions = self.rewind(sim, step, install)
        book = self.branches
        book.fork(left, end_ms, sim.time_ms)
        state = cmd.BranchState(book.current, book.parent, sim.time_ms, sim.steps_done,
                                tuple(command.serial for command, _ in interventions.values()), tuple(book.kept))
        return interventions, state

    def running_branch(self, sim, rates_name: str, wall_s: float) -> Branch:
        """The running branch as recorded so far (to compare it with a kept one)."""
        book = self.branches
        return Branch(book.current, book.parent, book.fork_ms, sim.time_ms, recorded_run(sim, rates_name, wall_s))

    def markers(self, first_step: int, end_step: int, dt_ms: float) -> tuple[cmd.Change, ...]:
        """The changes applied in ``[first_step, end_step)``, as markers for the traces (serial 0:
        they were reported when they were made)."""
        return tuple(
            cmd.Change(at * dt_ms, ("" if isinstance(c, (cmd.ApplyLesion, cmd.ApplyStimulus)) else "un") + KINDS[type(c)],
                       c.label, 0, at)
            for at, c in self.applied if first_step <= at < end_step
        )
