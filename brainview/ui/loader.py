"""Reading a dataset or an experiment in a background thread, the window alive meanwhile.

:class:`LoadJob` runs a reading task (:func:`read_dataset` or :func:`read_experiment_task`) in
its own ``QThread`` and reports progress, the result or the error through signals; the GUI
thread never waits on it.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

Task = Callable[[Callable[[float, str], None]], object]
"""``task(progress)``: reads something, calling ``progress(fraction, message)``; returns the result."""


def read_dataset(path: Path | None) -> Task:
    """A task that reads the dataset ``path`` (None: the embedded default) and returns
    ``(connectome, DatasetRef)``, with the digest an experiment file records."""

    def task(progress):
        import brainview
        from brainview.connectome.digest import connectome_digest
        from brainview.experiment import DatasetRef
        from brainview.resources import default_dataset_path

        connectome = brainview.load(default_dataset_path() if path is None else path, progress=progress)
        progress(1.0, "computing the dataset's digest...")
        reference = DatasetRef(None if path is None else str(path.resolve()), connectome_digest(connectome),
                               connectome.meta.get("name", ""))
        _index_inputs(connectome, progress)
        return connectome, reference

    return task


def read_experiment_task(path: Path, dataset_path: Path | None = None) -> Task:
    """A task that opens the experiment file ``path`` (its dataset checked by digest)."""

    def task(progress):
        from brainview.experiment import read_experiment

        experiment = read_experiment(path, dataset_path, progress=progress)
        _index_inputs(experiment.connectome, progress)
        return experiment

    return task


def _index_inputs(connectome, progress) -> None:
    # The inspector lists every selected cell's inputs: index them by target now, here, rather
    # than on the GUI thread at the first click (seconds for a whole fly brain).
    progress(1.0, "indexing inputs by target cell...")
    connectome.chemical.transposed  # noqa: B018 (a cached property, computed for later)


class _Reader(QObject):
    progressed = Signal(float, str)
    loaded = Signal(object)
    failed = Signal(str, str, object)

    def __init__(self, task: Task) -> None:
        super().__init__()
        self.task = task

    @Slot()
    def run(self) -> None:
        try:
            result = self.task(self.progressed.emit)
        except Exception as error:  # every failure is reported to the user, none crashes the app
            self.failed.emit(str(error) or type(error).__name__, traceback.format_exc(), error)
            return
        self.loaded.emit(result)


class LoadJob(QObject):
    """Run ``task`` off the GUI thread; ``name`` says what is read, for the progress dialog.

    Signals
    -------
    progressed(fraction, message)
        From the reader, as it goes.
    loaded(object)
        The task's result.
    failed(message, details, error)
        The error in one line, its traceback, and the exception itself.
    """

    progressed = Signal(float, str)
    loaded = Signal(object)
    failed = Signal(str, str, object)

    def __init__(self, name: str, task: Task, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.cancelled = False
        self.thread = QThread()
        self.thread.setObjectName("brainview-loader")
        self.reader = _Reader(task)
        self.reader.moveToThread(self.thread)
        self.thread.started.connect(self.reader.run)
        self.reader.progressed.connect(self.progressed)
        self.reader.loaded.connect(self._on_loaded)
        self.reader.failed.connect(self._on_failed)

    def start(self) -> None:
        """Begin reading."""
        self.thread.start()

    def cancel(self) -> None:
        """Drop the result when it comes (reading itself cannot be interrupted)."""
        self.cancelled = True

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Block until the reader thread has ended (for shutdown and tests)."""
        return self.thread.wait(timeout_ms)

    def _finish(self) -> None:
        self.thread.quit()
        self.thread.wait()

    def _on_loaded(self, result: object) -> None:
        self._finish()
        if not self.cancelled:
            self.loaded.emit(result)

    def _on_failed(self, message: str, details: str, error: object) -> None:
        self._finish()
        if not self.cancelled:
            self.failed.emit(message, details, error)
