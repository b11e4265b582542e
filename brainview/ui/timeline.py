"""The timeline under the 3D view: where the run is, its interventions, and its branches.

Two modes share one bar:

- *live*: the bar spans the run so far and its cursor follows the engine. Dragging the cursor
  back and letting go rewinds the run there (:class:`~brainview.ui.commands.Restore`): it goes
  on from that moment as a new branch, the old one kept. The branch list beside the bar names
  every branch; Export writes the chosen one (File > Export run), Compare shows the traced
  groups' rates of the chosen branch beside the running one's (:mod:`brainview.ui.branch_view`).
- *replay*: a run file is open (File > Replay run file...): the bar spans the recorded run,
  dragging shows any moment of it in the view and the traces, Play plays it at the chosen speed
  (0.25x to 4x), and Close goes back to the live run.

Markers on the bar show where lesions (red), stimuli (yellow) and their ends (grey) took
effect; small triangles show where branches forked.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from brainview.ui import theme
from brainview.ui.replay import SPEEDS

MARKER_COLOURS = {"lesion": "LESION", "stimulus": "STIMULUS", "unlesion": "MUTED", "unstimulus": "MUTED"}
"""The theme colour (by name, looked up when painting) of each kind of marker."""

MARGIN_PX = 10
"""Room at each end of the bar, so the cursor's handle is never cut."""

TICK_STEPS_MS = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000)
"""Spacings of the bar's labelled time ticks; the smallest that leaves room for the labels is used."""


def _seconds(t_ms: float) -> str:
    return f"{t_ms / 1000:.2f} s"


class TimelineBar(QWidget):
    """A time axis from 0 to :attr:`duration_ms` with a draggable cursor, markers and fork points.

    Signals
    -------
    scrubbed(float)
        The cursor is being dragged to this time (ms).
    released(float)
        The drag ended at this time (ms).
    """

    scrubbed = Signal(float)
    released = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration_ms = 0.0
        self.time_ms = 0.0
        self.markers: list[tuple[float, str]] = []
        self.forks: list[float] = []
        self.dragging = False
        self.setMinimumHeight(38)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Drag to go back to any moment")

    def set_state(self, duration_ms: float, time_ms: float) -> None:
        """The bar's span and the cursor's time (ignored while the user drags it)."""
        self.duration_ms = max(float(duration_ms), 0.0)
        if not self.dragging:
            self.time_ms = min(max(float(time_ms), 0.0), self.duration_ms)
        self.update()

    def set_marks(self, markers: list[tuple[float, str]], forks: list[float]) -> None:
        """Markers ``(t_ms, kind)`` and fork times to draw."""
        self.markers, self.forks = list(markers), list(forks)
        self.update()

    def x_of(self, t_ms: float) -> float:
        """The horizontal pixel of ``t_ms``."""
        width = max(self.width() - 2 * MARGIN_PX, 1)
        return MARGIN_PX + width * (t_ms / self.duration_ms if self.duration_ms > 0 else 0.0)

    def time_at(self, x: float) -> float:
        """The time (ms) under horizontal pixel ``x``, clipped to the bar."""
        width = max(self.width() - 2 * MARGIN_PX, 1)
        return min(max((x - MARGIN_PX) / width, 0.0), 1.0) * self.duration_ms

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        if event.button() == Qt.MouseButton.LeftButton and self.duration_ms > 0:
            self.dragging = True
            self._drag_to(event.position().x())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        if self.dragging:
            self._drag_to(event.position().x())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        if self.dragging:
            self._drag_to(event.position().x())
            self.dragging = False
            self.released.emit(self.time_ms)

    def _drag_to(self, x: float) -> None:
        self.time_ms = self.time_at(x)
        self.update()
        self.scrubbed.emit(self.time_ms)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        middle = 12.0
        self._paint_ticks(painter, middle + 9)
        track = QRectF(MARGIN_PX, middle - 3, max(self.width() - 2 * MARGIN_PX, 1), 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.RAISED))
        painter.drawRoundedRect(track, 3, 3)
        shown = QRectF(track.left(), track.top(), self.x_of(self.time_ms) - track.left(), track.height())
        painter.setBrush(QColor(theme.ACCENT))
        painter.drawRoundedRect(shown, 3, 3)
        for t_ms, kind in self.markers:
            colour = QColor(getattr(theme, MARKER_COLOURS.get(kind, "MUTED")))
            painter.setPen(QPen(colour, 2))
            x = self.x_of(t_ms)
            painter.drawLine(QPointF(x, middle - 9), QPointF(x, middle + 9))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.TEXT))
        for t_ms in self.forks:
            x = self.x_of(t_ms)
            painter.drawPolygon(QPolygonF([QPointF(x - 5, middle - 12), QPointF(x + 5, middle - 12),
                                           QPointF(x, middle - 5)]))
        x = self.x_of(self.time_ms)
        painter.setPen(QPen(QColor(theme.BACKGROUND), 2))
        painter.setBrush(QColor(theme.TEXT))
        painter.drawEllipse(QPointF(x, middle), 7, 7)
        painter.end()

    def _paint_ticks(self, painter: QPainter, top: float) -> None:
        """Labelled ticks under the track, as many as fit."""
        if self.duration_ms <= 0:
            return
        metrics = painter.fontMetrics()
        room = metrics.horizontalAdvance("00.00 s") * 1.6
        width = max(self.width() - 2 * MARGIN_PX, 1)
        step = next((s for s in TICK_STEPS_MS if width * s / self.duration_ms >= room), TICK_STEPS_MS[-1])
        painter.setPen(QPen(QColor(theme.MUTED), 1))
        t_ms = 0.0
        while t_ms <= self.duration_ms + 1e-9:
            x = self.x_of(t_ms)
            painter.drawLine(QPointF(x, top - 3), QPointF(x, top))
            text = f"{t_ms / 1000:g} s"
            painter.drawText(QPointF(min(max(x - metrics.horizontalAdvance(text) / 2, 0),
                                         self.width() - metrics.horizontalAdvance(text)), top + metrics.ascent()),
                             text)
            t_ms += step


class TimelinePanel(QWidget):
    """The timeline row: mode, play/pause and speed (replay), the bar, the time, the branches.

    Signals
    -------
    rewindRequested(float)
        Live: the user let go of the cursor at this earlier time (ms).
    seekRequested(float)
        Replay: the user dragged to this time (ms).
    playToggled(bool)
        Replay: play or pause.
    speedChanged(float)
        Replay: simulated seconds per wall second.
    closeRequested()
        Replay: back to the live run.
    exportRequested(object)
        Export the chosen branch: its number (None: the running one).
    compareRequested(int)
        Compare the chosen kept branch with the running one.
    """

    rewindRequested = Signal(float)
    seekRequested = Signal(float)
    playToggled = Signal(bool)
    speedChanged = Signal(float)
    closeRequested = Signal()
    exportRequested = Signal(object)
    compareRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.replaying = False
        self.live_ms = 0.0
        self.current_branch = 1
        self.mode = QLabel("Live")
        self.mode.setToolTip("What the timeline shows: the live run, or a run file replayed")
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._on_play)
        self.speed = QComboBox()
        for speed in SPEEDS:
            self.speed.addItem(f"{speed:g}x", speed)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip("Replay speed: simulated seconds per second")
        self.speed.currentIndexChanged.connect(lambda i: self.speedChanged.emit(float(self.speed.itemData(i))))
        self.bar = TimelineBar()
        self.bar.scrubbed.connect(self._on_scrubbed)
        self.bar.released.connect(self._on_released)
        self.clock = QLabel(_seconds(0.0))
        self.clock.setMinimumWidth(self.clock.fontMetrics().horizontalAdvance("0000.00 s / 0000.00 s"))
        self.branches = QComboBox()
        self.branches.setToolTip("Branches of the run: each rewind starts a new one, the old one kept")
        self.branches.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.branches.setMinimumContentsLength(18)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("The traced groups' rates of the chosen branch (the newest one kept "
                                       "while the running one is chosen) beside the running one's")
        self.compare_button.clicked.connect(self._on_compare)
        self.export_button = QPushButton("Export...")
        self.export_button.setToolTip("Write the chosen branch as a run file")
        self.export_button.clicked.connect(lambda: self.exportRequested.emit(self.chosen_branch()))
        self.close_button = QPushButton("Close replay")
        self.close_button.clicked.connect(self.closeRequested)
        # The bar has a row of its own, as wide as the view: the finer the drag, the better.
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 2, 6, 2)
        column.setSpacing(0)
        column.addWidget(self.bar)
        row = QHBoxLayout()
        row.setSpacing(10)
        for widget in (self.mode, self.play_button, self.speed, self.clock):
            row.addWidget(widget)
        row.addStretch(1)
        for widget in (self.branches, self.compare_button, self.export_button, self.close_button):
            row.addWidget(widget)
        column.addLayout(row)
        self.branches.currentIndexChanged.connect(lambda _: self._update_buttons())
        self.set_branches(1, [])
        self._set_replaying(False)

    # -- state -----------------------------------------------------------------------------
    def chosen_branch(self) -> int | None:
        """The branch chosen in the list (None: the running one)."""
        number = self.branches.currentData()
        return None if number is None or number == self.current_branch else int(number)

    def set_branches(self, current: int, kept: list) -> None:
        """List the running branch ``current`` and the ``kept`` ones
        (:class:`~brainview.experiment.branches.Branch`), the running one chosen."""
        self.current_branch = current
        self.branches.blockSignals(True)
        self.branches.clear()
        for branch in kept:
            self.branches.addItem(branch.description, branch.number)
        self.branches.addItem(f"branch {current} (running)", current)
        self.branches.setCurrentIndex(self.branches.count() - 1)
        self.branches.blockSignals(False)
        self.branches.setVisible(bool(kept))
        self.bar.set_marks(self.bar.markers, [b.fork_ms for b in kept if b.parent is not None])
        self._update_buttons()

    def show_live(self, t_ms: float, markers: list[tuple[float, str]], forks: list[float] | None = None) -> None:
        """The live run is at ``t_ms`` with ``markers`` ``(t_ms, kind)`` and branches forked at ``forks``."""
        self.live_ms = t_ms
        if self.replaying:
            return
        self.bar.set_state(t_ms, t_ms)
        self.bar.set_marks(markers, self.bar.forks if forks is None else forks)
        if not self.bar.dragging:
            self.clock.setText(_seconds(t_ms))

    def start_replay(self, name: str, duration_ms: float, markers: list[tuple[float, str]]) -> None:
        """Show the replay of the run file ``name``, ``duration_ms`` long."""
        self._set_replaying(True)
        self.mode.setText(f"Replay: {name}")
        self.bar.set_state(duration_ms, 0.0)
        self.bar.set_marks(markers, [])
        self.show_replay_time(0.0)

    def show_replay_time(self, t_ms: float) -> None:
        """The replay shows ``t_ms``."""
        self.bar.set_state(self.bar.duration_ms, t_ms)
        self.clock.setText(f"{_seconds(t_ms)} / {_seconds(self.bar.duration_ms)}")

    def set_playing(self, on: bool) -> None:
        """Show the replay as playing or paused."""
        self.play_button.blockSignals(True)
        self.play_button.setChecked(on)
        self.play_button.setText("Pause" if on else "Play")
        self.play_button.blockSignals(False)

    def stop_replay(self) -> None:
        """Back to the live run."""
        self._set_replaying(False)
        self.mode.setText("Live")
        self.show_live(self.live_ms, [])

    def _set_replaying(self, on: bool) -> None:
        self.replaying = on
        for widget in (self.play_button, self.speed, self.close_button):
            widget.setVisible(on)
        self.bar.setToolTip("Drag to any moment of the recorded run" if on else
                            "Drag back and let go to rewind the run there: it goes on as a new branch")
        self._update_buttons()

    def _update_buttons(self) -> None:
        live = not self.replaying
        self.branches.setEnabled(live)
        self.export_button.setVisible(live)
        self.compare_button.setVisible(live and self.branches.count() > 1)
        other = self.compared_branch()
        self.compare_button.setText("Compare" if other is None else f"Compare with branch {other}")

    # -- user ------------------------------------------------------------------------------
    def _on_play(self, on: bool) -> None:
        self.play_button.setText("Pause" if on else "Play")
        self.playToggled.emit(on)

    def _on_scrubbed(self, t_ms: float) -> None:
        if self.replaying:
            self.seekRequested.emit(t_ms)
        else:
            self.clock.setText(f"back to {_seconds(t_ms)}?")

    def _on_released(self, t_ms: float) -> None:
        if self.replaying:
            self.seekRequested.emit(t_ms)
        elif t_ms < self.live_ms - 1e-6:
            self.rewindRequested.emit(t_ms)
        else:
            self.clock.setText(_seconds(self.live_ms))

    def compared_branch(self) -> int | None:
        """The kept branch Compare shows beside the running one: the chosen one, else the newest."""
        chosen = self.chosen_branch()
        if chosen is not None:
            return chosen
        kept = [self.branches.itemData(i) for i in range(self.branches.count() - 1)]
        return int(kept[-1]) if kept else None

    def _on_compare(self) -> None:
        number = self.compared_branch()
        if number is not None:
            self.compareRequested.emit(number)
