"""Reading a dataset in a background thread, with a progress dialog the window stays alive under.

:class:`LoadJob` runs :func:`brainview.load` in its own ``QThread`` and reports progress,
the connectome or the error through signals; the GUI thread never waits on it.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from brainview.connectome import Connectome


class _Reader(QObject):
    progressed = Signal(float, str)
    loaded = Signal(object)
    failed = Signal(str, str)

    def __init__(self, path: Path | None) -> None:
        super().__init__()
        self.path = path

    @Slot()
    def run(self) -> None:
        import brainview

        try:
            if self.path is None:
                from brainview.resources import default_dataset_path

                connectome = brainview.load(default_dataset_path(), progress=self.progressed.emit)
            else:
                connectome = brainview.load(self.path, progress=self.progressed.emit)
            # The inspector lists every selected cell's inputs: index them by target now, here,
            # rather than on the GUI thread at the first click (seconds for a whole fly brain).
            self.progressed.emit(1.0, "indexing inputs by target cell...")
            connectome.chemical.transposed  # noqa: B018 (a cached property, computed for later)
        except Exception as error:  # every failure is reported to the user, none crashes the app
            self.failed.emit(str(error) or type(error).__name__, traceback.format_exc())
            return
        self.loaded.emit(connectome)


class LoadJob(QObject):
    """Load ``path`` (None: the embedded default dataset) off the GUI thread.

    Signals
    -------
    progressed(fraction, message)
        From the reader, as it goes.
    loaded(Connectome)
        The dataset, once read.
    failed(message, details)
        The error in one line, and its traceback.
    """

    progressed = Signal(float, str)
    loaded = Signal(object)
    failed = Signal(str, str)

    def __init__(self, path: str | Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = None if path is None else Path(path)
        self.cancelled = False
        self.thread = QThread()
        self.thread.setObjectName("brainview-loader")
        self.reader = _Reader(self.path)
        self.reader.moveToThread(self.thread)
        self.thread.started.connect(self.reader.run)
        self.reader.progressed.connect(self.progressed)
        self.reader.loaded.connect(self._on_loaded)
        self.reader.failed.connect(self._on_failed)

    @property
    def name(self) -> str:
        """What is being read, in words."""
        return "the default dataset" if self.path is None else self.path.name

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

    def _on_loaded(self, connectome: Connectome) -> None:
        self._finish()
        if not self.cancelled:
            self.loaded.emit(connectome)

    def _on_failed(self, message: str, details: str) -> None:
        self._finish()
        if not self.cancelled:
            self.failed.emit(message, details)
