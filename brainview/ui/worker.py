"""The simulation worker: a ``QThread`` that owns the :class:`~brainview.sim.Simulation`.

The GUI thread never simulates. It calls :meth:`SimulationWorker.submit`, which only puts a
command on a ``queue.Queue``; the worker drains that queue between chunks of a few milliseconds
of simulated time, runs the engine (whose numba kernels release the GIL), and publishes an
immutable :class:`~brainview.ui.commands.Snapshot` at most :data:`PUBLISH_HZ` times a second.
An exception stops the run and is reported through :attr:`SimulationWorker.errored`; the
worker keeps serving commands, so Reset or an undo can bring the run back.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
import traceback
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from brainview.connectome import Connectome
from brainview.ui import commands as cmd
from brainview.ui.commands import Change, Pacer, Pacing, Snapshot, WeightSamples
from brainview.ui.engine_status import warm_up_engine
from brainview.ui.rewind import Rewinder, apply_command, recent_past

PUBLISH_HZ = 60.0
"""Most snapshots published per second."""

MAX_CHUNK_MS = 5.0
"""Longest stretch of simulated time between two looks at the command queue."""

RATE_BIN_MS = 10.0
"""Width of the population-rate bins, ms."""

RECORD_MAX_SPIKES = 20_000_000
"""Most spikes the run's recording holds (240 MB); beyond, it restarts and Export run says so."""

GROUPS_MONITOR = "watched groups"
"""Name of the engine's rate monitor of the groups the window traces."""

PROBE_SAMPLE_MS = 0.5
"""Probe voltages are published every this many ms of simulated time (2 kHz)."""

WEIGHT_SAMPLE_MS = 20.0
"""A plastic run's weights are sampled every this many ms of simulated time."""

IDLE_POLL_S = 0.05
"""How long a paused worker waits for a command before looking again."""

REFILL_MS = 10_000.0
"""After a rewind, the first snapshot brings back the spikes and rates of this much simulated
time before the fork point (the longest trace window), so the traces show the past again."""

CHECKPOINT_EVERY_MS = 2000.0
"""Default simulated time between two checkpoints of a live run."""

CHECKPOINT_BUDGET_MB = 256.0
"""Default memory the checkpoints of a live run may hold."""

UNACKNOWLEDGED_LIMIT_S = 0.5
"""A snapshot not acknowledged within this time is taken as lost, and the next one is sent."""

CAUGHT = BaseException
"""What the worker reports instead of dying: everything, ``SystemExit`` from a plugin's model
included. Nothing else would see it: an exception that escapes a QThread's slot ends the thread
silently, leaving the GUI saying "running" and the process aborting at exit. (Python delivers
``KeyboardInterrupt`` only to the main thread, so catching it here never swallows Ctrl+C.)"""


def default_simulation(connectome: Connectome, overrides: dict[str, float], plasticity=None):
    """The Shiu et al. 2024 model on ``connectome``, dt = 0.1 ms, seed 0.

    ``overrides`` replaces published parameters by name (``{"w_syn_mV": 1.4}``); ``plasticity``
    a :class:`~brainview.sim.plasticity.PlasticityRule` makes the run plastic.
    """
    from brainview.sim import ShiuParams, Simulation

    return Simulation(connectome, ShiuParams(**overrides), dt_ms=0.1, seed=0, plasticity=plasticity)


class SimulationWorker(QObject):
    """Runs a simulation in its own thread, steered by commands, reporting by snapshots.

    Parameters
    ----------
    connectome : Connectome
        The network to simulate.
    pacing : Pacing
        Initial speed.
    make_simulation : callable, optional
        ``make_simulation(connectome, overrides)`` builds the engine inside the worker thread
        (numba compiles there, not on the GUI thread); :func:`default_simulation` by default.
        After :class:`~brainview.ui.commands.SetPlasticity` it is called with ``plasticity=rule``.
    warm_up : callable or None, optional
        Called in the worker thread before each build; returns True if it had to compile
        (:func:`~brainview.ui.engine_status.warm_up_engine`, numba's cache, by default).

    Signals
    -------
    preparing(float)
        A build began, at this ``time.monotonic()``.
    warmedUp(bool)
        The warm-up before a build ended; True if it compiled (a cold cache).
    published(Snapshot)
        What happened since the previous snapshot.
    stateChanged(bool)
        The worker started (True) or stopped (False) playing.
    ready(str)
        The engine is built and compiled; a one-line description.
    errored(str, str)
        An exception: its message and traceback. The run is paused.
    exported(list, str)
        After :class:`~brainview.ui.commands.ExportRun`: the files written, or none and why.
    branchShared(object)
        After :class:`~brainview.ui.commands.ShareBranch`: the running branch so far.

    Live runs keep checkpoints (:mod:`brainview.ui.rewind`): :class:`~brainview.ui.commands.Restore`
    rewinds to any time and continues as a new branch; the first snapshot after it carries a
    :class:`~brainview.ui.commands.BranchState`.

    The receiver of ``published`` calls :meth:`acknowledge` when it has shown a snapshot; until
    then the worker holds the next one back (collecting everything into it), so a busy GUI
    thread never piles up a backlog of snapshots and always shows the newest state. A snapshot
    that carries a lesion or stimulus change is not held back.
    """

    preparing = Signal(float)
    warmedUp = Signal(bool)
    published = Signal(object)
    stateChanged = Signal(bool)
    ready = Signal(str)
    errored = Signal(str, str)
    exported = Signal(list, str)
    branchShared = Signal(object)

    def __init__(self, connectome: Connectome, pacing: Pacing = Pacing(),
                 make_simulation: Callable[[Connectome, dict], object] = default_simulation,
                 warm_up: Callable[[], bool] | None = warm_up_engine) -> None:
        super().__init__()
        self.connectome = connectome
        self.make_simulation = make_simulation
        self.warm_up = warm_up
        self.commands: queue.Queue = queue.Queue()
        self.pacer = Pacer(pacing, MAX_CHUNK_MS)
        self.thread = QThread()
        self.thread.setObjectName("brainview-simulation")
        self.moveToThread(self.thread)
        self.thread.started.connect(self._serve)
        self.sim = None
        self._running = False
        self._steps_left = 0
        self._stopping = False
        self._overrides: dict[str, float] = {}
        self._plasticity = cmd.SetPlasticity()  # the rule the engine has (None: not plastic)
        self._weights = None  # the engine's WeightMonitor, read and emptied at each snapshot
        self._weight_start = np.zeros(0)
        self._frozen_keys: frozenset[str] = frozenset()  # stimuli that repeat their trains
        self._hold_step: int | None = None  # run no further than this step (HoldAfter)
        self.rewinder = Rewinder(CHECKPOINT_EVERY_MS, CHECKPOINT_BUDGET_MB)
        self._branch_state: cmd.BranchState | None = None  # for the next snapshot, after a rewind
        # (kind, key) -> (the command, the engine's handle to undo it), in the order applied,
        # so a rebuilt engine gets every lesion and stimulus back in the same order.
        self._interventions: dict[tuple[str, str], tuple[cmd.ApplyLesion | cmd.ApplyStimulus, object]] = {}
        self._group_labels: tuple[str, ...] = ()
        self._group_rows: tuple[np.ndarray, ...] = ()
        self._next_rate_bin = 0  # the first bin of the rate monitor not yet published
        self._probe_rows = np.zeros(0, np.int64)
        self._probe_every = 1
        self._generation = 0
        self._spike_cursor = 0  # spikes of sim.spikes already published (the record is the recording)
        self._run_started = time.monotonic()
        self._clear_pending()
        self._last_publish = 0.0
        self._last_publish_t_ms = 0.0
        self._factor = 0.0
        self._dirty = False
        self._unacknowledged = threading.Event()

    # -- GUI thread side ------------------------------------------------------------------------
    def submit(self, command: cmd.Command) -> None:
        """Queue ``command`` for the worker (never blocks)."""
        self.commands.put(command)

    def acknowledge(self) -> None:
        """The GUI has shown the last snapshot; the next may come (callable from any thread)."""
        self._unacknowledged.clear()

    def start(self) -> None:
        """Start the thread; the engine is built there."""
        self.thread.start()

    def stop(self, timeout_ms: int = 10_000) -> bool:
        """Ask the worker to finish and wait for its thread to end; False if it has not ended."""
        self.submit(cmd.Shutdown())
        self.thread.quit()
        return self.thread.wait(timeout_ms)

    # -- worker thread ---------------------------------------------------------------------------
    @Slot()
    def _serve(self) -> None:
        try:
            self.sim = self._build(self._overrides)
            # A first snapshot at t = 0, before any command: the window of a dataset opened
            # while the last one played shows this run's clock, not the last one's.
            self._dirty = self.sim is not None
            while not self._stopping:
                self._drain(block=not (self._running or self._steps_left))
                if self._stopping:
                    break
                if self.sim is not None and (self._running or self._steps_left):
                    try:
                        self._advance()
                    except CAUGHT as error:  # stop the run, report, keep serving commands
                        self._fail(error)
                self._publish_if_due()
        except CAUGHT as error:  # a bug of the worker itself: say so, and let the thread end
            self._fail(error)
        finally:
            self.thread.quit()

    def _build(self, overrides: dict[str, float], rule=None):
        """A compiled engine with ``overrides`` (plastic by ``rule``), or None (the error reported)
        if it cannot be built."""
        self.preparing.emit(time.monotonic())
        try:
            # Apart from the build, on tiny networks: the window can tell compiling from building.
            self.warmedUp.emit(bool(self.warm_up()) if self.warm_up is not None else False)
            if rule is None:
                sim = self.make_simulation(self.connectome, dict(overrides))
            else:
                sim = self.make_simulation(self.connectome, dict(overrides), plasticity=rule)
            sim.step(1)  # compile the kernels now, in this thread, while the user looks around
            sim.reset()
        except CAUGHT as error:  # shown to the user; the window stays usable
            self.errored.emit(f"The simulation could not be built: {_describe(error)}", traceback.format_exc())
            return None
        self._probe_every = max(1, round(PROBE_SAMPLE_MS / sim.dt_ms))
        self.ready.emit(f"{type(sim).__name__}, dt = {sim.dt_ms:g} ms")
        return sim

    def _watch_groups(self, sim) -> None:
        """Bin the watched groups' rates in ``sim`` from its next complete bin on."""
        groups = list(zip(self._group_labels, self._group_rows))
        monitor = sim.add_rate_monitor(GROUPS_MONITOR, RATE_BIN_MS, groups=groups)
        # A bin begun before the groups were chosen holds only part of its spikes: skip it.
        self._next_rate_bin = -(-sim.steps_done // monitor.bin_steps)

    def _watch_weights(self, sim) -> None:
        """Sample a plastic ``sim``'s weights per label of the plasticity's column, from t = 0."""
        self._weights = None
        if getattr(sim, "plastic", None) is not None:
            by = self._plasticity.by if self._plasticity.by in self.connectome.columns else "cell_type"
            self._weights = sim.add_weight_monitor(by, WEIGHT_SAMPLE_MS)
            self._weight_start = self._weights.sums_mV[0].copy()  # at t = 0: the connectome's weights

    def _rebuild(self, overrides: dict[str, float], plasticity: cmd.SetPlasticity | None = None) -> None:
        """A new engine with ``overrides`` (and ``plasticity``, by default the current one), at
        t = 0, with every intervention and probe put back."""
        plasticity = self._plasticity if plasticity is None else plasticity
        sim = self._build(overrides, plasticity.rule)
        if sim is None:
            return
        self.sim, self._overrides, self._plasticity = sim, overrides, plasticity
        self._watch_weights(sim)
        self._interventions = {
            slot: (command, _install(sim, command, self._frozen_keys))
            for slot, (command, _) in self._interventions.items()
        }
        if self._probe_rows.size:
            sim.set_probes(self._probe_rows)
        self._watch_groups(sim)
        self._start_generation()

    def _start_generation(self) -> None:
        self._generation += 1
        self._spike_cursor = 0
        self._run_started = time.monotonic()
        self._clear_pending()
        # The engine starts again at step 0 with the interventions it holds: say so, so that
        # the window's log of this run begins with them.
        self._changes = [Change(0.0, kind, command.label, command.serial, 0)
                         for (kind, _), (command, _) in self._interventions.items()]
        self._next_rate_bin = 0
        self._hold_step = None
        self.rewinder.start()
        self.pacer.restart(0.0)
        self._last_publish_t_ms = 0.0
        self._dirty = True

    def _drain(self, block: bool) -> None:
        try:
            command = self.commands.get(timeout=IDLE_POLL_S) if block else self.commands.get_nowait()
        except queue.Empty:
            return
        while True:
            try:
                self._apply(command)
            except CAUGHT as error:
                self._fail(error)
            if self._stopping:
                return
            try:
                command = self.commands.get_nowait()
            except queue.Empty:
                return

    def _fail(self, error: BaseException) -> None:
        self._set_running(False)
        self._steps_left = 0
        self._dirty = True
        self.errored.emit(_describe(error), traceback.format_exc())

    def _set_running(self, running: bool) -> None:
        if running != self._running:
            self._running = running
            self._dirty = True
            self.stateChanged.emit(running)

    def _apply(self, command: cmd.Command) -> None:
        if isinstance(command, cmd.Shutdown):
            self._stopping = True
            return
        if isinstance(command, cmd.SetPacing):
            self.pacer.set_pacing(command.pacing, self._now_ms())
            return
        if isinstance(command, cmd.ExportRun):
            self._export(command)
            return
        if isinstance(command, cmd.SetModelParameters):
            overrides = dict(command.overrides)
            if self.sim is not None and _same_model(overrides, self._overrides):
                # The same model written out (a dataset recommending the defaults): nothing to
                # rebuild, and a Play waiting for the first build is not lost to a second one.
                self._overrides = overrides
                return
            self._rebuild(overrides)
            return
        if isinstance(command, cmd.SetPlasticity):
            self._rebuild(self._overrides, command)
            return
        if isinstance(command, cmd.SetCheckpointing):
            self.rewinder.configure(command.every_ms, command.budget_MB)
            return
        if isinstance(command, cmd.SetFrozenStimuli):
            self._frozen_keys = frozenset(command.keys)
            return
        if isinstance(command, cmd.SetGroups):
            self._group_labels, self._group_rows = command.labels, command.rows
            self._rate_t, self._rate_v = [], []
            if self.sim is not None:
                self._watch_groups(self.sim)
            return
        if self.sim is None:
            if isinstance(command, (cmd.Play, cmd.Step)):
                raise RuntimeError("there is no simulation to run (it could not be built; see the first error)")
            return
        sim = self.sim
        if isinstance(command, cmd.Play):
            self.pacer.restart(sim.time_ms)
            self._last_publish, self._last_publish_t_ms = time.monotonic(), sim.time_ms
            self._set_running(True)
        elif isinstance(command, cmd.Pause):
            self._steps_left = 0
            self._set_running(False)
        elif isinstance(command, cmd.Step):
            self._steps_left += max(1, round(command.duration_ms / sim.dt_ms))
        elif isinstance(command, cmd.Reset):
            sim.reset()
            self._start_generation()
        elif isinstance(command, cmd.Restore):
            self._rewind(round(command.t_ms / sim.dt_ms))
        elif isinstance(command, cmd.ShareBranch):
            self._share_branch()
        elif isinstance(command, cmd.HoldAfter):
            self._hold_step = None if command.duration_ms is None else \
                sim.steps_done + round(command.duration_ms / sim.dt_ms)
            self.pacer.restart(sim.time_ms)  # time spent waiting is not made up for
        elif isinstance(command, cmd.ResetWeights):
            sim.reset_weights()  # the weight monitor samples the reset at once
            self._dirty = True
        elif isinstance(command, cmd.SetProbes):
            rows = np.asarray(command.rows, dtype=np.int64)
            sim.set_probes(rows if rows.size else None)
            self._probe_rows = rows
            self._probe_t, self._probe_v = [], []
        else:
            self._apply_intervention(command)

    def _apply_intervention(self, command) -> None:
        sim = self.sim
        change = apply_command(sim, self._interventions, command, lambda c: _install(sim, c, self._frozen_keys))
        self.rewinder.note(sim.steps_done, command)
        self._changes.append(Change(sim.time_ms, change, command.label, command.serial, sim.steps_done))
        self._dirty = True

    def _rewind(self, step: int) -> None:
        """Back to ``step`` (no later than now) as a new branch; the branch left is kept."""
        sim = self.sim
        install = lambda c: _install(sim, c, self._frozen_keys)  # noqa: E731
        self._interventions, self._branch_state = self.rewinder.fork_at(
            sim, step, install, GROUPS_MONITOR, time.monotonic() - self._run_started)
        self._generation += 1
        self._clear_pending()
        self._hold_step = None
        self._steps_left = 0
        self.pacer.restart(sim.time_ms)
        # The new generation's first snapshot shows the recent past again: spikes, rates, markers.
        past = recent_past(sim, GROUPS_MONITOR, REFILL_MS)
        self._spike_rows, self._spike_t = [past.spike_rows], [past.spike_t_ms]
        self._rate_t, self._rate_v = ([past.rate_t_ms], [past.rates_hz]) if past.rate_t_ms.size else ([], [])
        self._next_rate_bin = past.next_rate_bin
        self._spike_cursor = len(sim.spikes)
        self._changes = list(self.rewinder.markers(past.first_step, sim.steps_done, sim.dt_ms))
        self._dirty = True

    def _in_force_now(self, state: cmd.BranchState | None) -> cmd.BranchState | None:
        """``state`` with the interventions in force now: commands applied after the rewind and
        before this snapshot are in it too, so the window's experiment matches the engine."""
        if state is None:
            return None
        return dataclasses.replace(state, in_force=tuple(c.serial for c, _ in self._interventions.values()))

    def _share_branch(self) -> None:
        self.branchShared.emit(self.rewinder.running_branch(self.sim, GROUPS_MONITOR,
                                                             time.monotonic() - self._run_started))

    def _export(self, command: cmd.ExportRun) -> None:
        """Write the run so far; tell the window the files written, or why not (the run goes on)."""
        from brainview.errors import BrainviewError
        from brainview.experiment.export import write_run_file
        from brainview.experiment.live import recorded_run

        try:
            if self.sim is None:
                raise BrainviewError("there is no simulation to export")
            if command.branch is not None and command.branch != self.rewinder.branches.current:
                result = self.rewinder.branches.find(command.branch).result
            else:
                result = recorded_run(self.sim, GROUPS_MONITOR, time.monotonic() - self._run_started)
            written = write_run_file(command.path, result, command.dataset, command.format, self.connectome)
        except (BrainviewError, OSError) as error:
            self.exported.emit([], str(error))
            return
        self.exported.emit([str(p) for p in written], "")

    def _now_ms(self) -> float:
        return self.sim.time_ms if self.sim is not None else 0.0

    def _advance(self) -> None:
        sim = self.sim
        room = None if self._hold_step is None else self._hold_step - sim.steps_done
        if room is not None and room <= 0:  # held (HoldAfter): wait for the next command
            time.sleep(0.002)
            return
        if self._steps_left:
            n_steps = min(self._steps_left, max(1, round(MAX_CHUNK_MS / sim.dt_ms)), room or self._steps_left)
            self._steps_left -= n_steps
        else:
            chunk_ms = self.pacer.next_chunk_ms(sim.time_ms)
            if chunk_ms < sim.dt_ms:
                time.sleep(min(self.pacer.wait_s(sim.time_ms, sim.dt_ms), 0.004))
                return
            n_steps = int(chunk_ms / sim.dt_ms + 1e-9)
            if room is not None:
                n_steps = min(n_steps, room)
        self.rewinder.before_steps(sim, self._interventions)
        sim.step(n_steps)
        self.rewinder.after_steps(sim, self._interventions)
        steps, cells, self._spike_cursor = sim.spikes.since(self._spike_cursor)
        if len(sim.spikes) > RECORD_MAX_SPIKES:  # the recording for Export run is cut, not the view
            sim.spikes.clear()
            self._spike_cursor = 0
        times = steps * sim.dt_ms
        self._spike_rows.append(cells.astype(np.int32))
        self._spike_t.append(times)
        monitor = sim.rates.get(GROUPS_MONITOR)
        if monitor is not None and monitor.complete_bins > self._next_rate_bin:
            first, last = self._next_rate_bin, monitor.complete_bins
            self._rate_t.append(np.arange(first + 1, last + 1) * monitor.bin_ms)
            self._rate_v.append(monitor.rates_Hz(first)[: last - first].T)
            self._next_rate_bin = last
        if self._probe_rows.size:
            segment = sim.probes.latest(n_steps)
            sim.probes.clear(sim.steps_done)
            sample = np.arange(segment.volts_mV.shape[0])
            sample = sample[(segment.first_step + sample + 1) % self._probe_every == 0]
            self._probe_t.append((segment.first_step + sample + 1) * sim.dt_ms)
            self._probe_v.append(segment.volts_mV[sample].T)
        self._dirty = True

    def _clear_pending(self) -> None:
        self._spike_rows: list[np.ndarray] = []
        self._spike_t: list[np.ndarray] = []
        self._rate_t: list[np.ndarray] = []
        self._rate_v: list[np.ndarray] = []
        self._probe_t: list[np.ndarray] = []
        self._probe_v: list[np.ndarray] = []
        self._changes: list[Change] = []

    def _publish_if_due(self) -> None:
        now = time.monotonic()
        if not self._dirty or now - self._last_publish < 1.0 / PUBLISH_HZ:
            return
        # A lesion or stimulus the user just made does not wait for the GUI to acknowledge the
        # previous snapshot: the traces mark it as soon as the GUI thread gets to it.
        waiting = self._unacknowledged.is_set() and now - self._last_publish < UNACKNOWLEDGED_LIMIT_S
        if waiting and not self._changes:
            return
        t_ms = self._now_ms()
        if self._running and now > self._last_publish:
            measured = (t_ms - self._last_publish_t_ms) / 1000.0 / (now - self._last_publish)
            self._factor = measured if self._factor == 0 else 0.7 * self._factor + 0.3 * measured
        elif not self._running:
            self._factor = 0.0
        n_groups, n_probes = len(self._group_labels), self._probe_rows.size
        weights = None
        if self._weights is not None:
            weights = WeightSamples(self._weights.labels, self._weight_start, self._weights.times_ms,
                                    self._weights.sums_mV.T.copy())
            self._weights.clear()
        snapshot = Snapshot(
            generation=self._generation,
            t_ms=t_ms,
            spike_rows=_join(self._spike_rows, np.int32),
            spike_t_ms=_join(self._spike_t, np.float64),
            rate_t_ms=_join(self._rate_t, np.float64),
            rates_hz=np.concatenate(self._rate_v, axis=1) if self._rate_v else np.zeros((n_groups, 0)),
            group_labels=self._group_labels,
            probe_rows=self._probe_rows.copy(),
            probe_t_ms=_join(self._probe_t, np.float64),
            probe_mV=np.concatenate(self._probe_v, axis=1) if self._probe_v else np.zeros((n_probes, 0)),
            real_time_factor=self._factor,
            running=self._running,
            changes=tuple(self._changes),
            weights=weights,
            branch=self._in_force_now(self._branch_state),
        )
        self._branch_state = None
        self._clear_pending()
        self._dirty = False
        self._last_publish, self._last_publish_t_ms = now, t_ms
        self._unacknowledged.set()
        self.published.emit(snapshot)


def _same_model(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two sets of overrides of the Shiu parameters give the same model."""
    from brainview.errors import BrainviewError
    from brainview.sim import ShiuParams

    try:
        return ShiuParams().replace(**a) == ShiuParams().replace(**b)
    except BrainviewError:  # not a valid model: the rebuild reports it
        return False


def _install(sim, command: cmd.ApplyLesion | cmd.ApplyStimulus, frozen_keys: frozenset[str] = frozenset()):
    """Put ``command``'s lesion or stimulus into ``sim``; the handle that takes it out again.
    A stimulus whose key is in ``frozen_keys`` repeats its trains from its start."""
    if isinstance(command, cmd.ApplyLesion):
        return sim.lesion(command.rows, command.mode)
    if command.key in frozen_keys:
        return sim.stimulate(command.rows, command.rate_hz, stream=command.stream, frozen=True)
    return sim.stimulate(command.rows, command.rate_hz, stream=command.stream)


def _join(parts: list[np.ndarray], dtype) -> np.ndarray:
    """The arrays ``parts`` end to end as ``dtype`` (an empty array when there are none)."""
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _describe(error: BaseException) -> str:
    """One line for the user: the exception's type and message."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
