"""File > Record movie: the 3D view as an MP4 or GIF, frame by frame while the simulation runs.

Frames are taken at the cadence of simulated time (see :mod:`brainview.render.movie_frames`):
one frame per ``1000 / fps`` ms simulated, so the movie plays one simulated second per second at
any pacing, and a paused simulation adds nothing. Each frame is composed like a saved picture
(:func:`~brainview.ui.picture.compose_frame`): the view, the legend, the dataset and the clock,
and the lesions and stimuli in force at that moment.

The recorder follows the snapshots the window shows (any stream of
:class:`~brainview.ui.commands.Snapshot`: :meth:`MovieRecorder.add_snapshot`). It draws the glow
of each frame from the snapshot's own spike times, with an activity visual of its own in the
view's scene (hidden on screen), so a frame shows exactly the spikes of its moment whenever it
is drawn. Frames are drawn on the GUI thread a few at a time, spaced so that they take at most
:data:`FRAME_SHARE` of its time; when they fall behind by more than :data:`BACKLOG_S` of movie,
the simulation is slowed down until the recording stops, so that no frame is dropped. Encoding
runs on the writer's own thread. Closing the window or quitting finishes the movie first.
"""

from __future__ import annotations

import math
import time
from collections import deque
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QPushButton, QWidget

from brainview.errors import ParameterError
from brainview.render.movie_frames import MOVIE_FORMATS, Intervention, MovieWriter, in_force, movie_caption
from brainview.ui.commands import Pacing, SetPacing, Snapshot
from brainview.ui.picture import compose_frame, dataset_names, default_file_name, draw_view, image_rgb
from brainview.ui.theme import LESION

FILTER = ";;".join(f"{text} (*{suffix})" for suffix, text in MOVIE_FORMATS.items())

DEFAULT_FPS = 30.0
"""Frames per simulated second proposed in the dialog."""

FRAME_SHARE = 0.3
"""Most of the GUI thread's time drawing movie frames may take (as the live view, see ``view3d``)."""

BACKLOG_S = 1.0
"""Seconds of movie that may wait to be drawn before the simulation is slowed down."""

RECORD_TEXT, STOP_TEXT = "Record &movie...", "Stop recording &movie"
"""File menu texts of :attr:`MovieRecorder.record_action` while idle and while recording."""

INDICATOR_INTERVAL_MS = 250
"""How often the "Recording 00:12" indicator is shown anew."""


def log_interventions(log, dt_ms: float) -> list[Intervention]:
    """The lesions and stimuli of an experiment's log (:class:`~brainview.experiment.LogRecord`), each
    from the step it took effect to the step it was changed or lifted."""
    opened: dict[tuple[str, str], tuple[float, str]] = {}
    spans = []
    for record in sorted(log, key=lambda r: r.step):
        t_ms = record.step * dt_ms
        slot = (record.kind, record.key)
        if slot in opened:
            start_ms, text = opened.pop(slot)
            spans.append(Intervention(start_ms, t_ms, text))
        entry = record.entry
        if entry is not None and getattr(entry, "on", True):
            opened[slot] = (t_ms, entry.text)
    return spans + [Intervention(start_ms, math.inf, text) for start_ms, text in opened.values()]


def marker_interventions(markers) -> list[Intervention]:
    """The lesions and stimuli of a replayed run's markers (:class:`~brainview.experiment.recording.Marker`),
    each from its marker to the one that lifts it (the same cells: "silence AVA" .. "restore AVA")."""
    opened: dict[str, tuple[float, str]] = {}
    spans = []
    for marker in sorted(markers, key=lambda m: m.t_ms):
        target = marker.label.partition(" ")[2]
        if target in opened:
            start_ms, text = opened.pop(target)
            spans.append(Intervention(start_ms, marker.t_ms, text))
        if marker.kind in ("lesion", "stimulus"):
            opened[target] = (marker.t_ms, marker.label)
    return spans + [Intervention(start_ms, math.inf, text) for start_ms, text in opened.values()]


class MovieRecorder(QObject):
    """Records the window's 3D view into a movie; File > Record movie starts and stops it.

    Parameters
    ----------
    window : MainWindow
        The window whose view, session and simulation are recorded.
    """

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.writer: MovieWriter | None = None
        self.size = (0, 0)
        self.fps = DEFAULT_FPS
        self._session = None
        self._worker = None
        self._source = None  # the signal snapshots come from: the worker's, or the replay's
        self._replay_spans: list[Intervention] | None = None  # a replay's interventions, None when live
        self._last_spike_ms = -math.inf
        self._glow = None  # the recorder's activity visual, in the view's scene
        self._generation = -1
        self._origin_ms = 0.0  # frame k of this run shows origin + k / fps
        self._next_frame = 1
        self._spike_rows: list[np.ndarray] = []
        self._spike_t: list[np.ndarray] = []
        self._due: deque[tuple[float, str]] = deque()  # (time, caption) of the frames not drawn yet
        self._frame_s = 0.0
        self._slowed = ""  # the pacing the recording imposed, while it does (its label)
        self._draw_timer = QTimer(self, singleShot=True)
        self._draw_timer.timeout.connect(self._draw_due)
        self._indicator_timer = QTimer(self, interval=INDICATOR_INTERVAL_MS)
        self._indicator_timer.timeout.connect(self._on_tick)
        self.record_action = QAction(RECORD_TEXT, self, shortcut=QKeySequence("Ctrl+Shift+M"))
        self.record_action.setToolTip("Record the 3D view as an MP4 or GIF movie while the simulation runs")
        self.record_action.triggered.connect(self.toggle)
        # the indicator: in the status bar, where it never crowds the toolbar's controls out
        self.indicator = QWidget()
        self.label = QLabel()
        self.label.setStyleSheet(f"color: {LESION}; font-weight: bold;")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Finish the movie and close its file (Ctrl+Shift+M)")
        self.stop_button.clicked.connect(self.stop)
        row = QHBoxLayout(self.indicator)
        row.setContentsMargins(0, 0, 8, 0)
        row.addWidget(self.label)
        row.addWidget(self.stop_button)
        window.statusBar().addPermanentWidget(self.indicator)
        self.indicator.hide()
        window.installEventFilter(self)
        QApplication.instance().aboutToQuit.connect(self.stop)

    @property
    def recording(self) -> bool:
        """True while a movie is being recorded."""
        return self.writer is not None

    @property
    def movie_s(self) -> float:
        """Seconds of movie recorded so far (frames drawn and waiting)."""
        frames = (self.writer.frames if self.writer is not None else 0) + len(self._due)
        return frames / self.fps

    def toggle(self) -> None:
        """File > Record movie: ask where and how, then start; while recording, stop."""
        if self.recording:
            self.stop()
            return
        from brainview.ui.output_dialog import ask_output, size_presets

        window = self.window
        if not self._can_record():
            return
        view_size = tuple(int(v) for v in window.view.view.canvas.size)
        stem = dataset_names(window.session)[1]
        start = Path(window.last_folder(), default_file_name(stem, window.view.clock_ms, ".mp4"))
        chosen = ask_output(window, "Record movie", start, FILTER, size_presets(view_size, 1), DEFAULT_FPS, even=True)
        if chosen is not None:
            path, size, fps = chosen
            self.start(path if path.suffix else path.with_suffix(".mp4"), size, fps)

    def _can_record(self) -> bool:
        window = self.window
        if window.session is None or window.worker is None:
            return False
        if window.view.view is None:
            window.show_error("Could not record a movie", f"The 3D view is not available here: {window.view.problem}.")
            return False
        return True

    def start(self, path: str | Path, size: tuple[int, int], fps: float = DEFAULT_FPS) -> bool:
        """Record from now into ``path`` (.mp4 or .gif), frames of ``size`` = (width, height); True if started."""
        from brainview.render.visuals import Activity

        if self.recording or not self._can_record():
            return False
        window = self.window
        try:
            self.writer = MovieWriter(path, size, fps)
        except ParameterError as error:
            window.show_error("Could not record a movie", str(error))
            return False
        self.size, self.fps = self.writer.size, self.writer.fps
        self._session, self._worker = window.session, window.worker
        replay = window.timeline.replay
        # A replay shown on the timeline is recorded from its snapshots, captioned by its markers.
        self._replay_spans = None if replay is None else marker_interventions(replay.recording.markers)
        self._source = window.timeline.shown if replay is not None else self._worker.published
        view = window.view.view
        shown = self._view_glow()
        self._glow = Activity(tau_ms=shown.tau_ms, parent=view.scene)
        self._glow.order, self._glow.visible = shown.order, False
        self._glow.set_radius_scale(self._neurons().radius_scale)
        self._generation = window.view.generation
        self._origin_ms, self._next_frame = window.view.clock_ms, 1
        self._spike_rows, self._spike_t, self._due = [], [], deque()
        self._last_spike_ms = self._origin_ms
        self._source.connect(self.add_snapshot)
        self._indicator_timer.start()
        self._on_tick()
        self.indicator.show()
        self.record_action.setText(STOP_TEXT)
        window.statusBar().showMessage(f"Recording {self.writer.path}: the movie grows while the simulation runs", 8000)
        return True

    def _view_glow(self):
        from brainview.render.visuals import ActivityVisual

        view = self.window.view.view
        return next(n for n in view.scene.children if isinstance(n, ActivityVisual) and n is not self._glow)

    def _neurons(self):
        from brainview.render.visuals import NeuronsVisual

        return next(n for n in self.window.view.view.scene.children if isinstance(n, NeuronsVisual))

    # -- snapshots in, frames due -------------------------------------------------------------------
    @Slot(object)
    def add_snapshot(self, snapshot: Snapshot) -> None:
        """Take the spikes of ``snapshot``; every frame time it passes becomes due."""
        if not self.recording:
            return
        replaying = self._replay_spans is not None
        # A live run starts again at t = 0 with a new generation; a replay (whose every moment shown
        # is a generation of its own) when it goes back in time.
        if (snapshot.generation != self._generation if not replaying
                else snapshot.t_ms < self._origin_ms + (self._next_frame - 1) * 1000.0 / self.fps - 1e-6):
            self._draw_all()
            self._generation = snapshot.generation
            self._glow.clear()
            self._spike_rows, self._spike_t = [], []
            self._origin_ms, self._next_frame = (snapshot.t_ms if replaying else 0.0), 1
            self._last_spike_ms = self._origin_ms if replaying else -math.inf
        # A replayed moment carries the spikes of the traces' window before it: keep the new ones.
        new = snapshot.spike_t_ms > self._last_spike_ms
        if new.any():
            self._spike_rows.append(snapshot.spike_rows[new])
            self._spike_t.append(snapshot.spike_t_ms[new])
            self._last_spike_ms = float(snapshot.spike_t_ms[new].max())
        # the captions now, while the log is this run's (a reset clears it before the frames are drawn)
        experiment = self._session.experiment
        spans = self._replay_spans if replaying else log_interventions(experiment.log, experiment.dt_ms)
        name = dataset_names(self._session)[0]
        while (t_ms := self._origin_ms + self._next_frame * 1000.0 / self.fps) <= snapshot.t_ms + 1e-6:
            self._due.append((t_ms, movie_caption(name, t_ms, in_force(spans, t_ms))))
            self._next_frame += 1
        if self._due and not self._draw_timer.isActive():
            self._draw_timer.start(0)
        if len(self._due) > BACKLOG_S * self.fps:
            self._slow_down()

    def _draw_due(self) -> None:
        """Draw the oldest due frame, then come back after a pause that keeps to :data:`FRAME_SHARE`."""
        if not self._due or not self.recording:
            return
        started = time.perf_counter()
        if not self._draw(*self._due.popleft()):
            return
        cost = time.perf_counter() - started
        self._frame_s = cost if self._frame_s == 0 else 0.7 * self._frame_s + 0.3 * cost
        if self._due:
            self._draw_timer.start(int(1000 * self._frame_s * (1 / FRAME_SHARE - 1)))

    def _draw_all(self) -> None:
        while self._due and self.recording:
            self._draw(*self._due.popleft())

    def _draw(self, t_ms: float, caption: str) -> bool:
        """Draw the frame at ``t_ms`` and hand it to the writer; False (and the recording stopped) on failure."""
        from brainview.render import FLAG_HIDDEN
        from brainview.render.offscreen import quietly
        from brainview.ui.view3d import LEGEND_ENTRIES

        panel = self.window.view
        view, glow, shown = panel.view, self._glow, self._view_glow()
        with quietly(view.canvas):  # the screen keeps showing the view's own glow, undisturbed
            self._push_until(t_ms, (view.flags() & FLAG_HIDDEN) > 0)
            glow.set_time(t_ms)
            shown.visible, glow.visible = False, True
            try:
                image = compose_frame(lambda s: draw_view(view, s), view.legend(), caption, self.size, LEGEND_ENTRIES)
            finally:
                shown.visible, glow.visible = True, False
        try:
            self.writer.add(image_rgb(image))
        except Exception as error:  # the encoder failed (a full disk...): say so, keep the app
            self._finish(f"The movie could not be written: {error}")
            return False
        return True

    def _push_until(self, t_ms: float, hidden: np.ndarray) -> None:
        """Hand the recorder's glow the spikes up to ``t_ms`` (later ones stay pending)."""
        if not self._spike_t:
            return
        rows, times = np.concatenate(self._spike_rows), np.concatenate(self._spike_t)
        cut = int(np.searchsorted(times, t_ms, side="right"))
        self._spike_rows, self._spike_t = ([rows[cut:]], [times[cut:]]) if cut < times.size else ([], [])
        rows, times = rows[:cut].astype(np.int64), times[:cut]
        keep = ~hidden[rows]
        neurons = self._neurons()
        self._glow.push(neurons.positions[rows[keep]], neurons.radii[rows[keep]], times[keep].astype(np.float32),
                        now_ms=t_ms)

    def _slow_down(self) -> None:
        """Frames fall behind: run the simulation no faster than they can be drawn."""
        if self._frame_s <= 0 or self._replay_spans is not None:  # a replay waits for its frames anyway
            return
        factor = FRAME_SHARE / (self._frame_s * self.fps)  # simulated s per wall s the frames keep up with
        wanted = self.window.controls.pacing.target_factor
        if wanted is not None and wanted <= factor:
            return
        pacing = Pacing("realtime") if factor >= 1 else Pacing("slow", float(math.ceil(1 / factor)))
        self._worker.submit(SetPacing(pacing))
        self._slowed = pacing.label

    # -- stopping -----------------------------------------------------------------------------------
    def stop(self) -> Path | None:
        """Draw the frames still due, close the movie and say where it is; the path, or None."""
        if not self.recording:
            return None
        if self.window.session is self._session and self.window.view.view is not None:
            self._draw_all()
        else:
            self._due.clear()  # another dataset is shown now: its view cannot draw these frames
        return self._finish()

    def _finish(self, problem: str = "") -> Path | None:
        writer, self.writer = self.writer, None
        self._draw_timer.stop()
        self._indicator_timer.stop()
        self.indicator.hide()
        self.record_action.setText(RECORD_TEXT)
        self._due.clear()
        try:
            self._source.disconnect(self.add_snapshot)
        except (RuntimeError, TypeError):
            pass  # the worker is gone with its dataset
        if self._slowed and self.window.worker is self._worker:
            self._worker.submit(SetPacing(self.window.controls.pacing))
        self._slowed = ""
        if self._glow is not None:
            self._glow.parent = None
            self._glow = None
        try:
            path = writer.close()
        except Exception as error:
            problem = problem or f"The movie could not be written: {error}"
        if problem:
            self.window.show_error("Recording stopped", problem)
            return None
        self.window.statusBar().showMessage(
            f"Movie saved: {path} ({writer.frames} frames, {writer.frames / writer.fps:.1f} s)", 8000)
        return path

    def _on_tick(self) -> None:
        if not self.recording:
            return
        if self.window.session is not self._session:  # another dataset was opened
            self.stop()
            return
        seconds = int(self.movie_s)
        slowed = f"  (simulation paced {self._slowed} to keep up)" if self._slowed else ""
        self.label.setText(f"\u25cf Recording {seconds // 60:02d}:{seconds % 60:02d}{slowed}")
        self.label.setToolTip(f"{self.writer.path}: {self.movie_s:.1f} s of movie, one second per simulated second")

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.stop()  # before the window closes its view: the frames still due need it
        return False
