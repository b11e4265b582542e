"""Live traces with pyqtgraph: spike raster, population rates and probe voltages.

Snapshots are appended to preallocated buffers (:mod:`brainview.ui.tracedata`) as they come;
the plots are redrawn by a timer at most every :data:`REDRAW_INTERVAL_MS`, with ``setData`` on
views of those buffers. Vertical markers show where lesions and stimuli changed.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QVBoxLayout, QWidget

from brainview.sim.params import ShiuParams
from brainview.ui import theme
from brainview.ui.commands import Snapshot
from brainview.ui.session import Session
from brainview.ui.tracedata import DEFAULT_RASTER_ROWS, History, RasterBuffer, SpikeWindow, choose_raster_rows

REDRAW_INTERVAL_MS = 33
"""Shortest time between two redraws of the plots (30 frames a second at most; a marker of a
lesion or stimulus is drawn at once)."""

PAINT_SHARE = 0.25
"""Most of the GUI thread's time the plots may take: on a slow (software-rendered) screen the
redraws are spaced out so that repainting stays below this share and the window stays responsive."""

MAX_TYPE_TICKS = 40
"""The raster labels its rows by cell type when it shows at most this many types."""

LEFT_AXIS_PX = 120
"""Width of the plots' left axes at font scale 1 (it grows with the text)."""


def _pen_px(points: int) -> int:
    """Width of the traces, px, with text of ``points``: 2 px at the normal size, thicker for a projector."""
    return max(2, round(2 * points / theme.BASE_POINT_SIZE))


def _marker_colour(kind: str, colours: theme.Theme) -> str:
    """The colour of a marker of a change of ``kind`` in the theme ``colours``."""
    return {"lesion": colours.lesion, "stimulus": colours.stimulus}.get(kind, colours.muted)


def _corner_hint(plot: pg.PlotItem, text: str) -> pg.TextItem:
    """A muted line of ``text`` at the top left of ``plot``, fixed on screen (not in data coordinates)."""
    hint = pg.TextItem(text, color=theme.MUTED, anchor=(0, 0))
    hint.setParentItem(plot.getViewBox())
    hint.setPos(6, 2)
    return hint


class _TimedGraphics(pg.GraphicsLayoutWidget):
    """The plots' canvas, timing its own repaints (seconds, smoothed)."""

    paint_s = 0.0

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        start = time.perf_counter()
        super().paintEvent(event)
        elapsed = time.perf_counter() - start
        self.paint_s = elapsed if self.paint_s == 0 else 0.8 * self.paint_s + 0.2 * elapsed


RATE_AXIS_MIN_HZ = 10.0
"""The rate axis spans at least this much, from 0 Hz, so that zero rates sit on a readable axis."""


class TracesPanel(QWidget):
    """Raster, rates and voltages over the last ``window_ms`` of simulated time."""

    changesShown = Signal(list)
    """Serial numbers of engine changes whose markers were just drawn (the bench times these)."""

    def __init__(self, window_ms: float = 1000.0, max_raster_rows: int = DEFAULT_RASTER_ROWS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_ms = window_ms
        self.max_raster_rows = max_raster_rows
        self.session: Session | None = None
        self.focus_rows: np.ndarray | None = None
        self.generation = -1
        self.now_ms = 0.0
        self.raster: RasterBuffer | None = None
        self.recent = SpikeWindow(window_ms)
        self.rates = History(())
        self.voltages = History(())
        self.markers: list[tuple[float, list[tuple[pg.PlotItem, pg.InfiniteLine]]]] = []
        self.pen_px = 2
        """Width of the rate and voltage traces, px (wider with larger text, see :meth:`apply_theme`)."""
        self.window_repaint_s = 0.0
        """Smoothed seconds one repaint of the whole window takes (see :meth:`note_window_repaint`)."""
        self._new_serials: list[int] = []
        self.graphics = _TimedGraphics()
        self.raster_plot = self.graphics.addPlot(row=0, col=0)
        self._row_groups: list[tuple[float, str]] = []
        self.raster_plot.getViewBox().sigResized.connect(self._place_row_labels)
        self.rate_plot = self.graphics.addPlot(row=1, col=0)
        self.voltage_plot = self.graphics.addPlot(row=2, col=0)
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.graphics.ci.layout.setRowStretchFactor(2, 2)
        for plot, title in ((self.raster_plot, "spikes"), (self.rate_plot, "rate, Hz"), (self.voltage_plot, "V, mV")):
            plot.setLabel("left", title)
            # No grid: on a software-rendered screen the grid cost more than everything else
            # the traces draw (53 ms per repaint with it, measured by bench/bench_ui.py).
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=True)
            plot.getAxis("left").setWidth(LEFT_AXIS_PX)
            if plot is not self.voltage_plot:
                plot.hideAxis("bottom")  # one time axis, under the last plot
            if plot is not self.raster_plot:
                plot.setXLink(self.raster_plot)
                plot.setDownsampling(auto=True, mode="peak")
                plot.setClipToView(True)
                plot.addLegend(offset=(-10, 2), labelTextColor=theme.TEXT,
                               brush=pg.mkBrush(*theme.current().legend_brush), verSpacing=-6)
        self.voltage_plot.setLabel("bottom", "simulated time, ms")
        # Driven cells jump far above threshold before their reset; show the range where the
        # interesting, subthreshold part lives, with the threshold marked.
        params = ShiuParams()
        self.voltage_plot.setYRange(params.v_rst_mV - 6, params.v_th_mV + 8, padding=0)
        self.voltage_plot.enableAutoRange(y=False)
        threshold = pg.InfiniteLine(pos=params.v_th_mV, angle=0, movable=False,
                                    pen=pg.mkPen(theme.MUTED, width=1, style=pg.QtCore.Qt.PenStyle.DotLine),
                                    label="threshold", labelOpts={"position": 0.97, "color": theme.MUTED, "anchors": [(1, 1), (1, 1)]})
        self.voltage_plot.addItem(threshold, ignoreBounds=True)
        self.threshold = threshold
        # A rate is never negative, and silence is 0 Hz on a readable axis, not -400..400.
        self.rate_plot.setLimits(yMin=0, minYRange=RATE_AXIS_MIN_HZ)
        for plot in (self.rate_plot, self.voltage_plot):
            plot.legend.setColumnCount(2)
        self.raster_curve = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen(theme.TEXT, width=1))
        self.raster_plot.addItem(self.raster_curve)
        self.raster_hint = _corner_hint(self.raster_plot, "")  # how many cells, how decimated
        # An empty plot says how to fill it.
        self.rate_hint = _corner_hint(self.rate_plot, "Right-click a group in Cell types: Trace population rate")
        self.voltage_hint = _corner_hint(self.voltage_plot, "Select a cell, then Trace voltage in the Inspector")
        self.rate_curves: list[pg.PlotDataItem] = []
        self.voltage_curves: list[pg.PlotDataItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self._redraw_timer = QTimer(self, singleShot=True, interval=REDRAW_INTERVAL_MS)
        self._redraw_timer.timeout.connect(self.redraw)

    # -- configuration ------------------------------------------------------------------------
    def set_session(self, session: Session) -> None:
        """Trace cells of ``session``'s dataset."""
        self.session = session
        self.focus_rows = None
        session.appearanceChanged.connect(self.choose_rows)
        session.lesionsChanged.connect(self.choose_rows)  # driven and lesioned cells come first
        session.stimuliChanged.connect(self.choose_rows)
        session.groupsChanged.connect(self._on_groups_changed)
        session.probesChanged.connect(self._on_probes_changed)
        session.subsystemsChanged.connect(self.choose_rows)  # a new tree: new type bands
        self.choose_rows()
        self._on_groups_changed()
        self._on_probes_changed()

    def set_focus(self, rows: np.ndarray | None) -> None:
        """Show the raster of ``rows`` (a browser group), or of all visible cells (None)."""
        self.focus_rows = None if rows is None else np.asarray(rows, dtype=np.int64)
        self.choose_rows()

    def set_window_ms(self, window_ms: float) -> None:
        """Show the last ``window_ms`` of simulated time."""
        self.window_ms = window_ms
        self.recent.window_ms = window_ms
        if self.raster is not None:
            self.raster.window_ms = window_ms
        self.redraw()

    def choose_rows(self) -> None:
        """Pick the raster's cells: the focus group or the visible cells, decimated, by type, with
        the driven and lesioned ones on top."""
        session = self.session
        candidates = self.focus_rows if self.focus_rows is not None else np.flatnonzero(~session.hidden)
        acted_on = session.experiment.driven_mask() | (session.experiment.lesion_state() > 0)
        shown = choose_raster_rows(candidates, session.tree.leaf_index, self.max_raster_rows, np.flatnonzero(acted_on))
        self.raster = RasterBuffer(session.connectome.n, shown, self.window_ms)
        self.raster.add(*self.recent.arrays(), self.now_ms)  # the new rows keep their recent past
        decimated = "" if shown.size == candidates.size else f"  (every {candidates.size / max(shown.size, 1):.0f}th shown)"
        self.raster_hint.setText(f"{candidates.size:,} cells{decimated}")
        self.raster_plot.setYRange(0, max(shown.size, 1), padding=0.02)
        self._label_rows(shown)
        self.redraw()

    def _label_rows(self, shown: np.ndarray) -> None:
        leaves = self.session.tree.leaf_index[shown]
        starts = np.flatnonzero(np.r_[True, leaves[1:] != leaves[:-1]]) if shown.size else np.zeros(0, int)
        if 0 < starts.size <= MAX_TYPE_TICKS:
            self._row_groups = [(float(s), self.session.tree.leaves[int(leaves[s])].label) for s in starts]
        else:
            self._row_groups = []
        self._place_row_labels()

    def _place_row_labels(self) -> None:
        """Label the raster's type bands, leaving out a label that would overlap the one above
        it at the plot's present height (called again when the plot is resized)."""
        axis = self.raster_plot.getAxis("left")
        if not self._row_groups:
            axis.setTicks(None)
            return
        rows = max(self.raster.shown_rows.size, 1) if self.raster is not None else 1
        pixels = max(self.raster_plot.getViewBox().height(), 1.0)
        gap_rows = QFontMetrics(axis.font()).height() * rows / pixels  # one line of text, in rows
        kept, last = [], -np.inf
        for start, label in self._row_groups:
            if start - last >= gap_rows:
                kept.append((start, label))
                last = start
        axis.setTicks([kept, []])

    def _on_groups_changed(self) -> None:
        self.rates = History(tuple(t.label for t in self.session.groups.values()))
        self.rate_curves = self._make_curves(self.rate_plot, self.rates.labels, self.rate_curves)
        self.rate_hint.setVisible(not self.rate_curves)

    def _on_probes_changed(self) -> None:
        self.voltages = History(tuple(self.session.cell_label(r) for r in self.session.probes))
        self.voltage_curves = self._make_curves(self.voltage_plot, self.voltages.labels, self.voltage_curves)
        self.voltage_hint.setVisible(not self.voltage_curves)

    def apply_theme(self, colours: theme.Theme, points: int) -> None:
        """Draw the plots in the theme ``colours`` with text of ``points`` (the app's palette does not reach them)."""
        theme.restyle_plots(self, colours, points)
        font = QFont(self.font())
        font.setPointSize(points)
        for plot in (self.raster_plot, self.rate_plot, self.voltage_plot):
            plot.getAxis("left").setWidth(round(LEFT_AXIS_PX * points / theme.BASE_POINT_SIZE))
        # Large text: the rate and voltage plots need as much height as the raster for their
        # tick labels and legends, or the legends hide the traces.
        large = points >= 1.5 * theme.BASE_POINT_SIZE
        self.graphics.ci.layout.setRowStretchFactor(0, 2 if large else 3)
        self.raster_curve.setPen(pg.mkPen(colours.text, width=1))
        for hint in (self.raster_hint, self.rate_hint, self.voltage_hint):
            hint.setColor(colours.muted)
            hint.setFont(font)
        self.threshold.setPen(pg.mkPen(colours.muted, width=1, style=pg.QtCore.Qt.PenStyle.DotLine))
        self.threshold.label.setColor(colours.muted)
        self.threshold.label.setFont(font)
        self.pen_px = _pen_px(points)
        for curves in (self.rate_curves, self.voltage_curves):
            for index, curve in enumerate(curves):
                curve.setPen(pg.mkPen(colours.trace_colours[index % len(colours.trace_colours)], width=self.pen_px))
        for _, lines in self.markers:
            for _plot, line in lines:
                line.setPen(pg.mkPen(_marker_colour(line.kind, colours), width=2, style=pg.QtCore.Qt.PenStyle.DashLine))
                label = getattr(line, "label", None)  # only the raster's line has one
                if label is not None:
                    label.setColor(_marker_colour(line.kind, colours))
                    label.setFont(font)
        self._place_row_labels()

    def _make_curves(self, plot: pg.PlotItem, labels: tuple[str, ...], old: list[pg.PlotDataItem]) -> list[pg.PlotDataItem]:
        for curve in old:
            plot.removeItem(curve)
        curves = []
        for index, label in enumerate(labels):
            colours = theme.current().trace_colours
            pen = pg.mkPen(colours[index % len(colours)], width=self.pen_px)
            curve = plot.plot([], [], pen=pen, name=label)
            curves.append(curve)
        return curves

    # -- data -----------------------------------------------------------------------------------
    def add_snapshot(self, snapshot: Snapshot) -> None:
        """Append what ``snapshot`` brings; the plots redraw shortly after."""
        if snapshot.generation != self.generation:
            self.generation = snapshot.generation
            self.clear()
        self.now_ms = snapshot.t_ms
        self.recent.add(snapshot.spike_rows, snapshot.spike_t_ms, snapshot.t_ms)
        if self.raster is not None:
            self.raster.add(snapshot.spike_rows, snapshot.spike_t_ms, snapshot.t_ms)
        if snapshot.rate_t_ms.size and snapshot.group_labels == self.rates.labels:
            self.rates.add(snapshot.rate_t_ms, snapshot.rates_hz)
        probe_labels = tuple(self.session.cell_label(r) for r in snapshot.probe_rows)
        if snapshot.probe_t_ms.size and probe_labels == self.voltages.labels:
            self.voltages.add(snapshot.probe_t_ms, snapshot.probe_mV)
        for change in snapshot.changes:
            self._add_marker(change.t_ms, change.kind, change.label)
            if change.serial:  # serial 0: a change shown again (a replay, a rewind), not the user's new one
                self._new_serials.append(change.serial)
        if self._new_serials:
            self.redraw()
        elif not self._redraw_timer.isActive():
            self._redraw_timer.start(self.redraw_interval_ms)

    @property
    def redraw_interval_ms(self) -> int:
        """Time between two redraws while snapshots come, ms: repaints take at most PAINT_SHARE."""
        cost_s = max(self.graphics.paint_s, self.window_repaint_s)
        return int(max(REDRAW_INTERVAL_MS, 1000 * cost_s / PAINT_SHARE))

    def note_window_repaint(self, seconds: float) -> None:
        """Tell the panel how long a repaint of its whole window took (seconds).

        A redraw of the plots costs their paint and then the flush of the window, and the same
        repaint may draw a frame of the 3D view: redraws are spaced by the larger of the plots'
        own paint and the whole repaint.
        """
        self.window_repaint_s = seconds if self.window_repaint_s == 0 else 0.8 * self.window_repaint_s + 0.2 * seconds

    def clear(self) -> None:
        """Forget all traces and markers (after a reset)."""
        for _, lines in self.markers:
            for plot, line in lines:
                plot.removeItem(line)
        self.markers.clear()
        if self.raster is not None:
            self.raster.clear()
        self.recent.clear()
        self.rates.clear()
        self.voltages.clear()
        self.now_ms = 0.0

    def _add_marker(self, t_ms: float, kind: str, label: str) -> None:
        colour = _marker_colour(kind, theme.current())
        pen = pg.mkPen(colour, width=2, style=pg.QtCore.Qt.PenStyle.DashLine)
        lines = []
        for plot in (self.raster_plot, self.rate_plot, self.voltage_plot):
            options = {"label": label, "labelOpts": {"position": 0.92, "color": colour, "anchors": [(0, 1), (0, 1)]}} \
                if plot is self.raster_plot else {}
            line = pg.InfiniteLine(pos=t_ms, angle=90, pen=pen, movable=False, **options)
            line.kind = kind  # its colour follows the theme
            plot.addItem(line, ignoreBounds=True)
            lines.append((plot, line))
        self.markers.append((t_ms, lines))

    def redraw(self) -> None:
        """Draw the buffers now and scroll to the current time."""
        if self.raster is not None:
            x, y = self.raster.segments()
            self.raster_curve.setData(x, y, connect="pairs")
        for index, curve in enumerate(self.rate_curves):
            curve.setData(*self.rates.series(index))
        for index, curve in enumerate(self.voltage_curves):
            curve.setData(*self.voltages.series(index))
        start = max(self.now_ms - self.window_ms, 0.0)
        self.raster_plot.setXRange(start, start + self.window_ms, padding=0)
        while self.markers and self.markers[0][0] < start - self.window_ms:
            for plot, line in self.markers.pop(0)[1]:
                plot.removeItem(line)
        if self._new_serials:
            serials, self._new_serials = self._new_serials, []
            self.changesShown.emit(serials)
            # The user's own change is painted now rather than at the window's next repaint,
            # which may first draw a frame of the 3D view (20-40 ms under software OpenGL).
            self.graphics.viewport().repaint()
