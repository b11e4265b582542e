"""The Compare panel's background run: one comparison off the GUI thread, cancellable.

:class:`CompareJob` moves a runner to its own ``QThread`` and reports through signals only (never
touching widgets from the run), the way the dataset loader does; a cancel raises from the
progress callback, so the run stops after the trial under way.
"""

from __future__ import annotations

import math
import threading
import time
import traceback

from PySide6.QtCore import QObject, QThread, Signal, Slot

PROGRESS_INTERVAL_S = 0.1
"""Most often the progress bar is updated (the run reports after every trial)."""


class _Cancelled(Exception):
    """Raised from the progress callback to stop a run the user cancelled."""


class _Runner(QObject):
    """Runs one comparison in the job's thread; reports only through signals."""

    progressed = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()

    def __init__(self, comparison, cancel: threading.Event) -> None:
        super().__init__()
        self.comparison = comparison
        self.cancel = cancel
        self._last_report = -math.inf

    def _progress(self, fraction: float, message: str) -> None:
        if self.cancel.is_set():
            raise _Cancelled
        now = time.monotonic()
        if fraction >= 1.0 or now - self._last_report >= PROGRESS_INTERVAL_S:
            self._last_report = now
            self.progressed.emit(fraction, message)

    @Slot()
    def run(self) -> None:
        try:
            self._run()
        finally:  # the thread ends with the run, so it can be waited for without the GUI's event loop
            QThread.currentThread().quit()

    def _run(self) -> None:
        from brainview.comparison import run_comparison

        try:
            result = run_comparison(self.comparison, scheduler="serial", progress=self._progress)
        except _Cancelled:
            self.cancelled.emit()
            return
        except BaseException as error:  # noqa: BLE001 (reported to the user; an escape would end the thread silently)
            self.failed.emit(str(error) or type(error).__name__, traceback.format_exc())
            return
        if self.cancel.is_set():
            self.cancelled.emit()
        else:
            self.finished.emit(result)


class CompareJob(QObject):
    """Run ``comparison`` off the GUI thread, one trial after another.

    Signals
    -------
    progressed(fraction, message)
        After trials, at most every :data:`PROGRESS_INTERVAL_S`.
    finished(result)
        The :class:`~brainview.comparison.ComparisonResult`.
    failed(message, details)
        The error in one line and its traceback.
    cancelled()
        The run stopped after :meth:`cancel`.
    """

    progressed = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()

    def __init__(self, comparison, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.comparison = comparison
        self._cancel = threading.Event()
        self.thread = QThread()
        self.thread.setObjectName("brainview-compare")
        self.runner = _Runner(comparison, self._cancel)
        self.runner.moveToThread(self.thread)
        self.thread.started.connect(self.runner.run)
        # Bound slots of this object (which lives in the GUI thread): queued, they run there.
        self.runner.progressed.connect(self.progressed)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)

    def start(self) -> None:
        """Begin the trials."""
        self.thread.start()

    def cancel(self) -> None:
        """Stop after the trial under way (``cancelled`` follows)."""
        self._cancel.set()

    @property
    def cancelling(self) -> bool:
        return self._cancel.is_set()

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Block until the thread has ended (for shutdown and tests)."""
        return self.thread.wait(timeout_ms)

    def _finish(self) -> None:
        self.thread.quit()
        self.thread.wait()

    @Slot(object)
    def _on_finished(self, result) -> None:
        self._finish()
        self.finished.emit(result)

    @Slot(str, str)
    def _on_failed(self, message: str, details: str) -> None:
        self._finish()
        self.failed.emit(message, details)

    @Slot()
    def _on_cancelled(self) -> None:
        self._finish()
        self.cancelled.emit()
