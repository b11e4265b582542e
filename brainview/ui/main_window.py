"""The main window: the 3D view in the middle, panels in docks, menus, shortcuts, undo.

The window owns the open :class:`~brainview.ui.session.Session` and the simulation worker;
the panels talk to the session, and the session's commands go to the worker's queue.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication, QDockWidget, QFileDialog, QMainWindow, QMessageBox, QProgressDialog, QVBoxLayout, QWidget,
)

from brainview.connectome import Connectome
from brainview.ui import dialogs
from brainview.ui.browser import CellTypeBrowser
from brainview.experiment import DatasetChangedError, DatasetNotFoundError, DatasetRef, Experiment, write_experiment
from brainview.ui import experiment_files
from brainview.ui.commands import Pause, Play, Reset, SetPacing, Snapshot, Step
from brainview.ui.compare_panel import install_compare_dock
from brainview.ui.controls import SimulationControls
from brainview.ui.diversity_panel import install_diversity_dock
from brainview.ui.engine_status import EngineStatus
from brainview.ui.inspector import Inspector
from brainview.ui.learning_panel import install_learning_dock
from brainview.experiment.lessons import Lesson
from brainview.ui.lesson import FIRST_LESSON, refresh_lesson_menu, shipped_lesson
from brainview.ui.lesson_panel import LessonBanner, LessonPanel
from brainview.ui.loader import LoadJob, read_dataset, read_experiment_task
from brainview.ui.menus import build_menus
from brainview.ui.paths_panel import install_paths_dock
from brainview.ui.presentation import Appearance, Presentation
from brainview.ui.session import Session, dataset_recommendation
from brainview.ui.shortcuts import ShortcutFilter
from brainview.ui.settings import AppSettings
from brainview.ui.stimulus_panel import StimulusPanel
from brainview.ui.subsystems_panel import install_subsystems_dock
from brainview.ui.timeline_window import install_timeline
from brainview.ui.traces import TracesPanel
from brainview.ui.view3d import ViewPanel
from brainview.ui.worker import SimulationWorker


class MainWindow(QMainWindow):
    """brainview's window.

    Parameters
    ----------
    settings : AppSettings
        Where recent files, layout and preferences are remembered.
    """

    def __init__(self, settings: AppSettings) -> None:
        super().__init__()
        self.settings = settings
        self.session: Session | None = None
        self.worker: SimulationWorker | None = None
        self.load_job: LoadJob | None = None
        self.experiment_path: str | None = None
        self.progress: QProgressDialog | None = None
        self.error_box: QMessageBox | None = None
        self.setWindowTitle("brainview")
        self.resize(1500, 950)
        self.controls = SimulationControls(settings.pacing(), self)
        self.engine = EngineStatus(self.controls, self)
        self.view = ViewPanel(self)
        self.browser = CellTypeBrowser()
        self.inspector = Inspector()
        self.stimuli = StimulusPanel(settings)
        self.traces = TracesPanel(settings.trace_window_ms())
        self.lesson_panel = LessonPanel()
        self.banner = LessonBanner()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.banner)
        column.addWidget(self.view, 1)
        self.timeline = install_timeline(self, column)
        self.setCentralWidget(central)
        self.docks = {
            "browser": self._dock("Cell types", self.browser, Qt.DockWidgetArea.LeftDockWidgetArea),
            "inspector": self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea),
            "stimuli": self._dock("Stimuli", self.stimuli, Qt.DockWidgetArea.RightDockWidgetArea),
            "lesson": self._dock("Lesson", self.lesson_panel, Qt.DockWidgetArea.RightDockWidgetArea),
            "traces": self._dock("Traces", self.traces, Qt.DockWidgetArea.BottomDockWidgetArea),
        }
        # The side panels are lists: give them the full height; the traces sit under the 3D view.
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.docks["stimuli"], self.docks["lesson"])
        self.docks["stimuli"].raise_()
        self.docks["lesson"].hide()
        self.compare = install_compare_dock(self)
        self.learning = install_learning_dock(self)
        self.subsystems = install_subsystems_dock(self)
        self.diversity = install_diversity_dock(self)
        self.paths = install_paths_dock(self)
        self.addToolBar(self.controls.toolbar(self))
        self.appearance = Appearance(self, settings)
        self.presentation = Presentation(self, self.appearance, settings)
        build_menus(self)
        self._connect()
        geometry, state = settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        self._layout_restored = state is not None and self.restoreState(state)
        self.statusBar().addPermanentWidget(self.engine.label)
        QApplication.instance().installEventFilter(ShortcutFilter(self))
        self.statusBar().showMessage("Loading...")

    @property
    def engine_ready(self) -> bool:
        """The current dataset's simulation engine is built and compiled."""
        return self.engine.ready

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if not self._layout_restored:  # first start: give the traces and panels room, once laid out
            self._layout_restored = True
            QTimer.singleShot(0, self._default_layout)

    def event(self, event: QEvent) -> bool:
        if event.type() != QEvent.Type.UpdateRequest:
            return super().event(event)
        # One repaint of the window: its widgets' paints and the flush (through OpenGL for the
        # 3D view's own native window); the traces and the view pace their redraws by it.
        start = time.perf_counter()
        handled = super().event(event)
        seconds = time.perf_counter() - start
        self.traces.note_window_repaint(seconds)
        self.view.note_window_repaint(seconds)
        return handled

    def _default_layout(self) -> None:
        height, width = self.height(), self.width()
        self.resizeDocks([self.docks["browser"], self.docks["inspector"]],
                         [int(width * 0.27), int(width * 0.25)], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["traces"]], [int(height * 0.5)], Qt.Orientation.Vertical)

    # -- layout --------------------------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        self.controls.playToggled.connect(self._on_play_toggled)
        self.engine.playRequested.connect(lambda: self._send(Play()))
        self.controls.stepRequested.connect(lambda ms: self._send(Step(ms)))
        self.controls.resetRequested.connect(lambda: self._send(Reset()))
        self.controls.pacingChanged.connect(self._on_pacing_changed)
        self.controls.modelChanged.connect(self._on_params_changed)
        self.lesson_panel.modelRequested.connect(self._set_model)
        self.browser.groupActivated.connect(self._on_group_activated)
        self.browser.driveRequested.connect(self._on_drive_requested)
        self.lesson_panel.playRequested.connect(lambda: self.controls.play_action.setChecked(True))
        self.view.cellPicked.connect(lambda row: self.session and self.session.select(row))
        self.banner.startRequested.connect(lambda: self.start_lesson(shipped_lesson(FIRST_LESSON)))
        self.banner.dismissed.connect(self._dismiss_banner)

    # -- opening datasets --------------------------------------------------------------------------
    def choose_file(self) -> None:
        """Ask for a file and open it."""
        path, _ = QFileDialog.getOpenFileName(self, "Open a connectome", self.last_folder(), dialogs.OPEN_FILTER)
        if path:
            self.open_path(path)

    def choose_folder(self) -> None:
        """Ask for a folder of source tables (a Codex download, Shiu et al. inputs...) and open it."""
        path = QFileDialog.getExistingDirectory(self, "Open a folder of connectome tables", self.last_folder())
        if path:
            self.open_path(path)

    def last_folder(self) -> str:
        """Where the open and save dialogs start: the folder of the newest recent file ("" if none)."""
        recent = self.settings.recent_files()
        return str(Path(recent[0]).parent) if recent else ""

    def open_path(self, path: str | Path | None) -> None:
        """Read ``path`` in the background, then show it: a dataset (None: the embedded default)
        or an experiment file (``.toml``)."""
        if path is not None and Path(path).suffix.lower() == ".toml":
            self.open_experiment(path)
            return
        path = None if path is None else Path(path)
        self._start_job(LoadJob("the default dataset" if path is None else path.name, read_dataset(path), self), path)

    def open_experiment(self, path: str | Path, dataset_path: str | Path | None = None) -> None:
        """Open the experiment file ``path`` in the background (its dataset checked by digest)."""
        path = Path(path)
        task = read_experiment_task(path, None if dataset_path is None else Path(dataset_path))
        self._start_job(LoadJob(path.name, task, self), path)

    def _start_job(self, job: LoadJob, path: Path | None) -> None:
        if self.load_job is not None:
            self.load_job.cancel()
        self.load_job = job
        self._close_progress()
        self.progress = QProgressDialog(f"Reading {job.name}...", "Cancel", 0, 1000, self)
        self.progress.setWindowTitle("Opening")
        self.progress.setMinimumDuration(400)
        # Not modal: a modal QProgressDialog runs the event loop inside setValue, so the load
        # could finish, and a new engine start, in the middle of a progress update (a crash
        # seen while the worker loaded the numba cache). Opening another file cancels this one.
        self.progress.setWindowModality(Qt.WindowModality.NonModal)
        self.progress.canceled.connect(job.cancel)
        job.progressed.connect(self._on_load_progress)
        job.loaded.connect(lambda result: self._on_loaded(job, path, result))
        job.failed.connect(lambda message, details, error: self._on_load_failed(job, path, message, details, error))
        self.statusBar().showMessage(f"Reading {job.name}...")
        job.start()

    def _on_load_progress(self, fraction: float, message: str) -> None:
        dialog = self.progress
        if dialog is not None:
            dialog.setLabelText(message or "Reading...")
            dialog.setValue(int(1000 * min(max(fraction, 0.0), 1.0)))

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.reset()
            self.progress.deleteLater()
            self.progress = None

    def _on_loaded(self, job: LoadJob, path: Path | None, result) -> None:
        self._close_progress()
        if path is not None:
            self.settings.add_recent_file(path)
            self._refresh_recent_menu()
        self.load_job = None
        if isinstance(result, Experiment):
            self.experiment_path = str(path)
            self.set_connectome(result.connectome, experiment=result)
        else:
            connectome, dataset = result
            self.experiment_path = None
            self.set_connectome(connectome, dataset=dataset)

    def _on_load_failed(self, job: LoadJob, path: Path | None, message: str, details: str, error) -> None:
        self._close_progress()
        self.load_job = None
        if isinstance(error, (DatasetNotFoundError, DatasetChangedError)):
            chosen = experiment_files.ask_for_dataset(self, path, error)
            if chosen is not None:
                self.open_experiment(path, chosen)
            return
        self.statusBar().showMessage(f"Could not open {job.name}")
        self.engine.load_failed()
        self.show_error(f"Could not open {job.name}", message, details)

    def set_connectome(self, connectome: Connectome, experiment: Experiment | None = None,
                       dataset: DatasetRef | None = None) -> None:
        """Show ``connectome`` (with ``experiment``, or a new one on ``dataset``): a new session,
        a new simulation worker, every panel refreshed."""
        if self.worker is not None:  # the old run's clock goes now, not at the new engine's first word
            self.controls.show_new_run()
        self._stop_worker()
        worker = SimulationWorker(connectome, self.controls.pacing)
        session = Session(connectome, worker.submit, self, experiment=experiment, dataset=dataset)
        if self.session is not None:
            self.session.close()
            self.session.deleteLater()
        self.session, self.worker = session, worker
        worker.published.connect(self._on_snapshot)
        worker.stateChanged.connect(self.controls.set_running)
        worker.errored.connect(self._on_worker_error)
        worker.errored.connect(self.learning.engine_failed)
        worker.exported.connect(self._on_exported)
        self.engine.attach(worker)
        self.timeline.attach(worker)
        # Bound methods, not lambdas: Qt drops them when the window goes, before the session's last signals.
        session.historyChanged.connect(self._on_history_changed)
        self._on_history_changed()
        self._last_generation = -1
        self.controls.show_params(session.experiment.params)
        recommended, problem = dataset_recommendation(connectome)
        self.controls.show_recommendation(recommended, connectome.meta.get("recommended_params_note", ""))
        for panel in (self.browser, self.inspector, self.stimuli, self.traces, self.view, self.compare, self.learning,
                      self.subsystems, self.diversity, self.paths):
            panel.set_session(session)
        fitting = refresh_lesson_menu(self, connectome)
        name = connectome.meta.get("name", "connectome")
        self.setWindowTitle(f"brainview: {name}")
        self.statusBar().showMessage(problem + " (the model's defaults are used)" if problem else (
            f"{name}: {connectome.n:,} cells, {connectome.chemical.n_connections:,} connections, "
            f"{connectome.chemical.total_weight:,.0f} synapses. Space plays; right-click a group to lesion or drive it."))
        self.banner.setVisible(not self.settings.lesson_offered() and FIRST_LESSON in fitting)
        session.start()
        worker.start()

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files()
        for index, path in enumerate(recent, start=1):
            action = self.recent_menu.addAction(f"&{index} {Path(path).name}")
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if recent:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list").triggered.connect(self._clear_recent)
        self.recent_menu.setEnabled(bool(recent))

    def _clear_recent(self) -> None:
        self.settings.clear_recent_files()
        self._refresh_recent_menu()

    # -- simulation ---------------------------------------------------------------------------------
    def _send(self, command) -> None:
        if self.worker is not None:
            self.worker.submit(command)

    def _on_play_toggled(self, on: bool) -> None:
        if self.engine.hold(on):  # no engine yet: it plays when ready, or a waiting Play is cancelled
            return
        self._send(Play() if on else Pause())
        if on:
            self.statusBar().clearMessage()

    def _on_pacing_changed(self, pacing) -> None:
        self.settings.set_pacing(pacing)
        self._send(SetPacing(pacing))

    def _set_model(self, overrides) -> None:
        values = dict(overrides)
        if "w_syn_mV" in values:
            self.controls.w_syn.setValue(values["w_syn_mV"])

    def _on_params_changed(self, overrides) -> None:
        if self.session is not None:
            self.session.experiment.set_params({**self.session.experiment.params, **dict(overrides)})
            self.controls.show_params(self.session.experiment.params)  # set from a menu, the box follows

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        if self.worker is None or self.sender() is not self.worker:
            return  # a late snapshot of a dataset that was closed
        new_run = snapshot.generation != self._last_generation  # the engine started again at t = 0
        self._last_generation = snapshot.generation
        # A rewind starts a generation too, but its log keeps the past before the fork point.
        shown = self.timeline.add_snapshot(snapshot)
        self.session.record_changes(snapshot.changes, new_run and snapshot.branch is None)
        if shown:
            self.controls.show_snapshot(snapshot)
            self.traces.add_snapshot(snapshot)
            self.view.show_snapshot(snapshot)
        self.learning.add_snapshot(snapshot)
        self.worker.acknowledge()

    def _on_exported(self, written: list, problem: str) -> None:
        if problem:
            self.show_error("Could not export the run", problem)
        else:
            self.statusBar().showMessage(f"Exported the run: {', '.join(written)}", 8000)

    def _on_worker_error(self, message: str, details: str) -> None:
        self.controls.set_running(False)
        self.show_error("The simulation stopped", message, details)

    def _stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None

    # -- panels -------------------------------------------------------------------------------------
    def _on_group_activated(self, key: str) -> None:
        node = self.session.tree.find(key)
        self.stimuli.set_browser_group(key)
        self.traces.set_focus(node.rows)

    def _on_drive_requested(self, key: str, on: bool) -> None:
        self.stimuli.drive(self.session.tree.find(key).target(), on)

    def _focus_search(self) -> None:
        self.docks["browser"].show()
        self.browser.search.setFocus()
        self.browser.search.selectAll()

    def _probe_selected(self) -> None:
        if self.session is not None and self.session.selected >= 0:
            row = self.session.selected
            self.session.probe(row, row not in self.session.probes)

    def _on_history_changed(self) -> None:
        history = self.session.experiment.history
        self.undo_action.setText(f"&Undo {history.undo_text}" if history.undo_text else "&Undo")
        self.redo_action.setText(f"&Redo {history.redo_text}" if history.redo_text else "&Redo")
        self.undo_action.setEnabled(bool(history.undo_text))
        self.redo_action.setEnabled(bool(history.redo_text))

    def _set_trace_window(self, window_ms: float) -> None:
        self.settings.set_trace_window_ms(window_ms)
        self.traces.set_window_ms(window_ms)

    def start_lesson(self, lesson: Lesson) -> None:
        """Open the lesson panel on ``lesson``."""
        self._dismiss_banner()
        if self.session is None:
            return
        self.docks["lesson"].show()
        self.docks["lesson"].raise_()
        # The steps are for reading: give them most of the side column's height.
        self.resizeDocks([self.docks["lesson"]], [int(self.height() * 0.6)], Qt.Orientation.Vertical)
        self.lesson_panel.start(self.session, lesson)

    def _dismiss_banner(self) -> None:
        self.banner.hide()
        self.settings.set_lesson_offered()

    # -- dialogs --------------------------------------------------------------------------------------
    def show_error(self, title: str, message: str, details: str = "") -> None:
        """Tell the user what went wrong without blocking the window."""
        box = dialogs.error_box(self, title, message, details)
        self.error_box = box
        box.destroyed.connect(lambda: setattr(self, "error_box", None) if self.error_box is box else None)
        box.open()

    def show_shortcuts(self) -> None:
        """List the keyboard shortcuts."""
        dialogs.show_shortcuts(self)

    def show_about(self) -> None:
        """Version, dataset and citation."""
        dialogs.show_about(self, self.session.connectome.meta if self.session else {})

    # -- closing ----------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        if self.session is not None:
            self.view.store_camera()
            try:  # kept for "Restore the last experiment on launch"
                write_experiment(self.session.experiment, experiment_files.last_experiment_path())
            except OSError:
                pass  # nothing to restore next time; closing must not fail for it
        self.settings.save_window_state(*self.presentation.normal_layout())
        self.settings.sync()
        self.compare.shutdown()
        self._stop_worker()
        if self.load_job is not None:
            self.load_job.cancel()
            self.load_job.wait()
        self.view.close()
        super().closeEvent(event)

