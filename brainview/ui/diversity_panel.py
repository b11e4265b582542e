"""The Diversity panel: cell-type diversity per region, the figure of ``brainview subsystems --plot``.

Each dot is a region (:func:`~brainview.connectome.diversity.region_diversity`, the numbers the
command prints): its neurons across, its distinct cell types per 1,000 neurons up, both axes
logarithmic, coloured by the subsystem most of its neurons belong to, in the 3D view's subsystem
colours. Two grey lines frame what is possible: every neuron a type of its own (1,000 per
1,000, dashed) and one type for the whole region (1,000 / neurons, dotted). Resting the pointer on a dot names
the region and its figures; a click marks the region's neurons in the 3D view
(:meth:`~brainview.ui.view3d.ViewPanel.show_cells`, through :data:`DiversityPanel.regionActivated`).

The subsystem colours follow the session's connectome when the panel is given a session or
:meth:`DiversityPanel.refresh` is called (after the subsystems were applied again).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from brainview.connectome.diversity import COLUMNS, notable_regions, region_diversity, region_rows
from brainview.ui import theme
from brainview.ui.docks import tab_when_shown
from brainview.ui.session import Session

HOVER_INTERVAL_MS = 40
"""The pointer is looked up at most this often (a mouse reports far more moves)."""

PICK_RADIUS_PX = 12
"""A hover or click this near a dot's centre (pixels) is on it."""

DOT_SIZE = 13
NO_SUBSYSTEM = "no subsystem"

LABEL_PLACES = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1))
"""Where a region's name may sit beside its dot (right, left, above, below, then the corners),
tried in turn until one overlaps no dot, name or the legend (see :meth:`DiversityPanel.place_labels`)."""

LABEL_MARGIN = (3, 3, -3, -3)
"""A name's frame, less the blank margin of its text document: what must not overlap."""

IDLE_TEXT = "Rest the pointer on a dot for its figures; click it to mark the region's neurons in the 3D view."


def _hex(rgba) -> str:
    r, g, b = (int(round(255 * c)) for c in rgba[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def subsystem_colours(connectome) -> dict[str, str]:
    """``#rrggbb`` per subsystem label as the 3D view colours them ("" for cells without one)."""
    from brainview.render.colors import MISSING_COLOR, color_by

    colours = {label: _hex(rgba) for label, rgba in color_by(connectome, "subsystem").legend}
    colours[""] = _hex(MISSING_COLOR)
    return colours


def log_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Ticks of a logarithmic axis from ``low`` to ``high``: at 1, 2 and 5 times the powers of
    ten when the range spans three decades or less, else at the powers only; as (log10 of the
    value, the value written out) pairs, as pyqtgraph's log mode places them."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    steps = (1, 2, 5) if math.log10(high / low) <= 3 else (1,)
    values = [m * 10.0 ** d for d in range(first, last + 1) for m in steps if low <= m * 10.0 ** d <= high]
    return [(math.log10(v), f"{v:,.0f}" if v >= 1 else f"{v:g}") for v in values]


def figures_text(row) -> str:
    """A region's figures in one line: neurons, cell types, types per 1,000, dominant subsystem."""
    return (f"{row.neurons:,} neurons, {row.cell_types:,} cell types: {row.types_per_1000:,.1f} per 1,000; "
            f"mostly {row.dominant_subsystem or NO_SUBSYSTEM}")


class DiversityPanel(QWidget):
    """The diversity figure of the session's connectome.

    Signals
    -------
    regionActivated(str, numpy.ndarray)
        A dot was clicked: the region and the rows of its neurons.
    """

    regionActivated = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        self.table = pd.DataFrame(columns=list(COLUMNS))
        """The panel's :func:`region_diversity` table (every region, typed or not)."""
        self.drawn = self.table
        """The regions drawn: those with a typed neuron (0 types has no place on a log axis)."""
        self.hovered = ""
        """The region under the pointer ("" for none)."""
        self.min_neurons = QSpinBox(minimum=1, maximum=1_000_000, value=1, suffix=" neuron")
        self.min_neurons.setToolTip("Leave out smaller regions (a region of one neuron has 1,000 types per 1,000)")
        self.caption = QLabel("")
        self.caption.setStyleSheet(f"color: {theme.MUTED}")
        self.caption.setWordWrap(True)
        self.info = QLabel(IDLE_TEXT)
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.graphics = pg.PlotWidget()
        self.plot = self.graphics.getPlotItem()
        self.plot.setLogMode(x=True, y=True)
        self.plot.setLabel("bottom", "neurons in the region")
        self.plot.setLabel("left", "cell types per 1,000 neurons")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)  # a fixed figure: a drag or wheel would only lose it
        self.plot.hideButtons()
        # Bottom left: much of it lies below the one-type bound, where no region can be.
        self.legend = self.plot.addLegend(offset=(8, -8), labelTextColor=theme.TEXT, brush=pg.mkBrush(18, 20, 23, 220),
                                          colCount=2, verSpacing=-6)
        self.dots: dict[str, pg.PlotDataItem] = {}
        """One scatter per dominant subsystem, by label ("" for none)."""
        self.labels: list[pg.TextItem] = []
        """The regions' names beside their dots."""
        self.bound_labels: list[pg.TextItem] = []
        self.ring = pg.PlotDataItem([], [], pen=None, symbol="o", symbolSize=DOT_SIZE + 10, symbolBrush=None,
                                    symbolPen=pg.mkPen(theme.TEXT, width=2))
        self.hover_text = pg.TextItem("", color=theme.TEXT, fill=pg.mkBrush(38, 42, 49, 235),
                                      border=pg.mkPen(theme.ACCENT))
        # On the view box itself, in pixels, as the legend is: above it, and above every dot.
        self.hover_text.setParentItem(self.plot.getViewBox())
        self.hover_text.setZValue(20)
        self.hover_text.hide()
        self._pointer: QPointF | None = None
        self._hover_timer = QTimer(self, singleShot=True, interval=HOVER_INTERVAL_MS)
        self._hover_timer.timeout.connect(self._update_hover)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.min_neurons.valueChanged.connect(self._on_min_neurons)
        self._label_timer = QTimer(self, singleShot=True, interval=0)
        self._label_timer.timeout.connect(self.place_labels)
        self.plot.getViewBox().sigResized.connect(self._label_timer.start)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Regions of at least"))
        bar.addWidget(self.min_neurons)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.info)
        layout.addWidget(self.caption)

    def _on_min_neurons(self, value: int) -> None:
        self.min_neurons.setSuffix(" neuron" if value == 1 else " neurons")
        self.refresh()

    def set_session(self, session: Session) -> None:
        """Draw ``session``'s figure, and again whenever its subsystem rules change."""
        self.session = session
        session.subsystemsChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Draw the figure again from the session's connectome (after its subsystems changed)."""
        if self.session is None:
            return
        connectome = self.session.connectome
        self.table = region_diversity(connectome, min_neurons=self.min_neurons.value())
        self.drawn = self.table[self.table["cell_types"] > 0].reset_index(drop=True)
        colours = subsystem_colours(connectome)
        # The rules in force in the app (one's own, recoloured) over those the dataset came with.
        colours.update({label: _hex(rgba) for label, rgba in self.session.subsystem_colours().items()})
        self.plot.clear()  # the dots, labels, bounds and their legend entries
        self.dots, self.labels, self.bound_labels = {}, [], []
        self.hovered = ""
        self._draw_bounds()
        order = [label for label in colours if label in set(self.drawn["dominant_subsystem"])]
        for label in order:
            rows = self.drawn[self.drawn["dominant_subsystem"] == label]
            colour = colours[label]
            dots = pg.PlotDataItem(rows["neurons"].to_numpy(float), rows["types_per_1000"].to_numpy(float), pen=None,
                                   symbol="o", symbolSize=DOT_SIZE, symbolBrush=colour,
                                   symbolPen=pg.mkPen("#000000", width=1), name=label or NO_SUBSYSTEM)
            self.plot.addItem(dots)
            self.dots[label] = dots
        for region in notable_regions(self.table):
            row = self._row(region)
            text = pg.TextItem(region, color=theme.MUTED)
            text.setPos(math.log10(row.neurons), math.log10(row.types_per_1000))
            self.plot.addItem(text, ignoreBounds=True)
            self.labels.append(text)
        self.plot.addItem(self.ring)
        self.ring.setData([], [])
        self.hover_text.hide()
        self.info.setText(IDLE_TEXT if len(self.drawn) else "")
        self.caption.setText(self._caption(connectome))
        self._label_timer.start()

    def _draw_bounds(self) -> None:
        """The two bounds, the view's range (that of ``brainview subsystems --plot``) and its ticks."""
        if self.drawn.empty:
            return
        low = max(0.5, float(self.drawn["neurons"].min()) / 1.6)
        high = float(self.drawn["neurons"].max()) * 1.6
        bottom, top = float(self.drawn["types_per_1000"].min()) / 3.0, 2500.0
        x = np.geomspace(low, high, 40)
        dashed = pg.mkPen(theme.MUTED, width=1, style=Qt.PenStyle.DashLine)
        dotted = pg.mkPen(theme.MUTED, width=1, style=Qt.PenStyle.DotLine)
        self.plot.plot(x, np.full_like(x, 1000.0), pen=dashed)
        self.plot.plot(x, 1000.0 / x, pen=dotted)
        # Named on the lines rather than in the legend, which then stays small.
        # The one-type line leaves the view through its bottom (its name to the right of there)
        # or its right edge (its name under there): either way beside the line, not across it.
        exit_x = min(high, 1000.0 / bottom)
        one_type = (exit_x, 1000.0 / exit_x), ((0.0, 1.0) if exit_x < high else (1.0, 0.0))
        # The top line's name at its right end, over the big regions, which sit far below it.
        for text, where, anchor in (("every neuron a type of its own", (high, 1000.0), (1.0, 1.0)),
                                    ("one type for the whole region", *one_type)):
            bound = pg.TextItem(text, color=theme.MUTED, anchor=anchor)
            bound.setPos(math.log10(where[0]), math.log10(where[1]))
            self.plot.addItem(bound, ignoreBounds=True)
            self.bound_labels.append(bound)
        self.plot.setXRange(math.log10(low), math.log10(high), padding=0)
        self.plot.setYRange(math.log10(bottom), math.log10(top), padding=0)
        self.plot.getAxis("bottom").setTicks([log_ticks(low, high), []])
        self.plot.getAxis("left").setTicks([log_ticks(bottom, top), []])

    def place_labels(self) -> None:
        """Put each region's name beside its dot where it overlaps no dot, other name, the
        bounds' names or the legend (tried at :data:`LABEL_PLACES` in turn); a name without a
        free place is hidden."""
        box = self.plot.getViewBox()
        radius = DOT_SIZE / 2 + 1  # a dot and its outline
        taken = [QRectF(p.x() - radius, p.y() - radius, 2 * radius, 2 * radius)
                 for p in (box.mapViewToScene(QPointF(math.log10(r.neurons), math.log10(r.types_per_1000)))
                           for r in self.drawn.itertuples(index=False))]
        for bound in self.bound_labels:
            bound.updateTransform(force=True)  # its size on screen (before a paint it has none)
            taken.append(bound.sceneBoundingRect().adjusted(*LABEL_MARGIN))
        taken.append(self.legend.sceneBoundingRect())
        inside = box.sceneBoundingRect()
        for text in self.labels:
            text.show()
            text.updateTransform(force=True)
            size = text.boundingRect()  # in pixels, once its transform is the view's
            gap = DOT_SIZE / 2 + 2 - LABEL_MARGIN[0]  # the letters 2 px clear of the dot's edge
            gap_x, gap_y = gap / size.width(), gap / size.height()
            for dx, dy in LABEL_PLACES:
                # TextItem anchors: the fraction of the text at the dot, (0, 0) its top left.
                text.setAnchor((-gap_x if dx > 0 else 1 + gap_x if dx < 0 else 0.5,
                                1 + gap_y if dy > 0 else -gap_y if dy < 0 else 0.5))
                rect = text.sceneBoundingRect().adjusted(*LABEL_MARGIN)
                if inside.contains(rect) and not any(rect.intersects(other) for other in taken):
                    taken.append(rect)
                    break
            else:
                text.hide()

    def _caption(self, connectome) -> str:
        name = connectome.meta.get("name", "") or "this dataset"
        if self.table.empty:
            return f"No neuron of {name} has a region: nothing to draw."
        text = (f"{name}: {len(self.drawn)} regions; each dot is a region, coloured by the subsystem most of its "
                "neurons belong to (brainview subsystems --help says how the figures are counted).")
        left_out = len(self.table) - len(self.drawn)
        if left_out:
            text += f" {left_out} region(s) without a typed neuron are not drawn."
        return text

    # -- pointer ---------------------------------------------------------------------------------------
    def region_at(self, scene_pos: QPointF) -> str:
        """The region whose dot is nearest ``scene_pos`` (scene coordinates), within
        :data:`PICK_RADIUS_PX`; "" for none."""
        if self.drawn.empty:
            return ""
        box = self.plot.getViewBox()
        if not box.sceneBoundingRect().contains(scene_pos):
            return ""
        centres = [box.mapViewToScene(QPointF(math.log10(r.neurons), math.log10(r.types_per_1000)))
                   for r in self.drawn.itertuples(index=False)]
        distance = np.hypot([p.x() - scene_pos.x() for p in centres], [p.y() - scene_pos.y() for p in centres])
        nearest = int(np.argmin(distance))
        return str(self.drawn["region"].iloc[nearest]) if distance[nearest] <= PICK_RADIUS_PX else ""

    def point_of(self, region: str) -> QPointF:
        """Where ``region``'s dot is drawn, in scene coordinates."""
        row = self._row(region)
        return self.plot.getViewBox().mapViewToScene(QPointF(math.log10(row.neurons), math.log10(row.types_per_1000)))

    def _row(self, region: str):
        return self.drawn[self.drawn["region"] == region].iloc[0]

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        self._pointer = QPointF(scene_pos)
        if not self._hover_timer.isActive():
            self._hover_timer.start()

    def _update_hover(self) -> None:
        region = self.region_at(self._pointer) if self._pointer is not None else ""
        self.show_hover(region)

    def show_hover(self, region: str) -> None:
        """Name ``region`` and its figures beside its dot ("" hides the text)."""
        if region == self.hovered:
            return
        self.hovered = region
        if not region:
            self.hover_text.hide()
            self.ring.setData([], [])
            self.info.setText(IDLE_TEXT)
            return
        row = self._row(region)
        x, y = math.log10(row.neurons), math.log10(row.types_per_1000)
        self.ring.setData([row.neurons], [row.types_per_1000])
        self.hover_text.setHtml(
            f"<b>{region}</b><br>{row.neurons:,} neurons, {row.cell_types:,} cell types<br>"
            f"{row.types_per_1000:,.1f} types per 1,000 neurons<br>mostly {row.dominant_subsystem or NO_SUBSYSTEM}")
        (left, right), (bottom, top) = self.plot.getViewBox().viewRange()
        # Open towards the middle of the plot, so the text never leaves it, clear of the ring.
        rightwards, upwards = x < (left + right) / 2, y < (bottom + top) / 2
        self.hover_text.setAnchor((0.0 if rightwards else 1.0, 1.0 if upwards else 0.0))
        clear = DOT_SIZE
        where = self.plot.getViewBox().mapFromView(QPointF(x, y))
        self.hover_text.setPos(where + QPointF(clear if rightwards else -clear, -clear if upwards else clear))
        self.hover_text.show()
        self.info.setText(f"<b>{region}</b>: {figures_text(row)}. Click to mark its neurons in 3D.")

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        region = self.region_at(event.scenePos())
        if region:
            self.activate(region)

    def activate(self, region: str) -> None:
        """Emit :attr:`regionActivated` with ``region``'s neurons (as a click on its dot does)."""
        rows = region_rows(self.session.connectome, region)
        self.regionActivated.emit(region, rows)
        self.info.setText(f"<b>{region}</b>: {figures_text(self._row(region))}. Its {rows.size:,} neurons are "
                          "marked in the 3D view.")


# -- the main window's dock ------------------------------------------------------------------------
def install_diversity_dock(window) -> DiversityPanel:
    """Give the main window a Diversity dock, a tab beside the traces, hidden until chosen in the
    View menu; a click on a region marks its neurons in the 3D view and fits the camera to them."""
    panel = DiversityPanel()
    dock = window._dock("Diversity", panel, Qt.DockWidgetArea.BottomDockWidgetArea)
    window.docks["diversity"] = dock
    dock.hide()
    tab_when_shown(window, dock, window.docks["traces"])
    panel.regionActivated.connect(lambda _region, rows: window.view.show_cells(rows, focus=rows))
    return panel
