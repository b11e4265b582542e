"""The Diversity panel: cell-type diversity per region, the figure of ``brainview subsystems --plot``.

Each dot is a region (:func:`~brainview.connectome.diversity.region_diversity`, the numbers the
command prints): its neurons across, its distinct cell types per 1,000 neurons up, both axes
logarithmic, coloured by the subsystem most of its neurons belong to, in the 3D view's subsystem
colours. Two dashed lines frame what is possible: every neuron a type of its own (1,000 per
1,000) and one type for the whole region (1,000 / neurons). Resting the pointer on a dot names
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
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
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
        self.min_neurons = QSpinBox(minimum=1, maximum=1_000_000, value=1, prefix="regions of at least ",
                                    suffix=" neurons")
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
        self.plot.setLabel("left", "distinct cell types per 1,000 neurons")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.legend = self.plot.addLegend(offset=(-8, 8), labelTextColor=theme.TEXT, brush=pg.mkBrush(18, 20, 23, 220))
        self.dots: dict[str, pg.PlotDataItem] = {}
        """One scatter per dominant subsystem, by label ("" for none)."""
        self.labels: list[pg.TextItem] = []
        self.ring = pg.PlotDataItem([], [], pen=None, symbol="o", symbolSize=DOT_SIZE + 10, symbolBrush=None,
                                    symbolPen=pg.mkPen(theme.TEXT, width=2))
        self.hover_text = pg.TextItem("", color=theme.TEXT, fill=pg.mkBrush(38, 42, 49, 235),
                                      border=pg.mkPen(theme.ACCENT))
        self.hover_text.setZValue(20)
        self.hover_text.hide()
        self._pointer: QPointF | None = None
        self._hover_timer = QTimer(self, singleShot=True, interval=HOVER_INTERVAL_MS)
        self._hover_timer.timeout.connect(self._update_hover)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.min_neurons.valueChanged.connect(lambda _=0: self.refresh())
        bar = QHBoxLayout()
        bar.addWidget(self.min_neurons)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.info)
        layout.addWidget(self.caption)

    def set_session(self, session: Session) -> None:
        """Draw ``session``'s figure."""
        self.session = session
        self.refresh()

    def refresh(self) -> None:
        """Draw the figure again from the session's connectome (after its subsystems changed)."""
        connectome = self.session.connectome
        self.table = region_diversity(connectome, min_neurons=self.min_neurons.value())
        self.drawn = self.table[self.table["cell_types"] > 0].reset_index(drop=True)
        colours = subsystem_colours(connectome)
        self.plot.clear()  # the dots, labels, bounds and their legend entries
        self.dots, self.labels = {}, []
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
            row = self.drawn[self.drawn["region"] == region].iloc[0]
            text = pg.TextItem(region, color=theme.MUTED, anchor=(-0.15, 1.0))
            text.setPos(math.log10(row.neurons), math.log10(row.types_per_1000))
            self.plot.addItem(text)
            self.labels.append(text)
        self.plot.addItem(self.ring)
        self.plot.addItem(self.hover_text, ignoreBounds=True)
        self.ring.setData([], [])
        self.hover_text.hide()
        self.info.setText(IDLE_TEXT if len(self.drawn) else "")
        self.caption.setText(self._caption(connectome))

    def _draw_bounds(self) -> None:
        if self.drawn.empty:
            return
        low = max(0.5, float(self.drawn["neurons"].min()) / 1.6)
        high = float(self.drawn["neurons"].max()) * 1.6
        x = np.geomspace(low, high, 40)
        dashed = pg.mkPen(theme.MUTED, width=1, style=Qt.PenStyle.DashLine)
        dotted = pg.mkPen(theme.MUTED, width=1, style=Qt.PenStyle.DotLine)
        self.plot.plot(x, np.full_like(x, 1000.0), pen=dashed, name="every neuron its own type")
        self.plot.plot(x, 1000.0 / x, pen=dotted, name="one type for the whole region")

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
        # Open towards the middle of the plot, so the text never leaves it.
        self.hover_text.setAnchor((0.0 if x < (left + right) / 2 else 1.0, 1.0 if y < (bottom + top) / 2 else 0.0))
        self.hover_text.setPos(x, y)
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
