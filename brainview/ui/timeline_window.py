"""The main window's side of the timeline: rewinding the live run, branches, replaying run files.

:func:`install_timeline` puts a :class:`~brainview.ui.timeline.TimelinePanel` under the 3D view
and returns the :class:`TimelineController` that connects it: live snapshots move its cursor
and markers (from the experiment's log); letting go of the cursor earlier sends
:class:`~brainview.ui.commands.Restore`; the first snapshot after a rewind makes the session
follow the new branch (:meth:`~brainview.ui.session.Session.follow_branch`) and lists the
branches; Export and Compare act on the chosen branch. File > Replay run file opens a
brainview-run or NWB file (:mod:`brainview.experiment.recording`) and replays it
(:mod:`brainview.ui.replay`); live snapshots are then not shown, until the replay is closed or
the live run is played again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from brainview.errors import BrainviewError
from brainview.experiment.recording import read_recording
from brainview.ui import experiment_files
from brainview.ui.branch_view import BranchComparison
from brainview.ui.commands import Restore, ShareBranch, Snapshot
from brainview.ui.controls import format_clock, format_factor
from brainview.ui.replay import Replay
from brainview.ui.timeline import TimelinePanel

REPLAY_FILTER = "Run files (*.h5 *.nwb);;brainview run (*.h5);;NWB (*.nwb);;All files (*)"


class TimelineController(QObject):
    """Connects the timeline to the window ``window`` (see the module notes).

    ``shown(snapshot)`` is emitted for every replayed moment shown (the movie recorder follows it).
    """

    shown = Signal(object)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.panel = TimelinePanel()
        self.replay: Replay | None = None
        self.branch_state = None
        self.comparison: BranchComparison | None = None
        self._compare_with: int | None = None
        panel = self.panel
        panel.rewindRequested.connect(self.rewind)
        panel.exportRequested.connect(lambda branch: experiment_files.export_run(window, branch=branch))
        panel.compareRequested.connect(self.compare)
        panel.seekRequested.connect(self._seek)
        panel.playToggled.connect(lambda on: self.replay is not None and self.replay.play(on))
        panel.speedChanged.connect(lambda speed: self.replay is not None and self.replay.set_speed(speed))
        panel.closeRequested.connect(self.close_replay)

    # -- the live run ------------------------------------------------------------------------------
    def attach(self, worker) -> None:
        """Follow a new worker (a new dataset): one branch, no replay."""
        self.close_replay()
        self.branch_state = None
        self.panel.set_branches(1, [])
        worker.branchShared.connect(self._on_branch_shared)

    def add_snapshot(self, snapshot: Snapshot) -> bool:
        """Follow a live snapshot; True if the view and traces should show it (no replay open)."""
        session = self.window.session
        if snapshot.branch is not None:
            self.branch_state = state = snapshot.branch
            session.follow_branch(state)
            self.panel.set_branches(state.current, list(state.kept))
        if self.replay is not None and snapshot.running:
            self.close_replay()  # the live run was played again: show it
        self.panel.show_live(snapshot.t_ms, self.live_markers(), self.forks())
        return self.replay is None

    def live_markers(self) -> list[tuple[float, str]]:
        """``(t_ms, kind)`` of every change in the experiment's log (the running branch's)."""
        experiment = self.window.session.experiment
        return [(r.step * experiment.dt_ms, r.kind if r.entry is not None and getattr(r.entry, "on", True)
                 else "un" + r.kind) for r in experiment.log]

    def forks(self) -> list[float]:
        """Where the running branch and the kept ones forked from their parents, ms."""
        state = self.branch_state
        if state is None:
            return []
        forks = [b.fork_ms for b in state.kept if b.parent is not None]
        return forks + ([state.fork_ms] if state.parent is not None else [])

    def rewind(self, t_ms: float) -> None:
        """Rewind the live run to ``t_ms``: it goes on from there as a new branch."""
        self.window._send(Restore(max(t_ms, 0.0)))
        self.window.statusBar().showMessage(
            f"Rewound to {t_ms / 1000:.2f} s: a new branch; the one left is kept (timeline, branch list)", 8000)

    def compare(self, number: int) -> None:
        """Compare kept branch ``number`` with the running one (once the worker shares it)."""
        self._compare_with = number
        self.window._send(ShareBranch())

    def _on_branch_shared(self, running) -> None:
        if self._compare_with is None or self.branch_state is None:
            return
        kept = next((b for b in self.branch_state.kept if b.number == self._compare_with), None)
        self._compare_with = None
        if kept is not None:
            self.comparison = BranchComparison(kept, running, self.window)
            self.comparison.show()

    # -- replaying run files ------------------------------------------------------------------------
    def choose_replay(self) -> None:
        """Ask for a run file and replay it."""
        path, _ = QFileDialog.getOpenFileName(self.window, "Replay a run file", self.window.last_folder(),
                                              REPLAY_FILTER)
        if path:
            self.open_replay(path)

    def open_replay(self, path: str | Path) -> bool:
        """Replay the run file ``path`` on the open dataset; False (the error shown) if it cannot."""
        window = self.window
        if window.session is None:
            return False
        try:
            recording = read_recording(path)
            recording.check_cells(window.session.connectome)
        except (BrainviewError, OSError) as error:
            window.show_error("Could not replay the run", str(error))
            return False
        self.close_replay()
        window.controls.play_action.setChecked(False)  # the live run waits while the replay is shown
        self.replay = Replay(recording, self._show, self._groups, lambda: window.traces.window_ms, self)
        self.replay.moved.connect(self.panel.show_replay_time)
        self.replay.playing.connect(self.panel.set_playing)
        self.panel.start_replay(Path(path).name, recording.duration_ms,
                                [(m.t_ms, m.kind) for m in recording.markers])
        self.replay.set_speed(float(self.panel.speed.currentData()))
        self.replay.seek(0.0)
        window.statusBar().showMessage(
            f"Replaying {Path(path).name}: {recording.duration_ms / 1000:.2f} s, {recording.spike_steps.size:,} "
            "spikes. Drag the timeline to any moment.", 8000)
        return True

    def close_replay(self) -> None:
        """Back to the live run: the traces and the view start again with its next snapshot."""
        if self.replay is None:
            return
        self.replay.close()
        self.replay.deleteLater()
        self.replay = None
        self.panel.stop_replay()
        window = self.window
        window.traces.clear()
        window.traces.generation = -1
        window.traces.redraw()
        window.view.generation = -1
        if window.view.view is not None:
            window.view.view.clear_activity()
        window.controls.clock.setText(format_clock(self.panel.live_ms))
        window.controls.factor.setText(format_factor(0.0, False))

    def _seek(self, t_ms: float) -> None:
        if self.replay is not None:
            self.replay.seek(t_ms, moving=self.panel.bar.dragging)

    def _groups(self):
        groups = list(self.window.session.groups.values())
        return tuple(g.label for g in groups), tuple(g.rows for g in groups)

    def _show(self, snapshot: Snapshot) -> None:
        self.window.controls.show_snapshot(snapshot)  # the toolbar's clock reads the replayed time
        self.window.traces.add_snapshot(snapshot)
        self.window.traces.redraw()
        self.window.view.show_snapshot(snapshot)
        self.shown.emit(snapshot)


def install_timeline(window, column) -> TimelineController:
    """Put the timeline in ``column`` (the layout under the 3D view) and connect it to ``window``."""
    controller = TimelineController(window)
    column.addWidget(controller.panel)
    return controller
