"""Simulation controls: play/pause, step, reset, pacing, and the simulated-time clock.

The actions live here once and appear both in the toolbar and in the Simulation menu, with
their keyboard shortcuts (space plays and pauses).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QMenu, QToolBar, QToolButton, QWidget

from brainview.sim.params import ShiuParams
from brainview.ui.commands import Pacing, Snapshot

PACINGS = (
    ("Flat out", Pacing("flat")),
    ("Real time", Pacing("realtime")),
    ("10x slower (teaching)", Pacing("slow", 10.0)),
    ("100x slower", Pacing("slow", 100.0)),
)
"""The speeds offered, in menu order."""

STEP_MS = 10.0
"""Simulated time one press of Step advances, ms."""

CLOCK_INTERVAL_MS = 200
"""While running, the clock and real-time factor are shown anew at most this often: snapshots
come up to 60 times a second, and a number changing faster than this cannot be read anyway."""


WEIGHT_TIP = (
    "Synaptic weight w_syn: the jump of g per synapse (Shiu et al. 2024: 0.275 mV, fitted to fly "
    "synapse counts). Changing it restarts the simulation at t = 0.")
PLAY_TIP = "Play or pause the simulation (Space)"
PENDING_TIP = "Plays as soon as the simulation engine is ready; press again (Space) to cancel"


def format_clock(t_ms: float) -> str:
    """Simulated time as ``0.250 s`` (ms resolution)."""
    return f"t = {t_ms / 1000.0:8.3f} s"


def format_factor(factor: float, running: bool) -> str:
    """The real-time factor as ``1.02x real time`` (``paused`` when not running)."""
    if not running:
        return "paused"
    return f"{factor:5.2f}x real time"


class SimulationControls(QObject):
    """Play, pause, step, reset and pacing actions, plus the toolbar that shows them.

    Signals carry the user's intent; the main window turns them into worker commands.
    """

    playToggled = Signal(bool)
    stepRequested = Signal(float)
    resetRequested = Signal()
    pacingChanged = Signal(object)
    modelChanged = Signal(object)
    """New model parameters, as ((name, value), ...) of ``ShiuParams`` fields."""
    clockShown = Signal(str)
    """The clock's new text, as the toolbar shows it (presentation mode shows it large too)."""

    def __init__(self, pacing: Pacing, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.running = False
        self.play_action = QAction("Play", self, checkable=True, shortcut=QKeySequence(Qt.Key.Key_Space))
        self.play_action.setToolTip(PLAY_TIP)
        self.play_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.step_action = QAction(f"Step {STEP_MS:g} ms", self, shortcut=QKeySequence(Qt.Key.Key_Period))
        self.step_action.setToolTip(f"Advance {STEP_MS:g} ms of simulated time and pause (.)")
        self.reset_action = QAction("Reset", self, shortcut=QKeySequence("Ctrl+R"))
        self.reset_action.setToolTip("Back to t = 0, keeping lesions and stimuli (Ctrl+R)")
        self.pacing_actions = QActionGroup(self)
        for index, (text, option) in enumerate(PACINGS, start=1):
            action = QAction(text, self, checkable=True, shortcut=QKeySequence(f"Ctrl+{index}"))
            action.setData(option)
            action.setChecked(option == pacing)
            self.pacing_actions.addAction(action)
        if self.pacing_actions.checkedAction() is None:
            self.pacing_actions.actions()[1].setChecked(True)
        self.pacing_box = QComboBox()
        self.pacing_box.setToolTip("Speed: flat out, real time, or slowed down (Ctrl+1..4)")
        for text, _ in PACINGS:
            self.pacing_box.addItem(text)
        self.pacing_box.setCurrentIndex(self.pacing_actions.actions().index(self.pacing_actions.checkedAction()))
        self.w_syn = QDoubleSpinBox(prefix="weight ", suffix=" mV", decimals=3, minimum=0.005, maximum=20.0, singleStep=0.05)
        self.w_syn.setValue(ShiuParams().w_syn_mV)
        self.w_syn.setKeyboardTracking(False)
        self.w_syn.setToolTip(WEIGHT_TIP)
        self.recommended_action = QAction("The dataset recommends no parameters", self, enabled=False)
        self.defaults_action = QAction("The model's defaults (Shiu et al. 2024)", self)
        self.params_menu = QMenu("Model parameters")
        self.params_menu.addAction(self.recommended_action)
        self.params_menu.addAction(self.defaults_action)
        self.params_button = QToolButton(text="Parameters", popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        self.params_button.setMenu(self.params_menu)
        self.params_button.setToolTip("Back to the dataset's recommended parameters, or to the model's defaults")
        self._recommended: dict[str, float] = {}
        self.recommended_action.triggered.connect(lambda: self.modelChanged.emit(tuple(self._recommended.items())))
        self.defaults_action.triggered.connect(
            lambda: self.modelChanged.emit(tuple(ShiuParams().to_dict().items())))
        self.clock = QLabel(format_clock(0.0))
        self.clock.setObjectName("simClock")
        self.factor = QLabel(format_factor(0.0, False))
        self._shown_texts = (self.clock.text(), self.factor.text())
        self._clock_timer = QTimer(self, singleShot=True, interval=CLOCK_INTERVAL_MS)
        self._clock_timer.timeout.connect(self._show_texts)
        self.factor.setMinimumWidth(150)
        self.play_action.toggled.connect(self._on_play_toggled)
        self.step_action.triggered.connect(lambda: self.stepRequested.emit(STEP_MS))
        self.reset_action.triggered.connect(self.resetRequested)
        self.pacing_actions.triggered.connect(self._on_pacing_action)
        self.pacing_box.currentIndexChanged.connect(lambda i: self.pacing_actions.actions()[i].trigger())
        self.w_syn.valueChanged.connect(lambda value: self.modelChanged.emit((("w_syn_mV", float(value)),)))

    def show_recommendation(self, recommended: dict[str, float], note: str = "") -> None:
        """Offer the parameters a dataset recommends (``{}``: none), with the reason for them."""
        self._recommended = dict(recommended)
        shown = ", ".join(f"{name} {value:g}" for name, value in recommended.items())
        self.recommended_action.setEnabled(bool(recommended))
        self.recommended_action.setText(
            f"The dataset's recommendation: {shown}" if recommended else "The dataset recommends no parameters")
        self.recommended_action.setToolTip(note)
        tip = WEIGHT_TIP
        if recommended:
            tip += f"\n\nThis dataset recommends {shown}" + (f": {note}" if note else ".")
        self.w_syn.setToolTip(tip)

    def show_params(self, params: dict[str, float]) -> None:
        """Show an experiment's model parameters (the published value where it overrides none)."""
        self.w_syn.blockSignals(True)
        self.w_syn.setValue(params.get("w_syn_mV", ShiuParams().w_syn_mV))
        self.w_syn.blockSignals(False)

    @property
    def pacing(self) -> Pacing:
        """The pacing currently chosen."""
        return self.pacing_actions.checkedAction().data()

    def toolbar(self, parent: QWidget) -> QToolBar:
        """A toolbar with the controls and the clock."""
        bar = QToolBar("Simulation", parent)
        bar.setObjectName("simulationToolbar")
        bar.addAction(self.play_action)
        bar.addAction(self.step_action)
        bar.addAction(self.reset_action)
        bar.addSeparator()
        bar.addWidget(QLabel(" Speed "))
        bar.addWidget(self.pacing_box)
        bar.addWidget(self.w_syn)
        bar.addWidget(self.params_button)
        bar.addSeparator()
        bar.addWidget(self.clock)
        bar.addWidget(QLabel("  "))
        bar.addWidget(self.factor)
        return bar

    def set_running(self, running: bool) -> None:
        """Show whether the worker plays, without sending anything."""
        self.running = running
        self.play_action.blockSignals(True)
        self.play_action.setChecked(running)
        self.play_action.setText("Pause" if running else "Play")
        self.play_action.setIconText(self.play_action.text())
        self.play_action.setToolTip(PLAY_TIP)
        self.play_action.blockSignals(False)

    def set_pending(self, pending: bool) -> None:
        """Show a press of Play that waits for the engine ("Starting...", checked), or drop it.

        The worker is not playing meanwhile, so :attr:`running` stays False and the clock stays put.
        """
        self.set_running(False)
        if pending:
            self.play_action.blockSignals(True)
            self.play_action.setChecked(True)  # so that the next press unchecks it: a cancel
            self.play_action.setText("Starting...")
            self.play_action.setIconText("Starting...")  # the toolbar would drop the dots of a plain text
            self.play_action.setToolTip(PENDING_TIP)
            self.play_action.blockSignals(False)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Update the clock and the real-time factor (while running, at most every CLOCK_INTERVAL_MS)."""
        self._shown_texts = (format_clock(snapshot.t_ms), format_factor(snapshot.real_time_factor, snapshot.running))
        if not snapshot.running:
            self._clock_timer.stop()
            self._show_texts()
        elif not self._clock_timer.isActive():
            self._clock_timer.start()

    def show_new_run(self) -> None:
        """Show the clock of a run that has not started: t = 0, paused (Play keeps its state: a
        press waiting for the engine still waits)."""
        self._clock_timer.stop()
        self._shown_texts = (format_clock(0.0), format_factor(0.0, False))
        self._show_texts()

    def _show_texts(self) -> None:
        if self.clock.text() != self._shown_texts[0]:
            self.clock.setText(self._shown_texts[0])
            self.clockShown.emit(self._shown_texts[0])
        self.factor.setText(self._shown_texts[1])

    def _on_play_toggled(self, checked: bool) -> None:
        self.set_running(checked)
        self.playToggled.emit(checked)

    def _on_pacing_action(self, action: QAction) -> None:
        index = self.pacing_actions.actions().index(action)
        if self.pacing_box.currentIndex() != index:
            self.pacing_box.blockSignals(True)
            self.pacing_box.setCurrentIndex(index)
            self.pacing_box.blockSignals(False)
        self.pacingChanged.emit(action.data())
