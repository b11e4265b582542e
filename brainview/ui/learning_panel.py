"""The Learning panel: dopamine-gated plasticity in the live run, odour presentations and pairings.

Shown for datasets with Kenyon cells, MBONs and DANs (``class:Kenyon_Cell``, ``class:MBON``,
``class:DAN``, as FlyWire and ``brainview example mushroom-body`` name them). "Plasticity on"
rebuilds the live engine with a :class:`~brainview.sim.plasticity.PlasticityRule` (KC to MBON,
taught by the DANs; :class:`~brainview.ui.commands.SetPlasticity`, the run starts again at
t = 0), so the 3D view, the traces and the panel all show the one plastic run. The worker
samples the weights in its own thread and sends them with its snapshots (every
:data:`~brainview.ui.worker.WEIGHT_SAMPLE_MS` of simulated time), summed per label of the
MBONs' ``compartment`` column (``cell_type`` without one); the heatmap shows each sum against
its start, redrawn at most every :data:`REDRAW_INTERVAL_MS`.

The buttons present odour A or B (the PNs of ten glomeruli at 150 Hz for 500 ms), or pair A
with reward (the PAM DANs driven from 100 ms after the odour's onset to its end): the protocol
of :class:`~brainview.comparison.conditioning.Conditioning`, whose odours are frozen too: each
presentation of an odour repeats its PN spike trains (:class:`~brainview.ui.commands.SetFrozenStimuli`),
so that a test response changes only when the weights did. Each presentation drives and
stops its cells through the session's ordinary, undoable stimulus actions; the panel starts and
stops them as the snapshots' simulated time passes, one presentation after another with
300 ms of rest between. A presentation's start is the step the engine reports for its drive,
and the response is the MBONs' mean rate in the 500 ms from there (the drive itself may last a
little longer, up to one snapshot).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, fields

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QGridLayout, QHeaderView, QLabel, QPushButton, QSizePolicy,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from brainview.connectome import Connectome
from brainview.connectome.categorical import Categorical
from brainview.connectome.selectors import Selector
from brainview.experiment import CellSet, StimulusEntry
from brainview.ui import theme
from brainview.ui.commands import HoldAfter, ResetWeights, SetFrozenStimuli, Snapshot
from brainview.ui.session import Session

PRE, POST, MODULATORS = "class:Kenyon_Cell", "class:MBON", "class:DAN"
"""The plastic connections (KC to MBON), their teachers, and the readout (the MBONs)."""

ODOUR_SEEDS = (1, 5)
"""Seeds of :func:`~brainview.connectome.examples.mushroom_body.random_odour` for odours A and B."""

REDRAW_INTERVAL_MS = 200
"""Shortest time between two redraws of the heatmap and the responses."""

HEATMAP_SPAN_S = 60.0
"""The heatmap shows the weights over the last this many seconds of simulated time."""

RATIO_LEVELS = (0.7, 1.3)
"""Colour range of the heatmap, weight sum over its start: blue below 1 (depression), red above."""

LEFT_COLUMN_MAX_PX = 380
"""Widest the buttons and the table get; the plots take the rest."""

EPS_MS = 1e-6
"""Times within this of each other are one time (sums of floats: 861.3 + 800 may not be 1661.3)."""

VALUE_ROLE = Qt.ItemDataRole.UserRole + 7
"""The table's numbers, unrounded (tests read them)."""

KINDS = {"A": "odour A", "B": "odour B", "A+reward": "A + reward"}
ODOUR_OF = {"A": "A", "B": "B", "A+reward": "A"}
"""A presentation's kind and its words in the table."""

_KIND_STYLE = {"A": (theme.ACCENT, "o", "●"), "B": (theme.STIMULUS, "s", "■"), "A+reward": ("#6ee7a8", "t", "▼")}
"""Colour, plot symbol and the table's mark of each kind of presentation."""


def _protocol_defaults() -> dict[str, float]:
    from brainview.comparison.conditioning import Conditioning

    return {f.name: f.default for f in fields(Conditioning) if f.name in
            ("odour_Hz", "reward_Hz", "odour_ms", "gap_ms", "reward_delay_ms")}


PROTOCOL = _protocol_defaults()
"""Rates (Hz) and times (ms) of a presentation, as ``brainview condition`` runs them."""


@dataclass
class Setup:
    """What the panel works with on one dataset (see :func:`learning_setup`)."""

    readout: np.ndarray  # the MBONs
    by: str  # the label column the weights are summed by
    rule: object  # PlasticityRule
    odours: dict[str, CellSet]  # "A", "B" -> their PNs; empty without uniglomerular PNs
    glomeruli: dict[str, tuple[str, ...]]
    reward: CellSet | None  # the PAM DANs, None without them


def learning_setup(connectome: Connectome) -> Setup | None:
    """The panel's cells on ``connectome``, or None if it lacks Kenyon cells, MBONs or DANs."""
    from brainview.connectome.examples.mushroom_body import ODOUR_GLOMERULI, glomeruli, odour_rows, random_odour
    from brainview.sim.plasticity import PlasticityRule

    rows = [Selector.parse(s).resolve(connectome, allow_empty=True) for s in (PRE, POST, MODULATORS)]
    if any(r.size == 0 for r in rows):
        return None
    mbons, dans = rows[1], rows[2]
    column = connectome.columns.get("compartment")
    by = "compartment" if isinstance(column, Categorical) and np.all(column.codes[mbons] >= 0) else "cell_type"
    odours, chosen = {}, {}
    known = glomeruli(connectome)
    if len(known) >= 2:
        for name, seed in zip("AB", ODOUR_SEEDS):
            chosen[name] = random_odour(connectome, min(ODOUR_GLOMERULI, len(known) // 2), seed=seed)
            odours[name] = CellSet(f"learning:odour {name}", f"odour {name}", odour_rows(connectome, chosen[name]))
    pam = dans[np.char.startswith(connectome.strings("cell_type")[dans].astype(str), "PAM")]
    reward = CellSet("learning:reward", "reward (PAM DANs)", pam) if pam.size else None
    return Setup(mbons, by, PlasticityRule(PRE, POST, MODULATORS), odours, chosen, reward)


@dataclass
class Presentation:
    """One presentation under way: its kind, and from the engine's report, its start."""

    kind: str
    start_ms: float | None = None
    generation: int = -1
    spikes: int = 0
    reward_on: bool = False


@dataclass(frozen=True)
class Response:
    """The readout's mean rate (Hz) during one presentation that began at ``t_ms``."""

    t_ms: float
    kind: str
    rate_Hz: float


class LearningPanel(QWidget):
    """Plasticity toggle, presentation buttons, the weight heatmap and the responses.

    Signals
    -------
    playRequested()
        A presentation waits for a running simulation.
    fitsChanged(bool)
        A dataset was set: whether it has the cells the panel needs.
    """

    playRequested = Signal()
    fitsChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        self.setup: Setup | None = None
        self.generation = -1
        self.plastic = False  # the live run is plastic (its snapshots carry weights)
        self._pending: bool | None = None  # plasticity asked for, not yet seen in a snapshot
        self._pending_generation = -1
        self.running = False
        self.now_ms = 0.0
        self.queue: deque[str] = deque()
        self.current: Presentation | None = None
        self._rest_until_ms = -math.inf
        self._holding = False  # the engine may have been told to wait somewhere (HoldAfter)
        self.responses: list[Response] = []
        self.status_note = ""  # said once, with the next state
        self._mask: np.ndarray | None = None
        self._clear_weights()

        self.plastic_box = QCheckBox("Plasticity on")
        self.plastic_box.setToolTip(
            "Make the live run's Kenyon cell to MBON synapses plastic, taught by the DANs "
            "(dopamine-gated plasticity; the run starts again at t = 0)")
        self.reset_button = QPushButton("Reset weights")
        self.reset_button.setToolTip("Put the plastic weights back to the connectome's (the run goes on)")
        self.present_a = QPushButton("Present odour A")
        self.present_b = QPushButton("Present odour B")
        self.pair_button = QPushButton("Pair A with reward")
        self.pair_button.setToolTip(
            f"Odour A for {PROTOCOL['odour_ms']:g} ms with the PAM DANs driven at {PROTOCOL['reward_Hz']:g} Hz "
            f"from {PROTOCOL['reward_delay_ms']:g} ms after its onset")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setStyleSheet(f"color: {theme.MUTED}")
        self.graphics = pg.GraphicsLayoutWidget()
        self.heat_plot = self.graphics.addPlot(row=0, col=0)
        self.response_plot = self.graphics.addPlot(row=1, col=0)
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.heatmap = pg.ImageItem(axisOrder="row-major")
        self.heat_plot.addItem(self.heatmap)
        self.colour_bar = pg.ColorBarItem(values=RATIO_LEVELS, colorMap=pg.colormap.get("CET-D1"),
                                          label="KC→MBON weight / start", interactive=False, width=14)
        self.colour_bar.setImageItem(self.heatmap)
        self.graphics.addItem(self.colour_bar, row=0, col=1)  # beside, so that both plots are as wide
        self.heat_plot.invertY(True)
        self.heat_plot.hideAxis("bottom")
        self.response_plot.setXLink(self.heat_plot)
        self.response_plot.setLabel("bottom", "simulated time, s")
        self.response_plot.setLabel("left", "MBONs, Hz")
        self.response_plot.setLimits(yMin=0)
        for plot in (self.heat_plot, self.response_plot):
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.getAxis("left").setWidth(64)
        small = QFont(self.font())
        small.setPointSizeF(max(self.font().pointSizeF() - 3, 7))
        self.heat_plot.getAxis("left").setStyle(tickFont=small, tickLength=0)
        self.response_curves = {}
        for kind, (colour, symbol, _) in _KIND_STYLE.items():
            self.response_curves[kind] = self.response_plot.plot(
                [], [], pen=pg.mkPen(colour, width=2), symbol=symbol, symbolSize=10, symbolBrush=colour,
                symbolPen=None, name=KINDS[kind])
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(("t, s", "Presented", "Hz", "Change"))
        for column, tip in enumerate((
                "Simulated time of the presentation's onset, s",
                "The odour, and whether the reward came with it",
                "The MBONs' mean rate during the presentation, spikes per second per cell",
                "Against the first test of the same odour in this run (its presentation alone)")):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

        buttons = QGridLayout()
        buttons.addWidget(self.plastic_box, 0, 0)
        buttons.addWidget(self.reset_button, 0, 1)
        buttons.addWidget(self.present_a, 1, 0)
        buttons.addWidget(self.present_b, 1, 1)
        buttons.addWidget(self.pair_button, 2, 0, 1, 2)
        controls = QWidget()
        controls.setMaximumWidth(LEFT_COLUMN_MAX_PX)
        left = QVBoxLayout(controls)
        left.setContentsMargins(0, 0, 0, 0)
        left.addLayout(buttons)
        left.addWidget(self.status)
        left.addWidget(self.table, 1)
        layout = QGridLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(controls, 0, 0)
        layout.addWidget(self.graphics, 0, 1)
        layout.setColumnStretch(1, 1)

        self.plastic_box.toggled.connect(self._on_toggled)
        self.reset_button.clicked.connect(lambda: self.enqueue("reset"))
        self.present_a.clicked.connect(lambda: self.enqueue("A"))
        self.present_b.clicked.connect(lambda: self.enqueue("B"))
        self.pair_button.clicked.connect(lambda: self.enqueue("A+reward"))
        self._redraw_timer = QTimer(self, singleShot=True, interval=REDRAW_INTERVAL_MS)
        self._redraw_timer.timeout.connect(self.redraw)
        self.setEnabled(False)

    # -- the session --------------------------------------------------------------------------
    def set_session(self, session: Session) -> None:
        """Work on ``session``'s dataset (a new worker: its run is not plastic)."""
        self.session = session
        self.setup = learning_setup(session.connectome)
        self._mask = None
        self.queue.clear()
        self.current = None
        self.generation, self.plastic, self._pending = -1, False, None
        self._holding = False  # a new worker holds nowhere
        self._rest_until_ms = -math.inf
        self.responses = []
        self._clear_weights()
        # An experiment opened from a file may be plastic: its session asks the engine for it.
        plastic = session.experiment.plasticity is not None
        self.plastic_box.blockSignals(True)
        self.plastic_box.setChecked(plastic)
        self.plastic_box.blockSignals(False)
        if plastic:
            self._pending, self._pending_generation = True, self.generation
        fits = self.setup is not None
        self.setEnabled(fits)
        if fits:
            setup = self.setup
            # Each presentation of an odour repeats its PN trains, as in brainview condition: a
            # test response changes only when the weights did, not with the Poisson draws.
            session.send(SetFrozenStimuli(frozenset(cells.key for cells in setup.odours.values())))
            for name, button in (("A", self.present_a), ("B", self.present_b)):
                cells = setup.odours.get(name)
                button.setEnabled(cells is not None)
                button.setToolTip(
                    f"Drive the {cells.rows.size} PNs of glomeruli {', '.join(setup.glomeruli[name])} at "
                    f"{PROTOCOL['odour_Hz']:g} Hz for {PROTOCOL['odour_ms']:g} ms" if cells is not None else
                    "This dataset has no uniglomerular olfactory PNs (class ALPN) to present odours with")
            self.pair_button.setEnabled("A" in setup.odours and setup.reward is not None)
            if setup.reward is None:
                self.pair_button.setToolTip("This dataset has no PAM DANs (cell types PAM...) to reward with")
        self._show_table()
        self.redraw()
        self._say_state()
        self.fitsChanged.emit(fits)

    def engine_failed(self) -> None:
        """The worker reported an error (a plastic engine that could not be built, say): show
        what the snapshots say from now on, not what was asked for."""
        self._pending = None

    # -- actions ------------------------------------------------------------------------------
    def set_plastic(self, on: bool) -> None:
        """Rebuild the live engine with (or without) plasticity, if that is not what it has
        been asked for already; the run starts again at t = 0."""
        self.plastic_box.setChecked(on)  # toggled (if it changes): _on_toggled

    def _on_toggled(self, on: bool) -> None:
        if self.session is None or self.setup is None:
            return
        self._abort("the run starts again")
        self._pending, self._pending_generation = on, self.generation
        # Through the experiment, which tells the engine and is saved with it.
        self.session.experiment.set_plasticity(self.setup.rule if on else None, self.setup.by)
        self._say_state()

    def perform(self, actions: tuple[str, ...]) -> None:
        """Do a lesson step's actions (:data:`~brainview.experiment.lessons.LEARNING_ACTIONS`) in order."""
        names = {"present A": "A", "present B": "B", "pair A": "A+reward", "reset weights": "reset"}
        for action in actions:
            if action == "plasticity on":
                self.set_plastic(True)
            else:
                self.enqueue(names[action])

    def enqueue(self, kind: str) -> None:
        """Present ``kind`` ("A", "B", "A+reward") after those queued; "reset": the weights."""
        if self.setup is None:
            return
        self.queue.append(kind)
        self._next()
        if self.queue or self.current is not None:
            self._say_state()
            if not self.running:
                self.playRequested.emit()

    def _next(self) -> None:
        """Start what comes next in the queue, if nothing runs and the rest after the last is over."""
        while self.current is None and self.queue and self.now_ms >= self._rest_until_ms - EPS_MS:
            kind = self.queue.popleft()
            if kind == "reset":
                self.session.send(ResetWeights())
                continue
            self.current = Presentation(kind)
            self._hold(0.0)  # first stop the engine: the drive and the next hold then act at one step
            odour = self.setup.odours[ODOUR_OF[kind]]
            if odour.key in self.session.experiment.stimuli:  # left on: its new start must reach the engine
                self.session.stimulate(odour, None)
            self.session.stimulate(odour, PROTOCOL["odour_Hz"])
            # The engine waits where the next action is due (from the drive's step on), and the
            # panel acts while it waits there: the protocol's times are exact at any pacing.
            self._hold(PROTOCOL["reward_delay_ms"] if kind == "A+reward" else PROTOCOL["odour_ms"])
        if self.current is None and not self.queue:
            self._hold(None)
        self._say_state()

    def _hold(self, duration_ms: float | None) -> None:
        """Let the engine run ``duration_ms`` more (None: on and on) and wait there."""
        if duration_ms is not None or self._holding:
            self.session.send(HoldAfter(duration_ms))
        self._holding = duration_ms is not None

    def _stop_current(self) -> Presentation:
        current, self.current = self.current, None
        self.session.stimulate(self.setup.odours[ODOUR_OF[current.kind]], None)
        if current.reward_on:
            self.session.stimulate(self.setup.reward, None)
        # Rest, then the next presentation (if one waits) exactly after the gap.
        self._hold(PROTOCOL["gap_ms"] if self.queue else None)
        return current

    def _abort(self, why: str) -> None:
        self.queue.clear()
        if self.current is not None:
            self._stop_current()
            self.status_note = f"Presentations cancelled: {why}."
        self._hold(None)

    # -- snapshots ----------------------------------------------------------------------------
    def add_snapshot(self, snapshot: Snapshot) -> None:
        """Follow the live run: weights into the heatmap, presentations started, measured, stopped."""
        if self.setup is None:
            return
        self.running, self.now_ms = snapshot.running, snapshot.t_ms
        if snapshot.generation != self.generation:  # the engine started again at t = 0
            self.generation = snapshot.generation
            self._clear_weights()
            self.responses = []
            self._show_table()
            self._rest_until_ms = -math.inf  # (the worker let go of a hold, but one may be queued: kept)
            if self.current is not None and self.current.start_ms is not None:
                self._abort("the run started again")
        self._follow_plasticity(snapshot)
        if snapshot.weights is not None:
            self._add_weights(snapshot.weights)
        if self.current is not None:
            self._follow_presentation(snapshot)
        self._next()
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def _follow_plasticity(self, snapshot: Snapshot) -> None:
        plastic = snapshot.weights is not None
        if self._pending is not None and (plastic == self._pending or snapshot.generation != self._pending_generation):
            self._pending = None
        if plastic != self.plastic or (self._pending is None and self.plastic_box.isChecked() != plastic):
            self.plastic = plastic
            if self._pending is None:
                self.plastic_box.blockSignals(True)
                self.plastic_box.setChecked(plastic)
                self.plastic_box.blockSignals(False)
            self._say_state()

    def _follow_presentation(self, snapshot: Snapshot) -> None:
        current = self.current
        odour = self.setup.odours[ODOUR_OF[current.kind]]
        if current.start_ms is None:
            drive = StimulusEntry(odour, PROTOCOL["odour_Hz"]).text
            started = [c for c in snapshot.changes if c.kind == "stimulus" and c.label == drive]
            if not started:
                return
            current.start_ms, current.generation = started[-1].t_ms, snapshot.generation
        end_ms = current.start_ms + PROTOCOL["odour_ms"]
        t = snapshot.spike_t_ms
        in_window = (t >= current.start_ms - EPS_MS) & (t < end_ms - EPS_MS)
        if in_window.any():
            readout = self._readout_mask()
            current.spikes += int(np.count_nonzero(readout[snapshot.spike_rows[in_window]]))
        if current.kind == "A+reward" and not current.reward_on and \
                snapshot.t_ms >= current.start_ms + PROTOCOL["reward_delay_ms"] - EPS_MS and \
                snapshot.t_ms < end_ms - EPS_MS:
            self.session.stimulate(self.setup.reward, PROTOCOL["reward_Hz"])
            self._hold(PROTOCOL["odour_ms"] - PROTOCOL["reward_delay_ms"])
            current.reward_on = True
        if snapshot.t_ms >= end_ms - EPS_MS:
            done = self._stop_current()
            rate = done.spikes / (self.setup.readout.size * PROTOCOL["odour_ms"] * 1e-3)
            self.responses.append(Response(done.start_ms, done.kind, rate))
            self._rest_until_ms = end_ms + PROTOCOL["gap_ms"]
            self._show_table()

    def _readout_mask(self) -> np.ndarray:
        if self._mask is None or self._mask.size != self.session.connectome.n:
            self._mask = np.zeros(self.session.connectome.n, bool)
            self._mask[self.setup.readout] = True
        return self._mask

    # -- the heatmap ----------------------------------------------------------------------------
    def _clear_weights(self) -> None:
        self.labels: tuple[str, ...] = ()
        self.start_mV = np.zeros(0)
        self._t_parts: list[np.ndarray] = []
        self._sum_parts: list[np.ndarray] = []
        self._order = np.zeros(0, np.int64)

    def _add_weights(self, weights) -> None:
        if weights.labels != self.labels:
            self._clear_weights()
            self.labels, self.start_mV = weights.labels, np.asarray(weights.start_mV, float)
            self._order = np.array(compartment_order(self.labels), np.int64)
            axis = self.heat_plot.getAxis("left")
            axis.setTicks([[(i + 0.5, pretty_label(self.labels[j])) for i, j in enumerate(self._order)], []])
        if weights.t_ms.size:
            self._t_parts.append(np.asarray(weights.t_ms, float))
            self._sum_parts.append(np.asarray(weights.sums_mV, float))
            if len(self._t_parts) > 64:
                self._compact()

    def _compact(self) -> None:
        t, sums = np.concatenate(self._t_parts), np.concatenate(self._sum_parts, axis=1)
        keep = t >= t[-1] - HEATMAP_SPAN_S * 1000.0
        self._t_parts, self._sum_parts = [t[keep]], [sums[:, keep]]

    def weight_ratios(self) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
        """(labels, sample times in ms, (labels, samples) weight sums over their start) of the
        heatmap, in its row order (compartments as Aso et al. order them)."""
        if not self._t_parts:
            return tuple(self.labels[j] for j in self._order), np.zeros(0), np.zeros((len(self.labels), 0))
        self._compact()
        t, sums = self._t_parts[0], self._sum_parts[0]
        start = np.where(self.start_mV > 0, self.start_mV, 1.0)
        ratios = sums / start[:, None]
        return tuple(self.labels[j] for j in self._order), t, ratios[self._order]

    def redraw(self) -> None:
        """Draw the heatmap and the responses as they are now."""
        labels, t, ratios = self.weight_ratios()
        if t.size:
            step = np.median(np.diff(t)) if t.size > 1 else 20.0
            self.heatmap.setImage(ratios, autoLevels=False, levels=RATIO_LEVELS)
            self.heatmap.setRect(t[0] / 1000.0, 0.0, max((t[-1] - t[0] + step) / 1000.0, 1e-3), len(labels))
            self.heatmap.show()
            last_s = t[-1] / 1000.0
            self.heat_plot.setXRange(max(last_s - HEATMAP_SPAN_S, 0.0), max(last_s, 1.0), padding=0.04)
            self.heat_plot.setYRange(0, len(labels), padding=0)
        else:
            self.heatmap.clear()
        for kind, curve in self.response_curves.items():
            chosen = [r for r in self.responses if r.kind == kind]
            curve.setData([r.t_ms / 1000.0 for r in chosen], [r.rate_Hz for r in chosen])

    # -- words ----------------------------------------------------------------------------------
    def _show_table(self) -> None:
        self.table.setRowCount(len(self.responses))
        first: dict[str, float] = {}  # the first test of each odour
        for row, response in enumerate(self.responses):
            base = first.get(ODOUR_OF[response.kind])
            change = (response.rate_Hz - base) / base if base else math.nan
            if base is None and response.kind in ("A", "B"):
                first[response.kind] = response.rate_Hz
            colour, _, mark = _KIND_STYLE[response.kind]
            cells = ((f"{response.t_ms / 1000:.2f}", response.t_ms), (f"{mark} {KINDS[response.kind]}", response.kind),
                     (f"{response.rate_Hz:.1f}", response.rate_Hz),
                     (f"{change:+.0%}" if math.isfinite(change) else "-", change))
            for column, (text, value) in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(VALUE_ROLE, value)
                if column != 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                else:
                    item.setForeground(QColor(colour))
                self.table.setItem(row, column, item)
        if self.responses:
            self.table.scrollToBottom()

    def _say_state(self) -> None:
        if self.setup is None:
            self.status.setText("This dataset has no Kenyon cells, MBONs and DANs (class Kenyon_Cell, MBON, DAN).")
            return
        if self._pending is not None:
            state = "Building the plastic engine..." if self._pending else "Building the engine without plasticity..."
        elif self.plastic:
            state = f"Plastic: KC→MBON synapses, taught by the DANs; rows: MBONs by {self.setup.by.replace('_', ' ')}."
        else:
            state = "Plasticity is off: the weights are the connectome's."
        busy = ""
        if self.current is not None:
            busy = f" Presenting {KINDS[self.current.kind]}"
            busy += "..." if not self.queue else f", {len(self.queue)} more queued..."
        elif self.queue:
            busy = f" {len(self.queue)} queued."
        note, self.status_note = self.status_note, ""
        self.status.setText(" ".join(p for p in (state + busy, note) if p))


def compartment_order(labels: tuple[str, ...]) -> list[int]:
    """Indices of ``labels`` in Aso et al.'s order of their first compartment (γ1 ... α3), the
    others after them by name."""
    from brainview.connectome.examples.mushroom_body import COMPARTMENTS

    rank = {c.label: i for i, c in enumerate(COMPARTMENTS)}

    def key(index: int):
        parts = labels[index].split(".")
        return (0, [rank[p] for p in parts], "") if all(p in rank for p in parts) else (1, [], labels[index])

    return sorted(range(len(labels)), key=key)


def pretty_label(label: str) -> str:
    """A compartment label as Aso et al. write it (``y5.B'2`` -> ``γ5 β'2``); others unchanged."""
    from brainview.connectome.examples.mushroom_body import COMPARTMENTS

    names = {c.label: c.aso for c in COMPARTMENTS}
    parts = label.split(".")
    return " ".join(names[p] for p in parts) if all(p in names for p in parts) else label


# -- the main window's dock ------------------------------------------------------------------------
def install_learning_dock(window) -> LearningPanel:
    """Give the main window a Learning dock, a tab beside the traces (before its menus are
    built), shown and raised only for datasets that fit; a lesson's learning actions and Play
    go through it."""
    panel = LearningPanel()
    dock = window._dock("Learning", panel, Qt.DockWidgetArea.BottomDockWidgetArea)
    window.docks["learning"] = dock
    dock.hide()  # tabified when first shown: a hidden dock's tab leaves a stray tab bar behind

    def fit(fits: bool) -> None:
        dock.toggleViewAction().setEnabled(fits)
        if fits and dock not in window.tabifiedDockWidgets(window.docks["traces"]) and not dock.isFloating():
            window.tabifyDockWidget(window.docks["traces"], dock)
        dock.setVisible(fits)
        (dock if fits else window.docks["traces"]).raise_()

    panel.fitsChanged.connect(fit)
    panel.playRequested.connect(lambda: window.controls.play_action.setChecked(True))
    window.lesson_panel.learningRequested.connect(panel.perform)
    return panel


