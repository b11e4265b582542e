"""A receiver of a simulation worker's signals, shared by the worker and panel tests."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot


class Recorder(QObject):
    """Receives a worker's signals on the GUI thread (queued), as the main window does."""

    def __init__(self, worker):
        super().__init__()
        self.worker = worker
        self.snapshots, self.errors, self.states, self.ready = [], [], [], []
        worker.published.connect(self.on_published)
        worker.errored.connect(self.on_errored)
        worker.stateChanged.connect(self.on_state)
        worker.ready.connect(self.on_ready)

    @Slot(object)
    def on_published(self, snapshot):
        self.snapshots.append(snapshot)
        self.worker.acknowledge()

    @Slot(str, str)
    def on_errored(self, message, details):
        self.errors.append((message, details))

    @Slot(bool)
    def on_state(self, running):
        self.states.append(running)

    @Slot(str)
    def on_ready(self, description):
        self.ready.append(description)
