"""The 3D view panel: brainview.render's connectome view, kept in step with the session.

The panel is an adapter: it reads the session's public state (lesions, selection, hidden cells,
group colours) and calls the render view's setters when that state changes, and it forwards
each snapshot's spikes to the view's activity glow. Panels may mark many cells at once (a
region's, a path's: :meth:`ViewPanel.show_cells`) with the connections to draw between them;
the marks stay while the session's selected cell is one of them. A small bar above the view
chooses what the colours mean and the camera preset, and shows the legend. Where no OpenGL context can be
created (a headless machine, Qt's offscreen platform) the panel says so in words instead, and
the rest of the app works as usual.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext
from PySide6.QtWidgets import (
    QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget,
)

from brainview.connectome.paths import Links
from brainview.ui.commands import Snapshot
from brainview.ui.outlines import Outlines
from brainview.ui.session import Session
from brainview.ui.theme import DARK, Theme

COLOUR_FIELDS = (
    ("subsystem", "subsystem"), ("cell class", "cell_class"), ("super class", "super_class"),
    ("cell type", "cell_type"), ("neurotransmitter", "nt"), ("region", "region"), ("kind", "kind"),
)
"""What the 3D view's colours can show: (menu text, column)."""

LEGEND_ENTRIES = 7
"""Legend entries a saved picture shows (the largest groups), then how many more."""

LEGEND_LISTED = 2000
"""The most entries the legend above the view lists (largest groups first; it scrolls): the
fly's 8,000 cell types would take seconds to lay out, and nobody reads past the first hundreds."""

LEGEND_LINES = 3
"""Lines of legend shown at once; more scroll."""

FRAME_INTERVAL_S = 1.0 / 30
"""The view shows new activity at most this often (30 frames a second)."""

LIVE_REST_MS = 300
"""While snapshots of a running simulation come, the view is live (a big connectome draws its
sample, see ``ConnectomeView.set_live``); it draws every cell again at a snapshot of a paused
one, or when none has come for this long."""

FRAME_SHARE = 0.3
"""Most of the GUI thread's time the 3D view may take: with software OpenGL a frame of a whole
fly brain takes a large fraction of a second, so frames are spaced out to keep the window
responsive (see bench/bench_ui.py)."""

UNPAINTED_FRAME_MS = 1000
"""A frame whose window repaint was not reported within this time (the view is hidden, or the
panel is not in a :class:`~brainview.ui.main_window.MainWindow`) is taken as done."""


def opengl_problem() -> str:
    """Why no OpenGL context can be made here, or "" when one can."""
    platform = QGuiApplication.platformName()
    if platform in ("offscreen", "minimal"):
        return f"Qt's '{platform}' platform has no OpenGL"
    context = QOpenGLContext()
    if not context.create():
        return "no OpenGL context could be created"
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    if not context.makeCurrent(surface):
        return "an OpenGL context was created but could not be made current"
    context.doneCurrent()
    return ""


class ViewPanel(QWidget):
    """The central 3D view, or a message saying why it cannot be shown.

    Signals
    -------
    cellPicked(int)
        The user clicked in the view: the row of the cell hit, -1 for empty space.
    """

    cellPicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        self.view = None
        self.problem = ""
        self.generation = -1
        self.marked = np.zeros(0, np.int64)
        """Cells a panel marked with :meth:`show_cells` (shown as selected)."""
        self._links = Links.empty()
        self._marking = False
        self._spike_rows: list[np.ndarray] = []
        self._spike_t: list[np.ndarray] = []
        self._clock_ms = 0.0
        self._frame_started = 0.0
        self._frame_busy = False
        self._next_frame_at = 0.0
        self.frame_s = 0.0
        self.background = DARK.view_background
        """The view's background, RGBA (see :meth:`apply_theme`)."""
        self._frame_timer = QTimer(self, singleShot=True)
        self._frame_timer.timeout.connect(self._frame)
        self._unpainted_timer = QTimer(self, singleShot=True, interval=UNPAINTED_FRAME_MS)
        self._unpainted_timer.timeout.connect(self._frame_unpainted)
        self._rest_timer = QTimer(self, singleShot=True, interval=LIVE_REST_MS)
        self._rest_timer.timeout.connect(self._rest)
        self.colour_box = QComboBox()
        self.colour_box.setToolTip("What the colours of the cells show")
        self.preset_buttons = []
        self.bar = QWidget()
        bar = QHBoxLayout(self.bar)
        bar.setContentsMargins(6, 4, 6, 0)
        bar.addWidget(QLabel("Colour by"))
        bar.addWidget(self.colour_box)
        for preset in ("front", "side", "top", "fit"):
            button = QPushButton("Fit selection" if preset == "fit" else preset.capitalize())
            button.setToolTip(f"Camera: {'zoom to the selected cell' if preset == 'fit' else preset + ' view'}")
            button.clicked.connect(lambda _=False, p=preset: self.view is not None and self.view.set_view(p))
            bar.addWidget(button)
            self.preset_buttons.append(button)
        self.colour_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        bar.addStretch(1)
        self.legend = QLabel("")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        # A row of its own that wraps between entries: every entry shown is readable, and a long
        # legend grows a line instead of being cut or widening the window's middle.
        self.legend.setWordWrap(True)
        self.legend.setContentsMargins(6, 0, 6, 0)
        self.legend.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.legend_area = QScrollArea()
        self.legend_area.setWidget(self.legend)
        self.legend_area.setWidgetResizable(True)
        self.legend_area.setFrameShape(QFrame.Shape.NoFrame)
        self.legend_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.legend_area.setSizeAdjustPolicy(QScrollArea.SizeAdjustPolicy.AdjustToContents)
        self._fit_legend_area()
        self.message = QLabel("")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        # A QOpenGLWidget makes Qt composite its whole native window through OpenGL on every
        # repaint of any widget in it. With the panel in a native window of its own, the rest
        # of the main window (traces, lists) repaints as plain raster: under software OpenGL
        # that took the event-loop latency's p99 from about 45 to about 32 ms (bench/bench_ui.py).
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.addWidget(self.bar)
        self.column.addWidget(self.legend_area)
        self.column.addWidget(self.message, 1)
        self.outlines = Outlines(self)
        self.colour_box.currentIndexChanged.connect(self._on_colour_field)
        self._set_controls_enabled(False)

    def _set_controls_enabled(self, enabled: bool) -> None:
        for widget in (self.colour_box, *self.preset_buttons):
            widget.setEnabled(enabled)

    def set_session(self, session: Session) -> None:
        """Draw ``session``'s connectome and follow its state."""
        self.session = session
        self.generation = -1
        self.marked, self._links = np.zeros(0, np.int64), Links.empty()
        session.selectionChanged.connect(self._on_selection)
        if self.view is None and not self.problem:
            self._create_view()
        if self.view is None:
            self.message.setText(
                f"The 3D view is not available here: {self.problem}.\n\n"
                f"{session.connectome.n:,} cells are loaded; the browser, inspector, stimuli and traces all work.")
            return
        self.view.set_connectome(session.connectome)
        self.outlines.set_connectome(session.connectome)
        self._fill_colour_fields()
        self.view.cameras.restore(session.experiment.view.camera)
        session.lesionsChanged.connect(self._update_flags)
        session.appearanceChanged.connect(self._update_appearance)
        session.subsystemsChanged.connect(self._fill_colour_fields)
        self._update_appearance()

    def _fill_colour_fields(self) -> None:
        """The colour fields the cells are labelled in, the experiment's chosen, the cells coloured by it."""
        session, connectome = self.session, self.session.connectome
        self.colour_box.blockSignals(True)
        self.colour_box.clear()
        for text, column in COLOUR_FIELDS:
            if connectome[column].counts():
                self.colour_box.addItem(text, column)
        self.colour_box.blockSignals(False)
        wanted = self.colour_box.findData(session.experiment.view.color_by)
        self.colour_box.setCurrentIndex(max(wanted, 0))
        self._on_colour_field(self.colour_box.currentIndex())

    def _create_view(self) -> None:
        self.problem = opengl_problem()
        if self.problem:
            return
        try:
            from brainview.render import ConnectomeView

            self.view = ConnectomeView(parent=self)
        except Exception as error:  # a broken GL driver or renderer must not take the app down
            self.problem = f"the renderer could not start ({error})"
            self.view = None
            return
        self.view.canvas.bgcolor = self.background
        self.view.picked.connect(self.cellPicked)
        self.message.hide()
        self.column.addWidget(self.view.native, 1)
        self._set_controls_enabled(True)

    # -- session -> view --------------------------------------------------------------------------
    def _on_colour_field(self, index: int) -> None:
        column = self.colour_box.itemData(index)
        if self.view is None or column is None:
            return
        self.session.experiment.set_view(color_by=column)
        if column == "subsystem":  # the session's labels and colours, which rules applied live change
            self.view.set_color_by(self.session.connectome["subsystem"], palette=self.session.subsystem_colours())
        else:
            self.view.set_color_by(column)
        entries = self.view.legend()
        shown = "".join(
            f"<span style='color:rgb({int(r * 255)},{int(g * 255)},{int(b * 255)})'>&#9679;</span>&nbsp;{label}&nbsp;&nbsp; "
            for label, (r, g, b, _a) in entries[:LEGEND_LISTED])
        more = f"... {len(entries) - LEGEND_LISTED} more" if len(entries) > LEGEND_LISTED else ""
        self.legend.setText(shown + more)
        self.legend.setToolTip("\n".join(label for label, _ in entries))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # a larger text size: still three lines of legend
            self._fit_legend_area()

    def _fit_legend_area(self) -> None:
        self.legend_area.setMaximumHeight(LEGEND_LINES * self.legend.fontMetrics().lineSpacing() + 8)

    def apply_theme(self, colours: Theme) -> None:
        """Draw the view on the background of the theme ``colours`` (the legend's text follows the palette)."""
        self.background = colours.view_background
        if self.view is not None:
            self.view.canvas.bgcolor = colours.view_background
            self.outlines.recolour()

    def store_camera(self) -> None:
        """Write the camera's viewpoint into the experiment (before it is saved)."""
        if self.view is not None and self.session is not None:
            self.session.experiment.set_view(camera=self.view.cameras.state())

    def show_cells(self, rows: np.ndarray, links: Links | None = None, current: int = -1,
                   focus: np.ndarray | None = None) -> None:
        """Mark ``rows`` as selected in the 3D view, with lines for ``links`` only (None: no lines),
        the other cells faded; make ``current`` the session's selected cell (-1: none) and fit
        the camera to ``focus`` (None: the camera stays), centred on ``current`` when it is one.

        The marks go when the session selects a cell outside them (a click in the view, the
        browser) or none; stepping along a path within them keeps them.
        """
        self.marked = np.unique(np.asarray(rows, np.int64))
        self._links = Links.empty() if links is None else links
        self._marking = True
        try:
            self.session.select(current)
        finally:
            self._marking = False
        if self.view is None:
            return
        self._update_flags()  # the selected cell may not have changed, the marks did
        if focus is not None and len(focus):
            self.view.set_view("fit", rows=np.asarray(focus, np.int64), around=current if current >= 0 else None)

    def _on_selection(self, row: int) -> None:
        if not self._marking and self.marked.size and not np.isin(row, self.marked):
            self.marked, self._links = np.zeros(0, np.int64), Links.empty()
        if self.view is not None:
            self._update_flags()

    def _update_flags(self) -> None:
        session, view = self.session, self.view
        selected = np.zeros(session.connectome.n, bool)
        selected[self.marked] = True
        if session.selected >= 0:
            selected[session.selected] = True
        flags = {"selected": selected, "lesioned": session.lesion_state() > 0, "hidden": session.hidden}
        if self.marked.size:  # the chosen lines first: a new selection then draws no partners' lines
            links = self._links
            view.show_synapses(links, self.marked)
            view.set_flags(**flags)
        else:  # the selection's partners once, after the flags (a marked region's could be many)
            view.set_flags(**flags)
            if view.chosen_synapses is not None:
                view.show_synapses(None)

    def _update_appearance(self) -> None:
        rows, rgba = self.session.colour_overrides()
        self.view.set_color_overrides(rows, rgba)
        self._update_flags()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Collect the spikes of ``snapshot``; the next frame makes them glow."""
        if self.view is None:
            return
        if snapshot.generation != self.generation:
            self.generation = snapshot.generation
            self._spike_rows, self._spike_t = [], []
            self.view.clear_activity()
        if snapshot.spike_rows.size:
            self._spike_rows.append(snapshot.spike_rows)
            self._spike_t.append(snapshot.spike_t_ms)
        self._clock_ms = snapshot.t_ms
        if self.view.live != snapshot.running:
            self.view.set_live(snapshot.running)
        if snapshot.running:
            self._rest_timer.start()
        if not self._frame_busy and not self._frame_timer.isActive():
            delay_s = max(self._next_frame_at - time.monotonic(), 0.0)
            self._frame_timer.start(int(delay_s * 1000))

    @property
    def clock_ms(self) -> float:
        """The simulated time of the last snapshot shown (ms; 0 before a simulation has run)."""
        return self._clock_ms

    def _frame(self) -> None:
        """Upload the spikes collected since the last frame and advance the glow's clock."""
        if self.view is None:
            return
        if self._spike_rows:
            self.view.push_spikes(np.concatenate(self._spike_rows), np.concatenate(self._spike_t), now_ms=self._clock_ms)
            self._spike_rows, self._spike_t = [], []
        self._frame_busy = True
        self._frame_started = time.perf_counter()
        self.view.set_time(self._clock_ms)
        self._unpainted_timer.start()

    def note_window_repaint(self, seconds: float) -> None:
        """The window was repainted in ``seconds``; after a frame was asked for, that repaint drew it.

        The whole repaint is the frame's cost: the 3D paint and the flush, which composites
        the panel's native window through OpenGL (under software OpenGL a large part of it).
        """
        if self._frame_busy:
            self._frame_done(seconds)

    def _frame_unpainted(self) -> None:
        self._frame_done(time.perf_counter() - self._frame_started)

    def _frame_done(self, cost: float) -> None:
        self._unpainted_timer.stop()
        self.frame_s = cost if self.frame_s == 0 else 0.7 * self.frame_s + 0.3 * cost
        self._frame_busy = False
        pause = max(FRAME_INTERVAL_S, self.frame_s / FRAME_SHARE) - self.frame_s
        self._next_frame_at = time.monotonic() + max(pause, 0.0)

    def _rest(self) -> None:
        """No snapshot for a while: draw every cell again."""
        if self.view is not None:
            self.view.set_live(False)

    def close(self) -> bool:
        """Release the GL resources."""
        self._rest_timer.stop()
        self._unpainted_timer.stop()
        if self.view is not None:
            self.view.close()
            self.view = None
        return super().close()
