"""The Compare panel: the current stimuli as control against the current lesions, over trials.

"Compare" takes a snapshot of the experiment (:func:`~brainview.comparison.from_experiment.comparison_of`:
the stimuli that are on, every current lesion, the traced groups as readouts) and runs it with
:func:`~brainview.comparison.run_comparison` in a :class:`~brainview.ui.compare_job.CompareJob`'s own ``QThread``, one
trial after another, while the live simulation and the view keep running (the engine's kernels
release the GIL). The user may change the lesions meanwhile: the run keeps the snapshot.

The table shows one row per readout: the control's and the lesioned mean rates, their
difference with its 95% bootstrap interval, Cliff's delta and the Benjamini-Hochberg q-value;
rows with q < :data:`Q_LEVEL` are bold. A click on a row shows the readout's cells
(:func:`show_readout`): the browser's group if it is one, the raster of its cells, its first
cell selected. A second click on the button cancels the run (after the trial under way).
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QDoubleSpinBox, QHBoxLayout, QHeaderView,
    QLabel, QProgressBar, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from brainview.errors import ParameterError
from brainview.experiment import CellSet
from brainview.ui import theme
from brainview.ui.compare_job import CompareJob
from brainview.ui.session import Session

Q_LEVEL = 0.05
"""Rows whose q-value is below this are shown bold (a false discovery rate of 5%)."""

VALUE_ROLE = Qt.ItemDataRole.UserRole + 7
"""Each table cell's number(s) from the summary, unrounded (tests read them)."""

READOUT, CONDITION, CONTROL_HZ, LESIONED_HZ, DIFFERENCE, EFFECT, Q = range(7)
HEADERS = ("Readout", "Condition", "Control\n(Hz)", "Lesioned\n(Hz)", "Difference (Hz)\n[95% CI]", "Cliff's\nδ", "q")
HEADER_TIPS = (
    "A traced group: the cells whose mean rate is compared",
    "The lesions the control is compared with",
    "Mean rate per cell without the lesions, over the trials",
    "Mean rate per cell with the lesions, over the trials",
    "Lesioned minus control, with its 95% bootstrap interval (BCa)",
    "Cliff's delta: -1 when every lesioned trial fired less than every control trial, +1 when more",
    "p of a two-sided test over trials (exact permutation up to 8 against 8, Mann-Whitney beyond), "
    f"corrected for the number of rows (Benjamini-Hochberg); bold below {Q_LEVEL:g}",
)

IDLE_TEXT = ("Runs the stimuli that are on without and with the current lesions, in the background, "
             "and compares the traced groups' rates.")


class ComparePanel(QWidget):
    """Trials and duration, a Compare button, progress, and the table of differences.

    Signals
    -------
    readoutActivated(CellSet)
        A row was clicked (or made current with the keyboard): that readout's cells.
    widthWanted(int)
        The width the panel needs to show the whole table, when results come.
    """

    readoutActivated = Signal(object)
    widthWanted = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        self.job: CompareJob | None = None
        self._jobs: set[CompareJob] = set()  # every job whose thread may still run, the current one too
        self.result = None
        self.readouts: dict[str, CellSet] = {}
        self.trials = QSpinBox(suffix=" trials", minimum=2, maximum=10_000, value=10)
        self.trials.setToolTip("Independent trials of the control and of the lesioned network each (at least 2)")
        self.duration = QDoubleSpinBox(prefix="of ", suffix=" s", decimals=2, minimum=0.05, maximum=600.0,
                                       singleStep=0.5, value=1.0)
        self.duration.setToolTip("Simulated time of each trial, from rest")
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Run the comparison in the background; click again to cancel")
        self.progress = QProgressBar(minimum=0, maximum=1000, value=0, textVisible=False)
        self.progress.setMaximumHeight(8)
        self.status = QLabel(IDLE_TEXT)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        for column, tip in enumerate(HEADER_TIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(READOUT, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        row.addWidget(self.trials)
        row.addWidget(self.duration)
        row.addStretch(1)
        row.addWidget(self.compare_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addStretch(0)
        self.table.setColumnHidden(CONDITION, True)  # shown for more than one condition
        self.table.hide()  # until there are results
        self.progress.hide()  # while a run goes
        self.compare_button.clicked.connect(self.toggle)
        self.table.cellClicked.connect(lambda row, _column: self._activate(row))
        self.table.currentCellChanged.connect(self._on_current_changed)
        self.setEnabled(False)

    # -- the session --------------------------------------------------------------------------
    def set_session(self, session: Session) -> None:
        """Compare on ``session``'s experiment (a run on the previous one is cancelled)."""
        self.cancel()
        self.job = None
        self.session = session
        self.result, self.readouts = None, {}
        self.table.setRowCount(0)
        self.table.hide()
        self.progress.hide()
        self.compare_button.setText("Compare")
        self.compare_button.setEnabled(True)
        self._say(IDLE_TEXT)
        self.setEnabled(True)

    def shutdown(self, timeout_ms: int = 60_000) -> None:
        """Cancel a run and wait for its thread (the window closes)."""
        self.job = None
        for job in list(self._jobs):
            job.cancel()
            job.wait(timeout_ms)

    # -- running --------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.job is not None

    def toggle(self) -> None:
        """Start a comparison, or cancel the one running."""
        if self.running:
            self.cancel()
        else:
            self.start()

    def start(self) -> None:
        """Compare the experiment as it is now (errors go to the status line)."""
        if self.session is None or self.running:
            return
        from brainview.comparison.from_experiment import comparison_of

        try:
            comparison = comparison_of(self.session.experiment, self.trials.value(),
                                       round(self.duration.value() * 1000.0, 6))
        except ParameterError as error:
            self._say(_sentence(str(error)), error=True)
            return
        job = CompareJob(comparison, self)
        self.job = job
        self._jobs.add(job)
        job.progressed.connect(lambda fraction, message: self._on_progress(job, fraction, message))
        job.finished.connect(lambda result: self._on_finished(job, result))
        job.failed.connect(lambda message, details: self._on_failed(job, message, details))
        job.cancelled.connect(lambda: self._on_cancelled(job))
        self.compare_button.setText("Cancel")
        self.progress.setValue(0)
        self.progress.show()
        self._say(f"Running control and {comparison.conditions[0].name}: {comparison.trials} trials of "
                  f"{comparison.duration_ms / 1000:g} s each...")
        job.start()

    def cancel(self) -> None:
        """Stop the run after the trial under way."""
        if self.job is not None and not self.job.cancelling:
            self.job.cancel()
            self.compare_button.setText("Cancelling...")
            self.compare_button.setEnabled(False)

    def _done(self, job: CompareJob) -> bool:
        """Finish with ``job``; False if it is not the current one (a dataset was opened since)."""
        self._jobs.discard(job)
        job.deleteLater()
        if job is not self.job:
            return False
        self.job = None
        self.compare_button.setText("Compare")
        self.compare_button.setEnabled(True)
        self.progress.hide()
        return True

    def _on_progress(self, job: CompareJob, fraction: float, message: str) -> None:
        if job is self.job and not job.cancelling:
            self.progress.setValue(int(1000 * min(max(fraction, 0.0), 1.0)))
            self._say(f"Running control and {job.comparison.conditions[0].name}: {message}")

    def _on_finished(self, job: CompareJob, result) -> None:
        if self._done(job):
            self.show_result(result)

    def _on_failed(self, job: CompareJob, message: str, details: str) -> None:
        if self._done(job):
            self._say(f"The comparison failed: {message}", error=True)
            self.status.setToolTip(details)

    def _on_cancelled(self, job: CompareJob) -> None:
        if self._done(job):
            self._say("Comparison cancelled." + (" The table shows the last finished one." if self.result else ""))

    # -- the table ---------------------------------------------------------------------------------
    def show_result(self, result) -> None:
        """Fill the table from ``result.summary`` (a :class:`~brainview.comparison.ComparisonResult`)."""
        self.result = result
        comparison = result.comparison
        self.readouts = {readout.label: readout for readout in comparison.readouts}
        summary = result.summary
        bold = QFont(self.table.font())
        bold.setBold(True)
        self.table.blockSignals(True)
        self.table.clearContents()
        self.table.setRowCount(len(summary))
        for index, row in enumerate(summary.itertuples(index=False)):
            significant = bool(row.q < Q_LEVEL)
            cells = (
                (str(row.readout), row.readout),
                (str(row.condition), row.condition),
                (_hz(row.control_mean_Hz), row.control_mean_Hz),
                (_hz(row.mean_Hz), row.mean_Hz),
                (f"{_hz(row.diff_Hz, signed=True)}  [{_hz(row.ci_low_Hz, signed=True)}, {_hz(row.ci_high_Hz, signed=True)}]",
                 (row.diff_Hz, row.ci_low_Hz, row.ci_high_Hz)),
                (_number(row.effect_size, "+.2f"), row.effect_size),
                (format_q(row.q), row.q),
            )
            readout = self.readouts.get(row.readout)
            tip = (f"{row.readout}: {readout.rows.size:,} cells. " if readout is not None else "") + \
                f"p = {row.p:.3g}, q = {row.q:.3g}{' (significant)' if significant else ''}. Click to select its cells."
            for column, (text, value) in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(VALUE_ROLE, value)
                item.setToolTip(tip)
                if column >= CONTROL_HZ:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if significant:
                    item.setFont(bold)
                self.table.setItem(index, column, item)
        self.table.blockSignals(False)
        self.table.show()
        self.table.setColumnHidden(CONDITION, summary["condition"].nunique() <= 1)
        significant = int((summary["q"] < Q_LEVEL).sum())
        self._say(
            f"Control against {comparison.conditions[0].name}, {comparison.trials} trials of "
            f"{comparison.duration_ms / 1000:g} s each ({result.wall_s:.1f} s): {significant} of {len(summary)} "
            f"readouts differ at q < {Q_LEVEL:g} (bold). Click a row to select its cells.")
        self.table.resizeColumnsToContents()
        margins = self.layout().contentsMargins()
        self.widthWanted.emit(
            self.table.horizontalHeader().length() + self.table.verticalScrollBar().sizeHint().width()
            + 2 * self.table.frameWidth() + margins.left() + margins.right())

    def _on_current_changed(self, row: int, _column: int, previous: int, _previous_column: int) -> None:
        # Keyboard navigation; a mouse press also moves the current row, and its click follows.
        if row >= 0 and row != previous and QApplication.mouseButtons() == Qt.MouseButton.NoButton:
            self._activate(row)

    def _activate(self, row: int) -> None:
        item = self.table.item(row, READOUT)
        readout = self.readouts.get(item.data(VALUE_ROLE)) if item is not None else None
        if readout is not None:
            self.readoutActivated.emit(readout)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setToolTip("")
        self.status.setStyleSheet(f"color: {theme.LESION}" if error else f"color: {theme.MUTED}")


def format_q(q: float) -> str:
    """A q-value as the table shows it: ``0.003``, ``< 0.001``, ``-`` when there is none."""
    if not math.isfinite(q):
        return "-"
    return "< 0.001" if q < 0.001 else f"{q:.3f}"


def _hz(value: float, signed: bool = False) -> str:
    return _number(value, "+.1f" if signed else ".1f")


def _number(value: float, spec: str) -> str:
    return format(value, spec) if math.isfinite(value) else "-"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


# -- the main window's dock ------------------------------------------------------------------------
def show_readout(window, cells: CellSet) -> None:
    """Show ``cells`` as a group is shown: its browser row (if it is one), the raster of its
    cells, and its first cell selected (the inspector and the 3D view follow the selection)."""
    session = window.session
    if session is None or cells.rows.size == 0:
        return
    if cells.key in session.tree.by_key:
        window.browser.reveal(cells.key)
    window.traces.set_focus(cells.rows)
    session.select(int(cells.rows[0]))


def install_compare_dock(window) -> ComparePanel:
    """Give the main window a Compare dock, a tab beside the Stimuli dock (before its menus are built)."""
    panel = ComparePanel()
    dock = window._dock("Compare", panel, Qt.DockWidgetArea.RightDockWidgetArea)
    window.docks["compare"] = dock
    window.tabifyDockWidget(window.docks["stimuli"], dock)
    window.docks["stimuli"].raise_()
    panel.readoutActivated.connect(lambda cells: show_readout(window, cells))

    def widen(width: int) -> None:  # once per result, if it is narrower; the user may narrow it again
        if not dock.visibleRegion().isEmpty() and not dock.isFloating() and dock.width() < width:
            window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)

    panel.widthWanted.connect(widen)
    return panel
